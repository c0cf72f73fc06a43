-- 175_feedback.sql: feedback requests. A professional asks a person of the
-- platform, or someone outside it by e-mail, for feedback on a draft item of
-- type feedback, or asks the named assessor of a draft assessment to assess
-- it. The request submits the item, is queued as a notice and recorded as a
-- disclosure, and expires. The giver fills in and signs it: a person with
-- dcpf.give_feedback (or dcpf.assess_item for an assessment), someone
-- outside with the one-time link of the e-mail (dcpf.give_feedback_by_token,
-- called by the application's back-end). A formal assessment is signed only
-- by a verified person of the platform: an e-mail link is no identity to
-- build an entrustment on. See doc/reference/feedback.md.

CREATE TABLE dcpf.feedback_request (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id            uuid NOT NULL REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    owner_id           uuid NOT NULL,
    giver_person_id    uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    giver_email        dcpf.email,
    giver_name         text CONSTRAINT feedback_request_giver_name_length CHECK (length(btrim(giver_name)) BETWEEN 1 AND 200)
                       CONSTRAINT feedback_request_giver_name_no_numbers
                       CHECK (NOT dcpf.contains_bsn(giver_name) AND NOT dcpf.contains_card_number(giver_name)),
    message_encrypted  bytea,
    token_hash         bytea CONSTRAINT feedback_request_token_hash_length CHECK (length(token_hash) = 32),
    requested_at       timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    answered_at        timestamptz,
    response_encrypted bytea,
    signed_name        text CONSTRAINT feedback_request_signed_name_length CHECK (length(btrim(signed_name)) BETWEEN 1 AND 200),
    withdrawn_at       timestamptz,
    CONSTRAINT feedback_request_one_giver
        CHECK (giver_email IS NULL OR giver_person_id IS NULL),
    CONSTRAINT feedback_request_external_complete
        CHECK ((giver_email IS NOT NULL) = (token_hash IS NOT NULL) AND (giver_email IS NULL OR giver_name IS NOT NULL)),
    CONSTRAINT feedback_request_expiry_range
        CHECK (expires_at > requested_at AND expires_at <= requested_at + interval '90 days'),
    CONSTRAINT feedback_request_answered_once
        CHECK ((answered_at IS NULL OR withdrawn_at IS NULL)
               AND (answered_at IS NOT NULL OR (response_encrypted IS NULL AND signed_name IS NULL))
               AND (signed_name IS NULL OR giver_email IS NOT NULL))
);
CREATE INDEX feedback_request_item_idx ON dcpf.feedback_request (item_id);
CREATE INDEX feedback_request_owner_idx ON dcpf.feedback_request (owner_id, requested_at DESC);
CREATE INDEX feedback_request_giver_idx ON dcpf.feedback_request (giver_person_id) WHERE giver_person_id IS NOT NULL;
CREATE UNIQUE INDEX feedback_request_token_idx ON dcpf.feedback_request (token_hash) WHERE token_hash IS NOT NULL;
COMMENT ON TABLE dcpf.feedback_request IS
    'a professional''s request for feedback on, or the assessment of, one of their items, to a person of the platform or to someone outside it by e-mail; expires; written by dcpf''s functions only';
COMMENT ON COLUMN dcpf.feedback_request.id IS 'request identifier';
COMMENT ON COLUMN dcpf.feedback_request.item_id IS 'the item asked about: of type feedback, or an assessment (then the giver is its named assessor)';
COMMENT ON COLUMN dcpf.feedback_request.owner_id IS 'the professional who asks (the item''s owner)';
COMMENT ON COLUMN dcpf.feedback_request.giver_person_id IS 'the person asked, when on the platform; NULL when asked by e-mail, or when that person was erased';
COMMENT ON COLUMN dcpf.feedback_request.giver_email IS 'the address of someone outside the platform asked for feedback; NULL: a person of the platform';
COMMENT ON COLUMN dcpf.feedback_request.giver_name IS 'how the professional names the outside giver (e.g. "J. de Vries, verpleegkundige"); never a BSN or card number';
COMMENT ON COLUMN dcpf.feedback_request.message_encrypted IS 'the professional''s words to the giver, encrypted under their data key; NULL: none';
COMMENT ON COLUMN dcpf.feedback_request.token_hash IS 'SHA-256 of the one-time link token sent to an outside giver (the token itself leaves the notice queue once sent)';
COMMENT ON COLUMN dcpf.feedback_request.requested_at IS 'when it was asked';
COMMENT ON COLUMN dcpf.feedback_request.expires_at IS 'until when it can be answered (at most 90 days)';
COMMENT ON COLUMN dcpf.feedback_request.answered_at IS 'when the giver gave and signed the feedback; NULL: not yet';
COMMENT ON COLUMN dcpf.feedback_request.response_encrypted IS
    'the feedback given, encrypted under the professional''s data key (for an assessment, dcpf.assessment holds it); NULL: not yet';
COMMENT ON COLUMN dcpf.feedback_request.signed_name IS 'the name an outside giver signed with; NULL for a person of the platform (the item''s signed_by names them)';
COMMENT ON COLUMN dcpf.feedback_request.withdrawn_at IS 'when the professional withdrew the item, and so the request; NULL: not withdrawn';

-- ---------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------
-- a one-time link token: 244 random bits (two version-4 UUIDs, drawn from
-- pg_strong_random), base64url without padding
CREATE FUNCTION dcpf.new_link_token() RETURNS text
    LANGUAGE sql VOLATILE PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
RETURN pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(pg_catalog.uuid_send(pg_catalog.gen_random_uuid())
                                                              || pg_catalog.uuid_send(pg_catalog.gen_random_uuid()), 'base64'),
                                             '+/', '-_'), '=');
COMMENT ON FUNCTION dcpf.new_link_token() IS
    'a new one-time link token (base64url, 244 random bits from two version-4 UUIDs); owner only';

-- what is kept of a link token: its SHA-256; NULL for what cannot be one
CREATE FUNCTION dcpf.link_token_hash(token text) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN CASE WHEN length(token) BETWEEN 20 AND 100 THEN pg_catalog.sha256(pg_catalog.convert_to(token, 'UTF8')) END;
COMMENT ON FUNCTION dcpf.link_token_hash(text) IS
    'the SHA-256 of a one-time link token (what is stored, and what a token is looked up by), or NULL for a value of under 20 or over 100 characters, which is no token; owner only';

-- the request a link token opens, or P0002
CREATE FUNCTION dcpf.feedback_request_by_token_hash(token text) RETURNS dcpf.feedback_request
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r dcpf.feedback_request;
BEGIN
    -- looked up by its hash: equal hashes, not a compare of secrets in time
    -- that depends on the token
    SELECT * INTO r FROM dcpf.feedback_request x WHERE x.token_hash = dcpf.link_token_hash(token);
    IF r.id IS NULL THEN
        RAISE EXCEPTION 'feedback request not found'
            USING ERRCODE = 'no_data_found', DETAIL = 'The link is not valid.';
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION dcpf.feedback_request_by_token_hash(text) IS
    'the feedback request whose link token this is (found by the token''s SHA-256), or P0002 "feedback request not found"; owner only';

-- a request that can still be answered, or 55000 saying why not
CREATE FUNCTION dcpf.feedback_request_open(r dcpf.feedback_request) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF r.withdrawn_at IS NOT NULL THEN
        RAISE EXCEPTION 'feedback request % was withdrawn', r.id
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('It was withdrawn at %s.', r.withdrawn_at);
    ELSIF r.answered_at IS NOT NULL THEN
        RAISE EXCEPTION 'feedback request % was answered', r.id
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('It was answered at %s.', r.answered_at);
    ELSIF r.expires_at <= now() THEN
        RAISE EXCEPTION 'feedback request % expired', r.id
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('It could be answered until %s.', r.expires_at),
                  HINT = 'The professional can withdraw the item and ask again.';
    END IF;
END
$$;
COMMENT ON FUNCTION dcpf.feedback_request_open(dcpf.feedback_request) IS
    'raises 55000 when the request was withdrawn, answered or has expired; owner only';

-- ---------------------------------------------------------------------------
-- Asking
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.request_feedback(item uuid, giver uuid DEFAULT NULL, giver_email text DEFAULT NULL,
                                      giver_name text DEFAULT NULL, message text DEFAULT NULL,
                                      expires_at timestamptz DEFAULT now() + interval '14 days')
    RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it       dcpf.portfolio_item := dcpf.portfolio_item_for_owner(item, 'draft', 'submitted');
    assessor uuid;
    address  dcpf.email;
    token    text;
    new_id   uuid := gen_random_uuid();
    asker    text;
BEGIN
    IF it.item_type NOT IN ('feedback', 'assessment') THEN
        RAISE EXCEPTION 'feedback is asked on an item of type feedback or assessment'
            USING ERRCODE = 'wrong_object_type', DETAIL = format('Item %s is of type %s.', it.id, it.item_type);
    END IF;
    IF (giver IS NULL) = (giver_email IS NULL) AND it.item_type = 'feedback' THEN
        RAISE EXCEPTION 'feedback is asked of one person or one address'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Give either the person (giver) or the e-mail address (giver_email) of whom you ask it.';
    END IF;
    IF it.item_type = 'assessment' THEN
        SELECT a.assessor_id INTO assessor FROM dcpf.assessment a WHERE a.item_id = it.id;
        IF giver_email IS NOT NULL THEN
            RAISE EXCEPTION 'an assessment is asked of a person of the platform'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('Item %s is an assessment; an e-mail address was given.', it.id),
                      HINT = 'An assessment is signed by a verified person; invite the assessor to the platform, or ask for feedback instead.';
        ELSIF assessor IS NULL THEN
            RAISE EXCEPTION 'assessment % has no assessor yet', it.id
                USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Fill in its assessment row first.';
        ELSIF giver IS NOT NULL AND giver <> assessor THEN
            RAISE EXCEPTION 'an assessment is asked of its named assessor'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('Item %s names another assessor than person %s.', it.id, giver);
        END IF;
        giver := assessor;
    END IF;
    IF giver IS NOT NULL AND (giver = it.owner_id OR NOT EXISTS (SELECT FROM dcpf.person p WHERE p.id = giver)) THEN
        RAISE EXCEPTION 'feedback is asked of another person of the platform'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Person %s is you, or no person.', giver);
    END IF;
    IF giver_email IS NOT NULL THEN
        IF NOT dcpf.email_is_valid(giver_email) THEN
            RAISE EXCEPTION 'invalid e-mail address for the giver'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got "%s".', giver_email);
        END IF;
        address := giver_email::dcpf.email;
        IF giver_name IS NULL THEN
            RAISE EXCEPTION 'someone asked by e-mail needs a name'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('No giver_name for %s.', address),
                      HINT = 'Name them as you know them, e.g. "J. de Vries, verpleegkundige".';
        END IF;
        token := dcpf.new_link_token();
    ELSIF giver_name IS NOT NULL THEN
        RAISE EXCEPTION 'a person of the platform is named by the platform'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'giver_name is for someone asked by e-mail.';
    END IF;
    IF request_feedback.expires_at IS NULL OR request_feedback.expires_at <= now() + interval '1 hour'
       OR request_feedback.expires_at > now() + interval '90 days' THEN
        RAISE EXCEPTION 'a feedback request expires between an hour and 90 days from now'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s.', coalesce(request_feedback.expires_at::text, 'NULL'));
    END IF;
    IF message IS NOT NULL AND length(message) > 4000 THEN
        RAISE EXCEPTION 'a message to the giver is at most 4000 characters'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', length(message));
    END IF;
    IF EXISTS (SELECT FROM dcpf.msf_round x WHERE x.item_id = it.id) THEN
        RAISE EXCEPTION 'item % holds a multisource feedback round', it.id
            USING ERRCODE = 'unique_violation', HINT = 'Ask for feedback on a new item of type feedback.';
    END IF;
    -- what the professional sends someone else never holds a patient number, whatever the policy
    PERFORM dcpf.free_text_verdict(NULL, format('The message of the feedback request on item %s', it.id),
                                   ARRAY[message, giver_name]);

    INSERT INTO dcpf.feedback_request (id, item_id, owner_id, giver_person_id, giver_email, giver_name, message_encrypted,
                                       token_hash, expires_at)
    VALUES (new_id, it.id, it.owner_id, giver, address, btrim(giver_name),
            CASE WHEN message IS NOT NULL THEN dcpf.encrypt(message, 'feedback_request', 'message', new_id, it.owner_id) END,
            dcpf.link_token_hash(token), request_feedback.expires_at);
    UPDATE dcpf.portfolio_item SET status = 'submitted', submitted_at = now() WHERE id = it.id;

    -- the giver is told; the item is disclosed to them
    SELECT dcpf.person_display_name(p) INTO asker FROM dcpf.person p WHERE p.id = it.owner_id;
    PERFORM dcpf.queue_notice('feedback_request', giver, address, it.owner_id,
                              jsonb_strip_nulls(jsonb_build_object('request_id', new_id, 'item_id', it.id, 'item_type', it.item_type,
                                                                   -- (not a title that may hold a patient number)
                                                                   'title', CASE WHEN NOT it.possibly_patient_data THEN it.title END,
                                                                   'asked_by', asker,
                                                                   'expires_at', request_feedback.expires_at, 'token', token)));
    IF giver IS NULL THEN
        INSERT INTO dcpf.disclosure (subject_id, kind, recipient_description, what, until)
        VALUES (it.owner_id, 'share', 'someone outside the platform, by e-mail (see the feedback request)',
                format('portfolio item %s (feedback request %s)', it.id, new_id), request_feedback.expires_at);
    ELSIF it.item_type = 'feedback' THEN
        INSERT INTO dcpf.disclosure (subject_id, kind, recipient_person_id, recipient_description, what, until)
        VALUES (it.owner_id, 'share', giver, 'a person', format('portfolio item %s (feedback request %s)', it.id, new_id),
                request_feedback.expires_at);
    END IF;                                 -- an assessment's disclosure is recorded at its submission
    token := NULL;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.request_feedback(uuid, uuid, text, text, text, timestamptz) IS
    'the owner asks for feedback on their draft item of type feedback (of a person of the platform, or by e-mail of someone outside it, named by giver_name), or asks the named assessor of their draft assessment to assess it; submits the item, queues a feedback_request notice (with a one-time link token for an address), records the disclosure, and returns the request id. Expires between an hour and 90 days from now (default 14 days). P0002 unless the caller''s draft; 42809 other item types; 23505 an item holding a multisource feedback round; 22023 bad giver, address, name or expiry, or a message over 4000 characters; 23514 when the message or name holds a patient number (refused whatever the licensee''s policy: it goes to someone else). The notice names the item''s title unless the item is flagged as possibly holding patient data';

-- withdrawing the item withdraws its open request and ends its disclosure
CREATE FUNCTION dcpf.feedback_request_withdraw() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r dcpf.feedback_request;
BEGIN
    FOR r IN UPDATE dcpf.feedback_request x SET withdrawn_at = now()
              WHERE x.item_id = NEW.id AND x.answered_at IS NULL AND x.withdrawn_at IS NULL
             RETURNING * LOOP
        UPDATE dcpf.disclosure d SET ended_at = now()
         WHERE d.subject_id = r.owner_id AND d.ended_at IS NULL
           AND d.what = format('portfolio item %s (feedback request %s)', r.item_id, r.id);
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION dcpf.feedback_request_withdraw() IS
    'trigger: when a submitted item goes back to draft, its open feedback request is withdrawn and its disclosure ended (SECURITY DEFINER: requests and the register are written by the server only)';
CREATE TRIGGER portfolio_item_feedback_withdraw AFTER UPDATE OF status ON dcpf.portfolio_item
    FOR EACH ROW WHEN (OLD.status = 'submitted' AND NEW.status = 'draft')
    EXECUTE FUNCTION dcpf.feedback_request_withdraw();

-- an assessment asked for with an expiry can no longer be assessed once it
-- has expired; assessed in time, the request is answered
CREATE FUNCTION dcpf.feedback_request_assessed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r dcpf.feedback_request;
BEGIN
    SELECT * INTO r FROM dcpf.feedback_request x
     WHERE x.item_id = NEW.item_id AND x.answered_at IS NULL AND x.withdrawn_at IS NULL FOR UPDATE;
    IF FOUND THEN
        PERFORM dcpf.feedback_request_open(r);
        UPDATE dcpf.feedback_request x SET answered_at = NEW.assessed_at WHERE x.id = r.id;
        PERFORM dcpf.queue_notice('feedback_given', r.owner_id, NULL, r.owner_id,
                                  jsonb_build_object('request_id', r.id, 'item_id', r.item_id, 'item_type', 'assessment'));
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.feedback_request_assessed() IS
    'trigger: an assessment with an open feedback request is assessed only before the request expires (55000 after); the request is then answered and the professional told (SECURITY DEFINER: requests are written by the server only)';
CREATE TRIGGER assessment_feedback_request BEFORE UPDATE OF assessed_at ON dcpf.assessment
    FOR EACH ROW WHEN (OLD.assessed_at IS NULL AND NEW.assessed_at IS NOT NULL)
    EXECUTE FUNCTION dcpf.feedback_request_assessed();

-- ---------------------------------------------------------------------------
-- Giving
-- ---------------------------------------------------------------------------
-- the request as its giver sees it: for a person of the platform (by id)
-- and for someone outside (by link token, through the application's back-end)
CREATE FUNCTION dcpf.feedback_request_view(r dcpf.feedback_request)
    RETURNS TABLE (request_id uuid, item_id uuid, item_type text, title text, body text, occurred_on date,
                   asked_by text, message text, requested_at timestamptz, expires_at timestamptz, answered_at timestamptz)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM dcpf.feedback_request_open(r);
    PERFORM dcpf.audit_note('read', 'feedback_request', r.id::text, r.owner_id, NULL);
    PERFORM dcpf.audit_note('read', 'portfolio_item', r.item_id::text, r.owner_id, NULL);
    RETURN QUERY
    SELECT r.id, i.id, i.item_type, i.title,
           dcpf.decrypt_text(i.body_encrypted, 'portfolio_item', 'body', i.id, i.owner_id, true),
           i.occurred_on, dcpf.person_display_name(p),
           dcpf.decrypt_text(r.message_encrypted, 'feedback_request', 'message', r.id, r.owner_id, true),
           r.requested_at, r.expires_at, r.answered_at
      FROM dcpf.portfolio_item i JOIN dcpf.person p ON p.id = i.owner_id
     WHERE i.id = r.item_id;
END
$$;
COMMENT ON FUNCTION dcpf.feedback_request_view(dcpf.feedback_request) IS
    'the open request with its item (body decrypted) and the professional''s message, logged as reads of the professional''s data; 55000 when no longer open; owner only';

CREATE FUNCTION dcpf.feedback_request_for_giver(request uuid)
    RETURNS TABLE (request_id uuid, item_id uuid, item_type text, title text, body text, occurred_on date,
                   asked_by text, message text, requested_at timestamptz, expires_at timestamptz, answered_at timestamptz)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r  dcpf.feedback_request;
    me uuid := dcpf.verified_person();
BEGIN
    SELECT * INTO r FROM dcpf.feedback_request x WHERE x.id = request;
    IF r.id IS NULL OR r.giver_person_id IS DISTINCT FROM me THEN
        IF r.id IS NOT NULL AND r.owner_id <> me THEN
            PERFORM dcpf.audit_note('read', 'feedback_request', r.id::text, r.owner_id, '{"reason": "not the giver"}', true);
        END IF;
        RAISE EXCEPTION 'feedback request % not found', request
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or it was not asked of you.';
    END IF;
    RETURN QUERY SELECT * FROM dcpf.feedback_request_view(r);
END
$$;
COMMENT ON FUNCTION dcpf.feedback_request_for_giver(uuid) IS
    'the open feedback request asked of the verified person, with the item (title, body) and the professional''s message, logged as a read; P0002 unless asked of the caller (an attempt is logged); 55000 when withdrawn, answered or expired';

CREATE FUNCTION dcpf.feedback_request_by_token(token text)
    RETURNS TABLE (request_id uuid, item_id uuid, item_type text, title text, body text, occurred_on date,
                   asked_by text, message text, requested_at timestamptz, expires_at timestamptz, answered_at timestamptz)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM dcpf.feedback_request_view(dcpf.feedback_request_by_token_hash(token));
END
$$;
COMMENT ON FUNCTION dcpf.feedback_request_by_token(text) IS
    'for the application''s back-end serving an outside giver''s link: the open request the token opens, with the item and the message, logged as a read by the back-end''s role; P0002 for an unknown token; 55000 when withdrawn, answered or expired';

-- fill in and sign: the request answered, the item signed, the professional told
CREATE FUNCTION dcpf.feedback_answer(r dcpf.feedback_request, feedback text, signer uuid, signed_name text)
    RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it      dcpf.portfolio_item;
    flagged boolean;
    sealed  bytea;
BEGIN
    PERFORM dcpf.feedback_request_open(r);
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = r.item_id FOR UPDATE;
    IF it.item_type <> 'feedback' THEN
        RAISE EXCEPTION 'an assessment is filled in with dcpf.assess_item'
            USING ERRCODE = 'wrong_object_type', DETAIL = format('Request %s is for assessment %s.', r.id, it.id);
    END IF;
    IF feedback IS NULL OR length(btrim(feedback)) = 0 OR length(feedback) > 20000 THEN
        RAISE EXCEPTION 'feedback is 1 to 20000 characters'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s characters.', coalesce(length(feedback), 0));
    END IF;
    flagged := dcpf.free_text_verdict(it.licensee_id, format('The feedback on item %s', it.id), ARRAY[feedback, signed_name]);
    -- the ciphertext first: Citus refuses a VOLATILE function in an UPDATE of its tables
    sealed := dcpf.encrypt(feedback, 'feedback_request', 'response', r.id, r.owner_id);
    UPDATE dcpf.feedback_request x
       SET answered_at = now(), signed_name = btrim(feedback_answer.signed_name), response_encrypted = sealed
     WHERE x.id = r.id;
    UPDATE dcpf.portfolio_item p
       SET status = 'signed', signed_at = now(), signed_by = signer,
           possibly_patient_data = p.possibly_patient_data OR flagged
     WHERE p.id = it.id;
    PERFORM dcpf.queue_notice('feedback_given', r.owner_id, NULL, r.owner_id,
                              jsonb_build_object('request_id', r.id, 'item_id', r.item_id, 'item_type', 'feedback'));
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.feedback_answer(dcpf.feedback_request, text, uuid, text) IS
    'answers an open feedback request: the feedback (1-20000 characters, scanned per the free-text policy, encrypted under the professional''s key), the item signed by the signer (NULL: the outside giver of signed_name), the professional told; owner only';

CREATE FUNCTION dcpf.give_feedback(request uuid, feedback text) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r  dcpf.feedback_request;
    me uuid := dcpf.verified_person();
BEGIN
    SELECT * INTO r FROM dcpf.feedback_request x WHERE x.id = request AND x.giver_person_id = me FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'feedback request % not found', request
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or it was not asked of you.';
    END IF;
    RETURN dcpf.feedback_answer(r, feedback, me, NULL);
END
$$;
COMMENT ON FUNCTION dcpf.give_feedback(uuid, text) IS
    'the person asked gives and signs the feedback of an open request (the item becomes signed by them; the professional is told); returns the time. P0002 unless asked of the caller; 55000 withdrawn, answered or expired; 42809 for an assessment (dcpf.assess_item); 22023 empty or over 20000 characters; 23514 when it breaks the free-text policy';

CREATE FUNCTION dcpf.give_feedback_by_token(token text, feedback text, signed_name text) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r dcpf.feedback_request := dcpf.feedback_request_by_token_hash(token);
BEGIN
    SELECT * INTO r FROM dcpf.feedback_request x WHERE x.id = r.id FOR UPDATE;
    PERFORM dcpf.feedback_request_open(r);
    IF signed_name IS NULL OR length(btrim(signed_name)) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'feedback by link is signed with a name'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'signed_name is empty or longer than 200 characters.';
    END IF;
    -- kept in the clear: never a patient number, whatever the policy
    PERFORM dcpf.free_text_verdict(NULL, 'The name signed with', ARRAY[signed_name]);
    RETURN dcpf.feedback_answer(r, feedback, NULL, signed_name);
END
$$;
COMMENT ON FUNCTION dcpf.give_feedback_by_token(text, text, text) IS
    'for the application''s back-end serving an outside giver''s link: gives and signs the feedback (signed_name, 1-200 characters) of the open request the token opens; the item becomes signed without a signer of the platform; returns the time. P0002 unknown token; 55000 withdrawn, answered or expired; 22023 empty feedback or name; 23514 when it breaks the free-text policy';

-- ---------------------------------------------------------------------------
-- Reading the feedback
-- ---------------------------------------------------------------------------
CREATE VIEW dcpf.feedback_request_decrypted WITH (security_invoker = true, security_barrier = true) AS
SELECT r.id, r.item_id, r.owner_id, r.giver_person_id, r.giver_email, r.giver_name,
       dcpf.decrypt_text(r.message_encrypted, 'feedback_request', 'message', r.id, r.owner_id, true) AS message,
       r.requested_at, r.expires_at, r.answered_at,
       dcpf.decrypt_text(r.response_encrypted, 'feedback_request', 'response', r.id, r.owner_id, true) AS response,
       r.signed_name, r.withdrawn_at
  FROM dcpf.feedback_request r;
COMMENT ON VIEW dcpf.feedback_request_decrypted IS
    'the professional''s feedback requests with their message and the feedback given decrypted (security_invoker; only the owner may decrypt)';
COMMENT ON COLUMN dcpf.feedback_request_decrypted.message IS 'the professional''s words to the giver, decrypted';
COMMENT ON COLUMN dcpf.feedback_request_decrypted.response IS 'the feedback given, decrypted';
SELECT dcpf.describe_decrypted_views();

-- the feedback given on an item shared with the caller, decrypted and logged
CREATE FUNCTION dcpf.shared_feedback(item uuid)
    RETURNS TABLE (request_id uuid, item_id uuid, owner_id uuid, giver_person_id uuid, giver_name text,
                   answered_at timestamptz, response text, signed_name text, permission text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item;
    granted text;
BEGIN
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = shared_feedback.item;
    granted := dcpf.shared_read(shared_feedback.item, 'feedback_request', it.owner_id);
    RETURN QUERY
    SELECT r.id, r.item_id, r.owner_id, r.giver_person_id, r.giver_name, r.answered_at,
           dcpf.decrypt_text(r.response_encrypted, 'feedback_request', 'response', r.id, r.owner_id, true),
           r.signed_name, granted
      FROM dcpf.feedback_request r
     WHERE r.item_id = it.id AND r.answered_at IS NOT NULL;
END
$$;
COMMENT ON FUNCTION dcpf.shared_feedback(uuid) IS
    'the feedback given on an item shared with the verified identity (who gave it, when, the text decrypted), logged as a read; P0002 when the item does not exist or is not shared now (an attempt on someone else''s is logged as well)';

-- ---------------------------------------------------------------------------
-- Protection, access, audit
-- ---------------------------------------------------------------------------
REVOKE ALL ON TABLE dcpf.feedback_request FROM PUBLIC;
REVOKE ALL ON dcpf.feedback_request_decrypted FROM PUBLIC;
ALTER TABLE dcpf.feedback_request FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.feedback_request ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.feedback_request', '');
REVOKE ALL ON FUNCTION dcpf.new_link_token(), dcpf.link_token_hash(text), dcpf.feedback_request_by_token_hash(text),
    dcpf.feedback_request_open(dcpf.feedback_request), dcpf.feedback_request_withdraw(), dcpf.feedback_request_assessed(),
    dcpf.feedback_request_view(dcpf.feedback_request), dcpf.feedback_answer(dcpf.feedback_request, text, uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.request_feedback(uuid, uuid, text, text, text, timestamptz), dcpf.feedback_request_for_giver(uuid),
    dcpf.give_feedback(uuid, text), dcpf.shared_feedback(uuid),
    dcpf.feedback_request_by_token(text), dcpf.give_feedback_by_token(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.request_feedback(uuid, uuid, text, text, text, timestamptz), dcpf.feedback_request_for_giver(uuid),
    dcpf.give_feedback(uuid, text), dcpf.shared_feedback(uuid) TO dcpf_app;
-- the link of an outside giver is served by the application's trusted back-end
GRANT EXECUTE ON FUNCTION dcpf.feedback_request_by_token(text), dcpf.give_feedback_by_token(text, text, text) TO dcpf_service;

-- the professional reads their requests (not the token hashes); givers read
-- theirs through dcpf.feedback_request_for_giver; only functions write
CREATE POLICY feedback_request_owner_read ON dcpf.feedback_request FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
GRANT SELECT (id, item_id, owner_id, giver_person_id, giver_email, giver_name, message_encrypted, requested_at, expires_at,
              answered_at, response_encrypted, signed_name, withdrawn_at)
    ON dcpf.feedback_request TO dcpf_app;
GRANT SELECT ON dcpf.feedback_request_decrypted TO dcpf_app;

SELECT dcpf.audit_table('dcpf.feedback_request', 'owner_id');
