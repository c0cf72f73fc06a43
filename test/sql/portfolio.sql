-- Portfolio items (sql/150_portfolio.sql): made by their owner in the
-- context of a current membership, draft -> submitted -> signed -> locked
-- (every other move refused, a locked item immutable even for the owner of
-- the extension), only drafts edited, the body encrypted and readable by the
-- owner alone, patient numbers in free text refused or flagged per licensee,
-- links to competencies and EPAs while a draft.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_pf_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'verpleegkundige@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'beheer@example.nl', 'Smit', 'B.'),
    ('00000000-0000-4000-8000-000000000103', 'collega@example.nl', 'Bakker', 'C.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from, valid_until) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01', NULL),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a002', 'professional', '2024-01-01', NULL),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a002', 'supervisor', '2023-01-01', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', '2024-01-01', NULL),
    ('00000000-0000-4000-8000-00000000e105', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01', NULL);
\i test/sql/include/accept_euras.sql
-- a programme of A the professional follows, with an EPA; another programme, not theirs
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'IC', 'Vervolgopleiding IC-verpleegkunde', 'track'),
    ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', 'SEH', 'Vervolgopleiding SEH', 'track');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee', '2024-02-01');
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'EPA-1', 'Beademde patiënt verzorgen', 4),
    ('00000000-0000-4000-8000-00000000d002', '00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', 'EPA-1', 'Traumaopvang', 3);
INSERT INTO dcpf.competency (id, licensee_id, code, name_nl, name_en) VALUES
    ('00000000-0000-4000-8000-00000000c3b1', '00000000-0000-4000-8000-00000000a002', 'west.eigen', 'Eigen competentie West', 'West''s own');

CREATE ROLE dcpf_test_pf_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.new_item(id uuid, membership uuid, title text, body text, programme uuid DEFAULT NULL) RETURNS text
    LANGUAGE sql AS $$
    INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, programme_id, item_type, title, body_encrypted)
    VALUES (id, '00000000-0000-4000-8000-000000000101', membership, programme, 'reflection', title,
            dcpf.encrypt(body, 'portfolio_item', 'body', id, '00000000-0000-4000-8000-000000000101'))
    RETURNING status || ' in ' || coalesce(licensee_id::text, 'no licensee') || ', patient data: ' || possibly_patient_data $$;
GRANT EXECUTE ON FUNCTION pg_temp.new_item(uuid, uuid, text, text, uuid) TO PUBLIC;
SET ROLE dcpf_test_pf_backend;

-- ---------------------------------------------------------------------------
-- The owner makes items, acting as a professional of A
-- ---------------------------------------------------------------------------
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', 'test', true) IS NOT NULL AS acting;
SELECT pg_temp.new_item('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-00000000e101',
                        'Reflectie nachtdienst', 'Een drukke nacht; ik leerde veel over de overdracht.',
                        '00000000-0000-4000-8000-00000000c001');
SELECT pg_temp.new_item('00000000-0000-4000-8000-00000000f002', NULL, 'Persoonlijk leerdoel', 'Meer rust bij het plannen.');
\set ON_ERROR_STOP 0
-- a membership of another licensee than the one acted in; an ended one; someone else's
SELECT pg_temp.new_item('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-00000000e102', 'West', 'Tekst.');
SELECT pg_temp.new_item('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-00000000e103', 'Oud', 'Tekst.');
SELECT pg_temp.new_item('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-00000000e105', 'Collega', 'Tekst.');
-- a programme they were never placed in
SELECT pg_temp.new_item('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-00000000e101', 'SEH', 'Tekst.',
                        '00000000-0000-4000-8000-00000000c002');
-- an item for someone else, one that starts beyond draft, one in the future
INSERT INTO dcpf.portfolio_item (owner_id, item_type, title) VALUES ('00000000-0000-4000-8000-000000000103', 'reflection', 'Namens collega');
INSERT INTO dcpf.portfolio_item (owner_id, item_type, title, status, submitted_at)
VALUES ('00000000-0000-4000-8000-000000000101', 'reflection', 'Meteen ingediend', 'submitted', now());
\set VERBOSITY terse
INSERT INTO dcpf.portfolio_item (owner_id, item_type, title, occurred_on)
VALUES ('00000000-0000-4000-8000-000000000101', 'reflection', 'Volgende week', current_date + 7);
\set VERBOSITY default
INSERT INTO dcpf.portfolio_item (owner_id, item_type, title) VALUES ('00000000-0000-4000-8000-000000000101', 'diary', 'Dagboek');
-- a ciphertext made for another row
INSERT INTO dcpf.portfolio_item (owner_id, item_type, title, body_encrypted)
VALUES ('00000000-0000-4000-8000-000000000101', 'reflection', 'Gekopieerd',
        (SELECT body_encrypted FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f001'));
\set ON_ERROR_STOP 1
SELECT id = '00000000-0000-4000-8000-00000000f001' AS first, title, body, status, possibly_patient_data
  FROM dcpf.portfolio_item_decrypted ORDER BY id;

-- ---------------------------------------------------------------------------
-- Patient numbers in free text: A refuses (the default), B flags
-- ---------------------------------------------------------------------------
\set ON_ERROR_STOP 0
SELECT pg_temp.new_item('00000000-0000-4000-8000-00000000f004', '00000000-0000-4000-8000-00000000e101',
                        'Casus', 'Patiënt met BSN 111222333 opgenomen.');
SELECT pg_temp.new_item('00000000-0000-4000-8000-00000000f004', '00000000-0000-4000-8000-00000000e101',
                        'Betaling 4111 1111 1111 1111', 'Geen patiënt.');
UPDATE dcpf.portfolio_item SET title = 'BSN 111 222 333' WHERE id = '00000000-0000-4000-8000-00000000f002';
\set ON_ERROR_STOP 1
SELECT dcpf.clear_identity();
RESET ROLE;
UPDATE dcpf.licensee SET free_text_policy = 'flag' WHERE id = '00000000-0000-4000-8000-00000000a002';
SET ROLE dcpf_test_pf_backend;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a002', 'professional', 'test', true) IS NOT NULL AS acting;
SELECT pg_temp.new_item('00000000-0000-4000-8000-00000000f005', '00000000-0000-4000-8000-00000000e102',
                        'Casus', 'Patiënt met BSN 111222333 en pas 4111 1111 1111 1111.');
-- cleaning the text clears the flag
UPDATE dcpf.portfolio_item SET body_encrypted = dcpf.encrypt('Patiënt opgenomen.', 'portfolio_item', 'body', id, owner_id)
 WHERE id = '00000000-0000-4000-8000-00000000f005' RETURNING possibly_patient_data;
-- an item of no licensee refuses, whatever the licensee acted in chooses
\set ON_ERROR_STOP 0
UPDATE dcpf.portfolio_item SET body_encrypted = dcpf.encrypt('BSN 111222333', 'portfolio_item', 'body', id, owner_id)
 WHERE id = '00000000-0000-4000-8000-00000000f002';
\set ON_ERROR_STOP 1

-- ---------------------------------------------------------------------------
-- The way of an item; links while a draft
-- ---------------------------------------------------------------------------
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', 'test', true) IS NOT NULL AS acting;
SELECT dcpf.set_item_links('00000000-0000-4000-8000-00000000f001',
                           '{00000000-0000-4000-8000-00000000c303,00000000-0000-4000-8000-00000000c302}',
                           '{00000000-0000-4000-8000-00000000d001}');
SELECT dcpf.set_item_links('00000000-0000-4000-8000-00000000f001', '{00000000-0000-4000-8000-00000000c303}',
                           '{00000000-0000-4000-8000-00000000d001}');
SELECT (SELECT array_agg(right(competency_id::text, 3) ORDER BY competency_id) FROM dcpf.portfolio_item_competency) AS competencies,
       (SELECT array_agg(right(epa_id::text, 3)) FROM dcpf.portfolio_item_epa) AS epas;
\set ON_ERROR_STOP 0
SELECT dcpf.set_item_links('00000000-0000-4000-8000-00000000f001', '{00000000-0000-4000-8000-00000000c3b1}');  -- West's competency
SELECT dcpf.set_item_links('00000000-0000-4000-8000-00000000f001', '{}', '{00000000-0000-4000-8000-00000000d002}');  -- another programme's EPA
SELECT dcpf.set_item_links('00000000-0000-4000-8000-00000000f002', '{}', '{00000000-0000-4000-8000-00000000d001}');  -- an item of no programme
SELECT dcpf.set_item_links('00000000-0000-4000-8000-00000000f001', NULL);
SELECT dcpf.set_item_links('00000000-0000-4000-8000-00000000f009', '{}');                                     -- no such item
INSERT INTO dcpf.portfolio_item_competency (item_id, competency_id) VALUES ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-00000000c301');
\set ON_ERROR_STOP 1
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS submitted;
\set ON_ERROR_STOP 0
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001');
UPDATE dcpf.portfolio_item SET title = 'Nog even aanpassen' WHERE id = '00000000-0000-4000-8000-00000000f001';
SELECT dcpf.set_item_links('00000000-0000-4000-8000-00000000f001', '{}');
UPDATE dcpf.portfolio_item SET status = 'signed' WHERE id = '00000000-0000-4000-8000-00000000f001';
\set ON_ERROR_STOP 1
SELECT dcpf.withdraw_item('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 0
SELECT dcpf.withdraw_item('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1
UPDATE dcpf.portfolio_item SET title = 'Reflectie nachtdienst (herzien)' WHERE id = '00000000-0000-4000-8000-00000000f001'
RETURNING title, status, submitted_at IS NULL AS unsubmitted;
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS submitted;

-- a colleague sees none of it, can move none of it, and cannot decrypt a copied body
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'professional', 'test', true) IS NOT NULL AS acting;
SELECT count(*) AS items_seen FROM dcpf.portfolio_item;
\set ON_ERROR_STOP 0
SELECT dcpf.withdraw_item('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1
-- the licensee's admin neither
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', 'test', true) IS NOT NULL AS acting;
SELECT count(*) AS items_seen FROM dcpf.portfolio_item;
SELECT dcpf.clear_identity();
RESET ROLE;
CREATE TEMP TABLE stolen AS SELECT id, owner_id, body_encrypted FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f001';
GRANT SELECT ON stolen TO PUBLIC;
SET ROLE dcpf_test_pf_backend;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', 'test', true) IS NOT NULL AS acting;
\set ON_ERROR_STOP 0
SELECT dcpf.decrypt_text(body_encrypted, 'portfolio_item', 'body', id, owner_id) FROM stolen;
\set ON_ERROR_STOP 1
SELECT dcpf.clear_identity();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Signed and locked: moved by the owner of the extension here (the signing
-- and locking functions come with the assessments); every other move refused,
-- and a locked item changes for nobody
-- ---------------------------------------------------------------------------
\set ON_ERROR_STOP 0
UPDATE dcpf.portfolio_item SET status = 'locked', locked_at = now() WHERE id = '00000000-0000-4000-8000-00000000f001';
\set VERBOSITY terse
UPDATE dcpf.portfolio_item SET status = 'signed', signed_at = now() WHERE id = '00000000-0000-4000-8000-00000000f001';
\set VERBOSITY default
\set ON_ERROR_STOP 1
UPDATE dcpf.portfolio_item SET status = 'signed', signed_at = now(), signed_by = '00000000-0000-4000-8000-000000000102'
 WHERE id = '00000000-0000-4000-8000-00000000f001' RETURNING status;
\set ON_ERROR_STOP 0
UPDATE dcpf.portfolio_item SET status = 'submitted', signed_at = NULL, signed_by = NULL WHERE id = '00000000-0000-4000-8000-00000000f001';
UPDATE dcpf.portfolio_item SET item_type = 'feedback' WHERE id = '00000000-0000-4000-8000-00000000f001';
\set ON_ERROR_STOP 1
UPDATE dcpf.portfolio_item SET status = 'locked', locked_at = '2026-06-01 12:00+00' WHERE id = '00000000-0000-4000-8000-00000000f001' RETURNING status;
\set ON_ERROR_STOP 0
UPDATE dcpf.portfolio_item SET title = 'Achteraf' WHERE id = '00000000-0000-4000-8000-00000000f001';
UPDATE dcpf.portfolio_item SET status = 'signed', locked_at = NULL WHERE id = '00000000-0000-4000-8000-00000000f001';
\set ON_ERROR_STOP 1
SELECT title, status FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f001';

-- deleting an item (as erasure will) takes its links with it
INSERT INTO dcpf.portfolio_item (id, owner_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f00e', '00000000-0000-4000-8000-000000000101', 'reflection', 'Te wissen');
INSERT INTO dcpf.portfolio_item_competency (item_id, competency_id)
VALUES ('00000000-0000-4000-8000-00000000f00e', '00000000-0000-4000-8000-00000000c301');
DELETE FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f00e';
SELECT count(*) AS links_left FROM dcpf.portfolio_item_competency WHERE item_id = '00000000-0000-4000-8000-00000000f00e';

-- the trail: the owner's items are the owner's events (the refused read of
-- the copied body too, written by the audit worker)
SELECT dcpf.audit_queue_drain();
SELECT action, object_table, right(subject_person::text, 3) AS subject, detail, count(*)
  FROM dcpf.audit_event WHERE object_table LIKE 'portfolio%'
 GROUP BY 1, 2, 3, 4 ORDER BY 2, 1, 4;
SELECT action, outcome, object_table, right(subject_person::text, 3) AS subject, right(actor_person::text, 3) AS actor
  FROM dcpf.audit_event WHERE action = 'read' AND object_table = 'portfolio_item';

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_pf_backend;
