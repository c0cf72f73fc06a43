-- 185_msf.sql: multisource feedback (MSF, 360-degree feedback). A
-- professional starts a round on one of their feedback items, with
-- questions scored 1-5, a closing time and a minimum number of respondents;
-- invites colleagues of the platform and people outside it by e-mail, each
-- in a respondent role (supervisor, medical colleague, nurse, ...). Who
-- answered what is never kept: a response holds the role, the scores and a
-- comment (encrypted under the professional's key), not the respondent; the
-- invitation only says that it was answered, and the professional cannot
-- read that. Results are shown only after the round has closed and only
-- when at least the minimum number responded; per role only when every role
-- that answered has enough responses to hide one person among them. See
-- doc/reference/msf.md.

CREATE TABLE dcpf.msf_round (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id         uuid NOT NULL UNIQUE REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    owner_id        uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    licensee_id     uuid REFERENCES dcpf.licensee (id),
    questions       text[] NOT NULL CONSTRAINT msf_round_questions_count CHECK (cardinality(questions) BETWEEN 1 AND 20),
    min_respondents smallint NOT NULL DEFAULT 5 CONSTRAINT msf_round_min_respondents_range CHECK (min_respondents BETWEEN 3 AND 50),
    min_per_role    smallint NOT NULL DEFAULT 3 CONSTRAINT msf_round_min_per_role_range CHECK (min_per_role BETWEEN 2 AND 50),
    opens_at        timestamptz NOT NULL DEFAULT now(),
    closes_at       timestamptz NOT NULL,
    closed_at       timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT msf_round_period CHECK (closes_at > opens_at AND closes_at <= opens_at + interval '90 days'),
    CONSTRAINT msf_round_per_role_within CHECK (min_per_role <= min_respondents)
);
CREATE INDEX msf_round_owner_idx ON dcpf.msf_round (owner_id);
-- the licence-end hand-over finds a licensee's rounds
CREATE INDEX msf_round_licensee_idx ON dcpf.msf_round (licensee_id) WHERE licensee_id IS NOT NULL;
COMMENT ON TABLE dcpf.msf_round IS
    'a multisource feedback round of a professional, on one of their feedback items: the questions, the minimum of respondents before results show, and when it closes';
COMMENT ON COLUMN dcpf.msf_round.id IS 'round identifier';
COMMENT ON COLUMN dcpf.msf_round.item_id IS 'the professional''s portfolio item (of type feedback) the round belongs to; sharing it shares the results';
COMMENT ON COLUMN dcpf.msf_round.owner_id IS 'the professional who asks';
COMMENT ON COLUMN dcpf.msf_round.licensee_id IS 'the item''s licensee (its free-text policy applies to comments); NULL: none';
COMMENT ON COLUMN dcpf.msf_round.questions IS 'the questions, each scored 1 (poor) to 5 (excellent), or left open by a respondent who cannot judge';
COMMENT ON COLUMN dcpf.msf_round.min_respondents IS 'how many must respond before any result is shown (3-50, default 5)';
COMMENT ON COLUMN dcpf.msf_round.min_per_role IS 'how many responses each respondent role needs before results are broken down by role (2-50, default 3)';
COMMENT ON COLUMN dcpf.msf_round.opens_at IS 'from when responses are taken';
COMMENT ON COLUMN dcpf.msf_round.closes_at IS 'until when responses are taken (at most 90 days after opening)';
COMMENT ON COLUMN dcpf.msf_round.closed_at IS 'when the professional closed it early; NULL: closes at closes_at';
COMMENT ON COLUMN dcpf.msf_round.created_at IS 'when it was started';

CREATE TABLE dcpf.msf_respondent (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    round_id        uuid NOT NULL REFERENCES dcpf.msf_round (id) ON DELETE CASCADE,
    owner_id        uuid NOT NULL,
    person_id       uuid REFERENCES dcpf.person (id) ON DELETE CASCADE,
    email           dcpf.email,
    name            text CONSTRAINT msf_respondent_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 200)
                    CONSTRAINT msf_respondent_name_no_numbers CHECK (NOT dcpf.contains_bsn(name) AND NOT dcpf.contains_card_number(name)),
    respondent_role text NOT NULL CONSTRAINT msf_respondent_role_known
                    CHECK (respondent_role IN ('supervisor', 'medical_colleague', 'nurse', 'allied_health', 'support_staff', 'other')),
    token_hash      bytea CONSTRAINT msf_respondent_token_hash_length CHECK (length(token_hash) = 32),
    invited_at      timestamptz NOT NULL DEFAULT now(),
    responded       boolean NOT NULL DEFAULT false,
    CONSTRAINT msf_respondent_one_address CHECK ((person_id IS NULL) <> (email IS NULL)
                                                 AND (email IS NULL) = (token_hash IS NULL) AND (email IS NULL OR name IS NOT NULL)),
    CONSTRAINT msf_respondent_not_oneself CHECK (person_id IS DISTINCT FROM owner_id),
    CONSTRAINT msf_respondent_person_once UNIQUE (round_id, person_id),
    CONSTRAINT msf_respondent_email_once UNIQUE (round_id, email)
);
CREATE INDEX msf_respondent_person_idx ON dcpf.msf_respondent (person_id) WHERE person_id IS NOT NULL;
CREATE UNIQUE INDEX msf_respondent_token_idx ON dcpf.msf_respondent (token_hash) WHERE token_hash IS NOT NULL;
COMMENT ON TABLE dcpf.msf_respondent IS
    'who was invited to a multisource feedback round, in which role, and whether they answered (which the professional cannot read)';
COMMENT ON COLUMN dcpf.msf_respondent.id IS 'invitation identifier';
COMMENT ON COLUMN dcpf.msf_respondent.round_id IS 'the round';
COMMENT ON COLUMN dcpf.msf_respondent.owner_id IS 'the professional of the round (set by the server)';
COMMENT ON COLUMN dcpf.msf_respondent.person_id IS 'the person invited, when on the platform';
COMMENT ON COLUMN dcpf.msf_respondent.email IS 'the address of someone outside the platform invited';
COMMENT ON COLUMN dcpf.msf_respondent.name IS 'how the professional names the outside respondent; never a BSN or card number';
COMMENT ON COLUMN dcpf.msf_respondent.respondent_role IS 'supervisor, medical_colleague, nurse, allied_health, support_staff or other: the only thing a response says about who gave it';
COMMENT ON COLUMN dcpf.msf_respondent.token_hash IS 'SHA-256 of the one-time link token sent to an outside respondent';
COMMENT ON COLUMN dcpf.msf_respondent.invited_at IS 'when they were invited';
COMMENT ON COLUMN dcpf.msf_respondent.responded IS 'whether they answered (no time is kept); hidden from the professional';

CREATE TABLE dcpf.msf_response (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    round_id              uuid NOT NULL REFERENCES dcpf.msf_round (id) ON DELETE CASCADE,
    owner_id              uuid NOT NULL,
    respondent_role       text NOT NULL,
    scores                smallint[] NOT NULL,
    comment_encrypted     bytea,
    possibly_patient_data boolean NOT NULL DEFAULT false,
    CONSTRAINT msf_response_scores_range CHECK (1 <= ALL (scores) AND 5 >= ALL (scores))
);
CREATE INDEX msf_response_round_idx ON dcpf.msf_response (round_id);
COMMENT ON TABLE dcpf.msf_response IS
    'an anonymous response to a multisource feedback round: the respondent''s role, the scores and a comment, never who gave it or when; read only through dcpf.msf_results and dcpf.msf_comments';
COMMENT ON COLUMN dcpf.msf_response.id IS 'response identifier (random: their order says nothing)';
COMMENT ON COLUMN dcpf.msf_response.round_id IS 'the round';
COMMENT ON COLUMN dcpf.msf_response.owner_id IS 'the professional the feedback is about';
COMMENT ON COLUMN dcpf.msf_response.respondent_role IS 'the role the respondent was invited in';
COMMENT ON COLUMN dcpf.msf_response.scores IS 'a score 1-5 per question of the round, NULL where the respondent could not judge';
COMMENT ON COLUMN dcpf.msf_response.comment_encrypted IS 'the respondent''s comment, encrypted under the professional''s data key; NULL: none';
COMMENT ON COLUMN dcpf.msf_response.possibly_patient_data IS 'the comment was flagged by the licensee''s free-text policy';

-- ---------------------------------------------------------------------------
-- Starting, inviting, closing (the professional)
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.msf_default_questions() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY[
    'Medisch handelen: kennis en kunde in de zorg voor patiënten',
    'Communicatie: met patiënten en naasten',
    'Samenwerking: met collega''s en andere disciplines',
    'Organisatie: werkt efficiënt en stelt prioriteiten',
    'Maatschappelijk handelen: oog voor gezondheid en veiligheid',
    'Kennis en wetenschap: leert, onderwijst en onderbouwt',
    'Professionaliteit: betrouwbaar, integer en reflectief'];
COMMENT ON FUNCTION dcpf.msf_default_questions() IS
    'the default questions of a multisource feedback round: one per CanMEDS role, in Dutch';

CREATE FUNCTION dcpf.start_msf(item uuid, closes_at timestamptz DEFAULT now() + interval '21 days',
                               questions text[] DEFAULT dcpf.msf_default_questions(), min_respondents integer DEFAULT 5)
    RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it     dcpf.portfolio_item := dcpf.portfolio_item_for_owner(item, 'draft', 'used for multisource feedback');
    new_id uuid;
BEGIN
    IF it.item_type <> 'feedback' THEN
        RAISE EXCEPTION 'a multisource feedback round belongs to an item of type feedback'
            USING ERRCODE = 'wrong_object_type', DETAIL = format('Item %s is of type %s.', it.id, it.item_type);
    END IF;
    IF EXISTS (SELECT FROM dcpf.msf_round r WHERE r.item_id = it.id) OR EXISTS (SELECT FROM dcpf.feedback_request r WHERE r.item_id = it.id) THEN
        RAISE EXCEPTION 'item % has feedback asked already', it.id
            USING ERRCODE = 'unique_violation', HINT = 'Start the round on a new item of type feedback.';
    END IF;
    IF questions IS NULL OR cardinality(questions) NOT BETWEEN 1 AND 20
       OR EXISTS (SELECT FROM unnest(questions) q WHERE q IS NULL OR length(btrim(q)) NOT BETWEEN 3 AND 300) THEN
        RAISE EXCEPTION 'a round has 1 to 20 questions of 3 to 300 characters'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s questions.', coalesce(cardinality(questions), 0));
    END IF;
    IF min_respondents IS NULL OR min_respondents NOT BETWEEN 3 AND 50 THEN
        RAISE EXCEPTION 'a round needs a minimum of 3 to 50 respondents'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(min_respondents::text, 'NULL')),
                  HINT = 'Fewer than 3 would let the professional recognise a respondent.';
    END IF;
    IF start_msf.closes_at IS NULL OR start_msf.closes_at <= now() + interval '1 day' OR start_msf.closes_at > now() + interval '90 days' THEN
        RAISE EXCEPTION 'a round closes between a day and 90 days from now'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(start_msf.closes_at::text, 'NULL'));
    END IF;
    -- the questions are kept in the clear and shown to others: never a patient number, whatever the policy
    PERFORM dcpf.free_text_verdict(NULL, format('A question of the round on item %s', it.id), questions);
    INSERT INTO dcpf.msf_round (item_id, owner_id, licensee_id, questions, min_respondents, min_per_role, closes_at)
    VALUES (it.id, it.owner_id, it.licensee_id, ARRAY(SELECT btrim(q) FROM unnest(questions) WITH ORDINALITY u(q, n) ORDER BY n),
            min_respondents, least(3, min_respondents), start_msf.closes_at)
    RETURNING id INTO new_id;
    -- the professional's data key exists before any respondent writes: made
    -- now if absent, by the professional, so that its key_created event
    -- never names a respondent in the professional's trail
    PERFORM dcpf.encrypt('round ' || new_id, 'msf_round', 'key', new_id, it.owner_id);
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.start_msf(uuid, timestamptz, text[], integer) IS
    'the owner starts a multisource feedback round on their draft item of type feedback: questions (default dcpf.msf_default_questions()), closing between a day and 90 days from now (default 21 days), a minimum of 3-50 respondents (default 5); returns the round. P0002 unless the caller''s draft; 42809 other types; 23505 when the item has a round or request; 22023 bad questions, minimum or closing time; 23514 a question holding a patient number (refused whatever the policy: questions are kept in the clear and shown to others). Makes the owner''s data key if absent';

-- the round of the owner, open for changes, or an error
CREATE FUNCTION dcpf.msf_round_for_owner(round uuid) RETURNS dcpf.msf_round
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r dcpf.msf_round;
BEGIN
    SELECT * INTO r FROM dcpf.msf_round x WHERE x.id = round AND x.owner_id = dcpf.verified_person();
    IF NOT FOUND THEN
        RAISE EXCEPTION 'multisource feedback round % not found', round
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist or is not yours.';
    END IF;
    IF r.closed_at IS NOT NULL OR r.closes_at <= now() THEN
        RAISE EXCEPTION 'multisource feedback round % is closed', r.id
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('It closed at %s.', coalesce(r.closed_at, r.closes_at));
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION dcpf.msf_round_for_owner(uuid) IS
    'the verified person''s own open round (P0002 otherwise; 55000 when closed); owner only';

CREATE FUNCTION dcpf.invite_msf(round uuid, respondent_role text, person uuid DEFAULT NULL, email text DEFAULT NULL,
                                name text DEFAULT NULL) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r       dcpf.msf_round := dcpf.msf_round_for_owner(round);
    address dcpf.email;
    token   text;
    new_id  uuid;
BEGIN
    IF respondent_role IS NULL OR respondent_role NOT IN ('supervisor', 'medical_colleague', 'nurse', 'allied_health', 'support_staff', 'other') THEN
        RAISE EXCEPTION 'unknown respondent role'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(respondent_role, 'NULL')),
                  HINT = 'supervisor, medical_colleague, nurse, allied_health, support_staff or other.';
    END IF;
    IF (person IS NULL) = (email IS NULL) THEN
        RAISE EXCEPTION 'a respondent is one person or one address'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Give either person or email.';
    END IF;
    IF person IS NOT NULL AND (person = r.owner_id OR NOT EXISTS (SELECT FROM dcpf.person p WHERE p.id = person) OR name IS NOT NULL) THEN
        RAISE EXCEPTION 'a respondent of the platform is another person, named by the platform'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Person %s is you or no person, or a name was given.', person);
    END IF;
    IF email IS NOT NULL THEN
        IF NOT dcpf.email_is_valid(email) OR name IS NULL THEN
            RAISE EXCEPTION 'an outside respondent needs a valid address and a name'
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got "%s" named %s.', email, coalesce(name, 'nothing'));
        END IF;
        address := email::dcpf.email;
        token := dcpf.new_link_token();
    END IF;
    IF EXISTS (SELECT FROM dcpf.msf_respondent x WHERE x.round_id = r.id AND (x.person_id = person OR x.email = address)) THEN
        RAISE EXCEPTION 'already invited to this round'
            USING ERRCODE = 'unique_violation', DETAIL = format('Round %s.', r.id);
    END IF;
    INSERT INTO dcpf.msf_respondent (round_id, owner_id, person_id, email, name, respondent_role, token_hash)
    VALUES (r.id, r.owner_id, person, address, btrim(name), respondent_role,
            dcpf.link_token_hash(token))
    RETURNING id INTO new_id;
    PERFORM dcpf.queue_notice('msf_invitation', person, address, r.owner_id,
                              jsonb_strip_nulls(jsonb_build_object(
                                  'round_id', r.id, 'respondent_role', respondent_role, 'closes_at', r.closes_at, 'token', token,
                                  'asked_by', (SELECT dcpf.person_display_name(p) FROM dcpf.person p WHERE p.id = r.owner_id))));
    INSERT INTO dcpf.disclosure (subject_id, kind, recipient_person_id, recipient_description, what, until)
    VALUES (r.owner_id, 'share', person, CASE WHEN person IS NULL THEN 'someone outside the platform, by e-mail (see the round''s respondents)' ELSE 'a person' END,
            format('multisource feedback round %s (invitation)', r.id), r.closes_at);
    token := NULL;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.invite_msf(uuid, text, uuid, text, text) IS
    'the owner invites a respondent to their open round, in a respondent role: a person of the platform, or someone outside it by e-mail and name; queues an msf_invitation notice (with a one-time link token for an address) and records the disclosure; returns the invitation. P0002 unless the caller''s round; 55000 closed; 22023 bad role, person, address or name; 23505 invited already';

CREATE FUNCTION dcpf.close_msf(round uuid) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r dcpf.msf_round := dcpf.msf_round_for_owner(round);
BEGIN
    UPDATE dcpf.msf_round x SET closed_at = now() WHERE x.id = r.id;
    -- the invitations end with the round
    UPDATE dcpf.disclosure d SET ended_at = now()
     WHERE d.subject_id = r.owner_id AND d.ended_at IS NULL AND d.what = format('multisource feedback round %s (invitation)', r.id);
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.close_msf(uuid) IS
    'the owner closes their open round early: no more responses, the invitations'' disclosures end; its results show if the minimum responded; returns the time. P0002 unless the caller''s; 55000 closed already';

-- ---------------------------------------------------------------------------
-- Responding (the respondent)
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.msf_answer(invitation dcpf.msf_respondent, scores integer[], comment text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r       dcpf.msf_round;
    flagged boolean;
    new_id  uuid := gen_random_uuid();
BEGIN
    SELECT * INTO r FROM dcpf.msf_round x WHERE x.id = invitation.round_id;
    IF invitation.responded THEN
        RAISE EXCEPTION 'this invitation was answered' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF r.closed_at IS NOT NULL OR r.closes_at <= now() OR r.opens_at > now() THEN
        RAISE EXCEPTION 'the round is closed'
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('It took responses until %s.', coalesce(r.closed_at, r.closes_at));
    END IF;
    IF scores IS NULL OR cardinality(scores) <> cardinality(r.questions)
       OR EXISTS (SELECT FROM unnest(scores) s WHERE s NOT BETWEEN 1 AND 5) THEN
        RAISE EXCEPTION 'a response scores each question 1 to 5, or leaves it NULL'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The round has %s questions; got %s scores.', cardinality(r.questions), coalesce(cardinality(scores), 0));
    END IF;
    IF comment IS NOT NULL AND length(comment) > 4000 THEN
        RAISE EXCEPTION 'a comment is at most 4000 characters'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', length(comment));
    END IF;
    IF nullif(btrim(comment), '') IS NULL AND NOT EXISTS (SELECT FROM unnest(scores) s WHERE s IS NOT NULL) THEN
        RAISE EXCEPTION 'an empty response'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Score at least one question or write a comment.';
    END IF;
    flagged := dcpf.free_text_verdict(r.licensee_id, 'The comment', ARRAY[comment]);
    INSERT INTO dcpf.msf_response (id, round_id, owner_id, respondent_role, scores, comment_encrypted, possibly_patient_data)
    VALUES (new_id, r.id, r.owner_id, invitation.respondent_role, scores::smallint[],
            CASE WHEN nullif(btrim(comment), '') IS NOT NULL THEN dcpf.encrypt(btrim(comment), 'msf_response', 'comment', new_id, r.owner_id) END,
            flagged);
    UPDATE dcpf.msf_respondent x SET responded = true WHERE x.id = invitation.id;
    RETURN true;
END
$$;
COMMENT ON FUNCTION dcpf.msf_answer(dcpf.msf_respondent, integer[], text) IS
    'records an anonymous response for an invitation not yet answered to an open round: scores 1-5 (or NULL) per question, a comment of at most 4000 characters scanned per the free-text policy and encrypted under the professional''s key; marks the invitation answered; owner only';

CREATE FUNCTION dcpf.respond_msf(round uuid, scores integer[], comment text DEFAULT NULL) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    invitation dcpf.msf_respondent;
BEGIN
    SELECT * INTO invitation FROM dcpf.msf_respondent x
     WHERE x.round_id = respond_msf.round AND x.person_id = dcpf.verified_person() FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'multisource feedback round % not found', round
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or you were not invited to it.';
    END IF;
    RETURN dcpf.msf_answer(invitation, scores, comment);
END
$$;
COMMENT ON FUNCTION dcpf.respond_msf(uuid, integer[], text) IS
    'the person invited answers a round, anonymously: scores 1-5 (or NULL) per question and a comment; once. P0002 unless invited; 55000 answered already or closed; 22023 bad scores or comment; 23514 when the comment breaks the free-text policy';

CREATE FUNCTION dcpf.msf_invitation_by_token_hash(token text) RETURNS dcpf.msf_respondent
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    invitation dcpf.msf_respondent;
BEGIN
    SELECT * INTO invitation FROM dcpf.msf_respondent x WHERE x.token_hash = dcpf.link_token_hash(token);
    IF invitation.id IS NULL THEN
        RAISE EXCEPTION 'multisource feedback invitation not found' USING ERRCODE = 'no_data_found', DETAIL = 'The link is not valid.';
    END IF;
    RETURN invitation;
END
$$;
COMMENT ON FUNCTION dcpf.msf_invitation_by_token_hash(text) IS
    'the invitation whose link token this is (found by the token''s SHA-256), or P0002; owner only';

CREATE FUNCTION dcpf.respond_msf_by_token(token text, scores integer[], comment text DEFAULT NULL) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    invitation dcpf.msf_respondent := dcpf.msf_invitation_by_token_hash(token);
BEGIN
    SELECT * INTO invitation FROM dcpf.msf_respondent x WHERE x.id = invitation.id FOR UPDATE;
    RETURN dcpf.msf_answer(invitation, scores, comment);
END
$$;
COMMENT ON FUNCTION dcpf.respond_msf_by_token(text, integer[], text) IS
    'for the application''s back-end serving an outside respondent''s link: answers the round the token opens, anonymously, once. P0002 unknown token; otherwise as dcpf.respond_msf';

-- what a respondent sees of a round: its questions and who asks; not
-- logged as a read, so that opening it does not betray who answered
CREATE FUNCTION dcpf.msf_invitation_view(invitation dcpf.msf_respondent)
    RETURNS TABLE (round_id uuid, asked_by text, respondent_role text, questions text[], closes_at timestamptz, open boolean, responded boolean)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.id, dcpf.person_display_name(p), invitation.respondent_role, r.questions, coalesce(r.closed_at, r.closes_at),
           r.closed_at IS NULL AND r.closes_at > now() AND r.opens_at <= now(), invitation.responded
      FROM dcpf.msf_round r JOIN dcpf.person p ON p.id = r.owner_id
     WHERE r.id = invitation.round_id
$$;
COMMENT ON FUNCTION dcpf.msf_invitation_view(dcpf.msf_respondent) IS
    'the round as its respondent sees it (who asks, the questions, until when, whether open and answered); owner only';

CREATE FUNCTION dcpf.my_msf_invitations()
    RETURNS TABLE (round_id uuid, asked_by text, respondent_role text, questions text[], closes_at timestamptz, open boolean, responded boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT v.* FROM dcpf.msf_respondent x CROSS JOIN LATERAL dcpf.msf_invitation_view(x) v
     WHERE x.person_id = dcpf.verified_person()
     ORDER BY v.closes_at
$$;
COMMENT ON FUNCTION dcpf.my_msf_invitations() IS
    'the rounds the verified person is invited to: who asks, the respondent role, the questions, until when, whether open and whether they answered (not logged as a read: opening an invitation must not betray who answered)';

CREATE FUNCTION dcpf.msf_invitation_by_token(token text)
    RETURNS TABLE (round_id uuid, asked_by text, respondent_role text, questions text[], closes_at timestamptz, open boolean, responded boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT * FROM dcpf.msf_invitation_view(dcpf.msf_invitation_by_token_hash(token))
$$;
COMMENT ON FUNCTION dcpf.msf_invitation_by_token(text) IS
    'for the application''s back-end serving an outside respondent''s link: the round the token opens, as dcpf.my_msf_invitations shows it. P0002 unknown token';

-- ---------------------------------------------------------------------------
-- Results (the professional, and whoever the item is shared with)
-- ---------------------------------------------------------------------------
-- the round whose results the caller may read now, the read logged; else an error
CREATE FUNCTION dcpf.msf_round_results_readable(round uuid) RETURNS dcpf.msf_round
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r         dcpf.msf_round;
    responses integer;
BEGIN
    SELECT * INTO r FROM dcpf.msf_round x WHERE x.id = round;
    -- a missing round and one not shared give the same answer (a denied
    -- attempt on someone's round is logged)
    IF r.id IS NULL OR (r.owner_id <> dcpf.verified_person() AND dcpf.item_permission(r.item_id) IS NULL) THEN
        PERFORM dcpf.shared_read(r.item_id, 'msf_round', r.owner_id, round);
    END IF;
    IF r.closed_at IS NULL AND r.closes_at > now() THEN
        RAISE EXCEPTION 'multisource feedback round % is still open', r.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Results show once it closes, at %s.', r.closes_at),
                  HINT = 'The owner may close it early with dcpf.close_msf.';
    END IF;
    SELECT count(*) INTO responses FROM dcpf.msf_response x WHERE x.round_id = r.id;
    IF responses < r.min_respondents THEN
        -- (not how many: that would tell who has not answered)
        RAISE EXCEPTION 'too few responses to show multisource feedback round %', r.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('At least %s must respond before anything is shown, so that no one can be recognised.', r.min_respondents);
    END IF;
    -- a sharer's read is logged once it succeeds
    IF r.owner_id <> dcpf.current_person() THEN
        PERFORM dcpf.shared_read(r.item_id, 'msf_round', r.owner_id, r.id);
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION dcpf.msf_round_results_readable(uuid) IS
    'the round, when the verified person owns it or may read its item through a share (that read logged), it has closed and at least its minimum responded; else P0002 "msf round <id> not found" (the same for a missing round and one not shared; an attempt on someone''s round logged as denied), or 55000 saying why not (never how many responded); owner only';

CREATE FUNCTION dcpf.msf_results(round uuid)
    RETURNS TABLE (question_no integer, question text, respondent_role text, responses integer, scored integer, mean_score numeric)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r        dcpf.msf_round := dcpf.msf_round_results_readable(round);
    by_role  boolean;
BEGIN
    -- broken down by role only when every role that answered hides one person among enough others
    SELECT bool_and(n >= r.min_per_role) INTO by_role
      FROM (SELECT count(*) AS n FROM dcpf.msf_response x WHERE x.round_id = r.id GROUP BY x.respondent_role) g;
    RETURN QUERY
    SELECT q.n::integer, q.text, g.role, count(*)::integer, count(x.scores[q.n])::integer,
           round(avg(x.scores[q.n]), 2)
      FROM unnest(r.questions) WITH ORDINALITY q(text, n)
      CROSS JOIN dcpf.msf_response x
      CROSS JOIN LATERAL (SELECT 'all'::text UNION ALL SELECT x.respondent_role WHERE by_role) g(role)
     WHERE x.round_id = r.id
     GROUP BY q.n, q.text, g.role
     ORDER BY q.n, g.role <> 'all', g.role;
END
$$;
COMMENT ON FUNCTION dcpf.msf_results(uuid) IS
    'the results of a closed round with at least its minimum of responses, per question: responses, how many scored it and the mean score, for all respondents and, when every role that answered has at least min_per_role responses, per role; for the owner, and (logged) for whoever may read the round''s item through a share. P0002 unknown or not readable; 55000 still open or too few responses';

CREATE FUNCTION dcpf.msf_comments(round uuid) RETURNS TABLE (comment text, possibly_patient_data boolean)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r dcpf.msf_round := dcpf.msf_round_results_readable(round);
BEGIN
    -- in an order that says nothing: by the comment's text
    RETURN QUERY
    SELECT c.comment, c.flagged FROM (
        SELECT dcpf.decrypt_text(x.comment_encrypted, 'msf_response', 'comment', x.id, x.owner_id, true) AS comment,
               x.possibly_patient_data AS flagged
          FROM dcpf.msf_response x WHERE x.round_id = r.id AND x.comment_encrypted IS NOT NULL) c
     ORDER BY c.comment;
END
$$;
COMMENT ON FUNCTION dcpf.msf_comments(uuid) IS
    'the comments of a closed round with at least its minimum of responses, decrypted, without role or order of arrival (sorted by text), each with whether the licensee''s free-text policy flagged it as possibly holding patient data; as dcpf.msf_results for who may read them';

-- ---------------------------------------------------------------------------
-- Protection, access, audit
-- ---------------------------------------------------------------------------
REVOKE ALL ON TABLE dcpf.msf_round, dcpf.msf_respondent, dcpf.msf_response FROM PUBLIC;
ALTER TABLE dcpf.msf_round FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.msf_round ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.msf_respondent FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.msf_respondent ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.msf_response FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.msf_response ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.msf_round', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.msf_respondent', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.msf_response', '');
REVOKE ALL ON FUNCTION dcpf.msf_round_for_owner(uuid), dcpf.msf_answer(dcpf.msf_respondent, integer[], text),
    dcpf.msf_invitation_by_token_hash(text), dcpf.msf_invitation_view(dcpf.msf_respondent),
    dcpf.msf_round_results_readable(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.start_msf(uuid, timestamptz, text[], integer), dcpf.invite_msf(uuid, text, uuid, text, text),
    dcpf.close_msf(uuid), dcpf.respond_msf(uuid, integer[], text), dcpf.my_msf_invitations(),
    dcpf.msf_results(uuid), dcpf.msf_comments(uuid),
    dcpf.respond_msf_by_token(text, integer[], text), dcpf.msf_invitation_by_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.start_msf(uuid, timestamptz, text[], integer), dcpf.invite_msf(uuid, text, uuid, text, text),
    dcpf.close_msf(uuid), dcpf.respond_msf(uuid, integer[], text), dcpf.my_msf_invitations(),
    dcpf.msf_results(uuid), dcpf.msf_comments(uuid) TO dcpf_app;
GRANT EXECUTE ON FUNCTION dcpf.respond_msf_by_token(text, integer[], text), dcpf.msf_invitation_by_token(text) TO dcpf_service;

-- the professional reads their rounds and whom they invited, never whether
-- one answered, nor the responses (only dcpf.msf_results and msf_comments)
CREATE POLICY msf_round_owner_read ON dcpf.msf_round FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY msf_respondent_owner_read ON dcpf.msf_respondent FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
GRANT SELECT ON dcpf.msf_round TO dcpf_app;
GRANT SELECT (id, round_id, owner_id, person_id, email, name, respondent_role, invited_at) ON dcpf.msf_respondent TO dcpf_app;

-- the round and the invitations are the professional's matter; a response
-- names no one (no subject), so that the professional's own trail
-- (dcpf.my_audit_trail) cannot tell who answered
SELECT dcpf.audit_table('dcpf.msf_round', 'owner_id');
SELECT dcpf.audit_table('dcpf.msf_respondent', 'person_id');
SELECT dcpf.audit_table('dcpf.msf_response', NULL);
