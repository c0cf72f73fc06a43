-- 168_progress.sql: the supervisor's view of progress. For every
-- professional who shares with the verified identity now, per current EPA of
-- each programme they are currently a trainee in: the observations and the
-- highest level among the assessed assessments the identity may read now,
-- the decision in force where the identity may read decisions, and what is
-- missing to the target. The counterpart of dcpf.my_epa_progress (sql/
-- 165_entrustment.sql) for whom the trainee shares with. Every trainee shown
-- is a read of their data, logged. See doc/reference/portfolio.md
-- (Progress).

-- The shares that give the verified identity access now, of one owner or
-- all: the rules of dcpf.item_permission, as a set (a person share; or a
-- share with the licensee and role the identity acts in, within its
-- programmes when it names one, while the owner is a current member of that
-- licensee). What each share covers is the caller's to match. (PL/pgSQL,
-- so that its plan is made once per session, not at every call.)
CREATE FUNCTION dcpf.shares_in_force(owner uuid DEFAULT NULL)
    RETURNS TABLE (owner_id uuid, scope text, item_id uuid, collection_id uuid, category text)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED ROWS 30
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- a person share (none of an owner whose processing is restricted, or
    -- whose account is deactivated)
    RETURN QUERY
    SELECT s.owner_id, s.scope, s.item_id, s.collection_id, s.category
      FROM dcpf.share s
     WHERE s.grantee_person_id = dcpf.current_person()
       AND s.revoked_at IS NULL AND s.valid_from <= now() AND (s.valid_until IS NULL OR s.valid_until > now())
       AND (shares_in_force.owner IS NULL OR s.owner_id = shares_in_force.owner)
       AND NOT dcpf.processing_restricted(s.owner_id)
    UNION ALL
    -- a share with the role the identity acts in (an AND of its own, so that
    -- the owner's membership is an index probe per share, never a scan)
    SELECT s.owner_id, s.scope, s.item_id, s.collection_id, s.category
      FROM dcpf.share s
     WHERE s.grantee_licensee_id = dcpf.current_licensee() AND s.grantee_role = dcpf.current_role()
       AND s.revoked_at IS NULL AND s.valid_from <= now() AND (s.valid_until IS NULL OR s.valid_until > now())
       AND (shares_in_force.owner IS NULL OR s.owner_id = shares_in_force.owner)
       AND NOT dcpf.processing_restricted(s.owner_id)
       AND (s.grantee_programme_id IS NULL OR s.grantee_programme_id = ANY ((SELECT dcpf.my_programmes())::uuid[]))
       AND EXISTS (SELECT FROM dcpf.membership m
                    WHERE m.person_id = s.owner_id AND m.licensee_id = s.grantee_licensee_id
                      AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now()));
END
$$;
COMMENT ON FUNCTION dcpf.shares_in_force(uuid) IS
    'the shares, of one owner or all, that give the verified identity access now under the rules of dcpf.item_permission (a person share, or one with the licensee, role and programme it acts in while the owner is a current member of that licensee; none of an owner whose processing is restricted or account deactivated): owner, scope and what the scope names; owner only';
REVOKE ALL ON FUNCTION dcpf.shares_in_force(uuid) FROM PUBLIC;

-- The readable assessments are worked out for all the trainees in one
-- statement (calling dcpf.item_permission per assessment would cost an
-- index probe or three each), then each trainee shown is logged once.
CREATE FUNCTION dcpf.supervised_epa_progress(trainee uuid DEFAULT NULL)
    RETURNS TABLE (trainee_id uuid, programme_id uuid, epa_id uuid, code text, version integer, title text,
                   target_level dcpf.entrustment_level, observations bigint, highest_level smallint,
                   last_observed_at timestamptz, decision_shown boolean, decided_level dcpf.entrustment_level,
                   decided_on date, missing text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER ROWS 300
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me       uuid := dcpf.verified_person();
    -- the programmes whose decisions the identity reads: those it directs,
    -- acting as trainer (the policy entrustment_decision_director_read)
    directed uuid[] := CASE WHEN dcpf.acting_in('trainer') THEN dcpf.my_programmes() ELSE '{}' END;
    logged   uuid;
BEGIN
    FOR trainee_id, programme_id, epa_id, code, version, title, target_level, observations, highest_level,
        last_observed_at, decision_shown, decided_level, decided_on, missing IN
        WITH granted AS MATERIALIZED (SELECT * FROM dcpf.shares_in_force(supervised_epa_progress.trainee)),
        trainees AS (SELECT array_agg(DISTINCT g.owner_id) AS ids FROM granted g),
        observed AS (
            -- an assessed assessment's item is signed or locked and of type
            -- assessment (dcpf.assessment_check): its named assessor reads
            -- it, and shares of the whole portfolio, the category, a
            -- collection holding it or the item itself (each list made once)
            SELECT a.owner_id, a.epa_id, count(*) AS n, max(a.entrustment_level)::smallint AS top, max(a.assessed_at) AS last_at
              FROM dcpf.assessment a
             WHERE a.owner_id = ANY ((SELECT t.ids FROM trainees t)::uuid[])
               AND a.assessed_at IS NOT NULL AND a.epa_id IS NOT NULL
               AND (a.assessor_id = me
                    OR a.owner_id IN (SELECT g.owner_id FROM granted g
                                       WHERE g.scope = 'portfolio' OR (g.scope = 'category' AND g.category = 'assessment'))
                    OR a.item_id IN (SELECT g.item_id FROM granted g WHERE g.scope = 'item')
                    OR a.item_id IN (SELECT ci.item_id FROM granted g
                                       JOIN dcpf.portfolio_collection_item ci ON ci.collection_id = g.collection_id
                                      WHERE g.scope = 'collection'))
             GROUP BY a.owner_id, a.epa_id
        )
        SELECT pm.person_id, e.programme_id, e.id, e.code, e.version, e.title, e.target_level,
               coalesce(o.n, 0), o.top, o.last_at, e.programme_id = ANY (directed), d.level, d.decided_on,
               CASE WHEN d.level >= e.target_level THEN NULL
                    WHEN o.top >= e.target_level THEN 'an entrustment decision'
                    ELSE format('observations at level %s', e.target_level) END
          FROM dcpf.programme_member pm
          JOIN dcpf.epa e ON e.programme_id = pm.programme_id AND e.retired_at IS NULL
          LEFT JOIN observed o ON o.owner_id = pm.person_id AND o.epa_id = e.id
          LEFT JOIN LATERAL (SELECT x.level, x.decided_on FROM dcpf.entrustment_decision x
                              WHERE x.owner_id = pm.person_id AND x.epa_id = e.id AND x.revoked_at IS NULL
                                AND e.programme_id = ANY (directed)
                              ORDER BY x.decided_on DESC, x.created_at DESC LIMIT 1) d ON true
         WHERE pm.person_id = ANY ((SELECT t.ids FROM trainees t)::uuid[]) AND pm.role = 'trainee'
           AND pm.valid_from <= now() AND (pm.valid_until IS NULL OR pm.valid_until > now())
         ORDER BY pm.person_id, e.programme_id, e.code, e.version
    LOOP
        -- each trainee shown is a read of their data, logged before any row is returned
        IF trainee_id IS DISTINCT FROM logged THEN
            PERFORM dcpf.audit_note('read', 'epa_progress', trainee_id::text, trainee_id, NULL);
            logged := trainee_id;
        END IF;
        RETURN NEXT;
    END LOOP;
    -- one trainee asked for who shares nothing with the identity: a refused attempt
    IF logged IS NULL AND trainee IS NOT NULL AND trainee <> me
       AND NOT EXISTS (SELECT FROM dcpf.shares_in_force(trainee))
       AND EXISTS (SELECT FROM dcpf.person p WHERE p.id = trainee) THEN
        PERFORM dcpf.audit_note('read', 'epa_progress', trainee::text, trainee, '{"reason": "not shared"}', true);
    END IF;
END
$$;
COMMENT ON FUNCTION dcpf.supervised_epa_progress(uuid) IS
    'for each professional who shares with the verified identity now (or the one given), per current EPA of each programme they are currently a trainee in: observations, highest level and last observation over the assessed assessments the identity may read now (dcpf.item_permission), the decision in force only for the programme''s directors acting as trainer, and what is missing to the target; every trainee shown is logged as a read (epa_progress, once per trainee and transaction), one asked for who shares nothing as a denied read';
REVOKE ALL ON FUNCTION dcpf.supervised_epa_progress(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.supervised_epa_progress(uuid) TO dcpf_app;

CREATE VIEW dcpf.supervised_epa_progress WITH (security_invoker = true) AS
SELECT p.trainee_id, p.programme_id, p.epa_id, p.code, p.version, p.title, p.target_level, p.observations,
       p.highest_level, p.last_observed_at, p.decision_shown, p.decided_level, p.decided_on, p.missing
  FROM dcpf.supervised_epa_progress() p;
COMMENT ON VIEW dcpf.supervised_epa_progress IS
    'the progress per EPA of the trainees who share with the verified identity (dcpf.supervised_epa_progress(), which checks the shares at query time and logs each trainee shown as a read; security_invoker)';
COMMENT ON COLUMN dcpf.supervised_epa_progress.trainee_id IS 'the trainee, who shares with the identity now';
COMMENT ON COLUMN dcpf.supervised_epa_progress.programme_id IS 'a programme they are currently a trainee in';
COMMENT ON COLUMN dcpf.supervised_epa_progress.epa_id IS 'the EPA (current version)';
COMMENT ON COLUMN dcpf.supervised_epa_progress.code IS 'the EPA''s code';
COMMENT ON COLUMN dcpf.supervised_epa_progress.version IS 'the EPA''s version';
COMMENT ON COLUMN dcpf.supervised_epa_progress.title IS 'the EPA''s title';
COMMENT ON COLUMN dcpf.supervised_epa_progress.target_level IS 'the level to reach';
COMMENT ON COLUMN dcpf.supervised_epa_progress.observations IS
    'assessed assessments of this EPA that the identity may read now (shared with it, or assessed by it)';
COMMENT ON COLUMN dcpf.supervised_epa_progress.highest_level IS 'the highest level among them; NULL: none';
COMMENT ON COLUMN dcpf.supervised_epa_progress.last_observed_at IS 'when the latest of them was assessed';
COMMENT ON COLUMN dcpf.supervised_epa_progress.decision_shown IS
    'whether the identity reads the programme''s entrustment decisions (it directs the programme, acting as trainer); false: decided_level and decided_on are NULL whatever was decided';
COMMENT ON COLUMN dcpf.supervised_epa_progress.decided_level IS 'the level of the decision in force (the latest not revoked), when shown; NULL: none or not shown';
COMMENT ON COLUMN dcpf.supervised_epa_progress.decided_on IS 'the date of that decision, when shown';
COMMENT ON COLUMN dcpf.supervised_epa_progress.missing IS
    'what is missing to reach the target, from what the identity may see: NULL (a decision shown reaches it), ''an entrustment decision'' (an observation it may read reached it; none shown does) or ''observations at level N''';
REVOKE ALL ON dcpf.supervised_epa_progress FROM PUBLIC;
GRANT SELECT ON dcpf.supervised_epa_progress TO dcpf_app;
