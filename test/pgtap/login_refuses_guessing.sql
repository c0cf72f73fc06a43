-- dcpf.login refuses guessing: common passwords never get in, every failure
-- looks the same (NULL, no message, similar time), accounts and client
-- addresses lock, tokens cannot be altered, and the credentials are out of
-- reach of every application role.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL dcpf.scrypt_log_n = 14;
SELECT plan(49);

CREATE ROLE dcpf_t_login_app NOLOGIN IN ROLE dcpf_app;
CREATE ROLE dcpf_t_login_svc NOLOGIN IN ROLE dcpf_service;
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-0000000f0a01', 'Login Licensee', 'academic_hospital');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000f0b01', 'dcpf-login', 'DCPF login');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on) VALUES ('00000000-0000-4000-8000-0000000f0a01', '00000000-0000-4000-8000-0000000f0b01', '2020-01-01');
INSERT INTO dcpf.role_agreement (id, product_id, role_code, version, title, body, effective_from) VALUES
    ('00000000-0000-4000-8000-0000000f0e01', '00000000-0000-4000-8000-0000000f0b01', 'licensee_admin', 1,
     'EURA admin', 'Ik accepteer de rolgebonden rechten van de beheerder.', '2020-01-01');
INSERT INTO dcpf.person (id, email, surname, given_names) VALUES
    ('00000000-0000-4000-8000-0000000f0001', 'eva@login.example', 'Groen', 'Eva'),
    ('00000000-0000-4000-8000-0000000f0002', 'femke@login.example', 'Wit', 'Femke'),
    ('00000000-0000-4000-8000-0000000f0003', 'admin@login.example', 'Zwart', 'Gijs'),
    ('00000000-0000-4000-8000-0000000f0004', 'outsider@login.example', 'Rood', 'Hans');
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-0000000f0001', '00000000-0000-4000-8000-0000000f0a01', 'professional', '2020-01-01'),
    ('00000000-0000-4000-8000-0000000f0003', '00000000-0000-4000-8000-0000000f0a01', 'licensee_admin', '2020-01-01');
DO $$ BEGIN PERFORM dcpf.accept_role_agreement('00000000-0000-4000-8000-0000000f0003', '00000000-0000-4000-8000-0000000f0e01'); END $$;
DO $$ BEGIN PERFORM dcpf.set_password('00000000-0000-4000-8000-0000000f0001', 'lange zin over de zee'); END $$;
DO $$ BEGIN PERFORM dcpf.set_password('00000000-0000-4000-8000-0000000f0002', 'tweede lange zin hier'); END $$;
DO $$ BEGIN PERFORM dcpf.set_password('00000000-0000-4000-8000-0000000f0004', 'vierde lange zin daar'); END $$;
DO $$ BEGIN PERFORM dcpf.register_platform_issuer(); END $$;

-- common passwords and common words with digits never pass the policy
SELECT throws_ok(format('SELECT dcpf.password_policy_check(%L)', pw), '22023', 'password refused',
                 format('common password %s is refused', pw))
  FROM unnest(ARRAY['123456789012', 'password1234', 'welkom123456', 'qwertyuiopas', 'Wachtwoord2024',
                    'WELKOM!!2025', 'iloveyou1234', 'feyenoord1908', 'admin1234567', 'zzzzzzzzzzzzzz']) pw;
SELECT lives_ok(format('SELECT dcpf.password_policy_check(%L)', pw), 'a long passphrase passes')
  FROM unnest(ARRAY['paard batterij nietje correct', 'Vier-kleine-Wolken-boven-Ede']) pw;

-- every failure is NULL, without a notice, and recorded
SELECT is(dcpf.login('eva@login.example', 'verkeerde lange zin'), NULL, 'wrong password: NULL');
SELECT is(dcpf.login('nobody@login.example', 'lange zin over de zee'), NULL, 'unknown e-mail: NULL');
SELECT is((SELECT outcome FROM dcpf.login_attempt WHERE email_sha256 = sha256('nobody@login.example')),
          'unknown_account', 'unknown e-mail recorded as unknown_account');
SELECT is((SELECT count(*)::int FROM dcpf.login_attempt a WHERE a::text LIKE '%login.example%'), 0,
          'no attempt keeps an e-mail address');

-- timing: an unknown e-mail costs the scrypt work of a wrong password
CREATE TEMP TABLE timing (what text, took interval);
DO $$
DECLARE t0 timestamptz;
BEGIN
    t0 := clock_timestamp();
    PERFORM dcpf.login('femke@login.example', 'fout fout fout 1');
    PERFORM dcpf.login('femke@login.example', 'fout fout fout 2');
    INSERT INTO timing VALUES ('wrong', clock_timestamp() - t0);
    t0 := clock_timestamp();
    PERFORM dcpf.login('niemand@login.example', 'fout fout fout 1');
    PERFORM dcpf.login('niemand@login.example', 'fout fout fout 2');
    INSERT INTO timing VALUES ('unknown', clock_timestamp() - t0);
END $$;
SELECT ok((SELECT took FROM timing WHERE what = 'unknown') > (SELECT took FROM timing WHERE what = 'wrong') * 0.5,
          'an unknown e-mail takes at least half as long as a wrong password');

-- account lockout: 5 failures, then even the right password is refused
SELECT is((SELECT count(*)::int FROM generate_series(1, 3) i WHERE dcpf.login('eva@login.example', 'nog een foute zin ' || i) IS NULL),
          3, 'three more failures');
SELECT is(dcpf.login('eva@login.example', 'nog een foute zin 4'), NULL, 'fifth failure');
SELECT is(dcpf.login('eva@login.example', 'lange zin over de zee'), NULL, 'locked: the right password gives NULL');
SELECT is((SELECT outcome FROM dcpf.login_attempt WHERE person_id = '00000000-0000-4000-8000-0000000f0001'
            ORDER BY attempted_at DESC LIMIT 1), 'locked', 'recorded as locked');
SELECT isnt(dcpf.login('femke@login.example', 'tweede lange zin hier'), NULL, 'another account is not locked');

-- client address lockout: 20 failures from one address
SELECT is((SELECT count(*)::int FROM generate_series(1, 20) i
            WHERE dcpf.login('guess' || i || '@login.example', 'raden raden ' || i, NULL, '{"address": "203.0.113.66"}') IS NULL),
          20, 'twenty failures from one address');
SELECT is(dcpf.login('vierde@login.example', 'x', NULL, '{"address": "203.0.113.66"}'), NULL, 'then that address is refused');
SELECT is(dcpf.login('outsider@login.example', 'vierde lange zin daar', NULL, '{"address": "203.0.113.66"}'), NULL,
          'even with a right password');
SELECT is((SELECT outcome FROM dcpf.login_attempt WHERE client_address = '203.0.113.66' ORDER BY attempted_at DESC LIMIT 1),
          'locked', 'recorded as locked');
SELECT isnt(dcpf.login('outsider@login.example', 'vierde lange zin daar', NULL, '{"address": "203.0.113.67", "user_agent": "curl"}'), NULL,
            'another address gets in');

-- tokens: accepted as issued, refused when altered
CREATE TEMP TABLE tok AS SELECT dcpf.login('femke@login.example', 'tweede lange zin hier') AS token;
SELECT is(dcpf.authenticate((SELECT token FROM tok)), '00000000-0000-4000-8000-0000000f0002'::uuid, 'the token authenticates its person');
DO $$ BEGIN PERFORM dcpf.clear_identity(); END $$;
SELECT throws_ok(format('SELECT dcpf.authenticate(%L)',
                        (SELECT split_part(token, '.', 1) || '.' ||
                                rtrim(translate(encode(convert_to(replace(convert_from(decode(
                                    translate(split_part(token, '.', 2), '-_', '+/') || repeat('=', (4 - length(split_part(token, '.', 2)) % 4) % 4),
                                    'base64'), 'UTF8'), '0000000f0002', '0000000f0001'), 'UTF8'), 'base64'), E'+/\n', '-_'), '=')
                                || '.' || split_part(token, '.', 3) FROM tok)),
                 '28000', NULL, 'a token whose sub was changed is refused');
SELECT is(dcpf.current_person(), NULL, 'and leaves no identity');

-- the credentials are out of reach of the application
SET LOCAL ROLE dcpf_t_login_app;
SELECT throws_ok('SELECT * FROM dcpf.person_credential', '42501', NULL, 'dcpf_app cannot read credentials');
SELECT throws_ok($$UPDATE dcpf.person_credential SET password_phc = NULL$$, '42501', NULL, 'dcpf_app cannot change credentials');
SELECT throws_ok($$SELECT dcpf.password_verify('x', '$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')$$,
                 '42501', NULL, 'dcpf_app cannot run password_verify');
SELECT throws_ok($$SELECT dcpf.totp_code('GEZDGNBV', now())$$, '42501', NULL, 'dcpf_app cannot run totp_code');
SELECT throws_ok($$SELECT dcpf.login_lookup('eva@login.example', NULL)$$, '42501', NULL, 'dcpf_app cannot run login_lookup');
SELECT throws_ok($$SELECT dcpf.register_platform_issuer()$$, '42501', NULL, 'dcpf_app cannot register the platform issuer');
SELECT throws_ok($$SELECT dcpf.set_password('00000000-0000-4000-8000-0000000f0002', 'een nieuwe lange zin')$$, '42501', NULL,
                 'dcpf_app without identity cannot set a password');
SELECT throws_ok($$SELECT dcpf.enrol_totp('00000000-0000-4000-8000-0000000f0002')$$, '42501', NULL,
                 'dcpf_app without identity cannot enrol a second factor');
SELECT is((SELECT count(*)::int FROM dcpf.login_attempt), 0, 'without identity no attempt is visible');
RESET ROLE;

-- a person sees their own attempts; a licensee admin those of their licensee's people
SET LOCAL ROLE dcpf_t_login_svc;
DO $$ BEGIN PERFORM dcpf.act_as('00000000-0000-4000-8000-0000000f0002', NULL, NULL, 'test'); END $$;
SELECT ok((SELECT count(*) > 0 AND bool_and(person_id = '00000000-0000-4000-8000-0000000f0002') FROM dcpf.login_attempt),
          'a person sees only their own attempts');
SELECT lives_ok($$SELECT dcpf.set_password('00000000-0000-4000-8000-0000000f0002', 'een nieuwe lange zin')$$,
                'the person sets their own password');
SELECT throws_ok($$SELECT dcpf.set_password('00000000-0000-4000-8000-0000000f0001', 'een nieuwe lange zin')$$, '42501', NULL,
                 'but not someone else''s');
DO $$ BEGIN PERFORM dcpf.act_as('00000000-0000-4000-8000-0000000f0003', '00000000-0000-4000-8000-0000000f0a01', 'licensee_admin', 'test'); END $$;
SELECT ok((SELECT count(*) > 0 FROM dcpf.login_attempt WHERE person_id = '00000000-0000-4000-8000-0000000f0001'),
          'the licensee admin sees attempts of a member');
SELECT is((SELECT count(*)::int FROM dcpf.login_attempt WHERE person_id IS DISTINCT FROM '00000000-0000-4000-8000-0000000f0001'), 0,
          'and nothing of non-members or unknown accounts');
RESET ROLE;
DO $$ BEGIN PERFORM dcpf.clear_identity(); END $$;

-- the functions: no SECURITY DEFINER, pinned search_path, nothing for PUBLIC
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'dcpf'::regnamespace AND p.prosecdef
             AND p.proname IN ('login', 'set_password', 'enrol_totp', 'confirm_totp', 'remove_totp', 'login_lookup', 'login_record')),
          0, 'login functions are not SECURITY DEFINER');
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'dcpf'::regnamespace AND p.prolang <> (SELECT l.oid FROM pg_language l WHERE l.lanname = 'c')
             AND (p.proname LIKE 'login%' OR p.proname LIKE 'credential%' OR p.proname = 'register_platform_issuer')
             AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)), 0,
          'every SQL helper pins search_path');
SELECT is((SELECT count(*)::int FROM pg_proc p, aclexplode(p.proacl) a
            WHERE p.pronamespace = 'dcpf'::regnamespace AND a.grantee = 0
              AND (p.proname LIKE 'login%' OR p.proname LIKE 'credential%' OR p.proname LIKE 'password%'
                   OR p.proname LIKE '%totp%' OR p.proname LIKE 'platform%' OR p.proname IN ('set_password', 'register_platform_issuer'))),
          0, 'no login function is executable by PUBLIC');
SELECT ok((SELECT bool_and(c.relrowsecurity AND c.relforcerowsecurity) FROM pg_class c
            WHERE c.oid IN ('dcpf.person_credential'::regclass, 'dcpf.login_attempt'::regclass)),
          'row-level security is forced on both tables');
SELECT is((SELECT count(*)::int FROM pg_policy WHERE polrelid = 'dcpf.person_credential'::regclass), 0,
          'person_credential has no policy at all');

SELECT * FROM finish();
ROLLBACK;
