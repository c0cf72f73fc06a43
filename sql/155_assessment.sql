-- 155_assessment.sql: an assessment is a portfolio item of type assessment
-- with its own columns: the instrument (KPB/mini-CEX, CBD, OSATS, CAT, OSCE,
-- other), the named assessor, the EPA it observes and, once the assessor has
-- assessed, the entrustment level and the assessor's strengths and points to
-- improve. The professional makes it as a draft and submits it as a request;
-- the named assessor alone fills it in and signs it (dcpf.assess_item);
-- the owner locks it. See doc/reference/portfolio.md (Assessments).

CREATE TABLE dcpf.assessment (
    item_id                uuid PRIMARY KEY REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    owner_id               uuid NOT NULL,
    instrument             text NOT NULL CONSTRAINT assessment_instrument_known
                           CHECK (instrument IN ('kpb', 'cbd', 'osats', 'cat', 'osce', 'other')),
    assessor_id            uuid NOT NULL REFERENCES dcpf.person (id),
    epa_id                 uuid REFERENCES dcpf.epa (id),
    entrustment_level      dcpf.entrustment_level,
    strengths_encrypted    bytea,
    improvements_encrypted bytea,
    assessed_at            timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT assessment_not_by_oneself CHECK (assessor_id <> owner_id),
    CONSTRAINT assessment_assessed_complete
        CHECK ((assessed_at IS NULL) = (entrustment_level IS NULL)
               AND (assessed_at IS NOT NULL OR (strengths_encrypted IS NULL AND improvements_encrypted IS NULL)))
);
CREATE INDEX assessment_owner_idx ON dcpf.assessment (owner_id, item_id);
CREATE INDEX assessment_assessor_idx ON dcpf.assessment (assessor_id);
CREATE INDEX assessment_epa_idx ON dcpf.assessment (epa_id) WHERE epa_id IS NOT NULL;
COMMENT ON TABLE dcpf.assessment IS
    'the assessment columns of a portfolio item of type assessment: instrument, named assessor, EPA, and once assessed the entrustment level, strengths and points to improve (encrypted under the professional''s key)';
COMMENT ON COLUMN dcpf.assessment.item_id IS 'the portfolio item (of type assessment)';
COMMENT ON COLUMN dcpf.assessment.owner_id IS 'the professional assessed, the item''s owner (set by the server)';
COMMENT ON COLUMN dcpf.assessment.instrument IS
    'kpb (korte praktijkbeoordeling, mini-CEX), cbd (case-based discussion), osats, cat (critically appraised topic), osce or other';
COMMENT ON COLUMN dcpf.assessment.assessor_id IS 'the person asked to assess; only they fill it in and sign it';
COMMENT ON COLUMN dcpf.assessment.epa_id IS 'the EPA observed, of the item''s programme; NULL: none';
COMMENT ON COLUMN dcpf.assessment.entrustment_level IS 'the level the assessor entrusted the activity at (dcpf.entrustment_scale); NULL until assessed';
COMMENT ON COLUMN dcpf.assessment.strengths_encrypted IS 'the assessor''s strengths (tops), encrypted under the professional''s data key; NULL: none';
COMMENT ON COLUMN dcpf.assessment.improvements_encrypted IS 'the assessor''s points to improve (tips), encrypted likewise; NULL: none';
COMMENT ON COLUMN dcpf.assessment.assessed_at IS 'when the assessor assessed and signed it; NULL until then';
COMMENT ON COLUMN dcpf.assessment.created_at IS 'when the request was made';

CREATE TRIGGER assessment_sealed_strengths BEFORE INSERT OR UPDATE ON dcpf.assessment
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('strengths', 'strengths_encrypted', 'item_id', 'owner_id', '', 'dcpf.portfolio_text');
CREATE TRIGGER assessment_sealed_improvements BEFORE INSERT OR UPDATE ON dcpf.assessment
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('improvements', 'improvements_encrypted', 'item_id', 'owner_id', '', 'dcpf.portfolio_text');

-- the item a subtype row (an assessment, a conversation, a declaration)
-- belongs to; a new row only on a draft of the matching type
CREATE FUNCTION dcpf.subtype_item(item uuid, item_type text, what text, new_row boolean) RETURNS dcpf.portfolio_item
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item;
BEGIN
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = subtype_item.item;
    IF new_row AND (it.item_type IS DISTINCT FROM subtype_item.item_type OR it.status IS DISTINCT FROM 'draft') THEN
        RAISE EXCEPTION '% belongs to a draft item of type %', what, subtype_item.item_type
            USING ERRCODE = 'check_violation',
                  -- nothing about the item itself: it may be someone else's
                  DETAIL = format('Item %s is not a draft of type %s.', subtype_item.item, subtype_item.item_type);
    END IF;
    RETURN it;
END
$$;
COMMENT ON FUNCTION dcpf.subtype_item(uuid, text, text, boolean) IS
    'for the subtype triggers: the portfolio item a row belongs to; for a new row 23514 "<what> belongs to a draft item of type <type>" unless it is a draft of that type (saying nothing more about the item); owner only';
REVOKE ALL ON FUNCTION dcpf.subtype_item(uuid, text, text, boolean) FROM PUBLIC;

CREATE FUNCTION dcpf.assessment_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item dcpf.portfolio_item;
BEGIN
    item := dcpf.subtype_item(NEW.item_id, 'assessment', 'an assessment', TG_OP = 'INSERT');
    IF TG_OP = 'INSERT' THEN
        NEW.owner_id := item.owner_id;
        IF NEW.entrustment_level IS NOT NULL OR NEW.strengths_encrypted IS NOT NULL
           OR NEW.improvements_encrypted IS NOT NULL OR NEW.assessed_at IS NOT NULL THEN
            RAISE EXCEPTION 'only the assessor assesses'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Assessment %s was made with a level, strengths, points to improve or a time.', NEW.item_id),
                      HINT = 'Submit the item; the assessor fills it in with dcpf.assess_item.';
        END IF;
    ELSE
        IF NEW.item_id <> OLD.item_id OR NEW.owner_id <> OLD.owner_id OR NEW.created_at <> OLD.created_at THEN
            RAISE EXCEPTION 'an assessment''s item is fixed' USING ERRCODE = 'feature_not_supported';
        END IF;
        -- the licence-end hand-over takes the EPA of the licensee's curriculum
        -- (kept as dcpf.handover_reference), and nothing else
        IF dcpf.handing_over() AND NEW.epa_id IS NULL
           AND (NEW.instrument, NEW.assessor_id, NEW.entrustment_level, NEW.strengths_encrypted, NEW.improvements_encrypted, NEW.assessed_at)
               IS NOT DISTINCT FROM
               (OLD.instrument, OLD.assessor_id, OLD.entrustment_level, OLD.strengths_encrypted, OLD.improvements_encrypted, OLD.assessed_at) THEN
            RETURN NEW;
        END IF;
        IF (NEW.instrument, NEW.assessor_id, NEW.epa_id) IS DISTINCT FROM (OLD.instrument, OLD.assessor_id, OLD.epa_id)
           AND item.status <> 'draft' THEN
            RAISE EXCEPTION 'only a draft assessment''s instrument, assessor and EPA can change'
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', item.id, item.status);
        END IF;
        IF OLD.assessed_at IS NOT NULL
           AND (NEW.entrustment_level, NEW.strengths_encrypted, NEW.improvements_encrypted, NEW.assessed_at)
               IS DISTINCT FROM (OLD.entrustment_level, OLD.strengths_encrypted, OLD.improvements_encrypted, OLD.assessed_at) THEN
            RAISE EXCEPTION 'assessment % was assessed and signed', OLD.item_id
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'A signed assessment does not change.';
        END IF;
        IF OLD.assessed_at IS NULL AND NEW.assessed_at IS NOT NULL AND item.status <> 'submitted' THEN
            RAISE EXCEPTION 'only a submitted assessment can be assessed'
                USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', item.id, item.status);
        END IF;
    END IF;
    IF NEW.epa_id IS NOT NULL AND NOT EXISTS (SELECT FROM dcpf.epa e WHERE e.id = NEW.epa_id AND e.programme_id = item.programme_id) THEN
        RAISE EXCEPTION 'EPA is not of the item''s programme'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('EPA %s; item %s is of %s.', NEW.epa_id, item.id, coalesce(item.programme_id::text, 'no programme'));
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.assessment_check() IS
    'trigger: an assessment belongs to a draft item of type assessment and is made unassessed; its instrument, assessor and EPA (of the item''s programme) change only while a draft (but the licence-end hand-over takes the EPA); it is assessed only while submitted, and never changes once assessed (SECURITY DEFINER: it must see the item and the curriculum)';
CREATE TRIGGER assessment_state BEFORE INSERT OR UPDATE ON dcpf.assessment
    FOR EACH ROW EXECUTE FUNCTION dcpf.assessment_check();

-- the named assessor assesses and signs
CREATE FUNCTION dcpf.assess_item(item uuid, entrustment_level integer, strengths text DEFAULT NULL,
                                 improvements text DEFAULT NULL) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it      dcpf.portfolio_item;
    a       dcpf.assessment;
    me      uuid := dcpf.verified_person();
    flagged boolean;
    sealed_strengths bytea;
    sealed_improvements bytea;
BEGIN
    SELECT * INTO a FROM dcpf.assessment x WHERE x.item_id = assess_item.item AND x.assessor_id = me FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'assessment % not found', assess_item.item
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or you are not its assessor.';
    END IF;
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = a.item_id FOR UPDATE;
    IF it.status <> 'submitted' OR a.assessed_at IS NOT NULL THEN
        RAISE EXCEPTION 'only a submitted assessment can be assessed'
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Item %s is %s.', it.id, it.status);
    END IF;
    IF entrustment_level IS NULL OR entrustment_level NOT BETWEEN 1 AND 5 THEN
        RAISE EXCEPTION 'an entrustment level is 1 to 5'
            USING ERRCODE = 'check_violation', DETAIL = format('Got %s.', coalesce(entrustment_level::text, 'NULL')),
                  HINT = '1 observes, 2 direct supervision, 3 indirect supervision, 4 unsupervised, 5 supervises others.';
    END IF;
    -- the free-text policy of the item's licensee, on the assessor's words
    flagged := dcpf.free_text_verdict(it.licensee_id, format('The assessor''s text of assessment %s', it.id),
                                      ARRAY[strengths, improvements]);
    -- the ciphertexts first: Citus refuses a VOLATILE function in an UPDATE of its tables
    IF strengths IS NOT NULL THEN
        sealed_strengths := dcpf.encrypt(strengths, 'assessment', 'strengths', a.item_id, a.owner_id);
    END IF;
    IF improvements IS NOT NULL THEN
        sealed_improvements := dcpf.encrypt(improvements, 'assessment', 'improvements', a.item_id, a.owner_id);
    END IF;
    UPDATE dcpf.assessment x
       SET entrustment_level = assess_item.entrustment_level,
           strengths_encrypted = sealed_strengths, improvements_encrypted = sealed_improvements,
           assessed_at = now()
     WHERE x.item_id = a.item_id;
    UPDATE dcpf.portfolio_item p
       SET status = 'signed', signed_at = now(), signed_by = me,
           possibly_patient_data = p.possibly_patient_data OR flagged
     WHERE p.id = it.id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.assess_item(uuid, integer, text, text) IS
    'the named assessor fills in a submitted assessment (entrustment level 1-5, strengths, points to improve; the text encrypted under the professional''s key and scanned per the licensee''s free_text_policy) and signs the item; returns the time. P0002 unless the caller is its assessor; 55000 unless submitted and not yet assessed; 23514 for a level outside 1-5';

-- the owner locks a signed item: final
CREATE FUNCTION dcpf.lock_item(item uuid) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it dcpf.portfolio_item := dcpf.portfolio_item_for_owner(item, 'signed', 'locked');
BEGIN
    UPDATE dcpf.portfolio_item SET status = 'locked', locked_at = now() WHERE id = it.id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.lock_item(uuid) IS
    'the owner locks their signed item: from then on it never changes (except by erasure); returns the time. 55000 unless signed; P0002 unless the caller''s';

-- the owner's view, decrypted
CREATE VIEW dcpf.assessment_decrypted WITH (security_invoker = true, security_barrier = true) AS
SELECT a.item_id, a.owner_id, a.instrument, a.assessor_id, a.epa_id, a.entrustment_level,
       dcpf.decrypt_text(a.strengths_encrypted, 'assessment', 'strengths', a.item_id, a.owner_id, true) AS strengths,
       dcpf.decrypt_text(a.improvements_encrypted, 'assessment', 'improvements', a.item_id, a.owner_id, true) AS improvements,
       a.assessed_at, a.created_at
  FROM dcpf.assessment a;
COMMENT ON VIEW dcpf.assessment_decrypted IS
    'assessments with the assessor''s strengths and points to improve decrypted, for the professional assessed (security_invoker; only the owner may decrypt)';
COMMENT ON COLUMN dcpf.assessment_decrypted.strengths IS 'the assessor''s strengths, decrypted';
COMMENT ON COLUMN dcpf.assessment_decrypted.improvements IS 'the assessor''s points to improve, decrypted';
SELECT dcpf.describe_decrypted_views();

REVOKE ALL ON TABLE dcpf.assessment FROM PUBLIC;
ALTER TABLE dcpf.assessment FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.assessment ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.assessment', '');
REVOKE ALL ON FUNCTION dcpf.assessment_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.assess_item(uuid, integer, text, text), dcpf.lock_item(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.assess_item(uuid, integer, text, text), dcpf.lock_item(uuid) TO dcpf_app;

-- the professional makes and reads their assessments; the assessor sees the
-- request through dcpf.shared_items / dcpf.shared_assessment
CREATE POLICY assessment_owner_read ON dcpf.assessment FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY assessment_owner_create ON dcpf.assessment FOR INSERT TO dcpf_app
    WITH CHECK (owner_id = dcpf.current_person());
CREATE POLICY assessment_owner_edit ON dcpf.assessment FOR UPDATE TO dcpf_app
    USING (owner_id = dcpf.current_person()) WITH CHECK (owner_id = dcpf.current_person());
GRANT SELECT, INSERT (item_id, owner_id, instrument, assessor_id, epa_id), UPDATE (instrument, assessor_id, epa_id)
    ON dcpf.assessment TO dcpf_app;
GRANT SELECT ON dcpf.assessment_decrypted TO dcpf_app;

SELECT dcpf.audit_table('dcpf.assessment', 'owner_id');
