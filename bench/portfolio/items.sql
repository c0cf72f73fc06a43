-- bench/portfolio/items.sql: one period of benchmark 7's items: items
-- 10 * :period .. 10 * :period + 9 of every person (fewer in the last period
-- when :per_person is not a multiple of ten), ordered by person, with the
-- assessments of the trainees' assessment items, in one statement. Psql
-- variables: period, persons, licensees, per_person. The conventions are in
-- bench/portfolio/generate.sql; loaded as the extension's owner with
-- triggers and foreign keys off, the rows valid by construction.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET session_replication_role = replica;
WITH item AS MATERIALIZED (
    SELECT w.p, w.id AS owner_id, w.l, w.k, w.g, x.n, x.kind, x.assessed,
           -- numbered in the order written: the primary key grows at its end
           ('30000000-0000-4000-8000-' || lpad(to_hex((:period::bigint * :persons + w.p - 1) * 10 + x.n % 10 + 1), 12, '0'))::uuid AS id,
           x.made,
           -- the staff of the licensee: supervisors are its persons 20 j, assessors 20 j + 2
           bench.person_uuid(w.l + :licensees::bigint * (20 * ((w.p + x.n) % (:persons / :licensees / 20)) + CASE WHEN x.n % 2 = 0 THEN 2 ELSE 0 END)) AS assessor_id,
           bench.person_uuid(w.l + :licensees::bigint * 20 * (w.p % (:persons / :licensees / 20))) AS signer_id
      FROM bench.who w
     CROSS JOIN LATERAL generate_series(10 * :period, least(10 * :period + 9, :per_person - 1)) s(n)
     CROSS JOIN LATERAL (
         SELECT s.n,
                CASE WHEN s.n % 10 IN (0, 3, 6) AND w.role_code = 'medical_trainee' THEN 'assessment'
                     WHEN s.n % 10 IN (0, 3, 6, 2, 7) THEN 'reflection'
                     WHEN s.n % 10 = 1 THEN 'feedback' WHEN s.n % 10 = 4 THEN 'conversation'
                     WHEN s.n % 10 = 5 THEN 'epa_activity' WHEN s.n % 10 = 8 THEN 'result'
                     WHEN s.n % 20 = 9 THEN 'competency_declaration' ELSE 'other_activity' END AS kind,
                -- all but a trainee's last three assessments (of the last ten items) are assessed
                s.n < :per_person - 10 AS assessed,
                -- made over about 1,000 days, in order
                timestamptz '2022-01-03 08:00+00' + (s.n * 1000 / :per_person) * interval '1 day'
                    + (w.p % 7) * interval '1 day' + (w.p % 11) * interval '1 hour' AS made) x
     ORDER BY w.p, x.n
), parts AS (
    SELECT array_agg(b.t ORDER BY b.n) AS t FROM bench.body_part b
), stored AS (
    INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, licensee_id, programme_id, item_type, title, body_encrypted,
                                     occurred_on, status, submitted_at, signed_at, signed_by, locked_at, created_at, updated_at)
    SELECT i.id, i.owner_id, ('11000000-0000-4000-8000-' || lpad(to_hex(i.p), 12, '0'))::uuid, bench.licensee_uuid(i.l),
           CASE WHEN i.g IS NOT NULL AND i.k % 20 > 2 THEN bench.programme_uuid(i.g) END, i.kind,
           initcap(replace(i.kind, '_', ' ')) || ' ' || to_char(i.made, 'DD-MM-YYYY'),
           -- three of the eight sentences, 150-230 characters
           dcpf.encrypt(b.t[1 + (i.p + i.n) % 8] || b.t[1 + (i.p + 2 * i.n + 1) % 8] || b.t[1 + (3 * i.n + i.p + 2) % 8],
                        'portfolio_item', 'body', i.id, i.owner_id),
           i.made::date, st.status,
           CASE WHEN st.status <> 'draft' THEN i.made + interval '1 hour' END,
           CASE WHEN st.status IN ('signed', 'locked') THEN i.made + interval '2 days' END,
           CASE WHEN st.status IN ('signed', 'locked') THEN CASE WHEN i.kind = 'assessment' THEN i.assessor_id ELSE i.signer_id END END,
           CASE WHEN st.status = 'locked' THEN i.made + interval '3 days' END,
           i.made, i.made + interval '3 days'
      FROM item i
     CROSS JOIN parts b
     CROSS JOIN LATERAL (
         SELECT CASE WHEN i.kind = 'assessment' THEN
                         CASE WHEN i.assessed AND i.n < :per_person - 20 THEN 'locked' WHEN i.assessed THEN 'signed'
                              WHEN i.n % 10 = 6 THEN 'draft' ELSE 'submitted' END
                     ELSE (ARRAY['locked', 'signed', 'submitted', 'draft'])[1 + i.n % 4] END AS status) st
)
INSERT INTO dcpf.assessment (item_id, owner_id, instrument, assessor_id, epa_id, entrustment_level, strengths_encrypted, assessed_at, created_at)
SELECT i.id, i.owner_id, (ARRAY['kpb', 'kpb', 'cbd', 'osats', 'cat', 'osce'])[1 + (i.p + i.n) % 6], i.assessor_id,
       bench.epa_uuid(i.g, 1 + (3 * i.p + i.n) % 10),
       CASE WHEN i.assessed THEN least(5, 1 + 4 * i.n / :per_person + ((i.p + i.n) % 3 = 0)::integer) END,
       CASE WHEN i.assessed THEN dcpf.encrypt('Goede voorbereiding, heldere verslaglegging en overdracht.', 'assessment', 'strengths', i.id, i.owner_id) END,
       CASE WHEN i.assessed THEN i.made + interval '2 days' END, i.made
  FROM item i
 WHERE i.kind = 'assessment';
