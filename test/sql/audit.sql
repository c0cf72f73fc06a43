-- The audit trail (NEN 7513): each operation by each role leaves exactly the
-- expected event, with the right actor and subject; reads of another person
-- are logged even when the reading transaction rolls back or errors; refused
-- reads and refused tokens are events; the trail is append-only for everyone,
-- the superuser included; nobody reads it directly, and reading it through
-- the person's and the licensee's functions is itself logged.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_audit_backend;
DROP ROLE IF EXISTS dcpf_test_audit_app;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

-- wait until the audit worker has written what this database queued
-- the events after a mark, without times and numbers
CREATE TEMP TABLE mark (id bigint);
INSERT INTO mark VALUES (0);
-- (after the queued reads are written: a read the worker writes late would
-- otherwise land after the mark)
CREATE FUNCTION pg_temp.set_mark() RETURNS void LANGUAGE sql AS $$
    SELECT dcpf.audit_queue_drain();
    UPDATE pg_temp.mark SET id = (SELECT coalesce(max(e.id), 0) FROM dcpf.audit_event e) $$;
CREATE VIEW pg_temp.events AS
SELECT e.action, e.outcome, right(e.actor_person::text, 3) AS actor, e.actor_method AS method,
       right(e.on_behalf_of::text, 3) AS for_whom, e.application_role AS app_role,
       right(e.licensee_id::text, 4) AS lic, e.database_role, e.effective_role,
       e.object_table AS tbl,
       CASE WHEN e.object_table IN ('data_key', 'identity_assumption') THEN '(random)' ELSE right(e.object_key, 4) END AS key,
       right(e.subject_person::text, 3) AS subject, e.detail
  FROM dcpf.audit_event e, pg_temp.mark m
 WHERE e.id > m.id
 ORDER BY e.id;

-- a licensee with an admin and a trainee, a second licensee with a trainee
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital'),
    ('00000000-0000-4000-8000-00000000a002', 'Hogeschool West', 'nursing_school');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000b001', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on) VALUES
    ('00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-00000000b001', '2020-01-01'),
    ('00000000-0000-4000-8000-00000000a002', '00000000-0000-4000-8000-00000000b001', '2020-01-01');
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'trainee@example.nl', 'Jansen', 'T.'),
    ('00000000-0000-4000-8000-000000000103', 'admin@example.nl', 'Visser', 'A.'),
    ('00000000-0000-4000-8000-000000000201', 'other@example.nl', 'Smit', 'O.');
SELECT FROM dcpf.set_big_number('00000000-0000-4000-8000-000000000101', '89012345601');
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000a002', 'professional', '2024-01-01');
INSERT INTO dcpf.role_agreement (id, product_id, role_code, version, title, body, effective_from) VALUES
    ('00000000-0000-4000-8000-00000000e001', '00000000-0000-4000-8000-00000000b001', 'licensee_admin', 1,
     'EURA beheerder', 'Ik accepteer de rolgebonden rechten van de beheerder.', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e002', '00000000-0000-4000-8000-00000000b001', 'professional', 1,
     'EURA professional', 'Ik accepteer de rolgebonden rechten van de professional.', '2024-01-01');
SELECT dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000e001') IS NOT NULL AS accepted;
SELECT dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000e002') IS NOT NULL AS accepted;
CREATE ROLE dcpf_test_audit_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_audit_app NOLOGIN IN ROLE dcpf_app;
DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO dcpf_test_audit_backend, dcpf_test_audit_app', pg_my_temp_schema()::regnamespace); END $$;

-- the set-up itself was audited: one event per row, by the superuser, with the subject
SELECT action, tbl, subject, count(*) FROM pg_temp.events GROUP BY 1, 2, 3 ORDER BY 2, 1, 3;

-- 1. writes: act_as, an admin's UPDATE of a member (the changed columns, never
-- the values), a DELETE; each event carries actor, role, licensee and subject
SELECT pg_temp.set_mark();
SET ROLE dcpf_test_audit_backend;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', 'audit test') IS NOT NULL AS acting;
UPDATE dcpf.person SET job_title = 'AIOS interne' WHERE id = '00000000-0000-4000-8000-000000000101';
COMMIT;
RESET ROLE;
DELETE FROM dcpf.person_preference WHERE person_id = '00000000-0000-4000-8000-000000000999';
INSERT INTO dcpf.person_preference (person_id) VALUES ('00000000-0000-4000-8000-000000000201');
DELETE FROM dcpf.person_preference WHERE person_id = '00000000-0000-4000-8000-000000000201';
SELECT * FROM pg_temp.events;

-- 2. reads of another person: logged once per row and transaction, queued,
-- and still there when the reading transaction rolls back or errors
SELECT pg_temp.set_mark();
SET ROLE dcpf_test_audit_backend;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', 'read test') IS NOT NULL AS acting;
SELECT big_number FROM dcpf.person_decrypted WHERE id = '00000000-0000-4000-8000-000000000101';
SELECT big_number FROM dcpf.person_decrypted WHERE id = '00000000-0000-4000-8000-000000000101';
ROLLBACK;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', 'error test') IS NOT NULL AS acting;
SELECT 1 / (length(big_number) - 11) FROM dcpf.person_decrypted WHERE id = '00000000-0000-4000-8000-000000000101';
ROLLBACK;
RESET ROLE;
SELECT dcpf.audit_queue_drain();
SELECT * FROM pg_temp.events;

-- 3. one's own data: no read event; another licensee's person: refused, and
-- the refusal is an event (denied) that survives the error
SELECT pg_temp.set_mark();
SET ROLE dcpf_test_audit_backend;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', NULL, NULL, 'own data') IS NOT NULL AS acting;
SELECT big_number FROM dcpf.person_decrypted WHERE id = '00000000-0000-4000-8000-000000000101';
ROLLBACK;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000a002', 'professional', 'snooping') IS NOT NULL AS acting;
SELECT dcpf.decrypt_text(p.big_number_encrypted, 'person', 'big_number', p.id, p.id)
  FROM dcpf.person p WHERE p.id = '00000000-0000-4000-8000-000000000101';
ROLLBACK;
RESET ROLE;
-- the snooper's session could not even see the row: as the owner, the same ciphertext
SET ROLE dcpf_test_audit_backend;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000a002', 'professional', 'snooping') IS NOT NULL AS acting;
RESET ROLE;
CREATE TEMP TABLE stolen AS SELECT big_number_encrypted AS ct FROM dcpf.person WHERE id = '00000000-0000-4000-8000-000000000101';
GRANT SELECT ON stolen TO dcpf_test_audit_backend;
SET ROLE dcpf_test_audit_backend;
SELECT dcpf.decrypt_text(ct, 'person', 'big_number', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000101') FROM stolen;
ROLLBACK;
RESET ROLE;
SELECT dcpf.audit_queue_drain();
SELECT * FROM pg_temp.events;

-- 4. a refused token is an event, kept although the refusal rolls back
SELECT pg_temp.set_mark();
SELECT dcpf.authenticate('not-a-token');
SELECT dcpf.audit_queue_drain();
SELECT e.action, e.outcome, e.actor_person, e.object_table, e.detail, length(e.reference) AS token_hash_length
  FROM dcpf.audit_event e, pg_temp.mark m WHERE e.id > m.id;

-- 5. append-only, for the superuser too; TRUNCATE of audited tables refused
UPDATE dcpf.audit_event SET outcome = 'failure' WHERE id = 1;
DELETE FROM dcpf.audit_event WHERE id = 1;
-- and directly in the partition that holds the event
DO $$ BEGIN
    EXECUTE format('DELETE FROM %s WHERE id = 1', (SELECT e.tableoid::regclass FROM dcpf.audit_event e WHERE e.id = 1));
END $$;
TRUNCATE dcpf.audit_event;
TRUNCATE dcpf.audit_event_default;
TRUNCATE dcpf.person_preference;
TRUNCATE dcpf.person CASCADE;
SELECT count(*) > 0 AS still_there FROM dcpf.person;

-- 6. nobody reads or writes the trail directly: not the application, not a
-- back-end, not through a partition, not with SET ROLE to the other roles
SET ROLE dcpf_test_audit_app;
SELECT count(*) FROM dcpf.audit_event;
SELECT count(*) FROM dcpf.audit_event_default;
INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, database_role, effective_role)
VALUES (1, now(), '1', 'read', 'success', 'x', 'x');
SELECT dcpf.audit_note('read', 'person', 'x', NULL, NULL);
SELECT dcpf.audit_create_partitions();
RESET ROLE;
SET ROLE dcpf_maintenance;
SELECT count(*) FROM dcpf.audit_event;
RESET ROLE;
SET ROLE dcpf_reporting;
SELECT count(*) FROM dcpf.audit_event;
SELECT count(*) FROM dcpf.audit_action;
RESET ROLE;

-- 7. the person's view: who touched my data, in which role; the call is an event
SELECT pg_temp.set_mark();
SET ROLE dcpf_test_audit_backend;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', NULL, NULL, 'my trail') IS NOT NULL AS acting;
SELECT action, outcome, right(actor_person::text, 3) AS actor, actor_name, actor_method, application_role,
       licensee_name, object_table, detail
  FROM dcpf.my_audit_trail()
 WHERE actor_person = '00000000-0000-4000-8000-000000000103' ORDER BY occurred_at, action;
SELECT count(*) FROM dcpf.my_audit_trail(now() + interval '1 day', now() + interval '2 days');
SELECT dcpf.my_audit_trail('2026-01-02 00:00+00', '2026-01-01 00:00+00');
ROLLBACK;
-- no identity, no trail
SELECT * FROM dcpf.my_audit_trail();
RESET ROLE;
SELECT dcpf.audit_queue_drain();
SELECT action, outcome, actor, method, database_role, effective_role, tbl, subject, detail->>'view' AS view
  FROM pg_temp.events;

-- 8. the licensee's view (NEN 7513 institution view): its admin, not another
-- licensee's staff, not a professional
SET ROLE dcpf_test_audit_backend;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', 'institution view') IS NOT NULL AS acting;
SELECT action, right(actor_person::text, 3) AS actor, application_role, object_table, right(subject_person::text, 3) AS subject, count(*)
  FROM dcpf.licensee_audit_trail('00000000-0000-4000-8000-00000000a001')
 WHERE action <> 'audit_read'   -- this call's own event may or may not be written yet
 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 4;
SELECT count(*) FROM dcpf.licensee_audit_trail('00000000-0000-4000-8000-00000000a002');
ROLLBACK;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000a002', 'professional', 'not mine') IS NOT NULL AS acting;
SELECT count(*) FROM dcpf.licensee_audit_trail('00000000-0000-4000-8000-00000000a002');
ROLLBACK;
-- breach impact is not the application's
SELECT count(*) FROM dcpf.breach_impact('00000000-0000-4000-8000-000000000103', NULL, now() - interval '1 hour', now());
RESET ROLE;

-- 9. breach impact: what the admin's account touched, and from which address
SELECT right(subject_person::text, 3) AS subject, object_table, actions, events > 0 AS touched
  FROM dcpf.breach_impact('00000000-0000-4000-8000-000000000103', NULL, now() - interval '1 hour', now() + interval '1 minute')
 ORDER BY 1, 2;
SELECT count(*) FROM dcpf.breach_impact(NULL, '192.0.2.0/24', now() - interval '1 hour', now() + interval '1 minute');
SELECT dcpf.breach_impact(NULL, NULL, now() - interval '1 hour', now());
SELECT dcpf.breach_impact('00000000-0000-4000-8000-000000000103', NULL, NULL, '2026-01-01 00:00+00');

-- 10. partitions: made ahead, events of the month moved out of the default
-- partition unchanged; the writers find the new partition at once
CREATE TEMP TABLE before_move AS SELECT * FROM dcpf.audit_event;
SET client_min_messages = warning;
SELECT count(*) >= 0 AS ran FROM dcpf.audit_create_partitions(2);
RESET client_min_messages;
SELECT count(*) AS months_with_partition FROM generate_series(0, 2) i
 WHERE to_regclass(format('dcpf.audit_event_%s',
                          to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i), 'YYYY_MM'))) IS NOT NULL;
SELECT count(*) AS made_again FROM dcpf.audit_create_partitions(2);
SELECT count(*) AS in_default FROM dcpf.audit_event_default;
SELECT count(*) AS changed_by_move FROM (SELECT * FROM before_move EXCEPT SELECT * FROM dcpf.audit_event) x;
SELECT pg_temp.set_mark();
UPDATE dcpf.person SET job_title = 'AIOS' WHERE id = '00000000-0000-4000-8000-000000000101';
SELECT e.tableoid::regclass = format('dcpf.audit_event_%s', to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM'))::regclass AS in_month_partition
  FROM dcpf.audit_event e, pg_temp.mark m WHERE e.id > m.id;
SELECT dcpf.audit_create_partitions(25);
-- a monthly partition is as closed as its parent
SET ROLE dcpf_test_audit_app;
SELECT count(*) FROM dcpf.audit_event_default;
RESET ROLE;
DO $$ BEGIN
    EXECUTE format('SET LOCAL ROLE dcpf_test_audit_app; SELECT count(*) FROM dcpf.%I',
                   'audit_event_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM'));
EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE 'monthly partition: permission denied';
END $$;

-- 11. a large UPDATE whose transition tables spill to disk (work_mem 64kB):
-- one event per row, the changed columns named (the old rows are read back
-- from disk one by one)
CREATE TABLE public.audit_spill (id integer PRIMARY KEY, person_id uuid NOT NULL, v integer);
CREATE TRIGGER audit_spill_update AFTER UPDATE ON public.audit_spill
    REFERENCING OLD TABLE AS audit_old NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_trigger('person_id');
INSERT INTO public.audit_spill SELECT g, gen_random_uuid(), 0 FROM generate_series(1, 5000) g;
SELECT pg_temp.set_mark();
SET work_mem = '64kB';
UPDATE public.audit_spill SET v = 1;
RESET work_mem;
SELECT count(*) AS update_events, count(DISTINCT e.object_key) AS rows_named,
       bool_and(e.detail = '{"columns": ["v"]}') AS only_v_changed,
       bool_and(e.subject_person = s.person_id) AS right_subjects
  FROM dcpf.audit_event e JOIN public.audit_spill s ON s.id::text = e.object_key, pg_temp.mark m
 WHERE e.id > m.id AND e.object_table = 'audit_spill';
DROP TABLE public.audit_spill;

DROP TABLE before_move;
SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DO $$ BEGIN EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM dcpf_test_audit_backend, dcpf_test_audit_app', pg_my_temp_schema()::regnamespace); END $$;
DROP ROLE dcpf_test_audit_backend;
DROP ROLE dcpf_test_audit_app;
