-- Retention of the audit trail by months: dcpf.audit_drop_expired_partitions
-- drops every month's partition that lies wholly before the cut-off, with a
-- signed record of what it held, and keeps a month holding an event covered
-- by a legal hold in force (and says which holds); a dry run changes
-- nothing; running twice removes nothing more. dcpf.audit_verify passes over
-- the dropped months, counting their events as removed by retention, and
-- still reports events removed any other way (a superuser getting round the
-- guard, a DELETE with triggers off, a record changed, copied or deleted) as
-- tampering. Only dcpf_maintenance may call it; a search_path trick does
-- nothing. The events of past months are written here as a superuser can
-- (dcpf's own writers stamp the current time); the offline verifier and a
-- late commit across a dropped month: test/shell/audit_retention_offline.sh.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_ret_app;
DROP ROLE IF EXISTS dcpf_test_ret_reporting;
DROP SCHEMA IF EXISTS evil CASCADE;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE FUNCTION pg_temp.verify(from_time timestamptz DEFAULT now() - interval '1 hour')
    RETURNS TABLE (verified boolean, problem text, seal_no bigint, event_id bigint, events_removed bigint, months_removed date[],
                   detail text)
    LANGUAGE sql AS $$
    SELECT verified, problem, seal_no, event_id, events_removed, months_removed, detail
      FROM dcpf.audit_verify(from_time, now() + interval '1 hour') $$;

-- two licensees and three persons; the months January to June 2019
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital'),
    ('00000000-0000-4000-8000-00000000a002', 'UMC West', 'academic_hospital');
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'een@example.nl', 'Jansen', 'E.'),
    ('00000000-0000-4000-8000-000000000102', 'twee@example.nl', 'Bakker', 'T.'),
    ('00000000-0000-4000-8000-000000000103', 'drie@example.nl', 'Visser', 'D.');
SELECT dcpf.audit_create_partition(d::date) FROM generate_series('2019-01-01'::date, '2019-06-01', '1 month') d;
SELECT dcpf.audit_create_partition('2019-06-01') IS NULL AS already_there;
SELECT dcpf.audit_queue_drain();
SELECT seal_no FROM dcpf.audit_seal();

-- n events at a past time, of a licensee and a person; numbers relative to base
SELECT coalesce(max(id), 0) AS base FROM dcpf.audit_event \gset
CREATE FUNCTION pg_temp.ev(at timestamptz, n integer, licensee uuid, subject uuid) RETURNS void LANGUAGE sql AS $$
    INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, actor_person, database_role, effective_role,
                                  licensee_id, object_table, object_key, subject_person)
    SELECT nextval('dcpf.audit_event_id_seq'), at + g * interval '1 millisecond', pg_current_xact_id(), 'read', 'success',
           '00000000-0000-4000-8000-000000000103', 'app', 'dcpf_app', licensee, 'person', subject::text, subject
      FROM generate_series(0, n - 1) g $$;
-- January (events 1-4), sealed alone
SELECT pg_temp.ev('2019-01-10', 4, '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102');
SELECT seal_no, range_events FROM dcpf.audit_seal();
-- the turn of the month: January (5, 6), February (7, 8; person 101), and a
-- read of 31 January written after them (9): one seal covers both months
SELECT pg_temp.ev('2019-01-31 23:59:00', 2, '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102');
SELECT pg_temp.ev('2019-02-01 00:00:00', 2, '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101');
SELECT pg_temp.ev('2019-01-31 23:59:59', 1, '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102');
SELECT seal_no, range_events FROM dcpf.audit_seal();
-- February of licensee B (10, 11), March of B (12-14), April of A (15-17): one seal
SELECT pg_temp.ev('2019-02-15', 2, '00000000-0000-4000-8000-00000000a002', '00000000-0000-4000-8000-000000000103');
SELECT pg_temp.ev('2019-03-10', 3, '00000000-0000-4000-8000-00000000a002', '00000000-0000-4000-8000-000000000103');
SELECT pg_temp.ev('2019-04-10', 3, '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102');
SELECT seal_no, range_events FROM dcpf.audit_seal();
-- May (18-20) and June (21, 22): one seal
SELECT pg_temp.ev('2019-05-10', 3, '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102');
SELECT pg_temp.ev('2019-06-10', 2, '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102');
SELECT seal_no, range_events FROM dcpf.audit_seal();
SELECT verified, problem FROM pg_temp.verify();

-- Legal holds: in force on person 101 of A (February) and on all of B
-- (February, March); lifted, expired, of another category, or on a person
-- of another licensee: none of these keeps anything
INSERT INTO dcpf.legal_hold (id, licensee_id, person_id, category, reason, placed_by, placed_at, until, lifted_at, lifted_by) VALUES
    ('00000000-0000-4000-8000-0000000f0001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101',
     NULL, 'Claim of person 101', '00000000-0000-4000-8000-000000000103', now(), NULL, NULL, NULL),
    ('00000000-0000-4000-8000-0000000f0002', '00000000-0000-4000-8000-00000000a002', NULL,
     'access_log', 'Inspection of licensee B', '00000000-0000-4000-8000-000000000103', now(), now() + interval '1 year', NULL, NULL),
    ('00000000-0000-4000-8000-0000000f0003', '00000000-0000-4000-8000-00000000a001', NULL,
     NULL, 'A claim that was settled', '00000000-0000-4000-8000-000000000103', now() - interval '1 day', NULL, now(),
     '00000000-0000-4000-8000-000000000103'),
    ('00000000-0000-4000-8000-0000000f0004', '00000000-0000-4000-8000-00000000a001', NULL,
     NULL, 'A hold that has ended', '00000000-0000-4000-8000-000000000103', '2020-01-01', '2021-01-01', NULL, NULL),
    ('00000000-0000-4000-8000-0000000f0005', '00000000-0000-4000-8000-00000000a001', NULL,
     'billing', 'Tax inspection of billing', '00000000-0000-4000-8000-000000000103', now(), NULL, NULL, NULL),
    ('00000000-0000-4000-8000-0000000f0006', '00000000-0000-4000-8000-00000000a002', '00000000-0000-4000-8000-000000000102',
     NULL, 'Claim about person 102', '00000000-0000-4000-8000-000000000103', now(), NULL, NULL, NULL);

-- 1. a dry run: January and April would go, February and March are held; nothing changes
SELECT dcpf.audit_queue_drain();
CREATE TEMP TABLE before_dry AS
SELECT (SELECT count(*) FROM dcpf.audit_event) AS events, (SELECT count(*) FROM dcpf.audit_seal) AS seals,
       (SELECT count(*) FROM dcpf.audit_dropped_partition) AS records,
       (SELECT array_agg(inhrelid::regclass::text ORDER BY 1) FROM pg_inherits WHERE inhparent = 'dcpf.audit_event'::regclass) AS partitions;
SET ROLE dcpf_maintenance;
SELECT * FROM dcpf.audit_drop_expired_partitions('2019-05-01', dry_run => true) ORDER BY month;
RESET ROLE;
SELECT dcpf.audit_queue_drain();
SELECT (SELECT count(*) FROM dcpf.audit_event) = b.events AS same_events, (SELECT count(*) FROM dcpf.audit_seal) = b.seals AS same_seals,
       (SELECT count(*) FROM dcpf.audit_dropped_partition) = b.records AS same_records,
       (SELECT array_agg(inhrelid::regclass::text ORDER BY 1) FROM pg_inherits WHERE inhparent = 'dcpf.audit_event'::regclass) = b.partitions AS same_partitions
  FROM before_dry b;

-- 2. the retention job: January and April are dropped, each with its record
SET ROLE dcpf_maintenance;
SELECT * FROM dcpf.audit_drop_expired_partitions('2019-05-01') ORDER BY month;
RESET ROLE;
SELECT month, partition_name, events, first_id - :base AS first_id, last_id - :base AS last_id,
       (SELECT string_agg(format('%s-%s', lower(r) - :base, upper(r) - 1 - :base), ' ' ORDER BY lower(r)) FROM unnest(event_ids) r) AS runs,
       first_seal, last_seal, octet_length(boundary_digests) / 40 AS boundary_events,
       chain = (SELECT s.statement::jsonb ->> 'chain' FROM dcpf.audit_seal s WHERE s.seal_no = last_seal) AS chain_is_last_seals,
       database_role, effective_role, application_name IS NOT NULL AS names_the_job
  FROM dcpf.audit_dropped_partition ORDER BY month;
SELECT to_regclass('dcpf.audit_event_2019_01') AS january, to_regclass('dcpf.audit_event_2019_04') AS april,
       to_regclass('dcpf.audit_event_2019_02') AS february;
-- the signed statement says the same, and the drop is itself an event
SELECT d.month, s ->> 'month' AS month, s -> 'ids' = (SELECT jsonb_agg(jsonb_build_array(lower(r), upper(r) - 1) ORDER BY lower(r)) FROM unnest(d.event_ids) r) AS ids,
       (s ->> 'events')::bigint = d.events AS events, (s ->> 'first_seal')::bigint = d.first_seal AS first_seal,
       s ->> 'chain' = d.chain AS chain, s ->> 'effective_role' AS effective_role, s ->> 'key' = (SELECT key_fingerprint FROM dcpf.audit_seal LIMIT 1) AS key
  FROM dcpf.audit_dropped_partition d, LATERAL (SELECT d.statement::jsonb) x(s) ORDER BY 1;
SELECT action, object_table, object_key, effective_role FROM dcpf.audit_event WHERE action = 'audit_retention' ORDER BY id;

-- 3. verification: every seal passes; the dropped months' events are counted as removed
SELECT * FROM pg_temp.verify();
-- over a period after the drop, there is nothing removed to tell
SELECT clock_timestamp() AS after_drop \gset
SELECT dcpf.audit_queue_drain();
SELECT seal_no > 5 AS sealed_again FROM dcpf.audit_seal();
SELECT * FROM pg_temp.verify(:'after_drop');

-- 4. running again removes nothing more; once the holds are lifted, February and March go
SET ROLE dcpf_maintenance;
SELECT * FROM dcpf.audit_drop_expired_partitions('2019-05-01') ORDER BY month;
RESET ROLE;
UPDATE dcpf.legal_hold SET lifted_at = now(), lifted_by = '00000000-0000-4000-8000-000000000103'
 WHERE id IN ('00000000-0000-4000-8000-0000000f0001', '00000000-0000-4000-8000-0000000f0002');
SET ROLE dcpf_maintenance;
SELECT * FROM dcpf.audit_drop_expired_partitions('2019-05-01') ORDER BY month;
RESET ROLE;
SELECT month, events, (SELECT string_agg(format('%s-%s', lower(r) - :base, upper(r) - 1 - :base), ' ' ORDER BY lower(r)) FROM unnest(event_ids) r) AS runs,
       first_seal, last_seal, octet_length(boundary_digests) / 40 AS boundary_events
  FROM dcpf.audit_dropped_partition ORDER BY month;
SELECT * FROM pg_temp.verify();
-- the export carries the records its seals need (tools/audit-verify: see the shell test)
SELECT left(line, 2) AS kind, count(*) FROM dcpf.audit_export(now() - interval '1 hour', now() + interval '1 hour') line GROUP BY 1 ORDER BY 1;
SELECT left(line, 2) AS kind, count(*) FROM dcpf.audit_export(:'after_drop', now() + interval '1 hour') line GROUP BY 1 ORDER BY 1;

-- 5. any other removal is refused, and where a superuser gets round that, found
DROP TABLE dcpf.audit_event_2019_05;
ALTER TABLE dcpf.audit_event DETACH PARTITION dcpf.audit_event_2019_05;
DO $$ BEGIN EXECUTE 'DROP TABLE dcpf.audit_event_2019_05'; END $$;
TRUNCATE dcpf.audit_dropped_partition;
DELETE FROM dcpf.audit_dropped_partition;
SELECT to_regclass('dcpf.audit_event_2019_05') IS NOT NULL AS may_is_there;
-- the guard knows the trail by its name: renamed for a moment, May is dropped
BEGIN;
ALTER TABLE dcpf.audit_event RENAME TO audit_event_hidden;
DROP TABLE dcpf.audit_event_2019_05;
ALTER TABLE dcpf.audit_event_hidden RENAME TO audit_event;
SELECT verified, problem, seal_no, event_id - :base AS event FROM pg_temp.verify();
ROLLBACK;
-- May emptied with the triggers off
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM dcpf.audit_event_2019_05;
SELECT verified, problem, seal_no, event_id - :base AS event FROM pg_temp.verify();
ROLLBACK;
-- one event of May deleted, then May dropped by the retention job: the deletion still shows
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM dcpf.audit_event WHERE id = :base + 19;
SELECT month, events, outcome FROM dcpf.audit_drop_expired_partitions('2019-06-01') ORDER BY month;
SELECT (SELECT string_agg(format('%s-%s', lower(r) - :base, upper(r) - 1 - :base), ' ' ORDER BY lower(r)) FROM unnest(event_ids) r) AS runs
  FROM dcpf.audit_dropped_partition WHERE month = '2019-05-01';
SELECT verified, problem, seal_no, event_id - :base AS event FROM pg_temp.verify();
ROLLBACK;
-- a record changed, copied to another month, or deleted
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_dropped_partition SET statement = replace(statement, '"events":7', '"events":8') WHERE month = '2019-01-01';
SELECT verified, problem, seal_no, detail FROM pg_temp.verify();
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM dcpf.audit_event_2019_05;
INSERT INTO dcpf.audit_dropped_partition
SELECT '2019-05-01', 'audit_event_2019_05', events, first_id, last_id, event_ids, first_seal, last_seal, chain, dropped_at,
       database_role, effective_role, application_name, statement, signature, boundary_digests
  FROM dcpf.audit_dropped_partition WHERE month = '2019-01-01';
SELECT verified, problem, seal_no, detail FROM pg_temp.verify();
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_dropped_partition SET boundary_digests = substr(boundary_digests, 41) WHERE month = '2019-04-01';
SELECT verified, problem, seal_no, detail FROM pg_temp.verify();
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM dcpf.audit_dropped_partition WHERE month = '2019-01-01';
SELECT verified, problem, seal_no, event_id - :base AS event FROM pg_temp.verify();
ROLLBACK;

-- 6. a month that differs from its seal, or is not wholly sealed, is kept
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_event SET outcome = 'denied' WHERE id = :base + 18;
SELECT month, events, outcome, replace(reason, (:base + 18)::text, 'b+18') AS reason
  FROM dcpf.audit_drop_expired_partitions('2019-06-01') ORDER BY month;
ROLLBACK;
BEGIN;
SELECT pg_temp.ev('2019-06-20', 1, '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102');
SELECT month, events, outcome, regexp_replace(reason, '[0-9]{2,}', 'N') AS reason
  FROM dcpf.audit_drop_expired_partitions('2019-07-01') ORDER BY month;
ROLLBACK;
-- events of a dropped month that arrive later stay in the default partition, which is never dropped
BEGIN;
SELECT pg_temp.ev('2019-01-20', 2, '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102');
SELECT * FROM dcpf.audit_drop_expired_partitions('2019-05-01', true) ORDER BY month;
ROLLBACK;

-- 7. bad input changes nothing
SELECT * FROM dcpf.audit_drop_expired_partitions(NULL);
SELECT * FROM dcpf.audit_drop_expired_partitions('2999-01-01');
SELECT * FROM dcpf.audit_drop_expired_partitions('2019-05-01', NULL);
SELECT * FROM dcpf.audit_retention_prepare('dcpf.audit_event_2019_06', '2019-05-01', true, '{}', '{}');
SELECT * FROM dcpf.audit_retention_prepare('dcpf.audit_event_default', '2019-06-01', true, '{}', '{}');
SELECT * FROM dcpf.audit_retention_drop(ARRAY['dcpf.audit_event_2019_06'::regclass]);
SELECT dcpf.audit_create_partition('2019-06-02');
SELECT to_regclass('dcpf.audit_event_2019_05') IS NOT NULL AS may_is_there, count(*) AS records FROM dcpf.audit_dropped_partition;

-- 8. who may: the maintenance role, and nobody else (the records are the owner's,
-- like the seals); a search_path trick does nothing
CREATE ROLE dcpf_test_ret_app NOLOGIN IN ROLE dcpf_app;
CREATE ROLE dcpf_test_ret_reporting NOLOGIN IN ROLE dcpf_reporting;
SET ROLE dcpf_test_ret_app;
SELECT * FROM dcpf.audit_drop_expired_partitions('2019-06-01', true);
SELECT count(*) FROM dcpf.audit_dropped_partition;
SET ROLE dcpf_test_ret_reporting;
SELECT * FROM dcpf.audit_drop_expired_partitions('2019-06-01', true);
SET ROLE dcpf_maintenance;
SELECT * FROM dcpf.audit_retention_prepare('dcpf.audit_event_2019_05', '2019-05-01', true, '{}', '{}');
SELECT * FROM dcpf.audit_retention_drop(ARRAY['dcpf.audit_event_2019_05'::regclass]);
SELECT count(*) FROM dcpf.audit_dropped_partition;
RESET ROLE;
CREATE SCHEMA evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2999-12-31'::timestamptz $$;
CREATE FUNCTION evil.to_date(text, text) RETURNS date LANGUAGE sql AS $$ SELECT '2000-01-01'::date $$;
CREATE TABLE evil.legal_hold (id uuid);
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA evil TO PUBLIC;
SET ROLE dcpf_maintenance;
SET search_path = evil, pg_catalog, public;
SELECT * FROM dcpf.audit_drop_expired_partitions('2999-01-01', true);
SELECT month, outcome FROM dcpf.audit_drop_expired_partitions('2019-07-01', true) ORDER BY month;
RESET search_path;
RESET ROLE;

-- the reads logged above are written before the extension goes
SELECT dcpf.audit_queue_drain() AS drained;
SET client_min_messages = warning;
DROP SCHEMA evil CASCADE;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_ret_app;
DROP ROLE dcpf_test_ret_reporting;
