-- Competency declarations (sql/158_declaration.sql): a nurse asks a
-- BIG-registered supervisor to declare her competent to place a central
-- line. Only the named issuer issues it, holding a BIG number and acting as
-- supervisor or trainer of the item's licensee, with a validity of at most
-- five years; the issuer or a programme director revokes it with a reason;
-- it shows as in force, expired or revoked; sharers read it (logged).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_cd_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- 101 the nurse; 102 a BIG-registered supervisor (also assessor); 103 a
-- supervisor without a BIG number; 104 a programme director; 105 a
-- BIG-registered supervisor of the other licensee
INSERT INTO dcpf.person (id, email, surname, initials, big_number_encrypted)
SELECT v.id::uuid, v.email, v.surname, v.initials,
       CASE WHEN v.big IS NOT NULL THEN dcpf.encrypt(v.big, 'person', 'big_number', v.id::uuid, v.id::uuid) END
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', 'vpk@example.nl', 'Jansen', 'J.', NULL),
               ('00000000-0000-4000-8000-000000000102', 'arts@example.nl', 'de Boer', 'B.', '89012345601'),
               ('00000000-0000-4000-8000-000000000103', 'senior@example.nl', 'Visser', 'V.', NULL),
               ('00000000-0000-4000-8000-000000000104', 'opleider@example.nl', 'Mulder', 'M.', NULL),
               ('00000000-0000-4000-8000-000000000105', 'west@example.nl', 'Smit', 'S.', '09996030824')) v(id, email, surname, initials, big);
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e112', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'assessor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'trainer', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e105', '00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a002', 'supervisor', '2024-01-01');
\i test/sql/include/accept_euras.sql

CREATE ROLE dcpf_test_cd_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;
SET ROLE dcpf_test_cd_backend;

SELECT pg_temp.as_person('101', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101',
        'competency_declaration', 'Bekwaamheid CVC'),
       ('00000000-0000-4000-8000-00000000f002', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101',
        'competency_declaration', 'Bekwaamheid infuus'),
       ('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101',
        'reflection', 'Geen verklaring');
\set ON_ERROR_STOP 0
-- refused: on a reflection; by oneself; a scope too short or with a BSN; issued from the start
INSERT INTO dcpf.competency_declaration (item_id, scope, issuer_id)
VALUES ('00000000-0000-4000-8000-00000000f003', 'Inbrengen CVC', '00000000-0000-4000-8000-000000000102');
INSERT INTO dcpf.competency_declaration (item_id, scope, issuer_id)
VALUES ('00000000-0000-4000-8000-00000000f001', 'Inbrengen CVC', '00000000-0000-4000-8000-000000000101');
INSERT INTO dcpf.competency_declaration (item_id, scope, issuer_id)
VALUES ('00000000-0000-4000-8000-00000000f001', 'CV', '00000000-0000-4000-8000-000000000102');
INSERT INTO dcpf.competency_declaration (item_id, scope, issuer_id)
VALUES ('00000000-0000-4000-8000-00000000f001', 'CVC bij 111222333', '00000000-0000-4000-8000-000000000102');
INSERT INTO dcpf.competency_declaration (item_id, scope, issuer_id, issued_on)
VALUES ('00000000-0000-4000-8000-00000000f001', 'Inbrengen CVC', '00000000-0000-4000-8000-000000000102', current_date);
\set ON_ERROR_STOP 1
INSERT INTO dcpf.competency_declaration (item_id, scope, issuer_id) VALUES
    ('00000000-0000-4000-8000-00000000f001', 'Inbrengen van een centraal veneuze katheter (CVC)', '00000000-0000-4000-8000-000000000102'),
    ('00000000-0000-4000-8000-00000000f002', 'Inbrengen van een perifeer infuus', '00000000-0000-4000-8000-000000000103');
SELECT title, scope, right(issuer_id::text, 3) AS issuer, state FROM dcpf.my_competency_declarations ORDER BY item_id;

\set ON_ERROR_STOP 0
-- a draft is not issued, nor seen by its issuer
SELECT pg_temp.as_person('102', 'supervisor');
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f001', current_date + 365);
SELECT scope FROM dcpf.shared_declaration('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AND dcpf.submit_item('00000000-0000-4000-8000-00000000f002') IS NOT NULL AS submitted;
SELECT title, state FROM dcpf.my_competency_declarations ORDER BY item_id;
\set ON_ERROR_STOP 0
-- submitted: the scope no longer changes; the nurse cannot issue it herself
UPDATE dcpf.competency_declaration SET scope = 'Iets anders dan gevraagd' WHERE item_id = '00000000-0000-4000-8000-00000000f001';
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f001', current_date + 365);
-- the issuer reads what was asked (logged), but must act as supervisor or trainer of the licensee to issue it
SELECT pg_temp.as_person('102', 'assessor');
SELECT scope, issued_on, permission FROM dcpf.shared_declaration('00000000-0000-4000-8000-00000000f001');
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f001', current_date + 365);
-- another supervisor is not its issuer, nor is one of the other licensee
SELECT pg_temp.as_person('103', 'supervisor');
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f001', current_date + 365);
SELECT pg_temp.as_person('105', 'supervisor', 'a002');
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f001', current_date + 365);
SELECT scope FROM dcpf.shared_declaration('00000000-0000-4000-8000-00000000f001');
-- the supervisor without a BIG number cannot issue the one asked of him
SELECT pg_temp.as_person('103', 'supervisor');
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f002', current_date + 365);
-- nor can anyone sign it off as a plain item
SELECT dcpf.sign_item('00000000-0000-4000-8000-00000000f002');
-- a validity in the past, or beyond five years, is refused
SELECT pg_temp.as_person('102', 'supervisor');
\set VERBOSITY terse
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f001', current_date);
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f001', current_date + 5 * 366);
\set VERBOSITY default
\set ON_ERROR_STOP 1
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f001', current_date + 365) = current_date AS issued_today;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT dcpf.issue_declaration('00000000-0000-4000-8000-00000000f001', current_date + 700);
\set VERBOSITY default
\set ON_ERROR_STOP 1

-- issued, it is no longer asked of the issuer: he reads it no more
\set ON_ERROR_STOP 0
SELECT scope FROM dcpf.shared_declaration('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1
-- the nurse sees it in force, signed by the issuer
SELECT pg_temp.as_person('101', 'professional');
SELECT title, state, valid_until - issued_on AS days_valid FROM dcpf.my_competency_declarations ORDER BY item_id;
SELECT status, right(signed_by::text, 3) AS signed_by FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f001';

\set ON_ERROR_STOP 0
-- revocation: not by the nurse, not by another supervisor, not without a reason
SELECT dcpf.revoke_declaration('00000000-0000-4000-8000-00000000f001', 'Zelf ingetrokken');
SELECT pg_temp.as_person('103', 'supervisor');
SELECT dcpf.revoke_declaration('00000000-0000-4000-8000-00000000f001', 'Niet mijn verklaring');
SELECT pg_temp.as_person('104', 'trainer');
SELECT dcpf.revoke_declaration('00000000-0000-4000-8000-00000000f001', ' ');
-- nor a declaration not issued
SELECT dcpf.revoke_declaration('00000000-0000-4000-8000-00000000f002', 'Nog niet uitgegeven');
\set ON_ERROR_STOP 1
-- the programme director revokes it
SELECT dcpf.revoke_declaration('00000000-0000-4000-8000-00000000f001', 'Onvoldoende onderhouden: geen CVC in het afgelopen jaar.') IS NOT NULL AS revoked;
\set ON_ERROR_STOP 0
SELECT dcpf.revoke_declaration('00000000-0000-4000-8000-00000000f001', 'Nog eens');
\set ON_ERROR_STOP 1
SELECT pg_temp.as_person('101', 'professional');
SELECT m.title, m.state, right(d.revoked_by::text, 3) AS revoked_by, m.revoke_reason
  FROM dcpf.my_competency_declarations m JOIN dcpf.competency_declaration d USING (item_id) ORDER BY item_id;

-- an expired declaration shows as expired
RESET ROLE;
ALTER TABLE dcpf.competency_declaration DISABLE TRIGGER USER;
UPDATE dcpf.competency_declaration SET issued_on = '2020-01-01', valid_until = '2021-01-01', revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL
 WHERE item_id = '00000000-0000-4000-8000-00000000f001';
ALTER TABLE dcpf.competency_declaration ENABLE TRIGGER USER;
SET ROLE dcpf_test_cd_backend;
SELECT pg_temp.as_person('101', 'professional');
SELECT title, state FROM dcpf.my_competency_declarations ORDER BY item_id;

RESET ROLE;
CREATE FUNCTION pg_temp.leak(value text) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS $$
BEGIN
    RAISE NOTICE 'leaked: %', value;
    RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.leak(text) TO PUBLIC;
SET ROLE dcpf_test_cd_backend;
-- dcpf.my_items: the owner's items with their declaration columns beside
-- them; the issuer, who read them through dcpf.shared_declaration, sees
-- none of them there (only their own items, of which there are none); nor
-- does anyone without an identity
SELECT pg_temp.as_person('101', 'professional');
SELECT right(id::text, 3) AS item, item_type, status, declaration_scope, right(issuer_id::text, 3) AS issuer,
       issued_on IS NOT NULL AS issued, valid_until IS NOT NULL AS has_end, revoked_at IS NOT NULL AS revoked,
       instrument, conversation_kind
  FROM dcpf.my_items ORDER BY id;
SELECT pg_temp.as_person('102', 'supervisor');
SELECT count(*) AS issuer_sees FROM dcpf.my_items;
-- a leaky function in the caller's condition is handed no row of another's:
-- not through the view (its owner condition is an index condition), and not
-- on the subtype table itself, where row-level security alone stands between
-- the issuer and the declarations he issued (its quals run before the
-- caller's): no NOTICE below
SET client_min_messages = notice;
SELECT count(*) AS leaked FROM dcpf.my_items WHERE pg_temp.leak(title || ' ' || coalesce(declaration_scope, ''));
SELECT count(*) AS leaked_from_the_table FROM dcpf.competency_declaration WHERE pg_temp.leak(scope);
RESET client_min_messages;
SELECT dcpf.clear_identity();
SELECT count(*) AS without_identity FROM dcpf.my_items;
RESET ROLE;
SELECT count(*) AS items_of_101 FROM dcpf.portfolio_item WHERE owner_id = '00000000-0000-4000-8000-000000000101';
SET ROLE dcpf_test_cd_backend;

-- the trail: the issuer's and the others' attempts; the register and the notices
RESET ROLE;
SELECT right(recipient_person_id::text, 3) AS recipient, regexp_replace(what, '[0-9a-f-]{36}', '<id>', 'g') AS what,
       ended_at IS NOT NULL AS ended
  FROM dcpf.disclosure ORDER BY recipient_person_id;
SELECT kind, right(recipient_person_id::text, 3) AS recipient, payload->>'scope' AS scope FROM dcpf.notice ORDER BY recipient_person_id;
SELECT dcpf.audit_queue_drain() AS drained;
SELECT action, outcome, right(actor_person::text, 3) AS reader, object_table, right(object_key, 3) AS item, count(*)
  FROM dcpf.audit_event WHERE action = 'read' AND object_table = 'competency_declaration'
 GROUP BY 1, 2, 3, 4, 5 ORDER BY 3, 4, 2;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_cd_backend;
