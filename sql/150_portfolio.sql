-- 150_portfolio.sql: the professional's portfolio items. An item is owned by
-- the person (not by a licensee), made in the context of one of their
-- memberships (and, for a trainee, a programme), and goes draft -> submitted
-- -> signed -> locked. Its body is encrypted under the owner's data key; its
-- title and body are scanned for citizen service numbers and payment card
-- numbers, refused or flagged as the licensee chooses. Links to competencies
-- and EPAs say what the item is evidence of. See doc/reference/portfolio.md.
--
-- This file holds the items themselves, read and written by their owner.
-- Sharing with others, the subtypes (assessments, conversations,
-- declarations, entrustment decisions), feedback requests and attachments
-- build on it.

-- ---------------------------------------------------------------------------
-- The licensee's choice for patient data in free text
-- ---------------------------------------------------------------------------
ALTER TABLE dcpf.licensee
    ADD COLUMN free_text_policy text NOT NULL DEFAULT 'refuse'
        CONSTRAINT licensee_free_text_policy_known CHECK (free_text_policy IN ('refuse', 'flag'));
COMMENT ON COLUMN dcpf.licensee.free_text_policy IS
    'what happens to portfolio text of its members that holds a citizen service number (BSN) or a payment card number: refuse (the write fails) or flag (stored, marked as possibly holding patient data)';
GRANT UPDATE (free_text_policy) ON dcpf.licensee TO dcpf_app;

-- ---------------------------------------------------------------------------
-- Helpers of the portfolio's functions (owner only)
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.verified_person() RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.current_person();
BEGIN
    IF me IS NULL THEN
        RAISE EXCEPTION 'no verified identity'
            USING ERRCODE = 'insufficient_privilege', HINT = 'Authenticate first (dcpf.authenticate or dcpf.act_as).';
    END IF;
    RETURN me;
END
$$;
COMMENT ON FUNCTION dcpf.verified_person() IS
    'dcpf.current_person(), or 42501 "no verified identity" when there is none; owner only: the functions that act for a person start with it';
REVOKE ALL ON FUNCTION dcpf.verified_person() FROM PUBLIC;

-- The licence-end hand-over (sql/247_licence_end.sql) detaches a portfolio
-- from a licensee whose last licence ended: its function sets
-- dcpf.restriction_exemption to 'handover' (which only dcpf's own
-- functions can), and the portfolio's triggers then let exactly that
-- change through: an item's context, its links to the licensee's
-- curriculum, an assessment's EPA, an entrustment decision's programme.
CREATE FUNCTION dcpf.handing_over() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce(pg_catalog.current_setting('dcpf.restriction_exemption', true) = 'handover', false);
COMMENT ON FUNCTION dcpf.handing_over() IS
    'true while the licence-end hand-over runs (dcpf.restriction_exemption is handover, set only by dcpf''s own functions): the portfolio''s triggers then let a portfolio be detached from its licensee; owner only';
REVOKE ALL ON FUNCTION dcpf.handing_over() FROM PUBLIC;
-- (dcpf.entrustment_decision_check runs as the caller)
GRANT EXECUTE ON FUNCTION dcpf.handing_over() TO dcpf_app;

-- The free-text policy on text about to be stored: false when it holds no
-- BSN or card number; true when it does and the licensee flags; 23514 when
-- it does and the licensee refuses (the default, and for no licensee).
CREATE FUNCTION dcpf.free_text_verdict(licensee uuid, what text, texts text[]) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found text[];
BEGIN
    SELECT array_agg(DISTINCT k ORDER BY k) INTO found
      FROM unnest(texts) t, unnest(dcpf.sensitive_number_kinds(t)) k;
    IF found IS NULL THEN
        RETURN false;
    END IF;
    IF coalesce((SELECT l.free_text_policy FROM dcpf.licensee l WHERE l.id = licensee), 'refuse') = 'refuse' THEN
        RAISE EXCEPTION 'portfolio text may not hold patient numbers'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('%s holds %s.', what,
                                  array_to_string(ARRAY(SELECT CASE k WHEN 'bsn' THEN 'a citizen service number (BSN)'
                                                                      ELSE 'a payment card number' END
                                                          FROM unnest(found) k), ' and ')),
                  HINT = 'Remove the number: a portfolio is no place for patient identifiers or card numbers.';
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION dcpf.free_text_verdict(uuid, text, text[]) IS
    'the licensee''s free_text_policy applied to texts about to be stored: false when none holds a BSN or card number, true when one does and the licensee flags, 23514 naming what (never the number) when it refuses or there is no licensee; owner only';
REVOKE ALL ON FUNCTION dcpf.free_text_verdict(uuid, text, text[]) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Items
-- ---------------------------------------------------------------------------
CREATE DOMAIN dcpf.portfolio_text AS text
    CONSTRAINT portfolio_text_length CHECK (length(VALUE) BETWEEN 1 AND 100000);
COMMENT ON DOMAIN dcpf.portfolio_text IS
    'the body of a portfolio item as stored (encrypted): 1 to 100,000 characters';

CREATE TABLE dcpf.portfolio_item (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id       uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    membership_id  uuid REFERENCES dcpf.membership (id),
    licensee_id    uuid REFERENCES dcpf.licensee (id),
    programme_id   uuid,
    item_type      text NOT NULL CONSTRAINT portfolio_item_type_known
                   CHECK (item_type IN ('feedback', 'reflection', 'assessment', 'conversation', 'result',
                                        'competency_declaration', 'epa_activity', 'other_activity')),
    title          text NOT NULL CONSTRAINT portfolio_item_title_length CHECK (length(btrim(title)) BETWEEN 1 AND 200),
    body_encrypted bytea,
    occurred_on    date NOT NULL DEFAULT current_date
                   CONSTRAINT portfolio_item_occurred_on_range CHECK (occurred_on >= '1950-01-01'),
    status         text NOT NULL DEFAULT 'draft'
                   CONSTRAINT portfolio_item_status_known CHECK (status IN ('draft', 'submitted', 'signed', 'locked')),
    submitted_at   timestamptz,
    signed_at      timestamptz,
    signed_by      uuid REFERENCES dcpf.person (id),
    locked_at      timestamptz,
    possibly_patient_data boolean NOT NULL DEFAULT false,
    handed_over_at timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT portfolio_item_handed_over_detached CHECK (handed_over_at IS NULL OR licensee_id IS NULL),
    CONSTRAINT portfolio_item_programme_fk FOREIGN KEY (programme_id, licensee_id)
        REFERENCES dcpf.programme (id, licensee_id),
    CONSTRAINT portfolio_item_programme_needs_licensee CHECK (programme_id IS NULL OR licensee_id IS NOT NULL),
    CONSTRAINT portfolio_item_context_complete CHECK ((membership_id IS NULL) = (licensee_id IS NULL)),
    CONSTRAINT portfolio_item_submitted_stamped
        CHECK ((status = 'draft') = (submitted_at IS NULL)),
    -- signed_by is NULL only for feedback signed by someone outside the
    -- platform (dcpf.give_feedback_by_token; the state trigger checks it)
    CONSTRAINT portfolio_item_signed_stamped
        CHECK ((status IN ('signed', 'locked')) = (signed_at IS NOT NULL)
               AND (signed_by IS NULL OR signed_at IS NOT NULL)),
    CONSTRAINT portfolio_item_locked_stamped CHECK ((status = 'locked') = (locked_at IS NOT NULL))
);
CREATE INDEX portfolio_item_owner_idx ON dcpf.portfolio_item (owner_id, occurred_on DESC, created_at DESC);
CREATE INDEX portfolio_item_licensee_idx ON dcpf.portfolio_item (licensee_id, owner_id);
CREATE INDEX portfolio_item_programme_idx ON dcpf.portfolio_item (programme_id) WHERE programme_id IS NOT NULL;
COMMENT ON TABLE dcpf.portfolio_item IS
    'an item of a professional''s portfolio (feedback, reflection, assessment, …), owned by the person; draft -> submitted -> signed -> locked';
COMMENT ON COLUMN dcpf.portfolio_item.id IS 'item identifier';
COMMENT ON COLUMN dcpf.portfolio_item.owner_id IS 'the professional whose portfolio it is; never changes';
COMMENT ON COLUMN dcpf.portfolio_item.membership_id IS 'the owner''s membership in whose context it was made (current when made); NULL: made outside any licensee';
COMMENT ON COLUMN dcpf.portfolio_item.licensee_id IS 'the licensee of that membership (set by the server from it)';
COMMENT ON COLUMN dcpf.portfolio_item.programme_id IS 'the programme of that licensee it belongs to, one the owner is or was placed in; NULL: none';
COMMENT ON COLUMN dcpf.portfolio_item.item_type IS
    'feedback, reflection, assessment, conversation, result, competency_declaration, epa_activity or other_activity; fixed once made';
COMMENT ON COLUMN dcpf.portfolio_item.title IS 'a short title, in the clear (listed and sorted); scanned like the body, so put what may hold patient data in the body';
COMMENT ON COLUMN dcpf.portfolio_item.body_encrypted IS
    'the text, encrypted under the owner''s data key (dcpf.portfolio_item_decrypted shows it to the owner); NULL: none';
COMMENT ON COLUMN dcpf.portfolio_item.occurred_on IS 'when what it records happened (at most a day ahead)';
COMMENT ON COLUMN dcpf.portfolio_item.status IS
    'draft (the owner edits), submitted (offered for signing; the owner may withdraw it), signed, locked (immutable except by erasure); changed only by dcpf.submit_item, dcpf.withdraw_item and the signing and locking functions';
COMMENT ON COLUMN dcpf.portfolio_item.submitted_at IS 'when it was last submitted; NULL while a draft';
COMMENT ON COLUMN dcpf.portfolio_item.signed_at IS 'when it was signed';
COMMENT ON COLUMN dcpf.portfolio_item.signed_by IS 'who signed it; NULL when someone outside the platform signed it (feedback given by e-mail link: see dcpf.feedback_request.signed_name)';
COMMENT ON COLUMN dcpf.portfolio_item.locked_at IS 'when it was locked';
COMMENT ON COLUMN dcpf.portfolio_item.possibly_patient_data IS
    'set by the server when its title or body holds a citizen service number or a payment card number and the licensee''s free_text_policy is flag';
COMMENT ON COLUMN dcpf.portfolio_item.handed_over_at IS
    'when the item was handed over to its owner because the last licence of its licensee ended (dcpf.handover): from then on it belongs to no licensee, and an assessor asked in that licensee''s context reads it no more; NULL: not handed over';
COMMENT ON COLUMN dcpf.portfolio_item.created_at IS 'when it was made';
COMMENT ON COLUMN dcpf.portfolio_item.updated_at IS 'when it last changed';

CREATE TRIGGER portfolio_item_sealed BEFORE INSERT OR UPDATE ON dcpf.portfolio_item
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('body', 'body_encrypted', 'id', 'owner_id', '', 'dcpf.portfolio_text');
CREATE TRIGGER portfolio_item_touch BEFORE UPDATE ON dcpf.portfolio_item
    FOR EACH ROW EXECUTE FUNCTION dcpf.touch_updated_at();

-- Whether text holds a citizen service number or a payment card number: what
-- the free-text policy acts on. Names what it found, never the number.
CREATE FUNCTION dcpf.sensitive_number_kinds(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT DISTINCT f.kind FROM dcpf.find_sensitive_numbers(value) f ORDER BY f.kind);
COMMENT ON FUNCTION dcpf.sensitive_number_kinds(text) IS
    'the kinds of sensitive number in the text (bsn, card_number), sorted, without the numbers; empty when none';

CREATE FUNCTION dcpf.portfolio_item_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m        dcpf.membership;
    body     text;
    legal    boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'draft' THEN
            RAISE EXCEPTION 'a portfolio item starts as a draft'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Item %s was written with status %s.', NEW.id, NEW.status),
                      HINT = 'Insert it as a draft, then submit it with dcpf.submit_item.';
        END IF;
        NEW.submitted_at := NULL;
        NEW.signed_at := NULL;
        NEW.signed_by := NULL;
        NEW.locked_at := NULL;
        NEW.handed_over_at := NULL;
        IF NEW.membership_id IS NOT NULL THEN
            SELECT * INTO m FROM dcpf.membership WHERE id = NEW.membership_id;
            IF m.person_id IS DISTINCT FROM NEW.owner_id
               OR m.valid_from > now() OR (m.valid_until IS NOT NULL AND m.valid_until <= now()) THEN
                RAISE EXCEPTION 'the item''s context is not a current membership of its owner'
                    USING ERRCODE = 'check_violation',
                          DETAIL = format('Membership %s is not a membership of person %s valid now.', NEW.membership_id, NEW.owner_id),
                          HINT = 'Make the item in the context of one of the owner''s current memberships, or of none.';
            END IF;
            NEW.licensee_id := m.licensee_id;
        ELSE
            NEW.licensee_id := NULL;
        END IF;
        IF NEW.programme_id IS NOT NULL AND NOT EXISTS (
               SELECT FROM dcpf.programme_member pm
                WHERE pm.programme_id = NEW.programme_id AND pm.person_id = NEW.owner_id) THEN
            RAISE EXCEPTION 'the owner is not in the item''s programme'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Person %s was never placed in programme %s.', NEW.owner_id, NEW.programme_id);
        END IF;
    ELSE
        -- the licence-end hand-over: the item leaves its licensee's context
        -- (membership, licensee, programme) whatever its status, is marked
        -- handed over, and nothing else changes
        IF dcpf.handing_over() AND NEW.membership_id IS NULL AND NEW.licensee_id IS NULL AND NEW.programme_id IS NULL
           AND OLD.handed_over_at IS NULL AND NEW.handed_over_at IS NOT NULL
           AND (NEW.id, NEW.owner_id, NEW.item_type, NEW.title, NEW.body_encrypted, NEW.occurred_on, NEW.status, NEW.submitted_at,
                NEW.signed_at, NEW.signed_by, NEW.locked_at, NEW.possibly_patient_data, NEW.created_at)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.owner_id, OLD.item_type, OLD.title, OLD.body_encrypted, OLD.occurred_on, OLD.status, OLD.submitted_at,
                OLD.signed_at, OLD.signed_by, OLD.locked_at, OLD.possibly_patient_data, OLD.created_at) THEN
            RETURN NEW;
        END IF;
        IF NEW.id <> OLD.id OR NEW.owner_id <> OLD.owner_id OR NEW.item_type <> OLD.item_type
           OR NEW.membership_id IS DISTINCT FROM OLD.membership_id OR NEW.licensee_id IS DISTINCT FROM OLD.licensee_id
           OR NEW.programme_id IS DISTINCT FROM OLD.programme_id OR NEW.created_at <> OLD.created_at
           OR NEW.handed_over_at IS DISTINCT FROM OLD.handed_over_at THEN
            RAISE EXCEPTION 'a portfolio item''s owner, type and context are fixed'
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = format('Item %s.', OLD.id),
                      HINT = 'Make a new item.';
        END IF;
        IF OLD.status = 'locked' THEN
            RAISE EXCEPTION 'portfolio item % is locked', OLD.id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('It was locked at %s; a locked item changes only by erasure.', OLD.locked_at);
        END IF;
        IF NEW.status <> OLD.status THEN
            legal := (OLD.status, NEW.status) IN (('draft', 'submitted'), ('submitted', 'draft'),
                                                  ('submitted', 'signed'), ('signed', 'locked'));
            IF NOT legal THEN
                RAISE EXCEPTION 'a portfolio item cannot go from % to %', OLD.status, NEW.status
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          DETAIL = format('Item %s is %s. Its way is draft -> submitted -> signed -> locked; a submitted item may go back to draft.',
                                          OLD.id, OLD.status);
            END IF;
            IF NEW.status = 'signed' AND NEW.signed_by IS NULL AND NOT EXISTS (
                   SELECT FROM dcpf.feedback_request r
                    WHERE r.item_id = NEW.id AND r.giver_email IS NOT NULL AND r.answered_at IS NOT NULL) THEN
                RAISE EXCEPTION 'a portfolio item is signed by a person'
                    USING ERRCODE = 'check_violation',
                          DETAIL = format('Item %s was signed without a signer, and no one outside the platform gave its feedback.', OLD.id);
            END IF;
        END IF;
        IF OLD.status <> 'draft' AND (NEW.title <> OLD.title OR NEW.body_encrypted IS DISTINCT FROM OLD.body_encrypted
                                       OR NEW.occurred_on <> OLD.occurred_on) THEN
            RAISE EXCEPTION 'only a draft can be edited'
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Item %s is %s.', OLD.id, OLD.status),
                      HINT = CASE WHEN OLD.status = 'submitted' THEN 'Withdraw it first (dcpf.withdraw_item).'
                                  ELSE 'A signed item keeps the text it was signed with; make a new item.' END;
        END IF;
        IF NEW.title = OLD.title AND NEW.body_encrypted IS NOT DISTINCT FROM OLD.body_encrypted THEN
            RETURN NEW;             -- the text is unchanged: scanned when it was written
        END IF;
    END IF;
    IF NEW.occurred_on > current_date + 1 THEN
        RAISE EXCEPTION 'a portfolio item cannot have happened in the future'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Item %s: occurred_on %s is more than a day ahead.', NEW.id, NEW.occurred_on);
    END IF;
    -- the free-text policy: the title and the body, decrypted here (as the
    -- owner of the extension; the plaintext goes no further)
    IF NEW.body_encrypted IS NOT NULL THEN
        body := dcpf.decrypt_text(NEW.body_encrypted, 'portfolio_item', 'body', NEW.id, NEW.owner_id);
    END IF;
    NEW.possibly_patient_data := dcpf.free_text_verdict(NEW.licensee_id, format('The title or body of item %s', NEW.id),
                                                        ARRAY[NEW.title, body])
                                 -- a conversation's agreements are part of its text
                                 OR (TG_OP = 'UPDATE' AND NEW.item_type = 'conversation'
                                     AND dcpf.conversation_agreements_flagged(NEW.id));
    body := NULL;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.portfolio_item_check() IS
    'trigger: an item starts as a draft in a current membership of its owner (and a programme they were placed in); owner, type and context never change (but the licence-end hand-over detaches it from its licensee, dcpf.handing_over); status moves only draft -> submitted -> signed -> locked (or submitted -> draft); only a draft is edited; a locked item never changes; its title and body are scanned for BSNs and card numbers, refused or flagged per the licensee''s free_text_policy (SECURITY DEFINER: it must see the membership and decrypt the body)';
-- named to fire after portfolio_item_sealed (BEFORE triggers fire in name
-- order): the ciphertext is checked before the body is scanned
CREATE TRIGGER portfolio_item_state BEFORE INSERT OR UPDATE ON dcpf.portfolio_item
    FOR EACH ROW EXECUTE FUNCTION dcpf.portfolio_item_check();

-- ---------------------------------------------------------------------------
-- Links: what an item is evidence of (changed while the item is a draft)
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.portfolio_item_competency (
    item_id       uuid NOT NULL REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    competency_id uuid NOT NULL REFERENCES dcpf.competency (id),
    owner_id      uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, competency_id)
);
CREATE INDEX portfolio_item_competency_owner_idx ON dcpf.portfolio_item_competency (owner_id);
COMMENT ON TABLE dcpf.portfolio_item_competency IS 'the competencies a portfolio item is evidence of';
COMMENT ON COLUMN dcpf.portfolio_item_competency.item_id IS 'the item';
COMMENT ON COLUMN dcpf.portfolio_item_competency.competency_id IS 'a competency of the platform''s framework or of the item''s licensee';
COMMENT ON COLUMN dcpf.portfolio_item_competency.owner_id IS 'the item''s owner (set by the server; for row-level security)';
COMMENT ON COLUMN dcpf.portfolio_item_competency.created_at IS 'when the link was made';

CREATE TABLE dcpf.portfolio_item_epa (
    item_id    uuid NOT NULL REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    epa_id     uuid NOT NULL REFERENCES dcpf.epa (id),
    owner_id   uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, epa_id)
);
CREATE INDEX portfolio_item_epa_owner_idx ON dcpf.portfolio_item_epa (owner_id);
CREATE INDEX portfolio_item_epa_epa_idx ON dcpf.portfolio_item_epa (epa_id);
COMMENT ON TABLE dcpf.portfolio_item_epa IS 'the EPAs a portfolio item is evidence of';
COMMENT ON COLUMN dcpf.portfolio_item_epa.item_id IS 'the item';
COMMENT ON COLUMN dcpf.portfolio_item_epa.epa_id IS 'an EPA (version) of the item''s programme';
COMMENT ON COLUMN dcpf.portfolio_item_epa.owner_id IS 'the item''s owner (set by the server; for row-level security)';
COMMENT ON COLUMN dcpf.portfolio_item_epa.created_at IS 'when the link was made';

CREATE FUNCTION dcpf.portfolio_link_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item     dcpf.portfolio_item;
    other    uuid;
BEGIN
    SELECT * INTO item FROM dcpf.portfolio_item WHERE id = CASE TG_OP WHEN 'DELETE' THEN OLD.item_id ELSE NEW.item_id END;
    IF TG_OP = 'DELETE' AND item.id IS NULL THEN
        RETURN OLD;         -- the item itself is being deleted (erasure): its links go with it
    END IF;
    IF TG_OP = 'DELETE' AND dcpf.handing_over() THEN
        RETURN OLD;         -- the licence-end hand-over takes the links to the licensee's curriculum (kept as dcpf.handover_reference)
    END IF;
    IF item.status IS DISTINCT FROM 'draft' THEN
        RAISE EXCEPTION 'only a draft''s links can change'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Item %s is %s.', item.id, item.status);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'links are made and removed, not changed'
            USING ERRCODE = 'feature_not_supported', DETAIL = format('A link of item %s.', item.id);
    END IF;
    NEW.owner_id := item.owner_id;
    IF dcpf.logical_table_name(TG_RELID) = 'portfolio_item_competency' THEN
        SELECT c.licensee_id INTO other FROM dcpf.competency c WHERE c.id = NEW.competency_id;
        IF other IS NOT NULL AND other IS DISTINCT FROM item.licensee_id THEN
            RAISE EXCEPTION 'competency belongs to another licensee'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Competency %s is licensee %s''s; item %s was made for %s.', NEW.competency_id, other,
                                      item.id, coalesce(item.licensee_id::text, 'no licensee'));
        END IF;
    ELSE
        SELECT e.programme_id INTO other FROM dcpf.epa e WHERE e.id = NEW.epa_id;
        IF item.programme_id IS NULL OR other IS DISTINCT FROM item.programme_id THEN
            RAISE EXCEPTION 'EPA is not of the item''s programme'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('EPA %s is of programme %s; item %s is of %s.', NEW.epa_id, other, item.id,
                                      coalesce(item.programme_id::text, 'no programme'));
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.portfolio_link_check() IS
    'trigger: an item''s competency and EPA links change only while it is a draft (or are removed by the licence-end hand-over), are never updated, link a competency of the platform or the item''s licensee and an EPA of the item''s programme, and carry the item''s owner (SECURITY DEFINER: it must see the item and the curriculum)';
CREATE TRIGGER portfolio_item_competency_check BEFORE INSERT OR UPDATE OR DELETE ON dcpf.portfolio_item_competency
    FOR EACH ROW EXECUTE FUNCTION dcpf.portfolio_link_check();
CREATE TRIGGER portfolio_item_epa_check BEFORE INSERT OR UPDATE OR DELETE ON dcpf.portfolio_item_epa
    FOR EACH ROW EXECUTE FUNCTION dcpf.portfolio_link_check();

-- ---------------------------------------------------------------------------
-- Moving an item on: the owner submits and withdraws
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.portfolio_item_for_owner(item uuid, in_status text, action text) RETURNS dcpf.portfolio_item
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item;
BEGIN
    PERFORM dcpf.verified_person();
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = item AND p.owner_id = dcpf.current_person() FOR UPDATE;
    IF NOT FOUND THEN
        -- someone else's item and a missing one look the same
        RAISE EXCEPTION 'portfolio item % not found', item
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist or is not yours.';
    END IF;
    IF it.status <> in_status THEN
        RAISE EXCEPTION 'only a % item can be %', in_status, action
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', it.id, it.status);
    END IF;
    RETURN it;
END
$$;
COMMENT ON FUNCTION dcpf.portfolio_item_for_owner(uuid, text, text) IS
    'the item, locked for update, if it is the verified person''s own (else P0002: someone else''s item and a missing one look the same) and in the given status (else 55000 "only a <status> item can be <action>"). Owner only: the transition functions use it';
REVOKE ALL ON FUNCTION dcpf.portfolio_item_for_owner(uuid, text, text) FROM PUBLIC;

CREATE FUNCTION dcpf.submit_item(item uuid) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item := dcpf.portfolio_item_for_owner(item, 'draft', 'submitted');
BEGIN
    UPDATE dcpf.portfolio_item SET status = 'submitted', submitted_at = now() WHERE id = it.id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.submit_item(uuid) IS
    'the owner submits their draft item for signing; returns the time. 55000 unless it is a draft; P0002 unless it is the caller''s';

CREATE FUNCTION dcpf.withdraw_item(item uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item := dcpf.portfolio_item_for_owner(item, 'submitted', 'withdrawn');
BEGIN
    UPDATE dcpf.portfolio_item SET status = 'draft', submitted_at = NULL WHERE id = it.id;
END
$$;
COMMENT ON FUNCTION dcpf.withdraw_item(uuid) IS
    'the owner takes their submitted (not yet signed) item back to draft. 55000 unless it is submitted; P0002 unless it is the caller''s';

CREATE FUNCTION dcpf.set_item_links(item uuid, competencies uuid[] DEFAULT '{}', epas uuid[] DEFAULT '{}')
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item;
BEGIN
    IF competencies IS NULL OR epas IS NULL OR array_position(competencies, NULL) IS NOT NULL
       OR array_position(epas, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'links must be given as arrays without NULLs'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass ''{}'' for none.';
    END IF;
    it := dcpf.portfolio_item_for_owner(item, 'draft', 'relinked');
    -- the competencies and EPAs must be ones the caller can see
    IF EXISTS (SELECT FROM unnest(competencies) c(id)
                WHERE NOT EXISTS (SELECT FROM dcpf.competency k
                                   WHERE k.id = c.id
                                     AND (k.licensee_id IS NULL OR k.licensee_id = ANY (dcpf.my_licensees())))) THEN
        RAISE EXCEPTION 'unknown competency'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'A competency given is not of the platform''s framework or of one of your licensees.';
    END IF;
    DELETE FROM dcpf.portfolio_item_competency l WHERE l.item_id = it.id AND l.competency_id <> ALL (competencies);
    INSERT INTO dcpf.portfolio_item_competency (item_id, competency_id, owner_id)
    SELECT it.id, c, it.owner_id FROM (SELECT DISTINCT unnest(competencies)) x(c)
    ON CONFLICT DO NOTHING;
    DELETE FROM dcpf.portfolio_item_epa l WHERE l.item_id = it.id AND l.epa_id <> ALL (epas);
    INSERT INTO dcpf.portfolio_item_epa (item_id, epa_id, owner_id)
    SELECT it.id, e, it.owner_id FROM (SELECT DISTINCT unnest(epas)) x(e)
    ON CONFLICT DO NOTHING;
END
$$;
COMMENT ON FUNCTION dcpf.set_item_links(uuid, uuid[], uuid[]) IS
    'the owner sets the competencies and EPAs their draft item is evidence of (replacing the links it had): competencies of the platform or the item''s licensee, EPAs of the item''s programme. 55000 unless a draft; P0002 unless the caller''s; 23503/23514 for a competency or EPA it cannot link';

-- the owner's view, decrypted
CREATE VIEW dcpf.portfolio_item_decrypted WITH (security_invoker = true, security_barrier = true) AS
SELECT p.id, p.owner_id, p.membership_id, p.licensee_id, p.programme_id, p.item_type, p.title,
       dcpf.decrypt_text(p.body_encrypted, 'portfolio_item', 'body', p.id, p.owner_id, true) AS body,
       p.occurred_on, p.status, p.submitted_at, p.signed_at, p.signed_by, p.locked_at, p.possibly_patient_data,
       p.created_at, p.updated_at, p.handed_over_at
  FROM dcpf.portfolio_item p;
COMMENT ON VIEW dcpf.portfolio_item_decrypted IS
    'portfolio items with their body decrypted, for their owner (security_invoker: the caller''s row-level security applies; only the owner may decrypt a body; NULL once the owner''s key is shredded)';
COMMENT ON COLUMN dcpf.portfolio_item_decrypted.body IS 'the item''s text, decrypted; NULL when it has none or the owner''s key was shredded';
SELECT dcpf.describe_decrypted_views();

-- ---------------------------------------------------------------------------
-- Protection, access, audit
-- ---------------------------------------------------------------------------
REVOKE ALL ON TABLE dcpf.portfolio_item, dcpf.portfolio_item_competency, dcpf.portfolio_item_epa FROM PUBLIC;
ALTER TABLE dcpf.portfolio_item FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_item ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_item_competency FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_item_competency ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_item_epa FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_item_epa ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.portfolio_item', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.portfolio_item_competency', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.portfolio_item_epa', '');
REVOKE ALL ON FUNCTION dcpf.portfolio_item_check(), dcpf.portfolio_link_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.submit_item(uuid), dcpf.withdraw_item(uuid), dcpf.set_item_links(uuid, uuid[], uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.submit_item(uuid), dcpf.withdraw_item(uuid), dcpf.set_item_links(uuid, uuid[], uuid[]) TO dcpf_app;

-- the owner reads their items directly, and writes drafts; nobody else sees
-- them here (sharing opens them to others, through functions that log).
-- The owner policies of the portfolio page's tables (portfolio_item and its
-- subtypes assessment, conversation, competency_declaration) call
-- dcpf.current_person() directly, not in a scalar subquery: it is a C
-- function returning a value from backend memory, as cheap as a parameter
-- per row, while an InitPlan per table costs more per statement than it
-- saves in the small statements of the owner's pages (dcpf.my_items reads
-- four tables: 7-10% of its time, benchmark 7a). See 095_policies.sql.
CREATE POLICY portfolio_item_owner_read ON dcpf.portfolio_item FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY portfolio_item_owner_create ON dcpf.portfolio_item FOR INSERT TO dcpf_app
    WITH CHECK (owner_id = dcpf.current_person()
                AND (licensee_id IS NULL OR licensee_id = dcpf.current_licensee()));
-- (not limited to drafts here: the state trigger refuses an edit of a
-- submitted, signed or locked item with a clear error instead of 0 rows)
CREATE POLICY portfolio_item_owner_edit ON dcpf.portfolio_item FOR UPDATE TO dcpf_app
    USING (owner_id = dcpf.current_person())
    WITH CHECK (owner_id = dcpf.current_person());
GRANT SELECT ON dcpf.portfolio_item TO dcpf_app;
GRANT INSERT (id, owner_id, membership_id, programme_id, item_type, title, body_encrypted, occurred_on)
    ON dcpf.portfolio_item TO dcpf_app;
GRANT UPDATE (title, body_encrypted, occurred_on) ON dcpf.portfolio_item TO dcpf_app;
GRANT SELECT ON dcpf.portfolio_item_decrypted TO dcpf_app;

-- links: read by the owner; written only through dcpf.set_item_links
CREATE POLICY portfolio_item_competency_owner_read ON dcpf.portfolio_item_competency FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY portfolio_item_epa_owner_read ON dcpf.portfolio_item_epa FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
GRANT SELECT ON dcpf.portfolio_item_competency, dcpf.portfolio_item_epa TO dcpf_app;

SELECT dcpf.audit_table('dcpf.portfolio_item', 'owner_id');
SELECT dcpf.audit_table('dcpf.portfolio_item_competency', 'owner_id');
SELECT dcpf.audit_table('dcpf.portfolio_item_epa', 'owner_id');
