-- 135_notice.sql: the notice queue. dcpf sends nothing itself: whatever the
-- platform must tell someone (a feedback request, an invitation, later the
-- art. 19 notices and the hand-over offer) becomes a queued row plus a
-- NOTIFY on channel dcpf_notice. The application's sender (a trusted
-- back-end, dcpf_service) claims notices, sends them and marks them sent or
-- failed. A notice holds the facts a message needs (ids, a title, a link
-- token), never portfolio content. See doc/reference/notices.md.

CREATE TABLE dcpf.notice (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind                text NOT NULL CONSTRAINT notice_kind_known
                        CHECK (kind IN ('feedback_request', 'feedback_given', 'msf_invitation', 'conversation_to_sign', 'declaration_to_issue',
                                     'erasure_notice', 'breach_controller', 'breach_person',
                                     'processing_restricted', 'restriction_lifting', 'account_deactivated',
                                     'data_rectified', 'policy_changed', 'portfolio_handed_over')),
    recipient_person_id uuid REFERENCES dcpf.person (id) ON DELETE CASCADE,
    recipient_email     dcpf.email,
    subject_id          uuid REFERENCES dcpf.person (id) ON DELETE CASCADE,
    payload             jsonb NOT NULL DEFAULT '{}'
                        CONSTRAINT notice_payload_object CHECK (jsonb_typeof(payload) = 'object'),
    queued_at           timestamptz NOT NULL DEFAULT now(),
    claimed_at          timestamptz,
    attempts            integer NOT NULL DEFAULT 0 CONSTRAINT notice_attempts_counted CHECK (attempts >= 0),
    sent_at             timestamptz,
    failed_at           timestamptz,
    last_error          text CONSTRAINT notice_last_error_length CHECK (length(last_error) <= 1000),
    CONSTRAINT notice_one_recipient CHECK ((recipient_person_id IS NULL) <> (recipient_email IS NULL)),
    CONSTRAINT notice_done_once CHECK (sent_at IS NULL OR failed_at IS NULL)
);
CREATE INDEX notice_pending_idx ON dcpf.notice (queued_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX notice_recipient_idx ON dcpf.notice (recipient_person_id, queued_at DESC) WHERE recipient_person_id IS NOT NULL;
CREATE INDEX notice_subject_idx ON dcpf.notice (subject_id) WHERE subject_id IS NOT NULL;
COMMENT ON TABLE dcpf.notice IS
    'the notice queue: what the platform must tell someone (by e-mail or in the application), written by dcpf''s functions and sent by the application''s sender; never holds portfolio content';
COMMENT ON COLUMN dcpf.notice.id IS 'notice identifier';
COMMENT ON COLUMN dcpf.notice.kind IS
    'feedback_request (someone is asked for feedback or an assessment), feedback_given (the asker is told it was given), msf_invitation (a multisource feedback respondent is invited), conversation_to_sign (the other party of a conversation is asked to sign), declaration_to_issue (the issuer of a competency declaration is asked to issue it), erasure_notice (art. 19: a recipient of a person''s data is told that it was erased; the payload names the tombstone and the pseudonym, never the person), breach_controller (a licensee''s privacy officer, or admin, is told of a data breach concerning it, or of an update), breach_person (a person is told of a data breach that affected them, art. 34 AVG), processing_restricted (the person is told their data is restricted, art. 18), restriction_lifting (the person is told, before it happens, that the restriction is lifted, art. 18(3)), account_deactivated (the person is told their account was deactivated), data_rectified (a recipient of a person''s data is told it was rectified or completed, art. 19 AVG), policy_changed (a new version of a policy document is announced; acknowledgement required when the change is material), portfolio_handed_over (a professional is told that the last licence of a licensee ended and their portfolio was detached from it and stays theirs alone, and is offered an export)';
COMMENT ON COLUMN dcpf.notice.recipient_person_id IS 'the recipient, when a person of the platform';
COMMENT ON COLUMN dcpf.notice.recipient_email IS 'the recipient''s address, when someone outside the platform';
COMMENT ON COLUMN dcpf.notice.subject_id IS 'the person whose matter it is (whose request, round or conversation); NULL: none';
COMMENT ON COLUMN dcpf.notice.payload IS
    'the facts the message needs, as a JSON object (ids, a title, the asker''s display name, an expiry, a one-time link token); never portfolio content. A token is removed once the notice is sent';
COMMENT ON COLUMN dcpf.notice.queued_at IS 'when it was queued';
COMMENT ON COLUMN dcpf.notice.claimed_at IS 'when a sender last claimed it (dcpf.claim_notices)';
COMMENT ON COLUMN dcpf.notice.attempts IS 'how often a sender claimed it';
COMMENT ON COLUMN dcpf.notice.sent_at IS 'when the sender reported it sent; NULL: not yet';
COMMENT ON COLUMN dcpf.notice.failed_at IS 'when the sender gave up on it; NULL: not given up';
COMMENT ON COLUMN dcpf.notice.last_error IS 'the sender''s last error, in words; NULL: none';

-- queue a notice and wake the sender: for dcpf's own functions
CREATE FUNCTION dcpf.queue_notice(kind text, recipient_person uuid, recipient_email dcpf.email, subject uuid, payload jsonb)
    RETURNS uuid
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id uuid;
BEGIN
    -- nothing but the restriction or deactivation itself is told to or about
    -- a person whose processing is restricted or whose account is deactivated
    IF kind NOT IN ('processing_restricted', 'restriction_lifting', 'account_deactivated')
       AND (coalesce(dcpf.processing_restricted(recipient_person), false) OR coalesce(dcpf.processing_restricted(subject), false)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO dcpf.notice (kind, recipient_person_id, recipient_email, subject_id, payload)
    VALUES (queue_notice.kind, recipient_person, queue_notice.recipient_email, subject, coalesce(queue_notice.payload, '{}'))
    RETURNING id INTO new_id;
    PERFORM pg_catalog.pg_notify('dcpf_notice', new_id::text);
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.queue_notice(text, uuid, dcpf.email, uuid, jsonb) IS
    'queues a notice (to a person or an address) and sends NOTIFY dcpf_notice with its id, delivered at commit; returns the id; NULL, queuing nothing, when the recipient or the subject is a person whose processing is restricted or whose account is deactivated and the notice is not about that; for dcpf''s own functions (owner only)';

-- the sender claims what is due, oldest first; skipped when another sender holds it
CREATE FUNCTION dcpf.claim_notices(max_notices integer DEFAULT 100, retry_after interval DEFAULT '5 minutes')
    RETURNS TABLE (id uuid, kind text, recipient_person_id uuid, recipient_email text, recipient_person_email text,
                   payload jsonb, queued_at timestamptz, attempts integer)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF max_notices IS NULL OR max_notices NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION 'max_notices must be between 1 and 10000'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(max_notices::text, 'NULL'));
    END IF;
    IF retry_after IS NULL OR retry_after < interval '0' THEN
        RAISE EXCEPTION 'retry_after must not be negative'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(retry_after::text, 'NULL'));
    END IF;
    RETURN QUERY
    WITH due AS (
        SELECT n.id FROM dcpf.notice n
         WHERE n.sent_at IS NULL AND n.failed_at IS NULL
           AND (n.claimed_at IS NULL OR n.claimed_at <= now() - retry_after)
           -- notices queued before a restriction wait until it is lifted
           AND (n.kind IN ('processing_restricted', 'restriction_lifting', 'account_deactivated')
                OR NOT (coalesce(dcpf.processing_restricted(n.recipient_person_id), false)
                        OR coalesce(dcpf.processing_restricted(n.subject_id), false)))
         ORDER BY n.queued_at, n.id
         LIMIT max_notices
           FOR UPDATE SKIP LOCKED)
    UPDATE dcpf.notice n SET claimed_at = now(), attempts = n.attempts + 1
      FROM due
     WHERE n.id = due.id
    RETURNING n.id, n.kind, n.recipient_person_id, n.recipient_email::text,
              (SELECT p.email::text FROM dcpf.person p WHERE p.id = n.recipient_person_id),
              n.payload, n.queued_at, n.attempts;
END
$$;
COMMENT ON FUNCTION dcpf.claim_notices(integer, interval) IS
    'for the application''s sender (dcpf_service): claims up to max_notices unsent notices, oldest first, that no other sender holds and that were not claimed within retry_after, with the address to send to (a person''s e-mail address, or the external address); a notice to or about a person whose processing is restricted (or account deactivated) waits, unless it is about that; 22023 for a bad argument';

CREATE FUNCTION dcpf.notice_done(notice uuid, sent boolean DEFAULT true, error text DEFAULT NULL)
    RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n dcpf.notice;
BEGIN
    SELECT * INTO n FROM dcpf.notice x WHERE x.id = notice_done.notice FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'notice % not found', notice_done.notice USING ERRCODE = 'no_data_found';
    END IF;
    IF n.sent_at IS NOT NULL OR n.failed_at IS NOT NULL THEN
        RAISE EXCEPTION 'notice % is done', n.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was %s at %s.', CASE WHEN n.sent_at IS NOT NULL THEN 'sent' ELSE 'given up' END,
                                  coalesce(n.sent_at, n.failed_at));
    END IF;
    IF n.claimed_at IS NULL THEN
        RAISE EXCEPTION 'notice % was not claimed', n.id
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Claim notices with dcpf.claim_notices before sending them.';
    END IF;
    IF sent IS NULL THEN
        RAISE EXCEPTION 'sent must be true or false' USING ERRCODE = 'null_value_not_allowed', DETAIL = format('Notice %s.', n.id);
    END IF;
    IF NOT sent AND (error IS NULL OR btrim(error) = '') THEN
        RAISE EXCEPTION 'a notice given up needs the error'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Notice %s.', n.id);
    END IF;
    -- a one-time link token leaves the queue once it has been sent (or never will be)
    UPDATE dcpf.notice x
       SET sent_at = CASE WHEN sent THEN now() END,
           failed_at = CASE WHEN NOT sent THEN now() END,
           last_error = left(error, 1000),
           payload = x.payload - 'token'
     WHERE x.id = n.id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.notice_done(uuid, boolean, text) IS
    'for the application''s sender: marks a claimed notice sent (or, with sent false and the error, given up), and removes its one-time link token from the queue; returns the time. P0002 unknown; 55000 not claimed, or already done; 22004 sent NULL; 22023 given up without an error';

-- the in-application view of one's own notices
CREATE VIEW dcpf.my_notices WITH (security_invoker = true, security_barrier = true) AS
SELECT n.id, n.kind, n.subject_id, n.payload - 'token' AS payload, n.queued_at, n.sent_at
  FROM dcpf.notice n
 WHERE n.recipient_person_id = (SELECT dcpf.current_person());
COMMENT ON VIEW dcpf.my_notices IS 'the notices addressed to the verified person, for the application''s inbox (security_invoker; no link tokens)';
COMMENT ON COLUMN dcpf.my_notices.id IS 'notice identifier';
COMMENT ON COLUMN dcpf.my_notices.kind IS 'what it is about (see dcpf.notice.kind)';
COMMENT ON COLUMN dcpf.my_notices.subject_id IS 'whose matter it is';
COMMENT ON COLUMN dcpf.my_notices.payload IS 'the facts of the message, without a link token';
COMMENT ON COLUMN dcpf.my_notices.queued_at IS 'when it was queued';
COMMENT ON COLUMN dcpf.my_notices.sent_at IS 'when it was sent; NULL: not yet';

REVOKE ALL ON TABLE dcpf.notice FROM PUBLIC;
REVOKE ALL ON dcpf.my_notices FROM PUBLIC;
ALTER TABLE dcpf.notice FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.notice ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.notice', '');
REVOKE ALL ON FUNCTION dcpf.queue_notice(text, uuid, dcpf.email, uuid, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.claim_notices(integer, interval), dcpf.notice_done(uuid, boolean, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.claim_notices(integer, interval), dcpf.notice_done(uuid, boolean, text) TO dcpf_service;

-- a person reads the notices addressed to them; only dcpf's functions write
CREATE POLICY notice_recipient_read ON dcpf.notice FOR SELECT TO dcpf_app
    USING (recipient_person_id = dcpf.current_person());
GRANT SELECT ON dcpf.notice TO dcpf_app;
GRANT SELECT ON dcpf.my_notices TO dcpf_app;

-- notices to and about a person whose processing is restricted are queued
-- and sent for the restriction only (dcpf.queue_notice, dcpf.claim_notices)
SELECT dcpf.audit_table('dcpf.notice', 'subject_id', restriction_exempt => true);
