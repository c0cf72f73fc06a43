-- 157_conversation.sql: a conversation (intake, progress, assessment or
-- final interview) is a portfolio item of type conversation with its own
-- columns: the other party (the supervisor or programme director), the
-- agreements made (encrypted under the professional's key) and the next
-- date. The professional writes it as a draft and submits it; the other
-- party reads it through the sharing functions; both sign it
-- (dcpf.sign_conversation), and with the second signature the item is
-- signed. Withdrawing it clears the signatures. See doc/reference/portfolio.md.

CREATE TABLE dcpf.conversation (
    item_id                uuid PRIMARY KEY REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    owner_id               uuid NOT NULL,
    kind                   text NOT NULL CONSTRAINT conversation_kind_known
                           CHECK (kind IN ('intake', 'progress', 'assessment', 'final')),
    counterpart_id         uuid NOT NULL REFERENCES dcpf.person (id),
    agreements_encrypted   bytea,
    next_date              date,
    owner_signed_at        timestamptz,
    counterpart_signed_at  timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversation_not_with_oneself CHECK (counterpart_id <> owner_id),
    CONSTRAINT conversation_next_date_range CHECK (next_date IS NULL OR next_date >= '2000-01-01')
);
CREATE INDEX conversation_owner_idx ON dcpf.conversation (owner_id, item_id);
CREATE INDEX conversation_counterpart_idx ON dcpf.conversation (counterpart_id);
COMMENT ON TABLE dcpf.conversation IS
    'the conversation columns of a portfolio item of type conversation: kind, the other party, the agreements (encrypted under the professional''s key), the next date, and both signatures';
COMMENT ON COLUMN dcpf.conversation.item_id IS 'the portfolio item (of type conversation)';
COMMENT ON COLUMN dcpf.conversation.owner_id IS 'the professional, the item''s owner (set by the server)';
COMMENT ON COLUMN dcpf.conversation.kind IS 'intake (intakegesprek), progress (voortgangsgesprek), assessment (beoordelingsgesprek) or final (eindgesprek)';
COMMENT ON COLUMN dcpf.conversation.counterpart_id IS
    'the other party: a current supervisor, programme director (trainer) or assessor of the item''s licensee; only they sign beside the professional';
COMMENT ON COLUMN dcpf.conversation.agreements_encrypted IS 'the agreements made, encrypted under the professional''s data key; NULL: none';
COMMENT ON COLUMN dcpf.conversation.next_date IS 'the date of the next conversation, if agreed';
COMMENT ON COLUMN dcpf.conversation.owner_signed_at IS 'when the professional signed; NULL: not yet';
COMMENT ON COLUMN dcpf.conversation.counterpart_signed_at IS 'when the other party signed; NULL: not yet';
COMMENT ON COLUMN dcpf.conversation.created_at IS 'when it was recorded';

CREATE TRIGGER conversation_sealed_agreements BEFORE INSERT OR UPDATE ON dcpf.conversation
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('agreements', 'agreements_encrypted', 'item_id', 'owner_id', '', 'dcpf.portfolio_text');

CREATE FUNCTION dcpf.conversation_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item       dcpf.portfolio_item;
    agreements text;
    body       text;
    flagged    boolean;
BEGIN
    item := dcpf.subtype_item(NEW.item_id, 'conversation', 'a conversation', TG_OP = 'INSERT');
    IF TG_OP = 'INSERT' THEN
        NEW.owner_id := item.owner_id;
        IF NEW.owner_signed_at IS NOT NULL OR NEW.counterpart_signed_at IS NOT NULL THEN
            RAISE EXCEPTION 'a conversation is signed with dcpf.sign_conversation'
                USING ERRCODE = 'check_violation', DETAIL = format('Conversation %s was made signed.', NEW.item_id);
        END IF;
    ELSE
        IF NEW.item_id <> OLD.item_id OR NEW.owner_id <> OLD.owner_id OR NEW.created_at <> OLD.created_at THEN
            RAISE EXCEPTION 'a conversation''s item is fixed' USING ERRCODE = 'feature_not_supported';
        END IF;
        IF (NEW.kind, NEW.counterpart_id, NEW.agreements_encrypted, NEW.next_date)
               IS DISTINCT FROM (OLD.kind, OLD.counterpart_id, OLD.agreements_encrypted, OLD.next_date)
           AND item.status <> 'draft' THEN
            RAISE EXCEPTION 'only a draft conversation can be edited'
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', item.id, item.status),
                      HINT = CASE WHEN item.status = 'submitted' THEN 'Withdraw it first (dcpf.withdraw_item); that clears the signatures.'
                                  ELSE 'A signed conversation does not change.' END;
        END IF;
        IF (NEW.owner_signed_at IS DISTINCT FROM OLD.owner_signed_at AND OLD.owner_signed_at IS NOT NULL AND item.status <> 'draft')
           OR (NEW.counterpart_signed_at IS DISTINCT FROM OLD.counterpart_signed_at AND OLD.counterpart_signed_at IS NOT NULL
               AND item.status <> 'draft') THEN
            RAISE EXCEPTION 'a signature does not change'
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Conversation %s.', OLD.item_id);
        END IF;
        IF (NEW.owner_signed_at IS NOT NULL AND OLD.owner_signed_at IS NULL
            OR NEW.counterpart_signed_at IS NOT NULL AND OLD.counterpart_signed_at IS NULL) AND item.status <> 'submitted' THEN
            RAISE EXCEPTION 'only a submitted conversation is signed'
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', item.id, item.status);
        END IF;
        IF NEW.agreements_encrypted IS NOT DISTINCT FROM OLD.agreements_encrypted AND NEW.counterpart_id = OLD.counterpart_id THEN
            RETURN NEW;
        END IF;
    END IF;
    -- the other party: a current member of the item's licensee who supervises, directs or assesses
    IF NEW.counterpart_id = NEW.owner_id OR NOT EXISTS (
           SELECT FROM dcpf.membership m
            WHERE m.person_id = NEW.counterpart_id AND m.licensee_id = item.licensee_id
              AND m.role_code IN ('supervisor', 'trainer', 'assessor')
              AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now())) THEN
        RAISE EXCEPTION 'the other party of a conversation is a current supervisor, programme director or assessor of its licensee'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Person %s is not one of %s.', NEW.counterpart_id, coalesce(item.licensee_id::text, 'no licensee')),
                  HINT = CASE WHEN item.licensee_id IS NULL THEN 'Make the item in the context of a membership.'
                              ELSE 'Choose a current supervisor, trainer or assessor of that licensee.' END;
    END IF;
    -- the item is flagged when its title, body or agreements are
    IF NEW.agreements_encrypted IS NOT NULL THEN
        agreements := dcpf.decrypt_text(NEW.agreements_encrypted, 'conversation', 'agreements', NEW.item_id, NEW.owner_id);
    END IF;
    flagged := dcpf.free_text_verdict(item.licensee_id, format('The agreements of conversation %s', NEW.item_id), ARRAY[agreements]);
    agreements := NULL;
    IF NOT flagged AND item.body_encrypted IS NOT NULL THEN
        body := dcpf.decrypt_text(item.body_encrypted, 'portfolio_item', 'body', item.id, item.owner_id);
    END IF;
    flagged := flagged OR dcpf.free_text_verdict(item.licensee_id, format('The title or body of item %s', item.id), ARRAY[item.title, body]);
    body := NULL;
    IF flagged IS DISTINCT FROM item.possibly_patient_data THEN
        UPDATE dcpf.portfolio_item p SET possibly_patient_data = flagged WHERE p.id = item.id;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.conversation_check() IS
    'trigger: a conversation belongs to a draft item of type conversation and is made unsigned; its kind, other party (a current supervisor, trainer or assessor of the item''s licensee), agreements and next date change only while a draft; it is signed only while submitted and a signature never changes; the agreements are scanned per the licensee''s free_text_policy (SECURITY DEFINER: it must see the item and the memberships, and decrypt)';
-- named to fire before conversation_sealed_agreements (BEFORE triggers fire
-- in name order): the owner is set before the ciphertext is checked
CREATE TRIGGER conversation_check BEFORE INSERT OR UPDATE ON dcpf.conversation
    FOR EACH ROW EXECUTE FUNCTION dcpf.conversation_check();

-- for the item's own scan (dcpf.portfolio_item_check): are the agreements
-- of this conversation flagged under its licensee's policy?
CREATE FUNCTION dcpf.conversation_agreements_flagged(item uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c          dcpf.conversation;
    licensee   uuid;
    agreements text;
    flagged    boolean;
BEGIN
    SELECT * INTO c FROM dcpf.conversation x WHERE x.item_id = conversation_agreements_flagged.item;
    IF c.agreements_encrypted IS NULL THEN
        RETURN false;
    END IF;
    SELECT i.licensee_id INTO licensee FROM dcpf.portfolio_item i WHERE i.id = c.item_id;
    agreements := dcpf.decrypt_text(c.agreements_encrypted, 'conversation', 'agreements', c.item_id, c.owner_id);
    flagged := dcpf.free_text_verdict(licensee, format('The agreements of conversation %s', c.item_id), ARRAY[agreements]);
    agreements := NULL;
    RETURN flagged;
END
$$;
COMMENT ON FUNCTION dcpf.conversation_agreements_flagged(uuid) IS
    'whether the agreements of the conversation are flagged as possibly holding patient data under its licensee''s free_text_policy (false when none); owner only, for dcpf.portfolio_item_check';

-- withdrawing the item clears both signatures; the other party is asked to
-- sign when it is submitted
CREATE FUNCTION dcpf.conversation_status() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c dcpf.conversation;
BEGIN
    SELECT * INTO c FROM dcpf.conversation x WHERE x.item_id = NEW.id;
    IF c.item_id IS NULL THEN
        IF NEW.status = 'submitted' THEN
            RAISE EXCEPTION 'a conversation is submitted with its other party'
                USING ERRCODE = 'check_violation', DETAIL = format('Item %s has no conversation row.', NEW.id),
                      HINT = 'Insert its dcpf.conversation row (kind, counterpart_id) first.';
        END IF;
        RETURN NULL;
    END IF;
    IF NEW.status = 'draft' THEN
        UPDATE dcpf.conversation x SET owner_signed_at = NULL, counterpart_signed_at = NULL WHERE x.item_id = NEW.id;
        UPDATE dcpf.disclosure d SET ended_at = now()
         WHERE d.subject_id = NEW.owner_id AND d.ended_at IS NULL AND d.what = format('portfolio item %s (conversation to sign)', NEW.id);
    ELSE
        INSERT INTO dcpf.disclosure (subject_id, kind, recipient_person_id, recipient_description, what)
        VALUES (NEW.owner_id, 'share', c.counterpart_id, 'a person', format('portfolio item %s (conversation to sign)', NEW.id));
        PERFORM dcpf.queue_notice('conversation_to_sign', c.counterpart_id, NULL, NEW.owner_id,
                                  jsonb_build_object('item_id', NEW.id, 'kind', c.kind,
                                                     'title', CASE WHEN NOT NEW.possibly_patient_data THEN NEW.title END,
                                                     'asked_by', (SELECT dcpf.person_display_name(p) FROM dcpf.person p WHERE p.id = NEW.owner_id)));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION dcpf.conversation_status() IS
    'trigger: a conversation item is submitted only with its conversation row; on submission the other party is recorded as a recipient and asked to sign (a notice); back to draft clears both signatures and ends that disclosure (SECURITY DEFINER: the register and the queue are written by the server only)';
CREATE TRIGGER portfolio_item_conversation_status AFTER UPDATE OF status ON dcpf.portfolio_item
    FOR EACH ROW WHEN (NEW.item_type = 'conversation' AND ((OLD.status = 'draft' AND NEW.status = 'submitted')
                                                            OR (OLD.status = 'submitted' AND NEW.status = 'draft')))
    EXECUTE FUNCTION dcpf.conversation_status();

-- either party signs; the second signature signs the item
CREATE FUNCTION dcpf.sign_conversation(item uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.verified_person();
    c  dcpf.conversation;
    it dcpf.portfolio_item;
BEGIN
    SELECT * INTO c FROM dcpf.conversation x WHERE x.item_id = sign_conversation.item AND me IN (x.owner_id, x.counterpart_id)
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'conversation % not found', sign_conversation.item
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or you are not one of its two parties.';
    END IF;
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = c.item_id FOR UPDATE;
    IF it.status <> 'submitted' THEN
        RAISE EXCEPTION 'only a submitted conversation is signed'
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', it.id, it.status);
    END IF;
    IF (me = c.owner_id AND c.owner_signed_at IS NOT NULL) OR (me = c.counterpart_id AND c.counterpart_signed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'you signed conversation % already', c.item_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF me = c.counterpart_id AND dcpf.item_permission(c.item_id) IS NULL THEN
        RAISE EXCEPTION 'conversation % not found', sign_conversation.item
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or you are not one of its two parties.';
    END IF;
    UPDATE dcpf.conversation x
       SET owner_signed_at = CASE WHEN me = x.owner_id THEN now() ELSE x.owner_signed_at END,
           counterpart_signed_at = CASE WHEN me = x.counterpart_id THEN now() ELSE x.counterpart_signed_at END
     WHERE x.item_id = c.item_id
    RETURNING * INTO c;
    IF c.owner_signed_at IS NOT NULL AND c.counterpart_signed_at IS NOT NULL THEN
        UPDATE dcpf.portfolio_item p SET status = 'signed', signed_at = now(), signed_by = c.counterpart_id WHERE p.id = c.item_id;
        -- signed, it is no longer asked of the other party: that disclosure ends
        UPDATE dcpf.disclosure d SET ended_at = now()
         WHERE d.subject_id = c.owner_id AND d.ended_at IS NULL
           AND d.what = format('portfolio item %s (conversation to sign)', c.item_id);
        RETURN 'signed by both';
    END IF;
    RETURN CASE WHEN me = c.owner_id THEN 'signed by the professional' ELSE 'signed by the other party' END;
END
$$;
COMMENT ON FUNCTION dcpf.sign_conversation(uuid) IS
    'the professional or the other party signs a submitted conversation; with the second signature the item becomes signed (signed_by the other party). Returns ''signed by the professional'', ''signed by the other party'' or ''signed by both''. P0002 unless the caller is one of its parties; 55000 unless submitted, or when already signed by the caller';

-- the owner's view, decrypted
CREATE VIEW dcpf.conversation_decrypted WITH (security_invoker = true, security_barrier = true) AS
SELECT c.item_id, c.owner_id, c.kind, c.counterpart_id,
       dcpf.decrypt_text(c.agreements_encrypted, 'conversation', 'agreements', c.item_id, c.owner_id, true) AS agreements,
       c.next_date, c.owner_signed_at, c.counterpart_signed_at, c.created_at
  FROM dcpf.conversation c;
COMMENT ON VIEW dcpf.conversation_decrypted IS
    'conversations with their agreements decrypted, for the professional (security_invoker; only the owner may decrypt)';
COMMENT ON COLUMN dcpf.conversation_decrypted.agreements IS 'the agreements made, decrypted';
SELECT dcpf.describe_decrypted_views();

-- the conversation columns of an item shared with the caller (the other
-- party included), decrypted and logged
CREATE FUNCTION dcpf.shared_conversation(item uuid)
    RETURNS TABLE (item_id uuid, owner_id uuid, kind text, counterpart_id uuid, agreements text, next_date date,
                   owner_signed_at timestamptz, counterpart_signed_at timestamptz, permission text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c dcpf.conversation;
    granted text;
BEGIN
    SELECT * INTO c FROM dcpf.conversation x WHERE x.item_id = shared_conversation.item;
    granted := dcpf.shared_read(shared_conversation.item, 'conversation', c.owner_id);
    RETURN QUERY SELECT c.item_id, c.owner_id, c.kind, c.counterpart_id,
                        dcpf.decrypt_text(c.agreements_encrypted, 'conversation', 'agreements', c.item_id, c.owner_id, true),
                        c.next_date, c.owner_signed_at, c.counterpart_signed_at, granted;
END
$$;
COMMENT ON FUNCTION dcpf.shared_conversation(uuid) IS
    'the conversation columns of an item shared with the verified identity, or of the submitted conversation it is the other party of, with the agreements decrypted, logged as a read; P0002 when it does not exist or is not shared now (an attempt on someone else''s is logged as well)';

REVOKE ALL ON TABLE dcpf.conversation FROM PUBLIC;
REVOKE ALL ON dcpf.conversation_decrypted FROM PUBLIC;
ALTER TABLE dcpf.conversation FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.conversation ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.conversation', '');
REVOKE ALL ON FUNCTION dcpf.conversation_check(), dcpf.conversation_status(), dcpf.conversation_agreements_flagged(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.sign_conversation(uuid), dcpf.shared_conversation(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.sign_conversation(uuid), dcpf.shared_conversation(uuid) TO dcpf_app;

-- the professional writes and reads their conversations; the other party
-- reads through dcpf.shared_items / dcpf.shared_conversation
CREATE POLICY conversation_owner_read ON dcpf.conversation FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY conversation_owner_create ON dcpf.conversation FOR INSERT TO dcpf_app
    WITH CHECK (owner_id = dcpf.current_person());
CREATE POLICY conversation_owner_edit ON dcpf.conversation FOR UPDATE TO dcpf_app
    USING (owner_id = dcpf.current_person()) WITH CHECK (owner_id = dcpf.current_person());
GRANT SELECT, INSERT (item_id, owner_id, kind, counterpart_id, agreements_encrypted, next_date),
      UPDATE (kind, counterpart_id, agreements_encrypted, next_date)
    ON dcpf.conversation TO dcpf_app;
GRANT SELECT ON dcpf.conversation_decrypted TO dcpf_app;

SELECT dcpf.audit_table('dcpf.conversation', 'owner_id');
