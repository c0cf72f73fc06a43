-- Attacks around the policies rather than through them: search_path hijacks
-- of SECURITY DEFINER code (CVE-2018-1058 style), the owner-only key
-- management routines called by every dcpf role, leaky functions and
-- operators in WHERE (also over decrypted values), views that would run with
-- another role's rights, SET ROLE and reserved settings, parallel query, and
-- plans cached across an identity change.
BEGIN;
SET LOCAL client_min_messages = warning;

CREATE ROLE dcpf_t_sp_svc NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_t_sp_app NOLOGIN IN ROLE dcpf_app;
CREATE ROLE dcpf_t_sp_viewer NOLOGIN IN ROLE dcpf_app;    -- an application login that may create views
CREATE ROLE dcpf_t_sp_evil NOLOGIN;                       -- no dcpf role at all; owns a schema
CREATE ROLE dcpf_t_sp_report NOLOGIN IN ROLE dcpf_reporting;
CREATE ROLE dcpf_t_sp_maint NOLOGIN IN ROLE dcpf_maintenance;
GRANT dcpf_t_sp_evil TO dcpf_t_sp_svc, dcpf_t_sp_app;     -- so both can SET ROLE to it and back

-- data: licensees A and B, each with a licence and every EURA, people who accepted theirs
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-0000000a1a01', 'Search path A', 'academic_hospital'),
    ('00000000-0000-4000-8000-0000000b1b01', 'Search path B', 'nursing_school');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000c1c01', 'dcpf-sp', 'DCPF search path');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
SELECT l, '00000000-0000-4000-8000-0000000c1c01', '2020-01-01'
  FROM unnest('{00000000-0000-4000-8000-0000000a1a01,00000000-0000-4000-8000-0000000b1b01}'::uuid[]) l;
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-0000000c1c01', code, 1, 'EURA ' || code, 'Ik accepteer de rolgebonden rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role;
INSERT INTO dcpf.billing_profile (licensee_id, address_line1, postcode, city, contact_name, contact_email, payment_method) VALUES
    ('00000000-0000-4000-8000-0000000a1a01', 'Postbus 1', '7500 AA', 'Enschede', 'Crediteuren A', 'a@billing.example', 'invoice'),
    ('00000000-0000-4000-8000-0000000b1b01', 'Postbus 2', '7500 AB', 'Enschede', 'Crediteuren B', 'b@billing.example', 'invoice');
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-00000000a101', 'trainee.a@sp.example', 'Aa', 'T.'),
    ('00000000-0000-4000-8000-00000000a102', 'admin.a@sp.example', 'Ab', 'A.'),
    ('00000000-0000-4000-8000-00000000a103', 'prof.a@sp.example', 'Ac', 'P.'),
    ('00000000-0000-4000-8000-00000000b101', 'trainee.b@sp.example', 'Ba', 'T.'),
    ('00000000-0000-4000-8000-00000000b102', 'admin.b@sp.example', 'Bb', 'A.');
DO $$ BEGIN
    PERFORM dcpf.set_big_number('00000000-0000-4000-8000-00000000a101', '89012345601');
    PERFORM dcpf.set_big_number('00000000-0000-4000-8000-00000000b101', '89012345628');
END $$;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000a101', '00000000-0000-4000-8000-0000000a1a01', 'medical_trainee', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000a102', '00000000-0000-4000-8000-0000000a1a01', 'licensee_admin', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000a103', '00000000-0000-4000-8000-0000000a1a01', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000b101', '00000000-0000-4000-8000-0000000b1b01', 'medical_trainee', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000b102', '00000000-0000-4000-8000-0000000b1b01', 'licensee_admin', '2024-01-01');
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT a.id, m.person_id, 'click_through'
  FROM dcpf.membership m JOIN dcpf.role_agreement a ON a.role_code = m.role_code AND a.product_id = '00000000-0000-4000-8000-0000000c1c01'
 WHERE m.person_id::text LIKE '00000000-0000-4000-8000-00000000_1%';
DO $$ BEGIN
    PERFORM dcpf.add_phone('00000000-0000-4000-8000-00000000a101', 'mobile', '+31611111111');
    PERFORM dcpf.add_phone('00000000-0000-4000-8000-00000000a102', 'mobile', '+31611111112');
    PERFORM dcpf.add_phone('00000000-0000-4000-8000-00000000b101', 'mobile', '+31622222221');
END $$;
-- professional A logs in with a password and a TOTP: dcpf.login reads the
-- credential as the extension owner
DO $$ BEGIN PERFORM dcpf.set_password('00000000-0000-4000-8000-00000000a103', 'een lange zin om in te loggen'); END $$;
SELECT secret_base32 AS totp_secret FROM dcpf.enrol_totp('00000000-0000-4000-8000-00000000a103') \gset
SELECT dcpf.confirm_totp('00000000-0000-4000-8000-00000000a103', dcpf.totp_code(:'totp_secret', now())) AS totp_confirmed \gset
SELECT dcpf.totp_code(:'totp_secret', now() + interval '30 seconds') AS totp_next \gset
-- B's trainee's BIG ciphertext, as an attacker in A might have copied it
SELECT big_number_encrypted AS stolen_big_b FROM dcpf.person WHERE id = '00000000-0000-4000-8000-00000000b101' \gset

-- the attacker's schema and shadowing objects; every one of them records that it ran
CREATE SCHEMA evil AUTHORIZATION dcpf_t_sp_evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE TEMP TABLE seen_by_leak (tbl text, value text);
GRANT ALL ON seen_by_leak TO PUBLIC;
SET LOCAL ROLE dcpf_t_sp_evil;
CREATE TABLE evil.hijack_log (what text, by_role text DEFAULT current_user);
GRANT ALL ON evil.hijack_log TO PUBLIC;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('now()'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('current_setting'); RETURN ''; END $$;
CREATE FUNCTION evil.pg_advisory_xact_lock(bigint) RETURNS void LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('pg_advisory_xact_lock'); END $$;
CREATE FUNCTION evil.hashtextextended(text, bigint) RETURNS bigint LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('hashtextextended'); RETURN 0; END $$;
CREATE FUNCTION evil.tstzrange(timestamptz, timestamptz) RETURNS tstzrange LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('tstzrange'); RETURN 'empty'; END $$;
CREATE FUNCTION evil.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('= (uuid, uuid)'); RETURN true; END $$;
CREATE OPERATOR evil.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = evil.uuid_eq);
CREATE FUNCTION evil.text_eq(text, text) RETURNS boolean LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('= (text, text)'); RETURN true; END $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_eq);
CREATE FUNCTION evil.encode(bytea, text) RETURNS text LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('encode'); RETURN ''; END $$;
CREATE FUNCTION evil.text_cat(text, text) RETURNS text LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('|| (text, text)'); RETURN ''; END $$;
CREATE OPERATOR evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_cat);
CREATE FUNCTION evil.to_char(date, text) RETURNS text LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('to_char(date, text)'); RETURN ''; END $$;
CREATE FUNCTION evil.int8_eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('= (bigint, bigint)'); RETURN true; END $$;
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.int8_eq);
CREATE FUNCTION evil.int8_ge(bigint, bigint) RETURNS boolean LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('>= (bigint, bigint)'); RETURN true; END $$;
CREATE OPERATOR evil.>= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.int8_ge);
-- a leaky operator for the WHERE attacks
CREATE FUNCTION evil.leaky_eq(text, text) RETURNS boolean LANGUAGE plpgsql COST 0.0001
AS $$ BEGIN INSERT INTO seen_by_leak VALUES ('operator', $1); RETURN true; END $$;
CREATE OPERATOR evil.=== (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.leaky_eq);
-- tables named like dcpf's, granting everything to everyone
CREATE TABLE evil.membership (id uuid, person_id uuid, licensee_id uuid, role_code text, valid_from timestamptz, valid_until timestamptz);
CREATE TABLE evil.person (id uuid, status text, big_number text);
CREATE TABLE evil.role (code text, requires_big boolean);
-- B's people, as if an unqualified "person" in dcpf code would find them
INSERT INTO evil.person (id, status, big_number) VALUES
    ('00000000-0000-4000-8000-00000000b101', 'active', '89012345628'),
    ('00000000-0000-4000-8000-00000000b102', 'active', NULL);
INSERT INTO evil.membership SELECT gen_random_uuid(), p, '00000000-0000-4000-8000-0000000a1a01', 'licensee_admin', '2000-01-01', NULL
  FROM unnest('{00000000-0000-4000-8000-00000000b101,00000000-0000-4000-8000-00000000b102}'::uuid[]) p;
GRANT SELECT ON ALL TABLES IN SCHEMA evil TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA evil TO PUBLIC;
RESET ROLE;
-- and in pg_temp: a table named membership listing B's people as members of A, and a now()
CREATE TEMP TABLE membership AS SELECT * FROM evil.membership;
CREATE TEMP TABLE person AS SELECT * FROM evil.person;
CREATE FUNCTION pg_temp.now() RETURNS timestamptz LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO evil.hijack_log (what) VALUES ('pg_temp.now()'); RETURN '2000-01-01'; END $$;
CREATE FUNCTION pg_temp.rows_or_denied(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    EXECUTE format('SELECT coalesce(string_agg(x::text, '','' ORDER BY x::text), '''') FROM (%s) s(x)', sql) INTO r;
    RETURN r;
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE;
END $$;
CREATE FUNCTION pg_temp.leak(tbl text, value text) RETURNS boolean LANGUAGE plpgsql COST 0.0001
AS $$ BEGIN INSERT INTO seen_by_leak VALUES (tbl, value); RETURN true; END $$;

-- the SECURITY DEFINER functions, and which of them PUBLIC may execute (none)
CREATE TEMP TABLE definer AS
SELECT p.oid::regprocedure AS fn, p.proconfig, p.prorettype = 'trigger'::regtype AS is_trigger
  FROM pg_proc p WHERE p.pronamespace = 'dcpf'::regnamespace AND p.prosecdef;
CREATE TEMP TABLE definer_public_intended (fn text);   -- intentionally empty: no definer is PUBLIC

-- the key management routines: invoker code that only the extension owner (or
-- a superuser) may run; EXECUTE is revoked from PUBLIC and granted to no dcpf
-- role. Discovered from their bodies (or C symbols) touching the key tables
-- and the key source, and checked against this list, so a new one must be
-- classified here.
CREATE TEMP TABLE owner_only (fn regprocedure PRIMARY KEY);
INSERT INTO owner_only VALUES
    ('dcpf.shred_person_key(uuid, text)'), ('dcpf.retire_master_key(integer)'),
    ('dcpf.rotate_master_key_batch(integer)'), ('dcpf.rewrap_data_key(uuid, uuid, bytea)'),
    ('dcpf.master_key_generations()'), ('dcpf.rotate_master_key(integer, integer)'),
    ('dcpf.forget_data_keys()'), ('dcpf.lock_data_key_subject(uuid)');
-- routines that only count what the key tables and the key source hold
-- (generation numbers and numbers of data keys, never a key) for the
-- maintenance role's health checks (sql/280_health.sql): dcpf_maintenance
-- alone may run them
CREATE TEMP TABLE key_reader (fn regprocedure PRIMARY KEY);
INSERT INTO key_reader VALUES ('dcpf.health_checks()');
CREATE TEMP TABLE key_routine AS
SELECT p.oid::regprocedure AS fn FROM pg_proc p
 WHERE p.pronamespace = 'dcpf'::regnamespace AND p.prosrc ~ '(data_key|master_key|key_rotation_run)'
   AND p.oid NOT IN (SELECT k.fn FROM key_reader k);
CREATE TEMP TABLE dcpf_role (rolname text PRIMARY KEY, test_role text NOT NULL);
INSERT INTO dcpf_role VALUES ('public', 'dcpf_t_sp_evil'), ('dcpf_app', 'dcpf_t_sp_app'), ('dcpf_service', 'dcpf_t_sp_svc'),
                             ('dcpf_reporting', 'dcpf_t_sp_report'), ('dcpf_maintenance', 'dcpf_t_sp_maint');
CREATE TEMP TABLE owner_only_call (fn regprocedure, test_role text, outcome text);

SELECT plan(3 * (SELECT count(*)::int FROM definer)
            + 2 + (SELECT count(*)::int FROM owner_only) * (1 + (SELECT count(*)::int FROM dcpf_role))
            + (SELECT count(*)::int FROM owner_only o JOIN pg_proc p ON p.oid = o.fn
                WHERE p.prokind = 'f' AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql'))
            + (SELECT count(*)::int FROM key_reader) + 1 + 64);
DO $$ BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
END $$;
RESET client_min_messages;

-- ---------------------------------------------------------------------------
-- 1. SECURITY DEFINER: pinned search_path, not PUBLIC, not hijackable
-- ---------------------------------------------------------------------------
SELECT ok(proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], format('%s pins search_path=pg_catalog, pg_temp', fn))
  FROM definer ORDER BY fn::text;
SELECT ok(has_function_privilege('public', fn::oid, 'EXECUTE') = EXISTS (SELECT 1 FROM definer_public_intended i WHERE i.fn = d.fn::text),
          format('%s: EXECUTE for PUBLIC only if intended (it is not)', fn))
  FROM definer d ORDER BY fn::text;
SET LOCAL ROLE dcpf_t_sp_evil;
CREATE FUNCTION pg_temp.try_call(fn regprocedure) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT %s(%s)', fn::oid::regproc,
                   (SELECT string_agg('NULL::' || format_type(t, NULL), ', ')
                      FROM unnest((SELECT proargtypes::oid[] FROM pg_proc WHERE oid = fn)) t));
    RETURN 'ran';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE;
END $$;
SELECT ok(pg_temp.try_call(fn) IN ('42501', '0A000'),
          format('%s: a role without dcpf privileges cannot call it (%s)', fn, CASE WHEN is_trigger THEN 'trigger' ELSE 'not granted' END))
  FROM definer ORDER BY fn::text;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- 1b. Key management: owner only, whichever dcpf role asks
-- ---------------------------------------------------------------------------
SELECT set_eq('SELECT fn::text FROM key_routine', 'SELECT fn::text FROM owner_only',
              'every routine touching the key tables or the key source is in the owner-only list, and every listed one exists');
SELECT ok((SELECT count(*) FROM dcpf.master_key_generations() WHERE is_current) = 1,
          'control: the owner reads the key source through dcpf.master_key_generations()');
SELECT ok(NOT EXISTS (SELECT FROM dcpf_role r WHERE has_function_privilege(r.rolname, o.fn::oid, 'EXECUTE')),
          format('%s: no EXECUTE for PUBLIC, dcpf_app, dcpf_service, dcpf_reporting or dcpf_maintenance', o.fn))
  FROM owner_only o ORDER BY o.fn::text;
SELECT ok(has_function_privilege('dcpf_maintenance', k.fn::oid, 'EXECUTE')
          AND NOT EXISTS (SELECT FROM dcpf_role r WHERE r.rolname <> 'dcpf_maintenance'
                                                    AND has_function_privilege(r.rolname, k.fn::oid, 'EXECUTE')),
          format('%s: EXECUTE for dcpf_maintenance only (counts, never a key)', k.fn))
  FROM key_reader k ORDER BY k.fn::text;
SELECT ok(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], format('%s pins search_path=pg_catalog, pg_temp', o.fn))
  FROM owner_only o JOIN pg_proc p ON p.oid = o.fn
 WHERE p.prokind = 'f' AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
 ORDER BY o.fn::text;
-- each test role calls each routine (a procedure with CALL); the arguments
-- are NULLs, so even a routine that did run would change nothing. They are
-- scalar subqueries: a STRICT function of constant NULLs would be folded to
-- NULL by the planner before any privilege is checked.
CREATE FUNCTION pg_temp.try_routine(fn regprocedure) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    types text[] := (SELECT coalesce(array_agg(format_type(t, NULL) ORDER BY n), '{}')
                       FROM unnest((SELECT proargtypes::oid[] FROM pg_proc WHERE oid = fn)) WITH ORDINALITY a(t, n));
BEGIN
    IF (SELECT prokind FROM pg_proc WHERE oid = fn) = 'p' THEN   -- CALL takes no subqueries; a procedure is never folded
        EXECUTE format('CALL %s(%s)', fn::oid::regproc,
                       (SELECT coalesce(string_agg(format('NULL::%s', t), ', '), '') FROM unnest(types) t));
    ELSE
        EXECUTE format('SELECT %s(%s)', fn::oid::regproc,
                       (SELECT coalesce(string_agg(format('(SELECT NULL::%s)', t), ', '), '') FROM unnest(types) t));
    END IF;
    RETURN 'ran';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.try_routine(regprocedure) TO PUBLIC;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT test_role FROM dcpf_role ORDER BY rolname LOOP
        EXECUTE format('SET LOCAL ROLE %I', r.test_role);
        INSERT INTO owner_only_call SELECT o.fn, r.test_role, pg_temp.try_routine(o.fn) FROM owner_only o;
        RESET ROLE;
    END LOOP;
END $$;
SELECT is(c.outcome, '42501', format('%s called as a member of %s: refused (42501)', c.fn, r.rolname))
  FROM owner_only_call c JOIN dcpf_role r USING (test_role) ORDER BY c.fn::text, r.rolname;
SELECT ok(NOT EXISTS (SELECT FROM dcpf_role r WHERE has_table_privilege(r.rolname, 'dcpf.master_key_status', 'SELECT')),
          'dcpf.master_key_status: no dcpf role and not PUBLIC may read it');

-- control: the shadowing objects do take effect for unpinned code
SET LOCAL search_path = evil, pg_catalog, public;
SELECT now() AS hijacked_now, '00000000-0000-4000-8000-00000000a101'::uuid = '00000000-0000-4000-8000-00000000b101'::uuid AS hijacked_eq \gset
RESET search_path;
SELECT ok((SELECT count(DISTINCT what) FROM evil.hijack_log) = 2,
          'control: with evil first in search_path, unqualified now() and = (uuid, uuid) run the attacker''s objects');
TRUNCATE evil.hijack_log;

-- the attack: the app, acting as admin of A, puts pg_temp and evil first.
-- pgTAP itself must not run under that search_path (its own unqualified
-- operators would be hijacked), so results are collected first, asserted after.
CREATE FUNCTION pg_temp.outcome(sql text) RETURNS text LANGUAGE plpgsql
AS $$ BEGIN EXECUTE sql; RETURN 'ok'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$;
GRANT EXECUTE ON FUNCTION pg_temp.outcome(text) TO PUBLIC;
SET LOCAL ROLE dcpf_t_sp_svc;
SELECT dcpf.act_as('00000000-0000-4000-8000-00000000a102', '00000000-0000-4000-8000-0000000a1a01', 'licensee_admin', 'search path test') IS NOT NULL AS acting \gset
SET LOCAL search_path = pg_temp, evil, public, pg_catalog;
SELECT string_agg(email::text, ',' ORDER BY email::text) AS hj_people FROM dcpf.person \gset
SELECT string_agg(name, ',') AS hj_licensees FROM dcpf.licensee \gset
SELECT pg_temp.outcome($$SELECT dcpf.grant_membership('00000000-0000-4000-8000-00000000a103', '00000000-0000-4000-8000-0000000a1a01', 'assessor',
                                                      granted_by => '00000000-0000-4000-8000-00000000a102')$$) AS hj_grant \gset
SELECT pg_temp.outcome($$SELECT dcpf.grant_membership('00000000-0000-4000-8000-00000000a103', '00000000-0000-4000-8000-0000000a1a01', 'assessor',
                                                      granted_by => '00000000-0000-4000-8000-00000000a102')$$) AS hj_overlap \gset
SELECT pg_temp.outcome($$SELECT dcpf.grant_membership('00000000-0000-4000-8000-00000000a103', '00000000-0000-4000-8000-0000000a1a01', 'medical_trainee',
                                                      granted_by => '00000000-0000-4000-8000-00000000a102')$$) AS hj_big \gset
SELECT dcpf.act_as('00000000-0000-4000-8000-00000000a101', '00000000-0000-4000-8000-0000000a1a01', 'medical_trainee', 'search path test') IS NOT NULL AS acting \gset
SELECT pg_temp.outcome($$UPDATE dcpf.person SET big_number_encrypted = NULL WHERE id = '00000000-0000-4000-8000-00000000a101'$$) AS hj_unbig \gset
SELECT coalesce(string_agg(big_number, ',' ORDER BY big_number), '') AS hj_trainee_bigs FROM dcpf.person_decrypted \gset
SELECT pg_temp.outcome(format('SELECT dcpf.decrypt_text(%L::bytea, %L, %L, %L, %L)', :'stolen_big_b', 'person', 'big_number',
                              '00000000-0000-4000-8000-00000000b101', '00000000-0000-4000-8000-00000000b101')) AS hj_trainee_decrypt_b \gset
SELECT dcpf.act_as('00000000-0000-4000-8000-00000000a102', '00000000-0000-4000-8000-0000000a1a01', 'licensee_admin', 'search path test') IS NOT NULL AS acting \gset
SELECT coalesce(string_agg(big_number, ',' ORDER BY big_number), '') AS hj_admin_bigs FROM dcpf.person_decrypted \gset
-- a login with a TOTP: the credential is read as the extension owner (the
-- statement names =, || and encode, which evil shadows)
SELECT pg_temp.outcome(format('SELECT dcpf.login(%L, %L, %L)', 'prof.a@sp.example', 'een lange zin om in te loggen', :'totp_next')) AS hj_login \gset
SELECT pg_temp.outcome(format('SELECT dcpf.decrypt_text(%L::bytea, %L, %L, %L, %L)', :'stolen_big_b', 'person', 'big_number',
                              '00000000-0000-4000-8000-00000000b101', '00000000-0000-4000-8000-00000000b101')) AS hj_admin_decrypt_b \gset
RESET search_path;
RESET ROLE;
-- the DBA (this test's superuser) seals and verifies the trail with evil first
-- in search_path: the C functions that read it pin search_path
SELECT count(*) AS drained FROM dcpf.audit_queue_drain() \gset
SET LOCAL search_path = evil, pg_catalog, public;
SELECT pg_temp.outcome('SELECT dcpf.audit_seal()') AS hj_seal \gset
SELECT verified::text AS hj_verified FROM dcpf.audit_verify('-infinity', 'infinity') \gset
RESET search_path;
SELECT is(:'hj_people'::text, 'admin.a@sp.example,prof.a@sp.example,trainee.a@sp.example',
    'hijack: admin A still sees exactly the people of A (the staff policies ignore shadow now, =, membership)');
SELECT is(:'hj_licensees'::text, 'Search path A', 'hijack: my_licensees ignores the shadow membership table');
SELECT is(:'hj_grant'::text, 'ok', 'hijack: a grant runs membership_check with evil first in search_path');
SELECT is(:'hj_overlap'::text, '23P01', 'hijack: membership_check still finds the overlap (shadow tstzrange, &&, advisory lock ignored)');
SELECT is(:'hj_big'::text, '23514', 'hijack: membership_check still reads the real role and person (BIG required)');
SELECT is(:'hj_unbig'::text, '23514', 'hijack: person_big_number_check still sees the real memberships');
SELECT is(:'hj_trainee_bigs'::text, '89012345601', 'hijack: trainee A decrypts only their own BIG number through dcpf.person_decrypted');
SELECT is(:'hj_trainee_decrypt_b'::text, '42501', 'hijack: trainee A cannot decrypt B''s stolen BIG ciphertext (shadow person table ignored)');
SELECT is(:'hj_admin_bigs'::text, '89012345601', 'hijack: admin A decrypts the BIG numbers of A only');
SELECT is(:'hj_seal'::text || ' ' || :'hj_verified'::text, 'ok true', 'hijack: the DBA seals and verifies the trail with evil first in search_path');
SELECT is(:'hj_login'::text, 'ok', 'hijack: a login with a TOTP runs with evil first in search_path (and the log below stays empty: the owner''s statements pin search_path)');
SELECT is(:'hj_admin_decrypt_b'::text, '42501', 'hijack: admin A cannot decrypt B''s stolen BIG ciphertext (the entitlement check reads the real dcpf.person)');
SELECT is((SELECT count(*) FROM evil.hijack_log), 0::bigint, 'hijack: no shadowing function or operator ever ran inside dcpf code');
SELECT is((SELECT string_agg(DISTINCT what || ' as ' || by_role, ', ') FROM evil.hijack_log), NULL, 'hijack: the log names nothing');

-- ---------------------------------------------------------------------------
-- 2. Leaky functions and operators in WHERE see only admitted rows
-- ---------------------------------------------------------------------------
SET LOCAL ROLE dcpf_t_sp_svc;
SELECT dcpf.act_as('00000000-0000-4000-8000-00000000a101', '00000000-0000-4000-8000-0000000a1a01', 'medical_trainee', 'leak test') IS NOT NULL AS acting \gset
SELECT is((SELECT count(*) FROM dcpf.person WHERE pg_temp.leak('person', email::text)), 1::bigint, 'leak, trainee A: person query returns their row only');
SELECT is((SELECT count(*) FROM dcpf.membership WHERE pg_temp.leak('membership', person_id::text)), 1::bigint, 'leak, trainee A: one membership');
SELECT is((SELECT count(*) FROM dcpf.billing_profile WHERE pg_temp.leak('billing_profile', contact_name::text)), 0::bigint, 'leak, trainee A: no billing');
SELECT is((SELECT count(*) FROM dcpf.person_phone_decrypted WHERE pg_temp.leak('person_phone', number)), 1::bigint, 'leak, trainee A: one phone, decrypted');
SELECT is((SELECT count(*) FROM dcpf.person_decrypted WHERE pg_temp.leak('big_number', big_number)), 1::bigint, 'leak, trainee A: one BIG number, decrypted');
SELECT is((SELECT count(*) FROM dcpf.person WHERE email::text OPERATOR(evil.===) 'x'), 1::bigint, 'leaky operator, trainee A: one person');
SELECT is((SELECT count(*) FROM dcpf.person_phone_decrypted WHERE number OPERATOR(evil.===) 'x'), 1::bigint, 'leaky operator, trainee A: one phone, decrypted');
RESET ROLE;
SELECT set_eq('SELECT DISTINCT value FROM seen_by_leak WHERE tbl = ''person''', ARRAY['trainee.a@sp.example'], 'leak: the function saw only the trainee''s e-mail');
SELECT set_eq('SELECT DISTINCT value FROM seen_by_leak WHERE tbl = ''membership''', ARRAY['00000000-0000-4000-8000-00000000a101'], 'leak: only the trainee''s membership');
SELECT is((SELECT count(*) FROM seen_by_leak WHERE tbl = 'billing_profile'), 0::bigint, 'leak: no billing contact reached the function');
SELECT set_eq('SELECT DISTINCT value FROM seen_by_leak WHERE tbl = ''person_phone''', ARRAY['+31611111111'], 'leak: only the trainee''s phone');
SELECT set_eq('SELECT DISTINCT value FROM seen_by_leak WHERE tbl = ''big_number''', ARRAY['89012345601'], 'leak: only the trainee''s BIG number');
SELECT set_eq('SELECT DISTINCT value FROM seen_by_leak WHERE tbl = ''operator''', ARRAY['trainee.a@sp.example', '+31611111111'], 'leaky operator: saw only the trainee''s values');
TRUNCATE seen_by_leak;
SET LOCAL ROLE dcpf_t_sp_svc;
SELECT dcpf.act_as('00000000-0000-4000-8000-00000000a102', '00000000-0000-4000-8000-0000000a1a01', 'licensee_admin', 'leak test') IS NOT NULL AS acting \gset
SELECT is((SELECT count(*) FROM dcpf.person WHERE pg_temp.leak('person', email::text)), 3::bigint, 'leak, admin A: the three people of A');
SELECT is((SELECT count(*) FROM dcpf.membership WHERE pg_temp.leak('membership', person_id::text)), 4::bigint, 'leak, admin A: A''s four memberships (with the assessor grant)');
SELECT is((SELECT count(*) FROM dcpf.billing_profile WHERE pg_temp.leak('billing_profile', contact_name::text)), 1::bigint, 'leak, admin A: A''s billing');
SELECT is((SELECT count(*) FROM dcpf.person_phone_decrypted WHERE pg_temp.leak('person_phone', number)), 1::bigint, 'leak, admin A: only their own phone');
SELECT is((SELECT count(*) FROM dcpf.person_decrypted WHERE pg_temp.leak('big_number', coalesce(big_number, '-'))), 3::bigint, 'leak, admin A: the BIG numbers of A''s people');
RESET ROLE;
SELECT is((SELECT count(*) FROM seen_by_leak WHERE value LIKE '%.b@%' OR value LIKE '%b1__' OR value LIKE '%B' OR value LIKE '+3162%'
                                                OR value = '00000000-0000-4000-8000-00000000a101' AND tbl = 'person_phone'),
          0::bigint, 'leak, admin A: nothing of B and no member''s phone reached the function');
SELECT set_eq('SELECT DISTINCT value FROM seen_by_leak WHERE tbl = ''big_number''', ARRAY['89012345601', '-'],
              'leak, admin A: only the BIG number of A''s trainee reached the function, never B''s');
SELECT set_eq('SELECT DISTINCT value FROM seen_by_leak WHERE tbl = ''billing_profile''', ARRAY['Crediteuren A'], 'leak, admin A: only A''s billing contact');

-- ---------------------------------------------------------------------------
-- 3. Views that would run with another role's rights
-- ---------------------------------------------------------------------------
CREATE SCHEMA viewz;
GRANT USAGE, CREATE ON SCHEMA viewz TO dcpf_t_sp_evil, dcpf_t_sp_viewer;
GRANT USAGE ON SCHEMA viewz TO dcpf_t_sp_app, dcpf_t_sp_svc;
SET LOCAL ROLE dcpf_t_sp_evil;       -- no dcpf privileges: its view runs with none
CREATE VIEW viewz.evil_people AS SELECT id, email::text AS email FROM dcpf.person;
GRANT SELECT ON viewz.evil_people TO PUBLIC;
RESET ROLE;
SET LOCAL ROLE dcpf_t_sp_viewer;     -- an application login: its view runs as dcpf_app
CREATE VIEW viewz.app_people AS SELECT id, email::text AS email FROM dcpf.person;
CREATE VIEW viewz.invoker_people WITH (security_invoker = true) AS SELECT id, email::text AS email FROM dcpf.person;
GRANT SELECT ON viewz.app_people, viewz.invoker_people TO PUBLIC;
RESET ROLE;
SET LOCAL ROLE dcpf_t_sp_svc;
SELECT dcpf.clear_identity() IS NULL AS cleared \gset
SELECT throws_ok('SELECT count(*) FROM viewz.evil_people', '42501', NULL, 'view owned by a role without dcpf rights: refused, even for the application');
SELECT is((SELECT count(*) FROM viewz.app_people), 0::bigint, 'view owned by an app login, no identity: no rows');
SELECT dcpf.act_as('00000000-0000-4000-8000-00000000a101', '00000000-0000-4000-8000-0000000a1a01', 'medical_trainee', 'view test') IS NOT NULL AS acting \gset
SELECT set_eq('SELECT email FROM viewz.app_people', ARRAY['trainee.a@sp.example'], 'view owned by an app login: the trainee sees only themself through it');
SELECT set_eq('SELECT email FROM viewz.invoker_people', ARRAY['trainee.a@sp.example'], 'security_invoker view: the trainee sees only themself');
SET LOCAL ROLE dcpf_t_sp_evil;
SELECT throws_ok('SELECT count(*) FROM viewz.invoker_people', '42501', NULL, 'security_invoker view, selected by a role without dcpf rights: refused');
SELECT ok(pg_temp.rows_or_denied('SELECT email FROM viewz.app_people') IN ('42501', 'trainee.a@sp.example'),
    'owner''s-rights view selected by another role: refused, or no more than the current identity may see');
RESET ROLE;
SET LOCAL ROLE dcpf_t_sp_svc;
SELECT dcpf.clear_identity() IS NULL AS cleared \gset
SET LOCAL ROLE dcpf_t_sp_evil;
SELECT ok(pg_temp.rows_or_denied('SELECT email FROM viewz.app_people') IN ('42501', ''),
    'owner''s-rights view selected by another role without identity: refused or no rows');
RESET ROLE;

-- ---------------------------------------------------------------------------
-- 4. SET ROLE and reserved settings from the application's login
-- ---------------------------------------------------------------------------
SET LOCAL SESSION AUTHORIZATION dcpf_t_sp_app;
SELECT throws_ok('SET ROLE dcpf_service', '42501', NULL, 'app login: SET ROLE dcpf_service is refused');
SELECT throws_ok('SET ROLE dcpf_maintenance', '42501', NULL, 'app login: SET ROLE dcpf_maintenance is refused');
SELECT throws_ok('SET ROLE postgres', '42501', NULL, 'app login: SET ROLE postgres is refused');
SELECT throws_ok($$SELECT set_config('dcpf.current_person', '00000000-0000-4000-8000-00000000a102', true)$$, '42602', NULL,
    'app login: set_config(''dcpf.current_person'') is refused (reserved prefix)');
SELECT throws_ok($$SET dcpf.current_person = '00000000-0000-4000-8000-00000000a102'$$, '42602', NULL, 'app login: SET dcpf.current_person is refused (reserved prefix)');
SELECT throws_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-00000000a102', '00000000-0000-4000-8000-0000000a1a01', 'licensee_admin', 'x')$$,
    '42501', NULL, 'app login: dcpf.act_as is refused');
SELECT is((SELECT count(*) FROM dcpf.person), 0::bigint, 'app login: after all that, still no identity and no rows');
RESET SESSION AUTHORIZATION;

-- ---------------------------------------------------------------------------
-- 5. Parallel query gives the same RLS-filtered answer
-- ---------------------------------------------------------------------------
SET LOCAL ROLE dcpf_t_sp_svc;
SELECT dcpf.act_as('00000000-0000-4000-8000-00000000a102', '00000000-0000-4000-8000-0000000a1a01', 'licensee_admin', 'parallel test') IS NOT NULL AS acting \gset
SELECT count(*) AS serial_people FROM dcpf.person \gset
SELECT count(*) AS serial_members FROM dcpf.membership \gset
SET LOCAL force_parallel_mode = on;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT is((SELECT count(*) FROM dcpf.person), :serial_people::bigint, 'parallel: admin A counts the same people as without parallelism');
SELECT is((SELECT count(*) FROM dcpf.person), 3::bigint, 'parallel: and that is the three people of A');
SELECT is((SELECT count(*) FROM dcpf.membership), :serial_members::bigint, 'parallel: same memberships as without parallelism');
SELECT is((SELECT count(*) FROM dcpf.person_phone), 1::bigint, 'parallel: admin A still sees only their own phone');
SELECT is((SELECT string_agg(big_number, ',') FROM dcpf.person_decrypted), '89012345601', 'parallel: admin A decrypts the same BIG numbers');
RESET force_parallel_mode;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- ---------------------------------------------------------------------------
-- 6. Prepared statements and PL/pgSQL plans follow the current identity
-- ---------------------------------------------------------------------------
SET LOCAL plan_cache_mode = force_generic_plan;
PREPARE probe AS SELECT count(*) FROM dcpf.person;
PREPARE probe_ids AS SELECT id FROM dcpf.person;
CREATE FUNCTION pg_temp.visible_people() RETURNS bigint LANGUAGE plpgsql STABLE
AS $$ DECLARE n bigint; BEGIN SELECT count(*) INTO n FROM dcpf.person; RETURN n; END $$;
SELECT results_eq('probe', 'VALUES (3::bigint)', 'prepared: under admin A it counts the three people of A');
SELECT is(pg_temp.visible_people(), 3::bigint, 'plpgsql plan: under admin A three people');
SELECT dcpf.act_as('00000000-0000-4000-8000-00000000a101', '00000000-0000-4000-8000-0000000a1a01', 'medical_trainee', 'plan test') IS NOT NULL AS acting \gset
SELECT results_eq('probe', 'VALUES (1::bigint)', 'prepared: the same statement under trainee A counts one');
SELECT results_eq('probe_ids', $$VALUES ('00000000-0000-4000-8000-00000000a101'::uuid)$$, 'prepared: and it is the trainee''s row');
SELECT is(pg_temp.visible_people(), 1::bigint, 'plpgsql plan: under trainee A one person');
SELECT dcpf.act_as('00000000-0000-4000-8000-00000000b102', '00000000-0000-4000-8000-0000000b1b01', 'licensee_admin', 'plan test') IS NOT NULL AS acting \gset
SELECT set_eq('probe_ids', $$VALUES ('00000000-0000-4000-8000-00000000b101'::uuid), ('00000000-0000-4000-8000-00000000b102'::uuid)$$,
    'prepared: under admin B it returns B''s people only');
SELECT is(pg_temp.visible_people(), 2::bigint, 'plpgsql plan: under admin B two people');
SELECT dcpf.clear_identity() IS NULL AS cleared \gset
SELECT results_eq('probe', 'VALUES (0::bigint)', 'prepared: with the identity cleared it counts nothing');
SELECT is(pg_temp.visible_people(), 0::bigint, 'plpgsql plan: with the identity cleared nothing');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
