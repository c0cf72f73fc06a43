-- 158_declaration.sql: a competency declaration (bekwaamheidsverklaring) is
-- a portfolio item of type competency_declaration with its own columns: the
-- scope (the act the professional is declared competent for), the issuer,
-- issued on, valid until, and its revocation. The professional asks for it
-- (a draft naming the issuer, submitted); the issuer, who must hold a BIG
-- number and act as supervisor or programme director (trainer) of the
-- item's licensee, issues it with a validity; the issuer or a programme
-- director of the licensee may revoke it with a reason. See
-- doc/reference/portfolio.md (Competency declarations).

CREATE TABLE dcpf.competency_declaration (
    item_id        uuid PRIMARY KEY REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    owner_id       uuid NOT NULL,
    scope          text NOT NULL CONSTRAINT competency_declaration_scope_length CHECK (length(btrim(scope)) BETWEEN 3 AND 500)
                   CONSTRAINT competency_declaration_scope_no_numbers CHECK (NOT dcpf.contains_bsn(scope) AND NOT dcpf.contains_card_number(scope)),
    issuer_id      uuid NOT NULL REFERENCES dcpf.person (id),
    issued_on      date,
    valid_until    date,
    revoked_at     timestamptz,
    revoked_by     uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    revoke_reason  text CONSTRAINT competency_declaration_reason_length CHECK (length(btrim(revoke_reason)) BETWEEN 3 AND 1000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT competency_declaration_not_by_oneself CHECK (issuer_id <> owner_id),
    CONSTRAINT competency_declaration_issue_complete
        CHECK ((issued_on IS NULL) = (valid_until IS NULL) AND (valid_until IS NULL OR valid_until > issued_on)),
    CONSTRAINT competency_declaration_revocation_complete
        CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL) AND (revoked_at IS NOT NULL OR revoked_by IS NULL)
               AND (revoked_at IS NULL OR issued_on IS NOT NULL))
);
CREATE INDEX competency_declaration_owner_idx ON dcpf.competency_declaration (owner_id, item_id);
CREATE INDEX competency_declaration_issuer_idx ON dcpf.competency_declaration (issuer_id);
COMMENT ON TABLE dcpf.competency_declaration IS
    'the declaration columns of a portfolio item of type competency_declaration (bekwaamheidsverklaring): the scope, the issuer (BIG-registered, supervisor or programme director), issued on, valid until, revoked';
COMMENT ON COLUMN dcpf.competency_declaration.item_id IS 'the portfolio item (of type competency_declaration)';
COMMENT ON COLUMN dcpf.competency_declaration.owner_id IS 'the professional declared competent, the item''s owner (set by the server)';
COMMENT ON COLUMN dcpf.competency_declaration.scope IS 'what the professional is declared competent for (e.g. "inbrengen van een centraal veneuze katheter"); never a BSN or card number';
COMMENT ON COLUMN dcpf.competency_declaration.issuer_id IS 'the person asked to issue it; only they issue it';
COMMENT ON COLUMN dcpf.competency_declaration.issued_on IS 'when it was issued; NULL: asked, not issued';
COMMENT ON COLUMN dcpf.competency_declaration.valid_until IS 'the last day it is valid (inclusive); NULL until issued';
COMMENT ON COLUMN dcpf.competency_declaration.revoked_at IS 'when it was revoked; NULL: not revoked';
COMMENT ON COLUMN dcpf.competency_declaration.revoked_by IS 'who revoked it (the issuer, or a programme director of the licensee)';
COMMENT ON COLUMN dcpf.competency_declaration.revoke_reason IS 'why it was revoked';
COMMENT ON COLUMN dcpf.competency_declaration.created_at IS 'when it was asked';

CREATE FUNCTION dcpf.competency_declaration_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item dcpf.portfolio_item;
BEGIN
    item := dcpf.subtype_item(NEW.item_id, 'competency_declaration', 'a competency declaration', TG_OP = 'INSERT');
    IF TG_OP = 'INSERT' THEN
        NEW.owner_id := item.owner_id;
        IF NEW.issued_on IS NOT NULL OR NEW.valid_until IS NOT NULL OR NEW.revoked_at IS NOT NULL THEN
            RAISE EXCEPTION 'only the issuer issues a competency declaration'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Declaration %s was made issued or revoked.', NEW.item_id),
                      HINT = 'Submit the item; the issuer issues it with dcpf.issue_declaration.';
        END IF;
    ELSE
        IF NEW.item_id <> OLD.item_id OR NEW.owner_id <> OLD.owner_id OR NEW.created_at <> OLD.created_at THEN
            RAISE EXCEPTION 'a competency declaration''s item is fixed' USING ERRCODE = 'feature_not_supported';
        END IF;
        IF (NEW.scope, NEW.issuer_id) IS DISTINCT FROM (OLD.scope, OLD.issuer_id) AND item.status <> 'draft' THEN
            RAISE EXCEPTION 'only a draft competency declaration''s scope and issuer can change'
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', item.id, item.status);
        END IF;
        IF OLD.issued_on IS NOT NULL AND (NEW.issued_on, NEW.valid_until) IS DISTINCT FROM (OLD.issued_on, OLD.valid_until) THEN
            RAISE EXCEPTION 'competency declaration % was issued', OLD.item_id
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'An issued declaration does not change; it can be revoked.';
        END IF;
        IF OLD.issued_on IS NULL AND NEW.issued_on IS NOT NULL AND item.status <> 'submitted' THEN
            RAISE EXCEPTION 'only a submitted competency declaration can be issued'
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', item.id, item.status);
        END IF;
        IF OLD.revoked_at IS NOT NULL AND (NEW.revoked_at, NEW.revoked_by, NEW.revoke_reason)
                                          IS DISTINCT FROM (OLD.revoked_at, OLD.revoked_by, OLD.revoke_reason) THEN
            RAISE EXCEPTION 'competency declaration % was revoked', OLD.item_id
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'A revocation is final.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.competency_declaration_check() IS
    'trigger: a competency declaration belongs to a draft item of type competency_declaration and is made unissued; its scope and issuer change only while a draft; it is issued only while submitted, never changes once issued, and a revocation is final (SECURITY DEFINER: it must see the item)';
CREATE TRIGGER competency_declaration_state BEFORE INSERT OR UPDATE ON dcpf.competency_declaration
    FOR EACH ROW EXECUTE FUNCTION dcpf.competency_declaration_check();

-- asking for it discloses the item to the issuer, who is told
CREATE FUNCTION dcpf.competency_declaration_asked() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d    dcpf.competency_declaration;
    asked text := format('portfolio item %s (competency declaration asked)', NEW.id);
BEGIN
    SELECT * INTO d FROM dcpf.competency_declaration x WHERE x.item_id = NEW.id;
    IF d.item_id IS NULL THEN
        RAISE EXCEPTION 'a competency declaration is submitted with its scope and issuer'
            USING ERRCODE = 'check_violation', DETAIL = format('Item %s has no competency_declaration row.', NEW.id),
                  HINT = 'Insert its dcpf.competency_declaration row (scope, issuer_id) first.';
    END IF;
    INSERT INTO dcpf.disclosure (subject_id, kind, recipient_person_id, recipient_description, what)
    VALUES (NEW.owner_id, 'share', d.issuer_id, 'a person', asked);
    PERFORM dcpf.queue_notice('declaration_to_issue', d.issuer_id, NULL, NEW.owner_id,
                              jsonb_build_object('item_id', NEW.id, 'scope', d.scope,
                                                 'asked_by', (SELECT dcpf.person_display_name(p) FROM dcpf.person p WHERE p.id = NEW.owner_id)));
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION dcpf.competency_declaration_asked() IS
    'trigger: a competency declaration item is submitted only with its declaration row; its issuer is then recorded as a recipient (once) and asked to issue it (a notice) (SECURITY DEFINER: the register and the queue are written by the server only)';
CREATE TRIGGER portfolio_item_declaration_asked AFTER UPDATE OF status ON dcpf.portfolio_item
    FOR EACH ROW WHEN (NEW.item_type = 'competency_declaration' AND OLD.status = 'draft' AND NEW.status = 'submitted')
    EXECUTE FUNCTION dcpf.competency_declaration_asked();

-- withdrawing the request ends its disclosure
CREATE FUNCTION dcpf.competency_declaration_withdrawn() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE dcpf.disclosure d SET ended_at = now()
     WHERE d.subject_id = NEW.owner_id AND d.ended_at IS NULL
       AND d.what = format('portfolio item %s (competency declaration asked)', NEW.id);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION dcpf.competency_declaration_withdrawn() IS
    'trigger: when a competency declaration item goes back to draft, the disclosure to its issuer ends (SECURITY DEFINER: the register is written by the server only)';
CREATE TRIGGER portfolio_item_declaration_withdrawn AFTER UPDATE OF status ON dcpf.portfolio_item
    FOR EACH ROW WHEN (NEW.item_type = 'competency_declaration' AND OLD.status = 'submitted' AND NEW.status = 'draft')
    EXECUTE FUNCTION dcpf.competency_declaration_withdrawn();

-- the issuer issues it: BIG-registered, acting as supervisor or programme director of the item's licensee
CREATE FUNCTION dcpf.issue_declaration(item uuid, valid_until date) RETURNS date
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.verified_person();
    d  dcpf.competency_declaration;
    it dcpf.portfolio_item;
BEGIN
    SELECT * INTO d FROM dcpf.competency_declaration x WHERE x.item_id = issue_declaration.item AND x.issuer_id = me FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'competency declaration % not found', issue_declaration.item
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or you are not its issuer.';
    END IF;
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = d.item_id FOR UPDATE;
    IF it.status <> 'submitted' OR d.issued_on IS NOT NULL THEN
        RAISE EXCEPTION 'only a submitted competency declaration can be issued'
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', it.id, it.status);
    END IF;
    IF NOT EXISTS (SELECT FROM dcpf.person p WHERE p.id = me AND p.big_number_hmac IS NOT NULL) THEN
        RAISE EXCEPTION 'the issuer of a competency declaration holds a BIG number'
            USING ERRCODE = 'insufficient_privilege', DETAIL = format('Person %s has no BIG number on record.', me),
                  HINT = 'Record your BIG number in your profile first.';
    END IF;
    IF it.licensee_id IS NULL OR dcpf.current_licensee() IS DISTINCT FROM it.licensee_id
       OR coalesce(dcpf.current_role(), '') NOT IN ('supervisor', 'trainer') THEN
        RAISE EXCEPTION 'a competency declaration is issued acting as supervisor or programme director of its licensee'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Item %s is of licensee %s; you act as %s of %s.', it.id, coalesce(it.licensee_id::text, 'none'),
                                  coalesce(dcpf.current_role(), 'nobody'), coalesce(dcpf.current_licensee()::text, 'no licensee'));
    END IF;
    IF valid_until IS NULL OR valid_until <= current_date OR valid_until > current_date + interval '5 years' THEN
        RAISE EXCEPTION 'a competency declaration is valid from tomorrow up to 5 years'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got valid_until %s.', coalesce(valid_until::text, 'NULL'));
    END IF;
    UPDATE dcpf.competency_declaration x SET issued_on = current_date, valid_until = issue_declaration.valid_until
     WHERE x.item_id = d.item_id;
    UPDATE dcpf.portfolio_item p SET status = 'signed', signed_at = now(), signed_by = me WHERE p.id = it.id;
    -- issued, it is no longer asked of the issuer: that disclosure ends
    UPDATE dcpf.disclosure x SET ended_at = now()
     WHERE x.subject_id = it.owner_id AND x.ended_at IS NULL
       AND x.what = format('portfolio item %s (competency declaration asked)', it.id);
    RETURN current_date;
END
$$;
COMMENT ON FUNCTION dcpf.issue_declaration(uuid, date) IS
    'the issuer named in a submitted competency declaration issues it, valid until the given date (after today, at most 5 years ahead), and signs the item; returns the date issued. P0002 unless the caller is its issuer; 55000 unless submitted and not issued; 42501 without a BIG number, or not acting as supervisor or trainer of the item''s licensee; 22023 for a bad validity';

-- the issuer, or a programme director of the licensee, revokes it with a reason
CREATE FUNCTION dcpf.revoke_declaration(item uuid, reason text) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.verified_person();
    d  dcpf.competency_declaration;
BEGIN
    SELECT x.* INTO d FROM dcpf.competency_declaration x JOIN dcpf.portfolio_item i ON i.id = x.item_id
     WHERE x.item_id = revoke_declaration.item
       AND (x.issuer_id = me OR (dcpf.acting_in('trainer') AND i.licensee_id = dcpf.current_licensee()))
       FOR UPDATE OF x;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'competency declaration % not found', revoke_declaration.item
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or you are neither its issuer nor a programme director of its licensee.';
    END IF;
    IF d.issued_on IS NULL OR d.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'only an issued, unrevoked competency declaration can be revoked'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Declaration %s is %s.', d.item_id, CASE WHEN d.issued_on IS NULL THEN 'not issued' ELSE 'revoked' END);
    END IF;
    IF reason IS NULL OR length(btrim(reason)) NOT BETWEEN 3 AND 1000 THEN
        RAISE EXCEPTION 'a revocation needs a reason of 3 to 1000 characters'
            USING ERRCODE = 'check_violation', DETAIL = format('Declaration %s.', d.item_id);
    END IF;
    -- kept in the clear: never a patient number, whatever the policy
    PERFORM dcpf.free_text_verdict(NULL, format('The reason for revoking declaration %s', d.item_id), ARRAY[reason]);
    UPDATE dcpf.competency_declaration x SET revoked_at = now(), revoked_by = me, revoke_reason = btrim(reason)
     WHERE x.item_id = d.item_id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.revoke_declaration(uuid, text) IS
    'the issuer, or a programme director (acting as trainer) of the item''s licensee, revokes an issued competency declaration (in force or expired) with a reason (3-1000 characters, kept in the clear, so never a patient number whatever the policy); final; returns the time. P0002 unless found and entitled; 55000 unless issued and not revoked; 23514 without a reason or with a patient number in it';

-- the professional's declarations and where each stands
CREATE VIEW dcpf.my_competency_declarations WITH (security_invoker = true, security_barrier = true) AS
SELECT d.item_id, i.title, d.scope, d.issuer_id, d.issued_on, d.valid_until, d.revoked_at, d.revoke_reason,
       CASE WHEN d.revoked_at IS NOT NULL THEN 'revoked'
            WHEN d.issued_on IS NULL THEN CASE i.status WHEN 'draft' THEN 'draft' ELSE 'asked' END
            WHEN d.valid_until < current_date THEN 'expired'
            ELSE 'in force' END AS state
  FROM dcpf.competency_declaration d
  JOIN dcpf.portfolio_item i ON i.id = d.item_id
 WHERE d.owner_id = (SELECT dcpf.current_person());
COMMENT ON VIEW dcpf.my_competency_declarations IS
    'the verified person''s competency declarations and where each stands: draft, asked, in force, expired or revoked (security_invoker; one''s own only)';
COMMENT ON COLUMN dcpf.my_competency_declarations.item_id IS 'the portfolio item';
COMMENT ON COLUMN dcpf.my_competency_declarations.title IS 'the item''s title';
COMMENT ON COLUMN dcpf.my_competency_declarations.scope IS 'what it declares competence for';
COMMENT ON COLUMN dcpf.my_competency_declarations.issuer_id IS 'the issuer';
COMMENT ON COLUMN dcpf.my_competency_declarations.issued_on IS 'when it was issued';
COMMENT ON COLUMN dcpf.my_competency_declarations.valid_until IS 'the last day it is valid';
COMMENT ON COLUMN dcpf.my_competency_declarations.revoked_at IS 'when it was revoked';
COMMENT ON COLUMN dcpf.my_competency_declarations.revoke_reason IS 'why it was revoked';
COMMENT ON COLUMN dcpf.my_competency_declarations.state IS 'draft, asked (submitted to the issuer), in force, expired or revoked';

-- the declaration columns of an item shared with the caller (the issuer included), logged
CREATE FUNCTION dcpf.shared_declaration(item uuid)
    RETURNS TABLE (item_id uuid, owner_id uuid, scope text, issuer_id uuid, issued_on date, valid_until date,
                   revoked_at timestamptz, revoke_reason text, permission text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d dcpf.competency_declaration;
    granted text;
BEGIN
    SELECT * INTO d FROM dcpf.competency_declaration x WHERE x.item_id = shared_declaration.item;
    granted := dcpf.shared_read(shared_declaration.item, 'competency_declaration', d.owner_id);
    RETURN QUERY SELECT d.item_id, d.owner_id, d.scope, d.issuer_id, d.issued_on, d.valid_until, d.revoked_at, d.revoke_reason, granted;
END
$$;
COMMENT ON FUNCTION dcpf.shared_declaration(uuid) IS
    'the declaration columns of an item shared with the verified identity, or of the submitted declaration it is asked to issue, logged as a read; P0002 when it does not exist or is not shared now (an attempt on someone else''s is logged as well)';

REVOKE ALL ON TABLE dcpf.competency_declaration FROM PUBLIC;
REVOKE ALL ON dcpf.my_competency_declarations FROM PUBLIC;
ALTER TABLE dcpf.competency_declaration FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.competency_declaration ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.competency_declaration', '');
REVOKE ALL ON FUNCTION dcpf.competency_declaration_check(), dcpf.competency_declaration_asked(),
    dcpf.competency_declaration_withdrawn() FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.issue_declaration(uuid, date), dcpf.revoke_declaration(uuid, text), dcpf.shared_declaration(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.issue_declaration(uuid, date), dcpf.revoke_declaration(uuid, text), dcpf.shared_declaration(uuid) TO dcpf_app;

-- the professional asks and reads; the issuer reads through the sharing
-- functions; only the functions issue and revoke
CREATE POLICY competency_declaration_owner_read ON dcpf.competency_declaration FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY competency_declaration_owner_create ON dcpf.competency_declaration FOR INSERT TO dcpf_app
    WITH CHECK (owner_id = dcpf.current_person());
CREATE POLICY competency_declaration_owner_edit ON dcpf.competency_declaration FOR UPDATE TO dcpf_app
    USING (owner_id = dcpf.current_person()) WITH CHECK (owner_id = dcpf.current_person());
GRANT SELECT, INSERT (item_id, owner_id, scope, issuer_id), UPDATE (scope, issuer_id) ON dcpf.competency_declaration TO dcpf_app;
GRANT SELECT ON dcpf.my_competency_declarations TO dcpf_app;

SELECT dcpf.audit_table('dcpf.competency_declaration', 'owner_id');
