-- 165_entrustment.sql: entrustment decisions (bekwaamverklaringen). A
-- programme director (trainer) of a programme decides that a trainee of it
-- is entrusted with one of its EPAs at a level, on evidence from the
-- trainee's portfolio that the director may see; a decision can be revoked,
-- never changed. The decisions are the trainee's (their portfolio keeps
-- them); the programme's directors see the programme's. See
-- doc/reference/portfolio.md (Entrustment decisions).

CREATE TABLE dcpf.entrustment_decision (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id      uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    licensee_id   uuid,
    programme_id  uuid,
    epa_id        uuid REFERENCES dcpf.epa (id),
    level         dcpf.entrustment_level NOT NULL,
    decided_by    uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    decided_on    date NOT NULL,
    evidence      uuid[] NOT NULL DEFAULT '{}',
    revoked_at    timestamptz,
    revoked_by    uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    revoke_reason text CONSTRAINT entrustment_decision_reason_length CHECK (length(btrim(revoke_reason)) BETWEEN 3 AND 1000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT entrustment_decision_programme_fk FOREIGN KEY (programme_id, licensee_id)
        REFERENCES dcpf.programme (id, licensee_id),
    -- all three go when the licence-end hand-over detaches the decision
    CONSTRAINT entrustment_decision_context_complete
        CHECK ((licensee_id IS NULL) = (programme_id IS NULL) AND (programme_id IS NULL) = (epa_id IS NULL)),
    CONSTRAINT entrustment_decision_not_own CHECK (decided_by IS DISTINCT FROM owner_id),
    CONSTRAINT entrustment_decision_revocation_complete
        CHECK ((revoked_at IS NULL) = (revoke_reason IS NULL) AND (revoked_at IS NOT NULL OR revoked_by IS NULL))
);
CREATE INDEX entrustment_decision_owner_idx ON dcpf.entrustment_decision (owner_id, epa_id);
CREATE INDEX entrustment_decision_programme_idx ON dcpf.entrustment_decision (programme_id);
COMMENT ON TABLE dcpf.entrustment_decision IS
    'an entrustment decision (bekwaamverklaring): a trainee entrusted with an EPA of their programme at a level, by a programme director, on evidence from the portfolio; revocable, never changed';
COMMENT ON COLUMN dcpf.entrustment_decision.id IS 'decision identifier';
COMMENT ON COLUMN dcpf.entrustment_decision.owner_id IS 'the trainee entrusted (whose portfolio keeps it)';
COMMENT ON COLUMN dcpf.entrustment_decision.licensee_id IS 'the programme''s licensee; NULL once handed over to the trainee (its last licence ended)';
COMMENT ON COLUMN dcpf.entrustment_decision.programme_id IS 'the programme of the EPA; NULL once handed over (dcpf.handover_reference keeps its code and name)';
COMMENT ON COLUMN dcpf.entrustment_decision.epa_id IS 'the EPA (version) entrusted; NULL once handed over (dcpf.handover_reference keeps its code, version and title)';
COMMENT ON COLUMN dcpf.entrustment_decision.level IS 'the level entrusted at (dcpf.entrustment_scale)';
COMMENT ON COLUMN dcpf.entrustment_decision.decided_by IS 'the programme director who decided';
COMMENT ON COLUMN dcpf.entrustment_decision.decided_on IS 'the date of the decision';
COMMENT ON COLUMN dcpf.entrustment_decision.evidence IS 'the trainee''s portfolio items it rests on';
COMMENT ON COLUMN dcpf.entrustment_decision.revoked_at IS 'when it was revoked; NULL: in force';
COMMENT ON COLUMN dcpf.entrustment_decision.revoked_by IS 'who revoked it';
COMMENT ON COLUMN dcpf.entrustment_decision.revoke_reason IS 'why it was revoked';
COMMENT ON COLUMN dcpf.entrustment_decision.created_at IS 'when it was recorded';

CREATE FUNCTION dcpf.entrustment_decision_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the licence-end hand-over takes the licensee, programme and EPA (kept
    -- as dcpf.handover_reference), revoked or not, and nothing else
    IF dcpf.handing_over() AND NEW.licensee_id IS NULL AND NEW.programme_id IS NULL AND NEW.epa_id IS NULL
       AND (NEW.id, NEW.owner_id, NEW.level, NEW.decided_by, NEW.decided_on, NEW.evidence, NEW.created_at,
            NEW.revoked_at, NEW.revoked_by, NEW.revoke_reason)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.owner_id, OLD.level, OLD.decided_by, OLD.decided_on, OLD.evidence, OLD.created_at,
            OLD.revoked_at, OLD.revoked_by, OLD.revoke_reason) THEN
        RETURN NEW;
    END IF;
    IF (NEW.id, NEW.owner_id, NEW.licensee_id, NEW.programme_id, NEW.epa_id, NEW.level, NEW.decided_by, NEW.decided_on,
        NEW.evidence, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.owner_id, OLD.licensee_id, OLD.programme_id, OLD.epa_id, OLD.level, OLD.decided_by, OLD.decided_on,
        OLD.evidence, OLD.created_at) THEN
        RAISE EXCEPTION 'an entrustment decision is not changed, only revoked'
            USING ERRCODE = 'feature_not_supported', DETAIL = format('Decision %s.', OLD.id),
                  HINT = 'Revoke it (dcpf.revoke_entrustment) and decide anew.';
    END IF;
    IF OLD.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'the entrustment decision was revoked'
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('Decision %s; a revocation is final.', OLD.id);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.entrustment_decision_check() IS
    'trigger: an entrustment decision changes only by being revoked, once (or by the licence-end hand-over, which detaches it from its licensee''s programme and EPA)';
CREATE TRIGGER entrustment_decision_check BEFORE UPDATE ON dcpf.entrustment_decision
    FOR EACH ROW EXECUTE FUNCTION dcpf.entrustment_decision_check();

CREATE FUNCTION dcpf.decide_entrustment(trainee uuid, epa uuid, level integer, evidence uuid[] DEFAULT '{}',
                                        decided_on date DEFAULT current_date) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e   dcpf.epa;
    me  uuid := dcpf.verified_person();
    new_id uuid;
BEGIN
    SELECT * INTO e FROM dcpf.epa x WHERE x.id = decide_entrustment.epa;
    -- the caller directs the EPA's programme, acting as its director
    IF e.id IS NULL OR NOT dcpf.acting_in('trainer') OR NOT (e.programme_id = ANY (dcpf.my_programmes())) THEN
        RAISE EXCEPTION 'EPA % not found', decide_entrustment.epa
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or you do not direct its programme (acting as trainer).';
    END IF;
    IF e.retired_at IS NOT NULL THEN
        RAISE EXCEPTION 'EPA % version % is retired', e.code, e.version
            USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Decide on its current version.';
    END IF;
    IF trainee = me OR NOT EXISTS (SELECT FROM dcpf.programme_member pm
                                    WHERE pm.programme_id = e.programme_id AND pm.person_id = trainee AND pm.role = 'trainee'
                                      AND pm.valid_from <= now() AND (pm.valid_until IS NULL OR pm.valid_until > now())) THEN
        RAISE EXCEPTION 'person % is not a current trainee of the programme', trainee
            USING ERRCODE = 'check_violation', DETAIL = format('Programme %s.', e.programme_id);
    END IF;
    IF level IS NULL OR level NOT BETWEEN 1 AND 5 THEN
        RAISE EXCEPTION 'an entrustment level is 1 to 5'
            USING ERRCODE = 'check_violation', DETAIL = format('Got %s.', coalesce(level::text, 'NULL'));
    END IF;
    IF decided_on IS NULL OR decided_on > current_date THEN
        RAISE EXCEPTION 'a decision is dated today or earlier'
            USING ERRCODE = 'check_violation', DETAIL = format('Got %s.', coalesce(decided_on::text, 'NULL'));
    END IF;
    IF evidence IS NULL OR array_position(evidence, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'evidence must be an array without NULLs'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass ''{}'' for none.';
    END IF;
    -- evidence: the trainee's items, each one the director may see
    IF EXISTS (SELECT FROM unnest(evidence) u(item)
                WHERE NOT EXISTS (SELECT FROM dcpf.portfolio_item i WHERE i.id = u.item AND i.owner_id = trainee)
                   OR dcpf.item_permission(u.item) IS NULL) THEN
        RAISE EXCEPTION 'evidence must be items of the trainee shared with you'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Trainee %s.', trainee);
    END IF;
    INSERT INTO dcpf.entrustment_decision (owner_id, licensee_id, programme_id, epa_id, level, decided_by, decided_on, evidence)
    VALUES (trainee, e.licensee_id, e.programme_id, e.id, level, me, decided_on,
            ARRAY(SELECT DISTINCT x FROM unnest(evidence) x ORDER BY x))
    RETURNING entrustment_decision.id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.decide_entrustment(uuid, uuid, integer, uuid[], date) IS
    'a programme director (acting as trainer, directing the EPA''s programme) entrusts a current trainee of it with the EPA at a level 1-5, on evidence from the trainee''s items shared with them; returns the decision. P0002 for an EPA not found or not directed; 23514 for another person than a current trainee, a bad level or a future date; 23503 for evidence not shared; 55000 for a retired EPA version';

CREATE FUNCTION dcpf.revoke_entrustment(decision uuid, reason text) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d dcpf.entrustment_decision;
BEGIN
    SELECT * INTO d FROM dcpf.entrustment_decision x WHERE x.id = revoke_entrustment.decision FOR UPDATE;
    IF d.id IS NULL OR dcpf.current_person() IS NULL OR NOT dcpf.acting_in('trainer')
       OR NOT (d.programme_id = ANY (dcpf.my_programmes())) THEN
        RAISE EXCEPTION 'entrustment decision % not found', revoke_entrustment.decision
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or you do not direct its programme (acting as trainer).';
    END IF;
    IF reason IS NULL OR length(btrim(reason)) NOT BETWEEN 3 AND 1000 THEN
        RAISE EXCEPTION 'a revocation needs a reason'
            USING ERRCODE = 'check_violation', DETAIL = 'Give 3 to 1000 characters.';
    END IF;
    UPDATE dcpf.entrustment_decision x SET revoked_at = now(), revoked_by = dcpf.current_person(), revoke_reason = btrim(reason)
     WHERE x.id = d.id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.revoke_entrustment(uuid, text) IS
    'a director of its programme (acting as trainer) revokes an entrustment decision, with a reason; final; returns the time. P0002 unless found and directed; 55000 when already revoked; 23514 without a reason';

REVOKE ALL ON TABLE dcpf.entrustment_decision FROM PUBLIC;
ALTER TABLE dcpf.entrustment_decision FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.entrustment_decision ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.entrustment_decision', '');
REVOKE ALL ON FUNCTION dcpf.entrustment_decision_check() FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.decide_entrustment(uuid, uuid, integer, uuid[], date), dcpf.revoke_entrustment(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.decide_entrustment(uuid, uuid, integer, uuid[], date), dcpf.revoke_entrustment(uuid, text) TO dcpf_app;

-- the trainee reads their decisions; the directors of the programme (acting
-- as trainer) read the programme's
CREATE POLICY entrustment_decision_owner_read ON dcpf.entrustment_decision FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY entrustment_decision_director_read ON dcpf.entrustment_decision FOR SELECT TO dcpf_app
    USING (dcpf.acting_in('trainer') AND programme_id = ANY (dcpf.my_programmes()));
GRANT SELECT ON dcpf.entrustment_decision TO dcpf_app;

SELECT dcpf.audit_table('dcpf.entrustment_decision', 'owner_id', 'grant');

-- ---------------------------------------------------------------------------
-- The trainee's progress per EPA
-- ---------------------------------------------------------------------------
CREATE VIEW dcpf.my_epa_progress WITH (security_invoker = true) AS
SELECT pm.person_id AS trainee_id, e.programme_id, e.id AS epa_id, e.code, e.version, e.title, e.target_level,
       o.observations, o.highest_level, o.last_observed_at,
       d.level AS decided_level, d.decided_on,
       CASE WHEN d.level >= e.target_level THEN NULL
            WHEN o.highest_level >= e.target_level THEN 'an entrustment decision'
            ELSE format('observations at level %s', e.target_level) END AS missing
  FROM dcpf.programme_member pm
  JOIN dcpf.epa e ON e.programme_id = pm.programme_id AND e.retired_at IS NULL
 CROSS JOIN LATERAL (SELECT count(*) AS observations, max(a.entrustment_level) AS highest_level,
                            max(a.assessed_at) AS last_observed_at
                       FROM dcpf.assessment a
                      WHERE a.owner_id = pm.person_id AND a.epa_id = e.id AND a.assessed_at IS NOT NULL) o
  LEFT JOIN LATERAL (SELECT x.level, x.decided_on FROM dcpf.entrustment_decision x
                      WHERE x.owner_id = pm.person_id AND x.epa_id = e.id AND x.revoked_at IS NULL
                      ORDER BY x.decided_on DESC, x.created_at DESC LIMIT 1) d ON true
 WHERE pm.role = 'trainee' AND pm.person_id = (SELECT dcpf.current_person());
COMMENT ON VIEW dcpf.my_epa_progress IS
    'the verified person''s progress per current EPA of each programme they are a trainee in: observations (assessed assessments of the EPA), the highest level observed, the decision in force, and what is missing to reach the target level (security_invoker; one''s own data only)';
COMMENT ON COLUMN dcpf.my_epa_progress.trainee_id IS 'the trainee (the verified person)';
COMMENT ON COLUMN dcpf.my_epa_progress.programme_id IS 'the programme';
COMMENT ON COLUMN dcpf.my_epa_progress.epa_id IS 'the EPA (current version)';
COMMENT ON COLUMN dcpf.my_epa_progress.code IS 'the EPA''s code';
COMMENT ON COLUMN dcpf.my_epa_progress.version IS 'the EPA''s version';
COMMENT ON COLUMN dcpf.my_epa_progress.title IS 'the EPA''s title';
COMMENT ON COLUMN dcpf.my_epa_progress.target_level IS 'the level to reach';
COMMENT ON COLUMN dcpf.my_epa_progress.observations IS 'assessed assessments of this EPA';
COMMENT ON COLUMN dcpf.my_epa_progress.highest_level IS 'the highest level they were assessed at; NULL: none yet';
COMMENT ON COLUMN dcpf.my_epa_progress.last_observed_at IS 'when the latest of them was assessed';
COMMENT ON COLUMN dcpf.my_epa_progress.decided_level IS 'the level of the entrustment decision in force (the latest not revoked); NULL: none';
COMMENT ON COLUMN dcpf.my_epa_progress.decided_on IS 'the date of that decision';
COMMENT ON COLUMN dcpf.my_epa_progress.missing IS
    'what is missing to reach the target: NULL (reached), ''an entrustment decision'' (observed at the target level, not yet decided) or ''observations at level N''';
REVOKE ALL ON dcpf.my_epa_progress FROM PUBLIC;
GRANT SELECT ON dcpf.my_epa_progress TO dcpf_app;
