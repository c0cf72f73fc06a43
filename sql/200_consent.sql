-- 200_consent.sql: purposes and consent (DESIGN.md clauses 1, 2 and 6). The
-- purpose register holds the art. 30 facts of every processing purpose: the
-- platform's own, shipped (builtin), and a licensee's own, added by its
-- admin. A person gives and withdraws consent for a purpose that rests on
-- consent with two functions of the same arguments and effort; every change
-- is an append-only event with a receipt (after the Kantara consent
-- receipt), and dcpf.consent holds the state in force, which
-- dcpf.has_consent reads with one index probe. An objection (art. 21) to
-- direct marketing is a state of the marketing purpose that overrides
-- consent until lifted. dcpf.marketing_audience lists the persons one may
-- send marketing to. See doc/reference/consent.md.

CREATE TABLE dcpf.purpose (
    code                 text PRIMARY KEY
                         CONSTRAINT purpose_code_format CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    licensee_id          uuid REFERENCES dcpf.licensee (id),
    name_nl              text NOT NULL CONSTRAINT purpose_name_nl_length CHECK (length(btrim(name_nl)) BETWEEN 2 AND 120),
    name_en              text NOT NULL CONSTRAINT purpose_name_en_length CHECK (length(btrim(name_en)) BETWEEN 2 AND 120),
    description          text NOT NULL CONSTRAINT purpose_description_length CHECK (length(btrim(description)) BETWEEN 10 AND 2000),
    legal_basis          text NOT NULL CONSTRAINT purpose_legal_basis_known CHECK (legal_basis IN
                             ('consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests')),
    data_categories      text[] NOT NULL CONSTRAINT purpose_data_categories_given
                         CHECK (cardinality(data_categories) > 0 AND array_position(data_categories, NULL) IS NULL),
    subject_categories   text[] NOT NULL CONSTRAINT purpose_subject_categories_given
                         CHECK (cardinality(subject_categories) > 0 AND array_position(subject_categories, NULL) IS NULL),
    recipients           text[] NOT NULL DEFAULT '{}' CONSTRAINT purpose_recipients_no_null CHECK (array_position(recipients, NULL) IS NULL),
    transfers_outside_eea text CONSTRAINT purpose_transfers_length CHECK (length(btrim(transfers_outside_eea)) BETWEEN 2 AND 1000),
    retention            text NOT NULL CONSTRAINT purpose_retention_length CHECK (length(btrim(retention)) BETWEEN 5 AND 1000),
    security_measures    text NOT NULL CONSTRAINT purpose_security_measures_length CHECK (length(btrim(security_measures)) BETWEEN 5 AND 2000),
    requires_consent     boolean NOT NULL,
    builtin              boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT purpose_consent_iff_basis CHECK (requires_consent = (legal_basis = 'consent')),
    CONSTRAINT purpose_builtin_is_platform CHECK (NOT builtin OR licensee_id IS NULL)
);
CREATE INDEX purpose_licensee_idx ON dcpf.purpose (licensee_id);
COMMENT ON TABLE dcpf.purpose IS
    'the purpose register (art. 30 AVG): each purpose of processing with its legal basis (art. 6), data and subject categories, recipients, transfers, retention and security measures; the platform''s own shipped (builtin), a licensee''s own added by its admin';
COMMENT ON COLUMN dcpf.purpose.code IS 'stable identifier, used by dcpf.give_consent and dcpf.has_consent; unique over all licensees';
COMMENT ON COLUMN dcpf.purpose.licensee_id IS 'the licensee whose own purpose it is; NULL: the platform''s';
COMMENT ON COLUMN dcpf.purpose.name_nl IS 'Dutch name';
COMMENT ON COLUMN dcpf.purpose.name_en IS 'English name';
COMMENT ON COLUMN dcpf.purpose.description IS 'what is done with the data, and why';
COMMENT ON COLUMN dcpf.purpose.legal_basis IS
    'the legal basis (art. 6(1) AVG): consent, contract, legal_obligation, vital_interests, public_task or legitimate_interests; fixed once registered';
COMMENT ON COLUMN dcpf.purpose.data_categories IS 'the categories of personal data processed';
COMMENT ON COLUMN dcpf.purpose.subject_categories IS 'the categories of data subjects';
COMMENT ON COLUMN dcpf.purpose.recipients IS 'the categories of recipients the data is disclosed to; empty: none';
COMMENT ON COLUMN dcpf.purpose.transfers_outside_eea IS 'transfers to countries outside the EEA and their safeguards; NULL: none';
COMMENT ON COLUMN dcpf.purpose.retention IS 'how long the data is kept (the period, or the criteria that fix it)';
COMMENT ON COLUMN dcpf.purpose.security_measures IS 'the technical and organisational security measures (art. 32)';
COMMENT ON COLUMN dcpf.purpose.requires_consent IS
    'processing needs the person''s consent (exactly when the legal basis is consent); only such purposes accept consent';
COMMENT ON COLUMN dcpf.purpose.builtin IS 'shipped with dcpf; not dumped, recreated by CREATE EXTENSION; nobody changes it';
COMMENT ON COLUMN dcpf.purpose.created_at IS
    'when the purpose was registered (the shipped ones: when the privacy statement describing them came into force, so that a restore recreates them unchanged)';

-- the platform's purposes, from the privacy statement (privacyverklaring,
-- in force since 13 September 2020)
INSERT INTO dcpf.purpose (code, name_nl, name_en, description, legal_basis, data_categories, subject_categories, recipients,
                          retention, security_measures, requires_consent, builtin, created_at)
SELECT v.code, v.name_nl, v.name_en, v.description, v.legal_basis, v.data_categories, v.subject_categories, v.recipients,
       v.retention,
       'Data in secured, monitored data centres in the Netherlands (ISO 27001, NEN 7510); every login attempt logged; '
       'access control at several levels and per role agreement (EURA); TLS in transit; encryption of sensitive columns; '
       'an audit trail of every access; confidentiality duty for all staff and subprocessors.',
       v.legal_basis = 'consent', true, '2020-09-13 00:00:00+02'
  FROM (VALUES
    ('service_delivery', 'Dienstverlening', 'Service delivery',
     'Keeping the career portfolio and everything needed to deliver the licensed SaaS products: accounts, profiles, roles, '
     'portfolio content, sharing with the people the user chooses, and communication from the application.',
     'contract',
     '{name,e-mail address,BIG number,addresses,phone numbers,licence data,billing data,profile,preferences,portfolio content}'::text[],
     '{users,professionals,trainees,supervisors,assessors,licensee staff}'::text[],
     '{the licensee (the user''s organisation),people the user shares with,subprocessors (hosting)}'::text[],
     'As long as needed for the service and as the law requires; the licensee decides; when a licence ends the user keeps their data.'),
    ('marketing', 'Marketingcommunicatie', 'Marketing communications',
     'Keeping the user informed of new product announcements, software updates and upcoming events of VREST (direct marketing by e-mail).',
     'consent',
     '{name,e-mail address,preferences}'::text[],
     '{users}'::text[],
     '{}'::text[],
     'Until consent is withdrawn or an objection is made; never sold, passed on or exchanged with third parties for marketing.'),
    ('analytics_cookies', 'Analytische cookies', 'Analytics cookies',
     'Analysing the use of the websites and products to improve them and to show relevant information; without consent only the '
     'location of the IP address, device type, browser version, pages visited and the date and time of the visit are kept.',
     'consent',
     '{device type,browser version,pages visited,date and time of visits,IP address location,cookie identifiers}'::text[],
     '{website visitors,users}'::text[],
     '{}'::text[],
     'Until consent is withdrawn; visit records for the evaluation of the website only as long as needed for it.'),
    ('surveys_events', 'Enquêtes en evenementen', 'Surveys and events',
     'Taking part in surveys, activities and events of VREST, and the data the user submits for them.',
     'consent',
     '{name,e-mail address,survey answers,event registrations}'::text[],
     '{users}'::text[],
     '{}'::text[],
     'Until consent is withdrawn, or until the survey or event has been evaluated.')
  ) v(code, name_nl, name_en, description, legal_basis, data_categories, subject_categories, recipients, retention);

-- a shipped purpose is the platform's and fixed; a licensee's own names
-- that licensee, forever
CREATE FUNCTION dcpf.purpose_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF OLD.builtin THEN
        RAISE EXCEPTION 'purpose % is shipped with dcpf', OLD.code
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The platform''s own purposes are recreated by CREATE EXTENSION; nobody changes them.',
                  HINT = 'Register a purpose of your licensee instead.';
    END IF;
    IF (NEW.code, NEW.licensee_id, NEW.legal_basis, NEW.requires_consent, NEW.builtin, NEW.created_at)
       IS DISTINCT FROM (OLD.code, OLD.licensee_id, OLD.legal_basis, OLD.requires_consent, OLD.builtin, OLD.created_at) THEN
        RAISE EXCEPTION 'the code, licensee and legal basis of purpose % are fixed', OLD.code
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'Consents given for a purpose rest on what it was when they were given.',
                  HINT = 'Register a new purpose.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.purpose_check() IS
    'trigger: shipped purposes are never changed (42501); a purpose''s code, licensee, legal basis and whether it needs consent are fixed (0A000)';
CREATE TRIGGER purpose_check BEFORE UPDATE ON dcpf.purpose
    FOR EACH ROW EXECUTE FUNCTION dcpf.purpose_check();

-- ---------------------------------------------------------------------------
-- Consent events and the state in force
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.consent_event (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id           uuid NOT NULL REFERENCES dcpf.person (id),
    purpose_code        text NOT NULL REFERENCES dcpf.purpose (code),
    action              text NOT NULL CONSTRAINT consent_event_action_known
                        CHECK (action IN ('given', 'withdrawn', 'objected', 'objection_lifted')),
    policy_document_id  uuid REFERENCES dcpf.policy_document (id),
    channel             text NOT NULL CONSTRAINT consent_event_channel_known CHECK (channel IN ('web', 'app', 'paper', 'email', 'phone')),
    occurred_at         timestamptz NOT NULL DEFAULT now(),
    licensee_id         uuid REFERENCES dcpf.licensee (id),
    receipt             jsonb NOT NULL,
    CONSTRAINT consent_event_objection_is_marketing
        CHECK (action NOT IN ('objected', 'objection_lifted') OR purpose_code = 'marketing')
);
CREATE INDEX consent_event_person_idx ON dcpf.consent_event (person_id, occurred_at);
COMMENT ON TABLE dcpf.consent_event IS
    'consent history, append-only: every consent given or withdrawn and every objection (art. 21) to direct marketing made or lifted, with its receipt; never changed or deleted';
COMMENT ON COLUMN dcpf.consent_event.id IS 'the receipt id (consentReceiptID) given to the person';
COMMENT ON COLUMN dcpf.consent_event.person_id IS 'the person (PII principal) whose consent it is';
COMMENT ON COLUMN dcpf.consent_event.purpose_code IS 'the purpose (dcpf.purpose)';
COMMENT ON COLUMN dcpf.consent_event.action IS 'given, withdrawn, objected or objection_lifted (the last two: purpose marketing only)';
COMMENT ON COLUMN dcpf.consent_event.policy_document_id IS
    'the policy document version shown when it happened (by default the privacy statement in force); NULL: none published';
COMMENT ON COLUMN dcpf.consent_event.channel IS 'how it was collected: web, app, paper, email or phone';
COMMENT ON COLUMN dcpf.consent_event.occurred_at IS 'when (the transaction''s time)';
COMMENT ON COLUMN dcpf.consent_event.licensee_id IS 'the licensee the person acted in, if any';
COMMENT ON COLUMN dcpf.consent_event.receipt IS
    'the consent receipt as handed to the person, after the Kantara Consent Receipt Specification 1.1 (JSON; no names or contact data)';

CREATE TABLE dcpf.consent (
    person_id      uuid NOT NULL REFERENCES dcpf.person (id),
    purpose_code   text NOT NULL REFERENCES dcpf.purpose (code),
    state          text NOT NULL CONSTRAINT consent_state_known CHECK (state IN ('given', 'withdrawn', 'objected')),
    since          timestamptz NOT NULL,
    last_event_id  uuid NOT NULL REFERENCES dcpf.consent_event (id),
    PRIMARY KEY (person_id, purpose_code),
    CONSTRAINT consent_objection_is_marketing CHECK (state <> 'objected' OR purpose_code = 'marketing')
);
CREATE INDEX consent_purpose_idx ON dcpf.consent (purpose_code, state);
COMMENT ON TABLE dcpf.consent IS
    'the consent in force per person and purpose, kept by dcpf.give_consent, dcpf.withdraw_consent, dcpf.object_to_marketing and dcpf.lift_objection; no row: never asked (no consent)';
COMMENT ON COLUMN dcpf.consent.person_id IS 'the person';
COMMENT ON COLUMN dcpf.consent.purpose_code IS 'the purpose';
COMMENT ON COLUMN dcpf.consent.state IS
    'given, withdrawn, or objected (an objection to direct marketing, which overrides consent until lifted); only given permits processing';
COMMENT ON COLUMN dcpf.consent.since IS 'since when the state holds (the event that changed it)';
COMMENT ON COLUMN dcpf.consent.last_event_id IS 'the latest event for this person and purpose (its receipt)';

CREATE TRIGGER consent_event_append_only BEFORE UPDATE OR DELETE ON dcpf.consent_event
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('Record a new event with dcpf.give_consent, dcpf.withdraw_consent, dcpf.object_to_marketing or dcpf.lift_objection.');

-- one implementation for the four entry points, so that giving and
-- withdrawing take the same path and effort; owner only (for_person: the
-- withdrawals of a deactivation, dcpf.deactivate_person)
CREATE FUNCTION dcpf.record_consent(act text, wanted_purpose text, shown_policy uuid, via text, for_person uuid DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me        uuid := coalesce(for_person, dcpf.verified_person());
    p         dcpf.purpose;
    doc       dcpf.policy_document;
    held      dcpf.consent;
    new_state text := CASE act WHEN 'given' THEN 'given' WHEN 'objected' THEN 'objected' ELSE 'withdrawn' END;
    event_id  uuid := gen_random_uuid();
    stamp     timestamptz := now();
BEGIN
    IF via IS NULL OR via NOT IN ('web', 'app', 'paper', 'email', 'phone') THEN
        RAISE EXCEPTION 'unknown consent channel'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; a channel is web, app, paper, email or phone.', coalesce(quote_literal(via), 'NULL'));
    END IF;
    SELECT * INTO p FROM dcpf.purpose x
     WHERE x.code = wanted_purpose AND (for_person IS NOT NULL OR x.licensee_id IS NULL OR x.licensee_id = ANY (dcpf.my_licensees()));
    IF p.code IS NULL THEN
        RAISE EXCEPTION 'purpose % not found', coalesce(quote_literal(wanted_purpose), 'NULL')
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or it is the purpose of a licensee you do not belong to.';
    END IF;
    IF NOT p.requires_consent THEN
        RAISE EXCEPTION 'purpose % does not rest on consent', p.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Its legal basis is %s: consent is neither given nor withdrawn for it.', p.legal_basis),
                  HINT = CASE WHEN p.code = 'service_delivery' THEN 'To stop it, have the account deactivated.' END;
    END IF;
    IF shown_policy IS NULL THEN
        SELECT * INTO doc FROM dcpf.policy_document d
         WHERE d.kind = 'privacy_statement' AND d.effective_from <= stamp
         ORDER BY d.effective_from DESC, d.language = 'nl' DESC, d.published_at DESC LIMIT 1;
    ELSE
        SELECT * INTO doc FROM dcpf.policy_document d WHERE d.id = shown_policy;
        IF doc.id IS NULL THEN
            RAISE EXCEPTION 'policy document % not found', shown_policy
                USING ERRCODE = 'foreign_key_violation', DETAIL = 'The version shown must be a published dcpf.policy_document.';
        END IF;
    END IF;
    -- consent is given on the version in force, and after a material change
    -- only once the person acknowledged it; withdrawing is never held up
    IF act = 'given' AND doc.id IS NOT NULL THEN
        IF doc.effective_from > stamp THEN
            RAISE EXCEPTION 'policy document % is not in force yet', doc.id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Version %s of the %s takes effect on %s; consent is given on the version in force.',
                                      doc.version, replace(doc.kind, '_', ' '), doc.effective_from);
        END IF;
        IF EXISTS (SELECT FROM dcpf.policy_document d
                    WHERE d.kind = doc.kind AND d.effective_from > doc.effective_from AND d.effective_from <= stamp) THEN
            RAISE EXCEPTION 'policy document % is superseded', doc.id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Version %s of the %s is no longer in force; consent is given on the version in force.',
                                      doc.version, replace(doc.kind, '_', ' ')),
                      HINT = 'Show the version in force, or pass NULL for the privacy statement in force.';
        END IF;
        IF EXISTS (SELECT FROM dcpf.outstanding_policy_acknowledgements o
                    WHERE o.person_id = me AND o.kind = doc.kind AND o.in_force) THEN
            RAISE EXCEPTION 'acknowledge the changed % first', replace(doc.kind, '_', ' ')
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Version %s of the %s is a material change you have not acknowledged; consent rests on it.',
                                      doc.version, replace(doc.kind, '_', ' ')),
                      HINT = 'Acknowledge it with dcpf.acknowledge_policy (see dcpf.policies_to_acknowledge()).';
        END IF;
    END IF;
    -- one change at a time per person and purpose
    PERFORM pg_catalog.pg_advisory_xact_lock(hashtextextended(me::text || '/' || p.code, 0));
    SELECT * INTO held FROM dcpf.consent c WHERE c.person_id = me AND c.purpose_code = p.code;
    IF act = 'given' AND dcpf.processing_restricted(me) THEN
        RAISE EXCEPTION 'processing of your data is restricted'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('While a restriction of processing (art. 18 AVG) is in force, no consent to purpose %s is given; withdrawing and objecting stay possible.', p.code),
                  HINT = 'Give it once the restriction is lifted.';
    END IF;
    IF act = 'given' AND held.state = 'objected' THEN
        RAISE EXCEPTION 'you objected to direct marketing'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'An objection (art. 21 AVG) overrides consent to purpose marketing until it is lifted.',
                  HINT = 'Lift it with dcpf.lift_objection() first.';
    END IF;
    -- a withdrawal while objected is recorded; the objection stays
    IF act = 'withdrawn' AND held.state = 'objected' THEN
        new_state := 'objected';
    END IF;
    IF act = 'objection_lifted' AND held.state IS DISTINCT FROM 'objected' THEN
        RAISE EXCEPTION 'there is no objection to lift'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Your state for purpose marketing is %s.', coalesce(held.state, 'never asked'));
    END IF;
    INSERT INTO dcpf.consent_event (id, person_id, purpose_code, action, policy_document_id, channel, occurred_at,
                                    licensee_id, receipt)
    VALUES (event_id, me, p.code, act, doc.id, via, stamp, dcpf.current_licensee(),
            jsonb_build_object(
                'version', 'KI-CR-v1.1.0',
                'jurisdiction', 'NL',
                'consentTimestamp', floor(extract(epoch FROM stamp))::bigint,
                'collectionMethod', via,
                'consentReceiptID', event_id,
                'language', coalesce(doc.language, 'nl'),
                'piiPrincipalId', me,
                'piiControllers', jsonb_build_array(jsonb_build_object(
                    'piiController', coalesce((SELECT l.name FROM dcpf.licensee l WHERE l.id = p.licensee_id), 'VREST B.V.'),
                    'contact', 'functionaris gegevensbescherming',
                    'email', CASE WHEN p.licensee_id IS NULL THEN 'security@vrest.nl' END)),
                'policyUrl', CASE WHEN doc.id IS NOT NULL THEN 'urn:dcpf:policy_document:' || doc.id END,
                'policyVersion', doc.version,
                'services', jsonb_build_array(jsonb_build_object(
                    'service', p.name_en,
                    'purposes', jsonb_build_array(jsonb_build_object(
                        'purpose', p.description,
                        'purposeCategory', jsonb_build_array(p.code),
                        'consentType', 'EXPLICIT',
                        'piiCategory', to_jsonb(p.data_categories),
                        'primaryPurpose', false,
                        'termination', p.retention,
                        'thirdPartyDisclosure', cardinality(p.recipients) > 0,
                        'thirdPartyName', to_jsonb(p.recipients))))),
                'sensitive', false,
                'action', act));
    INSERT INTO dcpf.consent AS c (person_id, purpose_code, state, since, last_event_id)
    VALUES (me, p.code, new_state, stamp, event_id)
    ON CONFLICT (person_id, purpose_code) DO UPDATE
       SET state = excluded.state,
           since = CASE WHEN c.state = excluded.state THEN c.since ELSE excluded.since END,
           last_event_id = excluded.last_event_id;
    RETURN event_id;
END
$$;
COMMENT ON FUNCTION dcpf.record_consent(text, text, uuid, text, uuid) IS
    'records a consent event (given, withdrawn, objected, objection_lifted) of the verified person (or of for_person, for dcpf.deactivate_person) for a purpose and updates the state in force; returns the receipt id; 55000 for consent given while processing is restricted; owner only: the entry points dcpf.give_consent, dcpf.withdraw_consent, dcpf.object_to_marketing and dcpf.lift_objection call it';

CREATE FUNCTION dcpf.give_consent(purpose text, policy_version uuid DEFAULT NULL, channel text DEFAULT 'web') RETURNS uuid
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN dcpf.record_consent('given', purpose, policy_version, channel);
COMMENT ON FUNCTION dcpf.give_consent(text, uuid, text) IS
    'the verified person gives consent for a purpose that rests on consent, having been shown a policy document version (default: the privacy statement in force), through a channel (web, app, paper, email, phone); returns the receipt id. 42501 without identity; P0002 for an unknown purpose or another licensee''s; 22023 for a purpose not resting on consent or an unknown channel; 23503 for an unknown policy document; 55000 for marketing while objected, or while processing of one''s data is restricted';

CREATE FUNCTION dcpf.withdraw_consent(purpose text, policy_version uuid DEFAULT NULL, channel text DEFAULT 'web') RETURNS uuid
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN dcpf.record_consent('withdrawn', purpose, policy_version, channel);
COMMENT ON FUNCTION dcpf.withdraw_consent(text, uuid, text) IS
    'the verified person withdraws consent for a purpose, with the same arguments and effort as giving it; effective at once, in the same transaction; returns the receipt id. Errors as dcpf.give_consent (but never 55000: withdrawing while objected is recorded and the objection stays)';

CREATE FUNCTION dcpf.object_to_marketing(channel text DEFAULT 'web') RETURNS uuid
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN dcpf.record_consent('objected', 'marketing', NULL, channel);
COMMENT ON FUNCTION dcpf.object_to_marketing(text) IS
    'the verified person objects (art. 21(2) AVG) to direct marketing: absolute, it overrides any consent to purpose marketing until lifted with dcpf.lift_objection; effective at once; returns the receipt id';

CREATE FUNCTION dcpf.lift_objection(channel text DEFAULT 'web') RETURNS uuid
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN dcpf.record_consent('objection_lifted', 'marketing', NULL, channel);
COMMENT ON FUNCTION dcpf.lift_objection(text) IS
    'the verified person lifts their objection to direct marketing; the state becomes withdrawn (consent given before the objection does not revive: give it anew); returns the receipt id. 55000 without an objection';

-- Security invoker on purpose: it reads dcpf.consent under the caller's row
-- security, so it answers only about consents the caller may see (their
-- own; the staff of the person's licensee) and is false for everyone else,
-- whatever is recorded: no oracle of other people's consent, and fail-closed
-- in a policy. In C (src/consent.c): each call site keeps the answer per
-- person while the snapshot, the user and the identity stay the same, so
-- that a policy over many rows reads dcpf.consent once per person, not per
-- row.
CREATE FUNCTION dcpf.has_consent(person uuid, purpose text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_has_consent'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.has_consent(uuid, text) IS
    'true when the person''s consent for the purpose is in force (given, not withdrawn, no objection) and their processing is not restricted nor their account deactivated; false for NULL arguments; security invoker: false for a consent the caller may not see, so it cannot probe other people''s; one primary-key probe per person and statement (answers kept per call site while the snapshot, user and identity are unchanged), cheap enough for a policy';

REVOKE ALL ON TABLE dcpf.purpose, dcpf.consent_event, dcpf.consent FROM PUBLIC;
ALTER TABLE dcpf.purpose FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.purpose ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.consent_event FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.consent_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.consent FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.consent ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.purpose', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('dcpf.consent_event', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.consent', '');
REVOKE ALL ON FUNCTION dcpf.purpose_check(), dcpf.record_consent(text, text, uuid, text, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.give_consent(text, uuid, text), dcpf.withdraw_consent(text, uuid, text),
    dcpf.object_to_marketing(text), dcpf.lift_objection(text), dcpf.has_consent(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.give_consent(text, uuid, text), dcpf.withdraw_consent(text, uuid, text),
    dcpf.object_to_marketing(text), dcpf.lift_objection(text), dcpf.has_consent(uuid, text) TO dcpf_app;

-- purposes: the platform's for every identity, a licensee's own for its
-- members; its admin registers and describes them
CREATE POLICY purpose_read ON dcpf.purpose FOR SELECT TO dcpf_app
    USING ((licensee_id IS NULL AND dcpf.current_person() IS NOT NULL)
           OR licensee_id = ANY (dcpf.my_licensees()));
CREATE POLICY purpose_admin_create ON dcpf.purpose FOR INSERT TO dcpf_app
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin') AND NOT builtin);
CREATE POLICY purpose_admin_update ON dcpf.purpose FOR UPDATE TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin'))
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin'));
GRANT SELECT ON dcpf.purpose TO dcpf_app;
GRANT INSERT (code, licensee_id, name_nl, name_en, description, legal_basis, data_categories, subject_categories, recipients,
              transfers_outside_eea, retention, security_measures, requires_consent) ON dcpf.purpose TO dcpf_app;
GRANT UPDATE (name_nl, name_en, description, data_categories, subject_categories, recipients, transfers_outside_eea,
              retention, security_measures) ON dcpf.purpose TO dcpf_app;

-- consent: the person reads their own events and states; the privacy
-- officer of their licensee reads both, the licensee admin the states (for
-- dcpf.marketing_audience); only the functions above write
CREATE POLICY consent_event_self_read ON dcpf.consent_event FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY consent_event_officer_read ON dcpf.consent_event FOR SELECT TO dcpf_app
    USING (dcpf.member_of_my_licensee(person_id, 'privacy_officer'));
CREATE POLICY consent_self_read ON dcpf.consent FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY consent_staff_read ON dcpf.consent FOR SELECT TO dcpf_app
    USING (dcpf.member_of_my_licensee(person_id, 'licensee_admin', 'privacy_officer'));
GRANT SELECT ON dcpf.consent_event, dcpf.consent TO dcpf_app;

SELECT dcpf.audit_table('dcpf.purpose', NULL);
-- a person whose processing is restricted still withdraws and objects
SELECT dcpf.audit_table('dcpf.consent_event', 'person_id', 'consent', restriction_exempt => true);
SELECT dcpf.audit_table('dcpf.consent', 'person_id', restriction_exempt => true);

-- ---------------------------------------------------------------------------
-- Who may be sent marketing
-- ---------------------------------------------------------------------------
CREATE VIEW dcpf.marketing_audience WITH (security_invoker = true) AS
SELECT p.id AS person_id, p.email, dcpf.person_display_name(p) AS display_name, c.since AS consent_since,
       c.last_event_id AS receipt_id
  FROM dcpf.consent c
  JOIN dcpf.person p ON p.id = c.person_id
 WHERE c.purpose_code = 'marketing' AND c.state = 'given' AND p.status = 'active' AND NOT dcpf.processing_restricted(p.id);
COMMENT ON VIEW dcpf.marketing_audience IS
    'the persons that may be sent marketing communications: consent to purpose marketing in force (an objection or a withdrawal ends it in the same transaction), account not deactivated, processing not restricted; security_invoker: a licensee admin (or privacy officer) sees the people of their licensee, a person only themself';
COMMENT ON COLUMN dcpf.marketing_audience.person_id IS 'the person';
COMMENT ON COLUMN dcpf.marketing_audience.email IS 'their e-mail address';
COMMENT ON COLUMN dcpf.marketing_audience.display_name IS 'their name for the salutation (dcpf.person_display_name)';
COMMENT ON COLUMN dcpf.marketing_audience.consent_since IS 'since when their consent holds';
COMMENT ON COLUMN dcpf.marketing_audience.receipt_id IS 'the receipt of the consent (dcpf.consent_event)';
REVOKE ALL ON dcpf.marketing_audience FROM PUBLIC;
GRANT SELECT ON dcpf.marketing_audience TO dcpf_app;
