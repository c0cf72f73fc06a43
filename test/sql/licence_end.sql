-- Licence end (sql/247_licence_end.sql): dcpf.end_licence gives a licence
-- its exact end; from then on the licensee's staff act through it no more
-- (also with a token verified and cached before the end); a licensee with
-- another licence in force keeps its access; once a licensee has no licence
-- in force, every portfolio made with it is handed over: the professional
-- still reads every item, attachment and comment, and what the items
-- referred to in the licensee's curriculum by name, the licensee's staff
-- read nothing (through shares or memberships), the licensee's own data can
-- be purged without breaking anything, and the professional is offered an
-- export. Only the extension owner ends a licence; bad input changes nothing.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_le_backend;
DROP ROLE IF EXISTS dcpf_test_le_app;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- A (UMC Oost) ends its licence; B (Ziekenhuis West) holds two and ends one.
-- 101 a professional in A (in programme IC); 102 a supervisor in A (in IC)
-- and in B; 103 an assessor in A; 104 A's admin; 105 A's privacy officer;
-- 106 a programme director of IC; 107 a professional in A who deactivated
-- their account; 108 a supervisor in B, with whom 101 shares an item as a
-- person; 109 a professional in B; 110 B's admin.
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'prof@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'sup@example.nl', 'Bakker', 'B.'),
    ('00000000-0000-4000-8000-000000000103', 'beoordelaar@example.nl', 'Visser', 'V.'),
    ('00000000-0000-4000-8000-000000000104', 'beheer@example.nl', 'de Boer', 'D.'),
    ('00000000-0000-4000-8000-000000000105', 'fg@example.nl', 'Mulder', 'M.'),
    ('00000000-0000-4000-8000-000000000106', 'opleider@example.nl', 'Smit', 'S.'),
    ('00000000-0000-4000-8000-000000000107', 'weg@example.nl', 'de Vries', 'W.'),
    ('00000000-0000-4000-8000-000000000108', 'sup.west@example.nl', 'Meijer', 'K.'),
    ('00000000-0000-4000-8000-000000000109', 'prof.west@example.nl', 'Bos', 'P.'),
    ('00000000-0000-4000-8000-000000000110', 'beheer.west@example.nl', 'Dekker', 'A.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a002', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'assessor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e105', '00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e106', '00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a001', 'privacy_officer', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e107', '00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-00000000a001', 'trainer', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e108', '00000000-0000-4000-8000-000000000107', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e109', '00000000-0000-4000-8000-000000000108', '00000000-0000-4000-8000-00000000a002', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e110', '00000000-0000-4000-8000-000000000109', '00000000-0000-4000-8000-00000000a002', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e111', '00000000-0000-4000-8000-000000000110', '00000000-0000-4000-8000-00000000a002', 'licensee_admin', '2024-01-01'),
    -- granted ahead, never begun: removed when the licence ends before it
    ('00000000-0000-4000-8000-00000000e112', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'supervisor', now() + interval '1 year');
\i test/sql/include/accept_euras.sql
-- A's curriculum: programme IC with an EPA and a competency of its own
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'IC', 'Vervolgopleiding IC', 'track');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee', '2024-02-01'),
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102', 'supervisor', '2024-02-01'),
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000106', 'trainer', '2024-02-01');
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level) VALUES
    ('00000000-0000-4000-8000-00000000c101', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001',
     'EPA-3', 'Beademing instellen en bewaken', 4);
INSERT INTO dcpf.competency (id, licensee_id, code, parent_id, name_nl, name_en) VALUES
    ('00000000-0000-4000-8000-00000000c201', '00000000-0000-4000-8000-00000000a001', 'ic.overdracht',
     '00000000-0000-4000-8000-00000000c303', 'Overdracht op de IC', 'Handover in the ICU');
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-00000000a001', 'Postbus 1', '7500 AA', 'Enschede', 'Crediteuren',
                                'facturen@umc.example', 'invoice');
-- B's second licence (a renewal of the same product)
INSERT INTO dcpf.licence (id, licensee_id, product_id, starts_on) VALUES
    ('00000000-0000-4000-8000-00000000b102', '00000000-0000-4000-8000-00000000a002', '00000000-0000-4000-8000-00000000b001', '2024-01-01');
-- a licensee that is yet to start, and one with a last day
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000a004', 'Hogeschool Noord', 'nursing_school');
INSERT INTO dcpf.licence (id, licensee_id, product_id, starts_on, ends_on) VALUES
    ('00000000-0000-4000-8000-00000000b104', '00000000-0000-4000-8000-00000000a004', '00000000-0000-4000-8000-00000000b001',
     '2099-01-01', NULL),
    ('00000000-0000-4000-8000-00000000b105', '00000000-0000-4000-8000-00000000a004', '00000000-0000-4000-8000-00000000b001',
     '2024-01-01', '2099-06-30');
INSERT INTO pg_temp.named VALUES
    ('00000000-0000-4000-8000-00000000b104', 'licence N1'), ('00000000-0000-4000-8000-00000000b105', 'licence N2');

CREATE ROLE dcpf_test_le_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_le_app NOLOGIN IN ROLE dcpf_app;
CREATE FUNCTION pg_temp.as_person(person text, licensee text, role text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
CREATE FUNCTION pg_temp.alone(person text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, NULL, NULL, 'test', true) IS NOT NULL;
-- what the identity reads of 101's portfolio through the sharing functions
CREATE FUNCTION pg_temp.seen() RETURNS text LANGUAGE sql
RETURN coalesce((SELECT string_agg(title || ':' || permission, ', ' ORDER BY title)
                   FROM dcpf.shared_items('00000000-0000-4000-8000-000000000101')), '(nothing)');
-- what one read of an item, its attachments and its comments gives or refuses
CREATE FUNCTION pg_temp.read_item(item text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    got text;
BEGIN
    SELECT s.title || ': ' || s.body INTO got FROM dcpf.shared_item(('00000000-0000-4000-8000-00000000' || item)::uuid) s;
    RETURN got;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text), pg_temp.alone(text), pg_temp.seen(),
    pg_temp.read_item(text) TO PUBLIC;

-- ---------------------------------------------------------------------------
-- 101's portfolio in A: a reflection with an attachment and a supervisor's
-- comment, linked to A's competency, a CanMEDS role and IC's EPA (locked);
-- an assessment of the EPA, assessed; a private note; a conversation the
-- supervisor is asked to sign (submitted); shares with A's
-- supervisors in IC (comment), A's assessors (a category), and 108 (a
-- person); an entrustment decision of IC's director. 107 keeps one item.
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_le_backend;
SELECT pg_temp.as_person('101', 'a001', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, programme_id, item_type, title, body_encrypted)
SELECT n.id, '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', n.programme, n.kind, n.title,
       dcpf.encrypt(n.body, 'portfolio_item', 'body', n.id, '00000000-0000-4000-8000-000000000101')
  FROM (VALUES ('00000000-0000-4000-8000-00000000f001'::uuid, '00000000-0000-4000-8000-00000000c001'::uuid, 'reflection',
                'R1 beademing', 'Eerste keer zelf ingesteld.'),
               ('00000000-0000-4000-8000-00000000f002'::uuid, '00000000-0000-4000-8000-00000000c001'::uuid, 'assessment',
                'K1 KPB beademing', 'Observatie aan bed.'),
               ('00000000-0000-4000-8000-00000000f003'::uuid, NULL, 'reflection', 'R2 privé', 'Alleen voor mij.')) n(id, programme, kind, title, body);
SELECT dcpf.set_item_links('00000000-0000-4000-8000-00000000f001',
                           '{00000000-0000-4000-8000-00000000c201,00000000-0000-4000-8000-00000000c303}',
                           '{00000000-0000-4000-8000-00000000c101}');
SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'instellingen.txt', 'text/plain',
                        convert_to('PEEP 8, FiO2 40%', 'UTF8')) IS NOT NULL AS attached;
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id, epa_id) VALUES
    ('00000000-0000-4000-8000-00000000f002', 'kpb', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000c101');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f004', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101',
        'conversation', 'G1 voortgangsgesprek');
INSERT INTO dcpf.conversation (item_id, kind, counterpart_id)
VALUES ('00000000-0000-4000-8000-00000000f004', 'progress', '00000000-0000-4000-8000-000000000102');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS submitted,
       dcpf.submit_item('00000000-0000-4000-8000-00000000f002') IS NOT NULL AS asked,
       dcpf.submit_item('00000000-0000-4000-8000-00000000f004') IS NOT NULL AS to_sign;
INSERT INTO dcpf.share (id, owner_id, scope, item_id, category, grantee_person_id, grantee_licensee_id, grantee_role,
                        grantee_programme_id, permission) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001', NULL,
     NULL, '00000000-0000-4000-8000-00000000a001', 'supervisor', '00000000-0000-4000-8000-00000000c001', 'assess'),
    ('00000000-0000-4000-8000-00000000d002', '00000000-0000-4000-8000-000000000101', 'category', NULL, 'assessment',
     NULL, '00000000-0000-4000-8000-00000000a001', 'assessor', NULL, 'read'),
    ('00000000-0000-4000-8000-00000000d003', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001', NULL,
     '00000000-0000-4000-8000-000000000108', NULL, NULL, NULL, 'read');
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f001', 'Mooi beschreven.') IS NOT NULL AS commented,
       dcpf.sign_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS signed;
SELECT pg_temp.as_person('103', 'a001', 'assessor');
SELECT dcpf.assess_item('00000000-0000-4000-8000-00000000f002', 3, 'Rustig en systematisch.', 'Alarmgrenzen eerder zetten.') IS NOT NULL AS assessed;
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT dcpf.lock_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS locked;
SELECT pg_temp.as_person('106', 'a001', 'trainer');
SELECT dcpf.decide_entrustment('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000c101', 3) IS NOT NULL AS decided;
SELECT pg_temp.as_person('107', 'a001', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f007', '00000000-0000-4000-8000-000000000107', '00000000-0000-4000-8000-00000000e108',
        'reflection', 'R7 laatste dienst');
SELECT pg_temp.alone('107');
SELECT dcpf.deactivate_person('00000000-0000-4000-8000-000000000107', 'Ik stop met werken in de zorg.') IS NOT NULL AS deactivated;
SELECT pg_temp.as_person('109', 'a002', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f009', '00000000-0000-4000-8000-000000000109', '00000000-0000-4000-8000-00000000e110',
        'reflection', 'W1 in het westen');

-- before any end: A's staff read what 101 shares with them
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT pg_temp.seen() AS a_supervisor_before, pg_temp.read_item('f001') AS a_supervisor_reads;
SELECT pg_temp.alone('102');
SELECT pg_temp.seen() AS a_supervisor_alone_before;
SELECT pg_temp.as_person('103', 'a001', 'assessor');
SELECT pg_temp.seen() AS a_assessor_before;
SELECT pg_temp.as_person('104', 'a001', 'licensee_admin');
SELECT count(*) AS a_admin_sees_persons_before FROM dcpf.person WHERE id = '00000000-0000-4000-8000-000000000101';
SELECT pg_temp.as_person('106', 'a001', 'trainer');
SELECT count(*) AS a_director_sees_decisions_before FROM dcpf.entrustment_decision;
SELECT dcpf.clear_identity();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Who may end a licence: the extension owner only. The application (any
-- role of A or of B, with a verified identity or a forged, expired or
-- misdirected token), the back-end, maintenance and reporting cannot.
-- ---------------------------------------------------------------------------
SELECT id AS licence_a FROM dcpf.licence WHERE licensee_id = '00000000-0000-4000-8000-00000000a001' \gset
SELECT id AS licence_b FROM dcpf.licence WHERE licensee_id = '00000000-0000-4000-8000-00000000a002'
   AND id <> '00000000-0000-4000-8000-00000000b102' \gset
INSERT INTO pg_temp.named VALUES (:'licence_a', 'licence A'), (:'licence_b', 'licence B');
SET ROLE dcpf_test_le_backend;
SELECT pg_temp.as_person('104', 'a001', 'licensee_admin');
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd door de beheerder')$$, :'licence_a')) AS own_admin;
SELECT pg_temp.as_person('110', 'a002', 'licensee_admin');
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd door een ander')$$, :'licence_a')) AS other_admin;
SELECT pg_temp.as_person('105', 'a001', 'privacy_officer');
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd door de FG')$$, :'licence_a')) AS own_officer;
SELECT pg_temp.refused(format($$SELECT dcpf.complete_licence_ends_of(%L, NULL)$$, '00000000-0000-4000-8000-00000000a001')) AS internals;
SELECT dcpf.clear_identity();
RESET ROLE;
SET ROLE dcpf_maintenance;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd door onderhoud')$$, :'licence_a')) AS maintenance;
RESET ROLE;
SET ROLE dcpf_reporting;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd door rapportage')$$, :'licence_a')) AS reporting;
SELECT pg_temp.refused('SELECT dcpf.complete_licence_ends()') AS reporting_completes;
RESET ROLE;
-- tokens of A's issuer: the admin's good one, then forged, expired and for B
SELECT dcpf.register_issuer('https://sso.umc.example',
           '{"keys": [{"kty":"oct","kid":"umc-hs-1","alg":"HS256","k":"dGVzdC1vbmx5LWhtYWMta2V5LWZvci1kY3BmLXRlc3RzIQ"}]}',
           '{dcpf}', '00000000-0000-4000-8000-00000000a001', '{portfolio-web}', '60 seconds', '1 hour') AS active_keys;
SELECT dcpf.link_identity(('00000000-0000-4000-8000-000000000' || p)::uuid, 'https://sso.umc.example', 'sub-' || p)
  FROM unnest(ARRAY['102', '104']) p;
CREATE FUNCTION pg_temp.token(person text, role text, extra jsonb DEFAULT '{}',
                              secret text DEFAULT 'dGVzdC1vbmx5LWhtYWMta2V5LWZvci1kY3BmLXRlc3RzIQ') RETURNS text LANGUAGE sql VOLATILE
RETURN dcpf.jws_sign(jsonb_build_object('iss', 'https://sso.umc.example', 'sub', 'sub-' || person, 'aud', 'dcpf', 'azp', 'portfolio-web',
                                        'iat', floor(extract(epoch FROM now())), 'exp', floor(extract(epoch FROM now())) + 300,
                                        'dcpf_licensee', '00000000-0000-4000-8000-00000000a001', 'dcpf_role', role) || extra,
                     jsonb_build_object('kty', 'oct', 'kid', 'umc-hs-1', 'alg', 'HS256', 'k', secret), 'HS256');
SELECT pg_temp.token('104', 'licensee_admin') AS admin_token,
       pg_temp.token('104', 'licensee_admin', secret => 'Zm9yZ2VkLXNlY3JldC1mb3JnZWQtc2VjcmV0LWZvcmdlZA') AS forged_token,
       pg_temp.token('104', 'licensee_admin', '{"exp": 1700000000, "iat": 1699999000}') AS expired_token,
       pg_temp.token('104', 'licensee_admin', '{"dcpf_licensee": "00000000-0000-4000-8000-00000000a002"}') AS misdirected_token \gset
SET ROLE dcpf_test_le_app;
BEGIN;
SELECT dcpf.authenticate(:'admin_token') = '00000000-0000-4000-8000-000000000104' AS admin_authenticated;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd met een token')$$, :'licence_a')) AS with_good_token;
COMMIT;
SELECT pg_temp.refused(format('SELECT dcpf.authenticate(%L)', :'forged_token')) AS forged;
SELECT pg_temp.refused(format('SELECT dcpf.authenticate(%L)', :'expired_token')) AS expired;
SELECT pg_temp.refused(format('SELECT dcpf.authenticate(%L)', :'misdirected_token')) AS misdirected;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd zonder identiteit')$$, :'licence_a')) AS without_identity;
RESET ROLE;
-- nothing changed
SELECT l.status, l.ends_at, l.termination_reason, dcpf.licence_end_clock(l.licensee_id) AS clock
  FROM dcpf.licence l WHERE l.id = :'licence_a';

-- ---------------------------------------------------------------------------
-- Bad input: clear errors, nothing changed
-- ---------------------------------------------------------------------------
SELECT pg_temp.refused($$SELECT dcpf.end_licence('00000000-0000-4000-8000-00000000beef', now(), 'Opgezegd')$$) AS unknown_licence;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, NULL, 'Opgezegd')$$, :'licence_a')) AS no_end;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now() - interval '1 day', 'Opgezegd')$$, :'licence_a')) AS in_the_past;
SELECT pg_temp.refused($$SELECT dcpf.end_licence('00000000-0000-4000-8000-00000000b104', '2098-12-31', 'Opgezegd')$$) AS before_start;
SELECT pg_temp.refused($$SELECT dcpf.end_licence('00000000-0000-4000-8000-00000000b105', '2099-07-02', 'Opgezegd')$$) AS after_last_day;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), NULL)$$, :'licence_a')) AS no_reason;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), ' x ')$$, :'licence_a')) AS short_reason;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Patiënt 111222333 klaagde')$$, :'licence_a')) AS patient_number;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd', interval '-1 day')$$, :'licence_a')) AS negative_grace;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd', interval '2 years')$$, :'licence_a')) AS long_grace;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Opgezegd', NULL)$$, :'licence_a')) AS null_grace;
SELECT pg_temp.refused('SELECT dcpf.complete_licence_ends(0)') AS no_persons;
SELECT count(*) AS licences_with_an_end FROM dcpf.licence WHERE ends_at IS NOT NULL OR status <> 'active';
-- a licence with a last day ends on it; ending it on that last day is fine
SELECT licence_end, portfolios_handed_over
  FROM dcpf.end_licence('00000000-0000-4000-8000-00000000b105', '2099-07-01', 'Niet verlengd');

-- ---------------------------------------------------------------------------
-- B ends one of its two licences now: its staff keep their access through
-- the other, nothing is handed over; ending it again is refused
-- ---------------------------------------------------------------------------
SELECT licence_end = now() AS ends_now, portfolios_handed_over FROM dcpf.end_licence(:'licence_b', now(), 'Vervangen door het nieuwe contract');
SELECT id = :'licence_b' AS first_licence, status, terminated_on = current_date AS terminated_today, ends_at <= now() AS ended,
       handed_over_at IS NOT NULL AS handed_over
  FROM dcpf.licence WHERE licensee_id = '00000000-0000-4000-8000-00000000a002' ORDER BY 1 DESC;
SELECT dcpf.licence_end_clock('00000000-0000-4000-8000-00000000a002') AS b_clock;
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, now(), 'Nogmaals opgezegd')$$, :'licence_b')) AS ending_twice;
SET ROLE dcpf_test_le_backend;
SELECT pg_temp.as_person('110', 'a002', 'licensee_admin') AS b_admin_acts;
SELECT count(*) AS b_admin_sees_its_professional FROM dcpf.person WHERE id = '00000000-0000-4000-8000-000000000109';
SELECT pg_temp.as_person('109', 'a002', 'professional');
SELECT licensee_id IS NOT NULL AS b_item_still_of_b FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f009';
SELECT dcpf.clear_identity();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- A ends its only licence a few seconds ahead, with 30 days' grace: until
-- then its staff act as before, a token is cached no longer than the end;
-- at the end the token and the back-end are refused
-- ---------------------------------------------------------------------------
SELECT licence_end > now() AS ends_ahead, portfolios_handed_over
  FROM dcpf.end_licence(:'licence_a', clock_timestamp() + interval '3 seconds', 'Contract beëindigd', interval '30 days');
SELECT ends_at AS a_ends_at FROM dcpf.licence WHERE id = :'licence_a' \gset
SELECT pg_temp.refused(format($$SELECT dcpf.end_licence(%L, %L::timestamptz + interval '1 second', 'Later toch')$$, :'licence_a', :'a_ends_at')) AS changing_the_end;
SELECT status, termination_reason, retention_grace, dcpf.licence_end_clock(licensee_id) IS NULL AS clock_not_started
  FROM dcpf.licence WHERE id = :'licence_a';
SELECT dcpf.role_gate_holds_until('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor') = :'a_ends_at'
       AS cached_token_holds_until_the_end;
SELECT pg_temp.token('102', 'supervisor') AS supervisor_token \gset
SELECT count(*) AS events_before FROM dcpf.authentication_event \gset
SET ROLE dcpf_test_le_app;
BEGIN;
SELECT dcpf.authenticate(:'supervisor_token') IS NOT NULL AS before_the_end, pg_temp.seen() AS supervisor_sees;
COMMIT;
BEGIN;
SELECT dcpf.authenticate(:'supervisor_token') IS NOT NULL AS again_from_the_cache;
COMMIT;
RESET ROLE;
SELECT count(*) - :events_before AS verified_once FROM dcpf.authentication_event;
SELECT pg_sleep(greatest(0, extract(epoch FROM :'a_ends_at'::timestamptz - clock_timestamp())) + 0.2);
SET ROLE dcpf_test_le_app;
SELECT pg_temp.refused(format('SELECT dcpf.authenticate(%L)', :'supervisor_token')) AS cached_token_after_the_end;
RESET ROLE;
SET ROLE dcpf_test_le_backend;
SELECT pg_temp.refused($$SELECT pg_temp.as_person('102', 'a001', 'supervisor')$$) AS backend_after_the_end;
SELECT pg_temp.refused($$SELECT pg_temp.as_person('104', 'a001', 'licensee_admin')$$) AS admin_after_the_end;
SELECT dcpf.clear_identity();
RESET ROLE;
-- the clock of A's own data starts 30 days after the end
SELECT dcpf.licence_end_clock('00000000-0000-4000-8000-00000000a001') = :'a_ends_at'::timestamptz + interval '30 days' AS clock_after_grace;

-- ---------------------------------------------------------------------------
-- The completion: maintenance hands the portfolios over, once
-- ---------------------------------------------------------------------------
-- (in batches of one portfolio: resumable)
SET ROLE dcpf_maintenance;
SELECT ended_licensee, last_licence_end = :'a_ends_at' AS at_the_end, licences_ended, portfolios_handed_over, finished, failure
  FROM dcpf.complete_licence_ends(max_persons => 1);
RESET ROLE;
SELECT status, handed_over_at IS NULL AS not_yet_handed_over FROM dcpf.licence WHERE id = :'licence_a';
SET ROLE dcpf_maintenance;
SELECT ended_licensee, last_licence_end = :'a_ends_at' AS at_the_end, licences_ended, portfolios_handed_over, finished, failure
  FROM dcpf.complete_licence_ends();
SELECT count(*) AS third_run FROM dcpf.complete_licence_ends();
RESET ROLE;
SELECT status, terminated_on = (:'a_ends_at'::timestamptz)::date AS terminated_on_the_day, ends_at = :'a_ends_at' AS end_kept,
       handed_over_at >= ends_at AS handed_over
  FROM dcpf.licence WHERE id = :'licence_a';
SELECT p.email, h.licensee_name, h.licence_ended_at = :'a_ends_at' AS at_the_end, h.items, h.requests_withdrawn, h.shares_ended
  FROM dcpf.handover h JOIN dcpf.person p ON p.id = h.person_id ORDER BY p.email;
-- nothing of 101 refers to A's data any more
SELECT id, membership_id, licensee_id, programme_id, status, handed_over_at IS NOT NULL AS handed_over FROM dcpf.portfolio_item
 WHERE owner_id IN ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000107') ORDER BY id;
SELECT competency_id FROM dcpf.portfolio_item_competency WHERE item_id = '00000000-0000-4000-8000-00000000f001';
SELECT count(*) AS epa_links FROM dcpf.portfolio_item_epa;
SELECT epa_id, entrustment_level FROM dcpf.assessment;
SELECT licensee_id, programme_id, epa_id, level FROM dcpf.entrustment_decision;
-- memberships and places in A ended at the end (107's when the account was
-- deactivated); the one to begin later removed
SELECT m.id, m.valid_until = :'a_ends_at' AS ended_at_the_end, m.valid_until < :'a_ends_at' AS ended_before FROM dcpf.membership m
 WHERE m.licensee_id = '00000000-0000-4000-8000-00000000a001' ORDER BY m.id;
SELECT pm.person_id, pm.valid_until = :'a_ends_at' AS ended_at_the_end FROM dcpf.programme_member pm ORDER BY pm.person_id;
-- shares with A's roles ended at the end in the recipients register, and
-- are gone; the requests to A's staff ended at the hand-over; the person
-- share stays
SELECT id, grantee_person_id FROM dcpf.share ORDER BY id;
SELECT recipient_description, what,
       CASE WHEN ended_at = :'a_ends_at' THEN 'at the end' WHEN ended_at > :'a_ends_at' THEN 'at the hand-over' ELSE 'open' END AS ended
  FROM dcpf.disclosure WHERE subject_id = '00000000-0000-4000-8000-000000000101' ORDER BY what, recipient_description;
-- the notice offering an export (none for 107, whose account is deactivated)
SELECT n.kind, n.recipient_person_id, n.payload ->> 'licensee_name' AS licensee, n.payload ->> 'items' AS items,
       (n.payload ->> 'handover')::uuid = h.id AS names_the_handover
  FROM dcpf.notice n JOIN dcpf.handover h ON h.person_id = n.recipient_person_id
 WHERE n.kind = 'portfolio_handed_over' ORDER BY n.recipient_person_id;
-- the audit trail records the hand-over of each portfolio as its own event
SELECT dcpf.audit_queue_drain() AS drained;
SELECT action, object_table, subject_person FROM dcpf.audit_event WHERE action = 'hand_over' ORDER BY subject_person;
-- and every row it changed of 101's (the writes after the end)
SELECT action, object_table, detail, count(*) FROM dcpf.audit_event
 WHERE subject_person = '00000000-0000-4000-8000-000000000101' AND occurred_at > :'a_ends_at' AND action <> 'read'
 GROUP BY 1, 2, 3 ORDER BY 2, 1, 3::text;

-- ---------------------------------------------------------------------------
-- After the hand-over: 101 reads everything, the staff of A nothing
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_le_backend;
SELECT pg_temp.alone('101');
SELECT id, title, body, status FROM dcpf.portfolio_item_decrypted ORDER BY id;
SELECT file_name, convert_from(content, 'UTF8') AS content FROM dcpf.portfolio_attachment_decrypted;
SELECT body FROM dcpf.item_comment_decrypted;
SELECT strengths, improvements FROM dcpf.assessment_decrypted;
SELECT level, decided_on = current_date AS today FROM dcpf.entrustment_decision;
SELECT licensee_name, items, requests_withdrawn, shares_ended FROM dcpf.handover;
SELECT table_name, CASE WHEN table_name = 'entrustment_decision' THEN '<the decision>' ELSE row_id::text END AS row_id,
       column_name, code, version, name, target_level
  FROM dcpf.handover_reference ORDER BY 1, 2, 3;
SELECT kind, payload ->> 'licensee_name' AS licensee FROM dcpf.my_notices;
-- 101 still shares with 108 (a person), and still edits and shares its own
SELECT pg_temp.as_person('108', 'a002', 'supervisor');
SELECT pg_temp.seen() AS person_share_stays;
-- A's staff, as themselves or in another licensee, read nothing of 101
SELECT pg_temp.alone('102');
SELECT pg_temp.seen() AS a_supervisor_alone, pg_temp.read_item('f001') AS a_supervisor_reads;
SELECT pg_temp.refused($$SELECT * FROM dcpf.shared_attachments('00000000-0000-4000-8000-00000000f001')$$) AS a_supervisor_attachments;
SELECT pg_temp.refused($$SELECT * FROM dcpf.shared_comments('00000000-0000-4000-8000-00000000f001')$$) AS a_supervisor_comments;
SELECT pg_temp.as_person('102', 'a002', 'supervisor');
SELECT pg_temp.seen() AS a_supervisor_acting_in_b, pg_temp.read_item('f001') AS a_supervisor_in_b_reads;
SELECT pg_temp.alone('103');
SELECT pg_temp.seen() AS a_assessor_alone, pg_temp.read_item('f002') AS a_assessor_reads;
SELECT pg_temp.alone('104');
SELECT count(*) AS a_admin_sees_persons FROM dcpf.person WHERE id <> '00000000-0000-4000-8000-000000000104';
SELECT count(*) AS a_admin_sees_memberships FROM dcpf.membership WHERE person_id <> '00000000-0000-4000-8000-000000000104';
SELECT pg_temp.alone('106');
SELECT count(*) AS a_director_sees_decisions FROM dcpf.entrustment_decision;
SELECT dcpf.clear_identity();
RESET ROLE;
-- the refused reads were logged as denied
SELECT dcpf.audit_queue_drain() AS drained;
SELECT actor_person, object_table, outcome FROM dcpf.audit_event
 WHERE action = 'read' AND outcome = 'denied' AND subject_person = '00000000-0000-4000-8000-000000000101'
 ORDER BY id;

-- ---------------------------------------------------------------------------
-- A's own data is purged (what the retention job will do once the clock
-- has run): nothing of the portfolios stands in the way, and 101's record
-- still says what it was
-- ---------------------------------------------------------------------------
BEGIN;
-- (the job's exemption: 107's membership is read-only for anything else)
SET LOCAL dcpf.restriction_exemption = 'retention';
DELETE FROM dcpf.programme_member WHERE licensee_id = '00000000-0000-4000-8000-00000000a001';
DELETE FROM dcpf.epa_competency WHERE epa_id IN (SELECT id FROM dcpf.epa WHERE licensee_id = '00000000-0000-4000-8000-00000000a001');
DELETE FROM dcpf.epa WHERE licensee_id = '00000000-0000-4000-8000-00000000a001';
DELETE FROM dcpf.competency WHERE licensee_id = '00000000-0000-4000-8000-00000000a001';
DELETE FROM dcpf.programme WHERE licensee_id = '00000000-0000-4000-8000-00000000a001';
DELETE FROM dcpf.membership WHERE licensee_id = '00000000-0000-4000-8000-00000000a001';
DELETE FROM dcpf.billing_profile WHERE licensee_id = '00000000-0000-4000-8000-00000000a001';
COMMIT;
SET ROLE dcpf_test_le_backend;
SELECT pg_temp.alone('101');
SELECT count(*) AS items, count(body) AS bodies FROM dcpf.portfolio_item_decrypted;
SELECT r.code, r.version, r.name FROM dcpf.handover_reference r WHERE r.column_name = 'epa_id' ORDER BY r.table_name;
SELECT dcpf.clear_identity();
RESET ROLE;
-- the completion finds nothing more to do
SELECT count(*) AS nothing_left FROM dcpf.complete_licence_ends();

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP OWNED BY dcpf_test_le_backend;
DROP ROLE dcpf_test_le_backend;
DROP OWNED BY dcpf_test_le_app;
DROP ROLE dcpf_test_le_app;
