-- dcpf.login: dcpf as its own identity provider. Password policy, scrypt PHC
-- hashes and re-hashing, login issuing tokens that dcpf.authenticate
-- accepts, every attempt logged, lockout, TOTP with single-use codes and
-- recovery codes, RFC 6238 vectors, and who sees which attempts.
-- Output is deterministic: booleans only, never hashes, tokens or times.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_login_app;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
-- cheaper scrypt (N = 2^14) keeps the suite fast; one test below uses the default 17
SET dcpf.scrypt_log_n = 14;

INSERT INTO dcpf.person (id, email, surname, given_names, initials) VALUES
    ('00000000-0000-4000-8000-000000000201', 'anna.devries@example.nl', 'Vries', 'Anna Maria', 'A.M.'),
    ('00000000-0000-4000-8000-000000000202', 'bram@example.nl', 'Bakker', 'Bram', 'B.'),
    ('00000000-0000-4000-8000-000000000203', 'cor@example.nl', 'Smit', 'Cor', 'C.'),
    ('00000000-0000-4000-8000-000000000204', 'dirk@example.nl', 'Mulder', 'Dirk', 'D.');
CREATE ROLE dcpf_test_login_app NOLOGIN IN ROLE dcpf_app;
\set anna '00000000-0000-4000-8000-000000000201'
\set bram '00000000-0000-4000-8000-000000000202'
\set cor '00000000-0000-4000-8000-000000000203'
\set dirk '00000000-0000-4000-8000-000000000204'

-- the password policy, each refusal with its reason
SELECT dcpf.set_password(:'anna', 'kort');
SELECT dcpf.set_password(:'anna', repeat('x', 1025));
SELECT dcpf.set_password(:'anna', 'aaaaaaaaaaaaaaa');
SELECT dcpf.set_password(:'anna', '123456789012');
SELECT dcpf.set_password(:'anna', 'Password1234');
SELECT dcpf.set_password(:'anna', 'QWERTYUIOPAS');
SELECT dcpf.set_password(:'anna', 'Welkom2024!!');
SELECT dcpf.set_password(:'anna', '!!wachtwoord99');
SELECT dcpf.set_password(:'anna', '3141592653589');
SELECT dcpf.set_password(:'anna', 'mijn-ANNA-DEVRIES-sleutel');
SELECT dcpf.set_password(:'anna', 'blauwe-vries-kast-7');
SELECT dcpf.set_password(:'anna', 'hallo-maria-zon-7');
SELECT dcpf.set_password(:'anna', NULL);
SET dcpf.password_min_length = 20;
SELECT dcpf.set_password(:'anna', 'paard-batterij-niet');
RESET dcpf.password_min_length;
-- a good one; nobody else may set it
SELECT dcpf.set_password(:'anna', 'correct paard batterij nietje');
SET ROLE dcpf_test_login_app;
SELECT dcpf.set_password(:'anna', 'correct paard batterij nietje 2');
SELECT * FROM dcpf.person_credential;
SELECT dcpf.password_hash('x');
RESET ROLE;

-- PHC string format at the current cost, verification, malformed hashes
SELECT password_phc ~ '^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' AS phc_format,
       dcpf.password_verify('correct paard batterij nietje', password_phc) AS verifies,
       dcpf.password_verify('correct paard batterij nietjE', password_phc) AS wrong_refused,
       password_changed_at IS NOT NULL AS changed_at_set
  FROM dcpf.person_credential WHERE person_id = :'anna';
SELECT dcpf.password_hash('same') <> dcpf.password_hash('same') AS salted;
SELECT dcpf.password_verify('x', '$scrypt$ln=14,r=8,p=1$c2FsdA$AAAA');
SELECT dcpf.password_verify('x', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA');

-- dcpf registers itself as an issuer; people with credentials are linked (sub = person id)
SELECT dcpf.register_platform_issuer() AS active_keys;
SELECT issuer, audiences, kty, alg, k.status FROM dcpf.identity_issuer JOIN dcpf.issuer_key k USING (issuer) WHERE issuer = 'dcpf';
SELECT count(*) AS linked FROM dcpf.identity_link WHERE issuer = 'dcpf' AND subject = :'anna' AND person_id = :'anna';
SELECT (dcpf.platform_public_jwk() ? 'd') AS public_jwk_has_private_part;

-- success: a token dcpf.authenticate accepts, with the claims promised
SELECT dcpf.login('Anna.DeVries@Example.NL', 'correct paard batterij nietje', NULL,
                  '{"address": "198.51.100.7", "user_agent": "Firefox/140"}') AS token \gset
SELECT :'token' IS NOT NULL AS got_token;
BEGIN;
SELECT dcpf.authenticate(:'token') = :'anna' AS authenticated;
SELECT method, person = :'anna' AS is_anna FROM dcpf.identity();
COMMIT;
SELECT convert_from(decode(translate(split_part(:'token', '.', 1), '-_', '+/') || repeat('=', (4 - length(split_part(:'token', '.', 1)) % 4) % 4), 'base64'), 'UTF8')::jsonb - 'kid' AS header;
WITH c AS (SELECT convert_from(decode(translate(split_part(:'token', '.', 2), '-_', '+/') || repeat('=', (4 - length(split_part(:'token', '.', 2)) % 4) % 4), 'base64'), 'UTF8')::jsonb AS claims)
SELECT claims ->> 'iss' AS iss, claims ->> 'aud' AS aud, claims ->> 'sub' = :'anna' AS sub_is_person,
       (claims ->> 'exp')::bigint - (claims ->> 'iat')::bigint AS lifetime_s,
       length(claims ->> 'jti') AS jti_length, claims -> 'amr' AS amr
  FROM c;

-- failures: NULL, no notice, and a recorded attempt each
SELECT dcpf.login('anna.devries@example.nl', 'wrong paard batterij nietje') IS NULL AS wrong_password_null;
SELECT dcpf.login('nobody@example.nl', 'correct paard batterij nietje') IS NULL AS unknown_null;
SELECT dcpf.login('not an address', 'correct paard batterij nietje') IS NULL AS malformed_null;
SELECT dcpf.login('bram@example.nl', 'no password was ever set') IS NULL AS no_password_null;
SELECT outcome, person_id = :'anna' AS is_anna, email_sha256 = sha256('anna.devries@example.nl') AS hashed_normal_email,
       client_address, user_agent
  FROM dcpf.login_attempt WHERE person_id = :'anna' ORDER BY attempted_at;
SELECT outcome, person_id IS NULL AS no_person, email_sha256 = sha256('nobody@example.nl') AS hashed
  FROM dcpf.login_attempt WHERE email_sha256 = sha256('nobody@example.nl');
SELECT outcome, person_id = :'bram' AS is_bram FROM dcpf.login_attempt WHERE email_sha256 = sha256('bram@example.nl');
SELECT count(*) AS attempts_with_plain_email FROM dcpf.login_attempt a
 WHERE a::text ILIKE '%example.nl%' OR a::text ILIKE '%nietje%';
-- the client argument is validated
SELECT dcpf.login('anna.devries@example.nl', 'x', NULL, '{"address": "not-an-ip"}');
SELECT dcpf.login('anna.devries@example.nl', 'x', NULL, jsonb_build_object('user_agent', repeat('u', 513)));
SELECT dcpf.login('anna.devries@example.nl', 'x', NULL, '{"cookie": "x"}');
SELECT dcpf.login('anna.devries@example.nl', 'x', NULL, '"198.51.100.7"');

-- deactivated accounts: the right password still gives NULL
SELECT dcpf.set_password(:'dirk', 'dirk zijn lange wachtzin');
SELECT dcpf.set_password(:'dirk', 'een lange zin voor later');
UPDATE dcpf.person SET status = 'deactivated', deactivated_at = now() WHERE id = :'dirk';
SELECT dcpf.login('dirk@example.nl', 'een lange zin voor later') IS NULL AS deactivated_null;
SELECT outcome FROM dcpf.login_attempt WHERE person_id = :'dirk';

-- lockout: 5 failures in 15 minutes lock the account, even for the right password
SELECT dcpf.set_password(:'cor', 'zeven zeeuwse zeilboten');
SELECT count(*) FILTER (WHERE dcpf.login('cor@example.nl', 'fout ' || i) IS NULL) AS failed
  FROM generate_series(1, 5) i;
SELECT dcpf.login('cor@example.nl', 'zeven zeeuwse zeilboten') IS NULL AS locked_null;
SELECT outcome, count(*) FROM dcpf.login_attempt WHERE person_id = :'cor' GROUP BY outcome ORDER BY outcome;
-- 15 minutes later the lock is gone (attempts moved back in time by the owner)
ALTER TABLE dcpf.login_attempt DISABLE TRIGGER login_attempt_immutable;
UPDATE dcpf.login_attempt SET attempted_at = attempted_at - interval '16 minutes' WHERE person_id = :'cor';
ALTER TABLE dcpf.login_attempt ENABLE TRIGGER login_attempt_immutable;
SELECT dcpf.login('cor@example.nl', 'zeven zeeuwse zeilboten') IS NOT NULL AS unlocked_after_15_minutes;

-- re-hash when the cost rises
SET dcpf.scrypt_log_n = 15;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje') IS NOT NULL AS logged_in;
SELECT split_part(password_phc, '$', 3) AS parameters,
       dcpf.password_verify('correct paard batterij nietje', password_phc) AS still_verifies
  FROM dcpf.person_credential WHERE person_id = :'anna';
-- the default cost (N = 2^17) works end to end
RESET dcpf.scrypt_log_n;
SHOW dcpf.scrypt_log_n;
SELECT dcpf.set_password(:'bram', 'bruine beren bij de brug');
SELECT split_part(password_phc, '$', 3) AS parameters FROM dcpf.person_credential WHERE person_id = :'bram';
SELECT dcpf.login('bram@example.nl', 'bruine beren bij de brug') IS NOT NULL AS logged_in_at_default_cost;
SET dcpf.scrypt_log_n = 14;

-- RFC 6238 Appendix B (SHA-1): secret "12345678901234567890", 8 digits
SELECT t, dcpf.totp_code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', to_timestamp(t), 8) AS code
  FROM unnest(ARRAY[59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000]) t;
SELECT dcpf.totp_code('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', to_timestamp(59)) AS six_digits;
SELECT dcpf.totp_code('not base32!', now());

-- TOTP enrolment, confirmation, login with and without a code
SELECT secret_base32 AS secret, recovery_codes[1] AS recovery1, recovery_codes[2] AS recovery2,
       otpauth_uri ~ ('^otpauth://totp/dcpf:anna\.devries%40example\.nl\?secret=' || secret_base32 || '&issuer=dcpf&algorithm=SHA1&digits=6&period=30$') AS uri_ok,
       length(secret_base32) AS secret_length, cardinality(recovery_codes) AS recovery_codes,
       recovery_codes[1] ~ '^[a-z2-7]{5}-[a-z2-7]{5}$' AS recovery_format
  FROM dcpf.enrol_totp(:'anna') \gset
SELECT :'uri_ok' AS uri_ok, :secret_length AS secret_length, :recovery_codes AS recovery_codes, :'recovery_format' AS recovery_format;
-- the secret is a dcpf ciphertext (20 bytes inside, 66 in all) under anna's own data key
SELECT totp_secret_encrypted IS NOT NULL AS sealed,
       position(convert_to(:'secret', 'UTF8') IN totp_secret_encrypted) = 0 AS not_plain,
       octet_length(totp_secret_encrypted) AS sealed_bytes,
       (dcpf.ciphertext_info(totp_secret_encrypted)).plaintext_bytes AS secret_bytes,
       (dcpf.ciphertext_info(totp_secret_encrypted)).key_id
           = (SELECT k.id FROM dcpf.data_key k WHERE k.subject_id = :'anna') AS under_persons_key,
       totp_confirmed_at IS NULL AS not_yet_confirmed,
       cardinality(recovery_code_hashes) AS recovery_hashes
  FROM dcpf.person_credential WHERE person_id = :'anna';
-- not in force before confirmation
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje') IS NOT NULL AS password_alone_before_confirm;
SELECT dcpf.confirm_totp(:'anna', 'abcdef') AS malformed_code_confirms;
SELECT dcpf.confirm_totp(:'anna', dcpf.totp_code(:'secret', now() - interval '30 seconds')) AS confirmed;
SELECT * FROM dcpf.enrol_totp(:'anna');
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje') IS NULL AS needs_code;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje', dcpf.totp_code(:'secret', now())) IS NOT NULL AS with_code;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje', dcpf.totp_code(:'secret', now())) IS NULL AS same_code_again;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje', dcpf.totp_code(:'secret', now() - interval '30 seconds')) IS NULL AS older_code;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje', dcpf.totp_code(:'secret', now() + interval '30 seconds')) IS NOT NULL AS next_code;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje', upper(:'recovery1')) IS NOT NULL AS recovery_code;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje', :'recovery1') IS NULL AS recovery_code_again;
SELECT cardinality(recovery_code_hashes) AS recovery_left FROM dcpf.person_credential WHERE person_id = :'anna';
SELECT outcome FROM dcpf.login_attempt WHERE person_id = :'anna' ORDER BY attempted_at DESC LIMIT 8;
-- a sealed secret does not open for another person
UPDATE dcpf.person_credential SET totp_secret_encrypted = (SELECT totp_secret_encrypted FROM dcpf.person_credential WHERE person_id = :'anna'),
       totp_confirmed_at = now()
 WHERE person_id = :'cor';
SELECT dcpf.confirm_totp(:'cor', dcpf.totp_code(:'secret', now()));
UPDATE dcpf.person_credential SET totp_secret_encrypted = NULL, totp_confirmed_at = NULL WHERE person_id = :'cor';
-- removal needs a code
SELECT dcpf.remove_totp(:'anna', 'aaaaa-bbbbb') AS removed_with_bad_code;
SELECT dcpf.remove_totp(:'anna', :'recovery2') AS removed_with_recovery_code;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje') IS NOT NULL AS password_alone_again;

-- who sees which attempts: a person their own; nobody the credentials
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje') AS token \gset
BEGIN;
SET LOCAL ROLE dcpf_test_login_app;
SELECT dcpf.authenticate(:'token') = :'anna' AS authenticated;
SELECT count(*) > 0 AS sees_some, bool_and(person_id = :'anna') AS only_own FROM dcpf.login_attempt;
SELECT count(*) FROM dcpf.person_credential;
ROLLBACK;
BEGIN;
SET LOCAL ROLE dcpf_test_login_app;
SELECT count(*) AS without_identity FROM dcpf.login_attempt;
SHOW dcpf.platform_key_file;
ROLLBACK;
-- the application logs in through its own role
SET ROLE dcpf_test_login_app;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje') IS NOT NULL AS app_logs_in;
SELECT dcpf.login_lookup('anna.devries@example.nl', NULL);
RESET ROLE;

-- a login of someone already linked adds no link, and so leaves the caches
-- of verified tokens alone: a token verified before another login is still
-- cached after it, and recorded once (1.0.0 inserted the link at every login
-- with ON CONFLICT DO NOTHING, which fired identity_link's trigger, and every
-- login emptied every backend's cache)
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje') AS token \gset
SELECT dcpf.authenticate(:'token') = :'anna' AS first_use;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje') IS NOT NULL AS another_login;
SELECT dcpf.authenticate(:'token') = :'anna' AS after_another_login;
SELECT count(*) AS recorded FROM dcpf.authentication_event WHERE token_sha256 = sha256(convert_to(:'token', 'UTF8'));

-- without a platform key, login says what is missing
ALTER SYSTEM SET dcpf.platform_key_file = '';
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SELECT pg_sleep(0.5);
SELECT current_setting('dcpf.platform_key_file') = '' AS key_unset;
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje');
ALTER SYSTEM RESET dcpf.platform_key_file;
SELECT pg_reload_conf();
SELECT pg_sleep(0.5);
SELECT pg_sleep(0.5);
SELECT dcpf.login('anna.devries@example.nl', 'correct paard batterij nietje') IS NOT NULL AS key_back;

DROP ROLE dcpf_test_login_app;
