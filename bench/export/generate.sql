-- bench/export/generate.sql: the data of benchmark 8 (psql variables: items,
-- others, app). One trainee, bench.big(), with :items portfolio items over
-- five years, and :others other persons of the same hospital with 20 items
-- each, so that the person's rows are found by index among others'. Loaded
-- as the extension's owner with triggers and foreign key checks off, as
-- benchmark 7 loads (bench/portfolio/generate.sql), the rows valid by
-- construction. Of the trainee's items:
--   every item   a title and a body of 380-440 characters, encrypted under the
--                trainee's data key, one competency linked
--   1 in 3       an assessment by one of ten assessors, strengths and points
--                to improve encrypted (all but the last 30 assessed)
--   1 in 10      a comment of a supervisor, encrypted
--   1 in 25      an attachment: a PDF of 2-6 KiB, encrypted
--   1 in 50      a share of the item with a supervisor (and its disclosure)
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET session_replication_role = replica;

CREATE SCHEMA bench;
CREATE FUNCTION bench.person_uuid(p bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('10000000-0000-4000-8000-' || lpad(to_hex(p), 12, '0'))::uuid;
CREATE FUNCTION bench.item_uuid(p bigint, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('30000000-0000-4000-' || lpad(to_hex(8 * 4096 + p / 65536), 4, '0') || '-' || lpad(to_hex(p % 65536), 4, '0') || lpad(to_hex(n), 8, '0'))::uuid;
-- the trainee is person 0; persons 1-10 are assessors, 11-20 supervisors
CREATE FUNCTION bench.big() RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN bench.person_uuid(0);
-- an assessor (first 1) or supervisor (first 11) for item n of person p, never p
CREATE FUNCTION bench.colleague(p bigint, n bigint, first integer) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN bench.person_uuid(CASE WHEN p BETWEEN first AND first + 9 THEN 12 - first ELSE first END + n % 10);
CREATE FUNCTION bench.licensee() RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '00000000-0000-4000-8000-000000000001'::uuid;
GRANT USAGE ON SCHEMA bench TO :"app";
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench TO :"app";

INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000000b1', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licensee (id, name, kind) VALUES (bench.licensee(), 'Ziekenhuis Benchmark', 'hospital');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on) VALUES (bench.licensee(), '00000000-0000-4000-8000-0000000000b1', '2020-01-01');
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, body_sha256, effective_from)
SELECT '00000000-0000-4000-8000-0000000000b1', code, 1, 'EURA ' || code, 'EURA voor de rol ' || code || ', versie 1.',
       sha256(convert_to('EURA voor de rol ' || code || ', versie 1.', 'UTF8')), '2020-01-01'
  FROM dcpf.role;
INSERT INTO dcpf.person (id, email, given_names, surname, initials, job_title, created_at)
SELECT bench.person_uuid(p), 'p' || p || '@bench.example', (ARRAY['Fatima', 'Pieter', 'Anna', 'Daan', 'Sanne', 'Lucas', 'Emma', 'Noah'])[1 + p % 8],
       (ARRAY['Jansen', 'de Vries', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder'])[1 + p % 8], 'P.',
       CASE WHEN p BETWEEN 1 AND 20 THEN 'Internist' ELSE 'Aios interne geneeskunde' END, '2020-06-01'
  FROM generate_series(0, :others) p;
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
SELECT ('11000000-0000-4000-8000-' || lpad(to_hex(p), 12, '0'))::uuid, bench.person_uuid(p), bench.licensee(),
       CASE WHEN p BETWEEN 1 AND 10 THEN 'assessor' WHEN p BETWEEN 11 AND 20 THEN 'supervisor' ELSE 'medical_trainee' END, '2020-06-01'
  FROM generate_series(0, :others) p;
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method, accepted_at)
SELECT a.id, m.person_id, 'click_through', '2020-06-01'
  FROM dcpf.membership m JOIN dcpf.role_agreement a ON a.role_code = m.role_code;
-- the shipped competencies (CanMEDS)
CREATE TABLE bench.competency AS SELECT row_number() OVER (ORDER BY c.code) - 1 AS k, c.id FROM dcpf.competency c WHERE c.builtin;

CREATE TABLE bench.body_part (n integer PRIMARY KEY, t text NOT NULL);
INSERT INTO bench.body_part VALUES
    (0, 'Nachtdienst op de SEH met drie opnames, waarvan een patiënt met een sepsis bij een urineweginfectie. '),
    (1, 'Overdracht volgens SBAR aan de dagdienst, rustig en volledig; de zaalarts had geen aanvullende vragen. '),
    (2, 'Familiegesprek gevoerd samen met de verpleegkundige; het slechte nieuws gebracht en stiltes laten vallen. '),
    (3, 'Beademingsinstellingen aangepast na het bloedgas, de supervisor telefonisch geraadpleegd over de PEEP. '),
    (4, 'Leerpunt: eerder hulp vragen bij twijfel over de diagnose, en de differentiaaldiagnose breder houden. '),
    (5, 'Centrale lijn geplaatst onder echogeleide, zonder complicaties; de procedure volgens protocol vastgelegd. '),
    (6, 'Casus besproken in de ochtendoverdracht; literatuur nagezocht over de behandeling van hyponatriëmie. '),
    (7, 'Feedback van de supervisor: goede structuur in de anamnese, let op de tijd bij de lichamelijk onderzoek. ');

-- the items of every person: the trainee's :items, the others' 20 each
CREATE TABLE bench.item AS
SELECT p, n, bench.person_uuid(p) AS owner_id, bench.item_uuid(p, n) AS id,
       timestamptz '2021-01-04 08:00+01' + (n * 1826 / CASE WHEN p = 0 THEN :items ELSE 20 END) * interval '1 day' AS made,
       CASE WHEN n % 3 = 0 THEN 'assessment' WHEN n % 3 = 1 THEN 'reflection'
            ELSE (ARRAY['feedback', 'epa_activity', 'result', 'other_activity'])[1 + n % 4] END AS kind
  FROM generate_series(0, :others) p,
       LATERAL generate_series(0, CASE WHEN p = 0 THEN :items ELSE 20 END - 1) n;
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, licensee_id, item_type, title, body_encrypted, occurred_on,
                                 status, submitted_at, signed_at, signed_by, locked_at, created_at, updated_at)
SELECT i.id, i.owner_id, ('11000000-0000-4000-8000-' || lpad(to_hex(i.p), 12, '0'))::uuid, bench.licensee(), i.kind,
       initcap(replace(i.kind, '_', ' ')) || ' ' || to_char(i.made, 'DD-MM-YYYY'),
       -- four of the eight sentences: 380-440 characters
       dcpf.encrypt(b.t[1 + (i.n) % 8] || b.t[1 + (i.n + 3) % 8] || b.t[1 + (3 * i.n + 1) % 8] || b.t[1 + (5 * i.n + 6) % 8],
                    'portfolio_item', 'body', i.id, i.owner_id),
       i.made::date, st.status,
       CASE WHEN st.status <> 'draft' THEN i.made + interval '1 hour' END,
       CASE WHEN st.status IN ('signed', 'locked') THEN i.made + interval '2 days' END,
       CASE WHEN st.status IN ('signed', 'locked') THEN bench.colleague(i.p, i.n, 11) END,
       CASE WHEN st.status = 'locked' THEN i.made + interval '3 days' END,
       i.made, i.made + interval '3 days'
  FROM bench.item i
 CROSS JOIN (SELECT array_agg(t ORDER BY n) AS t FROM bench.body_part) b
 CROSS JOIN LATERAL (SELECT (ARRAY['locked', 'locked', 'signed', 'submitted', 'draft'])[1 + i.n % 5] AS status) st;
INSERT INTO dcpf.portfolio_item_competency (item_id, competency_id, owner_id, created_at)
SELECT i.id, c.id, i.owner_id, i.made
  FROM bench.item i JOIN bench.competency c ON c.k = i.n % (SELECT count(*) FROM bench.competency);
INSERT INTO dcpf.assessment (item_id, owner_id, instrument, assessor_id, entrustment_level,
                             strengths_encrypted, improvements_encrypted, assessed_at, created_at)
SELECT i.id, i.owner_id, (ARRAY['kpb', 'cbd', 'osats', 'cat'])[1 + i.n % 4], bench.colleague(i.p, i.n, 1),
       CASE WHEN i.assessed THEN 1 + least(4, i.n * 5 / greatest(i.total, 1)) END,
       CASE WHEN i.assessed THEN dcpf.encrypt('Gestructureerde anamnese en een heldere overdracht aan de zaalarts; goed overzicht over de afdeling. ',
                                              'assessment', 'strengths', i.id, i.owner_id) END,
       CASE WHEN i.assessed THEN dcpf.encrypt('De differentiaaldiagnose breder maken voordat de aanvullende diagnostiek wordt aangevraagd. ',
                                              'assessment', 'improvements', i.id, i.owner_id) END,
       CASE WHEN i.assessed THEN i.made + interval '2 days' END, i.made
  FROM (SELECT i.*, CASE WHEN i.p = 0 THEN :items ELSE 20 END AS total,
               i.n < CASE WHEN i.p = 0 THEN :items - 90 ELSE 17 END AS assessed
          FROM bench.item i WHERE i.kind = 'assessment') i;
INSERT INTO dcpf.item_comment (id, item_id, owner_id, author_id, body_encrypted, created_at)
SELECT c.id, i.id, i.owner_id, bench.colleague(i.p, i.n, 11),
       dcpf.encrypt('Mooi uitgewerkt; bespreek dit ook in de volgende intervisie en koppel het aan de EPA. ',
                    'item_comment', 'body', c.id, i.owner_id), i.made + interval '1 day'
  FROM bench.item i CROSS JOIN LATERAL (SELECT bench.item_uuid(i.p + 2000000, i.n) AS id) c
 WHERE i.n % 10 = 7;
INSERT INTO dcpf.portfolio_attachment (id, item_id, owner_id, file_name, media_type, size_bytes, sha256, content_encrypted, created_at)
SELECT a.id, i.id, i.owner_id, 'verslag-' || i.n || '.pdf', 'application/pdf', octet_length(a.content), sha256(a.content),
       dcpf.encrypt(a.content, 'portfolio_attachment', 'content', a.id, i.owner_id), i.made
  FROM bench.item i
 CROSS JOIN LATERAL (SELECT bench.item_uuid(i.p + 3000000, i.n) AS id,
                            convert_to('%PDF-1.4' || E'\n' || repeat('Verslag ' || i.n || ', bijlage bij het portfolio. ', 60 + i.n % 120), 'UTF8') AS content) a
 WHERE i.n % 25 = 11;
INSERT INTO dcpf.share (id, owner_id, scope, item_id, grantee_person_id, permission, valid_from, created_at)
SELECT bench.item_uuid(i.p + 1000000, i.n), i.owner_id, 'item', i.id, bench.colleague(i.p, i.n, 11), 'read', i.made, i.made
  FROM bench.item i WHERE i.n % 50 = 13;
INSERT INTO dcpf.disclosure (subject_id, kind, recipient_person_id, recipient_description, what, share_id, disclosed_at)
SELECT s.owner_id, 'share', s.grantee_person_id, 'a person', 'portfolio item ' || s.item_id, s.id, s.created_at
  FROM dcpf.share s;
SET session_replication_role = origin;
