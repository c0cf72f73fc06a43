-- Policy versions (sql/138_policy_notice.sql, DESIGN.md clause 17): a new
-- version of a document is announced to every active account (a first
-- version and a translation are not); a material change must be
-- acknowledged: the login function lists it, the staff of a licensee see
-- who of their people has not, and giving consent waits for it while
-- withdrawing never does; consent is given on the version in force only.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_pn_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- 101, 102 professionals of A; 103 the privacy officer of A; 104 the admin
-- of B; 105 a professional of B; 106 deactivated
INSERT INTO dcpf.person (id, email, surname, initials, created_at)
SELECT v.id::uuid, v.email, v.surname, 'X.', '2026-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', 'jansen@example.nl', 'Jansen'),
               ('00000000-0000-4000-8000-000000000102', 'bakker@example.nl', 'Bakker'),
               ('00000000-0000-4000-8000-000000000103', 'fg@example.nl', 'Functionaris'),
               ('00000000-0000-4000-8000-000000000104', 'beheer@west.example', 'West'),
               ('00000000-0000-4000-8000-000000000105', 'smit@west.example', 'Smit'),
               ('00000000-0000-4000-8000-000000000106', 'weg@example.nl', 'Weg')) v(id, email, surname);
UPDATE dcpf.person SET status = 'deactivated', deactivated_at = '2026-02-01' WHERE id = '00000000-0000-4000-8000-000000000106';
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT v.person::uuid, v.licensee::uuid, v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a002', 'licensee_admin'),
               ('00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a002', 'professional')) v(person, licensee, role);
\i test/sql/include/accept_euras.sql

-- the first versions: nothing announced, nothing to acknowledge
INSERT INTO dcpf.policy_document (id, kind, version, title, body, effective_from, material_change, published_at) VALUES
    ('00000000-0000-4000-8000-00000000d001', 'privacy_statement', '2020.1', 'Privacyverklaring',
     'Deze privacyverklaring is in werking getreden op 13 september 2020.', '2020-09-13', true, '2020-09-01'),
    ('00000000-0000-4000-8000-00000000d002', 'cookie_policy', '1', 'Cookiebeleid',
     'Wij plaatsen cookies zodat u kunt inloggen op VrestCloud.', '2020-09-13', false, '2020-09-01');
SELECT count(*) AS notices, (SELECT count(*) FROM dcpf.outstanding_policy_acknowledgements) AS outstanding FROM dcpf.notice;

-- a material change in force, its English translation, and a non-material
-- change of the cookie policy: each version announced once to each of the
-- five active accounts (not to 106), the material one to be acknowledged
INSERT INTO dcpf.policy_document (id, kind, language, version, title, body, effective_from, material_change) VALUES
    ('00000000-0000-4000-8000-00000000d003', 'privacy_statement', 'nl', '2026.1', 'Privacyverklaring 2026',
     'Wij bewaren voortaan ook uw voorkeurstaal en delen niets met derden.', now() - interval '1 day', true),
    ('00000000-0000-4000-8000-00000000d004', 'privacy_statement', 'en', '2026.1', 'Privacy statement 2026',
     'From now on we also keep your preferred language and share nothing.', now() - interval '1 day', true),
    ('00000000-0000-4000-8000-00000000d005', 'cookie_policy', 'nl', '2', 'Cookiebeleid 2',
     'Wij plaatsen cookies zodat u kunt inloggen; de tekst is verduidelijkt.', now() - interval '1 day', false);
SELECT payload ->> 'document_kind' AS document, payload ->> 'version' AS version, payload ->> 'language' AS language,
       payload ->> 'acknowledgement_required' AS acknowledge, count(*) AS notices, count(DISTINCT recipient_person_id) AS persons,
       count(*) FILTER (WHERE recipient_person_id = '00000000-0000-4000-8000-000000000106') AS to_the_deactivated
  FROM dcpf.notice WHERE kind = 'policy_changed' GROUP BY 1, 2, 3, 4 ORDER BY 1;

CREATE ROLE dcpf_test_pn_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;
SET ROLE dcpf_test_pn_backend;

-- at login: what 101 must acknowledge, in Dutch and in English
SELECT pg_temp.as_person('101', 'professional');
SELECT right(document_id::text, 4) AS document, kind, version, title, in_force FROM dcpf.policies_to_acknowledge();
SELECT right(document_id::text, 4) AS document, title FROM dcpf.policies_to_acknowledge('en');
-- until then giving consent waits; withdrawing does not; an old version or
-- one not yet in force is refused as the version shown
SELECT pg_temp.refused($$SELECT dcpf.give_consent('marketing')$$);
SELECT dcpf.withdraw_consent('marketing') IS NOT NULL AS withdrawn;
SELECT pg_temp.refused($$SELECT dcpf.give_consent('marketing', '00000000-0000-4000-8000-00000000d001')$$);
SELECT pg_temp.refused($$SELECT dcpf.give_consent('analytics_cookies', '00000000-0000-4000-8000-00000000d002')$$);
-- acknowledged in English: the Dutch version is covered; consent is given
-- on the version in force (a non-material change needs no acknowledgement)
SELECT dcpf.acknowledge_policy('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000d004') IS NOT NULL AS acknowledged;
SELECT count(*) AS still_to_acknowledge FROM dcpf.policies_to_acknowledge();
SELECT dcpf.give_consent('marketing') IS NOT NULL AS given;
SELECT dcpf.give_consent('analytics_cookies', '00000000-0000-4000-8000-00000000d005') IS NOT NULL AS given;
SELECT e.purpose_code, e.action, d.kind, d.version, d.language FROM dcpf.consent_event e JOIN dcpf.policy_document d ON d.id = e.policy_document_id
 ORDER BY e.occurred_at, e.purpose_code, e.action;

-- who has not acknowledged: the privacy officer of A sees A's people, the
-- admin of B B's, a professional only themself
SELECT pg_temp.as_person('103', 'privacy_officer');
SELECT right(person_id::text, 3) AS person, kind, version, in_force FROM dcpf.outstanding_policy_acknowledgements ORDER BY 1;
SELECT pg_temp.as_person('104', 'licensee_admin', 'a002');
SELECT right(person_id::text, 3) AS person, kind, version, in_force FROM dcpf.outstanding_policy_acknowledgements ORDER BY 1;
SELECT pg_temp.as_person('102', 'professional');
SELECT right(person_id::text, 3) AS person, kind, version FROM dcpf.outstanding_policy_acknowledgements ORDER BY 1;
SELECT count(*) AS acknowledgements_102_sees FROM dcpf.policy_acknowledgement;
SELECT dcpf.clear_identity();
SELECT count(*) AS without_identity FROM dcpf.policies_to_acknowledge();
RESET ROLE;

-- a material change announced ahead: may be acknowledged, is not yet due,
-- and is not yet what consent is given on; a person registered after it
-- was published is not concerned
INSERT INTO dcpf.policy_document (id, kind, version, title, body, effective_from, material_change) VALUES
    ('00000000-0000-4000-8000-00000000d006', 'privacy_statement', '2027.1', 'Privacyverklaring 2027',
     'Vanaf 2027 bewaren wij inloggegevens korter dan voorheen.', now() + interval '30 days', true);
INSERT INTO dcpf.person (id, email, surname, initials) VALUES ('00000000-0000-4000-8000-000000000107', 'nieuw@example.nl', 'Nieuw', 'N.');
SELECT right(person_id::text, 3) AS person, version, in_force FROM dcpf.outstanding_policy_acknowledgements
 WHERE person_id IN ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000107') ORDER BY 1, 2;
SET ROLE dcpf_test_pn_backend;
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.give_consent('surveys_events') IS NOT NULL AS given_while_announced;
SELECT pg_temp.refused($$SELECT dcpf.give_consent('surveys_events', '00000000-0000-4000-8000-00000000d006')$$);
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT count(*) AS notices_of_2027 FROM dcpf.notice WHERE payload ->> 'version' = '2027.1';
DROP ROLE dcpf_test_pn_backend;
