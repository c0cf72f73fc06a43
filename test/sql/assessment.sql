-- Assessments (sql/155_assessment.sql): a trainee asks a named assessor for a
-- KPB on an EPA; the assessor sees it only once submitted, alone fills it in
-- (level 1-5, strengths, points to improve: encrypted under the trainee's
-- key, scanned for patient numbers) and signs it; the trainee reads it and
-- locks it. Nobody else assesses or reads it.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_as_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- 101 the trainee (IC track of A), 102 the assessor asked, 103 another assessor
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'aios@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'beoordelaar@example.nl', 'de Boer', 'B.'),
    ('00000000-0000-4000-8000-000000000103', 'andere@example.nl', 'Visser', 'V.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'assessor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'assessor', '2024-01-01');
\i test/sql/include/accept_euras.sql
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'IC', 'Vervolgopleiding IC', 'track');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee', '2024-02-01');
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001',
     'EPA-2', 'Opname van een beademde patiënt', 4);

CREATE ROLE dcpf_test_as_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, '00000000-0000-4000-8000-00000000a001', role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text) TO PUBLIC;
SET ROLE dcpf_test_as_backend;

-- the trainee asks for a KPB on EPA-2
SELECT pg_temp.as_person('101', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, programme_id, item_type, title, body_encrypted)
SELECT n, '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-00000000c001',
       'assessment', 'KPB opname IC',
       dcpf.encrypt('Opname van een beademde patiënt, nachtdienst.', 'portfolio_item', 'body', n, '00000000-0000-4000-8000-000000000101')
  FROM (VALUES ('00000000-0000-4000-8000-00000000f001'::uuid)) v(n);
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id, epa_id)
VALUES ('00000000-0000-4000-8000-00000000f001', 'kpb', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000d001')
RETURNING right(owner_id::text, 3) AS owner, instrument, entrustment_level;
\set ON_ERROR_STOP 0
-- an assessment on an item of another type, pre-assessed, by oneself, with an EPA of no programme of the item
INSERT INTO dcpf.portfolio_item (id, owner_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f002', '00000000-0000-4000-8000-000000000101', 'reflection', 'Geen beoordeling');
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id) VALUES ('00000000-0000-4000-8000-00000000f002', 'kpb', '00000000-0000-4000-8000-000000000102');
INSERT INTO dcpf.portfolio_item (id, owner_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000101', 'assessment', 'Zonder programma');
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id, entrustment_level)
VALUES ('00000000-0000-4000-8000-00000000f003', 'kpb', '00000000-0000-4000-8000-000000000102', 4);
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id) VALUES ('00000000-0000-4000-8000-00000000f003', 'kpb', '00000000-0000-4000-8000-000000000101');
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id, epa_id)
VALUES ('00000000-0000-4000-8000-00000000f003', 'kpb', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000d001');
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id) VALUES ('00000000-0000-4000-8000-00000000f003', 'mini-cex', '00000000-0000-4000-8000-000000000102');
\set ON_ERROR_STOP 1

-- a draft request is the trainee's alone
SELECT pg_temp.as_person('102', 'assessor');
SELECT count(*) AS listed FROM dcpf.shared_items();
\set ON_ERROR_STOP 0
SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f001', 3);
\set ON_ERROR_STOP 1
-- submitted: the assessor sees it, with the permission to assess
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS submitted;
-- the request is a disclosure to the assessor, in the register
SELECT kind, right(recipient_person_id::text, 3) AS recipient, recipient_description, right(what, 24) AS what FROM dcpf.disclosure;
\set ON_ERROR_STOP 0
UPDATE dcpf.assessment SET assessor_id = '00000000-0000-4000-8000-000000000103' WHERE item_id = '00000000-0000-4000-8000-00000000f001';
\set ON_ERROR_STOP 1
SELECT pg_temp.as_person('102', 'assessor');
SELECT title, status, permission FROM dcpf.shared_items();
SELECT title, body FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f001');
SELECT instrument, entrustment_level, strengths, permission FROM dcpf.shared_assessment('00000000-0000-4000-8000-00000000f001');
-- another assessor: nothing, and may not assess
SELECT pg_temp.as_person('103', 'assessor');
SELECT count(*) AS listed FROM dcpf.shared_items();
\set ON_ERROR_STOP 0
SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f001', 5, 'Prima');
SELECT * FROM dcpf.shared_assessment('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1
-- the assessor assesses: a level outside 1-5 and a BSN in the text are refused; then level 3
SELECT pg_temp.as_person('102', 'assessor');
\set ON_ERROR_STOP 0
SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f001', 6);
SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f001', NULL);
SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f001', 3, 'Goede overdracht van patiënt 111222333');
\set ON_ERROR_STOP 1
SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f001', 3,
                        'Rustige, gestructureerde overdracht volgens SBAR.',
                        'Eerder de supervisor betrekken bij twijfel over de beademing.') IS NOT NULL AS assessed;
\set ON_ERROR_STOP 0
SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f001', 4);
\set ON_ERROR_STOP 1
SELECT entrustment_level, strengths, improvements, permission FROM dcpf.shared_assessment('00000000-0000-4000-8000-00000000f001');

-- the trainee reads it, signed by the assessor, and locks it
SELECT pg_temp.as_person('101', 'professional');
SELECT p.status, right(p.signed_by::text, 3) AS signed_by, a.instrument, a.entrustment_level, s.name_nl AS level_name, a.strengths, a.improvements
  FROM dcpf.portfolio_item p JOIN dcpf.assessment_decrypted a ON a.item_id = p.id
  JOIN dcpf.entrustment_scale s ON s.level = a.entrustment_level;
\set ON_ERROR_STOP 0
SELECT dcpf.lock_item('00000000-0000-4000-8000-00000000f002');     -- a draft
\set ON_ERROR_STOP 1
SELECT dcpf.lock_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS locked;
\set ON_ERROR_STOP 0
SELECT dcpf.lock_item('00000000-0000-4000-8000-00000000f001');
UPDATE dcpf.assessment SET instrument = 'cbd' WHERE item_id = '00000000-0000-4000-8000-00000000f001';
\set ON_ERROR_STOP 1
SELECT dcpf.clear_identity();
RESET ROLE;
-- signed means signed, for the owner of the extension too
\set ON_ERROR_STOP 0
UPDATE dcpf.assessment SET entrustment_level = 5 WHERE item_id = '00000000-0000-4000-8000-00000000f001';
\set ON_ERROR_STOP 1

-- ---------------------------------------------------------------------------
-- Entrustment decisions (sql/165_entrustment.sql): the programme's director
-- entrusts the trainee with EPA-2 on the KPB, which the trainee shared with
-- the programme's directors
-- ---------------------------------------------------------------------------
INSERT INTO dcpf.person (id, email, surname, initials) VALUES ('00000000-0000-4000-8000-000000000104', 'opleider@example.nl', 'Mulder', 'M.');
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'trainer', '2024-01-01');
\i test/sql/include/accept_euras.sql
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000104', 'trainer', '2024-02-01');
SET ROLE dcpf_test_as_backend;
SELECT pg_temp.as_person('101', 'professional');
INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_licensee_id, grantee_role, grantee_programme_id, permission)
VALUES ('00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-00000000a001',
        'trainer', '00000000-0000-4000-8000-00000000c001', 'read');
SELECT pg_temp.as_person('104', 'trainer');
\set ON_ERROR_STOP 0
SELECT dcpf.decide_entrustment('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000d001', 6);
SELECT dcpf.decide_entrustment('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000d001', 3,
                               '{00000000-0000-4000-8000-00000000f002}');                      -- not shared with the director
SELECT dcpf.decide_entrustment('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000d001', 3);   -- not a trainee
\set VERBOSITY terse
SELECT dcpf.decide_entrustment('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000d001', 3, '{}', current_date + 1);
\set VERBOSITY default
\set ON_ERROR_STOP 1
SELECT dcpf.decide_entrustment('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000d001', 3,
                               '{00000000-0000-4000-8000-00000000f001}') IS NOT NULL AS decided;
SELECT right(owner_id::text, 3) AS trainee, level, right(decided_by::text, 3) AS by, cardinality(evidence) AS evidence
  FROM dcpf.entrustment_decision;
-- an assessor (not directing) neither decides nor sees; the trainee sees their own
SELECT pg_temp.as_person('102', 'assessor');
\set ON_ERROR_STOP 0
SELECT dcpf.decide_entrustment('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000d001', 4);
\set ON_ERROR_STOP 1
SELECT count(*) AS decisions_seen FROM dcpf.entrustment_decision;
SELECT pg_temp.as_person('101', 'professional');
SELECT e.code, d.level, s.name_nl, d.revoked_at IS NULL AS in_force
  FROM dcpf.entrustment_decision d JOIN dcpf.epa e ON e.id = d.epa_id JOIN dcpf.entrustment_scale s ON s.level = d.level;
-- their progress: observed at 3, decided at 3, the target is 4
SELECT code, target_level, observations, highest_level, decided_level, missing FROM dcpf.my_epa_progress;
-- revoked, with a reason, once
SELECT pg_temp.as_person('104', 'trainer');
\set ON_ERROR_STOP 0
SELECT dcpf.revoke_entrustment((SELECT id FROM dcpf.entrustment_decision), '  ');
\set ON_ERROR_STOP 1
SELECT dcpf.revoke_entrustment((SELECT id FROM dcpf.entrustment_decision), 'Ingetrokken na incident, opnieuw beoordelen.') IS NOT NULL AS revoked;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT dcpf.revoke_entrustment((SELECT id FROM dcpf.entrustment_decision), 'Nog eens.');
\set VERBOSITY default
\set ON_ERROR_STOP 1
SELECT level, revoked_at IS NOT NULL AS revoked, revoke_reason FROM dcpf.entrustment_decision;
SELECT pg_temp.as_person('101', 'professional');
SELECT code, observations, highest_level, decided_level, missing FROM dcpf.my_epa_progress;   -- the decision revoked
SELECT dcpf.clear_identity();
RESET ROLE;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
UPDATE dcpf.entrustment_decision SET level = 4;
\set VERBOSITY default
\set ON_ERROR_STOP 1

SELECT dcpf.audit_queue_drain() AS drained;
SELECT action, outcome, right(actor_person::text, 3) AS actor, object_table, right(subject_person::text, 3) AS subject, detail, count(*)
  FROM dcpf.audit_event WHERE object_table IN ('portfolio_item', 'assessment', 'entrustment_decision') AND subject_person IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 4, 3, 1, 2, 6;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_as_backend;
