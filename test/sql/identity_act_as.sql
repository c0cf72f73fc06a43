-- Identity assumed by a trusted back-end (dcpf.act_as): who may, the role
-- gate (membership, licence, EURA), scope (transaction, savepoint, session,
-- DISCARD ALL, RESET ALL), and that it cannot be forged through settings.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_backend;
DROP ROLE IF EXISTS dcpf_test_app;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

-- two licensees with a licence each; a trainee, a supervisor, an admin
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital'),
    ('00000000-0000-4000-8000-00000000a002', 'Hogeschool West', 'nursing_school');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000b001', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on) VALUES
    ('00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-00000000b001', '2020-01-01'),
    ('00000000-0000-4000-8000-00000000a002', '00000000-0000-4000-8000-00000000b001', '2020-01-01');
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'trainee@example.nl', 'Jansen', 'T.'),
    ('00000000-0000-4000-8000-000000000102', 'supervisor@example.nl', 'Bakker', 'S.'),
    ('00000000-0000-4000-8000-000000000103', 'admin@example.nl', 'Visser', 'A.');
-- the trainee's role requires a BIG number (stored encrypted)
SELECT FROM dcpf.set_big_number('00000000-0000-4000-8000-000000000101', '89012345601');
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a002', 'licensee_admin', '2024-01-01');
INSERT INTO dcpf.role_agreement (id, product_id, role_code, version, title, body, effective_from) VALUES
    ('00000000-0000-4000-8000-00000000e001', '00000000-0000-4000-8000-00000000b001', 'medical_trainee', 1,
     'EURA aios', 'Ik accepteer de rolgebonden rechten van de aios.', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e002', '00000000-0000-4000-8000-00000000b001', 'supervisor', 1,
     'EURA supervisor', 'Ik accepteer de rolgebonden rechten van de supervisor.', '2024-01-01');
SELECT dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e001') IS NOT NULL AS accepted;

CREATE ROLE dcpf_test_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_app NOLOGIN IN ROLE dcpf_app;

-- no identity to begin with
SELECT dcpf.current_person(), dcpf.current_licensee(), dcpf.current_role(), dcpf.current_purpose();

-- the application role may not assume identities
SET ROLE dcpf_test_app;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'test');
RESET ROLE;

-- a trusted back-end may, through the role gate
SET ROLE dcpf_test_backend;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', '  ');
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', NULL, 'x');
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000999', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'x');
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a002', 'medical_trainee', 'x');
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'x');
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'x');
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a002', 'licensee_admin', 'x');
SELECT dcpf.current_person() AS after_refusals;

-- transaction scope: gone at commit
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee',
                   'ticket 4711: trainee asked support to check a form');
SELECT person, licensee, role, purpose, method, scope FROM dcpf.identity();
SELECT dcpf.current_person() AS in_same_transaction, dcpf.current_role();
COMMIT;
SELECT dcpf.current_person() AS after_commit;

-- gone at rollback, and when the savepoint that set it rolls back
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'r1') IS NOT NULL AS set;
ROLLBACK;
SELECT dcpf.current_person() AS after_rollback;
BEGIN;
SAVEPOINT s1;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'r2') IS NOT NULL AS set;
ROLLBACK TO SAVEPOINT s1;
SELECT dcpf.current_person() AS after_rollback_to_savepoint;
SAVEPOINT s2;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'r3') IS NOT NULL AS set;
RELEASE SAVEPOINT s2;
SELECT dcpf.current_person() AS after_release;
-- a failed attempt at another identity leaves none
SAVEPOINT s3;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'r4');
ROLLBACK TO SAVEPOINT s3;
SELECT dcpf.current_person() AS after_failed_attempt;
COMMIT;

-- session scope: survives commit; a failed transaction that set it clears it
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'session', true) IS NOT NULL AS set;
SELECT dcpf.current_person() AS next_transaction, (dcpf.identity()).scope;
RESET ROLE;
DISCARD ALL;
SELECT dcpf.current_person() AS after_discard_all;
SET ROLE dcpf_test_backend;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'session', true) IS NOT NULL AS set;
RESET ALL;
SELECT dcpf.current_person() AS after_reset_all;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'session', true) IS NOT NULL AS set;
SELECT dcpf.clear_identity();
SELECT dcpf.current_person() AS after_clear_identity;

-- an identity cannot be set through settings
SET dcpf.current_person = '00000000-0000-4000-8000-000000000101';
SELECT set_config('dcpf.person', '00000000-0000-4000-8000-000000000101', false);
SELECT dcpf.current_person() AS still_none;

-- parallel query: the accessors run in the leader and see the identity
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'parallel') IS NOT NULL AS set;
SET LOCAL force_parallel_mode = on;
SELECT dcpf.current_person() AS under_force_parallel_mode;
COMMIT;

-- the policy helpers (C): a role in a licensee, NULL roles, no identity,
-- an identity without a licensee
SELECT dcpf.acting_in('supervisor') AS none_acting, dcpf.licensee_if_acting_in('supervisor') AS none_licensee;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'helpers') IS NOT NULL AS set;
SELECT dcpf.acting_in('medical_trainee') AS trainee, dcpf.acting_in('supervisor') AS supervisor,
       dcpf.acting_in('medical_trainee ') AS trailing_space, dcpf.acting_in(NULL) AS null_role;
SELECT dcpf.licensee_if_acting_in('supervisor', 'medical_trainee') AS one_of_two,
       dcpf.licensee_if_acting_in('supervisor') AS not_this_one,
       dcpf.licensee_if_acting_in(VARIADIC ARRAY[NULL, 'medical_trainee']) AS past_a_null,
       dcpf.licensee_if_acting_in(VARIADIC NULL::text[]) AS null_array,
       dcpf.licensee_if_acting_in(VARIADIC ARRAY[]::text[]) AS empty_array;
-- one call site, its argument changing from row to row
SELECT r, dcpf.licensee_if_acting_in(VARIADIC r) AS licensee
  FROM (VALUES (ARRAY['supervisor']), (ARRAY['medical_trainee']), (ARRAY['supervisor']), (ARRAY['x', 'medical_trainee'])) v (r);
COMMIT;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', NULL, NULL, 'helpers') IS NOT NULL AS set;
SELECT dcpf.acting_in('medical_trainee') AS without_licensee, dcpf.licensee_if_acting_in('medical_trainee') AS licensee_without;
COMMIT;

-- the back-end cannot read or rewrite the record of what it did
SELECT count(*) FROM dcpf.identity_assumption;
RESET ROLE;
SELECT database_role, person_id, role_code, reason, session_scope FROM dcpf.identity_assumption ORDER BY assumed_at, reason;
UPDATE dcpf.identity_assumption SET reason = 'nothing to see';

DROP OWNED BY dcpf_test_backend, dcpf_test_app;
DROP ROLE dcpf_test_backend;
DROP ROLE dcpf_test_app;
