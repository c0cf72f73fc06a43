-- 070_agreements.sql: End User Role Agreements (EURA) per product and role,
-- policy documents (privacy statement, terms), and their acceptances.
-- Published versions are immutable; acceptances are never updated.

CREATE FUNCTION dcpf.refuse_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '% rows cannot be %', dcpf.logical_table_name(TG_RELID), CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('Rows of dcpf.%s are a record (of what was published, agreed or done); they are never %s.',
                              dcpf.logical_table_name(TG_RELID), CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'updated' END),
              HINT = TG_ARGV[0];
END
$$;
COMMENT ON FUNCTION dcpf.refuse_update() IS
    'trigger: refuses UPDATE (and, where it is also attached BEFORE DELETE, DELETE) on record tables (published versions, acceptances, consent events), for everyone, the owner included; its argument is the hint shown';

CREATE FUNCTION dcpf.set_body_sha256() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.body_sha256 := sha256(convert_to(NEW.body, 'UTF8'));
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.set_body_sha256() IS
    'trigger: stores the SHA-256 of the UTF-8 body of a published text, whatever the caller supplied';

CREATE TABLE dcpf.role_agreement (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id      uuid NOT NULL REFERENCES dcpf.product (id),
    role_code       text NOT NULL REFERENCES dcpf.role (code),
    version         integer NOT NULL CONSTRAINT role_agreement_version_positive CHECK (version > 0),
    language        text NOT NULL DEFAULT 'nl' CONSTRAINT role_agreement_language_known CHECK (language IN ('nl', 'en')),
    title           text NOT NULL CONSTRAINT role_agreement_title_length CHECK (length(btrim(title)) BETWEEN 2 AND 200),
    body            text NOT NULL CONSTRAINT role_agreement_body_length CHECK (length(btrim(body)) >= 20),
    body_sha256     bytea NOT NULL,
    effective_from  timestamptz NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT role_agreement_version_unique UNIQUE (product_id, role_code, version)
);
COMMENT ON TABLE dcpf.role_agreement IS
    'versions of the End User Role Agreement (EURA) a person must accept before using a role in a product';
COMMENT ON COLUMN dcpf.role_agreement.id IS 'agreement version identifier';
COMMENT ON COLUMN dcpf.role_agreement.product_id IS 'the product the agreement applies to';
COMMENT ON COLUMN dcpf.role_agreement.role_code IS 'the role the agreement governs';
COMMENT ON COLUMN dcpf.role_agreement.version IS 'version number, 1, 2, … per product and role';
COMMENT ON COLUMN dcpf.role_agreement.language IS 'language of the text';
COMMENT ON COLUMN dcpf.role_agreement.title IS 'title shown to the user';
COMMENT ON COLUMN dcpf.role_agreement.body IS 'the full text accepted';
COMMENT ON COLUMN dcpf.role_agreement.body_sha256 IS 'SHA-256 of the UTF-8 text: proves which text was accepted';
COMMENT ON COLUMN dcpf.role_agreement.effective_from IS 'from when this version is the one to accept';
COMMENT ON COLUMN dcpf.role_agreement.published_at IS 'when the version was published';
CREATE TRIGGER role_agreement_hash BEFORE INSERT ON dcpf.role_agreement
    FOR EACH ROW EXECUTE FUNCTION dcpf.set_body_sha256();
CREATE TRIGGER role_agreement_immutable BEFORE UPDATE ON dcpf.role_agreement
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('Publish a new version with dcpf.publish_role_agreement.');

CREATE TABLE dcpf.role_agreement_acceptance (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agreement_id    uuid NOT NULL REFERENCES dcpf.role_agreement (id),
    person_id       uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    accepted_at     timestamptz NOT NULL DEFAULT now(),
    method          text NOT NULL
                    CONSTRAINT role_agreement_acceptance_method_known CHECK (method IN ('click_through', 'sso_assertion', 'paper', 'api')),
    client_address  inet,
    user_agent      text CONSTRAINT role_agreement_acceptance_user_agent_length CHECK (length(user_agent) <= 512),
    CONSTRAINT role_agreement_acceptance_once UNIQUE (agreement_id, person_id)
);
CREATE INDEX role_agreement_acceptance_person_idx ON dcpf.role_agreement_acceptance (person_id);
COMMENT ON TABLE dcpf.role_agreement_acceptance IS 'who accepted which EURA version, when and how; never updated';
COMMENT ON COLUMN dcpf.role_agreement_acceptance.id IS 'acceptance identifier';
COMMENT ON COLUMN dcpf.role_agreement_acceptance.agreement_id IS 'the agreement version accepted';
COMMENT ON COLUMN dcpf.role_agreement_acceptance.person_id IS 'who accepted';
COMMENT ON COLUMN dcpf.role_agreement_acceptance.accepted_at IS 'when';
COMMENT ON COLUMN dcpf.role_agreement_acceptance.method IS 'how: click_through, sso_assertion, paper or api';
COMMENT ON COLUMN dcpf.role_agreement_acceptance.client_address IS 'client address the acceptance came from';
COMMENT ON COLUMN dcpf.role_agreement_acceptance.user_agent IS 'browser or client that recorded it';
CREATE TRIGGER role_agreement_acceptance_immutable BEFORE UPDATE ON dcpf.role_agreement_acceptance
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('Accept the new version instead.');

CREATE TABLE dcpf.policy_document (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind             text NOT NULL CONSTRAINT policy_document_kind_known
                     CHECK (kind IN ('privacy_statement', 'terms_of_use', 'cookie_policy', 'processing_agreement')),
    language         text NOT NULL DEFAULT 'nl' CONSTRAINT policy_document_language_known CHECK (language IN ('nl', 'en')),
    version          text NOT NULL CONSTRAINT policy_document_version_format CHECK (version ~ '^[0-9]{1,4}(\.[0-9]{1,4}){0,2}$'),
    title            text NOT NULL CONSTRAINT policy_document_title_length CHECK (length(btrim(title)) BETWEEN 2 AND 200),
    body             text NOT NULL CONSTRAINT policy_document_body_length CHECK (length(btrim(body)) >= 20),
    body_sha256      bytea NOT NULL,
    effective_from   timestamptz NOT NULL,
    material_change  boolean NOT NULL,
    published_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT policy_document_version_unique UNIQUE (kind, language, version)
);
COMMENT ON TABLE dcpf.policy_document IS
    'versions of the privacy statement, terms of use and other policies; a material change must be announced and acknowledged';
COMMENT ON COLUMN dcpf.policy_document.id IS 'document version identifier';
COMMENT ON COLUMN dcpf.policy_document.kind IS 'privacy_statement, terms_of_use, cookie_policy or processing_agreement';
COMMENT ON COLUMN dcpf.policy_document.language IS 'language of the text';
COMMENT ON COLUMN dcpf.policy_document.version IS 'version label, e.g. 2020.1 or 3';
COMMENT ON COLUMN dcpf.policy_document.title IS 'title';
COMMENT ON COLUMN dcpf.policy_document.body IS 'the full text';
COMMENT ON COLUMN dcpf.policy_document.body_sha256 IS 'SHA-256 of the UTF-8 text';
COMMENT ON COLUMN dcpf.policy_document.effective_from IS 'date of entry into force (inwerkingtreding)';
COMMENT ON COLUMN dcpf.policy_document.material_change IS 'true when users must be notified and acknowledge';
COMMENT ON COLUMN dcpf.policy_document.published_at IS 'when the version was published';
CREATE TRIGGER policy_document_hash BEFORE INSERT ON dcpf.policy_document
    FOR EACH ROW EXECUTE FUNCTION dcpf.set_body_sha256();
CREATE TRIGGER policy_document_immutable BEFORE UPDATE ON dcpf.policy_document
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('Publish a new version with dcpf.publish_policy_document.');

CREATE TABLE dcpf.policy_acknowledgement (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id      uuid NOT NULL REFERENCES dcpf.policy_document (id),
    person_id        uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    acknowledged_at  timestamptz NOT NULL DEFAULT now(),
    method           text NOT NULL
                     CONSTRAINT policy_acknowledgement_method_known CHECK (method IN ('click_through', 'sso_assertion', 'paper', 'api')),
    client_address   inet,
    CONSTRAINT policy_acknowledgement_once UNIQUE (document_id, person_id)
);
CREATE INDEX policy_acknowledgement_person_idx ON dcpf.policy_acknowledgement (person_id);
COMMENT ON TABLE dcpf.policy_acknowledgement IS 'who acknowledged which policy version, when and how; never updated';
COMMENT ON COLUMN dcpf.policy_acknowledgement.id IS 'acknowledgement identifier';
COMMENT ON COLUMN dcpf.policy_acknowledgement.document_id IS 'the document version';
COMMENT ON COLUMN dcpf.policy_acknowledgement.person_id IS 'who acknowledged';
COMMENT ON COLUMN dcpf.policy_acknowledgement.acknowledged_at IS 'when';
COMMENT ON COLUMN dcpf.policy_acknowledgement.method IS 'how: click_through, sso_assertion, paper or api';
COMMENT ON COLUMN dcpf.policy_acknowledgement.client_address IS 'client address it came from';
CREATE TRIGGER policy_acknowledgement_immutable BEFORE UPDATE ON dcpf.policy_acknowledgement
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('Acknowledge the new version instead.');
