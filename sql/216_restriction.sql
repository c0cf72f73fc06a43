-- 216_restriction.sql: restriction of processing (art. 18 AVG; DESIGN.md
-- clause 15) and deactivation of an account (clause 18: "disagree → stop
-- and have the account deactivated"). Both freeze a person: their rows in
-- every dcpf table become read-only, refused by the audit write trigger
-- whatever the write path (src/restrict.c), and they drop out of
-- processing: shares give no access, supervisors' progress views leave them
-- out, dcpf.has_consent is false, the marketing audience excludes them, and
-- no notice but about the freeze itself is queued to or about them.
--
-- A restriction is made by the privacy officer on a verified request of kind
-- restriction, on one of the four grounds of art. 18(1), and lifted by them
-- when the ground ends, after the person was told (art. 18(3): the notice is
-- queued first, in the same transaction); on a request made to the platform
-- its security officer does both (dcpf.handles_requests_of). A
-- deactivation, asked by the person or made by the privacy officer of a
-- licensee they belong to (or, for a person who belongs to none, by the
-- platform's security officer), also ends what is in force: memberships,
-- programme memberships, shares and consents (each withdrawal a consent
-- event with its receipt); what remains is storage until the retention term
-- (issue 8 purges it). A privacy officer may reactivate the account (the
-- platform's security officer one deactivated as the platform's); nothing
-- ended comes back by itself.
-- Every step is a row change here, so an audit event. See
-- doc/reference/restriction.md.

CREATE TABLE dcpf.processing_restriction (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id       uuid NOT NULL REFERENCES dcpf.person (id),
    kind            text NOT NULL CONSTRAINT processing_restriction_kind_known CHECK (kind IN ('restriction', 'deactivation')),
    request_id      uuid REFERENCES dcpf.subject_request (id),
    ground          text CONSTRAINT processing_restriction_ground_known CHECK (ground IN
                        ('accuracy_contested', 'unlawful_processing', 'legal_claims', 'objection_pending')),
    licensee_id     uuid REFERENCES dcpf.licensee (id),
    reason          text CONSTRAINT processing_restriction_reason_length CHECK (length(btrim(reason)) BETWEEN 5 AND 2000),
    started_at      timestamptz NOT NULL DEFAULT now(),
    started_by      uuid REFERENCES dcpf.person (id),
    lifted_at       timestamptz,
    lifted_by       uuid REFERENCES dcpf.person (id),
    lift_reason     text CONSTRAINT processing_restriction_lift_reason_length CHECK (length(btrim(lift_reason)) BETWEEN 5 AND 2000),
    lift_notice_id  uuid REFERENCES dcpf.notice (id) ON DELETE SET NULL,
    CONSTRAINT processing_restriction_request_for_restriction
        CHECK ((kind = 'restriction') = (request_id IS NOT NULL) AND (kind = 'restriction') = (ground IS NOT NULL)),
    CONSTRAINT processing_restriction_reason_for_deactivation CHECK ((kind = 'deactivation') = (reason IS NOT NULL)),
    CONSTRAINT processing_restriction_lifted_whole
        CHECK ((lifted_at IS NULL) = (lifted_by IS NULL) AND (lifted_at IS NULL) = (lift_reason IS NULL)),
    CONSTRAINT processing_restriction_lifted_after CHECK (lifted_at >= started_at)
);
CREATE UNIQUE INDEX processing_restriction_in_force ON dcpf.processing_restriction (person_id, kind) WHERE lifted_at IS NULL;
CREATE INDEX processing_restriction_request_idx ON dcpf.processing_restriction (request_id) WHERE request_id IS NOT NULL;
COMMENT ON TABLE dcpf.processing_restriction IS
    'restrictions of processing (art. 18 AVG) and deactivations of accounts (privacy statement clause 18), in force until lifted: while one is, the person''s rows in every dcpf table are read-only and they drop out of processing; written only by dcpf.restrict_processing, dcpf.lift_restriction, dcpf.deactivate_person and dcpf.reactivate_person';
COMMENT ON COLUMN dcpf.processing_restriction.id IS 'identifier';
COMMENT ON COLUMN dcpf.processing_restriction.person_id IS 'the person whose processing is frozen';
COMMENT ON COLUMN dcpf.processing_restriction.kind IS 'restriction (art. 18, on a request) or deactivation (clause 18: the account)';
COMMENT ON COLUMN dcpf.processing_restriction.request_id IS 'for a restriction: the subject request of kind restriction it carries out';
COMMENT ON COLUMN dcpf.processing_restriction.ground IS
    'for a restriction, the ground of art. 18(1): accuracy_contested (a), unlawful_processing (b), legal_claims (c) or objection_pending (d)';
COMMENT ON COLUMN dcpf.processing_restriction.licensee_id IS
    'the controller: the licensee of the request, or the one the privacy officer (or the person) acted in when deactivating; NULL: the platform (a request made to it, a deactivation by its security officer or by the person acting alone), whose security officer handles it';
COMMENT ON COLUMN dcpf.processing_restriction.reason IS 'for a deactivation: why, as told (kept in the clear; no BSN or card number)';
COMMENT ON COLUMN dcpf.processing_restriction.started_at IS 'from when it holds';
COMMENT ON COLUMN dcpf.processing_restriction.started_by IS 'who made it: the privacy officer (the platform''s security officer for the platform), or the person themself for a deactivation';
COMMENT ON COLUMN dcpf.processing_restriction.lifted_at IS 'when it was lifted (a deactivation: the account reactivated); NULL: in force';
COMMENT ON COLUMN dcpf.processing_restriction.lifted_by IS 'the privacy officer (the platform''s security officer for the platform) who lifted it';
COMMENT ON COLUMN dcpf.processing_restriction.lift_reason IS 'why it was lifted, as told to the person (kept in the clear; no BSN or card number)';
COMMENT ON COLUMN dcpf.processing_restriction.lift_notice_id IS
    'the notice that told the person before the restriction was lifted (art. 18(3)), queued in the same transaction before the lift';

-- only lifting changes a row, once; the rest is what was decided
CREATE FUNCTION dcpf.processing_restriction_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dcpf.free_text_verdict(NULL, format('The reason for %s %s', NEW.kind, NEW.id), ARRAY[NEW.reason]);
        RETURN NEW;
    END IF;
    -- erasure (dcpf.erase_person, with its exemption set) pseudonymises the row
    IF pg_catalog.current_setting('dcpf.restriction_exemption', true) = 'erasure' THEN
        RETURN NEW;
    END IF;
    IF OLD.lifted_at IS NOT NULL THEN
        RAISE EXCEPTION '% % is lifted', OLD.kind, OLD.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was lifted on %s; a lifted %s is final.', (OLD.lifted_at AT TIME ZONE 'Europe/Amsterdam')::date, OLD.kind),
                  HINT = 'A new request makes a new restriction.';
    END IF;
    IF (NEW.id, NEW.person_id, NEW.kind, NEW.request_id, NEW.ground, NEW.licensee_id, NEW.reason, NEW.started_at, NEW.started_by)
       IS DISTINCT FROM (OLD.id, OLD.person_id, OLD.kind, OLD.request_id, OLD.ground, OLD.licensee_id, OLD.reason, OLD.started_at, OLD.started_by) THEN
        RAISE EXCEPTION 'a % is only lifted', OLD.kind
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('The person, kind, request, ground, controller, reason and start of %s %s are what was decided.', OLD.kind, OLD.id);
    END IF;
    PERFORM dcpf.free_text_verdict(NULL, format('The reason for lifting %s %s', OLD.kind, OLD.id), ARRAY[NEW.lift_reason]);
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.processing_restriction_check() IS
    'trigger: a restriction or deactivation changes only by being lifted, once (55000 when lifted, 0A000 for any other change), or by erasure (dcpf.restriction_exemption = erasure, set only by dcpf''s own functions); its reasons hold no BSN or card number (23514)';
CREATE TRIGGER processing_restriction_check BEFORE INSERT OR UPDATE ON dcpf.processing_restriction
    FOR EACH ROW EXECUTE FUNCTION dcpf.processing_restriction_check();

-- every backend reads the frozen persons afresh after any change
CREATE FUNCTION dcpf.restriction_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'dcpf_restriction_changed'
    LANGUAGE C;
COMMENT ON FUNCTION dcpf.restriction_changed() IS
    'trigger (statement): invalidates the cache of frozen persons (dcpf.processing_restricted, the audit trigger''s refusal) in this backend from its next command and in every other at commit';
CREATE TRIGGER processing_restriction_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dcpf.processing_restriction
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.restriction_changed();

-- the reason an officer or the person gives, trimmed: 22023 when there is
-- none (the trigger above checks it for patient numbers); owner only
CREATE FUNCTION dcpf.restriction_reason(reason text, act text, example text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF length(btrim(coalesce(reason, ''))) < 5 THEN
        RAISE EXCEPTION '% needs a reason', act
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Say why, as the person is told (for example: %s); at least 5 characters.', example);
    END IF;
    RETURN btrim(reason);
END
$$;
COMMENT ON FUNCTION dcpf.restriction_reason(text, text, text) IS
    'the reason given for lifting a restriction, a deactivation or a reactivation, trimmed; 22023 "<act> needs a reason" when it has fewer than 5 characters; owner only';

-- ---------------------------------------------------------------------------
-- Restriction (art. 18)
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.restrict_processing(request uuid, ground text) RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req            dcpf.subject_request := dcpf.officer_subject_request(request);
    held           dcpf.processing_restriction;
    restriction_id uuid := gen_random_uuid();
BEGIN
    IF ground IS NULL OR ground NOT IN ('accuracy_contested', 'unlawful_processing', 'legal_claims', 'objection_pending') THEN
        RAISE EXCEPTION 'unknown ground for restriction'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; art. 18(1) AVG restricts processing while accuracy is contested (accuracy_contested), for unlawful processing the person wants kept (unlawful_processing), for the person''s legal claims (legal_claims) or while an objection is verified (objection_pending).',
                                  coalesce(quote_literal(ground), 'NULL'));
    END IF;
    IF req.kind <> 'restriction' THEN
        RAISE EXCEPTION 'subject request % is not a request for restriction', req.id
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is a request for %s.', req.kind);
    END IF;
    IF req.status NOT IN ('in_progress', 'extended') THEN
        RAISE EXCEPTION 'subject request % is not verified', req.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s: processing is restricted only for a person whose identity was verified.', req.status),
                  HINT = 'Verify it first with dcpf.verify_subject_request.';
    END IF;
    SELECT * INTO held FROM dcpf.processing_restriction x
     WHERE x.person_id = req.person_id AND x.kind = 'restriction' AND x.lifted_at IS NULL;
    IF held.id IS NOT NULL THEN
        RAISE EXCEPTION 'processing of person % is already restricted', req.person_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Restriction %s holds since %s (request %s).', held.id,
                                  (held.started_at AT TIME ZONE 'Europe/Amsterdam')::date, held.request_id),
                  HINT = 'Complete this request with dcpf.complete_subject_request, saying so.';
    END IF;
    INSERT INTO dcpf.processing_restriction (id, person_id, kind, request_id, ground, licensee_id, started_by)
    VALUES (restriction_id, req.person_id, 'restriction', req.id, restrict_processing.ground, req.licensee_id, dcpf.current_person());
    PERFORM dcpf.queue_notice('processing_restricted', req.person_id, NULL, req.person_id,
                              jsonb_build_object('restriction', restriction_id, 'request', req.id, 'ground', restrict_processing.ground));
    RETURN restriction_id;
END
$$;
COMMENT ON FUNCTION dcpf.restrict_processing(uuid, text) IS
    'the privacy officer of the request''s licensee (for a request made to the platform: its security officer, acting as platform_security) restricts processing of the person''s data (art. 18 AVG) on a verified request of kind restriction, on a ground of art. 18(1) (accuracy_contested, unlawful_processing, legal_claims, objection_pending): from the next statement their rows are read-only and they drop out of processing; the person is sent a processing_restricted notice; returns the restriction id (the request stays open: complete it with dcpf.complete_subject_request). P0002 for a request not theirs to handle; 22023 for another kind or an unknown ground; 55000 when closed, not verified or already restricted';

CREATE FUNCTION dcpf.lift_restriction(restriction uuid, reason text) RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me        uuid := dcpf.verified_person();
    r         dcpf.processing_restriction;
    told      text;
    notice_id uuid;
BEGIN
    SELECT * INTO r FROM dcpf.processing_restriction x
     WHERE x.id = restriction AND x.kind = 'restriction'
       AND dcpf.handles_requests_of(x.licensee_id) AND x.person_id <> me
       FOR UPDATE;
    IF r.id IS NULL THEN
        RAISE EXCEPTION 'restriction % not found', coalesce(restriction::text, 'NULL')
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'It does not exist, or it was not made by the licensee you act in as its privacy officer, nor by the platform while you act as its security officer, or it is your own.';
    END IF;
    IF r.lifted_at IS NOT NULL THEN
        RAISE EXCEPTION 'restriction % is lifted', r.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was lifted on %s.', (r.lifted_at AT TIME ZONE 'Europe/Amsterdam')::date);
    END IF;
    told := dcpf.restriction_reason(reason, 'lifting a restriction', 'the contested data were checked and found correct');
    PERFORM dcpf.free_text_verdict(NULL, format('The reason for lifting restriction %s', r.id), ARRAY[told]);
    -- art. 18(3): the person is told first
    notice_id := dcpf.queue_notice('restriction_lifting', r.person_id, NULL, r.person_id,
                                   jsonb_build_object('restriction', r.id, 'request', r.request_id, 'reason', told));
    UPDATE dcpf.processing_restriction x
       SET lifted_at = now(), lifted_by = me, lift_reason = told, lift_notice_id = notice_id
     WHERE x.id = r.id;
    RETURN notice_id;
END
$$;
COMMENT ON FUNCTION dcpf.lift_restriction(uuid, text) IS
    'the privacy officer of the licensee that restricted processing (for a restriction made by the platform: its security officer, acting as platform_security) lifts the restriction, with the reason: first a restriction_lifting notice is queued to the person (art. 18(3) AVG), then the restriction ends (from the next statement their data is processed again); returns the notice id. P0002 for a restriction not theirs or their own; 55000 when already lifted; 22023 without a reason; 23514 for a reason holding a BSN or card number';

-- ---------------------------------------------------------------------------
-- Deactivation (clause 18) and reactivation
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.deactivate_person(person uuid, reason text, channel text DEFAULT 'web') RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET dcpf.restriction_exemption = 'deactivation'
AS $$
DECLARE
    me             uuid := dcpf.verified_person();
    officer_of     uuid := dcpf.licensee_if_acting_in('privacy_officer');
    for_platform   boolean := coalesce(dcpf.acting_in('platform_security'), false);
    target         dcpf.person;
    deactivation_id uuid := gen_random_uuid();
    told           text;
    given_purpose  text;
BEGIN
    SELECT * INTO target FROM dcpf.person p WHERE p.id = deactivate_person.person FOR UPDATE;
    -- someone else: a current member of the licensee whose privacy officer
    -- the caller is, or, for the platform's security officer, a person no
    -- licensee has as a current member (the platform is their only controller)
    IF target.id IS NULL
       OR (target.id <> me
           AND NOT EXISTS (SELECT FROM dcpf.membership m
                            WHERE m.person_id = target.id AND m.licensee_id = officer_of
                              AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now()))
           AND NOT (for_platform AND target.status <> 'erased'
                    AND NOT EXISTS (SELECT FROM dcpf.membership m
                                     WHERE m.person_id = target.id
                                       AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now())))) THEN
        RAISE EXCEPTION 'person % not found', coalesce(deactivate_person.person::text, 'NULL')
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'It does not exist, or it is neither you nor a current member of the licensee you act in as its privacy officer, nor, while you act as the platform''s security officer, a person without a current membership.';
    END IF;
    IF target.status = 'deactivated' THEN
        RAISE EXCEPTION 'the account of person % is already deactivated', target.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was deactivated on %s.', (target.deactivated_at AT TIME ZONE 'Europe/Amsterdam')::date);
    END IF;
    told := dcpf.restriction_reason(reason, 'a deactivation', 'the person does not agree with the privacy statement');
    IF channel IS NULL OR channel NOT IN ('web', 'app', 'paper', 'email', 'phone') THEN
        RAISE EXCEPTION 'unknown request channel'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; a channel is web, app, paper, email or phone.', coalesce(quote_literal(channel), 'NULL'));
    END IF;
    -- every consent in force is withdrawn: an event with its receipt each
    FOR given_purpose IN SELECT c.purpose_code FROM dcpf.consent c
                          WHERE c.person_id = target.id AND c.state = 'given' ORDER BY c.purpose_code LOOP
        PERFORM dcpf.record_consent('withdrawn', given_purpose, NULL, channel, target.id);
    END LOOP;
    -- shares revoked (their disclosures end); memberships end now, and those
    -- still to start are never in force
    UPDATE dcpf.share s SET revoked_at = now() WHERE s.owner_id = target.id AND s.revoked_at IS NULL;
    DELETE FROM dcpf.membership m WHERE m.person_id = target.id AND m.valid_from >= now();
    UPDATE dcpf.membership m SET valid_until = now()
     WHERE m.person_id = target.id AND (m.valid_until IS NULL OR m.valid_until > now());
    DELETE FROM dcpf.programme_member m WHERE m.person_id = target.id AND m.valid_from >= now();
    UPDATE dcpf.programme_member m SET valid_until = now()
     WHERE m.person_id = target.id AND (m.valid_until IS NULL OR m.valid_until > now());
    UPDATE dcpf.person p SET status = 'deactivated', deactivated_at = now() WHERE p.id = target.id;
    INSERT INTO dcpf.processing_restriction (id, person_id, kind, licensee_id, reason, started_by)
    VALUES (deactivation_id, target.id, 'deactivation',
            CASE WHEN target.id <> me AND for_platform THEN NULL ELSE coalesce(officer_of, dcpf.current_licensee()) END, told, me);
    PERFORM dcpf.queue_notice('account_deactivated', target.id, NULL, target.id,
                              jsonb_build_object('deactivation', deactivation_id));
    RETURN deactivation_id;
END
$$;
COMMENT ON FUNCTION dcpf.deactivate_person(uuid, text, text) IS
    'deactivates an account (privacy statement clause 18), asked by the person themself or done by the privacy officer of a licensee they are a current member of, or, for a person no licensee has as a current member, by the platform''s security officer (acting as platform_security; recorded with no licensee, the platform''s): every consent in force is withdrawn (a consent event each, through channel), every share revoked, every membership and programme membership ended, the account can no longer log in or be authenticated, the person''s rows become read-only and they drop out of processing; what remains is kept until its retention ends. An account_deactivated notice is queued; returns the deactivation id. P0002 for another person; 55000 when already deactivated; 22023 without a reason or for an unknown channel; 23514 for a reason holding a BSN or card number';

CREATE FUNCTION dcpf.reactivate_person(person uuid, reason text) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET dcpf.restriction_exemption = 'deactivation'
AS $$
DECLARE
    me   uuid := dcpf.verified_person();
    d    dcpf.processing_restriction;
    told text;
BEGIN
    -- the privacy officer of a licensee the person belonged to (their
    -- memberships ended with the deactivation); for a deactivation that is
    -- the platform's (no licensee), the platform's security officer
    SELECT * INTO d FROM dcpf.processing_restriction x
     WHERE x.person_id = reactivate_person.person AND x.kind = 'deactivation' AND x.lifted_at IS NULL
       AND x.person_id <> me
       AND (EXISTS (SELECT FROM dcpf.membership m
                     WHERE m.person_id = x.person_id AND m.licensee_id = dcpf.licensee_if_acting_in('privacy_officer'))
            OR (x.licensee_id IS NULL AND dcpf.handles_requests_of(NULL)))
       FOR UPDATE;
    IF d.id IS NULL THEN
        RAISE EXCEPTION 'deactivated account % not found', coalesce(reactivate_person.person::text, 'NULL')
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'It does not exist, it is not deactivated, it is your own, or the person never belonged to the licensee you act in as its privacy officer, nor was it deactivated as the platform''s while you act as its security officer.';
    END IF;
    told := dcpf.restriction_reason(reason, 'a reactivation', 'the person asked for it, identity verified');
    UPDATE dcpf.person p SET status = 'active', deactivated_at = NULL WHERE p.id = d.person_id;
    UPDATE dcpf.processing_restriction x SET lifted_at = now(), lifted_by = me, lift_reason = told WHERE x.id = d.id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.reactivate_person(uuid, text) IS
    'the privacy officer of a licensee the person belonged to (for a deactivation recorded as the platform''s, with no licensee: the platform''s security officer, acting as platform_security) reactivates a deactivated account on the person''s request, with the reason: they may log in again and their data is processed again; nothing that the deactivation ended comes back (memberships are granted, consents given and shares made anew); returns the time. P0002 unless deactivated and the person belonged to that licensee (never one''s own); 22023 without a reason; 23514 for a reason holding a BSN or card number';

-- ---------------------------------------------------------------------------
-- Protection, access, audit
-- ---------------------------------------------------------------------------
REVOKE ALL ON TABLE dcpf.processing_restriction FROM PUBLIC;
ALTER TABLE dcpf.processing_restriction FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.processing_restriction ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.processing_restriction', '');
REVOKE ALL ON FUNCTION dcpf.processing_restriction_check(), dcpf.restriction_changed(), dcpf.restriction_reason(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.restrict_processing(uuid, text), dcpf.lift_restriction(uuid, text),
    dcpf.deactivate_person(uuid, text, text), dcpf.reactivate_person(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.restrict_processing(uuid, text), dcpf.lift_restriction(uuid, text),
    dcpf.deactivate_person(uuid, text, text), dcpf.reactivate_person(uuid, text) TO dcpf_app;

-- the person reads their own; the privacy officer those of their licensee,
-- the platform's security officer the platform's (dcpf.handles_requests_of)
CREATE POLICY processing_restriction_self_read ON dcpf.processing_restriction FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY processing_restriction_officer_read ON dcpf.processing_restriction FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('privacy_officer')
           OR (licensee_id IS NULL AND dcpf.acting_in('platform_security')));
GRANT SELECT (id, person_id, kind, request_id, ground, licensee_id, reason, started_at, started_by, lifted_at, lifted_by,
              lift_reason, lift_notice_id) ON dcpf.processing_restriction TO dcpf_app;

-- the restriction is itself written while it holds (its lifting)
SELECT dcpf.audit_table('dcpf.processing_restriction', 'person_id', 'restrict', restriction_exempt => true);

-- the personal-data registry (215): a restriction or deactivation is the
-- record that a right was honoured; kept, under the pseudonym, on erasure
INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    ('processing_restriction', 'person_id', 'id', 'pseudonymise', true, '{kind,ground}',
     'proof that processing was restricted (art. 18) or the account deactivated, and when that was lifted (art. 5(2) AVG)');
INSERT INTO dcpf.personal_data_column (table_name, column_name, whose, category, on_erasure, exported, decrypt_as, basis) VALUES
    ('processing_restriction', 'person_id', 'subject', 'reference', 'keep', true, NULL, 'the pseudonym'),
    ('processing_restriction', 'reason', 'subject', 'content', 'keep', true, NULL, 'why the account was deactivated: part of the record'),
    ('processing_restriction', 'lift_reason', 'subject', 'content', 'keep', true, NULL, 'why it was lifted: part of the record'),
    ('processing_restriction', 'started_by', 'party', 'reference', 'keep', true, NULL, 'who restricted or deactivated stays demonstrable, under the pseudonym'),
    ('processing_restriction', 'lifted_by', 'party', 'reference', 'keep', true, NULL, 'who lifted it stays demonstrable, under the pseudonym');
