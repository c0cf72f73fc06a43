-- The master keys stay secret, and decryption stays with those entitled.
-- A role that is not a superuser (a plain role, and members of dcpf_app,
-- dcpf_service, dcpf_reporting and dcpf_maintenance) cannot learn the key file
-- name or its keys through settings, pg_settings, pg_file_settings, file
-- functions, error messages of failing encrypt/decrypt calls, or the tables
-- of schema dcpf (searched for every key of the file, in hex and raw); cannot
-- read dcpf.data_key and the other key tables, nor run key management. And
-- decrypting is refused (42501) for another licensee's admin, for the same
-- person acting in another role, without an identity, and after SET ROLE to
-- another dcpf role.
-- The key file is read (as superuser) from $DCPF_MASTER_KEY_FILE, which
-- tools/with-cluster sets; without it, from the setting itself.
BEGIN;
SELECT plan(97);
-- pgTAP keeps its state in temp tables: let the test roles write them
DO $$ BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
END $$;

SET LOCAL client_min_messages = warning;
CREATE ROLE dcpf_t_ks_nobody NOLOGIN;
CREATE ROLE dcpf_t_ks_svc NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_t_ks_app NOLOGIN IN ROLE dcpf_app;
CREATE ROLE dcpf_t_ks_report NOLOGIN IN ROLE dcpf_reporting;
CREATE ROLE dcpf_t_ks_maint NOLOGIN IN ROLE dcpf_maintenance;

-- the key file and every key in it (master generations and the blind key)
\set keyfile ''
\getenv keyfile DCPF_MASTER_KEY_FILE
CREATE TEMP TABLE key_source AS
SELECT coalesce(nullif(:'keyfile', ''), current_setting('dcpf.master_key_file')) AS path;
CREATE TEMP TABLE secret AS
SELECT lower(m[2]) AS hex, decode(m[2], 'hex') AS raw, encode(decode(m[2], 'hex'), 'base64') AS b64, m[1] AS line_kind
  FROM key_source s,
       regexp_split_to_table(pg_read_file(s.path), '\n') AS line,
       regexp_match(line, '^\s*(master\s+[0-9]+|blind)\s+([0-9A-Fa-f]{64})\s*$') AS m
 WHERE m IS NOT NULL;
GRANT SELECT ON key_source TO PUBLIC;

-- Two licensees with a licence and every EURA. In L1: a trainee (p1, BIG,
-- phone, address, TOTP), an admin who is also a professional (a1), a
-- professional (p2, shredded below); in L2: an admin (a2). L1 pays by direct
-- debit (encrypted IBAN).
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000aa01', 'Licensee Een', 'academic_hospital'),
    ('00000000-0000-4000-8000-00000000bb01', 'Licensee Twee', 'nursing_school');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000cc01', 'dcpf-ks', 'DCPF');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
SELECT l, '00000000-0000-4000-8000-00000000cc01', '2020-01-01'
  FROM unnest(ARRAY['00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000bb01']::uuid[]) l;
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-00000000cc01', code, 1, 'EURA ' || code, 'Ik accepteer de rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role;
INSERT INTO dcpf.person (id, email, surname, initials, big_number_encrypted)
SELECT v.id::uuid, v.email, v.surname, 'X.', dcpf.encrypt(v.big, 'person', 'big_number', v.id::uuid, v.id::uuid)
  FROM (VALUES ('00000000-0000-4000-8000-0000000000a1', 'p1@example.nl', 'Een', '89012345601'),
               ('00000000-0000-4000-8000-0000000000a2', 'a1@example.nl', 'Admin', '09012345613'),
               ('00000000-0000-4000-8000-0000000000a3', 'p2@example.nl', 'Twee', '09996030824'),
               ('00000000-0000-4000-8000-0000000000b2', 'a2@example.nl', 'Beheer', NULL)) v(id, email, surname, big);
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-00000000aa01', 'medical_trainee', '2024-01-01'),
    ('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'licensee_admin', '2024-01-01'),
    ('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-00000000aa01', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-00000000bb01', 'licensee_admin', '2024-01-01');
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT a.id, m.person_id, 'click_through' FROM dcpf.membership m JOIN dcpf.role_agreement a ON a.role_code = m.role_code;
DO $$ BEGIN
    PERFORM dcpf.add_phone('00000000-0000-4000-8000-0000000000a1', 'mobile', '+31611111111');
    PERFORM dcpf.set_address('00000000-0000-4000-8000-0000000000a1', 'home', 'Dorpsstraat', 12, '7511 JA', 'Enschede');
    PERFORM dcpf.enrol_totp('00000000-0000-4000-8000-0000000000a1');
    PERFORM dcpf.set_billing_profile('00000000-0000-4000-8000-00000000aa01', 'Postbus 1', '7500 AA', 'Enschede', 'Crediteuren',
                                    'crediteuren@example.nl', 'direct_debit', iban => 'NL91ABNA0417164300',
                                    mandate_reference => 'MANDAAT-1', mandate_signed_on => '2024-01-01',
                                    contact_phone => '+31534000000');
    PERFORM dcpf.shred_person_key('00000000-0000-4000-8000-0000000000a3', 'erasure request in test');
END $$;
-- ciphertexts the roles below will try to open
CREATE TEMP TABLE ct AS
SELECT 'p1_big'::text AS name, big_number_encrypted AS v FROM dcpf.person WHERE id = '00000000-0000-4000-8000-0000000000a1'
UNION ALL SELECT 'p2_big', big_number_encrypted FROM dcpf.person WHERE id = '00000000-0000-4000-8000-0000000000a3'
UNION ALL SELECT 'iban', iban_encrypted FROM dcpf.billing_profile WHERE licensee_id = '00000000-0000-4000-8000-00000000aa01';
GRANT SELECT ON ct TO PUBLIC;
-- error messages seen by each role, collected by pg_temp.collect_errors
CREATE TEMP TABLE seen_error (role_name text, stmt text, sqlstate text, message text, detail text, hint text, context text);
GRANT ALL ON seen_error TO PUBLIC;
CREATE FUNCTION pg_temp.collect_errors(stmts text[]) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    s text;
    n integer := 0;
    st text; msg text; det text; hnt text; ctx text;
BEGIN
    FOREACH s IN ARRAY stmts LOOP
        BEGIN
            EXECUTE s;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                                    hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
            INSERT INTO seen_error VALUES (current_user, s, st, msg, det, hnt, ctx);
            n := n + 1;
        END;
    END LOOP;
    RETURN n;
END
$$;
-- failing encrypt/decrypt/key calls whose messages must not reveal a key
CREATE TEMP TABLE failing_call (stmt text, fails_for_superuser boolean);
INSERT INTO failing_call VALUES
    -- tampered, truncated, moved, unknown format, bad label, shredded, not entitled
    ($q$SELECT dcpf.decrypt_text(set_byte(v, 40, get_byte(v, 40) # 1), 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$q$, true),
    ($q$SELECT dcpf.decrypt_text(set_byte(v, 2, get_byte(v, 2) # 1), 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$q$, true),
    ($q$SELECT dcpf.decrypt_text(set_byte(v, 0, 7), 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$q$, true),
    ($q$SELECT dcpf.decrypt_text(substr(v, 1, 20), 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$q$, true),
    ($q$SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$q$, true),
    ($q$SELECT dcpf.decrypt_text(v, 'Person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$q$, true),
    ($q$SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-0000000000a3') FROM ct WHERE name = 'p2_big'$q$, true),
    ($q$SELECT dcpf.decrypt(v, 'billing_profile', 'iban', '00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000aa01') FROM ct WHERE name = 'iban'$q$, false),
    ($q$SELECT dcpf.encrypt('x'::text, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-0000000000a3')$q$, true),
    ($q$SELECT dcpf.encrypt('x'::text, 'person;drop', 'x', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1')$q$, true),
    ($q$SELECT dcpf.ciphertext_info('\x02'::bytea)$q$, true),
    -- key management
    ($q$SELECT dcpf.master_key_generations()$q$, false),
    ($q$SELECT dcpf.rewrap_data_key(k.id, k.subject_id, set_byte(k.wrapped, 30, get_byte(k.wrapped, 30) # 1)) FROM dcpf.data_key k WHERE k.wrapped IS NOT NULL$q$, false),
    ($q$SELECT dcpf.rewrap_data_key('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '\x0100000001'::bytea)$q$, true),
    ($q$SELECT dcpf.retire_master_key(1)$q$, true),
    ($q$SELECT dcpf.rotate_master_key_batch(0)$q$, true),
    -- a wrapped data key altered, or naming a generation the key file lacks, when it is unwrapped
    ($q$DO $d$ BEGIN
         UPDATE dcpf.data_key SET wrapped = set_byte(wrapped, 30, get_byte(wrapped, 30) # 1)
          WHERE subject_id = '00000000-0000-4000-8000-0000000000a1';
         PERFORM dcpf.forget_data_keys();
         PERFORM dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1')
            FROM ct WHERE name = 'p1_big';
       END $d$$q$, true),
    ($q$DO $d$ BEGIN
         UPDATE dcpf.data_key SET wrapped = set_byte(wrapped, 4, 77) WHERE subject_id = '00000000-0000-4000-8000-0000000000a1';
         PERFORM dcpf.forget_data_keys();
         PERFORM dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1')
            FROM ct WHERE name = 'p1_big';
       END $d$$q$, true),
    -- the settings themselves
    ($q$SHOW dcpf.master_key_file$q$, false),
    ($q$SELECT current_setting('dcpf.master_key_file')$q$, false);
GRANT SELECT ON failing_call TO PUBLIC;
-- every text, bytea, json and array column of every table of a schema, and
-- each whole row as text (bytea shows as hex there), searched for the keys
CREATE FUNCTION pg_temp.key_hits(schema_name text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    c record;
    t regclass;
    hit boolean;
BEGIN
    FOR c IN
        SELECT a.attrelid::regclass AS rel, a.attname,
               coalesce(nullif(ty.typbasetype, 0), a.atttypid)::regtype::text AS base
          FROM pg_attribute a
          JOIN pg_class r ON r.oid = a.attrelid
          JOIN pg_type ty ON ty.oid = a.atttypid
         WHERE r.relnamespace = schema_name::regnamespace AND r.relkind IN ('r', 'p')
           AND a.attnum > 0 AND NOT a.attisdropped
    LOOP
        IF c.base = 'bytea' THEN
            EXECUTE format('SELECT EXISTS (SELECT FROM %s x, secret s
                                           WHERE position(s.raw IN x.%I) > 0
                                              OR position(convert_to(s.hex, ''UTF8'') IN x.%I) > 0
                                              OR position(convert_to(upper(s.hex), ''UTF8'') IN x.%I) > 0)',
                           c.rel, c.attname, c.attname, c.attname) INTO hit;
        ELSIF c.base IN ('text', 'character varying', 'character', 'json', 'jsonb', 'text[]', 'bytea[]', 'name') THEN
            EXECUTE format('SELECT EXISTS (SELECT FROM %s x, secret s, key_source k
                                           WHERE x.%I::text ILIKE ''%%'' || s.hex || ''%%''
                                              OR x.%I::text LIKE ''%%'' || s.b64 || ''%%''
                                              OR x.%I::text LIKE ''%%'' || k.path || ''%%'')',
                           c.rel, c.attname, c.attname, c.attname) INTO hit;
        ELSE
            hit := false;
        END IF;
        IF hit THEN
            RETURN NEXT c.rel::text || '.' || c.attname;
        END IF;
    END LOOP;
    FOR t IN SELECT r.oid::regclass FROM pg_class r WHERE r.relnamespace = schema_name::regnamespace AND r.relkind IN ('r', 'p') LOOP
        EXECUTE format('SELECT EXISTS (SELECT FROM %s x, secret s WHERE x::text ILIKE ''%%'' || s.hex || ''%%'')', t) INTO hit;
        IF hit THEN
            RETURN NEXT t::text || ' (row)';
        END IF;
    END LOOP;
END
$$;
-- a control: the search finds a key planted in a table
CREATE SCHEMA dcpf_t_ks_planted;
CREATE TABLE dcpf_t_ks_planted.raw_key (v bytea);
CREATE TABLE dcpf_t_ks_planted.hex_key (v text);
CREATE TABLE dcpf_t_ks_planted.clean (v bytea, w text);
INSERT INTO dcpf_t_ks_planted.raw_key SELECT '\x0102'::bytea || raw || '\x03'::bytea FROM secret WHERE line_kind = 'blind';
INSERT INTO dcpf_t_ks_planted.hex_key SELECT 'master key: ' || upper(hex) || '.' FROM secret WHERE line_kind ~ '^master';
INSERT INTO dcpf_t_ks_planted.clean VALUES ('\x0102', 'nothing to see');
RESET client_min_messages;

-- the key source as the superuser sees it -------------------------------------
SELECT ok((SELECT path FROM key_source) <> '' AND (SELECT path FROM key_source) = current_setting('dcpf.master_key_file'),
    'the key file of DCPF_MASTER_KEY_FILE is the one dcpf.master_key_file names');
SELECT ok((SELECT count(*) FROM secret WHERE line_kind ~ '^master') >= 1 AND (SELECT count(*) FROM secret WHERE line_kind = 'blind') = 1,
    'the key file holds a master key and the blind key');
SELECT set_eq($$SELECT pg_temp.key_hits('dcpf_t_ks_planted')$$,
    ARRAY['dcpf_t_ks_planted.raw_key.v', 'dcpf_t_ks_planted.raw_key (row)', 'dcpf_t_ks_planted.hex_key.v', 'dcpf_t_ks_planted.hex_key (row)'],
    'control: the search finds a key planted raw in bytea and as hex in text');

-- settings, files, catalogs: nothing for a non-superuser ---------------------------
SET LOCAL ROLE dcpf_t_ks_nobody;
SELECT throws_ok('SHOW dcpf.master_key_file', '42501', NULL, 'plain role: SHOW dcpf.master_key_file is refused');
SELECT throws_ok($$SELECT current_setting('dcpf.master_key_file')$$, '42501', NULL, 'plain role: current_setting is refused');
SELECT throws_ok($$SELECT current_setting('dcpf.master_key_file', true)$$, '42501', NULL, 'plain role: current_setting(missing_ok) is refused');
SELECT throws_ok('SHOW dcpf.master_key_command', '42501', NULL, 'plain role: SHOW dcpf.master_key_command is refused');
SELECT is((SELECT count(*) FROM pg_settings WHERE name LIKE 'dcpf.master_key%')::int, 0, 'plain role: pg_settings has no master key rows');
SELECT is((SELECT count(*) FROM pg_settings s, key_source k
            WHERE s.setting LIKE '%' || k.path || '%' OR s.reset_val LIKE '%' || k.path || '%' OR s.boot_val LIKE '%' || k.path || '%')::int, 0,
    'plain role: no setting shows the key file name');
SELECT throws_ok('SELECT * FROM pg_file_settings', '42501', NULL, 'plain role: pg_file_settings is not readable');
SELECT throws_ok('SELECT * FROM pg_show_all_file_settings()', '42501', NULL, 'plain role: pg_show_all_file_settings() is refused');
SELECT throws_ok('SELECT pg_read_file(path) FROM key_source', '42501', NULL, 'plain role: pg_read_file of the key file is refused');
SELECT throws_ok('SELECT pg_stat_file(path) FROM key_source', '42501', NULL, 'plain role: pg_stat_file of the key file is refused');
SELECT throws_ok($$SET dcpf.master_key_file = '/tmp/my_own_keys'$$, '55P02', NULL, 'plain role: cannot point the session at another key file');
SELECT throws_ok($$SELECT set_config('dcpf.master_key_command', 'cat /tmp/my_own_keys', false)$$, '55P02', NULL,
    'plain role: cannot set a key command');
SELECT throws_ok('SELECT * FROM dcpf.data_key', '42501', NULL, 'plain role: dcpf.data_key is not readable');
RESET ROLE;

SET LOCAL ROLE dcpf_t_ks_app;
SELECT throws_ok('SHOW dcpf.master_key_file', '42501', NULL, 'dcpf_app member: SHOW dcpf.master_key_file is refused');
SELECT throws_ok($$SELECT current_setting('dcpf.master_key_file')$$, '42501', NULL, 'dcpf_app member: current_setting is refused');
SELECT is((SELECT count(*) FROM pg_settings WHERE name LIKE 'dcpf.master_key%')::int, 0, 'dcpf_app member: pg_settings has no master key rows');
SELECT throws_ok('SELECT * FROM pg_file_settings', '42501', NULL, 'dcpf_app member: pg_file_settings is not readable');
RESET ROLE;

-- an application session with an identity: still nothing
SET LOCAL ROLE dcpf_t_ks_svc;
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'licensee_admin', 'test')$$,
    'the admin of L1 acts (for the checks below)');
SELECT throws_ok('SHOW dcpf.master_key_file', '42501', NULL, 'service with identity: SHOW dcpf.master_key_file is refused');
SELECT throws_ok($$SELECT current_setting('dcpf.master_key_file')$$, '42501', NULL, 'service with identity: current_setting is refused');
SELECT is((SELECT count(*) FROM pg_settings WHERE name LIKE 'dcpf.master_key%')::int, 0, 'service with identity: pg_settings has no master key rows');
SELECT throws_ok('SELECT * FROM pg_file_settings', '42501', NULL, 'service with identity: pg_file_settings is not readable');
RESET ROLE;

-- key tables and key management: refused for every dcpf role ---------------------
SET LOCAL ROLE dcpf_t_ks_app;
SELECT throws_ok(format('%s', q.stmt), '42501', NULL, 'dcpf_app: ' || q.what)
  FROM (VALUES (1, 'SELECT * FROM dcpf.data_key', 'dcpf.data_key is not readable'),
               (2, 'SELECT * FROM dcpf.master_key_generation', 'dcpf.master_key_generation is not readable'),
               (3, 'SELECT * FROM dcpf.key_rotation_run', 'dcpf.key_rotation_run is not readable'),
               (4, 'SELECT * FROM dcpf.master_key_status', 'dcpf.master_key_status is not readable'),
               (5, 'SELECT * FROM dcpf.master_key_generations()', 'dcpf.master_key_generations() is refused'),
               (6, $$SELECT dcpf.rewrap_data_key('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1', '\x01')$$, 'dcpf.rewrap_data_key is refused'),
               (7, 'SELECT dcpf.rotate_master_key_batch(10)', 'dcpf.rotate_master_key_batch is refused'),
               (8, 'CALL dcpf.rotate_master_key()', 'CALL dcpf.rotate_master_key is refused'),
               (9, 'SELECT dcpf.retire_master_key(1)', 'dcpf.retire_master_key is refused'),
               (10, $$SELECT dcpf.shred_person_key('00000000-0000-4000-8000-0000000000a1', 'x')$$, 'dcpf.shred_person_key is refused'),
               (11, 'SELECT dcpf.forget_data_keys()', 'dcpf.forget_data_keys is refused'),
               (12, $$UPDATE dcpf.data_key SET wrapped = NULL, shredded_at = now(), shred_reason = 'x'$$, 'dcpf.data_key cannot be changed')) q(o, stmt, what)
 ORDER BY q.o;
RESET ROLE;
SET LOCAL ROLE dcpf_t_ks_report;
SELECT throws_ok(format('%s', q.stmt), '42501', NULL, 'dcpf_reporting: ' || q.what)
  FROM (VALUES (1, 'SELECT * FROM dcpf.data_key', 'dcpf.data_key is not readable'),
               (2, 'SELECT * FROM dcpf.master_key_generation', 'dcpf.master_key_generation is not readable'),
               (3, 'SELECT * FROM dcpf.key_rotation_run', 'dcpf.key_rotation_run is not readable'),
               (4, 'SELECT * FROM dcpf.master_key_status', 'dcpf.master_key_status is not readable'),
               (5, 'SELECT * FROM dcpf.master_key_generations()', 'dcpf.master_key_generations() is refused'),
               (6, $$SELECT dcpf.rewrap_data_key('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1', '\x01')$$, 'dcpf.rewrap_data_key is refused'),
               (7, 'SELECT dcpf.rotate_master_key_batch(10)', 'dcpf.rotate_master_key_batch is refused'),
               (8, 'CALL dcpf.rotate_master_key()', 'CALL dcpf.rotate_master_key is refused'),
               (9, 'SELECT dcpf.retire_master_key(1)', 'dcpf.retire_master_key is refused'),
               (10, $$SELECT dcpf.shred_person_key('00000000-0000-4000-8000-0000000000a1', 'x')$$, 'dcpf.shred_person_key is refused'),
               (11, 'SELECT dcpf.forget_data_keys()', 'dcpf.forget_data_keys is refused')) q(o, stmt, what)
 ORDER BY q.o;
RESET ROLE;
SET LOCAL ROLE dcpf_t_ks_maint;
SELECT throws_ok(format('%s', q.stmt), '42501', NULL, 'dcpf_maintenance: ' || q.what)
  FROM (VALUES (1, 'SELECT * FROM dcpf.data_key', 'dcpf.data_key is not readable'),
               (2, 'SELECT * FROM dcpf.master_key_generation', 'dcpf.master_key_generation is not readable'),
               (3, 'SELECT * FROM dcpf.key_rotation_run', 'dcpf.key_rotation_run is not readable'),
               (4, 'SELECT * FROM dcpf.master_key_status', 'dcpf.master_key_status is not readable'),
               (5, 'SELECT * FROM dcpf.master_key_generations()', 'dcpf.master_key_generations() is refused'),
               (6, $$SELECT dcpf.rewrap_data_key('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1', '\x01')$$, 'dcpf.rewrap_data_key is refused'),
               (7, 'SELECT dcpf.rotate_master_key_batch(10)', 'dcpf.rotate_master_key_batch is refused'),
               (8, 'CALL dcpf.rotate_master_key()', 'CALL dcpf.rotate_master_key is refused'),
               (9, 'SELECT dcpf.retire_master_key(1)', 'dcpf.retire_master_key is refused'),
               (10, $$SELECT dcpf.shred_person_key('00000000-0000-4000-8000-0000000000a1', 'x')$$, 'dcpf.shred_person_key is refused'),
               (11, 'SELECT dcpf.forget_data_keys()', 'dcpf.forget_data_keys is refused')) q(o, stmt, what)
 ORDER BY q.o;
RESET ROLE;
-- the key functions in C refuse even when EXECUTE was granted by mistake
GRANT EXECUTE ON FUNCTION dcpf.master_key_generations(), dcpf.rewrap_data_key(uuid, uuid, bytea) TO dcpf_t_ks_app;
SET LOCAL ROLE dcpf_t_ks_app;
SELECT throws_ok('SELECT * FROM dcpf.master_key_generations()', '42501', 'permission denied for dcpf.master_key_generations',
    'master_key_generations() checks its caller itself');
SELECT throws_ok($$SELECT dcpf.rewrap_data_key('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1', '\x01')$$,
    '42501', 'permission denied for dcpf.rewrap_data_key', 'rewrap_data_key() checks its caller itself');
RESET ROLE;
REVOKE EXECUTE ON FUNCTION dcpf.master_key_generations(), dcpf.rewrap_data_key(uuid, uuid, bytea) FROM dcpf_t_ks_app;

-- decrypting is refused to whoever may not see the subject ---------------------
SET LOCAL ROLE dcpf_t_ks_svc;
SELECT dcpf.clear_identity();
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$$,
    '42501', 'permission denied to decrypt person data of this subject', 'no identity: decrypting a BIG number is refused');
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'billing_profile', 'iban', '00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000aa01') FROM ct WHERE name = 'iban'$$,
    '42501', 'permission denied to decrypt billing_profile data of this subject', 'no identity: decrypting an IBAN is refused');
-- the admin of L2 (another licensee)
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-00000000bb01', 'licensee_admin', 'test')$$,
    'the admin of L2 acts');
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$$,
    '42501', 'permission denied to decrypt person data of this subject', 'admin of another licensee: a BIG number of L1 is refused');
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'billing_profile', 'iban', '00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000aa01') FROM ct WHERE name = 'iban'$$,
    '42501', 'permission denied to decrypt billing_profile data of this subject', 'admin of another licensee: the IBAN of L1 is refused');
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'person_credential', 'totp_secret', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$$,
    '42501', 'permission denied to decrypt person_credential data of this subject', 'admin of another licensee: a table label without a read rule is refused');
SELECT is((SELECT count(*) FROM dcpf.person_decrypted WHERE id = '00000000-0000-4000-8000-0000000000a1')::int, 0,
    'admin of another licensee: the view shows no row of L1');
-- the admin of L1: allowed (the control for the refusals)
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'licensee_admin', 'test')$$,
    'the admin of L1 acts');
SELECT is((SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'),
    '89012345601', 'admin of L1: decrypts the BIG number of a member');
SELECT is((SELECT iban FROM dcpf.billing_profile_decrypted), 'NL91ABNA0417164300', 'admin of L1: reads the IBAN of L1');
-- the same person acting in another role (professional) may not
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'professional', 'test')$$,
    'the admin of L1 acts as a professional');
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$$,
    '42501', 'permission denied to decrypt person data of this subject', 'same person, another role: a member''s BIG number is refused');
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'billing_profile', 'iban', '00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000aa01') FROM ct WHERE name = 'iban'$$,
    '42501', 'permission denied to decrypt billing_profile data of this subject', 'same person, another role: the IBAN is refused');
-- back as admin, then as professional again: the answer follows the identity
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'licensee_admin', 'test')$$,
    'admin again');
SELECT is((SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'),
    '89012345601', 'admin again: decrypts');
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'professional', 'test')$$,
    'professional again');
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$$,
    '42501', 'permission denied to decrypt person data of this subject', 'professional again: refused (no permission cached from the admin identity)');
-- admin identity, then SET ROLE to other dcpf roles
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000aa01', 'licensee_admin', 'test')$$,
    'admin once more');
SELECT is((SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'),
    '89012345601', 'admin: decrypts (the key is now cached)');
RESET ROLE;
SET LOCAL ROLE dcpf_t_ks_report;
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$$,
    '42501', NULL, 'SET ROLE to dcpf_reporting: decrypting is refused');
SELECT throws_ok('SELECT big_number FROM dcpf.person_decrypted', '42501', NULL, 'SET ROLE to dcpf_reporting: the decrypted view is refused');
RESET ROLE;
SET LOCAL ROLE dcpf_t_ks_maint;
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$$,
    '42501', NULL, 'SET ROLE to dcpf_maintenance: decrypting is refused');
SELECT throws_ok('SELECT number FROM dcpf.person_phone_decrypted', '42501', NULL, 'SET ROLE to dcpf_maintenance: the decrypted view is refused');
RESET ROLE;
SET LOCAL ROLE dcpf_t_ks_nobody;
SELECT throws_ok($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1') FROM ct WHERE name = 'p1_big'$$,
    '42501', NULL, 'SET ROLE to a role outside dcpf: decrypting is refused');
RESET ROLE;
SET LOCAL ROLE dcpf_t_ks_svc;
SELECT dcpf.clear_identity();
RESET ROLE;

-- error messages of failing calls never carry a key or the key file name ------------
SET LOCAL ROLE dcpf_t_ks_nobody;
SELECT is(pg_temp.collect_errors(ARRAY(SELECT stmt FROM failing_call)), (SELECT count(*)::int FROM failing_call), 'plain role: every call fails');
RESET ROLE;
SET LOCAL ROLE dcpf_t_ks_app;
SELECT is(pg_temp.collect_errors(ARRAY(SELECT stmt FROM failing_call)), (SELECT count(*)::int FROM failing_call), 'dcpf_app without identity: every call fails');
RESET ROLE;
SET LOCAL ROLE dcpf_t_ks_svc;
SELECT lives_ok($$SELECT dcpf.act_as('00000000-0000-4000-8000-0000000000b2', '00000000-0000-4000-8000-00000000bb01', 'licensee_admin', 'test')$$,
    'the admin of L2 acts (for the error messages)');
SELECT is(pg_temp.collect_errors(ARRAY(SELECT stmt FROM failing_call)), (SELECT count(*)::int FROM failing_call), 'admin of L2: every call fails');
SELECT dcpf.clear_identity();
RESET ROLE;
-- the superuser sees the most detailed messages (all but the two settings fail)
SELECT is(pg_temp.collect_errors(ARRAY(SELECT stmt FROM failing_call WHERE fails_for_superuser)),
          (SELECT count(*)::int FROM failing_call WHERE fails_for_superuser), 'superuser: every call meant to fail fails');
SELECT cmp_ok((SELECT count(DISTINCT sqlstate)::int FROM seen_error), '>=', 6, 'the failing calls give a variety of errors');
SELECT ok(EXISTS (SELECT FROM seen_error WHERE role_name = current_user AND sqlstate = 'XX001' AND message LIKE 'data key % does not unwrap'),
    'superuser: an altered wrapped data key does not unwrap (XX001)');
SELECT ok(EXISTS (SELECT FROM seen_error WHERE role_name = current_user AND sqlstate = '55000'
                     AND message = 'master key generation 77 is not available'),
    'superuser: a data key wrapped by a generation the key file lacks is refused (55000)');
SELECT is_empty($$SELECT e.role_name || ': ' || e.stmt FROM seen_error e, secret s
                   WHERE concat_ws(' ', e.message, e.detail, e.hint, e.context) ILIKE '%' || s.hex || '%'
                      OR concat_ws(' ', e.message, e.detail, e.hint, e.context) LIKE '%' || s.b64 || '%'
                      OR position(s.raw IN convert_to(concat_ws(' ', e.message, e.detail, e.hint, e.context), 'UTF8')) > 0$$,
    'no error message, detail, hint or context carries a key (hex, base64 or raw)');
SELECT is_empty($$SELECT e.role_name || ': ' || e.stmt FROM seen_error e, key_source k
                   WHERE concat_ws(' ', e.message, e.detail, e.hint, e.context) LIKE '%' || k.path || '%'$$,
    'no error message names the key file');

-- no table of schema dcpf holds a key or the key file name -----------------------------
SELECT cmp_ok((SELECT count(*)::int FROM dcpf.data_key), '>=', 4, 'there are data keys to search');
SELECT is_empty($$SELECT pg_temp.key_hits('dcpf')$$, 'no column of any dcpf table holds a master or blind key, in hex, base64 or raw, or the key file name');

SELECT * FROM finish();
ROLLBACK;
