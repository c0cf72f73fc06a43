-- The supervisor's progress view (sql/168_progress.sql): for every trainee
-- who shares with the verified identity now, per current EPA of their
-- current programmes, the observations and highest level over the assessed
-- assessments the identity may read now, the decision in force only for the
-- programme's directors acting as trainer, and what is missing. Trainees
-- whose share is revoked, expired, made to another role or licensee, or who
-- left the licensee are not there; the tables themselves show nothing; every
-- trainee shown is a logged read, once per transaction.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_pr_backend;
DROP ROLE IF EXISTS dcpf_test_pr_other;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- trainees of A's IC programme: 101 and 102 share, 103 shares but leaves A,
-- 104 shares only outside the window or with B; 111 supervisor in A (and
-- assessor) in the programme, 112 its director, 113 supervisor in B, 114 the
-- assessor the trainees ask, 115 a colleague in B
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'aios1@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'aios2@example.nl', 'de Vries', 'D.'),
    ('00000000-0000-4000-8000-000000000103', 'aios3@example.nl', 'Bakker', 'B.'),
    ('00000000-0000-4000-8000-000000000104', 'aios4@example.nl', 'Visser', 'V.'),
    ('00000000-0000-4000-8000-000000000111', 'supervisor@example.nl', 'Smit', 'S.'),
    ('00000000-0000-4000-8000-000000000112', 'opleider@example.nl', 'Mulder', 'M.'),
    ('00000000-0000-4000-8000-000000000113', 'sup.west@example.nl', 'de Boer', 'B.'),
    ('00000000-0000-4000-8000-000000000114', 'beoordelaar@example.nl', 'Meijer', 'M.'),
    ('00000000-0000-4000-8000-000000000115', 'collega@example.nl', 'Bos', 'B.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e111', '00000000-0000-4000-8000-000000000111', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e211', '00000000-0000-4000-8000-000000000111', '00000000-0000-4000-8000-00000000a001', 'assessor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e112', '00000000-0000-4000-8000-000000000112', '00000000-0000-4000-8000-00000000a001', 'trainer', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e113', '00000000-0000-4000-8000-000000000113', '00000000-0000-4000-8000-00000000a002', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e114', '00000000-0000-4000-8000-000000000114', '00000000-0000-4000-8000-00000000a001', 'assessor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e115', '00000000-0000-4000-8000-000000000115', '00000000-0000-4000-8000-00000000a002', 'professional', '2024-01-01');
\i test/sql/include/accept_euras.sql
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'IC', 'Vervolgopleiding IC', 'track');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from)
SELECT '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', ('00000000-0000-4000-8000-000000000' || p)::uuid, r, '2024-02-01'
  FROM (VALUES ('101', 'trainee'), ('102', 'trainee'), ('103', 'trainee'), ('104', 'trainee'),
               ('111', 'supervisor'), ('112', 'trainer')) v(p, r);
-- EPA-1 (target 4), EPA-2 (target 3), and EPA-0, retired: not shown
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'EPA-1', 'Opname van een beademde patiënt', 4),
    ('00000000-0000-4000-8000-00000000d002', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'EPA-2', 'Overdracht van de IC-patiënt', 3),
    ('00000000-0000-4000-8000-00000000d000', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'EPA-0', 'Vervallen activiteit', 2);
UPDATE dcpf.epa SET retired_at = now() WHERE code = 'EPA-0';

CREATE ROLE dcpf_test_pr_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_pr_other NOLOGIN;
CREATE FUNCTION pg_temp.as_person(person text, licensee text, role text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
-- a KPB of the trainee on the EPA, submitted; assessed at the level by the
-- assessor (acting as assessor) unless the level is NULL
CREATE FUNCTION pg_temp.kpb(trainee text, item text, epa text, assessor text, level integer) RETURNS text LANGUAGE sql AS $$
SELECT pg_temp.as_person(trainee, 'a001', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, programme_id, item_type, title)
VALUES (('00000000-0000-4000-8000-00000000' || item)::uuid, ('00000000-0000-4000-8000-000000000' || trainee)::uuid,
        ('00000000-0000-4000-8000-00000000e' || trainee)::uuid, '00000000-0000-4000-8000-00000000c001', 'assessment', 'KPB ' || item);
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id, epa_id)
VALUES (('00000000-0000-4000-8000-00000000' || item)::uuid, 'kpb', ('00000000-0000-4000-8000-000000000' || assessor)::uuid,
        ('00000000-0000-4000-8000-00000000' || epa)::uuid);
SELECT dcpf.submit_item(('00000000-0000-4000-8000-00000000' || item)::uuid);
SELECT pg_temp.as_person(assessor, 'a001', CASE assessor WHEN '111' THEN 'supervisor' ELSE 'assessor' END);
SELECT dcpf.assess_item(('00000000-0000-4000-8000-00000000' || item)::uuid, level) WHERE level IS NOT NULL;
SELECT item;
$$;
-- what the identity sees: one line per trainee, EPA and programme
CREATE FUNCTION pg_temp.progress() RETURNS TABLE (trainee text, code text, target smallint, observations bigint, highest smallint,
                                                   observed boolean, shown boolean, decided smallint, missing text) LANGUAGE sql AS $$
SELECT right(p.trainee_id::text, 3), p.code, p.target_level::smallint, p.observations, p.highest_level,
       p.last_observed_at IS NOT NULL, p.decision_shown, p.decided_level::smallint, p.missing
  FROM dcpf.supervised_epa_progress p ORDER BY 1, 2;
$$;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text), pg_temp.kpb(text, text, text, text, integer), pg_temp.progress() TO PUBLIC;
SET ROLE dcpf_test_pr_backend;

-- 101: EPA-1 at 3 and 4 by 114, EPA-2 at 2 by the supervisor 111 (its named
-- assessor), EPA-2 submitted, not assessed; 102: EPA-1 at 4, EPA-2 at 3;
-- 103: EPA-1 at 5; 104: EPA-1 at 2
SELECT pg_temp.kpb('101', 'f101', 'd001', '114', 3), pg_temp.kpb('101', 'f102', 'd001', '114', 4),
       pg_temp.kpb('101', 'f103', 'd002', '111', 2), pg_temp.kpb('101', 'f104', 'd002', '114', NULL),
       pg_temp.kpb('102', 'f201', 'd001', '114', 4), pg_temp.kpb('102', 'f202', 'd002', '114', 3),
       pg_temp.kpb('103', 'f301', 'd001', '114', 5), pg_temp.kpb('104', 'f401', 'd001', '114', 2);

-- the shares:
--  101: f101 with the supervisor 111 (a person); the assessments with A's
--       directors of IC (a role, in the programme); a collection holding
--       f102 with the colleague 115
--  102: everything with A's supervisors (a role)
--  103: the assessments with A's supervisors (a role), until 103 leaves A
--  104: everything with 111, expired; with 111, not yet valid; with B's
--       supervisors (104 is no member of B)
SELECT pg_temp.as_person('101', 'a001', 'professional');
INSERT INTO dcpf.portfolio_collection (id, owner_id, name)
VALUES ('00000000-0000-4000-8000-00000000c501', '00000000-0000-4000-8000-000000000101', 'Voor mijn collega');
SELECT dcpf.set_collection_items('00000000-0000-4000-8000-00000000c501', '{00000000-0000-4000-8000-00000000f102}') AS collected;
INSERT INTO dcpf.share (id, owner_id, scope, item_id, collection_id, category, grantee_person_id, grantee_licensee_id,
                        grantee_role, grantee_programme_id, permission) VALUES
    ('00000000-0000-4000-8000-00000000b101', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f101', NULL, NULL,
     '00000000-0000-4000-8000-000000000111', NULL, NULL, NULL, 'read'),
    ('00000000-0000-4000-8000-00000000b102', '00000000-0000-4000-8000-000000000101', 'category', NULL, NULL, 'assessment',
     NULL, '00000000-0000-4000-8000-00000000a001', 'trainer', '00000000-0000-4000-8000-00000000c001', 'read'),
    ('00000000-0000-4000-8000-00000000b103', '00000000-0000-4000-8000-000000000101', 'collection', NULL, '00000000-0000-4000-8000-00000000c501', NULL,
     '00000000-0000-4000-8000-000000000115', NULL, NULL, NULL, 'read');
SELECT pg_temp.as_person('102', 'a001', 'professional');
INSERT INTO dcpf.share (id, owner_id, scope, grantee_licensee_id, grantee_role, permission) VALUES
    ('00000000-0000-4000-8000-00000000b201', '00000000-0000-4000-8000-000000000102', 'portfolio', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'comment');
SELECT pg_temp.as_person('103', 'a001', 'professional');
INSERT INTO dcpf.share (id, owner_id, scope, category, grantee_licensee_id, grantee_role, permission) VALUES
    ('00000000-0000-4000-8000-00000000b301', '00000000-0000-4000-8000-000000000103', 'category', 'assessment', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'read');
SELECT pg_temp.as_person('104', 'a001', 'professional');
INSERT INTO dcpf.share (id, owner_id, scope, grantee_person_id, grantee_licensee_id, grantee_role, permission, valid_from, valid_until) VALUES
    ('00000000-0000-4000-8000-00000000b401', '00000000-0000-4000-8000-000000000104', 'portfolio', '00000000-0000-4000-8000-000000000111', NULL, NULL,
     'read', now() - interval '2 days', now() - interval '1 day'),
    ('00000000-0000-4000-8000-00000000b402', '00000000-0000-4000-8000-000000000104', 'portfolio', '00000000-0000-4000-8000-000000000111', NULL, NULL,
     'read', now() + interval '1 day', NULL),
    ('00000000-0000-4000-8000-00000000b403', '00000000-0000-4000-8000-000000000104', 'portfolio', NULL, '00000000-0000-4000-8000-00000000a002', 'supervisor',
     'read', now(), NULL);
-- the trainee's own view, for comparison: everything, of themselves only
SELECT code, observations, highest_level, missing FROM dcpf.my_epa_progress ORDER BY code;
SELECT count(*) AS nobody_shares_with_104 FROM dcpf.supervised_epa_progress;

-- ---------------------------------------------------------------------------
-- Who sees what
-- ---------------------------------------------------------------------------
-- the supervisor, acting as supervisor: 101 (f101 shared, f103 their own
-- assessment; f102 not shared with them), 102 (everything), 103 (its
-- assessments); no decisions
SELECT pg_temp.as_person('111', 'a001', 'supervisor');
SELECT * FROM pg_temp.progress();
-- the counts are exactly the assessed assessments dcpf.item_permission lets them read
SELECT sum(observations) AS seen, string_agg(DISTINCT trainee_id::text, ',' ORDER BY trainee_id::text) AS trainees
  FROM dcpf.supervised_epa_progress \gset
RESET ROLE;
SELECT :seen = count(*) AS counts_match_item_permission FROM dcpf.assessment a
 WHERE a.assessed_at IS NOT NULL AND dcpf.item_permission(a.item_id) IS NOT NULL AND a.owner_id = ANY (string_to_array(:'trainees', ',')::uuid[]);
SET ROLE dcpf_test_pr_backend;
-- one trainee asked for
SELECT right(trainee_id::text, 3) AS trainee, code, observations FROM dcpf.supervised_epa_progress('00000000-0000-4000-8000-000000000102') ORDER BY code;
-- the tables themselves show them nothing
SELECT (SELECT count(*) FROM dcpf.assessment) AS assessments, (SELECT count(*) FROM dcpf.portfolio_item) AS items,
       (SELECT count(*) FROM dcpf.entrustment_decision) AS decisions;
-- the same person acting as assessor: the role shares are not theirs then; 101's person share is
SELECT pg_temp.as_person('111', 'a001', 'assessor');
SELECT * FROM pg_temp.progress();
-- the director, acting as trainer: 101's assessments (shared with the
-- programme's directors), and the decisions; no decision yet
SELECT pg_temp.as_person('112', 'a001', 'trainer');
SELECT * FROM pg_temp.progress();
SELECT dcpf.decide_entrustment('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000d001', 4,
                               '{00000000-0000-4000-8000-00000000f102}') IS NOT NULL AS decided;
SELECT * FROM pg_temp.progress();
-- the supervisor does not see the decision (decisions are the directors'); what is missing is from what they see
SELECT pg_temp.as_person('111', 'a001', 'supervisor');
SELECT * FROM pg_temp.progress() WHERE trainee = '101';
-- the colleague in B: 101 through the collection (f102 only)
SELECT pg_temp.as_person('115', 'a002', 'professional');
SELECT * FROM pg_temp.progress();
-- B's supervisor: 104 shared with B's supervisors, but is no member of B
SELECT pg_temp.as_person('113', 'a002', 'supervisor');
SELECT count(*) AS rows_seen FROM dcpf.supervised_epa_progress;
-- another licensee's trainee asked for by name: nothing, and a denied read
SELECT count(*) AS rows_seen FROM dcpf.supervised_epa_progress('00000000-0000-4000-8000-000000000101');
-- the assessor 114 assessed them all, but nobody shares with them: nobody listed
SELECT pg_temp.as_person('114', 'a001', 'assessor');
SELECT count(*) AS rows_seen FROM dcpf.supervised_epa_progress;

-- ---------------------------------------------------------------------------
-- Gone at once: a revoked share, a membership ended
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('102', 'a001', 'professional');
SELECT dcpf.revoke_share('00000000-0000-4000-8000-00000000b201') IS NOT NULL AS revoked;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT dcpf.end_membership('00000000-0000-4000-8000-00000000e103');
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.as_person('111', 'a001', 'supervisor');
SELECT * FROM pg_temp.progress();

-- ---------------------------------------------------------------------------
-- Refused: no identity, another database role, a trainee's own data
-- ---------------------------------------------------------------------------
SELECT dcpf.clear_identity();
\set ON_ERROR_STOP 0
SELECT count(*) FROM dcpf.supervised_epa_progress;
RESET ROLE;
SET ROLE dcpf_test_pr_other;
SELECT count(*) FROM dcpf.supervised_epa_progress;
SELECT count(*) FROM dcpf.supervised_epa_progress();
RESET ROLE;
SET ROLE dcpf_app;
SELECT count(*) FROM dcpf.supervised_epa_progress;
\set ON_ERROR_STOP 1
RESET ROLE;
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT count(*) AS own_rows FROM dcpf.supervised_epa_progress('00000000-0000-4000-8000-000000000101');

-- ---------------------------------------------------------------------------
-- The trail: each trainee shown is one read per transaction
-- ---------------------------------------------------------------------------
RESET ROLE;
SELECT dcpf.audit_queue_drain() AS drained;
SELECT count(*) AS events_before FROM dcpf.audit_event WHERE object_table = 'epa_progress' \gset
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.as_person('111', 'a001', 'supervisor');
BEGIN;
SELECT count(*) AS rows_seen FROM dcpf.supervised_epa_progress;
SELECT count(*) AS rows_seen FROM dcpf.supervised_epa_progress;
COMMIT;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT dcpf.audit_queue_drain() AS drained;
-- read twice in one transaction, one trainee shown: one event
SELECT count(*) - :events_before AS events_of_that_transaction FROM dcpf.audit_event WHERE object_table = 'epa_progress';
SELECT action, outcome, right(actor_person::text, 3) AS reader, application_role, right(object_key, 3) AS trainee,
       right(subject_person::text, 3) AS subject, detail, count(*) AS events
  FROM dcpf.audit_event WHERE object_table = 'epa_progress'
 GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 3, 4, 5, 2;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_pr_backend;
DROP ROLE dcpf_test_pr_other;
