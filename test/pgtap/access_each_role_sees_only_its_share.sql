-- Row-level access by attack: no identity, another licensee, another role,
-- columns a role may not write, DELETE/TRUNCATE, SET ROLE, a leaky function
-- in WHERE; and the encrypted columns: each identity reads through the
-- *_decrypted views exactly what it may see, and a ciphertext taken from
-- one row does not open as another's. Identities are assumed with
-- dcpf.act_as by a dcpf_service member.
BEGIN;
SELECT plan(78);
-- pgTAP keeps its state in temp tables: let the test roles write them
DO $$ BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
END $$;

SET LOCAL client_min_messages = warning;
CREATE ROLE dcpf_t_svc NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_t_app NOLOGIN IN ROLE dcpf_app;
CREATE ROLE dcpf_t_report NOLOGIN IN ROLE dcpf_reporting;
CREATE ROLE dcpf_t_maint NOLOGIN IN ROLE dcpf_maintenance;

-- two licensees, each with a licence and every EURA published
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000aa01', 'Licensee A', 'academic_hospital'),
    ('00000000-0000-4000-8000-00000000bb01', 'Licensee B', 'nursing_school');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000cc01', 'dcpf-t', 'DCPF');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
SELECT l, '00000000-0000-4000-8000-00000000cc01', '2020-01-01'
  FROM unnest(ARRAY['00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000bb01']::uuid[]) l;
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-00000000cc01', code, 1, 'EURA ' || code, 'Ik accepteer de rolgebonden rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role;
-- A pays by direct debit (its IBAN is encrypted under A's data key), B by invoice
DO $$ BEGIN
    PERFORM dcpf.set_billing_profile('00000000-0000-4000-8000-00000000aa01', 'Postbus 1', '7500 AA', 'Enschede', 'Crediteuren A',
                                     'a@billing.example', 'direct_debit', 'NL91ABNA0417164300', 'A-MANDATE-1', '2020-01-01',
                                     contact_phone => '053 111 1111');
    PERFORM dcpf.set_billing_profile('00000000-0000-4000-8000-00000000bb01', 'Postbus 2', '7500 AB', 'Enschede', 'Crediteuren B',
                                     'b@billing.example', 'invoice', contact_phone => '053 222 2222');
END $$;
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-0000000000a1', 'trainee.a@example.nl', 'Aa', 'T.'),
    ('00000000-0000-4000-8000-0000000000a2', 'admin.a@example.nl', 'Ab', 'A.'),
    ('00000000-0000-4000-8000-0000000000a3', 'privacy.a@example.nl', 'Ac', 'P.'),
    ('00000000-0000-4000-8000-0000000000b1', 'trainee.b@example.nl', 'Ba', 'T.'),
    ('00000000-0000-4000-8000-0000000000b2', 'admin.b@example.nl', 'Bb', 'A.'),
    ('00000000-0000-4000-8000-0000000000f1', 'outsider@example.nl', 'Fa', 'O.');
DO $$ BEGIN
    PERFORM dcpf.set_big_number('00000000-0000-4000-8000-0000000000a1', '89012345601');
    PERFORM dcpf.set_big_number('00000000-0000-4000-8000-0000000000b1', '89012345628');
END $$;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-00000000aa01', 'medical_trainee', '2024-01-01'),
    ('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'licensee_admin', '2024-01-01'),
    ('00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-00000000aa01', 'privacy_officer', '2024-01-01'),
    ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-00000000bb01', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-00000000bb01', 'licensee_admin', '2024-01-01');
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT a.id, m.person_id, 'click_through'
  FROM dcpf.membership m JOIN dcpf.role_agreement a ON a.role_code = m.role_code;
DO $$ BEGIN
    PERFORM dcpf.add_phone('00000000-0000-4000-8000-0000000000a1', 'mobile', '+31611111111');
    PERFORM dcpf.add_phone('00000000-0000-4000-8000-0000000000b1', 'mobile', '+31622222222');
    PERFORM dcpf.set_address('00000000-0000-4000-8000-0000000000a1', 'home', 'Oude Markt', 1, '7511 GA', 'Enschede');
END $$;
-- ciphertexts as an attacker might hold them (copied from a row it could
-- read, from a log or a backup); the rows they belong to
CREATE TEMP TABLE stolen AS
SELECT 'big a1' AS what, p.big_number_encrypted AS ct, p.id AS row_id, p.id AS subject
  FROM dcpf.person p WHERE p.id = '00000000-0000-4000-8000-0000000000a1'
UNION ALL
SELECT 'big b1', p.big_number_encrypted, p.id, p.id
  FROM dcpf.person p WHERE p.id = '00000000-0000-4000-8000-0000000000b1'
UNION ALL
SELECT 'phone a1', ph.number_encrypted, ph.id, ph.person_id
  FROM dcpf.person_phone ph WHERE ph.person_id = '00000000-0000-4000-8000-0000000000a1'
UNION ALL
SELECT 'address a1', a.address_encrypted, a.id, a.person_id
  FROM dcpf.person_address a WHERE a.person_id = '00000000-0000-4000-8000-0000000000a1'
UNION ALL
SELECT 'iban A', b.iban_encrypted, b.licensee_id, b.licensee_id
  FROM dcpf.billing_profile b WHERE b.licensee_id = '00000000-0000-4000-8000-00000000aa01';
GRANT SELECT ON stolen TO PUBLIC;
-- pg_temp.decrypt_state(what, table, column, row, subject): how dcpf.decrypt_text answers
CREATE FUNCTION pg_temp.decrypt_state(what text, tbl text, col text, row_id uuid, subject uuid) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
    v := dcpf.decrypt_text((SELECT ct FROM stolen WHERE stolen.what = decrypt_state.what), tbl, col, row_id, subject);
    RETURN 'decrypted: ' || v;
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE;
END $$;
CREATE TEMP TABLE seen_by_leak (value text);
GRANT ALL ON seen_by_leak TO PUBLIC;
CREATE FUNCTION pg_temp.leak(value text) RETURNS boolean LANGUAGE plpgsql COST 0.0001
AS $$ BEGIN INSERT INTO seen_by_leak VALUES (value); RETURN true; END $$;
RESET client_min_messages;

-- no identity: nothing
SET LOCAL ROLE dcpf_t_app;
SELECT is((SELECT count(*) FROM dcpf.person)::int, 0, 'no identity: no person row');
SELECT is((SELECT count(*) FROM dcpf.licensee)::int, 0, 'no identity: no licensee');
SELECT is((SELECT count(*) FROM dcpf.membership)::int, 0, 'no identity: no membership');
SELECT is((SELECT count(*) FROM dcpf.role)::int, 0, 'no identity: not even the catalogue');
SELECT throws_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-00000000aa01', 'medical_trainee', 'x')$$,
    '42501', NULL, 'the application role cannot assume an identity');
-- SET ROLE is checked against the session user: become the app's login
RESET ROLE;
SET LOCAL SESSION AUTHORIZATION dcpf_t_app;
SELECT throws_ok('SET ROLE dcpf_service', '42501', NULL, 'SET ROLE from the app role to dcpf_service is refused');
SELECT throws_ok('SET ROLE dcpf_t_svc', '42501', NULL, 'SET ROLE to a service login is refused');
RESET SESSION AUTHORIZATION;

-- trainee of A
SET LOCAL ROLE dcpf_t_svc;
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-00000000aa01', 'medical_trainee', 'test')$$, 'a trainee identity is assumed');
SELECT results_eq('SELECT id FROM dcpf.person', $$VALUES ('00000000-0000-4000-8000-0000000000a1'::uuid)$$, 'trainee: sees only their own person row');
SELECT is((SELECT count(*) FROM dcpf.membership WHERE person_id <> dcpf.current_person())::int, 0, 'trainee: sees no one else''s memberships');
SELECT results_eq('SELECT name FROM dcpf.licensee', $$VALUES ('Licensee A')$$, 'trainee: sees only their own licensee');
SELECT is((SELECT count(*) FROM dcpf.billing_profile)::int, 0, 'trainee: no billing data');
SELECT is((SELECT count(*) FROM dcpf.licence)::int, 0, 'trainee: no licences');
SELECT results_eq('SELECT number FROM dcpf.person_phone_decrypted', $$VALUES ('+31611111111')$$, 'trainee: only their own phone, decrypted');
SELECT results_eq('SELECT id, big_number FROM dcpf.person_decrypted', $$VALUES ('00000000-0000-4000-8000-0000000000a1'::uuid, '89012345601')$$,
    'trainee: reads their own BIG number decrypted, and no one else''s');
SELECT results_eq('SELECT street, house_number, postcode, city FROM dcpf.person_address_decrypted',
    $$VALUES ('Oude Markt', 1, '7511 GA', 'Enschede')$$, 'trainee: reads their own address decrypted');
SELECT is((SELECT count(*) FROM dcpf.billing_profile_decrypted)::int, 0, 'trainee: no decrypted billing data');
SELECT is(pg_temp.decrypt_state('big a1', 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1'),
    'decrypted: 89012345601', 'trainee: control: their own BIG ciphertext opens where it belongs');
SELECT is(pg_temp.decrypt_state('big a1', 'person', 'big_number', '00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-0000000000a2'),
    'XX001', 'trainee: their BIG ciphertext presented as another person''s does not open');
SELECT is(pg_temp.decrypt_state('phone a1', 'person_phone', 'number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1'),
    'XX001', 'trainee: their phone ciphertext presented for another row does not open');
SELECT is(pg_temp.decrypt_state('phone a1', 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1'),
    'XX001', 'trainee: their phone ciphertext presented as their BIG number does not open');
SELECT ok(pg_temp.decrypt_state('big b1', 'person', 'big_number', '00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000b1')
          IN ('42501', 'XX001'), 'trainee: a stolen BIG ciphertext of B''s trainee does not open, even with the right row');
SELECT ok(pg_temp.decrypt_state('iban A', 'billing_profile', 'iban', '00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000aa01')
          IN ('42501', 'XX001'), 'trainee: a stolen IBAN ciphertext of their own licensee does not open');
SELECT throws_ok($$UPDATE dcpf.person SET big_number_encrypted = (SELECT ct FROM stolen WHERE what = 'big b1')
                    WHERE id = dcpf.current_person()$$, 'XX001', NULL, 'trainee: cannot store another person''s BIG ciphertext in their row');
SELECT throws_ok($$UPDATE dcpf.person_phone SET number_encrypted = (SELECT big_number_encrypted FROM dcpf.person WHERE id = dcpf.current_person())$$,
    'XX001', NULL, 'trainee: cannot move their BIG ciphertext into their phone row');
SELECT is((SELECT count(*) FROM dcpf.role)::int > 0, true, 'trainee: reads the roles catalogue');
WITH u AS (UPDATE dcpf.person SET job_title = 'hacked' WHERE id <> dcpf.current_person() RETURNING 1)
SELECT is((SELECT count(*) FROM u)::int, 0, 'trainee: updating other people changes nothing');
WITH u AS (UPDATE dcpf.person SET job_title = 'AIOS interne geneeskunde' WHERE id = dcpf.current_person() RETURNING 1)
SELECT is((SELECT count(*) FROM u)::int, 1, 'trainee: updates their own profile');
SELECT throws_ok($$UPDATE dcpf.person SET status = 'deactivated', deactivated_at = now() WHERE id = dcpf.current_person()$$,
    '42501', NULL, 'trainee: may not write the status column');
SELECT throws_ok($$UPDATE dcpf.person SET created_for_licensee = NULL WHERE id = dcpf.current_person()$$,
    '42501', NULL, 'trainee: may not rewrite who created the account');
SELECT throws_ok($$INSERT INTO dcpf.membership (person_id, licensee_id, role_code, created_by)
                  VALUES (dcpf.current_person(), '00000000-0000-4000-8000-00000000aa01', 'licensee_admin', dcpf.current_person())$$,
    '42501', NULL, 'trainee: cannot make themself an admin');
SELECT throws_ok($$DELETE FROM dcpf.person WHERE id = dcpf.current_person()$$, '42501', NULL, 'trainee: cannot DELETE');
SELECT throws_ok($$TRUNCATE dcpf.membership$$, '42501', NULL, 'trainee: cannot TRUNCATE');
SELECT throws_ok($$SELECT dcpf.add_phone('00000000-0000-4000-8000-0000000000b1', 'work', '+31633333333')$$,
    '42501', NULL, 'trainee: cannot add a phone to someone else');
SELECT throws_ok($$SELECT * FROM dcpf.identity_assumption$$, '42501', NULL, 'trainee: cannot read the record of assumed identities');
SELECT is((SELECT count(*) FROM dcpf.person WHERE pg_temp.leak(email))::int, 1, 'trainee: a query with a leaky function returns their row only');
SELECT results_eq('SELECT DISTINCT value FROM seen_by_leak', $$VALUES ('trainee.a@example.nl')$$,
    'a leaky function in WHERE sees only rows the policy lets through');

-- admin of A
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'licensee_admin', 'test')$$, 'an admin identity is assumed');
SELECT set_eq('SELECT email::text FROM dcpf.person', ARRAY['trainee.a@example.nl', 'admin.a@example.nl', 'privacy.a@example.nl'],
    'admin A: sees exactly the people of licensee A');
SELECT results_eq('SELECT contact_name::text FROM dcpf.billing_profile', $$VALUES ('Crediteuren A')$$, 'admin A: sees only A''s billing');
WITH u AS (UPDATE dcpf.billing_profile SET contact_name = 'x' WHERE licensee_id = '00000000-0000-4000-8000-00000000bb01' RETURNING 1)
SELECT is((SELECT count(*) FROM u)::int, 0, 'admin A: cannot change B''s billing');
SELECT is((SELECT count(*) FROM dcpf.person_phone)::int, 0, 'admin A: does not see members'' phone numbers');
SELECT results_eq($$SELECT big_number FROM dcpf.person_decrypted WHERE big_number IS NOT NULL$$, $$VALUES ('89012345601')$$,
    'admin A: reads the BIG number of A''s trainee decrypted, none of B''s');
SELECT results_eq('SELECT iban, contact_phone FROM dcpf.billing_profile_decrypted', $$VALUES ('NL91ABNA0417164300', '+31531111111')$$,
    'admin A: reads A''s IBAN and billing phone decrypted');
SELECT is((SELECT count(*) FROM dcpf.person_phone_decrypted)::int + (SELECT count(*) FROM dcpf.person_address_decrypted)::int, 0,
    'admin A: no member''s phone or address through the decrypted views');
SELECT is(pg_temp.decrypt_state('phone a1', 'person_phone', 'number', (SELECT row_id FROM stolen WHERE what = 'phone a1'), '00000000-0000-4000-8000-0000000000a1'),
    '42501', 'admin A: a stolen phone ciphertext of their trainee does not open (contact details are the person''s alone)');
SELECT is(pg_temp.decrypt_state('phone a1', 'person', 'number', (SELECT row_id FROM stolen WHERE what = 'phone a1'), '00000000-0000-4000-8000-0000000000a1'),
    'XX001', 'admin A: nor does it under the label of a table they may read');
SELECT is(pg_temp.decrypt_state('address a1', 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1'),
    'XX001', 'admin A: a stolen address ciphertext presented as the trainee''s BIG number does not open');
SELECT lives_ok($$SELECT dcpf.create_person('nieuw.a@example.nl', 'Nieuw', 'Nina', created_by => '00000000-0000-4000-8000-0000000000a2',
                                            on_behalf_of_licensee => '00000000-0000-4000-8000-00000000aa01')$$,
    'admin A: creates an account on someone''s behalf for A');
SELECT throws_ok($$SELECT dcpf.create_person('nieuw.b@example.nl', 'Nieuw', 'Bob', created_by => '00000000-0000-4000-8000-0000000000a2',
                                             on_behalf_of_licensee => '00000000-0000-4000-8000-00000000bb01')$$,
    '42501', NULL, 'admin A: cannot create an account for B');
SELECT throws_ok($$INSERT INTO dcpf.person (email, surname, initials, created_by, created_for_licensee)
                  VALUES ('forged@example.nl', 'Forged', 'F.', '00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-00000000aa01')$$,
    '42501', NULL, 'admin A: cannot record another admin as creator');
SELECT throws_ok($$SELECT dcpf.grant_membership('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-00000000bb01', 'professional',
                                                granted_by => '00000000-0000-4000-8000-0000000000a2')$$,
    '42501', NULL, 'admin A: cannot grant memberships in B');
SELECT lives_ok($$SELECT dcpf.grant_membership('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-00000000aa01', 'assessor',
                                               granted_by => '00000000-0000-4000-8000-0000000000a2')$$,
    'admin A: grants a membership in A');
SELECT throws_ok($$SELECT dcpf.grant_membership('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-00000000aa01', 'platform_support',
                                                now(), now() + interval '60 days', '00000000-0000-4000-8000-0000000000a2')$$,
    '42501', NULL, 'admin A: a platform support grant longer than 30 days is refused');
SELECT throws_ok($$SELECT dcpf.grant_membership('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-00000000aa01', 'platform_support',
                                                granted_by => '00000000-0000-4000-8000-0000000000a2')$$,
    '42501', NULL, 'admin A: an open-ended platform support grant is refused');
SELECT lives_ok($$SELECT dcpf.grant_membership('00000000-0000-4000-8000-0000000000f1', '00000000-0000-4000-8000-00000000aa01', 'platform_support',
                                               now(), now() + interval '7 days', '00000000-0000-4000-8000-0000000000a2')$$,
    'admin A: a 7-day platform support grant is allowed');

-- admin of B sees nothing of A
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-00000000bb01', 'licensee_admin', 'test')$$, 'admin B identity');
SELECT is((SELECT count(*) FROM dcpf.person WHERE email::text LIKE '%.a@example.nl')::int, 0, 'admin B: sees no one of A');
SELECT is((SELECT count(*) FROM dcpf.membership WHERE licensee_id = '00000000-0000-4000-8000-00000000aa01')::int, 0, 'admin B: sees no membership of A');
SELECT results_eq('SELECT big_number FROM dcpf.person_decrypted WHERE big_number IS NOT NULL', $$VALUES ('89012345628')$$,
    'admin B: decrypts only the BIG number of B''s trainee');
SELECT results_eq('SELECT contact_name::text, iban, contact_phone FROM dcpf.billing_profile_decrypted', $$VALUES ('Crediteuren B', NULL::text, '+31532222222')$$,
    'admin B: only B''s billing, decrypted');
SELECT is(pg_temp.decrypt_state('big a1', 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1'),
    '42501', 'admin B: a stolen BIG ciphertext of A''s trainee does not open');
SELECT is(pg_temp.decrypt_state('iban A', 'billing_profile', 'iban', '00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000aa01'),
    '42501', 'admin B: a stolen IBAN ciphertext of A does not open');
SELECT is(pg_temp.decrypt_state('iban A', 'billing_profile', 'iban', '00000000-0000-4000-8000-00000000bb01', '00000000-0000-4000-8000-00000000bb01'),
    '42501', 'admin B: nor when presented as B''s own IBAN (refused for A, whose key it names, before the binding is checked)');

-- privacy officer of A reads, does not change
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-00000000aa01', 'privacy_officer', 'test')$$, 'privacy officer identity');
SELECT ok((SELECT count(*) FROM dcpf.person)::int >= 3, 'privacy officer A: reads the people of A');
SELECT results_eq('SELECT big_number FROM dcpf.person_decrypted WHERE big_number IS NOT NULL', $$VALUES ('89012345601')$$,
    'privacy officer A: reads the BIG number of A''s trainee decrypted');
SELECT is((SELECT count(*) FROM dcpf.billing_profile_decrypted)::int, 0, 'privacy officer A: no billing data, decrypted or not');
SELECT is(pg_temp.decrypt_state('iban A', 'billing_profile', 'iban', '00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000aa01'),
    '42501', 'privacy officer A: a stolen IBAN ciphertext of A does not open');
WITH u AS (UPDATE dcpf.person SET job_title = 'x' WHERE id <> dcpf.current_person() RETURNING 1)
SELECT is((SELECT count(*) FROM u)::int, 0, 'privacy officer A: changes no one else');

-- reporting and maintenance roles read no table rows
RESET ROLE;
SET LOCAL ROLE dcpf_t_report;
SELECT throws_ok('SELECT count(*) FROM dcpf.person', '42501', NULL, 'reporting role: no access to persons');
SELECT throws_ok('SELECT count(*) FROM dcpf.person_decrypted', '42501', NULL, 'reporting role: no access to decrypted persons');
SELECT is(pg_temp.decrypt_state('big a1', 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1'),
    '42501', 'reporting role: cannot call dcpf.decrypt_text');
RESET ROLE;
SET LOCAL ROLE dcpf_t_maint;
SELECT throws_ok('SELECT count(*) FROM dcpf.membership', '42501', NULL, 'maintenance role: no access to memberships');
SELECT throws_ok('SELECT count(*) FROM dcpf.person_phone_decrypted', '42501', NULL, 'maintenance role: no access to decrypted phones');
SELECT is(pg_temp.decrypt_state('phone a1', 'person_phone', 'number', (SELECT row_id FROM stolen WHERE what = 'phone a1'), '00000000-0000-4000-8000-0000000000a1'),
    '42501', 'maintenance role: cannot call dcpf.decrypt_text');
RESET ROLE;
-- the application role once the identity is cleared: nothing decrypts
SET LOCAL ROLE dcpf_t_app;
SELECT dcpf.clear_identity() IS NULL AS cleared \gset
SELECT is((SELECT count(*) FROM dcpf.person_decrypted)::int + (SELECT count(*) FROM dcpf.billing_profile_decrypted)::int, 0,
    'no identity: the decrypted views show nothing');
SELECT is(pg_temp.decrypt_state('big a1', 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1'),
    '42501', 'no identity: a stolen BIG ciphertext does not open');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
