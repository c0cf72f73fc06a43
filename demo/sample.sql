-- demo/sample.sql: a realistic, deterministic sample for dcpf.
--
-- Two licensees (a university medical centre and a nursing school), the
-- product 'dcpf' with a licence each, 49 people with Dutch names, valid BIG
-- numbers for the medical people, phones and addresses, memberships in every
-- role, accounts created on someone's behalf by a licensee administrator, EURA
-- versions per role (some accepted, some not) and the privacy statement with
-- acknowledgements.
--
-- Run in a database where CREATE EXTENSION dcpf was done:
--     psql -v ON_ERROR_STOP=1 -f demo/sample.sql
-- Nothing is random: running it on an empty database always gives the same
-- data (only ids and creation timestamps differ). It is one transaction.

\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
-- dates below are Dutch calendar dates: a membership from 2022-09-01 starts
-- at midnight in the Netherlands
SET TimeZone = 'Europe/Amsterdam';
BEGIN;

-- A valid BIG number from its nine trailing digits d3..d11: d2 is 9 and d1
-- is the check digit 11 - ((9 + 6·d3 + 3·d4 + 7·d5 + 9·d6 + 10·d7 + 5·d8 +
-- 8·d9 + 4·d10 + 2·d11) mod 11), where 11 becomes 0 and 10 becomes 1.
CREATE FUNCTION pg_temp.big_number_for(body text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT
RETURN (SELECT CASE c WHEN 11 THEN 0 WHEN 10 THEN 1 ELSE c END::text || '9' || body
          FROM (SELECT 11 - ((9 + 6 * substr(body, 1, 1)::int + 3 * substr(body, 2, 1)::int
                                + 7 * substr(body, 3, 1)::int + 9 * substr(body, 4, 1)::int
                                + 10 * substr(body, 5, 1)::int + 5 * substr(body, 6, 1)::int
                                + 8 * substr(body, 7, 1)::int + 4 * substr(body, 8, 1)::int
                                + 2 * substr(body, 9, 1)::int) % 11) AS c) AS check_digit);

---------------------------------------------------------------------------
-- Licensees, billing, product, licences
---------------------------------------------------------------------------
CREATE TEMP TABLE sample_licensee (code text PRIMARY KEY, id uuid NOT NULL);

INSERT INTO sample_licensee VALUES
    ('umc', dcpf.create_licensee('Universitair Medisch Centrum Oost-Nederland', 'academic_hospital', '09183745')),
    ('hst', dcpf.create_licensee('Hogeschool Twente, Academie Verpleegkunde', 'nursing_school', '41032118'));

-- The medical centre pays by SEPA direct debit: its own IBAN with a mandate.
SELECT dcpf.set_billing_profile(
    licensee          => (SELECT id FROM sample_licensee WHERE code = 'umc'),
    address_line1     => 'Afdeling Financiële Administratie, Zorgboulevard 1',
    postcode          => '7512kz',
    city              => 'Enschede',
    contact_name      => 'R.A. (Rianne) Lubbers',
    contact_email     => 'Crediteuren@UMC-OostNederland.nl',
    contact_phone     => '053 487 2000',
    invoice_reference => 'PO 4500123987 / kostenplaats 8120',
    payment_method    => 'direct_debit',
    iban              => 'nl03 rabo 0312 4567 89',
    mandate_reference => 'DCPF-UMCON-2021-001',
    mandate_signed_on => DATE '2020-12-15') \g /dev/null

-- The nursing school pays by card: only the card type and the bank are kept.
SELECT dcpf.set_billing_profile(
    licensee          => (SELECT id FROM sample_licensee WHERE code = 'hst'),
    address_line1     => 'Ariënsplein 12',
    address_line2     => 't.a.v. Bedrijfsbureau',
    postcode          => '7511 JX',
    city              => 'Enschede',
    contact_name      => 'G. (Gerda) Oude Elferink',
    contact_email     => 'financien@hogeschooltwente.nl',
    contact_phone     => '+31 (0)53 200 4000',
    payment_method    => 'card',
    card_type         => 'mastercard',
    card_bank         => 'Rabobank') \g /dev/null

SELECT dcpf.create_product('dcpf', 'DCPF Loopbaanportfolio',
                           'career portfolio for (medical) professionals: feedback, assessments, EPAs, competency declarations') \g /dev/null

SELECT dcpf.create_licence((SELECT id FROM sample_licensee WHERE code = 'umc'), 'dcpf', DATE '2021-01-01', NULL, 2500),
       dcpf.create_licence((SELECT id FROM sample_licensee WHERE code = 'hst'), 'dcpf', DATE '2022-09-01', DATE '2027-08-31', 600) \g /dev/null

---------------------------------------------------------------------------
-- People
---------------------------------------------------------------------------
-- has_big: the person gets a BIG number computed from their ord.
-- on_behalf: the account is created by the licensee's administrator.
-- eura: current = accepted the version in force of every role held;
--       previous = accepted only version 1 (stale where a newer one exists);
--       none = accepted nothing yet.
-- ack: acknowledged the privacy statement of 13 September 2020.
CREATE TEMP TABLE sample_person (
    ord          integer PRIMARY KEY,
    lic          text NOT NULL,
    given_names  text, initials text, tussenvoegsel text, surname text NOT NULL,
    partner_tussenvoegsel text, partner_surname text, name_use text NOT NULL,
    email        text NOT NULL,
    has_big      boolean NOT NULL,
    job_title    text,
    titles       text[] NOT NULL,
    on_behalf    boolean NOT NULL,
    eura         text NOT NULL,
    ack          boolean NOT NULL,
    id           uuid
);

INSERT INTO sample_person (ord, lic, given_names, initials, tussenvoegsel, surname, partner_tussenvoegsel, partner_surname,
                           name_use, email, has_big, job_title, titles, on_behalf, eura, ack) VALUES
-- Universitair Medisch Centrum Oost-Nederland
( 1, 'umc', 'Ingrid',             'I.',     NULL,     'Wolters',         NULL,  NULL,      'E', 'i.wolters@umc-oostnederland.nl',        false, 'Functioneel beheerder DCPF',        '{}',            false, 'current',  true),
( 2, 'umc', 'Hendrik-Jan',        'H.J.',   NULL,     'Kamphuis',        NULL,  NULL,      'E', 'fg@umc-oostnederland.nl',               false, 'Functionaris gegevensbescherming',  '{mr.}',         false, 'current',  true),
( 3, 'umc', 'Willem Frederik',    'W.F.',   'van der','Meulen',          NULL,  NULL,      'E', 'w.vandermeulen@umc-oostnederland.nl',   true,  'Opleider interne geneeskunde',      '{prof.,dr.}',   false, 'current',  true),
( 4, 'umc', 'Marieke',            'M.',     'ter',    'Horst',           NULL,  NULL,      'E', 'm.terhorst@umc-oostnederland.nl',       true,  'Opleider heelkunde',                '{dr.}',         false, 'current',  true),
( 5, 'umc', 'Pieter',             'P.',     'de',     'Jong',            NULL,  NULL,      'E', 'p.dejong@umc-oostnederland.nl',         true,  'Internist',                         '{dr.}',         false, 'current',  true),
( 6, 'umc', 'Annelies',           'A.',     'van',    'Dijk',            NULL,  'Bos',     'V', 'a.bos@umc-oostnederland.nl',            true,  'Chirurg',                           '{}',            false, 'current',  true),
( 7, 'umc', 'Joost',              'J.',     NULL,     'Hendriks',        NULL,  NULL,      'E', 'j.hendriks@umc-oostnederland.nl',       true,  'Kinderarts',                        '{}',            false, 'previous', true),
( 8, 'umc', 'Fatima',             'F.',     NULL,     'El Amrani',       NULL,  NULL,      'E', 'f.elamrani@umc-oostnederland.nl',       true,  'Aios interne geneeskunde',          '{}',            false, 'current',  true),
( 9, 'umc', 'Thomas',             'Th.',    'van den','Berg',            NULL,  NULL,      'E', 't.vandenberg@umc-oostnederland.nl',     true,  'Aios heelkunde',                    '{}',            true,  'current',  true),
(10, 'umc', 'Sophie',             'S.',     'de',     'Vries',           NULL,  NULL,      'E', 'S.deVries@UMC-OostNederland.nl',        true,  'Aios kindergeneeskunde',            '{}',            true,  'current',  true),
(11, 'umc', 'Daan',               'D.',     NULL,     'Jansen',          NULL,  NULL,      'E', 'd.jansen@umc-oostnederland.nl',         true,  'Aios interne geneeskunde',          '{}',            false, 'previous', true),
(12, 'umc', 'Lotte',              'L.',     'van',    'Beek',            NULL,  NULL,      'E', 'l.vanbeek@umc-oostnederland.nl',        true,  'Aios neurologie',                   '{}',            true,  'current',  true),
(13, 'umc', 'Bram',               'B.',     NULL,     'Mulder',          NULL,  NULL,      'E', 'b.mulder@umc-oostnederland.nl',         true,  'Cardioloog',                        '{}',            false, 'current',  true),
(14, 'umc', 'Emma',               'E.',     NULL,     'Visser',          'de',  'Boer',    'N', 'e.visser@umc-oostnederland.nl',         true,  'Aios cardiologie',                  '{}',            false, 'current',  true),
(15, 'umc', 'Ruben',              'R.',     NULL,     'Kok',             NULL,  NULL,      'E', 'r.kok@umc-oostnederland.nl',            true,  'Aios heelkunde',                    '{}',            true,  'current',  true),
(16, 'umc', 'Sanne',              'S.',     NULL,     'Smit',            NULL,  NULL,      'E', 's.smit@umc-oostnederland.nl',           true,  'Aios anesthesiologie',              '{}',            true,  'current',  false),
(17, 'umc', 'Lucas',              'L.',     'van',    'Leeuwen',         NULL,  NULL,      'E', 'l.vanleeuwen@umc-oostnederland.nl',     true,  'Aios interne geneeskunde',          '{}',            false, 'current',  true),
(18, 'umc', 'Julia',              'J.',     NULL,     'Meijer',          NULL,  NULL,      'E', 'j.meijer@umc-oostnederland.nl',         true,  'Aios kindergeneeskunde',            '{}',            false, 'previous', true),
(19, 'umc', 'Niels',              'N.',     'in ''t', 'Veld',            NULL,  NULL,      'E', 'n.intveld@umc-oostnederland.nl',        true,  'Aios orthopedie',                   '{}',            false, 'current',  true),
(20, 'umc', 'Femke',              'F.',     'ter',    'Haar',            NULL,  NULL,      'E', 'f.terhaar@umc-oostnederland.nl',        true,  'Aios neurologie',                   '{}',            false, 'current',  true),
(21, 'umc', 'Jeroen',             'J.',     'van der','Linden',          NULL,  NULL,      'E', 'j.vanderlinden@umc-oostnederland.nl',   true,  'Aios heelkunde',                    '{}',            true,  'current',  true),
(22, 'umc', 'Anouk',              'A.',     NULL,     'Hoekstra',        NULL,  NULL,      'E', 'a.hoekstra@umc-oostnederland.nl',       true,  'Aios dermatologie',                 '{}',            true,  'none',     false),
(23, 'umc', 'Maarten',            'M.',     'de',     'Groot',           NULL,  NULL,      'E', 'm.degroot@umc-oostnederland.nl',        true,  'Longarts',                          '{}',            false, 'current',  true),
(24, 'umc', 'Esther',             'E.',     NULL,     'Dekker',          NULL,  'Brouwer', 'P', 'e.brouwer@umc-oostnederland.nl',        true,  'Anesthesioloog',                    '{drs.}',        false, 'current',  true),
(25, 'umc', 'Kees',               'K.',     'van',    'Dam',             NULL,  NULL,      'E', 'k.vandam@umc-oostnederland.nl',         true,  'Neuroloog',                         '{}',            false, 'current',  true),
(26, 'umc', 'Chloé',              'C.',     NULL,     'Bakker',          NULL,  NULL,      'E', 'c.bakker@umc-oostnederland.nl',         true,  'Aios cardiologie',                  '{}',            false, 'current',  true),
(27, 'umc', 'Sem',                'S.',     NULL,     'Peters',          NULL,  NULL,      'E', 's.peters@umc-oostnederland.nl',         true,  'Aios orthopedie',                   '{}',            true,  'none',     false),
(28, 'umc', 'Noor',               'N.',     NULL,     'Yılmaz',          NULL,  NULL,      'E', 'n.yilmaz@umc-oostnederland.nl',         true,  'Aios anesthesiologie',              '{}',            true,  'current',  true),
(29, 'umc', 'Gerrit-Jan',         'G.J.',   NULL,     'Veenstra',        NULL,  NULL,      'E', 'g.veenstra@umc-oostnederland.nl',       true,  'Orthopedisch chirurg',              '{dr.}',         false, 'current',  true),
(30, 'umc', 'IJsbrand',           'IJ.',    'van',    'Wijk',            NULL,  NULL,      'E', 'ij.vanwijk@umc-oostnederland.nl',       true,  'Aios dermatologie',                 '{}',            false, 'current',  true),
(31, 'umc', 'Thijs',              'Th.',    NULL,     'Vos',             NULL,  NULL,      'E', 't.vos@umc-oostnederland.nl',            true,  'Aios neurologie',                   '{}',            true,  'none',     false),
(32, 'umc', 'Mirjam',             'M.',     'van',    'Os',              NULL,  NULL,      'E', 'm.vanos@umc-oostnederland.nl',          true,  'Verpleegkundig specialist',         '{MANP}',        false, 'current',  true),
-- Hogeschool Twente, Academie Verpleegkunde
(33, 'hst', 'Marloes',            'M.',     NULL,     'Nijhuis',         NULL,  NULL,      'E', 'm.nijhuis@hogeschooltwente.nl',         false, 'Applicatiebeheerder',               '{}',            false, 'current',  true),
(34, 'hst', 'Ben',                'B.',     NULL,     'Oude Luttikhuis', NULL,  NULL,      'E', 'privacy@hogeschooltwente.nl',           false, 'Functionaris gegevensbescherming',  '{drs.}',        false, 'current',  true),
(35, 'hst', 'Hanneke',            'H.',     NULL,     'Lammers',         NULL,  NULL,      'E', 'h.lammers@hogeschooltwente.nl',         true,  'Opleidingscoördinator',             '{MSc}',         false, 'current',  true),
(36, 'hst', 'Wim',                'W.',     'ter',    'Braak',           NULL,  NULL,      'E', 'w.terbraak@hogeschooltwente.nl',        true,  'Docent verpleegkunde',              '{}',            false, 'previous', true),
(37, 'hst', 'Johanna Gerharda',   'J.G.',   NULL,     'Wolbers',         NULL,  NULL,      'E', 'j.wolbers@hogeschooltwente.nl',         true,  'Praktijkopleider',                  '{}',            false, 'current',  true),
(38, 'hst', 'Lisa',               'L.',     NULL,     'Wessels',         NULL,  NULL,      'E', 'lisa.wessels@student.hogeschooltwente.nl',    false, 'Student verpleegkunde', '{}',       true,  'current',  true),
(39, 'hst', 'Mehmet',             'M.',     NULL,     'Kaya',            NULL,  NULL,      'E', 'mehmet.kaya@student.hogeschooltwente.nl',     false, 'Student verpleegkunde', '{}',       true,  'current',  true),
(40, 'hst', 'Iris',               'I.',     NULL,     'Schuurman',       NULL,  NULL,      'E', 'iris.schuurman@student.hogeschooltwente.nl',  false, 'Student verpleegkunde', '{}',       true,  'current',  true),
(41, 'hst', 'Tim',                'T.',     NULL,     'Heuvelink',       NULL,  NULL,      'E', 'tim.heuvelink@student.hogeschooltwente.nl',   false, 'Student verpleegkunde', '{}',       true,  'current',  true),
(42, 'hst', 'Eva',                'E.',     'ten',    'Brinke',          NULL,  NULL,      'E', 'eva.tenbrinke@student.hogeschooltwente.nl',   false, 'Student verpleegkunde', '{}',       true,  'current',  true),
(43, 'hst', 'Jesse',              'J.',     NULL,     'Nijenhuis',       NULL,  NULL,      'E', 'jesse.nijenhuis@student.hogeschooltwente.nl', false, 'Student verpleegkunde', '{}',       true,  'current',  true),
(44, 'hst', 'Fleur',              'F.',     NULL,     'Morsink',         NULL,  NULL,      'E', 'fleur.morsink@student.hogeschooltwente.nl',   false, 'Student verpleegkunde', '{}',       true,  'current',  false),
(45, 'hst', 'Dewi',               'D.',     NULL,     'Pattinama',       NULL,  NULL,      'E', 'dewi.pattinama@student.hogeschooltwente.nl',  false, 'Student verpleegkunde', '{}',       true,  'current',  true),
(46, 'hst', 'Kim',                'K.',     'van der','Veen',            NULL,  NULL,      'E', 'kim.vanderveen@student.hogeschooltwente.nl',  false, 'Student verpleegkunde', '{}',       true,  'current',  true),
(47, 'hst', 'Stijn',              'S.',     NULL,     'Bruggink',        NULL,  NULL,      'E', 'stijn.bruggink@student.hogeschooltwente.nl',  false, 'Student verpleegkunde', '{}',       true,  'current',  true),
(48, 'hst', 'Romy',               'R.',     NULL,     'Leferink',        NULL,  NULL,      'E', 'romy.leferink@student.hogeschooltwente.nl',   false, 'Student verpleegkunde', '{}',       true,  'none',     false),
(49, 'hst', 'Mila',               'M.',     'van ''t','Hof',             NULL,  NULL,      'E', 'mila.vanthof@student.hogeschooltwente.nl',    false, 'Student verpleegkunde', '{}',       true,  'none',     false);

-- Memberships: (person, licensee, role, from, until). Valid periods are
-- fixed dates; trainee and student memberships end with their programme.
CREATE TEMP TABLE sample_membership (ord integer, lic text, role text, valid_from date, valid_until date);
INSERT INTO sample_membership VALUES
    ( 1, 'umc', 'licensee_admin',       '2020-09-01', NULL),
    ( 2, 'umc', 'privacy_officer',      '2020-09-01', NULL),
    ( 3, 'umc', 'medical_professional', '2020-09-01', NULL),
    ( 3, 'umc', 'trainer',              '2020-09-01', NULL),
    ( 3, 'umc', 'assessor',             '2020-09-01', NULL),
    ( 4, 'umc', 'medical_professional', '2021-01-01', NULL),
    ( 4, 'umc', 'trainer',              '2021-01-01', NULL),
    ( 5, 'umc', 'medical_professional', '2021-03-01', NULL),
    ( 5, 'umc', 'supervisor',           '2021-03-01', NULL),
    ( 5, 'umc', 'assessor',             '2021-03-01', NULL),
    ( 5, 'hst', 'supervisor',           '2023-09-01', NULL),
    ( 6, 'umc', 'medical_professional', '2021-06-01', NULL),
    ( 6, 'umc', 'supervisor',           '2021-06-01', NULL),
    ( 6, 'umc', 'assessor',             '2021-06-01', NULL),
    ( 7, 'umc', 'medical_professional', '2022-01-01', NULL),
    ( 7, 'umc', 'supervisor',           '2022-01-01', NULL),
    ( 8, 'umc', 'medical_trainee',      '2022-09-01', '2027-09-01'),
    ( 9, 'umc', 'medical_trainee',      '2023-03-01', '2028-03-01'),
    (10, 'umc', 'medical_trainee',      '2023-09-01', '2028-09-01'),
    (11, 'umc', 'medical_trainee',      '2022-03-01', '2027-03-01'),
    (12, 'umc', 'medical_trainee',      '2024-09-01', '2029-09-01'),
    (13, 'umc', 'medical_trainee',      '2019-09-01', '2024-09-01'),
    (13, 'umc', 'medical_professional', '2024-09-01', NULL),
    (13, 'umc', 'assessor',             '2025-01-01', NULL),
    (14, 'umc', 'medical_trainee',      '2023-01-01', '2028-01-01'),
    (15, 'umc', 'medical_trainee',      '2024-03-01', '2029-03-01'),
    (16, 'umc', 'medical_trainee',      '2025-09-01', '2030-09-01'),
    (17, 'umc', 'medical_trainee',      '2022-09-01', '2027-09-01'),
    (18, 'umc', 'medical_trainee',      '2022-09-01', '2027-09-01'),
    (19, 'umc', 'medical_trainee',      '2023-09-01', '2028-09-01'),
    (20, 'umc', 'medical_trainee',      '2024-09-01', '2029-09-01'),
    (21, 'umc', 'medical_trainee',      '2025-03-01', '2030-03-01'),
    (22, 'umc', 'medical_trainee',      '2025-09-01', '2030-09-01'),
    (23, 'umc', 'medical_professional', '2020-10-01', NULL),
    (23, 'umc', 'assessor',             '2020-10-01', NULL),
    (24, 'umc', 'medical_professional', '2021-02-01', NULL),
    (24, 'umc', 'supervisor',           '2021-02-01', NULL),
    (25, 'umc', 'medical_professional', '2022-05-01', NULL),
    (25, 'umc', 'assessor',             '2022-05-01', NULL),
    (26, 'umc', 'medical_trainee',      '2024-01-01', '2029-01-01'),
    (27, 'umc', 'medical_trainee',      '2026-09-01', '2031-09-01'),
    (28, 'umc', 'medical_trainee',      '2026-03-01', '2031-03-01'),
    (29, 'umc', 'medical_professional', '2020-09-01', NULL),
    (29, 'umc', 'assessor',             '2020-09-01', NULL),
    (30, 'umc', 'medical_trainee',      '2023-03-01', '2028-03-01'),
    (31, 'umc', 'medical_trainee',      '2026-09-01', '2031-09-01'),
    (32, 'umc', 'professional',         '2022-01-01', NULL),
    (33, 'hst', 'licensee_admin',       '2022-08-15', NULL),
    (34, 'hst', 'privacy_officer',      '2022-08-15', NULL),
    (35, 'hst', 'trainer',              '2022-09-01', NULL),
    (35, 'hst', 'supervisor',           '2022-09-01', NULL),
    (35, 'hst', 'assessor',             '2022-09-01', NULL),
    (36, 'hst', 'supervisor',           '2022-09-01', NULL),
    (36, 'hst', 'assessor',             '2022-09-01', NULL),
    (37, 'hst', 'professional',         '2022-09-01', NULL),
    (37, 'hst', 'supervisor',           '2022-09-01', NULL),
    (38, 'hst', 'professional',         '2023-09-01', '2027-09-01'),
    (39, 'hst', 'professional',         '2023-09-01', '2027-09-01'),
    (40, 'hst', 'professional',         '2023-09-01', '2027-09-01'),
    (41, 'hst', 'professional',         '2024-09-01', '2028-09-01'),
    (42, 'hst', 'professional',         '2024-09-01', '2028-09-01'),
    (43, 'hst', 'professional',         '2024-09-01', '2028-09-01'),
    (44, 'hst', 'professional',         '2024-09-01', '2028-09-01'),
    (45, 'hst', 'professional',         '2025-09-01', '2029-09-01'),
    (46, 'hst', 'professional',         '2025-09-01', '2029-09-01'),
    (47, 'hst', 'professional',         '2025-09-01', '2029-09-01'),
    (48, 'hst', 'professional',         '2026-09-01', '2030-09-01'),
    (49, 'hst', 'professional',         '2026-09-01', '2030-09-01');

-- Phone numbers as people type them; dcpf stores E.164.
CREATE TEMP TABLE sample_phone (ord integer, kind text, number text, is_primary boolean);
INSERT INTO sample_phone VALUES
    ( 1, 'work',   '053 487 2101',        true),
    ( 1, 'mobile', '06-12 34 56 78',      false),
    ( 2, 'work',   '053-4872190',         true),
    ( 3, 'work',   '053 487 3300',        false),
    ( 3, 'mobile', '+31 6 2345 6789',     true),
    ( 4, 'pager',  '053 487 9412',        false),
    ( 4, 'mobile', '06 3456 7890',        true),
    ( 5, 'mobile', '0031 6 45678901',     true),
    ( 6, 'mobile', '06-56789012',         true),
    ( 8, 'mobile', '06 1122 3344',        true),
    ( 9, 'mobile', '+31 (0)6 2233 4455',  true),
    (10, 'mobile', '06.33.44.55.66',      true),
    (13, 'work',   '053 487 5522',        true),
    (19, 'mobile', '06-44556677',         true),
    (24, 'mobile', '06 5566 7788',        true),
    (30, 'mobile', '06 6677 8899',        true),
    (33, 'work',   '053 200 4123',        true),
    (35, 'work',   '053 200 4310',        true),
    (35, 'mobile', '06 7788 9900',        false),
    (37, 'work',   '074 255 5000',        true),
    (38, 'mobile', '06 1357 9246',        true),
    (42, 'mobile', '06-2468 1357',        true),
    (46, 'mobile', '+31 6 9876 5432',     true);

-- Addresses (postcodes as typed; dcpf stores "1234 AB").
CREATE TEMP TABLE sample_address (ord integer, kind text, street text, house_number integer, suffix text,
                                  postcode text, city text);
INSERT INTO sample_address VALUES
    ( 3, 'home', 'Hengelosestraat',      212, NULL,  '7521ag',  'Enschede'),
    ( 3, 'work', 'Zorgboulevard',          1, NULL,  '7512 KZ', 'Enschede'),
    ( 5, 'home', 'Deurningerstraat',      44, 'A',   '7514 BH', 'Enschede'),
    ( 6, 'home', 'Enschedesestraat',     101, NULL,  '7552 CE', 'Hengelo'),
    ( 9, 'home', 'Oldenzaalsestraat',     15, '2',   '7511 DL', 'Enschede'),
    (10, 'home', 'Brink',                  7, NULL,  '7411 BR', 'Deventer'),
    (14, 'home', 'Grotestraat',           88, 'bis', '7607 CM', 'Almelo'),
    (19, 'home', 'Diezerstraat',          30, NULL,  '8011 RJ', 'Zwolle'),
    (24, 'home', 'Haaksbergerstraat',    300, NULL,  '7545 GM', 'Enschede'),
    (24, 'postal','Postbus',              1234, NULL, '7500 DE', 'Enschede'),
    (33, 'work', 'Ariënsplein',           12, NULL,  '7511 JX', 'Enschede'),
    (35, 'home', 'Molenstraat',            3, NULL,  '7491 BA', 'Delden'),
    (38, 'home', 'Campuslaan',            25, 'K12', '7522 NB', 'Enschede'),
    (42, 'home', 'Lambertusstraat',        9, NULL,  '7651 HB', 'Tubbergen'),
    (45, 'home', 'Marktstraat',           14, NULL,  '7101 DK', 'Winterswijk');

DO $$
DECLARE
    p record;
    m record;
    admin uuid;
BEGIN
    -- administrators first: the other accounts are created on their behalf
    FOR p IN SELECT * FROM sample_person sp
              ORDER BY EXISTS (SELECT 1 FROM sample_membership sm
                                WHERE sm.ord = sp.ord AND sm.role = 'licensee_admin') DESC, sp.ord LOOP
        SELECT sp.id INTO admin
          FROM sample_person sp JOIN sample_membership sm ON sm.ord = sp.ord
         WHERE sm.lic = p.lic AND sm.role = 'licensee_admin' AND sp.id IS NOT NULL;
        UPDATE sample_person SET id = dcpf.create_person(
                email                 => p.email,
                surname               => p.surname,
                given_names           => p.given_names,
                initials              => p.initials,
                tussenvoegsel         => p.tussenvoegsel,
                big_number            => CASE WHEN p.has_big
                                              THEN pg_temp.big_number_for(lpad(((p.ord * 104729 + 3141592) % 1000000000)::text, 9, '0'))
                                         END,
                partner_surname       => p.partner_surname,
                partner_tussenvoegsel => p.partner_tussenvoegsel,
                name_use              => p.name_use,
                job_title             => p.job_title,
                academic_titles       => p.titles,
                created_by            => CASE WHEN p.on_behalf THEN admin END,
                on_behalf_of_licensee => CASE WHEN p.on_behalf THEN (SELECT id FROM sample_licensee WHERE code = p.lic) END)
         WHERE ord = p.ord;
        -- the administrator's own membership must exist before they create anyone
        IF NOT p.on_behalf THEN
            FOR m IN SELECT * FROM sample_membership WHERE ord = p.ord AND role = 'licensee_admin' LOOP
                PERFORM dcpf.grant_membership((SELECT id FROM sample_person WHERE ord = m.ord),
                                              (SELECT id FROM sample_licensee WHERE code = m.lic),
                                              m.role, m.valid_from::timestamptz, m.valid_until::timestamptz);
            END LOOP;
        END IF;
    END LOOP;

    -- every other membership, granted by the licensee's administrator
    FOR m IN SELECT sm.*, sp.id AS person_id, sl.id AS licensee_id
               FROM sample_membership sm
               JOIN sample_person sp ON sp.ord = sm.ord
               JOIN sample_licensee sl ON sl.code = sm.lic
              WHERE sm.role <> 'licensee_admin'
              ORDER BY sm.ord, sm.lic, sm.valid_from, sm.role LOOP
        SELECT sp.id INTO admin
          FROM sample_person sp JOIN sample_membership a ON a.ord = sp.ord
         WHERE a.lic = m.lic AND a.role = 'licensee_admin';
        PERFORM dcpf.grant_membership(m.person_id, m.licensee_id, m.role,
                                      m.valid_from::timestamptz, m.valid_until::timestamptz, admin);
    END LOOP;

    PERFORM dcpf.add_phone((SELECT id FROM sample_person WHERE ord = ph.ord), ph.kind, ph.number, ph.is_primary)
       FROM sample_phone ph ORDER BY ph.ord, ph.number;
    PERFORM dcpf.set_address((SELECT id FROM sample_person WHERE ord = a.ord), a.kind, a.street, a.house_number,
                             a.postcode, a.city, a.suffix)
       FROM sample_address a ORDER BY a.ord, a.kind;
END
$$;

-- Preferences: a few people changed the defaults (a person without a row
-- has the defaults).
INSERT INTO dcpf.person_preference (person_id, language, start_page, favourites)
SELECT sp.id, 'en', 'epa_overview', '{epa_overview,feedback,assessments}'
  FROM sample_person sp WHERE sp.ord IN (8, 28);
INSERT INTO dcpf.person_preference (person_id, start_page, notification_digest, favourites)
SELECT sp.id, 'portfolio', 'daily', '{portfolio,reflections}'
  FROM sample_person sp WHERE sp.ord IN (9, 12, 38, 42);
INSERT INTO dcpf.person_preference (person_id, notify_deadlines, notification_digest, marketing_email)
SELECT sp.id, false, 'weekly', true
  FROM sample_person sp WHERE sp.ord IN (3, 35);

---------------------------------------------------------------------------
-- EURA: one agreement per role of product dcpf; newer versions for the
-- trainee and supervisor roles, so some earlier acceptances are stale.
---------------------------------------------------------------------------
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT code, name_nl FROM dcpf.role
              WHERE code IN ('medical_trainee', 'medical_professional', 'supervisor', 'trainer', 'assessor',
                             'licensee_admin', 'privacy_officer', 'professional')
              ORDER BY code LOOP
        PERFORM dcpf.publish_role_agreement('dcpf', r.code,
            format('EURA DCPF – %s, versie 1', r.name_nl),
            format('Door deze End User Role Agreement te accepteren gaat u akkoord met de voorwaarden voor '
                   'het gebruik van DCPF in de rol %s. U gebruikt de gegevens die u in deze rol kunt inzien '
                   'uitsluitend voor het doel waarvoor zij met u zijn gedeeld, u slaat geen patiëntgegevens op '
                   'en u meldt een (vermoedelijk) datalek direct bij uw licentienemer.', r.name_nl),
            TIMESTAMPTZ '2020-09-13 00:00:00+02');
    END LOOP;
    PERFORM dcpf.publish_role_agreement('dcpf', 'medical_trainee', 'EURA DCPF – Arts in opleiding (aios), versie 2',
        'Versie 2 voegt toe: bekwaamverklaringen per EPA worden met uw opleider gedeeld zodra u ze aanvraagt; '
        'u kunt die deling niet intrekken zolang de beslissing loopt. Overigens gelden de voorwaarden van versie 1.',
        TIMESTAMPTZ '2024-01-01 00:00:00+01');
    PERFORM dcpf.publish_role_agreement('dcpf', 'supervisor', 'EURA DCPF – Supervisor, versie 2',
        'Versie 2 voegt toe: als supervisor leest u gedeelde portfolio-onderdelen alleen via DCPF; elke inzage '
        'wordt vastgelegd (NEN 7513) en is voor de eigenaar van het portfolio zichtbaar.',
        TIMESTAMPTZ '2025-06-01 00:00:00+02');
END
$$;

-- Acceptances: of the version in force ('current') or only of version 1
-- ('previous'), for every role a person holds.
SELECT dcpf.accept_role_agreement(
           sp.id,
           CASE sp.eura
               WHEN 'current' THEN dcpf.current_role_agreement(pr.id, roles.role)
               ELSE (SELECT a.id FROM dcpf.role_agreement a
                      WHERE a.product_id = pr.id AND a.role_code = roles.role AND a.version = 1)
           END,
           CASE sp.lic WHEN 'umc' THEN 'sso_assertion' ELSE 'click_through' END,
           CASE sp.lic WHEN 'umc' THEN inet '10.20.0.1' + sp.ord ELSE inet '192.0.2.1' + sp.ord END,
           'Mozilla/5.0 (Windows NT 10.0; Win64; x64) DCPF-sample')
  FROM sample_person sp
  JOIN (SELECT DISTINCT ord, role FROM sample_membership) roles ON roles.ord = sp.ord
 CROSS JOIN (SELECT id FROM dcpf.product WHERE code = 'dcpf') pr
 WHERE sp.eura <> 'none'
 ORDER BY sp.ord, roles.role \g /dev/null

---------------------------------------------------------------------------
-- The privacy statement (its first paragraphs) and acknowledgements
---------------------------------------------------------------------------
SELECT dcpf.publish_policy_document('privacy_statement', '2020.1', 'VREST privacyverklaring',
    btrim($privacy$
Inwerkingtreding

Deze privacyverklaring is in werking getreden op 13 september 2020.

Wij vinden uw privacy belangrijk

Dit is de privacyverklaring van VREST B.V., Twekkeler Es 24, 7547 SM Enschede en gelieerde ondernemingen. VREST gaat zorgvuldig, veilig en vertrouwelijk met uw persoonsgegevens om. In deze Privacyverklaring staat waarom deze gegevens worden verwerkt en welke rechten hieraan verbonden zijn.

In dit document worden diverse termen gebruikt die hieronder kort worden toegelicht.

 1. Persoonsgegevens: Elk gegeven dat informatie bevat over een geïdentificeerde of identificeerbare natuurlijke persoon.
 2. Betrokkene: Degene van wie persoonsgegevens zijn opgenomen.
 3. Verwerking van persoonsgegevens: Elke handeling of elk geheel van handelingen met betrekking tot persoonsgegevens welke wordt gebruikt voor de uitoefening van de dienstverlening.
 4. VrestCloud: Vrest’s ‘Cloud’ gehoste producten / oplossingen / websites (Home ).
 5. SaaS-Product: Product waarvoor door Licentienemer een Licentie is afgenomen bij Licentieverlener en welke als ‘Software as a Service’ (software als online dienst) wordt aangeboden.
 6. DCPF: SaaS-Product, onderdeel van VrestCloud. Vrest’s Loopbaanportfoliosysteem, het softwareplatform met de centrale opslag van (persoonsgebonden) data en informatie welke een overzicht biedt van en inzicht geeft in de competenties van Gebruiker(s). De Gebruiker kan de eigen competenties beheren en aan andere belanghebbenden inzicht verstrekken, al naar gelang de door de Licentienemer afgenomen Producten en de daarvoor geldende EURA’s.
 7. EURA: De Gebruiker dient akkoord te gaan met de weergegeven voorwaarden in de EURA (End User Role Agreement) alvorens gebruik te kunnen maken van het DCPF. De gebruiker accepteert daarbij de op het product van toepassing zijnde specifieke rolgebaseerde rechten.

De privacyverklaring is van toepassing op alle verwerkingen van persoonsgegevens binnen VrestCloud. Hiertoe behoren:

 • Websites
 • SaaS-producten
 • Downloads

De wederzijdse verplichtingen uit hoofde van de Algemene verordening gegevensbescherming, voortvloeiende uit een licentieovereenkomst tussen licentienemer en licentiegever (Vrest) inzake een SaaS-product, zijn nader vastgelegd in een separate, onlosmakelijk met de licentieovereenkomst verbonden, Verwerkersovereenkomst en worden in dit document niet verder uitgewerkt. Voorzover de Verwerkersovereenkomst conflicterend is met deze privacyverklaring prevaleert de Verwerkersovereenkomst boven onderhavig reglement.

Bij registratie of gebruik van VrestCloud stemt u in met de verzameling, overdracht, verwerking, opslag, ontsluiting en ander gebruik zoals omschreven in deze Privacyverklaring.
$privacy$, E'\n'),
    TIMESTAMPTZ '2020-09-13 00:00:00+02', true) \g /dev/null

SELECT dcpf.acknowledge_policy(sp.id, d.id,
           CASE sp.lic WHEN 'umc' THEN 'sso_assertion' ELSE 'click_through' END)
  FROM sample_person sp
 CROSS JOIN (SELECT id FROM dcpf.policy_document WHERE kind = 'privacy_statement' AND version = '2020.1') d
 WHERE sp.ack
 ORDER BY sp.ord \g /dev/null

COMMIT;
\unset QUIET
SELECT (SELECT count(*) FROM dcpf.licensee) AS licensees,
       (SELECT count(*) FROM dcpf.person) AS people,
       (SELECT count(*) FROM dcpf.membership) AS memberships,
       (SELECT count(*) FROM dcpf.role_agreement) AS euras,
       (SELECT count(*) FROM dcpf.role_agreement_acceptance) AS acceptances,
       (SELECT count(*) FROM dcpf.policy_acknowledgement) AS acknowledgements;
