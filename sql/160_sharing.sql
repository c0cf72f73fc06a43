-- 160_sharing.sql: the owner shares their portfolio. A share grants a person,
-- or a role within a licensee (optionally within one programme), read,
-- comment or assess on one item, a collection, a category (item type) or the
-- whole portfolio, from-until, revocable at once. Every share is a disclosure
-- in the recipients register. Whoever is not the owner reads shared items
-- only through functions that check the shares at query time and log the
-- read. See doc/reference/sharing.md.

-- ---------------------------------------------------------------------------
-- Collections: named sets of the owner's items
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.portfolio_collection (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id    uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    name        text NOT NULL CONSTRAINT portfolio_collection_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 120)
                CONSTRAINT portfolio_collection_name_no_numbers CHECK (NOT dcpf.contains_bsn(name) AND NOT dcpf.contains_card_number(name)),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT portfolio_collection_name_unique UNIQUE (owner_id, name)
);
COMMENT ON TABLE dcpf.portfolio_collection IS 'a named set of a professional''s items (e.g. for a progress review), which can be shared as one';
COMMENT ON COLUMN dcpf.portfolio_collection.id IS 'collection identifier';
COMMENT ON COLUMN dcpf.portfolio_collection.owner_id IS 'the professional whose items it holds';
COMMENT ON COLUMN dcpf.portfolio_collection.name IS 'its name, unique for the owner; never holds a BSN or a card number';
COMMENT ON COLUMN dcpf.portfolio_collection.created_at IS 'when it was made';

CREATE TABLE dcpf.portfolio_collection_item (
    collection_id uuid NOT NULL REFERENCES dcpf.portfolio_collection (id) ON DELETE CASCADE,
    item_id       uuid NOT NULL REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    owner_id      uuid NOT NULL,
    added_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection_id, item_id)
);
CREATE INDEX portfolio_collection_item_item_idx ON dcpf.portfolio_collection_item (item_id);
COMMENT ON TABLE dcpf.portfolio_collection_item IS 'the items of a collection (the owner''s own)';
COMMENT ON COLUMN dcpf.portfolio_collection_item.collection_id IS 'the collection';
COMMENT ON COLUMN dcpf.portfolio_collection_item.item_id IS 'an item of the collection''s owner';
COMMENT ON COLUMN dcpf.portfolio_collection_item.owner_id IS 'the owner of both (set by the server; for row-level security)';
COMMENT ON COLUMN dcpf.portfolio_collection_item.added_at IS 'when it was added';

-- ---------------------------------------------------------------------------
-- Shares
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.share (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id             uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    scope                text NOT NULL CONSTRAINT share_scope_known CHECK (scope IN ('item', 'collection', 'category', 'portfolio')),
    item_id              uuid REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    collection_id        uuid REFERENCES dcpf.portfolio_collection (id) ON DELETE CASCADE,
    category             text CONSTRAINT share_category_known
                         CHECK (category IN ('feedback', 'reflection', 'assessment', 'conversation', 'result',
                                             'competency_declaration', 'epa_activity', 'other_activity')),
    grantee_person_id    uuid REFERENCES dcpf.person (id) ON DELETE CASCADE,
    grantee_licensee_id  uuid REFERENCES dcpf.licensee (id),
    grantee_role         text CONSTRAINT share_grantee_role_staff CHECK (grantee_role IN ('supervisor', 'assessor', 'trainer')),
    grantee_programme_id uuid,
    permission           text NOT NULL CONSTRAINT share_permission_known CHECK (permission IN ('read', 'comment', 'assess')),
    valid_from           timestamptz NOT NULL DEFAULT now(),
    valid_until          timestamptz,
    revoked_at           timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT share_programme_fk FOREIGN KEY (grantee_programme_id, grantee_licensee_id)
        REFERENCES dcpf.programme (id, licensee_id),
    CONSTRAINT share_scope_target CHECK ((scope = 'item') = (item_id IS NOT NULL)
                                         AND (scope = 'collection') = (collection_id IS NOT NULL)
                                         AND (scope = 'category') = (category IS NOT NULL)),
    CONSTRAINT share_one_grantee CHECK ((grantee_person_id IS NULL) <> (grantee_licensee_id IS NULL)
                                        AND (grantee_licensee_id IS NULL) = (grantee_role IS NULL)
                                        AND (grantee_programme_id IS NULL OR grantee_licensee_id IS NOT NULL)),
    CONSTRAINT share_not_with_oneself CHECK (grantee_person_id IS DISTINCT FROM owner_id),
    CONSTRAINT share_period_ordered CHECK (valid_until IS NULL OR valid_until > valid_from)
);
CREATE INDEX share_owner_idx ON dcpf.share (owner_id);
CREATE INDEX share_grantee_person_idx ON dcpf.share (grantee_person_id) WHERE grantee_person_id IS NOT NULL;
CREATE INDEX share_grantee_role_idx ON dcpf.share (grantee_licensee_id, grantee_role) WHERE grantee_licensee_id IS NOT NULL;
CREATE INDEX share_item_idx ON dcpf.share (item_id) WHERE item_id IS NOT NULL;
COMMENT ON TABLE dcpf.share IS
    'what a professional shares of their portfolio, with whom (a person, or a role within a licensee, optionally within one programme), how (read, comment, assess) and for how long; revocable at once';
COMMENT ON COLUMN dcpf.share.id IS 'share identifier';
COMMENT ON COLUMN dcpf.share.owner_id IS 'the professional who shares';
COMMENT ON COLUMN dcpf.share.scope IS 'item, collection, category (an item type) or portfolio (everything, now and later)';
COMMENT ON COLUMN dcpf.share.item_id IS 'the item shared (scope item)';
COMMENT ON COLUMN dcpf.share.collection_id IS 'the collection shared (scope collection): its items at the time of reading';
COMMENT ON COLUMN dcpf.share.category IS 'the item type shared (scope category)';
COMMENT ON COLUMN dcpf.share.grantee_person_id IS 'the person shared with; or NULL for a role';
COMMENT ON COLUMN dcpf.share.grantee_licensee_id IS 'the licensee whose role is shared with';
COMMENT ON COLUMN dcpf.share.grantee_role IS 'the role shared with: supervisor, assessor or trainer of that licensee (acting in it)';
COMMENT ON COLUMN dcpf.share.grantee_programme_id IS 'only that role within this programme of the licensee (its members in the matching programme role); NULL: the whole licensee';
COMMENT ON COLUMN dcpf.share.permission IS 'read; comment (read and comment); assess (read, comment and assess or sign)';
COMMENT ON COLUMN dcpf.share.valid_from IS 'from when (inclusive)';
COMMENT ON COLUMN dcpf.share.valid_until IS 'until when (exclusive); NULL: until revoked';
COMMENT ON COLUMN dcpf.share.revoked_at IS 'when the owner revoked it (effective at once); NULL: not revoked';
COMMENT ON COLUMN dcpf.share.created_at IS 'when it was made';

-- ---------------------------------------------------------------------------
-- The recipients register: every disclosure of a person's data
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.disclosure (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id            uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    kind                  text NOT NULL CONSTRAINT disclosure_kind_known CHECK (kind IN ('share', 'export', 'transfer')),
    recipient_person_id   uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    recipient_licensee_id uuid REFERENCES dcpf.licensee (id),
    recipient_role        text,
    recipient_description text NOT NULL,
    what                  text NOT NULL,
    share_id              uuid REFERENCES dcpf.share (id) ON DELETE SET NULL,
    disclosed_at          timestamptz NOT NULL DEFAULT now(),
    until                 timestamptz,
    ended_at              timestamptz,
    legal_basis           text NOT NULL DEFAULT 'consent' CONSTRAINT disclosure_legal_basis_known CHECK (legal_basis IN
                              ('consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'))
);
CREATE INDEX disclosure_subject_idx ON dcpf.disclosure (subject_id, disclosed_at);
CREATE INDEX disclosure_share_idx ON dcpf.disclosure (share_id) WHERE share_id IS NOT NULL;
COMMENT ON TABLE dcpf.disclosure IS
    'the recipients register (GDPR art. 15, 19, 30): to whom a person''s data was disclosed, what, when, until when and on what basis; written by the server only';
COMMENT ON COLUMN dcpf.disclosure.id IS 'disclosure identifier';
COMMENT ON COLUMN dcpf.disclosure.subject_id IS 'the person whose data was disclosed';
COMMENT ON COLUMN dcpf.disclosure.kind IS 'share (by the person, in the portfolio), export (to the person) or transfer (to another controller)';
COMMENT ON COLUMN dcpf.disclosure.recipient_person_id IS 'the recipient, when a person';
COMMENT ON COLUMN dcpf.disclosure.recipient_licensee_id IS 'the recipient licensee, when a role within one';
COMMENT ON COLUMN dcpf.disclosure.recipient_role IS 'the recipient role within that licensee';
COMMENT ON COLUMN dcpf.disclosure.recipient_description IS 'the recipient in words: a person (named only by recipient_person_id, so that erasing them leaves no name), or the role, licensee and programme';
COMMENT ON COLUMN dcpf.disclosure.what IS 'what was disclosed, in words (no content)';
COMMENT ON COLUMN dcpf.disclosure.share_id IS 'the share that disclosed it, if any';
COMMENT ON COLUMN dcpf.disclosure.disclosed_at IS 'from when';
COMMENT ON COLUMN dcpf.disclosure.until IS 'until when it was granted; NULL: open-ended';
COMMENT ON COLUMN dcpf.disclosure.ended_at IS 'when it was ended early (a share revoked); NULL: not ended early';
COMMENT ON COLUMN dcpf.disclosure.legal_basis IS
    'on what basis it was disclosed (art. 6(1) AVG, the values of dcpf.purpose.legal_basis): consent (the default: a share, a request for feedback, an assessment, a signature or a declaration is the person''s own act), legal_obligation (an export or transfer at the person''s request, arts. 15 and 20), or another basis its writer names';

CREATE FUNCTION dcpf.share_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (NEW.owner_id, NEW.scope, NEW.item_id, NEW.collection_id, NEW.category, NEW.grantee_person_id,
            NEW.grantee_licensee_id, NEW.grantee_role, NEW.grantee_programme_id, NEW.permission, NEW.valid_from, NEW.created_at)
           IS DISTINCT FROM
           (OLD.owner_id, OLD.scope, OLD.item_id, OLD.collection_id, OLD.category, OLD.grantee_person_id,
            OLD.grantee_licensee_id, OLD.grantee_role, OLD.grantee_programme_id, OLD.permission, OLD.valid_from, OLD.created_at)
           OR NEW.valid_until IS DISTINCT FROM OLD.valid_until THEN
            RAISE EXCEPTION 'a share is not changed, only revoked'
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = format('Share %s.', OLD.id),
                      HINT = 'Revoke it (dcpf.revoke_share) and share anew.';
        END IF;
        IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
            RAISE EXCEPTION 'share % was revoked', OLD.id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('It was revoked at %s; a revocation is final.', OLD.revoked_at);
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'a share is made unrevoked'
            USING ERRCODE = 'check_violation', DETAIL = format('Share %s.', NEW.id);
    END IF;
    IF NEW.item_id IS NOT NULL AND NOT EXISTS (SELECT FROM dcpf.portfolio_item i WHERE i.id = NEW.item_id AND i.owner_id = NEW.owner_id)
       OR NEW.collection_id IS NOT NULL
          AND NOT EXISTS (SELECT FROM dcpf.portfolio_collection c WHERE c.id = NEW.collection_id AND c.owner_id = NEW.owner_id) THEN
        RAISE EXCEPTION 'only one''s own items and collections can be shared'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Share %s names %s %s, which is not person %s''s.', NEW.id, NEW.scope,
                                  coalesce(NEW.item_id, NEW.collection_id), NEW.owner_id);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.share_check() IS
    'trigger: a share names the owner''s own item or collection, is made unrevoked, and afterwards changes only by being revoked, once (SECURITY DEFINER: it must see the item or collection)';
CREATE TRIGGER share_check BEFORE INSERT OR UPDATE ON dcpf.share
    FOR EACH ROW EXECUTE FUNCTION dcpf.share_check();

-- every share is a disclosure; revoking it ends the disclosure
CREATE FUNCTION dcpf.share_register() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE dcpf.disclosure SET ended_at = NEW.revoked_at WHERE share_id = NEW.id AND ended_at IS NULL;
        RETURN NULL;
    END IF;
    -- the owner's own act: consent (art. 6(1)(a) AVG)
    INSERT INTO dcpf.disclosure (subject_id, kind, recipient_person_id, recipient_licensee_id, recipient_role,
                                 recipient_description, what, share_id, disclosed_at, until, legal_basis)
    SELECT NEW.owner_id, 'share', NEW.grantee_person_id, NEW.grantee_licensee_id, NEW.grantee_role,
           -- a person is named by the link alone, so that erasing the recipient leaves no name here
           CASE WHEN NEW.grantee_person_id IS NOT NULL THEN 'a person'
                ELSE format('role %s of %s%s', NEW.grantee_role,
                            (SELECT l.name FROM dcpf.licensee l WHERE l.id = NEW.grantee_licensee_id),
                            coalesce(' in programme ' || (SELECT pr.name FROM dcpf.programme pr WHERE pr.id = NEW.grantee_programme_id), ''))
           END,
           CASE NEW.scope WHEN 'item' THEN 'portfolio item ' || NEW.item_id
                          WHEN 'collection' THEN 'portfolio collection ' || NEW.collection_id
                          WHEN 'category' THEN 'portfolio items of type ' || NEW.category
                          ELSE 'the whole portfolio' END || ' (' || NEW.permission || ')',
           NEW.id, NEW.valid_from, NEW.valid_until, 'consent';
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION dcpf.share_register() IS
    'trigger: records every share as a disclosure in dcpf.disclosure, and its revocation as the disclosure''s end (SECURITY DEFINER: the register is written by the server only)';
CREATE TRIGGER share_register AFTER INSERT OR UPDATE OF revoked_at ON dcpf.share
    FOR EACH ROW EXECUTE FUNCTION dcpf.share_register();

-- an assessment request discloses the item to its named assessor once it is
-- submitted (from then on they read it): that is a disclosure too
CREATE FUNCTION dcpf.assessment_register() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    assessor uuid;
    request  text := 'portfolio item ' || NEW.id || ' (assessment request)';
BEGIN
    SELECT a.assessor_id INTO assessor FROM dcpf.assessment a WHERE a.item_id = NEW.id;
    IF NEW.status = 'draft' THEN
        -- withdrawn: no longer asked of the assessor
        UPDATE dcpf.disclosure d SET ended_at = now()
         WHERE d.subject_id = NEW.owner_id AND d.ended_at IS NULL AND d.what = request;
    ELSIF assessor IS NOT NULL AND NOT EXISTS (
           SELECT FROM dcpf.disclosure d
            WHERE d.subject_id = NEW.owner_id AND d.recipient_person_id = assessor AND d.what = request AND d.ended_at IS NULL) THEN
        INSERT INTO dcpf.disclosure (subject_id, kind, recipient_person_id, recipient_description, what)
        VALUES (NEW.owner_id, 'share', assessor, 'a person', request);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION dcpf.assessment_register() IS
    'trigger: when an assessment item is submitted, records its disclosure to the named assessor in dcpf.disclosure (unless one is open), and ends it when the item is withdrawn (SECURITY DEFINER: the register is written by the server only)';
REVOKE ALL ON FUNCTION dcpf.assessment_register() FROM PUBLIC;
CREATE TRIGGER portfolio_item_assessment_register AFTER UPDATE OF status ON dcpf.portfolio_item
    FOR EACH ROW WHEN (NEW.item_type = 'assessment' AND ((OLD.status = 'draft' AND NEW.status = 'submitted')
                                                          OR (OLD.status = 'submitted' AND NEW.status = 'draft')))
    EXECUTE FUNCTION dcpf.assessment_register();

-- ---------------------------------------------------------------------------
-- What the verified identity may do with an item through shares
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.item_permission(item uuid) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
RETURN CASE
    -- nothing of a person whose processing is restricted (or account deactivated)
    WHEN dcpf.processing_restricted((SELECT i.owner_id FROM dcpf.portfolio_item i WHERE i.id = item_permission.item))
    THEN NULL
    -- the assessor named in a submitted (or later) assessment assesses it,
    -- until the item is handed over (its licensee's last licence ended)
    WHEN EXISTS (SELECT FROM dcpf.assessment a JOIN dcpf.portfolio_item i ON i.id = a.item_id
                  WHERE a.item_id = item_permission.item AND a.assessor_id = dcpf.current_person() AND i.status <> 'draft'
                    AND i.handed_over_at IS NULL)
    THEN 'assess'
    ELSE (ARRAY['read', 'comment', 'assess'])[greatest(
    -- the other party of a conversation, and the issuer asked for a competency
    -- declaration, comment on it while it is submitted (asked of them); after
    -- that, only a share opens it to them
    CASE WHEN EXISTS (SELECT FROM dcpf.conversation c JOIN dcpf.portfolio_item i ON i.id = c.item_id
                       WHERE c.item_id = item_permission.item AND c.counterpart_id = dcpf.current_person() AND i.status = 'submitted')
           OR EXISTS (SELECT FROM dcpf.competency_declaration d JOIN dcpf.portfolio_item i ON i.id = d.item_id
                       WHERE d.item_id = item_permission.item AND d.issuer_id = dcpf.current_person() AND i.status = 'submitted')
         THEN 2 END,
    (SELECT max(array_position(ARRAY['read', 'comment', 'assess'], s.permission))
      FROM dcpf.portfolio_item i
      JOIN dcpf.share s ON s.owner_id = i.owner_id
     WHERE i.id = item_permission.item
       AND s.revoked_at IS NULL AND s.valid_from <= now() AND (s.valid_until IS NULL OR s.valid_until > now())
       AND (s.scope = 'portfolio'
            OR (s.scope = 'item' AND s.item_id = i.id)
            OR (s.scope = 'category' AND s.category = i.item_type)
            OR (s.scope = 'collection' AND EXISTS (SELECT FROM dcpf.portfolio_collection_item ci
                                                    WHERE ci.collection_id = s.collection_id AND ci.item_id = i.id)))
       AND (s.grantee_person_id = dcpf.current_person()
            OR (s.grantee_licensee_id = dcpf.current_licensee() AND s.grantee_role = dcpf.current_role()
                AND (s.grantee_programme_id IS NULL OR s.grantee_programme_id = ANY (dcpf.my_programmes()))
                -- a role sees what the owner shares while the owner is a member of that licensee
                AND EXISTS (SELECT FROM dcpf.membership m
                             WHERE m.person_id = i.owner_id AND m.licensee_id = s.grantee_licensee_id
                               AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now()))))))]
    END;
COMMENT ON FUNCTION dcpf.item_permission(uuid) IS
    'the most the verified identity may do with the item: nothing (NULL) while processing of its owner''s data is restricted or their account deactivated; else assess when it is the named assessor of the submitted (or later) assessment not handed over; else the most of: comment while it is the other party of the submitted conversation or the issuer asked for the submitted competency declaration, and what current, unrevoked shares give (read, comment, assess); or NULL (also for one''s own items, which are read directly). A role share holds while the identity acts in that role of that licensee (and programme) and the owner is a current member of the licensee';
REVOKE ALL ON FUNCTION dcpf.item_permission(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.item_permission(uuid) TO dcpf_app;

-- the items shared with the caller, without their bodies; each one listed is
-- a read of the owner's data
CREATE FUNCTION dcpf.shared_items(owner uuid DEFAULT NULL)
    RETURNS TABLE (id uuid, owner_id uuid, item_type text, title text, occurred_on date, status text,
                   licensee_id uuid, programme_id uuid, possibly_patient_data boolean, permission text, updated_at timestamptz)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.verified_person();
BEGIN
    FOR id, owner_id, item_type, title, occurred_on, status, licensee_id, programme_id, possibly_patient_data, permission, updated_at IN
        SELECT i.id, i.owner_id, i.item_type, i.title, i.occurred_on, i.status, i.licensee_id, i.programme_id,
               i.possibly_patient_data, p.permission, i.updated_at
          FROM (SELECT DISTINCT s.owner_id FROM dcpf.share s
                 WHERE s.revoked_at IS NULL AND s.valid_from <= now() AND (s.valid_until IS NULL OR s.valid_until > now())
                   AND (s.grantee_person_id = me
                        OR (s.grantee_licensee_id = dcpf.current_licensee() AND s.grantee_role = dcpf.current_role()))
                   AND (shared_items.owner IS NULL OR s.owner_id = shared_items.owner)
                UNION
                SELECT a.owner_id FROM dcpf.assessment a
                 WHERE a.assessor_id = me AND (shared_items.owner IS NULL OR a.owner_id = shared_items.owner)
                UNION
                SELECT c.owner_id FROM dcpf.conversation c
                 WHERE c.counterpart_id = me AND (shared_items.owner IS NULL OR c.owner_id = shared_items.owner)
                UNION
                SELECT d.owner_id FROM dcpf.competency_declaration d
                 WHERE d.issuer_id = me AND (shared_items.owner IS NULL OR d.owner_id = shared_items.owner)) o
          JOIN dcpf.portfolio_item i ON i.owner_id = o.owner_id
         CROSS JOIN LATERAL (SELECT dcpf.item_permission(i.id) AS permission) p
         WHERE p.permission IS NOT NULL
         ORDER BY i.owner_id, i.occurred_on DESC, i.created_at DESC
    LOOP
        PERFORM dcpf.audit_note('read', 'portfolio_item', shared_items.id::text, shared_items.owner_id, NULL);
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.shared_items(uuid) IS
    'the portfolio items shared with the verified identity, or whose assessment, conversation or competency declaration it is asked to sign (of one owner, or all), without their bodies, with the permission held; every item listed is logged as a read of its owner''s data';
REVOKE ALL ON FUNCTION dcpf.shared_items(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.shared_items(uuid) TO dcpf_app;

-- the check the readers below (and those of attachments and comments) make:
-- the permission the verified identity holds on the item, the read of the
-- row (the item itself, or one of its rows) logged; P0002 when none (an
-- attempt on someone else's existing row logged as denied)
CREATE FUNCTION dcpf.shared_read(item uuid, object_table text, owner uuid, row_id uuid DEFAULT NULL) RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    granted text;
    object_key text := coalesce(row_id, item)::text;
BEGIN
    PERFORM dcpf.verified_person();
    granted := CASE WHEN owner IS NOT NULL THEN dcpf.item_permission(item) END;
    IF granted IS NULL THEN
        IF owner IS NOT NULL AND owner <> dcpf.current_person() THEN
            -- an attempt on someone's data is an event too, kept when this error rolls back
            PERFORM dcpf.audit_note('read', object_table, object_key, owner,
                                    CASE WHEN dcpf.processing_restricted(owner) THEN '{"reason": "processing restricted"}'
                                         ELSE '{"reason": "not shared"}' END::jsonb, true);
        END IF;
        RAISE EXCEPTION '% % not found', replace(object_table, '_', ' '), object_key
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or it is not shared with you now.';
    END IF;
    PERFORM dcpf.audit_note('read', object_table, object_key, owner, NULL);
    RETURN granted;
END
$$;
COMMENT ON FUNCTION dcpf.shared_read(uuid, text, uuid, uuid) IS
    'for the functions that read shared rows (dcpf.shared_item, dcpf.shared_assessment, the attachments'' and comments'' readers): the permission the verified identity holds on the item (owner NULL: the row does not exist), the read of the row logged (row_id, or the item when NULL); else P0002 "<table> <id> not found", an attempt on someone else''s row logged as a denied read (reason: not shared, or processing restricted); owner only';
REVOKE ALL ON FUNCTION dcpf.shared_read(uuid, text, uuid, uuid) FROM PUBLIC;

-- one shared item with its body; refused (and logged) when not shared
CREATE FUNCTION dcpf.shared_item(item uuid)
    RETURNS TABLE (id uuid, owner_id uuid, item_type text, title text, body text, occurred_on date, status text,
                   licensee_id uuid, programme_id uuid, possibly_patient_data boolean, permission text,
                   submitted_at timestamptz, signed_at timestamptz, signed_by uuid, locked_at timestamptz, updated_at timestamptz)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item;
    granted text;
BEGIN
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = shared_item.item;
    granted := dcpf.shared_read(shared_item.item, 'portfolio_item', it.owner_id);
    RETURN QUERY SELECT it.id, it.owner_id, it.item_type, it.title,
                        dcpf.decrypt_text(it.body_encrypted, 'portfolio_item', 'body', it.id, it.owner_id, true),
                        it.occurred_on, it.status, it.licensee_id, it.programme_id, it.possibly_patient_data, granted,
                        it.submitted_at, it.signed_at, it.signed_by, it.locked_at, it.updated_at;
END
$$;
COMMENT ON FUNCTION dcpf.shared_item(uuid) IS
    'one portfolio item shared with the verified identity, with its body decrypted and the permission held, logged as a read of the owner''s data; P0002 when it does not exist or is not shared now (an attempt on an existing item of someone else is logged as well)';
REVOKE ALL ON FUNCTION dcpf.shared_item(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.shared_item(uuid) TO dcpf_app;

-- the assessment columns of a shared item (or one to assess), decrypted and logged
CREATE FUNCTION dcpf.shared_assessment(item uuid)
    RETURNS TABLE (item_id uuid, owner_id uuid, instrument text, assessor_id uuid, epa_id uuid, entrustment_level smallint,
                   strengths text, improvements text, assessed_at timestamptz, permission text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a dcpf.assessment;
    granted text;
BEGIN
    SELECT * INTO a FROM dcpf.assessment x WHERE x.item_id = shared_assessment.item;
    granted := dcpf.shared_read(shared_assessment.item, 'assessment', a.owner_id);
    RETURN QUERY SELECT a.item_id, a.owner_id, a.instrument, a.assessor_id, a.epa_id, a.entrustment_level::smallint,
                        dcpf.decrypt_text(a.strengths_encrypted, 'assessment', 'strengths', a.item_id, a.owner_id, true),
                        dcpf.decrypt_text(a.improvements_encrypted, 'assessment', 'improvements', a.item_id, a.owner_id, true),
                        a.assessed_at, granted;
END
$$;
COMMENT ON FUNCTION dcpf.shared_assessment(uuid) IS
    'the assessment columns of an item shared with the verified identity, or of the assessment it is asked to assess, with the assessor''s text decrypted, logged as a read; P0002 when it does not exist or is not shared now (an attempt on someone else''s is logged as well)';
REVOKE ALL ON FUNCTION dcpf.shared_assessment(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.shared_assessment(uuid) TO dcpf_app;

-- who holds assess on a submitted item signs it off (an assessment is signed
-- by its named assessor with dcpf.assess_item instead)
CREATE FUNCTION dcpf.sign_item(item uuid) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item;
BEGIN
    PERFORM dcpf.verified_person();
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = sign_item.item FOR UPDATE;
    IF it.id IS NULL OR dcpf.item_permission(it.id) IS DISTINCT FROM 'assess' THEN
        RAISE EXCEPTION 'portfolio item % not found', sign_item.item
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or you may not sign it off now.';
    END IF;
    IF it.item_type IN ('assessment', 'conversation', 'competency_declaration') OR (it.item_type = 'feedback' AND EXISTS (
           SELECT FROM dcpf.feedback_request r WHERE r.item_id = it.id AND r.answered_at IS NULL AND r.withdrawn_at IS NULL)) THEN
        RAISE EXCEPTION 'this % is not signed off this way', replace(it.item_type, '_', ' ')
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = format('Item %s is of type %s.', it.id, it.item_type),
                  HINT = CASE it.item_type WHEN 'assessment' THEN 'Its named assessor signs it with dcpf.assess_item.'
                                           WHEN 'conversation' THEN 'Both parties sign a conversation (dcpf.sign_conversation).'
                                           WHEN 'competency_declaration' THEN 'Its issuer issues it with dcpf.issue_declaration.'
                                           ELSE 'The one asked gives the feedback (dcpf.give_feedback, or through the link of the e-mail).' END;
    END IF;
    IF it.status <> 'submitted' THEN
        RAISE EXCEPTION 'only a submitted item can be signed'
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', it.id, it.status);
    END IF;
    UPDATE dcpf.portfolio_item p SET status = 'signed', signed_at = now(), signed_by = dcpf.current_person() WHERE p.id = it.id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.sign_item(uuid) IS
    'signs off a submitted item for whoever holds assess on it through a share (not an assessment, which its assessor signs with dcpf.assess_item, nor a conversation, a competency declaration, or feedback asked of someone with a request still open); returns the time. P0002 unless the item exists and the caller may sign it now; 42809 for those types; 55000 unless submitted';
REVOKE ALL ON FUNCTION dcpf.sign_item(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.sign_item(uuid) TO dcpf_app;

-- ---------------------------------------------------------------------------
-- The owner shares, revokes, and manages collections
-- ---------------------------------------------------------------------------
-- revoking reduces processing: the owner may also while it is restricted
CREATE FUNCTION dcpf.revoke_share(share uuid) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET dcpf.restriction_exemption = 'reduction'
AS $$
DECLARE
    s dcpf.share;
BEGIN
    SELECT * INTO s FROM dcpf.share x WHERE x.id = revoke_share.share AND x.owner_id = dcpf.current_person() FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'share % not found', revoke_share.share
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist or is not yours.';
    END IF;
    IF s.revoked_at IS NOT NULL THEN
        RETURN s.revoked_at;     -- already revoked: nothing changes
    END IF;
    UPDATE dcpf.share x SET revoked_at = now() WHERE x.id = s.id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.revoke_share(uuid) IS
    'the owner revokes a share, effective at once (for every reader, from their next statement) and ending its disclosure, also while processing of their data is restricted; returns the time of revocation (the first one, when called again); P0002 unless it is the caller''s';
REVOKE ALL ON FUNCTION dcpf.revoke_share(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.revoke_share(uuid) TO dcpf_app;

CREATE FUNCTION dcpf.set_collection_items(collection uuid, items uuid[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c dcpf.portfolio_collection;
BEGIN
    IF items IS NULL OR array_position(items, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'items must be an array without NULLs'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass ''{}'' for none.';
    END IF;
    SELECT * INTO c FROM dcpf.portfolio_collection x WHERE x.id = set_collection_items.collection
       AND x.owner_id = dcpf.current_person() FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'collection % not found', set_collection_items.collection
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist or is not yours.';
    END IF;
    IF EXISTS (SELECT FROM unnest(items) u(id)
                WHERE NOT EXISTS (SELECT FROM dcpf.portfolio_item i WHERE i.id = u.id AND i.owner_id = c.owner_id)) THEN
        RAISE EXCEPTION 'only one''s own items go into one''s collections'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Collection %s.', c.id);
    END IF;
    DELETE FROM dcpf.portfolio_collection_item ci WHERE ci.collection_id = c.id AND ci.item_id <> ALL (items);
    INSERT INTO dcpf.portfolio_collection_item (collection_id, item_id, owner_id)
    SELECT c.id, i, c.owner_id FROM (SELECT DISTINCT unnest(items)) x(i)
    ON CONFLICT DO NOTHING;
    RETURN (SELECT count(*) FROM dcpf.portfolio_collection_item ci WHERE ci.collection_id = c.id);
END
$$;
COMMENT ON FUNCTION dcpf.set_collection_items(uuid, uuid[]) IS
    'the owner sets the items of their collection (replacing what it held; a share of the collection shows its items at the time of reading); returns how many it holds. P0002 unless the caller''s; 23503 for an item that is not theirs';
REVOKE ALL ON FUNCTION dcpf.set_collection_items(uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.set_collection_items(uuid, uuid[]) TO dcpf_app;

-- ---------------------------------------------------------------------------
-- Protection, access, audit
-- ---------------------------------------------------------------------------
REVOKE ALL ON TABLE dcpf.portfolio_collection, dcpf.portfolio_collection_item, dcpf.share, dcpf.disclosure FROM PUBLIC;
ALTER TABLE dcpf.portfolio_collection FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_collection ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_collection_item FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_collection_item ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.share FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.share ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.disclosure FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.disclosure ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.portfolio_collection', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.portfolio_collection_item', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.share', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.disclosure', '');
REVOKE ALL ON FUNCTION dcpf.share_check(), dcpf.share_register() FROM PUBLIC;

CREATE POLICY portfolio_collection_owner_read ON dcpf.portfolio_collection FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY portfolio_collection_owner_create ON dcpf.portfolio_collection FOR INSERT TO dcpf_app
    WITH CHECK (owner_id = dcpf.current_person());
CREATE POLICY portfolio_collection_owner_rename ON dcpf.portfolio_collection FOR UPDATE TO dcpf_app
    USING (owner_id = dcpf.current_person()) WITH CHECK (owner_id = dcpf.current_person());
GRANT SELECT, INSERT (id, owner_id, name), UPDATE (name) ON dcpf.portfolio_collection TO dcpf_app;
CREATE POLICY portfolio_collection_item_owner_read ON dcpf.portfolio_collection_item FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
GRANT SELECT ON dcpf.portfolio_collection_item TO dcpf_app;

-- shares: the owner makes and reads theirs (and revokes through
-- dcpf.revoke_share); a person reads the shares made to them, staff those
-- made to the role they act in
CREATE POLICY share_owner_read ON dcpf.share FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY share_grantee_read ON dcpf.share FOR SELECT TO dcpf_app
    USING (grantee_person_id = dcpf.current_person()
           OR (grantee_licensee_id = dcpf.current_licensee() AND grantee_role = dcpf.current_role()));
CREATE POLICY share_owner_create ON dcpf.share FOR INSERT TO dcpf_app
    WITH CHECK (owner_id = dcpf.current_person());
GRANT SELECT ON dcpf.share TO dcpf_app;
GRANT INSERT (id, owner_id, scope, item_id, collection_id, category, grantee_person_id, grantee_licensee_id,
              grantee_role, grantee_programme_id, permission, valid_from, valid_until)
    ON dcpf.share TO dcpf_app;

-- the register: the person reads whom their data went to
CREATE POLICY disclosure_subject_read ON dcpf.disclosure FOR SELECT TO dcpf_app
    USING (subject_id = dcpf.current_person());
GRANT SELECT ON dcpf.disclosure TO dcpf_app;

SELECT dcpf.audit_table('dcpf.portfolio_collection', 'owner_id');
SELECT dcpf.audit_table('dcpf.portfolio_collection_item', 'owner_id');
SELECT dcpf.audit_table('dcpf.share', 'owner_id', 'grant');
SELECT dcpf.audit_table('dcpf.disclosure', 'subject_id');
