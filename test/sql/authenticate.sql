-- dcpf.authenticate: signed tokens in, verified identity out. Every kind of
-- forged, expired, misdirected or unlinked token is refused with a class 28
-- error that never echoes the token; a good one sets the identity.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_webapp;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital'),
    ('00000000-0000-4000-8000-00000000a002', 'Hogeschool West', 'nursing_school');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000b001', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on) VALUES
    ('00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-00000000b001', '2020-01-01');
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'trainee@example.nl', 'Jansen', 'T.'),
    ('00000000-0000-4000-8000-000000000102', 'supervisor@example.nl', 'Bakker', 'S.');
-- the trainee's role requires a BIG number (stored encrypted)
SELECT FROM dcpf.set_big_number('00000000-0000-4000-8000-000000000101', '89012345601');
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'medical_trainee', '2024-01-01'),
    ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01');
INSERT INTO dcpf.role_agreement (id, product_id, role_code, version, title, body, effective_from) VALUES
    ('00000000-0000-4000-8000-00000000e001', '00000000-0000-4000-8000-00000000b001', 'medical_trainee', 1,
     'EURA aios', 'Ik accepteer de rolgebonden rechten van de aios.', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e002', '00000000-0000-4000-8000-00000000b001', 'supervisor', 1,
     'EURA supervisor', 'Ik accepteer de rolgebonden rechten van de supervisor.', '2024-01-01');
SELECT dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e001') IS NOT NULL AS accepted;

-- test-only keys: an EC P-256 pair and an HMAC secret (never use outside tests)
\set ec_private '{"kty":"EC","kid":"umc-2026-1","crv":"P-256","x":"pD1ZIRsBmrjym9WsM601kFW0zg_5b4g98anDoDOAH_U","y":"mxCZts_Gji1fyUNKiF5mlaW_kEQA3hkr9UEJ6vNi1EQ","d":"6yYXJot7D7OnCViKBUiB9duFvI188Mp_EQUTE99q-SQ"}'
\set ec_public '{"kty":"EC","kid":"umc-2026-1","crv":"P-256","x":"pD1ZIRsBmrjym9WsM601kFW0zg_5b4g98anDoDOAH_U","y":"mxCZts_Gji1fyUNKiF5mlaW_kEQA3hkr9UEJ6vNi1EQ"}'
\set hs_secret '{"kty":"oct","kid":"umc-hs-1","alg":"HS256","k":"dGVzdC1vbmx5LWhtYWMta2V5LWZvci1kY3BmLXRlc3RzIQ"}'

-- registering an issuer validates every key first
SELECT dcpf.register_issuer('https://sso.umc.example', jsonb_build_object('keys', jsonb_build_array(:'ec_private'::jsonb)), '{dcpf}');
SELECT dcpf.register_issuer('https://sso.umc.example', '{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}', '{dcpf}');
SELECT dcpf.register_issuer('https://sso.umc.example', jsonb_build_object('keys', jsonb_build_array(:'ec_public'::jsonb, :'hs_secret'::jsonb)),
                            '{dcpf}', '00000000-0000-4000-8000-00000000a001', '{portfolio-web}', '60 seconds', '1 hour') AS active_keys;
SELECT issuer, kid, kty, alg, status FROM dcpf.issuer_key ORDER BY kid;
SELECT dcpf.link_identity('00000000-0000-4000-8000-000000000101', 'https://sso.umc.example', 'sub-trainee-1');
SELECT dcpf.link_identity('00000000-0000-4000-8000-000000000102', 'https://sso.umc.example', 'sub-supervisor-1');

CREATE FUNCTION pg_temp.b64url(value text) RETURNS text LANGUAGE sql IMMUTABLE
RETURN translate(rtrim(encode(convert_to(value, 'UTF8'), 'base64'), '='), E'+/\n', '-_');
CREATE FUNCTION pg_temp.claims(extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql VOLATILE
RETURN jsonb_build_object('iss', 'https://sso.umc.example', 'sub', 'sub-trainee-1', 'aud', 'dcpf',
                          'azp', 'portfolio-web', 'iat', floor(extract(epoch FROM now())),
                          'exp', floor(extract(epoch FROM now())) + 300,
                          'dcpf_licensee', '00000000-0000-4000-8000-00000000a001', 'dcpf_role', 'medical_trainee') || extra;

-- a good token
SELECT dcpf.jws_sign(pg_temp.claims(), :'ec_private', 'ES256') AS good \gset
BEGIN;
SELECT dcpf.authenticate(:'good');
SELECT person, licensee, role, method, scope FROM dcpf.identity();
COMMIT;
SELECT dcpf.current_person() AS after_commit;
-- the same through the HMAC key, and through the application's role
CREATE ROLE dcpf_test_webapp NOLOGIN IN ROLE dcpf_app;
SELECT dcpf.jws_sign(pg_temp.claims('{"dcpf_purpose": "service_delivery"}'), :'hs_secret', 'HS256') AS good_hs \gset
SET ROLE dcpf_test_webapp;
BEGIN;
SELECT dcpf.authenticate(:'good_hs') AS person, dcpf.current_role(), dcpf.current_purpose();
SELECT email FROM dcpf.person;
COMMIT;
SELECT count(*) AS persons_seen_without_identity FROM dcpf.person;
RESET ROLE;

-- forged and broken tokens
SELECT dcpf.authenticate(NULL);
SELECT dcpf.authenticate('not a token');
-- a payload with a number PostgreSQL cannot store (1e700000000), read before any
-- verification: refused like any unreadable token, not raised as 22003 (found by
-- the jws fuzz harness, doc/guides/hardening.md)
SELECT pg_temp.b64url('{"alg":"HS256"}') || '.' || pg_temp.b64url('{"iss":"https://idp.example.nl","n":1e700000000}') || '.' || pg_temp.b64url('x') AS wide_token \gset
SELECT dcpf.authenticate(:'wide_token');
-- and recorded like every refusal (log_refusal): a login event, denied, that
-- names the token by its SHA-256 and gives the reason
SELECT dcpf.audit_queue_drain() IS NOT NULL AS drained;
SELECT action, outcome, detail FROM dcpf.audit_event
 WHERE reference = encode(sha256(convert_to(:'wide_token', 'UTF8')), 'hex');
SELECT dcpf.authenticate(repeat('a', 9000));
SELECT dcpf.authenticate(pg_temp.b64url('{"alg":"none"}') || '.' || pg_temp.b64url(pg_temp.claims()::text) || '.');
SELECT dcpf.authenticate(pg_temp.b64url('{"alg":"ES256","kid":"umc-2026-1"}') || '.' || pg_temp.b64url(pg_temp.claims('{"sub":"sub-supervisor-1"}')::text)
                         || '.' || split_part(:'good', '.', 3));
SELECT dcpf.authenticate(split_part(:'good', '.', 1) || '.' || split_part(:'good', '.', 2) || '.' || split_part(:'good_hs', '.', 3));
-- HS/EC confusion: an HS256 token whose secret is the EC public key, naming the EC key
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims(), jsonb_build_object('kty', 'oct', 'k', pg_temp.b64url(:'ec_public')), 'HS256')
                         ) IS NOT NULL AS confusion_without_kid;
SELECT dcpf.authenticate(pg_temp.b64url('{"alg":"HS256","kid":"umc-2026-1"}') || '.' || split_part(:'good', '.', 2) || '.' || split_part(:'good_hs', '.', 3));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims(), '{"kty":"EC","kid":"other","crv":"P-256","x":"vaU6FH0IPaydExTspBVKXw0M-oqv_3GXx4LbHeHOAuk","y":"mwOBNzX4H92BE-2AInfQQVBJowOZ3I4cnfOKaMTQUrg","d":"c2CfpjpQtVEOaOPD2vbnzWD9Go3hiZK5yaWHhsLnhEk"}', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"iss":"https://evil.example"}'), :'ec_private', 'ES256'));

-- claims
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims() - 'exp', :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"exp": 1700000000, "iat": 1699999000}'), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"nbf": 4102444800}'), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"iat": 4102444800}'), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims() || jsonb_build_object('exp', floor(extract(epoch FROM now())) + 7200), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"aud": "another-app"}'), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"aud": ["x", "dcpf"]}'), :'ec_private', 'ES256')) IS NOT NULL AS audience_in_array;
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"azp": "mobile-app"}'), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims() - 'azp', :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"sub": "sub-nobody"}'), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"dcpf_licensee": "00000000-0000-4000-8000-00000000a002"}'), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims() - 'dcpf_role', :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"dcpf_role": "licensee_admin"}'), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"sub": "sub-supervisor-1", "dcpf_role": "supervisor"}'), :'ec_private', 'ES256'));
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims() - 'dcpf_role' - 'dcpf_licensee', :'ec_private', 'ES256')) IS NOT NULL AS person_alone;
SELECT dcpf.current_person() AS none_after_refusals;

-- a refusal clears the identity that was there
BEGIN;
SELECT dcpf.authenticate(:'good') IS NOT NULL AS authenticated;
SELECT dcpf.authenticate(dcpf.jws_sign(pg_temp.claims('{"aud": "another-app"}'), :'ec_private', 'ES256'));
ROLLBACK;
BEGIN;
SAVEPOINT s;
SELECT dcpf.authenticate(:'good') IS NOT NULL AS authenticated;
SAVEPOINT t;
SELECT dcpf.authenticate('x.y.z');
ROLLBACK TO SAVEPOINT t;
SELECT dcpf.current_person() AS after_refused_second_token;
COMMIT;

-- session scope, and key retirement takes effect at once
SELECT dcpf.authenticate(:'good', session_scope => true) IS NOT NULL AS authenticated;
SELECT dcpf.current_person() AS next_statement;
DISCARD ALL;
SELECT dcpf.current_person() AS after_discard_all;
SELECT dcpf.retire_issuer_key('https://sso.umc.example', 'umc-2026-1');
SELECT dcpf.authenticate(:'good');
SELECT dcpf.retire_issuer_key('https://sso.umc.example', 'umc-2026-1');
-- re-registering with only the HMAC key keeps the EC key retired
SELECT dcpf.register_issuer('https://sso.umc.example', jsonb_build_object('keys', jsonb_build_array(:'hs_secret'::jsonb)),
                            '{dcpf}', '00000000-0000-4000-8000-00000000a001', '{portfolio-web}') AS active_keys;
SELECT kid, status, retired_at IS NOT NULL AS retired FROM dcpf.issuer_key ORDER BY kid;
-- the token cache: a verified token is reused without a second check or
-- event; a change to a membership empties every backend's cache at commit
SELECT count(*) AS events_before FROM dcpf.authentication_event \gset
SELECT dcpf.authenticate(:'good_hs') IS NOT NULL AS first, dcpf.authenticate(:'good_hs') IS NOT NULL AS again;
SELECT count(*) - :events_before AS new_events FROM dcpf.authentication_event;
UPDATE dcpf.membership SET valid_until = now() - interval '1 second'
 WHERE person_id = '00000000-0000-4000-8000-000000000101' AND role_code = 'medical_trainee';
SELECT dcpf.authenticate(:'good_hs');
UPDATE dcpf.membership SET valid_until = NULL
 WHERE person_id = '00000000-0000-4000-8000-000000000101' AND role_code = 'medical_trainee';
SET dcpf.token_cache_seconds = 0;
SELECT dcpf.authenticate(:'good_hs') IS NOT NULL AS uncached_1, dcpf.authenticate(:'good_hs') IS NOT NULL AS uncached_2;
SELECT count(*) - :events_before AS new_events_without_cache FROM dcpf.authentication_event;
RESET dcpf.token_cache_seconds;
UPDATE dcpf.identity_issuer SET status = 'disabled';
SELECT dcpf.authenticate(:'good_hs');

-- what was recorded: accepted authentications, without the token
SELECT issuer, subject, person_id, role_code, length(token_sha256) AS hash_bytes FROM dcpf.authentication_event ORDER BY occurred_at;
SELECT count(*) AS events_holding_a_token FROM dcpf.authentication_event e
 WHERE position(convert_to(:'good', 'UTF8') IN e.token_sha256) > 0;

DROP OWNED BY dcpf_test_webapp;
DROP ROLE dcpf_test_webapp;
