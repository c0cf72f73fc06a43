-- The curriculum (sql/140_curriculum.sql): the shipped catalogues, what a
-- programme, its members and its EPAs refuse, and who sees and changes them
-- through the application: a trainee sees the members of the programme they
-- follow only while acting as a trainee with a current membership; a trainer
-- writes only the programmes they direct; another licensee sees nothing.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_cur_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

-- the shipped catalogues
SELECT code, name_nl, name_en FROM dcpf.competency WHERE builtin ORDER BY sort_order;
SELECT level, name_nl, name_en FROM dcpf.entrustment_scale ORDER BY level;
SELECT code, membership_roles FROM dcpf.programme_role ORDER BY code;

\i test/sql/include/two_licensees.sql
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'aios@example.nl', 'Jansen', 'T.'),
    ('00000000-0000-4000-8000-000000000102', 'supervisor@example.nl', 'Bakker', 'S.'),
    ('00000000-0000-4000-8000-000000000103', 'opleider@example.nl', 'Visser', 'O.'),
    ('00000000-0000-4000-8000-000000000104', 'beheer@example.nl', 'Smit', 'B.'),
    ('00000000-0000-4000-8000-000000000105', 'beheer.west@example.nl', 'de Vries', 'W.'),
    ('00000000-0000-4000-8000-000000000106', 'tweede.aios@example.nl', 'Mulder', 'M.');
SELECT FROM dcpf.set_big_number('00000000-0000-4000-8000-000000000101', '89012345601');
SELECT FROM dcpf.set_big_number('00000000-0000-4000-8000-000000000106',
    (SELECT n::text FROM generate_series(89012345602, 89012345999) n WHERE dcpf.big_is_valid(n::text) ORDER BY n LIMIT 1));
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'assessor', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'trainer', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a002', 'licensee_admin', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', '2024-01-01');
\i test/sql/include/accept_euras.sql

-- two programmes of A, one of B; EPAs
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind, duration_months) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'INT', 'Opleiding Interne Geneeskunde', 'specialty', 72),
    ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', 'KNO', 'Opleiding KNO', 'specialty', 60),
    ('00000000-0000-4000-8000-00000000c003', '00000000-0000-4000-8000-00000000a002', 'INT', 'Opleiding Interne Geneeskunde', 'specialty', 72);
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001',
     'EPA-1', 'Opname en behandeling van een acuut zieke patiënt', 4),
    ('00000000-0000-4000-8000-00000000d002', '00000000-0000-4000-8000-00000000c003', '00000000-0000-4000-8000-00000000a002',
     'EPA-1', 'Opname en behandeling van een acuut zieke patiënt', 4);
INSERT INTO dcpf.epa_competency (epa_id, competency_id) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000c301'),
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000c302');
-- placements: the trainee and the supervisor in INT, the trainer directs INT only
INSERT INTO dcpf.programme_member (id, programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee', '2024-02-01'),
    ('00000000-0000-4000-8000-00000000f002', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102', 'supervisor', '2024-02-01'),
    ('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000103', 'trainer', '2024-02-01'),
    ('00000000-0000-4000-8000-00000000f004', '00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000106', 'trainee', '2024-02-01');

-- ---------------------------------------------------------------------------
-- Bad input: each refused with its SQLSTATE, nothing changed
-- ---------------------------------------------------------------------------
\set VERBOSITY default
\set ON_ERROR_STOP 0
SELECT set_config('test.count', (SELECT count(*) FROM dcpf.epa)::text || '/' || (SELECT count(*) FROM dcpf.programme_member), false) IS NOT NULL AS noted;
-- an entrustment level outside 1-5
INSERT INTO dcpf.epa (programme_id, licensee_id, code, title, target_level)
VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'EPA-9', 'Te hoog', 6);
-- an EPA in a programme of another licensee (the composite key)
INSERT INTO dcpf.epa (programme_id, licensee_id, code, title, target_level)
VALUES ('00000000-0000-4000-8000-00000000c003', '00000000-0000-4000-8000-00000000a001', 'EPA-9', 'Verkeerde licentiehouder', 3);
-- the same code and version twice
INSERT INTO dcpf.epa (programme_id, licensee_id, code, title, target_level)
VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'EPA-1', 'Dubbel', 3);
-- an EPA's definition is fixed; its title is not
UPDATE dcpf.epa SET target_level = 5 WHERE id = '00000000-0000-4000-8000-00000000d001';
UPDATE dcpf.epa SET code = 'EPA-2' WHERE id = '00000000-0000-4000-8000-00000000d001';
-- a competency of another licensee, and links are fixed
INSERT INTO dcpf.competency (id, licensee_id, code, parent_id, name_nl, name_en) VALUES
    ('00000000-0000-4000-8000-00000000c3b1', '00000000-0000-4000-8000-00000000a002', 'west.triage', '00000000-0000-4000-8000-00000000c301',
     'Triage', 'Triage');
INSERT INTO dcpf.epa_competency (epa_id, competency_id) VALUES ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000c3b1');
UPDATE dcpf.epa_competency SET competency_id = '00000000-0000-4000-8000-00000000c303' WHERE epa_id = '00000000-0000-4000-8000-00000000d001';
-- competencies: a parent of another licensee, a cycle, a changed code, a bad code
INSERT INTO dcpf.competency (licensee_id, code, parent_id, name_nl, name_en) VALUES
    ('00000000-0000-4000-8000-00000000a001', 'oost.triage', '00000000-0000-4000-8000-00000000c3b1', 'Triage', 'Triage');
INSERT INTO dcpf.competency (id, licensee_id, code, parent_id, name_nl, name_en) VALUES
    ('00000000-0000-4000-8000-00000000c3a1', '00000000-0000-4000-8000-00000000a001', 'oost.overdracht', '00000000-0000-4000-8000-00000000c303', 'Overdracht', 'Handover'),
    ('00000000-0000-4000-8000-00000000c3a2', '00000000-0000-4000-8000-00000000a001', 'oost.overdracht.sbar', '00000000-0000-4000-8000-00000000c3a1', 'SBAR', 'SBAR');
UPDATE dcpf.competency SET parent_id = '00000000-0000-4000-8000-00000000c3a2' WHERE id = '00000000-0000-4000-8000-00000000c3a1';
UPDATE dcpf.competency SET parent_id = id WHERE id = '00000000-0000-4000-8000-00000000c3a1';
UPDATE dcpf.competency SET code = 'oost.anders' WHERE id = '00000000-0000-4000-8000-00000000c3a1';
\set VERBOSITY terse
INSERT INTO dcpf.competency (licensee_id, code, name_nl, name_en) VALUES ('00000000-0000-4000-8000-00000000a001', 'Met Spatie', 'x y', 'x y');
-- a programme code twice in one licensee (fine in another), an unknown kind
INSERT INTO dcpf.programme (licensee_id, code, name, kind) VALUES ('00000000-0000-4000-8000-00000000a001', 'INT', 'Nog eens', 'specialty');
INSERT INTO dcpf.programme (licensee_id, code, name, kind) VALUES ('00000000-0000-4000-8000-00000000a001', 'CHI', 'Chirurgie', 'residency');
\set VERBOSITY default
-- programme members: no membership for the role, a role the membership cannot hold,
-- an overlap, a changed start, an end before the start
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from)
VALUES ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000105', 'trainee', '2026-06-01');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from)
VALUES ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102', 'trainer', '2026-06-01');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from)
VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee', '2025-01-01');
UPDATE dcpf.programme_member SET valid_from = '2024-03-01' WHERE person_id = '00000000-0000-4000-8000-000000000101';
\set VERBOSITY terse
UPDATE dcpf.programme_member SET valid_until = '2024-01-01' WHERE person_id = '00000000-0000-4000-8000-000000000101';
\set VERBOSITY default
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role)
VALUES ('00000000-0000-4000-8000-00000000c003', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000106', 'trainee');
-- a retired programme takes no new members or EPAs
UPDATE dcpf.programme SET retired_at = '2026-01-01' WHERE id = '00000000-0000-4000-8000-00000000c002';
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from)
VALUES ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee', '2026-06-01');
INSERT INTO dcpf.epa (programme_id, licensee_id, code, title, target_level)
VALUES ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', 'EPA-1', 'Na de opheffing', 3);
UPDATE dcpf.programme SET retired_at = NULL WHERE id = '00000000-0000-4000-8000-00000000c002';
-- nothing of the above was written
SELECT (SELECT count(*) FROM dcpf.epa)::text || '/' || (SELECT count(*) FROM dcpf.programme_member)
       = current_setting('test.count') AS unchanged,
       (SELECT title FROM dcpf.epa WHERE id = '00000000-0000-4000-8000-00000000d001') AS title,
       (SELECT count(*) FROM dcpf.epa_competency) AS links;
UPDATE dcpf.epa SET title = 'Acute opname' WHERE id = '00000000-0000-4000-8000-00000000d001' RETURNING code, version, title;
\set ON_ERROR_STOP 1

-- ---------------------------------------------------------------------------
-- Through the application
-- ---------------------------------------------------------------------------
CREATE ROLE dcpf_test_cur_backend NOLOGIN IN ROLE dcpf_service;
SET ROLE dcpf_test_cur_backend;
-- the trainee, acting as trainee: the programme they follow and its members
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'test', true) IS NOT NULL AS acting;
SELECT cardinality(dcpf.my_programmes()) AS programmes;
SELECT p.code, pm.role, right(pm.person_id::text, 3) AS person
  FROM dcpf.programme_member pm JOIN dcpf.programme p ON p.id = pm.programme_id ORDER BY p.code, pm.role;
SELECT code, version, target_level FROM dcpf.epa ORDER BY code;   -- the licensee's EPAs: not B's
SELECT count(*) AS competencies_seen FROM dcpf.competency;        -- the 7 CanMEDS roles and A's two
-- the same person acting as assessor (not placed as one): only their own placement
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'assessor', 'test', true) IS NOT NULL AS acting;
SELECT cardinality(dcpf.my_programmes()) AS programmes;
SELECT pm.role, right(pm.person_id::text, 3) AS person FROM dcpf.programme_member pm ORDER BY pm.role;
-- the trainee may not place anyone, nor write the curriculum
\set ON_ERROR_STOP 0
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'test', true) IS NOT NULL AS acting;
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, created_by)
VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000106', 'trainee',
        '00000000-0000-4000-8000-000000000101');
INSERT INTO dcpf.epa (programme_id, licensee_id, code, title, target_level, created_by)
VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'EPA-5', 'Eigen EPA', 5, '00000000-0000-4000-8000-000000000101');
UPDATE dcpf.epa SET title = 'Gewijzigd' RETURNING code;
DELETE FROM dcpf.epa;
\set ON_ERROR_STOP 1
-- the trainer: EPAs and members of INT, which they direct, not of KNO
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'trainer', 'test', true) IS NOT NULL AS acting;
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level, created_by)
VALUES ('00000000-0000-4000-8000-00000000d003', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001',
        'EPA-2', 'Polikliniek', 4, '00000000-0000-4000-8000-000000000103') RETURNING code, target_level;
INSERT INTO dcpf.epa_competency (epa_id, competency_id) VALUES ('00000000-0000-4000-8000-00000000d003', '00000000-0000-4000-8000-00000000c302');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, created_by)
VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000106', 'trainee',
        '00000000-0000-4000-8000-000000000103') RETURNING role;
\set ON_ERROR_STOP 0
INSERT INTO dcpf.epa (programme_id, licensee_id, code, title, target_level, created_by)
VALUES ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', 'EPA-1', 'KNO', 3, '00000000-0000-4000-8000-000000000103');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, created_by)
VALUES ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee',
        '00000000-0000-4000-8000-000000000103');
-- a trainer placing someone in their programme in another's name
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, created_by)
VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'assessor',
        '00000000-0000-4000-8000-000000000104');
\set ON_ERROR_STOP 1
-- the other licensee's admin sees none of A's curriculum and changes nothing of it
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a002', 'licensee_admin', 'test', true) IS NOT NULL AS acting;
SELECT (SELECT count(*) FROM dcpf.programme) AS programmes, (SELECT count(*) FROM dcpf.epa) AS epas,
       (SELECT count(*) FROM dcpf.programme_member) AS members, (SELECT count(*) FROM dcpf.epa_competency) AS links,
       (SELECT count(*) FROM dcpf.competency WHERE licensee_id IS NOT NULL) AS own_competencies;
UPDATE dcpf.epa SET title = 'Overgenomen' WHERE licensee_id = '00000000-0000-4000-8000-00000000a001' RETURNING code;
UPDATE dcpf.programme_member SET valid_until = now() RETURNING role;
\set ON_ERROR_STOP 0
INSERT INTO dcpf.epa (programme_id, licensee_id, code, title, target_level, created_by)
VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'EPA-7', 'Van buiten', 3, '00000000-0000-4000-8000-000000000105');
\set ON_ERROR_STOP 1
-- A's admin ends the trainee's membership of the licensee: from then on the
-- trainee no longer sees the programme's other members
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', 'test', true) IS NOT NULL AS acting;
UPDATE dcpf.membership SET valid_until = now() - interval '1 second'
 WHERE person_id = '00000000-0000-4000-8000-000000000106' AND role_code = 'medical_trainee';
SELECT dcpf.clear_identity();
RESET ROLE;
SET ROLE dcpf_test_cur_backend;
\set ON_ERROR_STOP 0
-- without a current membership in the role, acting as it is refused altogether
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', 'test', true) IS NOT NULL AS acting;
\set ON_ERROR_STOP 1
-- the supervisor sees the programme's members (the placement of the second
-- trainee stays on record; it no longer gives them access)
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'test', true) IS NOT NULL AS acting;
SELECT pm.role, right(pm.person_id::text, 3) AS person FROM dcpf.programme_member pm ORDER BY pm.role, pm.person_id;
SELECT dcpf.clear_identity();
RESET ROLE;

-- the audit trail: placements are the placed person's events
SELECT action, object_table, right(subject_person::text, 3) AS subject, count(*)
  FROM dcpf.audit_event WHERE object_table IN ('programme', 'programme_member', 'epa', 'epa_competency', 'competency')
 GROUP BY 1, 2, 3 ORDER BY 2, 1, 3;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_cur_backend;
