-- The people and licensee core: tables, keys, constraints, comments, and
-- the default protection (RLS forced, nothing for PUBLIC) on every table.
BEGIN;
SELECT plan(60);

SELECT has_schema('dcpf');
SELECT tables_are('dcpf', ARRAY[
    'role', 'product', 'licensee', 'billing_profile', 'licence',
    'person', 'person_phone', 'person_address', 'person_preference', 'membership',
    'role_agreement', 'role_agreement_acceptance', 'policy_document', 'policy_acknowledgement',
    'identity_assumption', 'identity_issuer', 'issuer_key', 'identity_link', 'authentication_event', 'person_credential', 'login_attempt']);
SELECT types_are('dcpf', ARRAY['big_number', 'iban', 'email', 'billing_text', 'country_code', 'phone_number']);

-- primary keys
SELECT col_is_pk('dcpf', 'licensee', 'id', 'licensee has a uuid primary key');
SELECT col_is_pk('dcpf', 'person', 'id', 'person has a uuid primary key');
SELECT col_is_pk('dcpf', 'membership', 'id', 'membership has a uuid primary key');
SELECT col_is_pk('dcpf', 'billing_profile', 'licensee_id', 'one billing profile per licensee');
SELECT col_is_pk('dcpf', 'person_preference', 'person_id', 'one preference row per person');
SELECT col_is_pk('dcpf', 'role', 'code', 'roles are keyed by code');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')$$,
    'every table has a primary key');
SELECT is_empty($$
    SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r' AND a.attname = 'id'
       AND a.atttypid <> 'uuid'::regtype$$,
    'every id column is a uuid');

-- column types carry the validation
SELECT col_type_is('dcpf', 'person', 'email', 'dcpf.email', 'person.email is dcpf.email');
SELECT col_type_is('dcpf', 'person', 'big_number', 'dcpf.big_number', 'person.big_number is dcpf.big_number');
SELECT col_not_null('dcpf', 'person', 'email', 'every person has an e-mail (the user name)');
SELECT col_is_null('dcpf', 'person', 'big_number', 'BIG number is optional in itself');
SELECT col_not_null('dcpf', 'person', 'surname', 'every person has a surname');
SELECT col_type_is('dcpf', 'billing_profile', 'iban', 'dcpf.iban', 'billing IBAN is dcpf.iban');
SELECT col_type_is('dcpf', 'billing_profile', 'address_line1', 'dcpf.billing_text', 'billing text refuses card numbers');
SELECT col_type_is('dcpf', 'billing_profile', 'contact_email', 'dcpf.email', 'billing contact e-mail is dcpf.email');
SELECT col_type_is('dcpf', 'person_phone', 'number', 'dcpf.phone_number', 'phone numbers are E.164');
SELECT hasnt_column('dcpf', 'billing_profile', 'card_number', 'no column for card numbers exists');
SELECT is_empty($$
    SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname ~ '(card_?number|pan|cvc|cvv)'$$,
    'no column anywhere is named for card numbers');

-- uniqueness
SELECT index_is_unique('dcpf', 'person', 'person_email_unique', 'e-mail is unique');
SELECT index_is_unique('dcpf', 'person', 'person_big_number_unique', 'BIG number is unique');
SELECT index_is_unique('dcpf', 'licensee', 'licensee_name_unique', 'licensee name is unique');
SELECT col_is_unique('dcpf', 'product', 'code', 'product code is unique');
SELECT col_is_unique('dcpf', 'role_agreement', ARRAY['product_id', 'role_code', 'version'], 'one EURA per product, role and version');
SELECT col_is_unique('dcpf', 'role_agreement_acceptance', ARRAY['agreement_id', 'person_id'], 'a version is accepted once');
SELECT col_is_unique('dcpf', 'policy_document', ARRAY['kind', 'language', 'version'], 'one policy document per kind, language and version');

-- foreign keys
SELECT fk_ok('dcpf', 'membership', 'person_id', 'dcpf', 'person', 'id');
SELECT fk_ok('dcpf', 'membership', 'licensee_id', 'dcpf', 'licensee', 'id');
SELECT fk_ok('dcpf', 'membership', 'role_code', 'dcpf', 'role', 'code');
SELECT fk_ok('dcpf', 'licence', 'licensee_id', 'dcpf', 'licensee', 'id');
SELECT fk_ok('dcpf', 'licence', 'product_id', 'dcpf', 'product', 'id');
SELECT fk_ok('dcpf', 'billing_profile', 'licensee_id', 'dcpf', 'licensee', 'id');
SELECT fk_ok('dcpf', 'person', 'created_by', 'dcpf', 'person', 'id');
SELECT fk_ok('dcpf', 'person', 'created_for_licensee', 'dcpf', 'licensee', 'id');
SELECT fk_ok('dcpf', 'role_agreement', 'role_code', 'dcpf', 'role', 'code');
SELECT fk_ok('dcpf', 'role_agreement_acceptance', 'agreement_id', 'dcpf', 'role_agreement', 'id');
SELECT fk_ok('dcpf', 'policy_acknowledgement', 'document_id', 'dcpf', 'policy_document', 'id');

-- named CHECK constraints for every rule the brief names
SELECT has_check('dcpf', 'billing_profile', 'billing_profile checks its payment rules');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'billing_direct_debit_needs_mandate'), 'IBAN requires a direct-debit mandate');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'billing_iban_only_for_direct_debit'), 'IBAN only with direct debit');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'person_name_use_known'), 'name use is E/P/V/N');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'person_photo_size'), 'photo size is limited');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'membership_period_ordered'), 'membership periods are ordered');
SELECT has_trigger('dcpf', 'membership', 'membership_check', 'memberships check BIG requirement and overlap');
SELECT has_trigger('dcpf', 'role_agreement', 'role_agreement_immutable', 'published EURA versions are immutable');

-- builtin roles
SELECT set_eq('SELECT code FROM dcpf.role WHERE builtin',
    ARRAY['professional', 'medical_professional', 'medical_trainee', 'supervisor', 'trainer', 'assessor',
          'licensee_admin', 'privacy_officer', 'platform_support'], 'the roles catalogue ships the platform''s roles');
SELECT set_eq('SELECT code FROM dcpf.role WHERE requires_big', ARRAY['medical_professional', 'medical_trainee'],
    'medical roles require a BIG number');

-- documentation inside the database
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
       AND obj_description(c.oid, 'pg_class') IS NULL$$,
    'every table and view has a COMMENT');
SELECT is_empty($$
    SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'v', 'p') AND a.attnum > 0 AND NOT a.attisdropped
       AND col_description(c.oid, a.attnum) IS NULL$$,
    'every column has a COMMENT');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'dcpf'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL$$,
    'every function has a COMMENT');
SELECT is_empty($$
    SELECT t.typname FROM pg_type t
     WHERE t.typnamespace = 'dcpf'::regnamespace AND t.typtype IN ('b', 'd') AND t.typcategory <> 'A'
       AND obj_description(t.oid, 'pg_type') IS NULL$$,
    'every type and domain has a COMMENT');

-- default protection
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'p')
       AND NOT (c.relrowsecurity AND c.relforcerowsecurity)$$,
    'row-level security is enabled and forced on every table');
SELECT is_empty($$
    SELECT c.relname, g.privilege_type FROM pg_class c, aclexplode(c.relacl) g
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND g.grantee = 0$$,
    'PUBLIC holds no privilege on any table');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'dcpf'::regnamespace AND p.prosecdef
       AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) s WHERE s LIKE 'search_path=%')$$,
    'every SECURITY DEFINER function pins search_path');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'dcpf'::regnamespace
       AND (p.proname LIKE 'create\_%' OR p.proname LIKE 'set\_%' OR p.proname LIKE 'grant\_%'
            OR p.proname LIKE 'end\_%' OR p.proname LIKE 'publish\_%' OR p.proname LIKE 'accept\_%'
            OR p.proname LIKE 'acknowledge\_%' OR p.proname LIKE 'add\_%')
       AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
    'functions that change data are not executable by PUBLIC');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r'
       AND NOT c.oid = ANY ((SELECT extconfig FROM pg_extension WHERE extname = 'dcpf')::oid[])$$,
    'every table is registered with pg_extension_config_dump');

-- a non-privileged role sees nothing, even with a grant, until policies exist
CREATE ROLE dcpf_test_nobody NOLOGIN;
GRANT USAGE ON SCHEMA dcpf TO dcpf_test_nobody;
GRANT SELECT ON dcpf.person TO dcpf_test_nobody;
INSERT INTO dcpf.person (email, surname, initials) VALUES ('zichtbaar@example.nl', 'Zicht', 'Z.');
SET LOCAL ROLE dcpf_test_nobody;
SELECT is((SELECT count(*) FROM dcpf.person)::int, 0, 'without a policy, a granted role still reads no person row (RLS default deny)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
