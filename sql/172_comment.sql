-- 172_comment.sql: comments on portfolio items. Whoever holds comment or
-- assess on an item through a share (dcpf.item_permission) comments on it,
-- and so does its owner (replying), while it is not locked. A comment is
-- the owner's data: its body is encrypted under the owner's key and scanned
-- for patient numbers per the item's licensee. It never changes; its author
-- may withdraw it (the body removed). The owner reads the comments
-- directly; everyone else through dcpf.shared_comments, which checks the
-- shares at query time and logs the read. See doc/reference/sharing.md
-- (Comments).

CREATE DOMAIN dcpf.comment_text AS text
    CONSTRAINT comment_text_length CHECK (length(VALUE) BETWEEN 1 AND 4000);
COMMENT ON DOMAIN dcpf.comment_text IS 'the body of a comment on a portfolio item as stored (encrypted): 1 to 4,000 characters';

CREATE TABLE dcpf.item_comment (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id               uuid NOT NULL REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    owner_id              uuid NOT NULL,
    author_id             uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    body_encrypted        bytea,
    possibly_patient_data boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now(),
    withdrawn_at          timestamptz,
    CONSTRAINT item_comment_body_until_withdrawn CHECK ((withdrawn_at IS NULL) = (body_encrypted IS NOT NULL)),
    CONSTRAINT item_comment_withdrawn_unflagged CHECK (withdrawn_at IS NULL OR NOT possibly_patient_data)
);
CREATE INDEX item_comment_item_idx ON dcpf.item_comment (item_id, created_at);
CREATE INDEX item_comment_owner_idx ON dcpf.item_comment (owner_id);
CREATE INDEX item_comment_author_idx ON dcpf.item_comment (author_id);
COMMENT ON TABLE dcpf.item_comment IS
    'a comment on a portfolio item by someone holding comment or assess on it, or by its owner; the owner''s data (body encrypted under their key); never changed, withdrawn by its author';
COMMENT ON COLUMN dcpf.item_comment.id IS 'comment identifier';
COMMENT ON COLUMN dcpf.item_comment.item_id IS 'the item commented on';
COMMENT ON COLUMN dcpf.item_comment.owner_id IS 'the item''s owner, whose data the comment is (set by the server)';
COMMENT ON COLUMN dcpf.item_comment.author_id IS 'who wrote it: the verified identity that commented (set by the server); NULL once that person is erased';
COMMENT ON COLUMN dcpf.item_comment.body_encrypted IS
    'the text, encrypted under the owner''s data key (dcpf.item_comment_decrypted shows it to the owner); NULL once withdrawn';
COMMENT ON COLUMN dcpf.item_comment.possibly_patient_data IS
    'set by the server when the text holds a citizen service number or a payment card number and the item licensee''s free_text_policy is flag';
COMMENT ON COLUMN dcpf.item_comment.created_at IS 'when it was written';
COMMENT ON COLUMN dcpf.item_comment.withdrawn_at IS 'when its author withdrew it (its text removed); NULL: standing';

-- The item the verified identity may comment on now, locked against a
-- concurrent lock_item: the owner's, or one it holds comment or assess on
CREATE FUNCTION dcpf.item_for_comment(item uuid) RETURNS dcpf.portfolio_item
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me      uuid := dcpf.verified_person();
    it      dcpf.portfolio_item;
    granted text;
BEGIN
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = item FOR SHARE;
    granted := CASE WHEN it.owner_id = me THEN 'owner' WHEN it.id IS NOT NULL THEN dcpf.item_permission(it.id) END;
    IF granted IS NULL THEN
        -- a missing item and one not shared look the same
        RAISE EXCEPTION 'portfolio item % not found', item
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or it is not shared with you now.';
    END IF;
    IF granted = 'read' THEN
        RAISE EXCEPTION 'a read-only share does not allow commenting'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('You hold read on item %s; commenting needs comment or assess.', it.id),
                  HINT = 'Ask its owner to share it with you for comment.';
    END IF;
    IF it.status = 'locked' THEN
        RAISE EXCEPTION 'portfolio item % is locked', it.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was locked at %s; a locked item takes no more comments.', it.locked_at);
    END IF;
    RETURN it;
END
$$;
COMMENT ON FUNCTION dcpf.item_for_comment(uuid) IS
    'the item, locked FOR SHARE, if the verified identity may comment on it now: its owner, or holding comment or assess through a current share; else P0002 (missing and not shared look the same), 42501 for read only, 55000 when locked. Owner only: dcpf.comment_item and the comment trigger use it';
REVOKE ALL ON FUNCTION dcpf.item_for_comment(uuid) FROM PUBLIC;

CREATE FUNCTION dcpf.item_comment_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item;
BEGIN
    IF TG_OP = 'INSERT' THEN
        it := dcpf.item_for_comment(NEW.item_id);
        NEW.owner_id := it.owner_id;
        NEW.author_id := dcpf.current_person();
        NEW.created_at := now();
        IF NEW.withdrawn_at IS NOT NULL THEN
            RAISE EXCEPTION 'a comment is made standing'
                USING ERRCODE = 'check_violation', DETAIL = format('Comment %s was written withdrawn.', NEW.id);
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM dcpf.portfolio_item p WHERE p.id = OLD.item_id) THEN
            RETURN OLD;         -- the item itself is being erased
        END IF;
        RAISE EXCEPTION 'a comment is withdrawn, not deleted'
            USING ERRCODE = 'feature_not_supported', DETAIL = format('Comment %s.', OLD.id),
                  HINT = 'Its author withdraws it with dcpf.withdraw_comment.';
    END IF;
    IF (NEW.id, NEW.item_id, NEW.owner_id, NEW.created_at) IS DISTINCT FROM (OLD.id, OLD.item_id, OLD.owner_id, OLD.created_at)
       -- an author's erasure clears the link to them
       OR (NEW.author_id IS DISTINCT FROM OLD.author_id
           AND (NEW.author_id IS NOT NULL OR EXISTS (SELECT FROM dcpf.person x WHERE x.id = OLD.author_id)))
       OR (NEW.withdrawn_at IS NULL AND (NEW.body_encrypted, NEW.possibly_patient_data)
                                        IS DISTINCT FROM (OLD.body_encrypted, OLD.possibly_patient_data)) THEN
        RAISE EXCEPTION 'a comment never changes'
            USING ERRCODE = 'feature_not_supported', DETAIL = format('Comment %s.', OLD.id),
                  HINT = 'Its author may withdraw it (dcpf.withdraw_comment) and comment anew.';
    END IF;
    IF NEW.withdrawn_at IS DISTINCT FROM OLD.withdrawn_at THEN
        IF OLD.withdrawn_at IS NOT NULL THEN
            RAISE EXCEPTION 'comment % was withdrawn', OLD.id
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('At %s; a withdrawal is final.', OLD.withdrawn_at);
        END IF;
        IF OLD.author_id IS DISTINCT FROM dcpf.current_person() THEN
            RAISE EXCEPTION 'only its author withdraws a comment'
                USING ERRCODE = 'insufficient_privilege', DETAIL = format('Comment %s.', OLD.id);
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.item_comment_check() IS
    'trigger: a comment is made standing by the verified identity (its author, set here) on an item it may comment on now (dcpf.item_for_comment), carrying the item''s owner; afterwards it changes only by its author''s withdrawal (once, the body removed) or the erasure of its author, and it is deleted only with its item (SECURITY DEFINER: it must see the item and the shares)';
-- named to fire before item_comment_sealed (BEFORE triggers fire in name
-- order): the ciphertext is checked against the owner set here
CREATE TRIGGER item_comment_check BEFORE INSERT OR UPDATE OR DELETE ON dcpf.item_comment
    FOR EACH ROW EXECUTE FUNCTION dcpf.item_comment_check();
CREATE TRIGGER item_comment_sealed BEFORE INSERT OR UPDATE ON dcpf.item_comment
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('body', 'body_encrypted', 'id', 'owner_id', '', 'dcpf.comment_text');

-- ---------------------------------------------------------------------------
-- Commenting and withdrawing
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.comment_item(item uuid, body text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it      dcpf.portfolio_item := dcpf.item_for_comment(item);
    new_id  uuid := gen_random_uuid();
    flagged boolean;
BEGIN
    IF body IS NULL OR body !~ '\S' OR length(body) > 4000 THEN
        RAISE EXCEPTION 'a comment is 1 to 4000 characters'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Got %s.', CASE WHEN body IS NULL THEN 'none' WHEN body !~ '\S' THEN 'only white space'
                                                  ELSE length(body) || ' characters' END);
    END IF;
    -- the free-text policy of the item's licensee, on the plaintext here (the
    -- trigger does not decrypt: the author may not read the owner's data)
    flagged := dcpf.free_text_verdict(it.licensee_id, format('The comment on item %s', it.id), ARRAY[body]);
    INSERT INTO dcpf.item_comment (id, item_id, owner_id, body_encrypted, possibly_patient_data)
    VALUES (new_id, it.id, it.owner_id, dcpf.encrypt(body, 'item_comment', 'body', new_id, it.owner_id), flagged);
    IF flagged AND NOT it.possibly_patient_data THEN
        UPDATE dcpf.portfolio_item p SET possibly_patient_data = true WHERE p.id = it.id;
    END IF;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.comment_item(uuid, text) IS
    'the verified identity comments on an item it holds comment or assess on through a current share, or on its own (replying), unless the item is locked; the text (1-4000 characters) encrypted under the owner''s key and scanned per the item licensee''s free_text_policy (refused, or the comment and the item flagged); returns the comment. P0002 when the item does not exist or is not shared now; 42501 for a read-only share; 55000 when locked; 23514 for an empty or too long text or a patient number refused';

CREATE FUNCTION dcpf.withdraw_comment(comment uuid) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me       uuid := dcpf.verified_person();
    standing timestamptz;
    mine     boolean;
BEGIN
    SELECT true, c.withdrawn_at INTO mine, standing FROM dcpf.item_comment c
     WHERE c.id = withdraw_comment.comment AND c.author_id = me FOR UPDATE;
    IF mine IS NULL THEN
        RAISE EXCEPTION 'comment % not found', withdraw_comment.comment
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist or is not yours.';
    END IF;
    IF standing IS NOT NULL THEN
        RETURN standing;        -- already withdrawn: nothing changes
    END IF;
    UPDATE dcpf.item_comment c SET withdrawn_at = now(), body_encrypted = NULL, possibly_patient_data = false
     WHERE c.id = withdraw_comment.comment;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.withdraw_comment(uuid) IS
    'its author withdraws a comment: its text is removed, the comment stays as withdrawn; final; allowed whatever became of the share or the item; returns the time of withdrawal (the first one, when called again). P0002 unless the caller wrote it';

-- the owner's view, decrypted
CREATE VIEW dcpf.item_comment_decrypted WITH (security_invoker = true, security_barrier = true) AS
SELECT c.id, c.item_id, c.owner_id, c.author_id,
       dcpf.decrypt_text(c.body_encrypted, 'item_comment', 'body', c.id, c.owner_id, true) AS body,
       c.possibly_patient_data, c.created_at, c.withdrawn_at
  FROM dcpf.item_comment c;
COMMENT ON VIEW dcpf.item_comment_decrypted IS
    'the comments on the caller''s items with their text decrypted, for the owner (security_invoker; only the owner may decrypt; NULL once withdrawn or the owner''s key is shredded)';
COMMENT ON COLUMN dcpf.item_comment_decrypted.body IS 'the comment''s text, decrypted; NULL once withdrawn or the owner''s key was shredded';
SELECT dcpf.describe_decrypted_views();

-- the comments on a shared item, for anyone who may read it; each one logged
CREATE FUNCTION dcpf.shared_comments(item uuid)
    RETURNS TABLE (id uuid, item_id uuid, owner_id uuid, author_id uuid, body text, possibly_patient_data boolean,
                   created_at timestamptz, withdrawn_at timestamptz, permission text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    owner   uuid := (SELECT p.owner_id FROM dcpf.portfolio_item p WHERE p.id = shared_comments.item);
    granted text := dcpf.shared_read(shared_comments.item, 'portfolio_item', owner);
BEGIN
    FOR id, item_id, owner_id, author_id, body, possibly_patient_data, created_at, withdrawn_at IN
        SELECT c.id, c.item_id, c.owner_id, c.author_id,
               dcpf.decrypt_text(c.body_encrypted, 'item_comment', 'body', c.id, c.owner_id, true),
               c.possibly_patient_data, c.created_at, c.withdrawn_at
          FROM dcpf.item_comment c WHERE c.item_id = shared_comments.item ORDER BY c.created_at, c.id
    LOOP
        permission := granted;
        PERFORM dcpf.audit_note('read', 'item_comment', shared_comments.id::text, shared_comments.owner_id, NULL);
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.shared_comments(uuid) IS
    'the comments on an item shared with the verified identity (any permission), oldest first, with their text decrypted (NULL once withdrawn) and the permission held: the item and every comment logged as reads of the owner''s data; P0002 when the item does not exist or is not shared now (an attempt on someone else''s item logged as well)';

-- the item's flag stays while a standing comment on it is flagged (see
-- dcpf.portfolio_item_keep_flag in sql/170_attachment.sql)
CREATE TRIGGER portfolio_item_state_flag_comment BEFORE UPDATE ON dcpf.portfolio_item
    FOR EACH ROW WHEN (OLD.possibly_patient_data AND NOT NEW.possibly_patient_data)
    EXECUTE FUNCTION dcpf.portfolio_item_keep_flag('item_comment');

-- ---------------------------------------------------------------------------
-- Protection, access, audit
-- ---------------------------------------------------------------------------
REVOKE ALL ON TABLE dcpf.item_comment FROM PUBLIC;
ALTER TABLE dcpf.item_comment FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.item_comment ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.item_comment', '');
REVOKE ALL ON FUNCTION dcpf.item_comment_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.comment_item(uuid, text), dcpf.withdraw_comment(uuid), dcpf.shared_comments(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.comment_item(uuid, text), dcpf.withdraw_comment(uuid), dcpf.shared_comments(uuid) TO dcpf_app;

-- the owner reads the comments on their items directly; authors and other
-- readers through dcpf.shared_comments; written only through the functions
CREATE POLICY item_comment_owner_read ON dcpf.item_comment FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
GRANT SELECT ON dcpf.item_comment, dcpf.item_comment_decrypted TO dcpf_app;

SELECT dcpf.audit_table('dcpf.item_comment', 'owner_id');
