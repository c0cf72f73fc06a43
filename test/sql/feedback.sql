-- Feedback requests (sql/175_feedback.sql) and the notice queue
-- (sql/135_notice.sql): a trainee asks a colleague of the platform, and a
-- nurse outside it by e-mail, for feedback; asks an assessor for a KPB with
-- an expiry. Each request submits the item, is queued as a notice and
-- recorded as a disclosure; only the one asked answers (a person by id, the
-- outsider by the link token through the back-end), once, before expiry;
-- the item is then signed; the sender claims and sends the notices.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_fb_backend;
DROP ROLE IF EXISTS dcpf_test_fb_app;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- 101 the trainee, 102 a colleague asked, 103 someone else, 104 the assessor
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'aios@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'collega@example.nl', 'de Boer', 'B.'),
    ('00000000-0000-4000-8000-000000000103', 'andere@example.nl', 'Visser', 'V.'),
    ('00000000-0000-4000-8000-000000000104', 'opleider@example.nl', 'Mulder', 'M.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'assessor', '2024-01-01');
\i test/sql/include/accept_euras.sql

CREATE ROLE dcpf_test_fb_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_fb_app NOLOGIN IN ROLE dcpf_app;
CREATE FUNCTION pg_temp.as_person(person text, role text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, '00000000-0000-4000-8000-00000000a001', role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text) TO PUBLIC;
\i test/sql/include/try.sql
SET ROLE dcpf_test_fb_backend;

-- the trainee's drafts: feedback on a presentation, feedback from the ward, a KPB, a reflection
SELECT pg_temp.as_person('101', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted)
SELECT n, '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', t, title,
       dcpf.encrypt(body, 'portfolio_item', 'body', n, '00000000-0000-4000-8000-000000000101')
  FROM (VALUES ('00000000-0000-4000-8000-00000000f001'::uuid, 'feedback', 'Refereeravond sepsis', 'Presentatie over de sepsisbundel.'),
               ('00000000-0000-4000-8000-00000000f002'::uuid, 'feedback', 'Samenwerking afdeling 4', 'Hoe ervaren de verpleegkundigen de overdracht?'),
               ('00000000-0000-4000-8000-00000000f003'::uuid, 'assessment', 'KPB overdracht', 'Overdracht aan de avonddienst.'),
               ('00000000-0000-4000-8000-00000000f004'::uuid, 'reflection', 'Reflectie nachtdienst', 'Een lange nacht.'))
       v(n, t, title, body);
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id)
VALUES ('00000000-0000-4000-8000-00000000f003', 'kpb', '00000000-0000-4000-8000-000000000104');

\set ON_ERROR_STOP 0
-- refused: a reflection; nobody asked; both a person and an address; oneself;
-- an invalid address; an address without a name; a name for a person; an
-- expiry too soon or too far; an assessment by e-mail or of another person;
-- someone else's item; a message with a BSN
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f004', '00000000-0000-4000-8000-000000000102');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f001');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000102', 'x@example.nl', 'X');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f002', giver_email => 'geen adres', giver_name => 'Zuster X');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f002', giver_email => 'zuster@example.org');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000102', giver_name => 'Collega');
\set VERBOSITY terse
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000102', expires_at => now() + interval '10 minutes');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000102', expires_at => now() + interval '91 days');
\set VERBOSITY default
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f003', giver_email => 'extern@example.org', giver_name => 'Extern');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000102');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000102',
                             message => 'Het ging over de patiënt met BSN 111222333.');
SELECT pg_temp.as_person('103', 'professional');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000102');
\set ON_ERROR_STOP 1
-- nothing of that was kept
RESET ROLE;
SELECT count(*) AS requests, (SELECT count(*) FROM dcpf.notice) AS notices, (SELECT count(*) FROM dcpf.disclosure) AS disclosures,
       (SELECT string_agg(status, ',' ORDER BY id) FROM dcpf.portfolio_item) AS statuses
  FROM dcpf.feedback_request;
SET ROLE dcpf_test_fb_backend;

-- the three requests; each submits its item
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000102',
                                   message => 'Wil je letten op de opbouw?') IS NOT NULL AS asked_colleague;
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f002', giver_email => 'Zuster.Bos@Example.org',
                                   giver_name => 'A. Bos, verpleegkundige', message => 'Graag je eerlijke indruk.') IS NOT NULL AS asked_nurse;
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f003', expires_at => now() + interval '2 days') IS NOT NULL AS asked_assessor;
SELECT right(item_id::text, 3) AS item, right(giver_person_id::text, 3) AS giver, giver_email, giver_name, message,
       expires_at - requested_at AS expires_after, answered_at, response
  FROM dcpf.feedback_request_decrypted ORDER BY item_id;
SELECT right(id::text, 3) AS item, status, submitted_at IS NOT NULL AS submitted FROM dcpf.portfolio_item ORDER BY id;
-- the trainee does not see the token hash
\set ON_ERROR_STOP 0
SELECT token_hash FROM dcpf.feedback_request;
\set ON_ERROR_STOP 1

-- the notices queued, and the disclosures recorded
RESET ROLE;
SELECT kind, right(recipient_person_id::text, 3) AS person, recipient_email, right(subject_id::text, 3) AS subject,
       payload - 'request_id' - 'expires_at' - 'token' AS payload, payload ? 'token' AS has_token
  FROM dcpf.notice ORDER BY payload->>'item_id';
SELECT kind, right(recipient_person_id::text, 3) AS person, recipient_description, regexp_replace(what, '[0-9a-f-]{36}', '<id>', 'g') AS what,
       until IS NOT NULL AS has_until
  FROM dcpf.disclosure ORDER BY what, recipient_description;
-- the token is kept only as its hash: take it from the notice as the sender would
SELECT payload->>'token' AS token FROM dcpf.notice WHERE recipient_email IS NOT NULL \gset
SELECT length(:'token') AS token_length,
       (SELECT token_hash = sha256(convert_to(:'token', 'UTF8')) FROM dcpf.feedback_request WHERE giver_email IS NOT NULL) AS hash_matches;
SET ROLE dcpf_test_fb_backend;

-- the colleague reads what was asked (logged); someone else cannot, nor the nurse's
RESET ROLE;
SELECT id AS colleague_request FROM dcpf.feedback_request WHERE item_id = '00000000-0000-4000-8000-00000000f001' \gset
SELECT id AS nurse_request FROM dcpf.feedback_request WHERE item_id = '00000000-0000-4000-8000-00000000f002' \gset
SET ROLE dcpf_test_fb_backend;
SELECT pg_temp.as_person('102', 'professional');
SELECT title, body, asked_by, message FROM dcpf.feedback_request_for_giver(:'colleague_request');
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT pg_temp.try(format('SELECT title FROM dcpf.feedback_request_for_giver(%L)', :'nurse_request'));
SELECT pg_temp.as_person('103', 'professional');
SELECT pg_temp.try(format('SELECT title FROM dcpf.feedback_request_for_giver(%L)', :'colleague_request'));
SELECT pg_temp.try(format('SELECT dcpf.give_feedback(%L, %L)', :'colleague_request', 'Ik geef het toch.'));
-- the trainee cannot answer their own request, nor sign it off another way
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.try(format('SELECT dcpf.give_feedback(%L, %L)', :'colleague_request', 'Goed gedaan, ik.'));
SELECT dcpf.sign_item('00000000-0000-4000-8000-00000000f001');
-- nor can the app reach the link functions, nor read the table directly
SELECT pg_temp.as_person('103', 'professional');
SET ROLE dcpf_test_fb_app;
SELECT title FROM dcpf.feedback_request_by_token(:'token');
SELECT count(*) FROM dcpf.feedback_request;
SET ROLE dcpf_test_fb_backend;
\set VERBOSITY default

-- the colleague answers: empty, or with a BSN, is refused; then given and signed
SELECT pg_temp.as_person('102', 'professional');
SELECT dcpf.give_feedback(:'colleague_request', '   ');
SELECT dcpf.give_feedback(:'colleague_request', 'De casus van 111222333 was helder.');
\set ON_ERROR_STOP 1
SELECT dcpf.give_feedback(:'colleague_request', 'Heldere opbouw; de conclusie mag korter.') IS NOT NULL AS given;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT pg_temp.try(format('SELECT dcpf.give_feedback(%L, %L)', :'colleague_request', 'Nog een keer.'));
\set VERBOSITY default
\set ON_ERROR_STOP 1

-- the outside nurse, through the back-end with the token: a wrong token finds nothing
RESET ROLE;
SET ROLE dcpf_test_fb_backend;
SELECT dcpf.clear_identity();
\set ON_ERROR_STOP 0
SELECT title FROM dcpf.feedback_request_by_token('dit-is-geen-geldige-link-token-0000000000');
SELECT title FROM dcpf.feedback_request_by_token(NULL);
SELECT dcpf.give_feedback_by_token(:'token', 'Prima overdracht.', '  ');
\set ON_ERROR_STOP 1
SELECT title, body, asked_by, message FROM dcpf.feedback_request_by_token(:'token');
SELECT dcpf.give_feedback_by_token(:'token', 'Rustig en volledig in de overdracht.', 'A. Bos') IS NOT NULL AS given;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT pg_temp.try(format('SELECT title FROM dcpf.feedback_request_by_token(%L)', :'token'));
\set VERBOSITY default
\set ON_ERROR_STOP 1

-- the assessor assesses in time; the request is answered
SELECT pg_temp.as_person('104', 'assessor');
SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f003', 3, 'Gestructureerd.') IS NOT NULL AS assessed;

-- the trainee reads it all: items signed (the nurse's without a signer of the platform)
SELECT pg_temp.as_person('101', 'professional');
SELECT right(id::text, 3) AS item, status, right(signed_by::text, 3) AS signed_by FROM dcpf.portfolio_item ORDER BY id;
SELECT right(item_id::text, 3) AS item, answered_at IS NOT NULL AS answered, response, signed_name
  FROM dcpf.feedback_request_decrypted ORDER BY item_id;
-- nobody signs an item without a signer by hand
RESET ROLE;
\set ON_ERROR_STOP 0
UPDATE dcpf.portfolio_item SET status = 'signed', signed_at = now() WHERE id = '00000000-0000-4000-8000-00000000f004';
UPDATE dcpf.portfolio_item SET status = 'submitted', submitted_at = now() WHERE id = '00000000-0000-4000-8000-00000000f004';
UPDATE dcpf.portfolio_item SET status = 'signed', signed_at = now() WHERE id = '00000000-0000-4000-8000-00000000f004';
\set ON_ERROR_STOP 1
UPDATE dcpf.portfolio_item SET status = 'draft', submitted_at = NULL WHERE id = '00000000-0000-4000-8000-00000000f004';
SET ROLE dcpf_test_fb_backend;

-- an expired request can no longer be answered; withdrawing the item withdraws it
SELECT pg_temp.as_person('101', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f005', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101',
        'assessment', 'KPB visite'),
       ('00000000-0000-4000-8000-00000000f006', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101',
        'feedback', 'Feedback visite');
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id)
VALUES ('00000000-0000-4000-8000-00000000f005', 'cbd', '00000000-0000-4000-8000-000000000104');
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f005') IS NOT NULL AS asked;
SELECT dcpf.request_feedback('00000000-0000-4000-8000-00000000f006', '00000000-0000-4000-8000-000000000102') IS NOT NULL AS asked;
RESET ROLE;
SELECT id AS late_request FROM dcpf.feedback_request WHERE item_id = '00000000-0000-4000-8000-00000000f006' \gset
-- (time passes: the request expires)
ALTER TABLE dcpf.feedback_request DISABLE TRIGGER USER;
UPDATE dcpf.feedback_request SET requested_at = requested_at - interval '15 days', expires_at = now() - interval '1 day'
 WHERE item_id = '00000000-0000-4000-8000-00000000f005';
ALTER TABLE dcpf.feedback_request ENABLE TRIGGER USER;
SET ROLE dcpf_test_fb_backend;
SELECT pg_temp.as_person('104', 'assessor');
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT pg_temp.try($$SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f005', 4)$$);
\set VERBOSITY default
\set ON_ERROR_STOP 1
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.withdraw_item('00000000-0000-4000-8000-00000000f006');
SELECT right(item_id::text, 3) AS item, withdrawn_at IS NOT NULL AS withdrawn, answered_at IS NOT NULL AS answered
  FROM dcpf.feedback_request WHERE item_id IN ('00000000-0000-4000-8000-00000000f005', '00000000-0000-4000-8000-00000000f006')
 ORDER BY item_id;
SELECT pg_temp.as_person('102', 'professional');
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT pg_temp.try(format('SELECT dcpf.give_feedback(%L, %L)', :'late_request', 'Te laat.'));
\set VERBOSITY default
\set ON_ERROR_STOP 1
RESET ROLE;
SELECT regexp_replace(what, '[0-9a-f-]{36}', '<id>', 'g') AS what, ended_at IS NOT NULL AS ended
  FROM dcpf.disclosure WHERE what LIKE '%f006%' OR what LIKE '%f005%' ORDER BY what;

-- the sender: claims what is due (once), marks it sent (the token leaves the queue) or given up
SET ROLE dcpf_test_fb_backend;
SELECT kind, right(recipient_person_id::text, 3) AS person, coalesce(recipient_email, recipient_person_email) AS address,
       payload ? 'token' AS has_token, attempts
  FROM dcpf.claim_notices(100) ORDER BY queued_at, kind, address;
SELECT count(*) AS claimed_again FROM dcpf.claim_notices(100);
SELECT count(*) AS claimed_after_retry FROM dcpf.claim_notices(100, interval '0');
\set ON_ERROR_STOP 0
SELECT dcpf.claim_notices(0);
\set VERBOSITY terse
SELECT dcpf.notice_done((SELECT id FROM dcpf.claim_notices(1, interval '0')), false);
\set VERBOSITY default
SELECT dcpf.notice_done('00000000-0000-4000-8000-000000000000');
\set ON_ERROR_STOP 1
RESET ROLE;
SELECT id AS email_notice FROM dcpf.notice WHERE recipient_email IS NOT NULL \gset
SET ROLE dcpf_test_fb_backend;
SELECT dcpf.notice_done(:'email_notice') IS NOT NULL AS sent;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT pg_temp.try(format('SELECT dcpf.notice_done(%L)', :'email_notice'));
\set VERBOSITY default
\set ON_ERROR_STOP 1
RESET ROLE;
SELECT payload ? 'token' AS still_has_token, sent_at IS NOT NULL AS sent FROM dcpf.notice WHERE id = :'email_notice';
-- the app cannot claim notices; a person sees only their own, without tokens
SET ROLE dcpf_test_fb_app;
\set ON_ERROR_STOP 0
SELECT dcpf.claim_notices(1);
\set ON_ERROR_STOP 1
SET ROLE dcpf_test_fb_backend;
SELECT pg_temp.as_person('101', 'professional');
SELECT kind, payload->>'item_type' AS item_type FROM dcpf.my_notices ORDER BY queued_at, item_type;
SELECT count(*) AS seen_in_table FROM dcpf.notice;

-- the trail: reads by the givers (and the refused attempt of 103), on the trainee's data
RESET ROLE;
SELECT dcpf.audit_queue_drain() AS drained;
SELECT action, outcome, coalesce(right(actor_person::text, 3), database_role) AS reader, object_table,
       right(subject_person::text, 3) AS subject, count(*)
  FROM dcpf.audit_event WHERE action = 'read' AND object_table IN ('feedback_request', 'portfolio_item')
 GROUP BY 1, 2, 3, 4, 5 ORDER BY 3, 4, 2;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_fb_backend;
DROP ROLE dcpf_test_fb_app;
