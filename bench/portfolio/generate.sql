-- bench/portfolio/generate.sql: the data of benchmark 7, generated in SQL
-- (psql variables: items, persons, licensees, app). Deterministic: person p
-- is bench.person_uuid(p), and everything else follows from p and the
-- item's number n among the person's items. See bench/README.md
-- (benchmark 7) for the shape of the data and what the load bypasses.
--
--   licensees   :licensees, each with a licence of product dcpf and two programmes
--               (EPA-01 .. EPA-10 each, target levels 3-5; EPA-00 retired)
--   persons     :persons, person p in licensee 1 + (p - 1) % :licensees, its
--               k-th person (k = (p - 1) / :licensees): k % 20 = 0 a supervisor,
--               1 a trainer (programme director), 2 an assessor, else a
--               trainee (medical_trainee) in programme k % 2 of the licensee;
--               staff are members of both programmes in their programme role
--   items       :items / :persons per person, made over 1,000 days, of every
--               type (a trainee's: 30% assessments, the staff's none), each
--               with a body encrypted under its owner's data key; statuses
--               from locked (old) to draft (new)
--   assessments on every trainee's assessment item: instrument, an assessor
--               or supervisor of the licensee, an EPA of the programme; all
--               but the last three assessed (level rising with time, the
--               assessor's strengths encrypted), the item signed or locked
--   decisions   per trainee three EPAs entrusted at level 3 by a director,
--               one in ten of them revoked
--   shares      each trainee: the assessments with the directors of their
--               programme (a role share), the whole portfolio with one
--               supervisor of the licensee (a person share); one in ten
--               also an expired share
--   benchmark   the supervisor of 7b (bench.bench_supervisor(), a person of
--               its own in licensee 1, supervisor of both its programmes):
--               30 trainees of licensee 1 share with them, 10 the whole
--               portfolio (a person share), 10 the assessments (a role
--               share with licensee 1's supervisors in their programme),
--               5 the assessments (a person share), 5 every other
--               assessment item by item; 10 trainees of licensee 2 shared
--               with them once (revoked or expired)
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\timing off

CREATE SCHEMA bench;
CREATE FUNCTION bench.person_uuid(p bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('10000000-0000-4000-8000-' || lpad(to_hex(p), 12, '0'))::uuid;
CREATE FUNCTION bench.licensee_uuid(l bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('00000000-0000-4000-8000-' || lpad(to_hex(l), 12, '0'))::uuid;
-- programme g (1 .. 2 :licensees) of licensee (g + 1) / 2
CREATE FUNCTION bench.programme_uuid(g bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('20000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid;
-- EPA j (0 .. 10) of programme g
CREATE FUNCTION bench.epa_uuid(g bigint, j integer) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('21000000-0000-4000-8000-' || lpad(to_hex(g * 16 + j), 12, '0'))::uuid;
CREATE FUNCTION bench.bench_supervisor() RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '40000000-0000-4000-8000-000000000001'::uuid;
CREATE TABLE bench.setting (name text PRIMARY KEY, value bigint NOT NULL);
INSERT INTO bench.setting VALUES ('items', :items), ('persons', :persons), ('licensees', :licensees),
                                 ('per_person', :items / :persons), ('per_licensee', :persons / :licensees);
GRANT USAGE ON SCHEMA bench TO :"app";
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench TO :"app";

-- Loaded as the extension's owner with session_replication_role = replica:
-- no trigger fires (the state machine, the free-text scan, the seal check
-- of the ciphertext, the share register and the audit trail's events) and
-- no foreign key is checked. The rows are made valid by construction, as
-- the triggers would have them (bench/README.md, benchmark 7, says what the
-- triggers cost per item, measured below on a sample).
SET session_replication_role = replica;

INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000000b1', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licensee (id, name, kind)
SELECT bench.licensee_uuid(l), 'Ziekenhuis ' || l, 'hospital' FROM generate_series(1, :licensees) l;
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
SELECT bench.licensee_uuid(l), '00000000-0000-4000-8000-0000000000b1', '2020-01-01' FROM generate_series(1, :licensees) l;
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, body_sha256, effective_from)
SELECT '00000000-0000-4000-8000-0000000000b1', code, 1, 'EURA ' || code, 'EURA voor de rol ' || code || ', versie 1.',
       sha256(convert_to('EURA voor de rol ' || code || ', versie 1.', 'UTF8')), '2020-01-01'
  FROM dcpf.role;

-- persons and their memberships (one each), the benchmark's supervisor too
CREATE TABLE bench.who AS
SELECT p, bench.person_uuid(p) AS id, 1 + (p - 1) % :licensees AS l, (p - 1) / :licensees AS k,
       CASE (p - 1) / :licensees % 20 WHEN 0 THEN 'supervisor' WHEN 1 THEN 'trainer' WHEN 2 THEN 'assessor'
            ELSE 'medical_trainee' END AS role_code,
       -- a trainee's programme
       2 * ((p - 1) % :licensees) + 1 + (p - 1) / :licensees % 2 AS g
  FROM generate_series(1, :persons) p;
ALTER TABLE bench.who ADD PRIMARY KEY (p);
INSERT INTO dcpf.person (id, email, surname, initials, created_at)
SELECT id, 'p' || p || '@bench.example', (ARRAY['Jansen', 'de Vries', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder'])[1 + p % 8],
       'P.', '2020-06-01'
  FROM bench.who;
INSERT INTO dcpf.person (id, email, surname, initials, created_at)
VALUES (bench.bench_supervisor(), 'supervisor@bench.example', 'Supervisor', 'S.', '2020-06-01');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
SELECT ('11000000-0000-4000-8000-' || lpad(to_hex(p), 12, '0'))::uuid, id, bench.licensee_uuid(l), role_code, '2020-06-01'
  FROM bench.who;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
VALUES (bench.bench_supervisor(), bench.licensee_uuid(1), 'supervisor', '2020-06-01');

-- programmes, EPAs (EPA-00 retired), programme members
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind, starts_on, created_at)
SELECT bench.programme_uuid(g), bench.licensee_uuid((g + 1) / 2), CASE g % 2 WHEN 1 THEN 'IC' ELSE 'INT' END,
       CASE g % 2 WHEN 1 THEN 'Vervolgopleiding IC' ELSE 'Opleiding Interne Geneeskunde' END, 'specialty', '2020-01-01', '2020-01-01'
  FROM generate_series(1, 2 * :licensees) g;
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, version, title, target_level, retired_at, created_at)
SELECT bench.epa_uuid(g, j), bench.programme_uuid(g), bench.licensee_uuid((g + 1) / 2), 'EPA-' || lpad(j::text, 2, '0'), 1,
       'Toevertrouwde activiteit ' || j, 3 + j % 3, CASE WHEN j = 0 THEN '2021-01-01'::timestamptz END, '2020-01-01'
  FROM generate_series(1, 2 * :licensees) g, generate_series(0, 10) j;
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from, created_at)
SELECT bench.programme_uuid(w.g), bench.licensee_uuid(w.l), w.id, 'trainee', '2020-06-01', '2020-06-01'
  FROM bench.who w WHERE w.role_code = 'medical_trainee';
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from, created_at)
SELECT bench.programme_uuid(2 * (w.l - 1) + x), bench.licensee_uuid(w.l), w.id, w.role_code, '2020-06-01', '2020-06-01'
  FROM bench.who w, generate_series(1, 2) x WHERE w.role_code <> 'medical_trainee';
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from, created_at)
SELECT bench.programme_uuid(x), bench.licensee_uuid(1), bench.bench_supervisor(), 'supervisor', '2020-06-01', '2020-06-01'
  FROM generate_series(1, 2) x;
\echo '  curriculum, persons and memberships done'

CREATE TABLE bench.body_part (n integer PRIMARY KEY, t text NOT NULL);
INSERT INTO bench.body_part VALUES
    (0, 'Nachtdienst op de IC met drie opnames. '),
    (1, 'Overdracht volgens SBAR aan de dagdienst, rustig en volledig. '),
    (2, 'Familiegesprek gevoerd samen met de verpleegkundige; slecht nieuws gebracht. '),
    (3, 'Beademingsinstellingen aangepast na bloedgas, supervisor telefonisch geraadpleegd. '),
    (4, 'Leerpunt: eerder hulp vragen bij twijfel over de diagnose. '),
    (5, 'Centrale lijn geplaatst onder echogeleide, zonder complicaties. '),
    (6, 'Casus besproken in de ochtendoverdracht; literatuur nagezocht over sepsis. '),
    (7, 'Feedback van de supervisor: goede structuur, let op de tijd. ');
