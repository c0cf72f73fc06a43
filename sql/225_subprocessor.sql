-- 225_subprocessor.sql: the subprocessor register and the record of
-- processing (art. 30 AVG; DESIGN.md clause 11). The platform (VREST, the
-- processor) engages subprocessors only under an agreement that binds them
-- to the same security duties; each is registered with what it does, which
-- data it processes, where, and, outside the EEA, under which safeguard. The
-- platform's security officer (role platform_security) keeps the register;
-- the licensees' admins and privacy officers read it, as controllers must
-- know their processors' processors. dcpf.record_of_processing is the art.
-- 30 record: every purpose the caller may see with its facts, and the
-- subprocessors in force. See doc/reference/subprocessors.md.

CREATE TABLE dcpf.subprocessor (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                 text NOT NULL CONSTRAINT subprocessor_name_length CHECK (length(btrim(name)) BETWEEN 2 AND 200),
    service              text NOT NULL CONSTRAINT subprocessor_service_length CHECK (length(btrim(service)) BETWEEN 5 AND 1000),
    data_categories      text[] NOT NULL CONSTRAINT subprocessor_data_categories_given
                         CHECK (cardinality(data_categories) > 0 AND array_position(data_categories, NULL) IS NULL),
    processing_location  text NOT NULL CONSTRAINT subprocessor_processing_location_length
                         CHECK (length(btrim(processing_location)) BETWEEN 2 AND 500),
    country              dcpf.country_code NOT NULL,
    outside_eea          boolean NOT NULL GENERATED ALWAYS AS (country NOT IN (
                             'AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT',
                             'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK', 'IS', 'LI', 'NO')) STORED,
    transfer_safeguard   text CONSTRAINT subprocessor_transfer_safeguard_length CHECK (length(btrim(transfer_safeguard)) BETWEEN 5 AND 1000),
    agreement_reference  text NOT NULL CONSTRAINT subprocessor_agreement_reference_length
                         CHECK (length(btrim(agreement_reference)) BETWEEN 2 AND 200),
    agreement_signed_on  date NOT NULL,
    valid_from           date NOT NULL,
    valid_until          date,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subprocessor_transfer_has_safeguard CHECK (NOT outside_eea OR transfer_safeguard IS NOT NULL),
    CONSTRAINT subprocessor_agreement_before_work CHECK (agreement_signed_on <= valid_from),
    CONSTRAINT subprocessor_period_ordered CHECK (valid_until IS NULL OR valid_until > valid_from)
);
COMMENT ON TABLE dcpf.subprocessor IS
    'the subprocessor register (part of the art. 30 record): whom the platform engages to process personal data, under which agreement, for what, where and since when; kept by the platform''s security officer, read by the licensees'' admins and privacy officers';
COMMENT ON COLUMN dcpf.subprocessor.id IS 'subprocessor identifier';
COMMENT ON COLUMN dcpf.subprocessor.name IS 'the subprocessor''s legal name';
COMMENT ON COLUMN dcpf.subprocessor.service IS 'what it does for the platform (hosting, backups, e-mail delivery, …)';
COMMENT ON COLUMN dcpf.subprocessor.data_categories IS 'the categories of personal data it processes';
COMMENT ON COLUMN dcpf.subprocessor.processing_location IS 'where it processes them (cities, data centres)';
COMMENT ON COLUMN dcpf.subprocessor.country IS 'the country of processing (ISO 3166-1 alpha-2)';
COMMENT ON COLUMN dcpf.subprocessor.outside_eea IS
    'generated: the country is outside the European Economic Area (the EU, Iceland, Liechtenstein, Norway), so processing there is a transfer (chapter V AVG)';
COMMENT ON COLUMN dcpf.subprocessor.transfer_safeguard IS
    'for a transfer outside the EEA, its safeguard (an adequacy decision, standard contractual clauses, binding corporate rules); required then';
COMMENT ON COLUMN dcpf.subprocessor.agreement_reference IS 'the reference of the processing agreement (verwerkersovereenkomst) with it';
COMMENT ON COLUMN dcpf.subprocessor.agreement_signed_on IS 'when that agreement was signed; not after valid_from';
COMMENT ON COLUMN dcpf.subprocessor.valid_from IS 'the first day it processes for the platform';
COMMENT ON COLUMN dcpf.subprocessor.valid_until IS 'the first day it no longer does (exclusive); NULL: engaged';
COMMENT ON COLUMN dcpf.subprocessor.created_at IS 'when it was registered';

REVOKE ALL ON TABLE dcpf.subprocessor FROM PUBLIC;
ALTER TABLE dcpf.subprocessor FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.subprocessor ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.subprocessor', '');

-- the platform's security officer keeps it; every licensee's admin and
-- privacy officer reads it; nobody deletes a row (an ended one keeps valid_until)
CREATE POLICY subprocessor_read ON dcpf.subprocessor FOR SELECT TO dcpf_app
    USING (dcpf.licensee_if_acting_in('platform_security', 'licensee_admin', 'privacy_officer') IS NOT NULL);
CREATE POLICY subprocessor_security_create ON dcpf.subprocessor FOR INSERT TO dcpf_app
    WITH CHECK (dcpf.acting_in('platform_security'));
CREATE POLICY subprocessor_security_update ON dcpf.subprocessor FOR UPDATE TO dcpf_app
    USING (dcpf.acting_in('platform_security')) WITH CHECK (dcpf.acting_in('platform_security'));
GRANT SELECT ON dcpf.subprocessor TO dcpf_app;
GRANT INSERT (id, name, service, data_categories, processing_location, country, transfer_safeguard, agreement_reference,
              agreement_signed_on, valid_from, valid_until) ON dcpf.subprocessor TO dcpf_app;
GRANT UPDATE (service, data_categories, processing_location, country, transfer_safeguard, agreement_reference,
              agreement_signed_on, valid_until) ON dcpf.subprocessor TO dcpf_app;

SELECT dcpf.audit_table('dcpf.subprocessor', NULL);

-- ---------------------------------------------------------------------------
-- The record of processing (art. 30)
-- ---------------------------------------------------------------------------
CREATE VIEW dcpf.record_of_processing WITH (security_invoker = true) AS
SELECT pu.code AS purpose, coalesce(l.name, 'the platform') AS controller, pu.licensee_id, pu.name_nl, pu.name_en,
       pu.description, pu.legal_basis, dcpf.legal_basis_article(pu.legal_basis) AS legal_basis_article,
       pu.data_categories, pu.subject_categories, pu.recipients, pu.transfers_outside_eea, pu.retention,
       pu.security_measures,
       coalesce((SELECT jsonb_agg(jsonb_build_object('name', s.name, 'service', s.service, 'data_categories', s.data_categories,
                                                     'location', s.processing_location, 'country', s.country,
                                                     'outside_eea', s.outside_eea, 'transfer_safeguard', s.transfer_safeguard,
                                                     'agreement', s.agreement_reference, 'agreement_signed_on', s.agreement_signed_on,
                                                     'since', s.valid_from)
                                  ORDER BY s.name)
                   FROM dcpf.subprocessor s
                  WHERE s.valid_from <= current_date AND (s.valid_until IS NULL OR s.valid_until > current_date)),
                '[]') AS subprocessors
  FROM dcpf.purpose pu
  LEFT JOIN dcpf.licensee l ON l.id = pu.licensee_id;
COMMENT ON VIEW dcpf.record_of_processing IS
    'the record of processing activities (art. 30 AVG): every purpose with its controller, legal basis (and article), data and subject categories, recipients, transfers, retention and security measures, and the subprocessors engaged today; security_invoker: the platform''s purposes and one''s own licensee''s, the subprocessors for those who may read the register (admins, privacy officers, the platform''s security officer; [] for others)';
COMMENT ON COLUMN dcpf.record_of_processing.purpose IS 'the purpose (dcpf.purpose.code)';
COMMENT ON COLUMN dcpf.record_of_processing.controller IS 'the controller: the licensee whose purpose it is, or the platform';
COMMENT ON COLUMN dcpf.record_of_processing.licensee_id IS 'that licensee; NULL: the platform';
COMMENT ON COLUMN dcpf.record_of_processing.name_nl IS 'Dutch name of the purpose';
COMMENT ON COLUMN dcpf.record_of_processing.name_en IS 'English name of the purpose';
COMMENT ON COLUMN dcpf.record_of_processing.description IS 'what is done with the data, and why';
COMMENT ON COLUMN dcpf.record_of_processing.legal_basis IS 'the legal basis (art. 6(1) AVG)';
COMMENT ON COLUMN dcpf.record_of_processing.legal_basis_article IS 'the provision it stands on (dcpf.legal_basis_article)';
COMMENT ON COLUMN dcpf.record_of_processing.data_categories IS 'the categories of personal data';
COMMENT ON COLUMN dcpf.record_of_processing.subject_categories IS 'the categories of data subjects';
COMMENT ON COLUMN dcpf.record_of_processing.recipients IS 'the categories of recipients';
COMMENT ON COLUMN dcpf.record_of_processing.transfers_outside_eea IS 'the purpose''s transfers outside the EEA and their safeguards; NULL: none (see also subprocessors)';
COMMENT ON COLUMN dcpf.record_of_processing.retention IS 'how long the data is kept';
COMMENT ON COLUMN dcpf.record_of_processing.security_measures IS 'the technical and organisational measures (art. 32)';
COMMENT ON COLUMN dcpf.record_of_processing.subprocessors IS
    'the subprocessors engaged today, as a JSON array of {name, service, data_categories, location, country, outside_eea, transfer_safeguard, agreement, agreement_signed_on, since}';
REVOKE ALL ON dcpf.record_of_processing FROM PUBLIC;
GRANT SELECT ON dcpf.record_of_processing TO dcpf_app;

-- the personal-data registry (215): companies, not persons
INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, basis) VALUES
    ('subprocessor', NULL, 'id', 'none', false, 'the subprocessor register: companies, not persons');
