-- dcpf.schedule_maintenance (sql/260_schedule.sql) where pg_cron does not
-- run jobs (its jobs are read from cron.database_name, 'postgres' in
-- tools/with-cluster; this is another database): it schedules nothing, says
-- what to schedule instead (a NOTICE and its result), and refuses a role the
-- jobs must not run as. With pg_cron for real: test/shell/schedule_maintenance_pg_cron.sh.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_sm_cron;
DROP ROLE IF EXISTS dcpf_test_sm_second;
DROP ROLE IF EXISTS dcpf_test_sm_nologin;
DROP ROLE IF EXISTS dcpf_test_sm_noinherit;
DROP ROLE IF EXISTS dcpf_test_sm_stranger;
DROP ROLE IF EXISTS dcpf_test_sm_super;
RESET client_min_messages;
\set SHOW_CONTEXT never
\i test/sql/include/refused.sql

-- no login role in dcpf_maintenance yet
SELECT pg_temp.refused('SELECT * FROM dcpf.schedule_maintenance()') AS no_role;
CREATE ROLE dcpf_test_sm_cron LOGIN IN ROLE dcpf_maintenance;
CREATE ROLE dcpf_test_sm_nologin NOLOGIN IN ROLE dcpf_maintenance;
CREATE ROLE dcpf_test_sm_noinherit LOGIN NOINHERIT IN ROLE dcpf_maintenance;
CREATE ROLE dcpf_test_sm_stranger LOGIN;
CREATE ROLE dcpf_test_sm_super LOGIN SUPERUSER IN ROLE dcpf_maintenance;

-- the only login role that uses dcpf_maintenance's privileges runs the jobs:
-- nothing is scheduled here, the statements for pg_cron's database are given
SELECT job_name, schedule, command, job_id, outcome, instead FROM dcpf.schedule_maintenance();
-- a job left out is left out of the statements too; no limit runs the retention to its end
SELECT job_name, schedule, command, outcome, instead IS NULL AS nothing_to_do
  FROM dcpf.schedule_maintenance('dcpf_test_sm_cron', retention_max_duration => NULL, partitions_schedule => NULL);

-- roles the jobs do not run as
SELECT pg_temp.refused($$SELECT * FROM dcpf.schedule_maintenance('dcpf_test_sm_nologin')$$) AS nologin;
SELECT pg_temp.refused($$SELECT * FROM dcpf.schedule_maintenance('dcpf_test_sm_noinherit')$$) AS noinherit;
SELECT pg_temp.refused($$SELECT * FROM dcpf.schedule_maintenance('dcpf_test_sm_stranger')$$) AS stranger;
SELECT pg_temp.refused($$SELECT * FROM dcpf.schedule_maintenance('dcpf_test_sm_super')$$) AS superuser;
SELECT pg_temp.refused($$SELECT * FROM dcpf.schedule_maintenance('dcpf_test_sm_nobody')$$) AS unknown;
CREATE ROLE dcpf_test_sm_second LOGIN IN ROLE dcpf_maintenance;
SELECT pg_temp.refused('SELECT * FROM dcpf.schedule_maintenance()') AS two_candidates;
-- bad schedules and durations
SELECT pg_temp.refused($$SELECT * FROM dcpf.schedule_maintenance('dcpf_test_sm_cron', seal_schedule => 'every minute')$$) AS words;
SELECT pg_temp.refused($$SELECT * FROM dcpf.schedule_maintenance('dcpf_test_sm_cron', retention_schedule => '30 2 * *',
                                                                  licence_ends_schedule => '* * * * * ; DROP TABLE x')$$) AS fields;
SELECT pg_temp.refused($$SELECT * FROM dcpf.schedule_maintenance('dcpf_test_sm_cron', retention_max_duration => interval '0')$$) AS no_time;
SELECT pg_temp.refused($$SELECT * FROM dcpf.schedule_maintenance('dcpf_test_sm_cron', retention_max_duration => interval '2 days')$$) AS too_long;
SELECT job_name, schedule FROM dcpf.schedule_maintenance('dcpf_test_sm_cron', seal_schedule => '@hourly', retention_schedule => '0 3 * * sun')
 WHERE outcome = 'not scheduled' AND instead IS NOT NULL;

-- only the extension owner schedules
SET ROLE dcpf_maintenance;
SELECT pg_temp.refused('SELECT * FROM dcpf.schedule_maintenance(''dcpf_test_sm_cron'')') AS maintenance;
RESET ROLE;
SET ROLE dcpf_app;
SELECT pg_temp.refused('SELECT * FROM dcpf.schedule_maintenance(''dcpf_test_sm_cron'')') AS application;
RESET ROLE;

-- pg_cron installed here (allowed in this test database) but not reading
-- its jobs here: still nothing scheduled, and no job added
CREATE EXTENSION pg_cron;
SELECT job_name, outcome FROM dcpf.schedule_maintenance('dcpf_test_sm_cron');
SELECT count(*) AS cron_jobs FROM cron.job;
DROP EXTENSION pg_cron;

-- the crontab lines given where pg_cron is not loaded: single-quoted for the
-- shell, cron's % escaped
SELECT dcpf.crontab_line('*/5 * * * *', 'CALL dcpf.run_seal()', 'dcpf_cron', 'portfolio');
SELECT dcpf.crontab_line('30 2 * * *', $$CALL dcpf.run_retention(max_duration => interval '7200 seconds')$$, 'dcpf_cron', 'it''s 100%');

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_sm_cron;
DROP ROLE dcpf_test_sm_second;
DROP ROLE dcpf_test_sm_nologin;
DROP ROLE dcpf_test_sm_noinherit;
DROP ROLE dcpf_test_sm_stranger;
DROP ROLE dcpf_test_sm_super;
