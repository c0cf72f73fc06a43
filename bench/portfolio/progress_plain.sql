-- bench/portfolio/progress_plain.sql: benchmark 7b's hand-written query, run
-- by the table owner (no row-level security) and logging nothing: the
-- progress per EPA of the trainees who share with the person :sup acting
-- as :role in licensee :lic, counted over the assessed assessments the
-- shares (or their being the assessor) let them read; the decision in force
-- where they direct the programme. The same rows as dcpf.supervised_epa_progress
-- (bench/portfolio/run checks that they are). :sup, :lic and :role are
-- parameters for pgbench (-D, -M prepared) and quoted literals for psql (-v).
WITH programmes AS (
    -- the programmes of the licensee they are in, in the role they act in
    SELECT coalesce(array_agg(pm.programme_id), '{}') AS ids
      FROM dcpf.programme_member pm JOIN dcpf.programme_role pr ON pr.code = pm.role
     WHERE pm.person_id = :sup AND pm.licensee_id = :lic AND :role = ANY (pr.membership_roles)
       AND pm.valid_from <= now() AND (pm.valid_until IS NULL OR pm.valid_until > now())
       AND EXISTS (SELECT FROM dcpf.membership m
                    WHERE m.person_id = pm.person_id AND m.licensee_id = pm.licensee_id AND m.role_code = :role
                      AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now()))
), granted AS MATERIALIZED (
    -- the shares with them, in force: a person share, or one with their role
    -- (within their programmes) while the owner is a member of the licensee
    SELECT s.owner_id, s.scope, s.item_id, s.collection_id, s.category
      FROM dcpf.share s
     WHERE s.grantee_person_id = :sup
       AND s.revoked_at IS NULL AND s.valid_from <= now() AND (s.valid_until IS NULL OR s.valid_until > now())
    UNION ALL
    SELECT s.owner_id, s.scope, s.item_id, s.collection_id, s.category
      FROM dcpf.share s, programmes p
     WHERE s.grantee_licensee_id = :lic AND s.grantee_role = :role
       AND s.revoked_at IS NULL AND s.valid_from <= now() AND (s.valid_until IS NULL OR s.valid_until > now())
       AND (s.grantee_programme_id IS NULL OR s.grantee_programme_id = ANY (p.ids))
       AND EXISTS (SELECT FROM dcpf.membership m
                    WHERE m.person_id = s.owner_id AND m.licensee_id = s.grantee_licensee_id
                      AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now()))
), trainees AS (
    SELECT array_agg(DISTINCT g.owner_id) AS ids FROM granted g
), observed AS (
    SELECT a.owner_id, a.epa_id, count(*) AS n, max(a.entrustment_level)::smallint AS top, max(a.assessed_at) AS last_at
      FROM dcpf.assessment a
     WHERE a.owner_id = ANY ((SELECT t.ids FROM trainees t)::uuid[])
       AND a.assessed_at IS NOT NULL AND a.epa_id IS NOT NULL
       AND (a.assessor_id = :sup
            OR a.owner_id IN (SELECT g.owner_id FROM granted g
                               WHERE g.scope = 'portfolio' OR (g.scope = 'category' AND g.category = 'assessment'))
            OR a.item_id IN (SELECT g.item_id FROM granted g WHERE g.scope = 'item')
            OR a.item_id IN (SELECT ci.item_id FROM granted g
                               JOIN dcpf.portfolio_collection_item ci ON ci.collection_id = g.collection_id
                              WHERE g.scope = 'collection'))
     GROUP BY a.owner_id, a.epa_id
), directed AS (
    SELECT CASE WHEN :role = 'trainer' THEN p.ids ELSE '{}' END AS ids FROM programmes p
)
SELECT pm.person_id AS trainee_id, e.programme_id, e.id AS epa_id, e.code, e.version, e.title, e.target_level,
       coalesce(o.n, 0) AS observations, o.top AS highest_level, o.last_at AS last_observed_at,
       e.programme_id = ANY (dr.ids) AS decision_shown, d.level AS decided_level, d.decided_on,
       CASE WHEN d.level >= e.target_level THEN NULL
            WHEN o.top >= e.target_level THEN 'an entrustment decision'
            ELSE format('observations at level %s', e.target_level) END AS missing
  FROM dcpf.programme_member pm
  JOIN dcpf.epa e ON e.programme_id = pm.programme_id AND e.retired_at IS NULL
 CROSS JOIN directed dr
  LEFT JOIN observed o ON o.owner_id = pm.person_id AND o.epa_id = e.id
  LEFT JOIN LATERAL (SELECT x.level, x.decided_on FROM dcpf.entrustment_decision x
                      WHERE x.owner_id = pm.person_id AND x.epa_id = e.id AND x.revoked_at IS NULL
                        AND e.programme_id = ANY (dr.ids)
                      ORDER BY x.decided_on DESC, x.created_at DESC LIMIT 1) d ON true
 WHERE pm.person_id = ANY ((SELECT t.ids FROM trainees t)::uuid[]) AND pm.role = 'trainee'
   AND pm.valid_from <= now() AND (pm.valid_until IS NULL OR pm.valid_until > now())
 ORDER BY pm.person_id, e.programme_id, e.code, e.version;
