-- Conversations (sql/157_conversation.sql): a trainee records a progress
-- conversation with their programme director; both sign it, and only with
-- the second signature is the item signed. Only a current supervisor,
-- trainer or assessor of the licensee can be the other party; only the two
-- parties sign; withdrawing clears the signatures; the other party reads it
-- (logged) while it is submitted; agreements are scanned for patient numbers.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_cv_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- 101 the trainee, 102 the programme director, 103 a colleague professional,
-- 104 a supervisor of the other licensee
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'aios@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'opleider@example.nl', 'de Boer', 'B.'),
    ('00000000-0000-4000-8000-000000000103', 'collega@example.nl', 'Visser', 'V.'),
    ('00000000-0000-4000-8000-000000000104', 'elders@example.nl', 'Smit', 'S.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'trainer', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a002', 'supervisor', '2024-01-01');
\i test/sql/include/accept_euras.sql

CREATE ROLE dcpf_test_cv_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;
SET ROLE dcpf_test_cv_backend;

SELECT pg_temp.as_person('101', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted)
SELECT n, '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', t, title,
       dcpf.encrypt(body, 'portfolio_item', 'body', n, '00000000-0000-4000-8000-000000000101')
  FROM (VALUES ('00000000-0000-4000-8000-00000000f001'::uuid, 'conversation', 'Voortgangsgesprek december', 'Eerste half jaar besproken.'),
               ('00000000-0000-4000-8000-00000000f002'::uuid, 'reflection', 'Reflectie', 'Geen gesprek.'))
       v(n, t, title, body);

\set ON_ERROR_STOP 0
-- refused: a conversation on a reflection; with oneself; with a colleague who
-- supervises nobody; with a supervisor of another licensee; made signed;
-- submitted without its conversation row
INSERT INTO dcpf.conversation (item_id, kind, counterpart_id)
VALUES ('00000000-0000-4000-8000-00000000f002', 'progress', '00000000-0000-4000-8000-000000000102');
INSERT INTO dcpf.conversation (item_id, kind, counterpart_id)
VALUES ('00000000-0000-4000-8000-00000000f001', 'progress', '00000000-0000-4000-8000-000000000101');
INSERT INTO dcpf.conversation (item_id, kind, counterpart_id)
VALUES ('00000000-0000-4000-8000-00000000f001', 'progress', '00000000-0000-4000-8000-000000000103');
INSERT INTO dcpf.conversation (item_id, kind, counterpart_id)
VALUES ('00000000-0000-4000-8000-00000000f001', 'progress', '00000000-0000-4000-8000-000000000104');
INSERT INTO dcpf.conversation (item_id, kind, counterpart_id, owner_signed_at)
VALUES ('00000000-0000-4000-8000-00000000f001', 'progress', '00000000-0000-4000-8000-000000000102', now());
INSERT INTO dcpf.conversation (item_id, kind, counterpart_id)
VALUES ('00000000-0000-4000-8000-00000000f001', 'chat', '00000000-0000-4000-8000-000000000102');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1

-- the conversation with the programme director, and its agreements
INSERT INTO dcpf.conversation (item_id, kind, counterpart_id, agreements_encrypted, next_date)
VALUES ('00000000-0000-4000-8000-00000000f001', 'progress', '00000000-0000-4000-8000-000000000102',
        dcpf.encrypt('Meer KPB''s op EPA-2; volgende keer de IC-stage bespreken.', 'conversation', 'agreements',
                     '00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101'),
        '2027-03-01')
RETURNING right(owner_id::text, 3) AS owner, kind, next_date;
\set ON_ERROR_STOP 0
-- agreements naming a patient by BSN are refused (licensee A refuses)
UPDATE dcpf.conversation SET agreements_encrypted = dcpf.encrypt('Casus 111222333 nabespreken.', 'conversation', 'agreements',
                     '00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101')
 WHERE item_id = '00000000-0000-4000-8000-00000000f001';
-- the director cannot sign a draft, nor see it
SELECT pg_temp.as_person('102', 'trainer');
SELECT dcpf.sign_conversation('00000000-0000-4000-8000-00000000f001');
SELECT kind FROM dcpf.shared_conversation('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1

-- submitted: the director is asked to sign (a notice), and reads it (logged)
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS submitted;
SELECT pg_temp.as_person('102', 'trainer');
SELECT title, permission FROM dcpf.shared_items();
SELECT kind, agreements, next_date, owner_signed_at, counterpart_signed_at, permission
  FROM dcpf.shared_conversation('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 0
-- the director may not edit it, nor sign it off as a plain item
UPDATE dcpf.conversation SET next_date = '2027-04-01' WHERE item_id = '00000000-0000-4000-8000-00000000f001';
SELECT dcpf.sign_item('00000000-0000-4000-8000-00000000f001');
-- a colleague may neither read nor sign it
SELECT pg_temp.as_person('103', 'professional');
SELECT kind FROM dcpf.shared_conversation('00000000-0000-4000-8000-00000000f001');
SELECT dcpf.sign_conversation('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1

-- the director signs first; the item is still submitted
SELECT pg_temp.as_person('102', 'trainer');
SELECT dcpf.sign_conversation('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 0
SELECT dcpf.sign_conversation('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1
SELECT pg_temp.as_person('101', 'professional');
SELECT status FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f001';

-- withdrawn, it loses the signature; the trainee edits, submits again
SELECT dcpf.withdraw_item('00000000-0000-4000-8000-00000000f001');
SELECT owner_signed_at IS NOT NULL AS owner_signed, counterpart_signed_at IS NOT NULL AS counterpart_signed
  FROM dcpf.conversation;
UPDATE dcpf.conversation SET next_date = '2027-02-15' WHERE item_id = '00000000-0000-4000-8000-00000000f001';
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS submitted;

-- both sign: the trainee first, then the director; the item is signed by the director
SELECT dcpf.sign_conversation('00000000-0000-4000-8000-00000000f001');
SELECT pg_temp.as_person('102', 'trainer');
SELECT dcpf.sign_conversation('00000000-0000-4000-8000-00000000f001');
SELECT pg_temp.as_person('101', 'professional');
SELECT status, right(signed_by::text, 3) AS signed_by FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f001';
SELECT kind, agreements, next_date, owner_signed_at IS NOT NULL AS owner_signed, counterpart_signed_at IS NOT NULL AS counterpart_signed
  FROM dcpf.conversation_decrypted;
\set ON_ERROR_STOP 0
-- signed: nothing changes any more
UPDATE dcpf.conversation SET next_date = '2027-05-01' WHERE item_id = '00000000-0000-4000-8000-00000000f001';
UPDATE dcpf.portfolio_item SET title = 'Voortgangsgesprek (achteraf)' WHERE id = '00000000-0000-4000-8000-00000000f001';
SELECT dcpf.withdraw_item('00000000-0000-4000-8000-00000000f001');
-- signed, it is no longer asked of the director: only a share would open it to him again
SELECT pg_temp.as_person('102', 'trainer');
SELECT kind FROM dcpf.shared_conversation('00000000-0000-4000-8000-00000000f001');
SELECT count(*) AS listed FROM dcpf.shared_items();
\set ON_ERROR_STOP 1

-- licensee B flags instead of refusing: a conversation there is marked
SELECT pg_temp.as_person('104', 'supervisor', 'a002');
RESET ROLE;
UPDATE dcpf.licensee SET free_text_policy = 'flag' WHERE id = '00000000-0000-4000-8000-00000000a002';
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e105', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a002', 'professional', '2024-01-01');
\i test/sql/include/accept_euras.sql
SET ROLE dcpf_test_cv_backend;
SELECT pg_temp.as_person('101', 'professional', 'a002');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e105',
        'conversation', 'Intake West');
INSERT INTO dcpf.conversation (item_id, kind, counterpart_id, agreements_encrypted)
VALUES ('00000000-0000-4000-8000-00000000f003', 'intake', '00000000-0000-4000-8000-000000000104',
        dcpf.encrypt('Casus 111222333 nabespreken.', 'conversation', 'agreements',
                     '00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000101'));
SELECT possibly_patient_data FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f003';
-- editing the title keeps the flag the agreements raised; clean agreements clear it
UPDATE dcpf.portfolio_item SET title = 'Intakegesprek West' WHERE id = '00000000-0000-4000-8000-00000000f003';
SELECT possibly_patient_data FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f003';
UPDATE dcpf.conversation SET agreements_encrypted = dcpf.encrypt('Casus nabespreken.', 'conversation', 'agreements',
                     '00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000101')
 WHERE item_id = '00000000-0000-4000-8000-00000000f003';
SELECT possibly_patient_data FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f003';

-- the register, the notices, and the trail of the director's reads
RESET ROLE;
SELECT right(recipient_person_id::text, 3) AS recipient, regexp_replace(what, '[0-9a-f-]{36}', '<id>', 'g') AS what,
       ended_at IS NOT NULL AS ended
  FROM dcpf.disclosure ORDER BY disclosed_at;
SELECT kind, right(recipient_person_id::text, 3) AS recipient, payload->>'kind' AS conversation FROM dcpf.notice ORDER BY queued_at;
SELECT dcpf.audit_queue_drain() AS drained;
SELECT action, outcome, right(actor_person::text, 3) AS reader, object_table, right(object_key, 3) AS item, count(*)
  FROM dcpf.audit_event WHERE action = 'read' AND object_table IN ('conversation', 'portfolio_item')
 GROUP BY 1, 2, 3, 4, 5 ORDER BY 3, 4, 2;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_cv_backend;
