-- The audit trail's seals: dcpf.audit_seal chains and signs what was
-- committed; dcpf.audit_verify finds a superuser's UPDATE, DELETE or INSERT
-- of a sealed event, a reordering, and a changed, removed or forged seal, and
-- names the event. Each attack runs with the append-only triggers switched
-- off (session_replication_role = replica, as a superuser can) and is rolled
-- back afterwards. Late commits and the offline verifier:
-- test/shell/audit_seal_late_commit.sh.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_seal_app;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

CREATE FUNCTION pg_temp.verify() RETURNS TABLE (verified boolean, problem text, seal_no bigint, event_id bigint, detail text)
    LANGUAGE sql AS $$
    SELECT verified, problem, seal_no, event_id, detail FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour') $$;

-- some events, then the first seal
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital');
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'een@example.nl', 'Jansen', 'E.'),
    ('00000000-0000-4000-8000-000000000102', 'twee@example.nl', 'Bakker', 'T.'),
    ('00000000-0000-4000-8000-000000000103', 'drie@example.nl', 'Visser', 'D.');
SELECT seal_no, range_events, late_events, high_id = (SELECT max(id) FROM dcpf.audit_event) AS covers_all
  FROM dcpf.audit_seal();
-- nothing new: no seal
SELECT seal_no, range_events FROM dcpf.audit_seal();
SELECT verified, problem FROM pg_temp.verify();
-- the verification was itself an event; a second seal continues the chain
SELECT dcpf.audit_queue_drain();
-- numbers taken and never used leave gaps, which the seal accepts
SELECT count(nextval('dcpf.audit_event_id_seq')) FROM generate_series(1, 3);
UPDATE dcpf.person SET job_title = 'AIOS' WHERE id = '00000000-0000-4000-8000-000000000101';
SELECT seal_no, late_events FROM dcpf.audit_seal();
SELECT verified, problem FROM pg_temp.verify();

-- the canonical line: every column, in table order, times in UTC
SELECT dcpf.audit_event_line(e) ~ '^\{"id":[0-9]+,"occurred_at":"[0-9-]{10}T[0-9:.]{15}Z","xact_id":"[0-9]+","action":"update","outcome":"success",.*"object_table":"person","object_key":"00000000-0000-4000-8000-000000000101","object_keys":null,"subject_person":"00000000-0000-4000-8000-000000000101","reference":null,"detail":\{"columns": \["job_title", "updated_at"\]\}\}$' AS canonical
  FROM dcpf.audit_event e WHERE e.action = 'update';
SELECT dcpf.audit_public_key() ~ '^-----BEGIN PUBLIC KEY-----' AS public_key_pem;

-- a sealed event changed
CREATE TEMP TABLE target AS SELECT min(id) AS first_id, max(id) AS last_id FROM dcpf.audit_event;
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_event SET outcome = 'failure' WHERE id = (SELECT first_id + 2 FROM target);
SELECT verified, problem, seal_no, event_id - (SELECT first_id FROM target) AS event_offset FROM pg_temp.verify();
ROLLBACK;
-- a sealed event deleted
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM dcpf.audit_event WHERE id = (SELECT first_id + 3 FROM target);
SELECT verified, problem, seal_no, event_id - (SELECT first_id FROM target) AS event_offset FROM pg_temp.verify();
ROLLBACK;
-- an event inserted into a sealed range (into a gap of the numbering)
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, database_role, effective_role, object_table, subject_person)
SELECT g.id, now(), pg_current_xact_id(), 'read', 'success', 'app', 'app', 'person', '00000000-0000-4000-8000-000000000102'
  FROM (SELECT s.id FROM generate_series((SELECT first_id FROM target), (SELECT max(id) FROM dcpf.audit_event)) s(id)
         WHERE s.id NOT IN (SELECT id FROM dcpf.audit_event) ORDER BY s.id LIMIT 1) g;
SELECT verified, problem, seal_no FROM pg_temp.verify();
ROLLBACK;
-- two events swapped (their numbers exchanged)
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_event SET id = -1 WHERE id = (SELECT first_id + 1 FROM target);
UPDATE dcpf.audit_event SET id = (SELECT first_id + 1 FROM target) WHERE id = (SELECT first_id + 2 FROM target);
UPDATE dcpf.audit_event SET id = (SELECT first_id + 2 FROM target) WHERE id = -1;
SELECT verified, problem, seal_no, event_id - (SELECT first_id FROM target) AS event_offset FROM pg_temp.verify();
ROLLBACK;
-- a seal's statement changed, its event list changed, a seal removed
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_seal SET statement = replace(statement, '"range_events":', '"range_events":1') WHERE seal_no = 1;
SELECT verified, problem, seal_no FROM pg_temp.verify();
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_seal SET row_digests = substr(row_digests, 17) WHERE seal_no = 1;
SELECT verified, problem, seal_no FROM pg_temp.verify();
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM dcpf.audit_seal WHERE seal_no = 1;
SELECT verified, problem, seal_no FROM pg_temp.verify();
ROLLBACK;
-- a seal re-signed with another key is not ours
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_seal SET signature = decode(repeat('00', 64), 'hex') WHERE seal_no = 2;
SELECT verified, problem, seal_no FROM pg_temp.verify();
ROLLBACK;
-- untouched again
SELECT verified, problem FROM pg_temp.verify();

-- seals are append-only too
UPDATE dcpf.audit_seal SET sealed_at = now();
DELETE FROM dcpf.audit_seal;
TRUNCATE dcpf.audit_seal;

-- bad input, and who may
SELECT * FROM dcpf.audit_seal(0);
SELECT * FROM dcpf.audit_verify(now(), now() - interval '1 day');
SELECT * FROM dcpf.audit_verify(NULL, now());
CREATE ROLE dcpf_test_seal_app NOLOGIN IN ROLE dcpf_app;
SET ROLE dcpf_test_seal_app;
SELECT * FROM dcpf.audit_seal();
SELECT * FROM dcpf.audit_verify(now() - interval '1 hour', now());
SELECT count(*) FROM dcpf.audit_export(now() - interval '1 hour', now());
SELECT count(*) FROM dcpf.audit_seal;
SELECT dcpf.audit_public_key() IS NOT NULL AS public;
RESET ROLE;
-- the maintenance role seals: the third seal, over the events written since
-- the second (the reads queued meanwhile written first, so that the count
-- below does not depend on the audit worker's timing)
SELECT dcpf.audit_queue_drain();
SET ROLE dcpf_maintenance;
SELECT seal_no, range_events > 0 AS sealed_events FROM dcpf.audit_seal();
SELECT verified, problem, detail FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour');
RESET ROLE;
-- the export: events then their seal, per seal
SELECT left(line, 2) AS kind, count(*) FROM dcpf.audit_export(now() - interval '1 hour', now() + interval '1 hour') line
 GROUP BY 1 ORDER BY 1;

-- the seal job, dcpf.run_seal: seal after seal, each committed, until
-- nothing is left (here at most two event numbers a seal, so that five
-- persons' events take several); stopped by max_duration, it leaves the
-- rest to its next run. The job of 1.0.0 made one seal a run and fell
-- behind whenever more events came in between two runs than one seal takes
DO $$
BEGIN
    FOR n IN 11 .. 15 LOOP
        INSERT INTO dcpf.person (id, email, surname, initials)
        VALUES (('00000000-0000-4000-8000-0000000001' || n)::uuid, 'p' || n || '@example.nl', 'Smit', 'S.');
    END LOOP;
END
$$;
SELECT dcpf.audit_queue_drain() AS drained;
CREATE TEMP TABLE before_job AS SELECT max(seal_no) AS last_seal, (SELECT max(id) FROM dcpf.audit_event) AS last_event FROM dcpf.audit_seal;
SET ROLE dcpf_maintenance;
CALL dcpf.run_seal(max_duration => '1 microsecond', max_events => 1) \gset stopped_
RESET ROLE;
SELECT :'stopped_report'::jsonb AS stopped_after_one_seal;
SET ROLE dcpf_maintenance;
CALL dcpf.run_seal(max_events => 2) \gset job_
RESET ROLE;
SELECT (:'job_report'::jsonb ->> 'seals')::integer = (SELECT max(seal_no) - last_seal - 1 FROM dcpf.audit_seal, before_job GROUP BY last_seal) AS seals_counted,
       (:'job_report'::jsonb ->> 'seals')::integer > 1 AS several_seals, :'job_report'::jsonb ->> 'caught_up' AS caught_up,
       (SELECT max(high_id) FROM dcpf.audit_seal) >= (SELECT last_event FROM before_job) AS all_sealed;
-- nothing left: no seal
CALL dcpf.run_seal();
SELECT verified, problem FROM pg_temp.verify();
CALL dcpf.run_seal(max_duration => '0');
CALL dcpf.run_seal(max_duration => NULL);
CALL dcpf.run_seal(max_events => 0);
SET ROLE dcpf_test_seal_app;
CALL dcpf.run_seal();
RESET ROLE;

-- the reads logged above are written before the extension goes (else the
-- worker writes them into the next test's trail)
SELECT dcpf.audit_queue_drain() AS drained;
SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_seal_app;
