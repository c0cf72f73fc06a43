-- bench/portfolio/finish.sql: after the items, benchmark 7's conversation
-- and declaration rows, entrustment decisions, shares (the population's and the 7b supervisor's 30 trainees),
-- the EURA acceptances, then VACUUM ANALYZE. Psql variables: persons,
-- licensees. Conventions: bench/portfolio/generate.sql.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET session_replication_role = replica;

-- the subtype rows of the conversation and declaration items: the other
-- party and the issuer a supervisor of the licensee (its persons 20 j, as
-- the items' signers); signed once the item is signed; a declaration valid
-- three years from its issue (no agreements text: nothing reads it here)
INSERT INTO dcpf.conversation (item_id, owner_id, kind, counterpart_id, next_date, owner_signed_at, counterpart_signed_at, created_at)
SELECT i.id, i.owner_id, (ARRAY['intake', 'progress', 'assessment', 'final'])[1 + w.p % 4], s.id,
       i.occurred_on + 90, i.signed_at - interval '1 hour', i.signed_at, i.created_at
  FROM dcpf.portfolio_item i
  JOIN bench.who w ON w.id = i.owner_id
 CROSS JOIN LATERAL (SELECT bench.person_uuid(w.l + :licensees::bigint * 20 * (w.p % (:persons / :licensees / 20))) AS id) s
 WHERE i.item_type = 'conversation' AND s.id <> i.owner_id;
INSERT INTO dcpf.competency_declaration (item_id, owner_id, scope, issuer_id, issued_on, valid_until, created_at)
SELECT i.id, i.owner_id, 'Zelfstandig uitvoeren van ' || (ARRAY['een arteriële punctie', 'een lumbaalpunctie', 'een pleurapunctie'])[1 + w.p % 3],
       s.id, i.signed_at::date, (i.signed_at + interval '3 years')::date, i.created_at
  FROM dcpf.portfolio_item i
  JOIN bench.who w ON w.id = i.owner_id
 CROSS JOIN LATERAL (SELECT bench.person_uuid(w.l + :licensees::bigint * 20 * (w.p % (:persons / :licensees / 20))) AS id) s
 WHERE i.item_type = 'competency_declaration' AND s.id <> i.owner_id;

-- three EPAs per trainee entrusted at level 3 by a director of the
-- licensee (its persons 20 j + 1); one in ten of the third revoked
INSERT INTO dcpf.entrustment_decision (owner_id, licensee_id, programme_id, epa_id, level, decided_by, decided_on, evidence,
                                       revoked_at, revoked_by, revoke_reason, created_at)
SELECT w.id, bench.licensee_uuid(w.l), bench.programme_uuid(w.g), bench.epa_uuid(w.g, j), 3, d.id, '2024-06-01', '{}',
       r.at, CASE WHEN r.at IS NOT NULL THEN d.id END, CASE WHEN r.at IS NOT NULL THEN 'Opnieuw beoordelen na incident.' END,
       '2024-06-01'
  FROM bench.who w
 CROSS JOIN generate_series(1, 3) j
 CROSS JOIN LATERAL (SELECT bench.person_uuid(w.l + :licensees::bigint * (20 * (w.p % (:persons / :licensees / 20)) + 1)) AS id) d
 CROSS JOIN LATERAL (SELECT CASE WHEN j = 3 AND w.p % 10 = 0 THEN timestamptz '2024-09-01 12:00+00' END AS at) r
 WHERE w.role_code = 'medical_trainee';

-- the population's shares: every trainee shares the assessments with the
-- directors of their programme (a role share) and the whole portfolio with
-- one supervisor of the licensee (a person share); one in ten also had a
-- share with another supervisor that expired
INSERT INTO dcpf.share (owner_id, scope, category, grantee_licensee_id, grantee_role, grantee_programme_id, permission, valid_from, created_at)
SELECT w.id, 'category', 'assessment', bench.licensee_uuid(w.l), 'trainer', bench.programme_uuid(w.g), 'read', '2022-01-01', '2022-01-01'
  FROM bench.who w WHERE w.role_code = 'medical_trainee';
INSERT INTO dcpf.share (owner_id, scope, grantee_person_id, permission, valid_from, valid_until, created_at)
SELECT w.id, 'portfolio', bench.person_uuid(w.l + :licensees::bigint * 20 * ((w.p + x) % (:persons / :licensees / 20))),
       'comment', '2022-01-01', CASE WHEN x = 1 THEN timestamptz '2023-01-01' END, '2022-01-01'
  FROM bench.who w CROSS JOIN generate_series(0, 1) x
 WHERE w.role_code = 'medical_trainee' AND (x = 0 OR w.p % 10 = 0);

-- the 7b supervisor's trainees: the first 30 trainees of licensee 1
CREATE TABLE bench.cohort AS
SELECT row_number() OVER (ORDER BY w.k) - 1 AS c, w.*
  FROM bench.who w WHERE w.l = 1 AND w.role_code = 'medical_trainee' ORDER BY w.k LIMIT 30;
INSERT INTO dcpf.share (owner_id, scope, category, grantee_person_id, grantee_licensee_id, grantee_role, grantee_programme_id,
                        permission, valid_from, created_at)
SELECT c.id, CASE WHEN c.c < 10 THEN 'portfolio' ELSE 'category' END, CASE WHEN c.c >= 10 THEN 'assessment' END,
       CASE WHEN c.c < 10 OR c.c >= 20 THEN bench.bench_supervisor() END,
       CASE WHEN c.c BETWEEN 10 AND 19 THEN bench.licensee_uuid(1) END, CASE WHEN c.c BETWEEN 10 AND 19 THEN 'supervisor' END,
       CASE WHEN c.c BETWEEN 10 AND 19 THEN bench.programme_uuid(c.g) END,
       'assess', '2023-01-01', '2023-01-01'
  FROM bench.cohort c WHERE c.c < 25;
INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_person_id, permission, valid_from, created_at)
SELECT a.owner_id, 'item', a.item_id, bench.bench_supervisor(), 'read', '2023-01-01', '2023-01-01'
  FROM bench.cohort c JOIN dcpf.assessment a ON a.owner_id = c.id
 WHERE c.c >= 25 AND right(a.item_id::text, 1) IN ('1', '3', '5', '7', '9', 'b', 'd', 'f');
-- ten trainees of licensee 2 whose shares with them ended: revoked or expired
INSERT INTO dcpf.share (owner_id, scope, grantee_person_id, permission, valid_from, valid_until, revoked_at, created_at)
SELECT w.id, 'portfolio', bench.bench_supervisor(), 'read', '2023-01-01',
       CASE WHEN w.k % 2 = 0 THEN timestamptz '2024-01-01' END, CASE WHEN w.k % 2 = 1 THEN timestamptz '2024-01-01' END, '2023-01-01'
  FROM (SELECT * FROM bench.who w WHERE w.l = 2 AND w.role_code = 'medical_trainee' ORDER BY w.k LIMIT 10) w;

-- every member accepts the EURA of their role (the role gate asks for it)
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT ra.id, m.person_id, 'api' FROM dcpf.membership m JOIN dcpf.role_agreement ra ON ra.role_code = m.role_code;
RESET session_replication_role;
