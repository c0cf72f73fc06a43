-- 210_request.sql: data-subject requests (arts. 12 and 15-22 AVG; DESIGN.md
-- clauses 1, 2 and 6). The workflow only: a person files a request for
-- themself; the privacy officer of the licensee the person acted in (for a
-- request made to the platform, by a person acting alone: the platform's
-- security officer, acting as platform_security) verifies their identity,
-- assigns a handler, may extend the term once, and completes or refuses it
-- with a decision; the person may withdraw it while it is open.
-- The term is one calendar month from the day of receipt in the Netherlands
-- (31 January + 1 month = 28 or 29 February), extensible by at most two
-- months if the person is told within the first; both dates are generated
-- columns, so nobody can move them. Every step is one UPDATE of the request,
-- and so one audit event. dcpf.overdue_subject_requests lists the open
-- requests past their term. Carrying out an export, erasure, rectification
-- or restriction is not part of this file. See doc/reference/requests.md.

CREATE TABLE dcpf.subject_request (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id            uuid NOT NULL REFERENCES dcpf.person (id),
    licensee_id          uuid REFERENCES dcpf.licensee (id),
    kind                 text NOT NULL CONSTRAINT subject_request_kind_known CHECK (kind IN
                             ('access', 'rectification', 'completion', 'erasure', 'restriction', 'portability', 'objection')),
    details              text CONSTRAINT subject_request_details_length CHECK (length(btrim(details)) BETWEEN 1 AND 4000),
    received_at          timestamptz NOT NULL DEFAULT now(),
    channel              text NOT NULL CONSTRAINT subject_request_channel_known CHECK (channel IN ('web', 'app', 'paper', 'email', 'phone')),
    due_on               date NOT NULL GENERATED ALWAYS AS
                             (((received_at AT TIME ZONE 'Europe/Amsterdam')::date + interval '1 month')::date) STORED,
    verified_at          timestamptz,
    verified_by          uuid REFERENCES dcpf.person (id),
    verification_method  text CONSTRAINT subject_request_verification_method_known CHECK (verification_method IN
                             ('authenticated_session', 'id_document', 'in_person', 'callback')),
    status               text NOT NULL DEFAULT 'received' CONSTRAINT subject_request_status_known CHECK (status IN
                             ('received', 'verifying', 'in_progress', 'extended', 'completed', 'refused', 'withdrawn')),
    handler_id           uuid REFERENCES dcpf.person (id),
    extension_months     smallint CONSTRAINT subject_request_extension_at_most_two CHECK (extension_months IN (1, 2)),
    extended_until       date GENERATED ALWAYS AS
                             (((received_at AT TIME ZONE 'Europe/Amsterdam')::date + interval '1 month' * (1 + extension_months))::date) STORED,
    extension_reason     text CONSTRAINT subject_request_extension_reason_length CHECK (length(btrim(extension_reason)) BETWEEN 5 AND 2000),
    person_told_at       timestamptz,
    decision             text CONSTRAINT subject_request_decision_length CHECK (length(btrim(decision)) BETWEEN 5 AND 4000),
    legal_basis          text CONSTRAINT subject_request_legal_basis_length CHECK (length(btrim(legal_basis)) BETWEEN 5 AND 500),
    completed_at         timestamptz,
    CONSTRAINT subject_request_verification_whole
        CHECK ((verified_at IS NULL) = (verified_by IS NULL) AND (verified_at IS NULL) = (verification_method IS NULL)),
    CONSTRAINT subject_request_extension_whole
        CHECK ((extension_months IS NULL) = (extension_reason IS NULL) AND (extension_months IS NULL) = (person_told_at IS NULL)),
    CONSTRAINT subject_request_extended_has_extension CHECK (status <> 'extended' OR extension_months IS NOT NULL),
    CONSTRAINT subject_request_work_after_verification
        CHECK (status NOT IN ('in_progress', 'extended', 'completed') OR verified_at IS NOT NULL),
    CONSTRAINT subject_request_decision_when_decided CHECK ((decision IS NOT NULL) = (status IN ('completed', 'refused'))),
    CONSTRAINT subject_request_legal_basis_when_refused CHECK ((legal_basis IS NOT NULL) = (status = 'refused')),
    CONSTRAINT subject_request_completed_when_closed
        CHECK ((completed_at IS NOT NULL) = (status IN ('completed', 'refused', 'withdrawn')))
);
CREATE INDEX subject_request_person_idx ON dcpf.subject_request (person_id, received_at);
CREATE INDEX subject_request_open_idx ON dcpf.subject_request (licensee_id, due_on)
    WHERE status IN ('received', 'verifying', 'in_progress', 'extended');
COMMENT ON TABLE dcpf.subject_request IS
    'requests of data subjects to exercise their rights (arts. 15-22 AVG) and their handling: verification, assignment, extension, decision; written only by the dcpf.*_subject_request functions, each step one audited update';
COMMENT ON COLUMN dcpf.subject_request.id IS 'request identifier, given to the person';
COMMENT ON COLUMN dcpf.subject_request.person_id IS 'the data subject who made the request';
COMMENT ON COLUMN dcpf.subject_request.licensee_id IS
    'the controller handling it: the licensee the person acted in when filing (its privacy officer handles it); NULL: the platform (its security officer, acting as platform_security, handles it)';
COMMENT ON COLUMN dcpf.subject_request.kind IS
    'the right exercised: access (art. 15), rectification or completion (art. 16), erasure (art. 17), restriction (art. 18), portability (art. 20) or objection (art. 21)';
COMMENT ON COLUMN dcpf.subject_request.details IS 'what the person asks, in their words; kept in the clear, so never a patient number (BSN or card number refused)';
COMMENT ON COLUMN dcpf.subject_request.received_at IS 'when the request was received; the term runs from its date in Europe/Amsterdam';
COMMENT ON COLUMN dcpf.subject_request.channel IS 'how it came in: web, app, paper, email or phone';
COMMENT ON COLUMN dcpf.subject_request.due_on IS
    'the last day of the term (art. 12(3)): the date of receipt in Europe/Amsterdam plus one calendar month (31 January: 28 or 29 February); generated';
COMMENT ON COLUMN dcpf.subject_request.verified_at IS 'when the person''s identity was verified; NULL: not yet';
COMMENT ON COLUMN dcpf.subject_request.verified_by IS 'who verified it: the licensee''s privacy officer, or for a request made to the platform its security officer';
COMMENT ON COLUMN dcpf.subject_request.verification_method IS 'how: authenticated_session, id_document, in_person or callback';
COMMENT ON COLUMN dcpf.subject_request.status IS
    'received, verifying (a handler is on it, identity not yet verified), in_progress (verified), extended, and the final completed, refused or withdrawn';
COMMENT ON COLUMN dcpf.subject_request.handler_id IS
    'who handles it: a privacy officer of the licensee, or for a request made to the platform a platform security officer; NULL: not yet assigned';
COMMENT ON COLUMN dcpf.subject_request.extension_months IS 'the extension of the term (art. 12(3)): 1 or 2 months; NULL: none';
COMMENT ON COLUMN dcpf.subject_request.extended_until IS 'the last day of the extended term: due_on''s month arithmetic with 1 + extension_months months; generated';
COMMENT ON COLUMN dcpf.subject_request.extension_reason IS 'why the term was extended (complexity, number of requests); kept in the clear';
COMMENT ON COLUMN dcpf.subject_request.person_told_at IS 'when the person was told of the extension and its reason, within the first month';
COMMENT ON COLUMN dcpf.subject_request.decision IS 'what was done, or why not: the answer given to the person; kept in the clear';
COMMENT ON COLUMN dcpf.subject_request.legal_basis IS 'for a refusal: the legal ground (for example art. 12(5) AVG, manifestly unfounded or excessive)';
COMMENT ON COLUMN dcpf.subject_request.completed_at IS 'when it was closed: completed, refused or withdrawn';

-- a closed request (completed, refused or withdrawn) is final: 55000
CREATE FUNCTION dcpf.subject_request_open(req dcpf.subject_request) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF req.status IN ('completed', 'refused', 'withdrawn') THEN
        RAISE EXCEPTION 'subject request % is closed', req.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was %s on %s; a closed request is final.', req.status,
                                  (req.completed_at AT TIME ZONE 'Europe/Amsterdam')::date),
                  HINT = 'The person may file a new request.';
    END IF;
END
$$;
COMMENT ON FUNCTION dcpf.subject_request_open(dcpf.subject_request) IS
    'raises 55000 "subject request … is closed" when the request was completed, refused or withdrawn; for the trigger and the functions that change a request; owner only';
REVOKE ALL ON FUNCTION dcpf.subject_request_open(dcpf.subject_request) FROM PUBLIC;

-- who the request is, what happened, and a closed request are fixed; the
-- free texts hold no patient numbers, whoever writes them
CREATE FUNCTION dcpf.subject_request_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the erasure of its person clears the person's own words, also of a
    -- closed request, and so does the retention job pseudonymising a closed
    -- request past its term (dcpf.restriction_exemption = retention, which
    -- only dcpf's own functions can set)
    IF TG_OP = 'UPDATE' AND NEW.details IS NULL AND OLD.details IS NOT NULL
       AND (dcpf.erasing(OLD.person_id)
            OR (pg_catalog.current_setting('dcpf.restriction_exemption', true) = 'retention'
                AND OLD.status IN ('completed', 'refused', 'withdrawn')))
       AND (NEW.id, NEW.person_id, NEW.licensee_id, NEW.kind, NEW.received_at, NEW.channel, NEW.status, NEW.decision, NEW.completed_at)
           IS NOT DISTINCT FROM (OLD.id, OLD.person_id, OLD.licensee_id, OLD.kind, OLD.received_at, OLD.channel, OLD.status, OLD.decision, OLD.completed_at) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        PERFORM dcpf.subject_request_open(OLD);
        IF (NEW.id, NEW.person_id, NEW.licensee_id, NEW.kind, NEW.details, NEW.received_at, NEW.channel)
           IS DISTINCT FROM (OLD.id, OLD.person_id, OLD.licensee_id, OLD.kind, OLD.details, OLD.received_at, OLD.channel) THEN
            RAISE EXCEPTION 'the request itself is fixed'
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = format('The person, controller, kind, details, time and channel of subject request %s are what was received.', OLD.id);
        END IF;
    END IF;
    PERFORM dcpf.free_text_verdict(NULL, CASE TG_OP WHEN 'INSERT' THEN 'The text of the new subject request'
                                                    ELSE format('The text of subject request %s', NEW.id) END,
                                   ARRAY[NEW.details, NEW.extension_reason, NEW.decision, NEW.legal_basis]);
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.subject_request_check() IS
    'trigger: a closed request is final (55000), but for its details (the person''s own words) being cleared by the erasure of its person or by the retention job (dcpf.restriction_exemption = retention); the person, controller, kind, details, time and channel are fixed (0A000); the free texts hold no BSN or card number (23514, dcpf.free_text_verdict without a licensee)';
CREATE TRIGGER subject_request_check BEFORE INSERT OR UPDATE ON dcpf.subject_request
    FOR EACH ROW EXECUTE FUNCTION dcpf.subject_request_check();

CREATE FUNCTION dcpf.submit_subject_request(kind text, details text DEFAULT NULL, channel text DEFAULT 'web') RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me         uuid := dcpf.verified_person();
    request_id uuid := gen_random_uuid();
BEGIN
    IF kind IS NULL OR kind NOT IN ('access', 'rectification', 'completion', 'erasure', 'restriction', 'portability', 'objection') THEN
        RAISE EXCEPTION 'unknown kind of subject request'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; a request is for access, rectification, completion, erasure, restriction, portability or objection.',
                                  coalesce(quote_literal(kind), 'NULL'));
    END IF;
    IF channel IS NULL OR channel NOT IN ('web', 'app', 'paper', 'email', 'phone') THEN
        RAISE EXCEPTION 'unknown request channel'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; a channel is web, app, paper, email or phone.', coalesce(quote_literal(channel), 'NULL'));
    END IF;
    INSERT INTO dcpf.subject_request (id, person_id, licensee_id, kind, details, channel)
    VALUES (request_id, me, dcpf.current_licensee(), submit_subject_request.kind, nullif(btrim(details), ''),
            submit_subject_request.channel);
    RETURN request_id;
END
$$;
COMMENT ON FUNCTION dcpf.submit_subject_request(text, text, text) IS
    'the verified person files a request to exercise one of their rights (access, rectification, completion, erasure, restriction, portability, objection), for themself, to the licensee they act in (none: the platform); returns its id. 42501 without identity; 22023 for an unknown kind or channel; 23514 for details holding a BSN or card number';

-- Who handles the requests made to a controller: a licensee's requests its
-- privacy officer, acting as privacy_officer in it; the requests made to the
-- platform (no licensee) the platform's security officer, acting as
-- platform_security (a role only the platform operator grants). Neither
-- handles the other's. The functions that carry out a request ask it; the
-- policies spell it out instead, as
--     licensee_id = (SELECT dcpf.licensee_if_acting_in('privacy_officer'))
--     OR (licensee_id IS NULL AND (SELECT dcpf.acting_in('platform_security')))
-- which uses the index on licensee_id rather than a call per row.
CREATE FUNCTION dcpf.handles_requests_of(licensee uuid) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL RESTRICTED
RETURN CASE WHEN handles_requests_of.licensee IS NULL THEN coalesce(dcpf.acting_in('platform_security'), false)
            ELSE coalesce(handles_requests_of.licensee = dcpf.licensee_if_acting_in('privacy_officer'), false) END;
COMMENT ON FUNCTION dcpf.handles_requests_of(uuid) IS
    'whether the verified identity handles the data-subject requests made to the controller: for a licensee, when acting as privacy_officer in it; for the platform (licensee NULL), when acting as platform_security; false otherwise (also without identity); owner only';
REVOKE ALL ON FUNCTION dcpf.handles_requests_of(uuid) FROM PUBLIC;

-- The request, locked, when the caller handles the requests made to its
-- controller (dcpf.handles_requests_of) and it is still open; owner only:
-- the staff steps start with it.
CREATE FUNCTION dcpf.officer_subject_request(request uuid) RETURNS dcpf.subject_request
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me  uuid := dcpf.verified_person();
    req dcpf.subject_request;
BEGIN
    SELECT * INTO req FROM dcpf.subject_request r
     WHERE r.id = request AND dcpf.handles_requests_of(r.licensee_id) AND r.person_id <> me
       FOR UPDATE;
    IF req.id IS NULL THEN
        RAISE EXCEPTION 'subject request % not found', coalesce(request::text, 'NULL')
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'It does not exist, or it is not addressed to the licensee you act in as its privacy officer, nor made to the platform while you act as its security officer, or it is your own.',
                  HINT = 'Requests are handled by the privacy officer of the licensee they were made to, acting as privacy_officer; requests made to the platform by its security officer, acting as platform_security.';
    END IF;
    PERFORM dcpf.subject_request_open(req);
    RETURN req;
END
$$;
COMMENT ON FUNCTION dcpf.officer_subject_request(uuid) IS
    'the open subject request, locked, if the caller handles the requests made to its controller (dcpf.handles_requests_of: privacy officer of its licensee, or for a request made to the platform its security officer, acting as platform_security) and is not its subject; P0002 (the same for every other case) or 55000 when closed; owner only';

CREATE FUNCTION dcpf.verify_subject_request(request uuid, method text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req dcpf.subject_request := dcpf.officer_subject_request(request);
BEGIN
    IF method IS NULL OR method NOT IN ('authenticated_session', 'id_document', 'in_person', 'callback') THEN
        RAISE EXCEPTION 'unknown verification method'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; identity is verified by authenticated_session, id_document, in_person or callback.',
                                  coalesce(quote_literal(method), 'NULL'));
    END IF;
    IF req.verified_at IS NOT NULL THEN
        RAISE EXCEPTION 'subject request % is already verified', req.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its identity was verified by %s on %s.', req.verification_method,
                                  (req.verified_at AT TIME ZONE 'Europe/Amsterdam')::date);
    END IF;
    UPDATE dcpf.subject_request
       SET verified_at = now(), verified_by = dcpf.current_person(), verification_method = method, status = 'in_progress'
     WHERE id = req.id;
END
$$;
COMMENT ON FUNCTION dcpf.verify_subject_request(uuid, text) IS
    'the privacy officer of the request''s licensee (for a request made to the platform: its security officer, acting as platform_security) records that the person''s identity was verified, and how (authenticated_session, id_document, in_person, callback); the request is then in_progress. P0002 for a request not theirs to handle; 55000 when closed or already verified; 22023 for an unknown method';

CREATE FUNCTION dcpf.assign_subject_request(request uuid, handler uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req dcpf.subject_request := dcpf.officer_subject_request(request);
BEGIN
    -- a licensee's request: one of its privacy officers; a request made to
    -- the platform: one of its security officers (in whichever licensee the
    -- platform operator granted the role)
    IF handler IS NULL OR NOT EXISTS (SELECT FROM dcpf.membership m
                                       WHERE m.person_id = handler
                                         AND CASE WHEN req.licensee_id IS NULL THEN m.role_code = 'platform_security'
                                                  ELSE m.licensee_id = req.licensee_id AND m.role_code = 'privacy_officer' END
                                         AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now())) THEN
        IF req.licensee_id IS NULL THEN
            RAISE EXCEPTION 'handler % is not a security officer of the platform', coalesce(handler::text, 'NULL')
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'A request made to the platform is handled by a person holding a current platform_security membership.';
        END IF;
        RAISE EXCEPTION 'handler % is not a privacy officer of the licensee', coalesce(handler::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A request is handled by a person holding a current privacy_officer membership of the licensee it was made to.';
    END IF;
    IF handler = req.person_id THEN
        RAISE EXCEPTION 'the subject of a request cannot handle it'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Person %s made subject request %s.', handler, req.id);
    END IF;
    UPDATE dcpf.subject_request
       SET handler_id = handler, status = CASE WHEN status = 'received' THEN 'verifying' ELSE status END
     WHERE id = req.id;
END
$$;
COMMENT ON FUNCTION dcpf.assign_subject_request(uuid, uuid) IS
    'the privacy officer of the request''s licensee assigns it to a handler: a current privacy officer of that licensee other than the subject; for a request made to the platform, its security officer (acting as platform_security) assigns it to a person holding a current platform_security membership other than the subject; a received request becomes verifying. P0002 for a request not theirs to handle; 55000 when closed; 22023 for another handler';

CREATE FUNCTION dcpf.extend_subject_request(request uuid, months integer, reason text, person_told_at timestamptz) RETURNS date
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req   dcpf.subject_request := dcpf.officer_subject_request(request);
    until date;
BEGIN
    IF months IS NULL OR months NOT IN (1, 2) THEN
        RAISE EXCEPTION 'an extension is one or two months'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; art. 12(3) AVG allows extending the term by at most two further months.', coalesce(months::text, 'NULL'));
    END IF;
    IF length(btrim(coalesce(reason, ''))) < 5 THEN
        RAISE EXCEPTION 'an extension needs a reason'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The person must be told why the term is extended (at least 5 characters).';
    END IF;
    IF person_told_at IS NULL OR person_told_at > now() THEN
        RAISE EXCEPTION 'an extension needs the time the person was told'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; give when the person was told of the extension and its reason, not a time still to come.',
                                  coalesce(person_told_at::text, 'NULL'));
    END IF;
    IF req.status = 'extended' THEN
        RAISE EXCEPTION 'subject request % is already extended', req.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its term runs until %s; a term is extended once, by at most two months.', req.extended_until);
    END IF;
    IF req.status <> 'in_progress' THEN
        RAISE EXCEPTION 'subject request % is not verified', req.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s: the term of a request is extended only once the person''s identity was verified.', req.status),
                  HINT = 'Verify it first with dcpf.verify_subject_request.';
    END IF;
    IF person_told_at < req.received_at OR (person_told_at AT TIME ZONE 'Europe/Amsterdam')::date > req.due_on THEN
        RAISE EXCEPTION 'the person was not told within the term'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The request was received on %s and was due on %s; the person must be told of an extension between the two (art. 12(3) AVG), and was told on %s.',
                                  (req.received_at AT TIME ZONE 'Europe/Amsterdam')::date, req.due_on,
                                  (person_told_at AT TIME ZONE 'Europe/Amsterdam')::date);
    END IF;
    UPDATE dcpf.subject_request
       SET extension_months = months, extension_reason = btrim(reason),
           person_told_at = extend_subject_request.person_told_at, status = 'extended'
     WHERE id = req.id
    RETURNING extended_until INTO until;
    RETURN until;
END
$$;
COMMENT ON FUNCTION dcpf.extend_subject_request(uuid, integer, text, timestamptz) IS
    'the privacy officer of the request''s licensee (for a request made to the platform: its security officer, acting as platform_security) extends the term of a verified request once, by 1 or 2 months, with the reason and the time the person was told (within the first month); returns the new last day. P0002 for a request not theirs to handle; 22023 for other months, no reason or no (or a future) time told; 55000 when closed, not verified, already extended or told too late';

CREATE FUNCTION dcpf.complete_subject_request(request uuid, decision text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req dcpf.subject_request := dcpf.officer_subject_request(request);
BEGIN
    IF length(btrim(coalesce(decision, ''))) < 5 THEN
        RAISE EXCEPTION 'a completed request needs a decision'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Say what was done, as told to the person (at least 5 characters).';
    END IF;
    IF req.status NOT IN ('in_progress', 'extended') THEN
        RAISE EXCEPTION 'subject request % is not verified', req.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s: a request is carried out only for a person whose identity was verified.', req.status),
                  HINT = 'Verify it with dcpf.verify_subject_request, or refuse it.';
    END IF;
    UPDATE dcpf.subject_request
       SET status = 'completed', decision = btrim(complete_subject_request.decision), completed_at = now(),
           handler_id = coalesce(handler_id, dcpf.current_person())
     WHERE id = req.id;
END
$$;
COMMENT ON FUNCTION dcpf.complete_subject_request(uuid, text) IS
    'the privacy officer of the request''s licensee (for a request made to the platform: its security officer, acting as platform_security) closes a verified request as completed, with the decision told to the person; the caller becomes its handler if it had none. P0002 for a request not theirs to handle; 55000 when closed or not verified; 22023 without a decision; 23514 for a decision holding a BSN or card number';

CREATE FUNCTION dcpf.refuse_subject_request(request uuid, decision text, legal_basis text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req dcpf.subject_request := dcpf.officer_subject_request(request);
BEGIN
    IF length(btrim(coalesce(decision, ''))) < 5 OR length(btrim(coalesce(legal_basis, ''))) < 5 THEN
        RAISE EXCEPTION 'a refusal needs a decision and its legal basis'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The person must be told why, on what ground, and that they may complain to the Autoriteit Persoonsgegevens or go to court (art. 12(4) AVG); each at least 5 characters.';
    END IF;
    UPDATE dcpf.subject_request
       SET status = 'refused', decision = btrim(refuse_subject_request.decision),
           legal_basis = btrim(refuse_subject_request.legal_basis), completed_at = now(),
           handler_id = coalesce(handler_id, dcpf.current_person())
     WHERE id = req.id;
END
$$;
COMMENT ON FUNCTION dcpf.refuse_subject_request(uuid, text, text) IS
    'the privacy officer of the request''s licensee (for a request made to the platform: its security officer, acting as platform_security) refuses an open request (verified or not: identity that cannot be verified is a ground), with the decision and its legal basis; the caller becomes its handler if it had none. P0002 for a request not theirs to handle; 55000 when closed; 22023 without both texts; 23514 for a text holding a BSN or card number';

CREATE FUNCTION dcpf.withdraw_subject_request(request uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me  uuid := dcpf.verified_person();
    req dcpf.subject_request;
BEGIN
    SELECT * INTO req FROM dcpf.subject_request r WHERE r.id = request AND r.person_id = me FOR UPDATE;
    IF req.id IS NULL THEN
        RAISE EXCEPTION 'subject request % not found', coalesce(request::text, 'NULL')
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or it is not yours: only the person who made a request withdraws it.';
    END IF;
    PERFORM dcpf.subject_request_open(req);
    UPDATE dcpf.subject_request SET status = 'withdrawn', completed_at = now() WHERE id = req.id;
END
$$;
COMMENT ON FUNCTION dcpf.withdraw_subject_request(uuid) IS
    'the verified person withdraws an open request of their own; it is closed as withdrawn. P0002 for a request not theirs; 55000 when closed';

REVOKE ALL ON TABLE dcpf.subject_request FROM PUBLIC;
ALTER TABLE dcpf.subject_request FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.subject_request ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.subject_request', '');
REVOKE ALL ON FUNCTION dcpf.subject_request_check(), dcpf.officer_subject_request(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.submit_subject_request(text, text, text), dcpf.verify_subject_request(uuid, text),
    dcpf.assign_subject_request(uuid, uuid), dcpf.extend_subject_request(uuid, integer, text, timestamptz),
    dcpf.complete_subject_request(uuid, text), dcpf.refuse_subject_request(uuid, text, text),
    dcpf.withdraw_subject_request(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.submit_subject_request(text, text, text), dcpf.verify_subject_request(uuid, text),
    dcpf.assign_subject_request(uuid, uuid), dcpf.extend_subject_request(uuid, integer, text, timestamptz),
    dcpf.complete_subject_request(uuid, text), dcpf.refuse_subject_request(uuid, text, text),
    dcpf.withdraw_subject_request(uuid) TO dcpf_app;

-- the person reads their own requests; whoever handles the requests made
-- to its controller reads it (dcpf.handles_requests_of, spelled out: the
-- privacy officer of its licensee; for a request made to the platform, its
-- security officer); only the functions above write
CREATE POLICY subject_request_self_read ON dcpf.subject_request FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY subject_request_officer_read ON dcpf.subject_request FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('privacy_officer')
           OR (licensee_id IS NULL AND dcpf.acting_in('platform_security')));
GRANT SELECT (id, person_id, licensee_id, kind, details, received_at, channel, due_on, verified_at, verified_by,
              verification_method, status, handler_id, extension_months, extended_until, extension_reason, person_told_at,
              decision, legal_basis, completed_at) ON dcpf.subject_request TO dcpf_app;

-- the requests of a person whose processing is restricted go on
SELECT dcpf.audit_table('dcpf.subject_request', 'person_id', restriction_exempt => true);

-- ---------------------------------------------------------------------------
-- Overdue requests
-- ---------------------------------------------------------------------------
CREATE VIEW dcpf.overdue_subject_requests WITH (security_invoker = true) AS
SELECT r.id, r.person_id, r.licensee_id, r.kind, r.status, r.received_at, r.due_on, r.extended_until, r.handler_id,
       (now() AT TIME ZONE 'Europe/Amsterdam')::date - coalesce(r.extended_until, r.due_on) AS days_overdue
  FROM dcpf.subject_request r
 WHERE r.status IN ('received', 'verifying', 'in_progress', 'extended')
   AND (now() AT TIME ZONE 'Europe/Amsterdam')::date > coalesce(r.extended_until, r.due_on);
COMMENT ON VIEW dcpf.overdue_subject_requests IS
    'the open subject requests past the last day of their term (extended_until if extended, else due_on), by the date in Europe/Amsterdam; security_invoker: the privacy officer sees those made to their licensee, the platform''s security officer (acting as platform_security) those made to the platform, a person their own';
COMMENT ON COLUMN dcpf.overdue_subject_requests.id IS 'the request';
COMMENT ON COLUMN dcpf.overdue_subject_requests.person_id IS 'the data subject';
COMMENT ON COLUMN dcpf.overdue_subject_requests.licensee_id IS 'the controller handling it; NULL: the platform';
COMMENT ON COLUMN dcpf.overdue_subject_requests.kind IS 'the right exercised';
COMMENT ON COLUMN dcpf.overdue_subject_requests.status IS 'its (open) status';
COMMENT ON COLUMN dcpf.overdue_subject_requests.received_at IS 'when it was received';
COMMENT ON COLUMN dcpf.overdue_subject_requests.due_on IS 'the last day of the term';
COMMENT ON COLUMN dcpf.overdue_subject_requests.extended_until IS 'the last day of the extended term, if extended';
COMMENT ON COLUMN dcpf.overdue_subject_requests.handler_id IS 'the handler, if assigned';
COMMENT ON COLUMN dcpf.overdue_subject_requests.days_overdue IS 'days since the last day of the term (1: the day after it)';
REVOKE ALL ON dcpf.overdue_subject_requests FROM PUBLIC;
GRANT SELECT ON dcpf.overdue_subject_requests TO dcpf_app;
