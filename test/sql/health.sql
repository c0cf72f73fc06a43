-- The DBA's health view (sql/280_health.sql): one row per check, each
-- driven here from ok to warning or critical and back by what it watches
-- (a partition missing, an event in the default partition, events waiting
-- for a seal, a data key of a generation the key source lacks or of an
-- older one, a rotation left paused, retention runs that failed or stalled,
-- a licence end not completed, the audit queue filling up, notices waiting
-- or failed, requests and breaches near or past their deadlines). Read by dcpf_maintenance and superusers; dcpf_app and
-- dcpf_reporting are refused. Ages depend on the clock: only the statuses
-- and the counts are shown. The old events, runs, notices, requests and
-- breaches are written by the superuser as the jobs and the application
-- would have written them earlier.
SET client_min_messages = warning;
-- no audit worker of an earlier test may make this test's partitions: wait
-- until this database's has drained its queue and left (3 s idle)
DO $$
BEGIN
    IF to_regprocedure('dcpf.audit_queue_status()') IS NOT NULL THEN
        PERFORM dcpf.audit_queue_drain('10 seconds');
        FOR i IN 1 .. 100 LOOP
            EXIT WHEN (SELECT s.worker_pid IS NULL FROM dcpf.audit_queue_status() s);
            PERFORM pg_sleep(0.1);
        END LOOP;
    END IF;
END
$$;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_he_maintenance;
DROP ROLE IF EXISTS dcpf_test_he_app;
DROP ROLE IF EXISTS dcpf_test_he_reporting;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
CREATE ROLE dcpf_test_he_maintenance NOLOGIN IN ROLE dcpf_maintenance;
CREATE ROLE dcpf_test_he_app NOLOGIN IN ROLE dcpf_app;
CREATE ROLE dcpf_test_he_reporting NOLOGIN IN ROLE dcpf_reporting;
-- the status of each check (and the value, where it is a count)
CREATE FUNCTION pg_temp.health() RETURNS TABLE (check_name text, status text, value text) LANGUAGE sql AS $$
SELECT h.check_name, h.status, CASE WHEN h.check_name IN ('audit.seal_lag', 'queue.audit') THEN '-' ELSE h.value END
  FROM dcpf.health h
$$;
CREATE FUNCTION pg_temp.status(name text) RETURNS text LANGUAGE sql
RETURN (SELECT h.status || coalesce(' ' || h.value, '') FROM pg_temp.health() h WHERE h.check_name = name);
GRANT EXECUTE ON FUNCTION pg_temp.health(), pg_temp.status(text) TO PUBLIC;

-- ---------------------------------------------------------------------------
-- A fresh install: nothing written yet, no partition made, the retention
-- job never run; the maintenance role reads it
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_he_maintenance;
SELECT * FROM pg_temp.health();
RESET ROLE;
SELECT count(*) AS checks, count(DISTINCT check_name) AS distinct_names,
       bool_and(status IN ('ok', 'warning', 'critical')) AS statuses_known,
       bool_and(threshold <> '' AND detail LIKE '%.') AS explained
  FROM dcpf.health;

-- refused: the application's and the reporting role, even through the function
\set VERBOSITY terse
\set ON_ERROR_STOP 0
SET ROLE dcpf_test_he_app;
SELECT count(*) FROM dcpf.health;
SELECT count(*) FROM dcpf.health_checks();
SET ROLE dcpf_test_he_reporting;
SELECT count(*) FROM dcpf.health;
SELECT count(*) FROM dcpf.health_checks();
RESET ROLE;
\set ON_ERROR_STOP 1
\set VERBOSITY default

-- ---------------------------------------------------------------------------
-- Partitions ahead: none (critical), one month after this one (warning),
-- three (ok)
-- ---------------------------------------------------------------------------
SELECT count(*) AS made FROM dcpf.audit_create_partitions(1);
SELECT pg_temp.status('audit.partitions_ahead');
SELECT count(*) AS made FROM dcpf.audit_create_partitions(3);
SELECT pg_temp.status('audit.partitions_ahead');

-- an event of a month without a partition waits in the default partition,
-- unsealed for years; its month's partition takes it, a seal covers it
INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, database_role, effective_role)
VALUES (nextval('dcpf.audit_event_id_seq'), '2000-01-15 12:00+00', pg_current_xact_id(), 'read', 'success', 'x', 'x');
SELECT pg_temp.status('audit.default_partition') AS default_partition, pg_temp.status('audit.seal_lag') AS seal_lag;
SELECT dcpf.audit_create_partition('2000-01-01')::text AS made;
SELECT pg_temp.status('audit.default_partition') AS default_partition;
SELECT seal_no FROM dcpf.audit_seal();
SELECT pg_temp.status('audit.seal_lag') AS seal_lag;

-- seal lag: an event written 20 minutes ago and not sealed (warning), one
-- two hours ago (critical), then a seal
INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, database_role, effective_role)
VALUES (nextval('dcpf.audit_event_id_seq'), now() - interval '20 minutes', pg_current_xact_id(), 'read', 'success', 'x', 'x');
SELECT pg_temp.status('audit.seal_lag') AS seal_lag;
INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, database_role, effective_role)
VALUES (nextval('dcpf.audit_event_id_seq'), now() - interval '2 hours', pg_current_xact_id(), 'read', 'success', 'x', 'x');
SELECT pg_temp.status('audit.seal_lag') AS seal_lag;
SELECT seal_no FROM dcpf.audit_seal();
SELECT pg_temp.status('audit.seal_lag') AS seal_lag;
SELECT split_part(detail, ';', 1) AS unsealed FROM dcpf.health WHERE check_name = 'audit.seal_lag';

-- the node: a single server is ok; once a node of a cluster is registered,
-- a server without dcpf.audit_node would be refused its next seal
-- (critical), and it is (the same check as the sealer's)
SELECT pg_temp.status('audit.node') AS node;
SELECT node_name FROM dcpf.audit_register_node('worker-1', dcpf.audit_public_key());
SELECT pg_temp.status('audit.node') AS node;
SELECT detail FROM dcpf.health WHERE check_name = 'audit.node';
DO $$BEGIN PERFORM dcpf.audit_seal(); EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'seal refused: % %', SQLSTATE, SQLERRM; END$$;
SELECT node_name FROM dcpf.audit_retire_node('worker-1');
SELECT pg_temp.status('audit.node') AS node;

-- ---------------------------------------------------------------------------
-- Master keys: a data key wrapped by generation 9, which the key source
-- lacks (critical); one of an older generation (warning); a rotation left
-- paused (warning)
-- ---------------------------------------------------------------------------
\i test/sql/include/two_licensees.sql
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'aios@example.nl', 'Jansen', 'J.');
SELECT octet_length(dcpf.encrypt('06 12345678', 'person', 'phone', '00000000-0000-4000-8000-000000000101',
                                 '00000000-0000-4000-8000-000000000101')) > 0 AS encrypted;
SELECT pg_temp.status('master_keys.key_source') AS key_source, pg_temp.status('master_keys.rotation') AS rotation;
INSERT INTO dcpf.data_key (id, subject_id, wrapped)
VALUES ('00000000-0000-4000-8000-0000000000c9', '00000000-0000-4000-8000-0000000000d9',
        '\x0100000009'::bytea || decode(repeat('ab', 60), 'hex'));
SELECT pg_temp.status('master_keys.key_source') AS key_source, pg_temp.status('master_keys.rotation') AS rotation;
SELECT detail FROM dcpf.health WHERE check_name IN ('master_keys.key_source', 'master_keys.rotation') ORDER BY check_name;
-- a data key left wrapped by an older generation than the current one (1):
-- a rotation to do (and generation 0 is not in the key source either)
UPDATE dcpf.data_key SET wrapped = '\x0100000000'::bytea || decode(repeat('ab', 60), 'hex')
 WHERE id = '00000000-0000-4000-8000-0000000000c9';
SELECT pg_temp.status('master_keys.key_source') AS key_source, pg_temp.status('master_keys.rotation') AS rotation;
DELETE FROM dcpf.data_key WHERE id = '00000000-0000-4000-8000-0000000000c9';
INSERT INTO dcpf.key_rotation_run (target_generation, keys_total, keys_done, batches, finished_at, status)
VALUES (1, 10, 4, 2, now(), 'paused');
SELECT pg_temp.status('master_keys.key_source') AS key_source, pg_temp.status('master_keys.rotation') AS rotation;
INSERT INTO dcpf.key_rotation_run (target_generation, keys_total, keys_done, batches, finished_at, status)
VALUES (1, 6, 6, 1, now(), 'done');
SELECT pg_temp.status('master_keys.rotation') AS rotation;

-- ---------------------------------------------------------------------------
-- The retention job: never run (warning), a run completed (ok), one that
-- failed (critical), one stalled (warning), none for two days (warning)
-- ---------------------------------------------------------------------------
SELECT pg_temp.status('jobs.retention');
SET client_min_messages = warning;
\o /dev/null
CALL dcpf.run_retention();
\o
RESET client_min_messages;
SELECT pg_temp.status('jobs.retention');
INSERT INTO dcpf.job_run (job, started_at, updated_at, finished_at, status, error)
VALUES ('retention', now(), now(), now(), 'failed', 'category x, table y: 23503 a test failure');
SELECT pg_temp.status('jobs.retention');
INSERT INTO dcpf.job_run (job, started_at, updated_at, status, backend_pid)
VALUES ('retention', now(), now() - interval '20 minutes', 'running', 0);
SELECT pg_temp.status('jobs.retention');
UPDATE dcpf.job_run SET status = 'completed', finished_at = now() WHERE status = 'running';
SELECT pg_temp.status('jobs.retention');
UPDATE dcpf.job_run SET started_at = started_at - interval '2 days', updated_at = updated_at - interval '2 days';
SELECT pg_temp.status('jobs.retention');

-- ---------------------------------------------------------------------------
-- Licence ends: a licence whose last day was the day before yesterday, not
-- completed (warning), then completed
-- ---------------------------------------------------------------------------
SELECT pg_temp.status('jobs.licence_ends');
UPDATE dcpf.licence SET ends_on = current_date - 2 WHERE licensee_id = '00000000-0000-4000-8000-00000000a002';
SELECT pg_temp.status('jobs.licence_ends');
SELECT count(*) > 0 AS completed FROM dcpf.complete_licence_ends();
SELECT pg_temp.status('jobs.licence_ends');

-- ---------------------------------------------------------------------------
-- Notices: one waiting for two hours (warning), for two days (critical);
-- sent (ok); one failed this week (warning)
-- ---------------------------------------------------------------------------
SELECT pg_temp.status('queue.notices');
INSERT INTO dcpf.notice (id, kind, recipient_email, payload, queued_at) VALUES
    ('00000000-0000-4000-8000-0000000000e1', 'feedback_request', 'extern@example.nl', '{}', now() - interval '2 hours');
SELECT pg_temp.status('queue.notices');
INSERT INTO dcpf.notice (id, kind, recipient_email, payload, queued_at) VALUES
    ('00000000-0000-4000-8000-0000000000e2', 'feedback_request', 'extern@example.nl', '{}', now() - interval '2 days');
SELECT pg_temp.status('queue.notices');
UPDATE dcpf.notice SET sent_at = now() WHERE id IN ('00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000e2');
SELECT pg_temp.status('queue.notices');
INSERT INTO dcpf.notice (id, kind, recipient_email, payload, queued_at, attempts, failed_at, last_error) VALUES
    ('00000000-0000-4000-8000-0000000000e3', 'feedback_request', 'extern@example.nl', '{}', now() - interval '1 day', 3,
     now() - interval '1 hour', 'mailbox unavailable');
SELECT pg_temp.status('queue.notices');

-- ---------------------------------------------------------------------------
-- Data-subject requests: one with weeks left (ok), one a few days from the
-- last day of its month (warning), one past it (critical), withdrawn (ok)
-- ---------------------------------------------------------------------------
SELECT pg_temp.status('requests.deadlines');
INSERT INTO dcpf.subject_request (id, person_id, kind, channel, received_at) VALUES
    ('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-000000000101', 'access', 'web', now() - interval '3 days');
SELECT pg_temp.status('requests.deadlines');
INSERT INTO dcpf.subject_request (id, person_id, kind, channel, received_at) VALUES
    ('00000000-0000-4000-8000-0000000000f2', '00000000-0000-4000-8000-000000000101', 'erasure', 'web', now() - interval '27 days');
SELECT pg_temp.status('requests.deadlines');
INSERT INTO dcpf.subject_request (id, person_id, kind, channel, received_at) VALUES
    ('00000000-0000-4000-8000-0000000000f3', '00000000-0000-4000-8000-000000000101', 'objection', 'web', now() - interval '40 days');
SELECT pg_temp.status('requests.deadlines');
SELECT regexp_replace(detail, '; the nearest last day is [0-9-]+', '') AS detail FROM dcpf.health WHERE check_name = 'requests.deadlines';
UPDATE dcpf.subject_request SET status = 'withdrawn', completed_at = now()
 WHERE id IN ('00000000-0000-4000-8000-0000000000f2', '00000000-0000-4000-8000-0000000000f3');
SELECT pg_temp.status('requests.deadlines');

-- ---------------------------------------------------------------------------
-- Breaches: the authority to be notified within 72 hours of discovery;
-- discovered 30 hours ago (ok), 65 hours ago (warning), 80 hours ago
-- (critical); notified (ok)
-- ---------------------------------------------------------------------------
-- a breach (of risk: the authority to be notified) discovered hours ago
CREATE FUNCTION pg_temp.breach(n integer, hours integer) RETURNS text LANGUAGE sql AS $$
INSERT INTO dcpf.breach (id, title, discovered_at, recorded_by, nature, breach_types, data_categories, subject_categories,
                         likely_consequences, risk)
VALUES (('00000000-0000-4000-8000-0000000000b' || n)::uuid, 'Verloren laptop ' || n, now() - make_interval(hours => hours),
        '00000000-0000-4000-8000-000000000101', 'Een laptop met exports is zoekgeraakt.', '{confidentiality}',
        '{portfolio}', '{professionals}', 'Inzage door onbevoegden.', 'risk')
RETURNING title
$$;
SELECT pg_temp.status('breaches.deadlines');
SELECT pg_temp.breach(1, 30);
SELECT pg_temp.status('breaches.deadlines');
SELECT pg_temp.breach(2, 65);
SELECT pg_temp.status('breaches.deadlines');
SELECT pg_temp.breach(3, 80);
SELECT pg_temp.status('breaches.deadlines');
UPDATE dcpf.breach SET authority_notified_at = now(), authority_reference = 'AP-2026-001',
       authority_late_reason = CASE WHEN authority_due_at < now() THEN 'Pas laat ontdekt wat er op stond.' END
 WHERE id IN ('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-0000000000b3');
SELECT pg_temp.status('breaches.deadlines');

-- ---------------------------------------------------------------------------
-- The audit queue: while this transaction keeps the audit worker from
-- writing, 4200 logged reads fill half its 8192 slots (warning), 7400 more
-- than 90 % (critical); they stay queued when it rolls back, and are written
-- ---------------------------------------------------------------------------
SELECT pg_temp.status('queue.audit') AS audit_queue;
BEGIN;
LOCK TABLE dcpf.audit_event IN ACCESS EXCLUSIVE MODE;
SELECT count(dcpf.audit_note('read', 'health_test', i::text, NULL, NULL)) AS logged FROM generate_series(1, 4200) i;
SELECT pg_temp.status('queue.audit') AS audit_queue, (SELECT value FROM dcpf.health WHERE check_name = 'queue.audit') AS queued;
SELECT count(dcpf.audit_note('read', 'health_test', i::text, NULL, NULL)) AS logged FROM generate_series(4201, 7400) i;
SELECT pg_temp.status('queue.audit') AS audit_queue, (SELECT value FROM dcpf.health WHERE check_name = 'queue.audit') AS queued;
ROLLBACK;
SELECT dcpf.audit_queue_drain('1 minute') AS drained;
SELECT pg_temp.status('queue.audit') AS audit_queue;
SELECT count(*) AS written FROM dcpf.audit_event WHERE object_table = 'health_test';
SELECT v AS percent_full, dcpf.health_status(v, 50, 90) AS status
  FROM unnest(ARRAY[0, 49.9, 50, 89.9, 90, 100, NULL]::numeric[]) v;
SELECT dcpf.health_status(5, NULL, 1) AS critical_only, dcpf.health_status(5, 1, NULL) AS warning_only,
       dcpf.health_age(interval '1 hour 2 minutes 3.7 seconds') AS age,
       dcpf.health_age(interval '-1.2 seconds') AS written_after_the_check_began;

-- nothing of a person in the output: no name, e-mail, breach title, request or person id
SELECT count(*) AS personal_lines FROM dcpf.health
 WHERE concat_ws(' ', value, detail) ~* 'jansen|example\.nl|laptop|00000000-0000-4000-8000-0000000001|00000000-0000-4000-8000-0000000000[bf]';
-- and at the end, the whole view (ages left out)
SELECT * FROM pg_temp.health();

DROP FUNCTION pg_temp.status(text), pg_temp.health(), pg_temp.breach(integer, integer);
DROP ROLE dcpf_test_he_maintenance;
DROP ROLE dcpf_test_he_app;
DROP ROLE dcpf_test_he_reporting;
