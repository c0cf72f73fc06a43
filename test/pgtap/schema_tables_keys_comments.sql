-- The people and licensee core: tables, keys, constraints, comments, and
-- the default protection (RLS forced, nothing for PUBLIC) on every table.
-- Sensitive columns are stored encrypted (bytea): their validation lives in
-- the entry functions, and the *_decrypted views give the values back.
BEGIN;
SELECT plan(177);

SELECT has_schema('dcpf');
SELECT tables_are('dcpf', ARRAY[
    'role', 'product', 'licensee', 'billing_profile', 'licence',
    'person', 'person_phone', 'person_address', 'person_preference', 'membership',
    'role_agreement', 'role_agreement_acceptance', 'policy_document', 'policy_acknowledgement',
    'identity_assumption', 'identity_issuer', 'issuer_key', 'identity_link', 'authentication_event', 'person_credential', 'login_attempt',
    'master_key_generation', 'data_key', 'key_rotation_run', 'blind_index_key',
    'audit_action', 'audit_event', 'audit_event_default', 'audit_seal',
    'entrustment_scale', 'competency', 'programme', 'programme_role', 'programme_member', 'epa', 'epa_competency',
    'portfolio_item', 'portfolio_item_competency', 'portfolio_item_epa',
    'portfolio_collection', 'portfolio_collection_item', 'share', 'disclosure', 'assessment', 'entrustment_decision',
    'notice', 'feedback_request', 'conversation', 'competency_declaration', 'msf_round', 'msf_respondent', 'msf_response',
    'attachment_media_type', 'portfolio_attachment', 'item_comment', 'purpose', 'consent_event', 'consent', 'web_visit',
    'subject_request', 'personal_data_table', 'personal_data_column', 'legal_hold', 'erasure',
    'subprocessor', 'breach', 'breach_controller', 'breach_subject', 'breach_update',
    'processing_restriction', 'item_addendum', 'rectification', 'handover', 'handover_reference',
    'data_category', 'retention_policy', 'retention_source', 'retention_source_clock', 'retention_exempt_table', 'job_run',
    'audit_dropped_partition', 'audit_node_key', 'audit_node_head']
    -- the audit trail's monthly partitions come and go with the calendar
    || ARRAY(SELECT c.relname::text FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
              WHERE i.inhparent = 'dcpf.audit_event'::regclass AND c.relname <> 'audit_event_default'));
SELECT views_are('dcpf', ARRAY['master_key_status', 'person_decrypted', 'person_phone_decrypted', 'person_address_decrypted',
                               'billing_profile_decrypted', 'portfolio_item_decrypted', 'assessment_decrypted',
                               'portfolio_attachment_decrypted', 'item_comment_decrypted',
                               'my_epa_progress', 'supervised_epa_progress', 'my_notices', 'feedback_request_decrypted', 'conversation_decrypted',
                               'my_competency_declarations', 'marketing_audience', 'visit_statistics', 'overdue_subject_requests',
                               'record_of_processing', 'overdue_breaches',
                               'outstanding_policy_acknowledgements', 'item_addendum_decrypted', 'retention_policy_in_force', 'my_items',
                               'report_programme_progress', 'report_assessments_per_assessor', 'report_subject_requests',
                               'report_breach_deadlines', 'report_consent_statistics', 'report_retention_forecast',
                               'report_access_statistics', 'report_licence_usage',
                               'distribution_plan', 'distributed_function', 'distribution_debt', 'health']);
SELECT types_are('dcpf', ARRAY['big_number', 'iban', 'email', 'billing_text', 'country_code', 'phone_number', 'address_parts',
                               'entrustment_level', 'portfolio_text', 'comment_text', 'addendum_text']);

-- primary keys
SELECT col_is_pk('dcpf', 'licensee', 'id', 'licensee has a uuid primary key');
SELECT col_is_pk('dcpf', 'person', 'id', 'person has a uuid primary key');
SELECT col_is_pk('dcpf', 'membership', 'id', 'membership has a uuid primary key');
SELECT col_is_pk('dcpf', 'billing_profile', 'licensee_id', 'one billing profile per licensee');
SELECT col_is_pk('dcpf', 'person_preference', 'person_id', 'one preference row per person');
SELECT col_is_pk('dcpf', 'role', 'code', 'roles are keyed by code');
SELECT col_is_pk('dcpf', 'data_key', 'id', 'data keys are keyed by the key id written in every ciphertext');
SELECT col_is_pk('dcpf', 'master_key_generation', 'generation', 'master key generations are keyed by number');
SELECT col_is_pk('dcpf', 'key_rotation_run', 'id', 'key rotation runs have a primary key');
SELECT col_is_pk('dcpf', 'programme', 'id', 'programmes have a uuid primary key');
SELECT col_is_pk('dcpf', 'programme_member', 'id', 'programme memberships have a uuid primary key');
SELECT col_is_pk('dcpf', 'epa', 'id', 'EPA versions have a uuid primary key');
SELECT col_is_pk('dcpf', 'competency', 'id', 'competencies have a uuid primary key (fixed for the shipped CanMEDS roles)');
SELECT col_is_pk('dcpf', 'entrustment_scale', 'level', 'the entrustment scale is keyed by level');
SELECT col_type_is('dcpf', 'epa', 'target_level', 'dcpf.entrustment_level', 'an EPA''s target is an entrustment level (1-5)');
SELECT col_is_pk('dcpf', 'portfolio_item', 'id', 'portfolio items have a uuid primary key');
SELECT col_is_pk('dcpf', 'portfolio_attachment', 'id', 'attachments have a uuid primary key');
SELECT col_is_pk('dcpf', 'item_comment', 'id', 'comments have a uuid primary key');
SELECT col_is_pk('dcpf', 'web_visit', 'id', 'web visits have a uuid primary key');
SELECT col_type_is('dcpf', 'web_visit', 'network', 'cidr', 'a web visit keeps a network (web_visit_network_coarse: /16 or /32), not an address');
SELECT is_empty($$
    SELECT a.attname FROM pg_attribute a
     WHERE a.attrelid = 'dcpf.web_visit'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND (a.atttypid = 'inet'::regtype OR a.attname ~ '(address|agent|query|url)')$$,
    'web_visit has no column for the client address, the user agent, the query string or the URL');
SELECT ok((SELECT 'security_invoker=true' = ANY (c.reloptions) FROM pg_class c WHERE c.oid = 'dcpf.visit_statistics'::regclass),
    'dcpf.visit_statistics is security_invoker');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'v' AND c.relname LIKE 'report\_%'
       AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)$$,
    'every report view (sql/270_reporting.sql) is security_invoker');
SELECT col_is_pk('dcpf', 'attachment_media_type', ARRAY['media_type', 'builtin'],
    'a media type is on the allow-list at most once as shipped and once as the site''s');
SELECT set_eq('SELECT media_type FROM dcpf.attachment_media_type WHERE builtin',
    ARRAY['application/pdf', 'image/png', 'image/jpeg', 'text/plain',
          'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
          'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
    'the allow-list ships PDF, PNG, JPEG, plain text and the Office Open XML documents');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'attachment_media_type_checkable'),
    'every accepted media type is recognised by its magic bytes or read as text');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r'
       AND c.oid NOT IN (SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = 'dcpf.audit_event'::regclass)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')$$,
    'every table has a primary key (but the audit trail''s partitions: see below)');
SELECT is_empty($$
    SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'p') AND a.attname = 'id'
       AND a.atttypid <> 'uuid'::regtype
       AND NOT (c.oid = 'dcpf.audit_event'::regclass
                OR c.oid IN (SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = 'dcpf.audit_event'::regclass))$$,
    'every id column is a uuid (but audit events)');
SELECT col_type_is('dcpf', 'audit_event', 'id', 'bigint',
    'audit events are numbered by a sequence, in the order written: the order the seal chains them in');
SELECT is_empty($$
    SELECT c.relname, x.want FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     CROSS JOIN (VALUES ('brin', 'id'), ('btree', 'subject_person, occurred_at'), ('brin', 'occurred_at')) x(am, want)
     WHERE i.inhparent = 'dcpf.audit_event'::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid JOIN pg_am am ON am.oid = ic.relam
                        WHERE ix.indrelid = c.oid AND am.amname = x.am
                          AND pg_get_indexdef(ix.indexrelid) LIKE '%(' || x.want || ')%')$$,
    'every partition of the audit trail has its indexes: event number (BRIN), the person''s view (B-tree), time (BRIN); no primary key, the sequence numbers events (see sql/120_audit.sql)');

-- column types carry the validation of what is stored in the clear
SELECT col_type_is('dcpf', 'person', 'email', 'dcpf.email', 'person.email is dcpf.email');
SELECT col_has_check('dcpf', 'person', ARRAY['status', 'surname', 'email'],
    'every person has a surname and an e-mail (the user name), until erased');
SELECT col_has_check('dcpf', 'person', ARRAY['status', 'given_names', 'initials', 'tussenvoegsel', 'surname', 'partner_tussenvoegsel',
                                             'partner_surname', 'email', 'big_number_encrypted', 'big_number_hmac', 'job_title',
                                             'academic_titles', 'photo', 'photo_type', 'created_by'],
    'an erased person holds no personal data');
SELECT col_type_is('dcpf', 'billing_profile', 'address_line1', 'dcpf.billing_text', 'billing text refuses card numbers');
SELECT col_type_is('dcpf', 'billing_profile', 'contact_email', 'dcpf.email', 'billing contact e-mail is dcpf.email');
SELECT hasnt_column('dcpf', 'billing_profile', 'card_number', 'no column for card numbers exists');
SELECT is_empty($$
    SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname ~ '(card_?number|pan|cvc|cvv)'$$,
    'no column anywhere is named for card numbers');

-- sensitive values are stored only encrypted: no plaintext column is left ...
SELECT is_empty($$
    SELECT t.relname, t.attname
      FROM (VALUES ('person', 'big_number'), ('person_phone', 'number'),
                   ('person_address', 'street'), ('person_address', 'house_number'),
                   ('person_address', 'house_number_suffix'), ('person_address', 'postcode'), ('person_address', 'city'),
                   ('billing_profile', 'iban'), ('billing_profile', 'contact_phone'),
                   ('person_credential', 'totp_secret')) AS t (relname, attname)
      JOIN pg_class c ON c.relname = t.relname AND c.relnamespace = 'dcpf'::regnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = t.attname AND NOT a.attisdropped$$,
    'no plaintext column remains for BIG numbers, phone numbers, addresses, IBANs, billing phones or TOTP secrets');
SELECT col_type_is('dcpf', 'person', 'big_number_encrypted', 'bytea', 'person.big_number_encrypted is a ciphertext (bytea)');
SELECT col_type_is('dcpf', 'person', 'big_number_hmac', 'bytea', 'person.big_number_hmac is a blind index (bytea)');
SELECT col_is_null('dcpf', 'person', 'big_number_encrypted', 'BIG number is optional in itself');
SELECT col_type_is('dcpf', 'person_phone', 'number_encrypted', 'bytea', 'person_phone.number_encrypted is a ciphertext (bytea)');
SELECT col_not_null('dcpf', 'person_phone', 'number_encrypted', 'a phone entry has a number');
SELECT col_type_is('dcpf', 'person_phone', 'number_hmac', 'bytea', 'person_phone.number_hmac is a blind index (bytea)');
SELECT col_type_is('dcpf', 'person_address', 'address_encrypted', 'bytea', 'person_address.address_encrypted is a ciphertext (bytea)');
SELECT col_not_null('dcpf', 'person_address', 'address_encrypted', 'an address entry has an address');
SELECT col_type_is('dcpf', 'person_address', 'country', 'dcpf.country_code', 'the address country stays plain, as dcpf.country_code');
SELECT col_type_is('dcpf', 'billing_profile', 'iban_encrypted', 'bytea', 'billing_profile.iban_encrypted is a ciphertext (bytea)');
SELECT col_type_is('dcpf', 'billing_profile', 'contact_phone_encrypted', 'bytea', 'billing_profile.contact_phone_encrypted is a ciphertext (bytea)');
SELECT col_type_is('dcpf', 'person_credential', 'totp_secret_encrypted', 'bytea', 'person_credential.totp_secret_encrypted is a ciphertext (bytea)');
SELECT col_type_is('dcpf', 'portfolio_attachment', 'content_encrypted', 'bytea', 'portfolio_attachment.content_encrypted is a ciphertext (bytea)');
SELECT col_type_is('dcpf', 'item_comment', 'body_encrypted', 'bytea', 'item_comment.body_encrypted is a ciphertext (bytea)');
SELECT is_empty($$
    SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
       AND (a.attname LIKE '%\_encrypted' OR a.attname LIKE '%\_hmac') AND a.atttypid <> 'bytea'::regtype$$,
    'every *_encrypted and *_hmac column is bytea');
-- ... every encrypted column is sealed by a trigger that refuses ciphertext from elsewhere
SELECT has_trigger('dcpf', 'person', 'person_big_number_sealed', 'person.big_number_encrypted is sealed');
SELECT has_trigger('dcpf', 'person_phone', 'person_phone_number_sealed', 'person_phone.number_encrypted is sealed');
SELECT has_trigger('dcpf', 'person_address', 'person_address_sealed', 'person_address.address_encrypted is sealed');
SELECT has_trigger('dcpf', 'billing_profile', 'billing_profile_iban_sealed', 'billing_profile.iban_encrypted is sealed');
SELECT has_trigger('dcpf', 'billing_profile', 'billing_profile_contact_phone_sealed', 'billing_profile.contact_phone_encrypted is sealed');
SELECT trigger_is('dcpf', 'person', 'person_big_number_sealed', 'dcpf', 'sealed_column', 'the sealing trigger is dcpf.sealed_column');
SELECT has_trigger('dcpf', 'item_comment', 'item_comment_sealed', 'item_comment.body_encrypted is sealed');
SELECT trigger_is('dcpf', 'portfolio_attachment', 'portfolio_attachment_state', 'dcpf', 'portfolio_attachment_check',
    'portfolio_attachment.content_encrypted (bytes, not text) is opened and checked by its own trigger');
-- ... the *_decrypted views give the values back, typed as before
SELECT col_type_is('dcpf', 'person_decrypted', 'big_number', 'text', 'dcpf.person_decrypted.big_number is text');
SELECT col_type_is('dcpf', 'person_phone_decrypted', 'number', 'text', 'dcpf.person_phone_decrypted.number is text');
SELECT col_type_is('dcpf', 'person_address_decrypted', 'house_number', 'integer', 'dcpf.person_address_decrypted.house_number is an integer');
SELECT col_type_is('dcpf', 'billing_profile_decrypted', 'iban', 'text', 'dcpf.billing_profile_decrypted.iban is text');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'v' AND c.relname LIKE '%\_decrypted'
       AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)$$,
    'every *_decrypted view is security_invoker');
-- ... and the entry functions validate what the column types used to
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000f0a1', 'Schema Test Ziekenhuis', 'hospital');
INSERT INTO dcpf.person (id, email, surname, initials) VALUES ('00000000-0000-4000-8000-00000000f001', 'schema.test@example.nl', 'Test', 'T.');
SELECT throws_ok($$SELECT dcpf.create_person('nieuw.test@example.nl', 'Test', initials => 'N.', big_number => '1234')$$,
    '22P02', 'invalid BIG number: "1234"', 'create_person refuses an invalid BIG number (dcpf.big_number)');
SELECT throws_ok($$SELECT dcpf.set_big_number('00000000-0000-4000-8000-00000000f001', '8901-2345-601')$$,
    '22P02', 'invalid BIG number: "8901-2345-601"', 'set_big_number refuses an invalid BIG number (dcpf.big_number)');
SELECT lives_ok($$SELECT dcpf.set_big_number('00000000-0000-4000-8000-00000000f001', '8901 2345 601')$$,
    'set_big_number takes a valid BIG number as typed');
SELECT is((SELECT big_number FROM dcpf.person_decrypted WHERE id = '00000000-0000-4000-8000-00000000f001'), '89012345601',
    'dcpf.person_decrypted gives the BIG number back in normal form');
SELECT is(dcpf.person_by_big_number('89012345601'), '00000000-0000-4000-8000-00000000f001'::uuid,
    'the blind index finds the person by BIG number');
SELECT throws_ok($$SELECT dcpf.add_phone('00000000-0000-4000-8000-00000000f001', 'mobile', '612345678')$$,
    '22P02', 'invalid phone number: "612345678"', 'add_phone refuses what cannot be an E.164 number');
SELECT lives_ok($$SELECT dcpf.add_phone('00000000-0000-4000-8000-00000000f001', 'mobile', '06-12345678')$$,
    'add_phone takes a number as typed');
SELECT is((SELECT number FROM dcpf.person_phone_decrypted WHERE person_id = '00000000-0000-4000-8000-00000000f001'), '+31612345678',
    'dcpf.person_phone_decrypted gives the number back in E.164');
SELECT throws_ok($$SELECT dcpf.set_address('00000000-0000-4000-8000-00000000f001', 'home', 'Twekkeler Es', NULL, '7547 SM', 'Enschede')$$,
    '23514', 'a Dutch address needs a house number', 'set_address refuses a Dutch address without a house number');
SELECT throws_ok($$SELECT dcpf.set_address('00000000-0000-4000-8000-00000000f001', 'home', 'Twekkeler Es', 0, '7547 SM', 'Enschede')$$,
    '23514', 'invalid house number 0', 'set_address refuses a house number out of range');
SELECT throws_ok($$SELECT dcpf.set_address('00000000-0000-4000-8000-00000000f001', 'home', 'Twekkeler Es', 24, '0547 SM', 'Enschede')$$,
    '22P02', 'invalid Dutch postcode: "0547 SM"', 'set_address refuses an invalid postcode');
SELECT lives_ok($$SELECT dcpf.set_address('00000000-0000-4000-8000-00000000f001', 'home', ' Twekkeler Es ', 24, '7547sm', 'Enschede')$$,
    'set_address takes an address as typed');
SELECT is((SELECT row(street, house_number, postcode, city)::text FROM dcpf.person_address_decrypted
            WHERE person_id = '00000000-0000-4000-8000-00000000f001'),
    '("Twekkeler Es",24,"7547 SM",Enschede)', 'dcpf.person_address_decrypted gives the address back trimmed and normalised');
SELECT throws_ok($$SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-00000000f0a1', 'Postbus 1', '7500 AA', 'Enschede',
                                                  'Crediteuren', 'facturen@example.nl', 'direct_debit', iban => 'NL91ABNA0417164301',
                                                  mandate_reference => 'M1', mandate_signed_on => '2024-01-01')$$,
    '22P02', 'invalid IBAN: "NL91ABNA0417164301"', 'set_billing_profile refuses an invalid IBAN (dcpf.iban)');
SELECT throws_ok($$SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-00000000f0a1', 'Postbus 1', '7500 AA', 'Enschede',
                                                  'Crediteuren', 'facturen@example.nl', 'invoice', contact_phone => '12345')$$,
    '22P02', 'invalid phone number: "12345"', 'set_billing_profile refuses an invalid contact phone');
SELECT lives_ok($$SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-00000000f0a1', 'Postbus 1', '7500 AA', 'Enschede',
                                                 'Crediteuren', 'facturen@example.nl', 'direct_debit', iban => 'nl91 abna 0417 1643 00',
                                                 mandate_reference => 'M1', mandate_signed_on => '2024-01-01',
                                                 contact_phone => '053 487 2000')$$,
    'set_billing_profile takes a valid IBAN and phone as typed');
SELECT is((SELECT row(iban, contact_phone)::text FROM dcpf.billing_profile_decrypted
            WHERE licensee_id = '00000000-0000-4000-8000-00000000f0a1'), '(NL91ABNA0417164300,+31534872000)',
    'dcpf.billing_profile_decrypted gives IBAN and phone back in normal form');
SELECT is_empty($$
    SELECT 1 FROM dcpf.billing_profile b
     WHERE position(convert_to('NL91ABNA0417164300', 'UTF8') IN b.iban_encrypted) > 0
        OR position(convert_to('+31534872000', 'UTF8') IN b.contact_phone_encrypted) > 0
    UNION ALL
    SELECT 1 FROM dcpf.person p WHERE position(convert_to('89012345601', 'UTF8') IN p.big_number_encrypted) > 0
    UNION ALL
    SELECT 1 FROM dcpf.person_phone ph WHERE position(convert_to('+31612345678', 'UTF8') IN ph.number_encrypted) > 0
    UNION ALL
    SELECT 1 FROM dcpf.person_address a WHERE position(convert_to('Twekkeler', 'UTF8') IN a.address_encrypted) > 0$$,
    'no stored ciphertext holds its value in the clear');

-- uniqueness
SELECT index_is_unique('dcpf', 'person', 'person_email_unique', 'e-mail is unique');
SELECT index_is_unique('dcpf', 'person', 'person_big_number_unique', 'BIG number is unique');
SELECT has_index('dcpf', 'person', 'person_big_number_unique', 'big_number_hmac', 'BIG numbers are unique through their blind index');
SELECT col_is_unique('dcpf', 'person_phone', ARRAY['person_id', 'number_hmac'], 'a number once per person (by blind index)');
SELECT col_is_unique('dcpf', 'data_key', 'subject_id', 'one data key per person or licensee');
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
SELECT fk_ok('dcpf', 'portfolio_attachment', 'item_id', 'dcpf', 'portfolio_item', 'id');
SELECT fk_ok('dcpf', 'item_comment', 'item_id', 'dcpf', 'portfolio_item', 'id');
SELECT fk_ok('dcpf', 'item_comment', 'author_id', 'dcpf', 'person', 'id');
SELECT hasnt_fk('dcpf', 'data_key', 'a data key record has no foreign key: it outlives the person it protected');

-- named CHECK constraints for every rule the brief names
SELECT has_check('dcpf', 'billing_profile', 'billing_profile checks its payment rules');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'billing_direct_debit_needs_mandate'), 'IBAN requires a direct-debit mandate');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'billing_iban_only_for_direct_debit'), 'IBAN only with direct debit');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'person_name_use_known'), 'name use is E/P/V/N');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'person_photo_size'), 'photo size is limited');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'membership_period_ordered'), 'membership periods are ordered');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'data_key_shredded_iff_destroyed'), 'a data key is shredded exactly when its wrapped key is gone');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'data_key_shred_needs_reason'), 'shredding a data key records why');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'data_key_wrapped_format'), 'a wrapped data key has its fixed format');
-- new keys are written by keys.c with a direct heap insert that fills these
-- columns and no others: a column added here must be added there too
SELECT columns_are('dcpf', 'data_key',
                   ARRAY['id', 'subject_id', 'wrapped', 'generation', 'created_at', 'rewrapped_at', 'shredded_at', 'shred_reason'],
                   'dcpf.data_key has exactly the columns keys.c writes when it makes a key');
SELECT is((SELECT array_agg(t.tgname::text ORDER BY t.tgname) FROM pg_trigger t
            WHERE t.tgrelid = 'dcpf.data_key'::regclass AND NOT t.tgisinternal),
          ARRAY['data_key_audit_delete', 'data_key_audit_insert', 'data_key_audit_truncate', 'data_key_audit_update',
                'data_key_invalidate_caches'],
          'dcpf.data_key has the audit triggers and the one that empties every backend''s cache of key rows (new keys made by dcpf fire none: keys.c writes their audit event)');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'key_rotation_run_status_known'), 'key rotation runs have a known status');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'person_credential_totp_secret_size'), 'a sealed TOTP secret has the size of a dcpf ciphertext');
SELECT has_trigger('dcpf', 'membership', 'membership_check', 'memberships check BIG requirement and overlap');
SELECT has_trigger('dcpf', 'role_agreement', 'role_agreement_immutable', 'published EURA versions are immutable');

-- builtin roles
SELECT set_eq('SELECT code FROM dcpf.role WHERE builtin',
    ARRAY['professional', 'medical_professional', 'medical_trainee', 'supervisor', 'trainer', 'assessor',
          'licensee_admin', 'privacy_officer', 'platform_support', 'platform_security'], 'the roles catalogue ships the platform''s roles');
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
       AND NOT c.relispartition     -- a partition's columns are its parent's, documented there
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
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'dcpf'::regnamespace
       AND p.proname IN ('encrypt', 'decrypt', 'decrypt_text', 'person_by_big_number', 'sealed_column',
                         'master_key_generations', 'rewrap_data_key', 'forget_data_keys', 'rotate_master_key_batch',
                         'rotate_master_key', 'retire_master_key', 'shred_person_key', 'lock_data_key_subject',
                         'invalidate_key_caches')
       AND has_function_privilege('public', p.oid, 'EXECUTE')$$,
    'no encryption or key function is executable by PUBLIC');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'dcpf'::regnamespace
       AND p.proname IN ('sealed_column', 'master_key_generations', 'rewrap_data_key', 'forget_data_keys',
                         'rotate_master_key_batch', 'rotate_master_key', 'retire_master_key', 'shred_person_key',
                         'lock_data_key_subject', 'invalidate_key_caches')
       AND has_function_privilege('dcpf_app', p.oid, 'EXECUTE')$$,
    'keys are managed by the extension owner alone, not by the application role');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r'
       AND NOT c.oid = ANY ((SELECT extconfig FROM pg_extension WHERE extname = 'dcpf')::oid[])
       -- the event catalogue, the personal-data registry and the retention
       -- categories and sources are the extension's own and never change;
       -- monthly audit partitions are not members and are dumped whole
       AND c.oid NOT IN ('dcpf.audit_action'::regclass, 'dcpf.personal_data_table'::regclass, 'dcpf.personal_data_column'::regclass,
                         'dcpf.data_category'::regclass, 'dcpf.retention_source'::regclass,
                         'dcpf.retention_source_clock'::regclass, 'dcpf.retention_exempt_table'::regclass)
       AND NOT (c.relispartition AND c.oid <> 'dcpf.audit_event_default'::regclass)$$,
    'every table is registered with pg_extension_config_dump (but the audit catalogue, the personal-data registry, the retention catalogue and sources, and monthly audit partitions)');

-- purposes and consent (sql/200_consent.sql)
SELECT col_is_pk('dcpf', 'purpose', 'code', 'purposes are keyed by code');
SELECT col_is_pk('dcpf', 'consent', ARRAY['person_id', 'purpose_code'], 'one consent state per person and purpose');
SELECT fk_ok('dcpf', 'consent', 'last_event_id', 'dcpf', 'consent_event', 'id');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'purpose_consent_iff_basis'),
          'a purpose needs consent exactly when its legal basis is consent');
SELECT ok(EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'consent_event_append_only' AND tgrelid = 'dcpf.consent_event'::regclass),
          'consent events are append-only (UPDATE and DELETE refused by a trigger)');
SELECT is((SELECT count(*)::int FROM dcpf.purpose WHERE builtin), 4, 'the platform''s four purposes are shipped');
SELECT is((SELECT p.prosecdef FROM pg_proc p WHERE p.oid = 'dcpf.has_consent(uuid, text)'::regprocedure), false,
          'has_consent is security invoker: it answers only about consents the caller may see');
SELECT is((SELECT provolatile::text FROM pg_proc p WHERE p.oid = 'dcpf.has_consent(uuid, text)'::regprocedure), 's', 'has_consent is STABLE');

-- data-subject requests (sql/210_request.sql)
SELECT col_is_pk('dcpf', 'subject_request', 'id', 'subject requests have a uuid primary key');
SELECT fk_ok('dcpf', 'subject_request', 'person_id', 'dcpf', 'person', 'id');
SELECT is((SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
            WHERE a.attrelid = 'dcpf.subject_request'::regclass AND a.attgenerated = 's'),
          ARRAY['due_on', 'extended_until'], 'the term and its extension are generated columns: nobody moves them');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'subject_request_extension_at_most_two'),
          'a term is extended by at most two months');
SELECT ok(EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'subject_request_check' AND tgrelid = 'dcpf.subject_request'::regclass),
          'a closed subject request is final and what was received is fixed (a trigger)');

-- the recipients register, subprocessors and breaches (sql/220_recipients.sql, 225_subprocessor.sql, 230_breach.sql)
SELECT col_not_null('dcpf', 'disclosure', 'legal_basis', 'every disclosure says on what basis');
SELECT is((SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
            WHERE a.attrelid = 'dcpf.breach'::regclass AND a.attgenerated = 's'),
          ARRAY['authority_due_at', 'controller_due_at'], 'the 48- and 72-hour deadlines are generated columns: nobody moves them');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'breach_authority_late_has_reason'),
          'a late notice to the authority has its reason (a check, for everyone)');
SELECT col_is_pk('dcpf', 'breach_subject', ARRAY['breach_id', 'person_id'], 'a person is affected by a breach once');
SELECT ok(EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'breach_update_append_only' AND tgrelid = 'dcpf.breach_update'::regclass),
          'breach updates are append-only (a trigger)');
SELECT ok(EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'subprocessor_transfer_has_safeguard'),
          'a subprocessor outside the EEA has its transfer safeguard');
SELECT is((SELECT p.prosecdef FROM pg_proc p WHERE p.oid = 'dcpf.recipients_of(uuid)'::regprocedure), false,
          'recipients_of is for dcpf''s own functions: not security definer, not granted');
SELECT ok(NOT has_function_privilege('dcpf_app', 'dcpf.recipients_of(uuid)', 'EXECUTE'), 'the application cannot call recipients_of');
-- restriction of processing and deactivation (sql/216_restriction.sql)
SELECT col_is_pk('dcpf', 'processing_restriction', 'id', 'restrictions have a uuid primary key');
SELECT fk_ok('dcpf', 'processing_restriction', 'request_id', 'dcpf', 'subject_request', 'id');
SELECT ok(EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = 'dcpf.processing_restriction_in_force'::regclass
                     AND i.indisunique AND i.indpred IS NOT NULL),
          'one restriction and one deactivation in force per person (a partial unique index)');
SELECT ok(EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = 'dcpf.processing_restriction'::regclass
                     AND t.tgfoid = 'dcpf.restriction_changed()'::regprocedure AND (t.tgtype & (4 | 8 | 16 | 32)) = (4 | 8 | 16 | 32)),
          'every write to the restrictions empties the backends'' caches of frozen persons (a statement trigger)');
-- rectification (sql/217_rectification.sql) and policy notices (sql/138_policy_notice.sql)
SELECT fk_ok('dcpf', 'item_addendum', 'item_id', 'dcpf', 'portfolio_item', 'id');
SELECT fk_ok('dcpf', 'rectification', 'request_id', 'dcpf', 'subject_request', 'id');
SELECT has_trigger('dcpf', 'item_addendum', 'item_addendum_sealed', 'item_addendum.body_encrypted is sealed');
SELECT has_trigger('dcpf', 'policy_document', 'policy_document_announce', 'a new policy version is announced (a trigger)');
-- licence end (sql/247_licence_end.sql)
SELECT col_type_is('dcpf', 'licence', 'ends_at', 'timestamp with time zone', 'a licence has an exact end (dcpf.end_licence)');
SELECT col_is_pk('dcpf', 'handover', 'id', 'hand-overs have a uuid primary key');
SELECT col_is_pk('dcpf', 'handover_reference', ARRAY['table_name', 'row_id', 'column_name', 'referred_id'],
    'a handed-over reference is kept once per row and column');
SELECT is_empty($$SELECT c.conrelid::regclass FROM pg_constraint c
                   WHERE c.contype = 'f' AND c.confrelid IN ('dcpf.licensee'::regclass, 'dcpf.programme'::regclass, 'dcpf.epa'::regclass,
                                                             'dcpf.competency'::regclass, 'dcpf.membership'::regclass)
                     AND c.conrelid IN ('dcpf.handover'::regclass, 'dcpf.handover_reference'::regclass)$$,
    'a hand-over names the licensee and its curriculum by id, not by a key: it outlives the purge of the licensee''s data');
SELECT col_is_null('dcpf', 'entrustment_decision', 'epa_id', 'an entrustment decision handed over keeps no EPA of the licensee');
SELECT ok(NOT has_function_privilege('dcpf_app', 'dcpf.end_licence(uuid, timestamptz, text, interval)', 'EXECUTE')
          AND NOT has_function_privilege('dcpf_maintenance', 'dcpf.end_licence(uuid, timestamptz, text, interval)', 'EXECUTE')
          AND has_function_privilege('dcpf_maintenance', 'dcpf.complete_licence_ends(integer)', 'EXECUTE'),
    'only the owner ends a licence; maintenance completes the ends');

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
