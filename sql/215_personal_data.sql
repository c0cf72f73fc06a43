-- 215_personal_data.sql: the personal-data registry. One place says, for
-- every dcpf table, whether and how its rows hold data of a person, and for
-- every column that points at a person or holds their data, what an export
-- shows of it and what an erasure does with it. dcpf.export_person (240) and
-- dcpf.erase_person (245) are driven by it, and the test
-- personal_data_registry_covers_the_catalog scans the catalog so that a new
-- table or column cannot be left out. See doc/reference/personal-data.md.

CREATE TABLE dcpf.personal_data_table (
    table_name      text PRIMARY KEY CONSTRAINT personal_data_table_name_format CHECK (table_name ~ '^[a-z][a-z0-9_]*$'),
    subject_column  text CONSTRAINT personal_data_table_subject_format CHECK (subject_column ~ '^[a-z][a-z0-9_]*$'),
    row_key         text NOT NULL CONSTRAINT personal_data_table_row_key_format CHECK (row_key ~ '^[a-z][a-z0-9_]*$'),
    on_erasure      text NOT NULL CONSTRAINT personal_data_table_on_erasure_known
                    CHECK (on_erasure IN ('delete', 'pseudonymise', 'none')),
    exported        boolean NOT NULL,
    not_personal    text[] NOT NULL DEFAULT '{}',
    basis           text NOT NULL CONSTRAINT personal_data_table_basis_length CHECK (length(btrim(basis)) BETWEEN 5 AND 500),
    CONSTRAINT personal_data_table_subject_iff_personal CHECK ((subject_column IS NULL) = (on_erasure = 'none')),
    CONSTRAINT personal_data_table_export_needs_subject CHECK (NOT exported OR subject_column IS NOT NULL)
);
COMMENT ON TABLE dcpf.personal_data_table IS
    'the personal-data registry, per table: whose rows it holds (the subject column), what erasure does with them, whether the export shows them, and why; every dcpf table has a row (checked against the catalog by the test suite)';
COMMENT ON COLUMN dcpf.personal_data_table.table_name IS 'the table, in schema dcpf';
COMMENT ON COLUMN dcpf.personal_data_table.subject_column IS 'the column naming the person a row is about (the export''s and erasure''s key); NULL: the table holds no person''s rows';
COMMENT ON COLUMN dcpf.personal_data_table.row_key IS 'the column that identifies a row in the export (and, where the table has ciphertexts, the row id they are bound to)';
COMMENT ON COLUMN dcpf.personal_data_table.on_erasure IS
    'what erasing the subject does with their rows: delete, pseudonymise (the row stays, its personal columns are cleared or shredded, the subject''s id remains as a pseudonym) or none (no person''s rows)';
COMMENT ON COLUMN dcpf.personal_data_table.exported IS 'dcpf.export_person shows the subject''s rows of the table; false only with a reason in basis';
COMMENT ON COLUMN dcpf.personal_data_table.not_personal IS
    'text and JSON columns of the table that hold no personal data (codes, states, labels): declared so that the catalog test can tell a forgotten column from a harmless one';
COMMENT ON COLUMN dcpf.personal_data_table.basis IS 'why: the purpose and legal ground of keeping, pseudonymising or not exporting';

CREATE TABLE dcpf.personal_data_column (
    table_name   text NOT NULL REFERENCES dcpf.personal_data_table (table_name),
    column_name  text NOT NULL CONSTRAINT personal_data_column_name_format CHECK (column_name ~ '^[a-z][a-z0-9_]*$'),
    whose        text NOT NULL CONSTRAINT personal_data_column_whose_known CHECK (whose IN ('subject', 'party')),
    category     text NOT NULL CONSTRAINT personal_data_column_category_known
                 CHECK (category IN ('reference', 'name', 'contact', 'professional', 'profile', 'content', 'technical', 'credential')),
    on_erasure   text NOT NULL CONSTRAINT personal_data_column_on_erasure_known
                 CHECK (on_erasure IN ('with_row', 'clear', 'shred', 'keep', 'delete_row')),
    exported     boolean NOT NULL DEFAULT true,
    decrypt_as   text CONSTRAINT personal_data_column_decrypt_known CHECK (decrypt_as IN ('text', 'bytea')),
    basis        text CONSTRAINT personal_data_column_basis_length CHECK (length(btrim(basis)) BETWEEN 5 AND 500),
    PRIMARY KEY (table_name, column_name),
    CONSTRAINT personal_data_column_decrypt_encrypted CHECK ((decrypt_as IS NOT NULL) = (column_name LIKE '%\_encrypted' AND exported)),
    CONSTRAINT personal_data_column_keep_has_basis CHECK (on_erasure NOT IN ('keep') OR basis IS NOT NULL),
    CONSTRAINT personal_data_column_hidden_has_basis CHECK (exported OR basis IS NOT NULL),
    CONSTRAINT personal_data_column_party_reference CHECK (
        CASE whose WHEN 'party' THEN category = 'reference' AND on_erasure IN ('clear', 'keep', 'delete_row')
                   ELSE on_erasure <> 'delete_row' END)
);
COMMENT ON TABLE dcpf.personal_data_column IS
    'the personal-data registry, per column: every column that names a person or holds a person''s data, whose data it is, and what the export and erasure do with it';
COMMENT ON COLUMN dcpf.personal_data_column.table_name IS 'the table (dcpf.personal_data_table)';
COMMENT ON COLUMN dcpf.personal_data_column.column_name IS 'the column';
COMMENT ON COLUMN dcpf.personal_data_column.whose IS
    'subject: data of the person the row is about (the subject column itself, or e.g. their name); party: a reference to another person taking part (an assessor, a recipient, an author)';
COMMENT ON COLUMN dcpf.personal_data_column.category IS
    'reference (a person''s id), name, contact (e-mail, phone, address), professional (BIG number, job), profile, content (free text, files), technical (addresses, user agents, hashes) or credential';
COMMENT ON COLUMN dcpf.personal_data_column.on_erasure IS
    'with a subject column: with_row (follows the table''s on_erasure), clear (set NULL), shred (ciphertext under the subject''s key, unreadable once it is shredded) or keep (a legal duty, in basis); with a party reference, when that party is erased: clear, keep (the id stays as a pseudonym on the other person''s record) or delete_row';
COMMENT ON COLUMN dcpf.personal_data_column.exported IS 'the export shows the value (decrypted); false only with a reason in basis (secrets, anonymity)';
COMMENT ON COLUMN dcpf.personal_data_column.decrypt_as IS 'for an exported *_encrypted column: decrypted as text or bytea (base64 in JSON), under the table''s name, the column''s name without _encrypted, the row key and the subject';
COMMENT ON COLUMN dcpf.personal_data_column.basis IS 'why: required for keep and for a column not exported';

-- ---------------------------------------------------------------------------
-- The registry's content
-- ---------------------------------------------------------------------------
INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    -- catalogues, keys and the platform's own records: no person's rows
    ('role', NULL, 'code', 'none', false, '{}', 'catalogue of application roles'),
    ('product', NULL, 'id', 'none', false, '{}', 'catalogue of products'),
    ('master_key_generation', NULL, 'generation', 'none', false, '{}', 'key management'),
    ('blind_index_key', NULL, 'singleton', 'none', false, '{}', 'key management'),
    ('key_rotation_run', NULL, 'id', 'none', false, '{}', 'key management'),
    ('licensee', NULL, 'id', 'none', false, '{}', 'organisations, not persons'),
    ('billing_profile', NULL, 'licensee_id', 'none', false, '{}',
     'the licensee''s billing data; its contact is not a platform person, kept for the tax retention duty and changed by the licensee''s administrator'),
    ('licence', NULL, 'id', 'none', false, '{}', 'licences of organisations'),
    ('role_agreement', NULL, 'id', 'none', false, '{}', 'texts of the end-user role agreements'),
    ('policy_document', NULL, 'id', 'none', false, '{}', 'texts of the policy documents'),
    ('identity_issuer', NULL, 'issuer', 'none', false, '{}', 'identity providers'),
    ('issuer_key', NULL, 'kid', 'none', false, '{}', 'identity providers'' public keys'),
    ('audit_action', NULL, 'code', 'none', false, '{}', 'the event catalogue'),
    ('audit_seal', NULL, 'seal_no', 'none', false, '{}', 'signed checkpoints over the audit trail; hashes only'),
    ('entrustment_scale', NULL, 'level', 'none', false, '{}', 'catalogue'),
    ('competency', NULL, 'id', 'none', false, '{}', 'curriculum of a licensee'),
    ('programme', NULL, 'id', 'none', false, '{}', 'curriculum of a licensee'),
    ('programme_role', NULL, 'code', 'none', false, '{}', 'catalogue'),
    ('epa', NULL, 'id', 'none', false, '{}', 'curriculum of a licensee'),
    ('epa_competency', NULL, 'epa_id', 'none', false, '{}', 'curriculum of a licensee'),
    ('attachment_media_type', NULL, 'media_type', 'none', false, '{}', 'catalogue'),
    ('purpose', NULL, 'code', 'none', false, '{}', 'the purpose register'),
    -- the person and their account
    ('person', 'id', 'id', 'pseudonymise', true, '{name_use,status}',
     'the row stays as the pseudonym other records keep pointing at (consent proof, requests, signatures on others'' records, the audit trail); every personal column is cleared'),
    ('person_phone', 'person_id', 'id', 'delete', true, '{kind}', 'contact details'),
    ('person_address', 'person_id', 'id', 'delete', true, '{kind,country}', 'contact details'),
    ('person_preference', 'person_id', 'person_id', 'delete', true, '{language,start_page,favourites,notification_digest}', 'preferences'),
    ('person_credential', 'person_id', 'person_id', 'delete', true, '{}', 'the person''s credentials'),
    ('membership', 'person_id', 'id', 'delete', true, '{role_code}', 'roles in licensees'),
    ('programme_member', 'person_id', 'id', 'delete', true, '{role}', 'places in programmes'),
    ('identity_link', 'person_id', 'subject', 'delete', true, '{issuer}', 'links to identity providers'),
    ('identity_assumption', 'person_id', 'id', 'delete', true, '{database_role,role_code,application_name}',
     'records of act_as; each is also an act_as event in the audit trail, which is kept'),
    ('authentication_event', 'person_id', 'id', 'delete', true, '{issuer,role_code,application_name}',
     'token logins; each is also a login event in the audit trail, which is kept'),
    ('login_attempt', 'person_id', 'id', 'delete', true, '{outcome}',
     'password logins; each is also a login event in the audit trail, which is kept'),
    ('role_agreement_acceptance', 'person_id', 'id', 'pseudonymise', true, '{method}',
     'proof that the role agreement (EURA) was accepted before the role was used (accountability, art. 5(2) AVG)'),
    ('policy_acknowledgement', 'person_id', 'id', 'pseudonymise', true, '{method}',
     'proof that a policy version was acknowledged (accountability, art. 5(2) AVG)'),
    ('data_key', 'subject_id', 'id', 'pseudonymise', false, '{shred_reason}',
     'the person''s data key: shredded by the erasure, the record kept as proof; never exported (key material)'),
    ('audit_event', 'subject_person', 'id', 'pseudonymise', false,
     '{action,outcome,actor_method,application_role,purpose,database_role,effective_role,application_name,object_table,object_key,object_keys,reference}',
     'the audit trail is kept (NEN 7513: at least 5 years) under the pseudonym; values in it are encrypted under the subject''s key; shown in the export as the access log'),
    -- the portfolio
    ('portfolio_item', 'owner_id', 'id', 'delete', true, '{item_type,status}', 'portfolio content'),
    ('portfolio_item_competency', 'owner_id', 'item_id', 'delete', true, '{}', 'portfolio content'),
    ('portfolio_item_epa', 'owner_id', 'item_id', 'delete', true, '{}', 'portfolio content'),
    ('assessment', 'owner_id', 'item_id', 'delete', true, '{instrument}', 'portfolio content'),
    ('conversation', 'owner_id', 'item_id', 'delete', true, '{kind}', 'portfolio content'),
    ('competency_declaration', 'owner_id', 'item_id', 'delete', true, '{}', 'portfolio content'),
    ('entrustment_decision', 'owner_id', 'id', 'delete', true, '{evidence}', 'portfolio content'),
    ('portfolio_collection', 'owner_id', 'id', 'delete', true, '{}', 'portfolio content'),
    ('portfolio_collection_item', 'owner_id', 'item_id', 'delete', true, '{}', 'portfolio content'),
    ('portfolio_attachment', 'owner_id', 'id', 'delete', true, '{media_type}', 'portfolio content'),
    ('item_comment', 'owner_id', 'id', 'delete', true, '{}', 'portfolio content'),
    ('feedback_request', 'owner_id', 'id', 'delete', true, '{}', 'portfolio content'),
    ('msf_round', 'owner_id', 'id', 'delete', true, '{}', 'portfolio content'),
    ('msf_respondent', 'owner_id', 'id', 'delete', true, '{respondent_role}', 'portfolio content: whom the professional invited'),
    ('msf_response', 'owner_id', 'id', 'delete', false, '{respondent_role}',
     'anonymous responses reach the professional only as the results of a closed round with enough respondents (dcpf.msf_results), never one by one'),
    ('share', 'owner_id', 'id', 'delete', true, '{scope,category,grantee_role,permission}', 'the person''s shares'),
    ('disclosure', 'subject_id', 'id', 'delete', true, '{kind,recipient_role,legal_basis}',
     'the recipients register; the art. 19 notices of the erasure are queued from it first'),
    ('notice', 'subject_id', 'id', 'delete', true, '{kind}', 'notices about the person''s matters'),
    -- privacy operations
    ('consent', 'person_id', 'person_id', 'delete', true, '{purpose_code,state}', 'the consent in force; the events stay as proof'),
    ('consent_event', 'person_id', 'id', 'pseudonymise', true, '{purpose_code,action,channel}',
     'proof of consent and of its withdrawal (art. 7(1) AVG), kept under the pseudonym'),
    ('web_visit', 'person_id', 'id', 'pseudonymise', true, '{device_type,browser_family,page}',
     'visit statistics: the visit stays, unlinked from the person'),
    ('subject_request', 'person_id', 'id', 'pseudonymise', true, '{kind,channel,verification_method,status}',
     'the handling of data-subject requests must be demonstrable (art. 5(2), 12 AVG): kept under the pseudonym without the person''s own words');

INSERT INTO dcpf.personal_data_column (table_name, column_name, whose, category, on_erasure, exported, decrypt_as, basis) VALUES
    ('billing_profile', 'address_line1', 'subject', 'contact', 'keep', false, NULL, 'the licensee''s billing address, not a person''s'),
    ('billing_profile', 'address_line2', 'subject', 'contact', 'keep', false, NULL, 'the licensee''s billing address, not a person''s'),
    ('billing_profile', 'postcode', 'subject', 'contact', 'keep', false, NULL, 'the licensee''s billing address, not a person''s'),
    ('billing_profile', 'city', 'subject', 'contact', 'keep', false, NULL, 'the licensee''s billing address, not a person''s'),
    ('billing_profile', 'contact_name', 'subject', 'name', 'keep', false, NULL, 'the licensee''s billing contact; changed by its administrator'),
    ('billing_profile', 'contact_email', 'subject', 'contact', 'keep', false, NULL, 'the licensee''s billing contact; changed by its administrator'),
    ('billing_profile', 'contact_phone_encrypted', 'subject', 'contact', 'keep', false, NULL, 'the licensee''s billing contact; encrypted under the licensee''s key'),
    ('billing_profile', 'iban_encrypted', 'subject', 'technical', 'keep', false, NULL, 'the licensee''s account (direct-debit mandate); encrypted under the licensee''s key'),
    ('billing_profile', 'invoice_reference', 'subject', 'technical', 'keep', false, NULL, 'the licensee''s invoice reference'),
    ('billing_profile', 'card_bank', 'subject', 'technical', 'keep', false, NULL, 'the licensee''s card bank (never a card number)'),
    ('master_key_generation', 'check_value', 'subject', 'credential', 'keep', false, NULL, 'key check value, no person''s data'),
    ('blind_index_key', 'check_value', 'subject', 'credential', 'keep', false, NULL, 'key check value, no person''s data'),
    ('role_agreement', 'body_sha256', 'subject', 'technical', 'keep', false, NULL, 'hash of a published text'),
    ('policy_document', 'body_sha256', 'subject', 'technical', 'keep', false, NULL, 'hash of a published text'),
    ('audit_seal', 'signature', 'subject', 'technical', 'keep', false, NULL, 'signature over hashes'),
    ('audit_seal', 'row_digests', 'subject', 'technical', 'keep', false, NULL, 'hashes of audit rows'),
    ('attachment_media_type', 'magic', 'subject', 'technical', 'keep', false, NULL, 'file signatures of a media type'),
    ('epa', 'created_by', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('programme', 'created_by', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),

    ('person', 'id', 'subject', 'reference', 'keep', true, NULL, 'the pseudonym other records keep'),
    ('person', 'given_names', 'subject', 'name', 'clear', true, NULL, NULL),
    ('person', 'initials', 'subject', 'name', 'clear', true, NULL, NULL),
    ('person', 'tussenvoegsel', 'subject', 'name', 'clear', true, NULL, NULL),
    ('person', 'surname', 'subject', 'name', 'clear', true, NULL, NULL),
    ('person', 'partner_tussenvoegsel', 'subject', 'name', 'clear', true, NULL, NULL),
    ('person', 'partner_surname', 'subject', 'name', 'clear', true, NULL, NULL),
    ('person', 'sort_key', 'subject', 'name', 'clear', true, NULL, NULL),
    ('person', 'email', 'subject', 'contact', 'clear', true, NULL, NULL),
    ('person', 'big_number_encrypted', 'subject', 'professional', 'clear', true, 'text', NULL),
    ('person', 'big_number_hmac', 'subject', 'professional', 'clear', false, NULL, 'a blind index, meaningless outside the database'),
    ('person', 'job_title', 'subject', 'professional', 'clear', true, NULL, NULL),
    ('person', 'academic_titles', 'subject', 'profile', 'clear', true, NULL, NULL),
    ('person', 'photo', 'subject', 'profile', 'clear', true, NULL, NULL),
    ('person', 'photo_type', 'subject', 'profile', 'clear', true, NULL, NULL),
    ('person', 'created_by', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('person_phone', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('person_phone', 'number_encrypted', 'subject', 'contact', 'with_row', true, 'text', NULL),
    ('person_phone', 'number_hmac', 'subject', 'contact', 'with_row', false, NULL, 'a blind index, meaningless outside the database'),
    ('person_address', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('person_address', 'address_encrypted', 'subject', 'contact', 'with_row', true, 'text', NULL),
    ('person_preference', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('person_credential', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('person_credential', 'password_phc', 'subject', 'credential', 'with_row', false, NULL, 'a password hash is a secret: exporting it would invite offline guessing'),
    ('person_credential', 'totp_secret_encrypted', 'subject', 'credential', 'with_row', false, NULL, 'the second factor''s secret'),
    ('person_credential', 'recovery_code_hashes', 'subject', 'credential', 'with_row', false, NULL, 'hashes of secrets'),
    ('membership', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('membership', 'created_by', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('programme_member', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('programme_member', 'created_by', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('identity_link', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('identity_link', 'subject', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('identity_assumption', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('identity_assumption', 'reason', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('identity_assumption', 'client_address', 'subject', 'technical', 'with_row', true, NULL, NULL),
    ('authentication_event', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('authentication_event', 'subject', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('authentication_event', 'token_sha256', 'subject', 'technical', 'with_row', false, NULL, 'a hash of a spent token, meaningless to the person'),
    ('authentication_event', 'client_address', 'subject', 'technical', 'with_row', true, NULL, NULL),
    ('login_attempt', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('login_attempt', 'email_sha256', 'subject', 'contact', 'with_row', false, NULL, 'a hash of the e-mail address typed'),
    ('login_attempt', 'client_address', 'subject', 'technical', 'with_row', true, NULL, NULL),
    ('login_attempt', 'user_agent', 'subject', 'technical', 'with_row', true, NULL, NULL),
    ('role_agreement_acceptance', 'person_id', 'subject', 'reference', 'keep', true, NULL, 'the pseudonym'),
    ('role_agreement_acceptance', 'client_address', 'subject', 'technical', 'keep', true, NULL, 'security record of the acceptance (NEN 7510), kept with it'),
    ('role_agreement_acceptance', 'user_agent', 'subject', 'technical', 'keep', true, NULL, 'security record of the acceptance (NEN 7510), kept with it'),
    ('policy_acknowledgement', 'person_id', 'subject', 'reference', 'keep', true, NULL, 'the pseudonym'),
    ('policy_acknowledgement', 'client_address', 'subject', 'technical', 'keep', true, NULL, 'security record of the acknowledgement, kept with it'),
    ('data_key', 'subject_id', 'subject', 'reference', 'keep', false, NULL, 'the pseudonym; key records are not exported'),
    ('data_key', 'wrapped', 'subject', 'credential', 'shred', false, NULL, 'key material; destroyed by the shredding'),
    ('audit_event', 'subject_person', 'subject', 'reference', 'keep', false, NULL, 'the pseudonym; the export shows the access log instead'),
    ('audit_event', 'actor_person', 'party', 'reference', 'keep', false, NULL, 'who acted stays provable under the pseudonym (NEN 7513)'),
    ('audit_event', 'on_behalf_of', 'party', 'reference', 'keep', false, NULL, 'who acted stays provable under the pseudonym (NEN 7513)'),
    ('audit_event', 'client_address', 'subject', 'technical', 'keep', false, NULL, 'the access log keeps where an access came from (NEN 7513)'),
    ('audit_event', 'detail', 'subject', 'technical', 'keep', false, NULL, 'before and after values in it are encrypted under the subject''s key, unreadable once it is shredded'),

    ('portfolio_item', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('portfolio_item', 'title', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('portfolio_item', 'body_encrypted', 'subject', 'content', 'with_row', true, 'text', NULL),
    ('portfolio_item', 'signed_by', 'party', 'reference', 'keep', true, NULL, 'the signature on the professional''s record stays, under the pseudonym'),
    ('portfolio_item_competency', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('portfolio_item_epa', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('assessment', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('assessment', 'assessor_id', 'party', 'reference', 'keep', true, NULL, 'the assessment stays the professional''s evidence, signed under the pseudonym'),
    ('assessment', 'strengths_encrypted', 'subject', 'content', 'with_row', true, 'text', NULL),
    ('assessment', 'improvements_encrypted', 'subject', 'content', 'with_row', true, 'text', NULL),
    ('conversation', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('conversation', 'counterpart_id', 'party', 'reference', 'keep', true, NULL, 'the conversation stays the professional''s record, signed under the pseudonym'),
    ('conversation', 'agreements_encrypted', 'subject', 'content', 'with_row', true, 'text', NULL),
    ('competency_declaration', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('competency_declaration', 'scope', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('competency_declaration', 'issuer_id', 'party', 'reference', 'keep', true, NULL, 'the declaration stays the professional''s, issued under the pseudonym'),
    ('competency_declaration', 'revoked_by', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('competency_declaration', 'revoke_reason', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('entrustment_decision', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('entrustment_decision', 'decided_by', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('entrustment_decision', 'revoked_by', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('entrustment_decision', 'revoke_reason', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('portfolio_collection', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('portfolio_collection', 'name', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('portfolio_collection_item', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('portfolio_attachment', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('portfolio_attachment', 'file_name', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('portfolio_attachment', 'sha256', 'subject', 'technical', 'with_row', true, NULL, NULL),
    ('portfolio_attachment', 'content_encrypted', 'subject', 'content', 'with_row', true, 'bytea', NULL),
    ('item_comment', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('item_comment', 'author_id', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('item_comment', 'body_encrypted', 'subject', 'content', 'with_row', true, 'text', NULL),
    ('feedback_request', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('feedback_request', 'giver_person_id', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('feedback_request', 'giver_email', 'subject', 'contact', 'with_row', true, NULL, NULL),
    ('feedback_request', 'giver_name', 'subject', 'name', 'with_row', true, NULL, NULL),
    ('feedback_request', 'message_encrypted', 'subject', 'content', 'with_row', true, 'text', NULL),
    ('feedback_request', 'response_encrypted', 'subject', 'content', 'with_row', true, 'text', NULL),
    ('feedback_request', 'signed_name', 'subject', 'name', 'with_row', true, NULL, NULL),
    ('feedback_request', 'token_hash', 'subject', 'credential', 'with_row', false, NULL, 'the hash of a one-time link'),
    ('msf_round', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('msf_round', 'questions', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('msf_respondent', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('msf_respondent', 'person_id', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('msf_respondent', 'email', 'subject', 'contact', 'with_row', true, NULL, NULL),
    ('msf_respondent', 'name', 'subject', 'name', 'with_row', true, NULL, NULL),
    ('msf_respondent', 'token_hash', 'subject', 'credential', 'with_row', false, NULL, 'the hash of a one-time link'),
    ('msf_respondent', 'responded', 'subject', 'content', 'with_row', false, NULL, 'who responded is hidden from the professional (anonymity of multisource feedback)'),
    ('msf_response', 'owner_id', 'subject', 'reference', 'with_row', false, NULL, 'see the table'),
    ('msf_response', 'comment_encrypted', 'subject', 'content', 'with_row', false, NULL, 'see the table'),
    ('share', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('share', 'grantee_person_id', 'party', 'reference', 'delete_row', true, NULL, NULL),
    ('disclosure', 'subject_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('disclosure', 'recipient_person_id', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('disclosure', 'recipient_description', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('disclosure', 'what', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('notice', 'subject_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('notice', 'recipient_person_id', 'party', 'reference', 'delete_row', true, NULL, NULL),
    ('notice', 'recipient_email', 'subject', 'contact', 'with_row', true, NULL, NULL),
    ('notice', 'payload', 'subject', 'content', 'with_row', true, NULL, NULL),
    ('notice', 'last_error', 'subject', 'technical', 'with_row', true, NULL, NULL),

    ('consent', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('consent_event', 'person_id', 'subject', 'reference', 'keep', true, NULL, 'the pseudonym'),
    ('consent_event', 'receipt', 'subject', 'technical', 'keep', true, NULL, 'the receipt of the consent (ids, times, versions; no name)'),
    ('web_visit', 'person_id', 'subject', 'reference', 'clear', true, NULL, NULL),
    ('web_visit', 'network', 'subject', 'technical', 'keep', true, NULL, 'a /16 or /32-truncated network: coarse location only, unlinked once the person is cleared'),
    ('subject_request', 'person_id', 'subject', 'reference', 'keep', true, NULL, 'the pseudonym'),
    ('subject_request', 'details', 'subject', 'content', 'clear', true, NULL, NULL),
    ('subject_request', 'extension_reason', 'subject', 'content', 'keep', true, NULL, 'part of the demonstrable handling of the request'),
    ('subject_request', 'decision', 'subject', 'content', 'keep', true, NULL, 'part of the demonstrable handling of the request'),
    ('subject_request', 'legal_basis', 'subject', 'content', 'keep', true, NULL, 'part of the demonstrable handling of the request'),
    ('subject_request', 'verified_by', 'party', 'reference', 'keep', true, NULL, 'the officer''s part in handling the request stays demonstrable'),
    ('subject_request', 'handler_id', 'party', 'reference', 'keep', true, NULL, 'the officer''s part in handling the request stays demonstrable');

-- Catalogue-like: the rows are recreated by CREATE EXTENSION and nobody
-- changes them; put under audit (in 990) once the last file has registered
-- its tables, so that installing writes no events.
REVOKE ALL ON dcpf.personal_data_table, dcpf.personal_data_column FROM PUBLIC;
ALTER TABLE dcpf.personal_data_table ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.personal_data_table FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.personal_data_column ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.personal_data_column FORCE ROW LEVEL SECURITY;
CREATE POLICY personal_data_table_read ON dcpf.personal_data_table FOR SELECT TO dcpf_app
    USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY personal_data_column_read ON dcpf.personal_data_column FOR SELECT TO dcpf_app
    USING (dcpf.current_person() IS NOT NULL);
GRANT SELECT ON dcpf.personal_data_table, dcpf.personal_data_column TO dcpf_app;
INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, basis) VALUES
    ('personal_data_table', NULL, 'table_name', 'none', false, 'the registry itself'),
    ('personal_data_column', NULL, 'column_name', 'none', false, 'the registry itself');

-- The columns of a table the export shows, as a select list over alias t
-- (used by the export; encrypted columns decrypted under their labels and
-- named without _encrypted, hidden ones left out, bytea as base64).
CREATE FUNCTION dcpf.personal_data_select(tab text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(
               CASE
                 WHEN c.decrypt_as = 'text' THEN
                     format('dcpf.decrypt_text(t.%I, %L, %L, t.%I, t.%I, true) AS %I', a.attname, tab,
                            left(a.attname, -length('_encrypted')), d.row_key, d.subject_column, left(a.attname, -length('_encrypted')))
                 WHEN c.decrypt_as = 'bytea' THEN
                     format('encode(dcpf.decrypt(t.%I, %L, %L, t.%I, t.%I, true), ''base64'') AS %I', a.attname, tab,
                            left(a.attname, -length('_encrypted')), d.row_key, d.subject_column, left(a.attname, -length('_encrypted')))
                 WHEN a.atttypid = 'bytea'::regtype THEN format('encode(t.%I, ''base64'') AS %I', a.attname, a.attname)
                 ELSE format('t.%I', a.attname)
               END, ', ' ORDER BY a.attnum)
      FROM dcpf.personal_data_table d
      JOIN pg_catalog.pg_attribute a ON a.attrelid = ('dcpf.' || quote_ident(d.table_name))::regclass
                                     AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN dcpf.personal_data_column c ON c.table_name = d.table_name AND c.column_name = a.attname
     WHERE d.table_name = tab
       AND coalesce(c.exported, true)
       AND a.attgenerated = '';
$$;
COMMENT ON FUNCTION dcpf.personal_data_select(text) IS
    'the select list (over alias t) that the export uses for a row of the table: every column but those the registry hides and generated ones, encrypted ones decrypted and named without _encrypted, bytea in base64; owner only';
REVOKE ALL ON FUNCTION dcpf.personal_data_select(text) FROM PUBLIC;
