-- Purposes and consent (sql/200_consent.sql): the shipped purpose register;
-- a licensee admin registers the licensee's own purposes and nobody changes
-- the shipped ones; a person gives and withdraws consent (the same call and
-- effort) and gets a receipt; withdrawal and objection take the person out
-- of the marketing audience in the same transaction; an objection to direct
-- marketing overrides consent until lifted; events are never changed, even
-- by the owner; dcpf.has_consent answers only about consents the caller may
-- see; every event is audited as 'consent'.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_cs_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- 101, 102 professionals of A; 103 the admin of A; 104 the privacy officer
-- of A; 105 the admin of B; 106 a professional of B
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT v.id::uuid, v.email, v.surname, 'X.'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', 'jansen@example.nl', 'Jansen'),
               ('00000000-0000-4000-8000-000000000102', 'bakker@example.nl', 'Bakker'),
               ('00000000-0000-4000-8000-000000000103', 'beheer@example.nl', 'Beheer'),
               ('00000000-0000-4000-8000-000000000104', 'fg@example.nl', 'Functionaris'),
               ('00000000-0000-4000-8000-000000000105', 'beheer@west.example', 'West'),
               ('00000000-0000-4000-8000-000000000106', 'smit@west.example', 'Smit')) v(id, email, surname);
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT v.person::uuid, v.licensee::uuid, v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'licensee_admin'),
               ('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a002', 'licensee_admin'),
               ('00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-00000000a002', 'professional')) v(person, licensee, role);
\i test/sql/include/accept_euras.sql
INSERT INTO dcpf.policy_document (id, kind, version, title, body, effective_from, material_change) VALUES
    ('00000000-0000-4000-8000-00000000d001', 'privacy_statement', '2020.1', 'VREST privacyverklaring',
     'Deze privacyverklaring is in werking getreden op 13 september 2020.', '2020-09-13', true),
    ('00000000-0000-4000-8000-00000000d002', 'cookie_policy', '1', 'Cookiebeleid',
     'Wij plaatsen cookies zodat u kunt inloggen op VrestCloud.', '2020-09-13', false);
INSERT INTO pg_temp.named VALUES ('00000000-0000-4000-8000-00000000d001', 'privacy statement 2020.1');

CREATE ROLE dcpf_test_cs_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;
SET ROLE dcpf_test_cs_backend;

-- the shipped register, readable by every identity
SELECT pg_temp.as_person('101', 'professional');
SELECT code, name_nl, legal_basis, requires_consent, builtin, licensee_id IS NULL AS platform FROM dcpf.purpose ORDER BY code;
SELECT code, data_categories, recipients, transfers_outside_eea FROM dcpf.purpose WHERE code = 'marketing';

-- refused, and nothing recorded: no identity; an unknown purpose; a purpose
-- not resting on consent (both ways); an unknown channel; a policy document
-- that does not exist
SELECT dcpf.clear_identity();
SELECT pg_temp.refused($$SELECT dcpf.give_consent('marketing')$$);
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.refused($$SELECT dcpf.give_consent('newsletter')$$);
SELECT pg_temp.refused($$SELECT dcpf.give_consent(NULL)$$);
SELECT pg_temp.refused($$SELECT dcpf.give_consent('service_delivery')$$);
SELECT pg_temp.refused($$SELECT dcpf.withdraw_consent('service_delivery')$$);
SELECT pg_temp.refused($$SELECT dcpf.give_consent('marketing', NULL, 'pigeon')$$);
SELECT pg_temp.refused($$SELECT dcpf.withdraw_consent('marketing', NULL, NULL)$$);
SELECT pg_temp.refused($$SELECT dcpf.give_consent('marketing', '00000000-0000-4000-8000-00000000dfff')$$);
SELECT count(*) AS events, (SELECT count(*) FROM dcpf.consent) AS states FROM dcpf.consent_event;

-- given: a receipt; the state and the event; by default the privacy
-- statement in force was shown; the receipt follows the Kantara fields
SELECT dcpf.give_consent('marketing') IS NOT NULL AS receipt;
SELECT dcpf.give_consent('analytics_cookies', '00000000-0000-4000-8000-00000000d002', 'app') IS NOT NULL AS receipt;
SELECT c.purpose_code, c.state, c.since = e.occurred_at AS since_event, c.last_event_id = e.id AS last_event
  FROM dcpf.consent c JOIN dcpf.consent_event e ON e.id = c.last_event_id ORDER BY c.purpose_code;
SELECT e.purpose_code, e.action, e.channel, d.kind AS shown, d.version, right(e.licensee_id::text, 4) AS licensee
  FROM dcpf.consent_event e LEFT JOIN dcpf.policy_document d ON d.id = e.policy_document_id ORDER BY e.purpose_code;
SELECT r.receipt->>'version' AS version, r.receipt->>'jurisdiction' AS jurisdiction, r.receipt->>'collectionMethod' AS method,
       (r.receipt->>'consentReceiptID')::uuid = r.id AS receipt_is_id, (r.receipt->>'piiPrincipalId')::uuid = r.person_id AS principal,
       r.receipt#>>'{piiControllers,0,piiController}' AS controller, r.receipt->>'policyVersion' AS policy,
       r.receipt#>>'{services,0,purposes,0,consentType}' AS consent_type, r.receipt#>>'{services,0,service}' AS service,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(r.receipt) k) AS fields
  FROM dcpf.consent_event r WHERE r.purpose_code = 'marketing';
SELECT dcpf.has_consent('00000000-0000-4000-8000-000000000101', 'marketing') AS marketing,
       dcpf.has_consent('00000000-0000-4000-8000-000000000101', 'surveys_events') AS surveys;
SELECT pg_temp.as_person('102', 'professional');
SELECT dcpf.give_consent('marketing', channel => 'email') IS NOT NULL AS receipt;
SELECT pg_temp.as_person('106', 'professional', 'a002');
SELECT dcpf.give_consent('marketing') IS NOT NULL AS receipt;

-- has_consent answers only about consents the caller may see: not another
-- person, not the staff of another licensee; the privacy officer and the
-- admin of the person's licensee do see them
SELECT pg_temp.as_person('102', 'professional');
SELECT dcpf.has_consent('00000000-0000-4000-8000-000000000101', 'marketing') AS other_person,
       dcpf.has_consent('00000000-0000-4000-8000-000000000102', 'marketing') AS self;
SELECT pg_temp.as_person('105', 'licensee_admin', 'a002');
SELECT dcpf.has_consent('00000000-0000-4000-8000-000000000101', 'marketing') AS other_licensee;
SELECT pg_temp.as_person('104', 'privacy_officer');
SELECT dcpf.has_consent('00000000-0000-4000-8000-000000000101', 'marketing') AS officer;

-- who reads what: the privacy officer the events and states of A's people;
-- the admin the states only; the admin of B those of B; a person their own
SELECT right(person_id::text, 3) AS person, purpose_code, action, channel FROM dcpf.consent_event ORDER BY person_id, purpose_code;
SELECT pg_temp.as_person('103', 'licensee_admin');
SELECT count(*) AS events_seen FROM dcpf.consent_event;
SELECT right(person_id::text, 3) AS person, purpose_code, state FROM dcpf.consent ORDER BY person_id, purpose_code;
SELECT pg_temp.as_person('105', 'licensee_admin', 'a002');
SELECT right(person_id::text, 3) AS person, purpose_code, state FROM dcpf.consent ORDER BY person_id, purpose_code;
SELECT pg_temp.as_person('102', 'professional');
SELECT right(person_id::text, 3) AS person, purpose_code, state FROM dcpf.consent ORDER BY person_id, purpose_code;

-- the marketing audience, as the admin of A
SELECT pg_temp.as_person('103', 'licensee_admin');
SELECT right(person_id::text, 3) AS person, email, display_name FROM dcpf.marketing_audience ORDER BY person_id;

-- withdrawal takes effect in the same transaction
BEGIN;
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.withdraw_consent('marketing') IS NOT NULL AS receipt;
SELECT dcpf.has_consent('00000000-0000-4000-8000-000000000101', 'marketing') AS still_consents;
SELECT pg_temp.as_person('103', 'licensee_admin');
SELECT right(person_id::text, 3) AS person FROM dcpf.marketing_audience ORDER BY person_id;
COMMIT;
SELECT pg_temp.as_person('101', 'professional');
SELECT action, channel FROM dcpf.consent_event WHERE purpose_code = 'marketing' ORDER BY occurred_at, action DESC;
SELECT c.state, c.since = e.occurred_at AS since_withdrawal FROM dcpf.consent c JOIN dcpf.consent_event e ON e.id = c.last_event_id
 WHERE c.purpose_code = 'marketing';

-- an objection: out of the audience at once; consent refused while it
-- holds; a withdrawal is recorded but the objection stays; lifting it leaves
-- no consent; there is nothing more to lift
SELECT pg_temp.as_person('102', 'professional');
BEGIN;
SELECT dcpf.object_to_marketing() IS NOT NULL AS receipt;
SELECT state FROM dcpf.consent WHERE purpose_code = 'marketing';
SELECT pg_temp.as_person('103', 'licensee_admin');
SELECT count(*) AS audience FROM dcpf.marketing_audience;
COMMIT;
SELECT pg_temp.as_person('102', 'professional');
SELECT pg_temp.refused($$SELECT dcpf.give_consent('marketing')$$);
SELECT dcpf.withdraw_consent('marketing') IS NOT NULL AS receipt;
SELECT state FROM dcpf.consent WHERE purpose_code = 'marketing';
SELECT dcpf.has_consent('00000000-0000-4000-8000-000000000102', 'marketing') AS consents;
SELECT dcpf.lift_objection('phone') IS NOT NULL AS receipt;
SELECT state, dcpf.has_consent(person_id, purpose_code) AS consents FROM dcpf.consent WHERE purpose_code = 'marketing';
SELECT pg_temp.refused($$SELECT dcpf.lift_objection()$$);
SELECT dcpf.give_consent('marketing') IS NOT NULL AS receipt;
SELECT action, channel FROM dcpf.consent_event ORDER BY occurred_at, action;
SELECT dcpf.withdraw_consent('marketing') IS NOT NULL AS receipt;
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.refused($$SELECT dcpf.object_to_marketing('pigeon')$$);

-- a deactivated account leaves the audience
SELECT dcpf.give_consent('marketing') IS NOT NULL AS receipt;
RESET ROLE;
UPDATE dcpf.person SET status = 'deactivated', deactivated_at = now() WHERE id = '00000000-0000-4000-8000-000000000101';
SET ROLE dcpf_test_cs_backend;
SELECT pg_temp.as_person('103', 'licensee_admin');
SELECT count(*) AS audience FROM dcpf.marketing_audience;
RESET ROLE;
UPDATE dcpf.person SET status = 'active', deactivated_at = NULL WHERE id = '00000000-0000-4000-8000-000000000101';
SET ROLE dcpf_test_cs_backend;

-- nobody writes the tables directly, and nobody changes or deletes an
-- event: not the application, not the owner
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.refused($$INSERT INTO dcpf.consent_event (person_id, purpose_code, action, channel, receipt) VALUES ('00000000-0000-4000-8000-000000000101', 'marketing', 'given', 'web', '{}')$$);
SELECT pg_temp.refused($$UPDATE dcpf.consent SET state = 'given'$$);
SELECT pg_temp.refused($$UPDATE dcpf.consent_event SET channel = 'paper'$$);
SELECT pg_temp.refused($$DELETE FROM dcpf.consent_event$$);
RESET ROLE;
SELECT pg_temp.refused($$UPDATE dcpf.consent_event SET channel = 'paper'$$);
SELECT pg_temp.refused($$DELETE FROM dcpf.consent_event$$);
SELECT pg_temp.refused($$TRUNCATE dcpf.consent_event CASCADE$$);
SET ROLE dcpf_test_cs_backend;

-- a licensee's own purposes: its admin registers and describes them; its
-- members see them and may consent; another licensee neither sees nor
-- consents to them; nobody changes a shipped purpose or a legal basis
SELECT pg_temp.as_person('103', 'licensee_admin');
INSERT INTO dcpf.purpose (code, licensee_id, name_nl, name_en, description, legal_basis, data_categories, subject_categories,
                          retention, security_measures, requires_consent)
VALUES ('umc_oost_nieuwsbrief', '00000000-0000-4000-8000-00000000a001', 'Nieuwsbrief UMC Oost', 'UMC Oost newsletter',
        'Nieuws over opleidingen en symposia van UMC Oost.', 'consent', '{name,e-mail address}', '{employees}',
        'Tot intrekking van de toestemming.', 'Zoals de dienstverlening.', true);
UPDATE dcpf.purpose SET retention = 'Tot intrekking van de toestemming; uiterlijk einde dienstverband.' WHERE code = 'umc_oost_nieuwsbrief';
SELECT pg_temp.refused($$UPDATE dcpf.purpose SET legal_basis = 'legitimate_interests' WHERE code = 'umc_oost_nieuwsbrief'$$);
WITH changed AS (UPDATE dcpf.purpose SET description = 'Alles wat wij willen.' WHERE code = 'marketing' RETURNING 1)
SELECT count(*) AS shipped_changed FROM changed;
SELECT pg_temp.refused($$INSERT INTO dcpf.purpose (code, licensee_id, name_nl, name_en, description, legal_basis, data_categories, subject_categories, retention, security_measures, requires_consent) VALUES ('west_nieuws', '00000000-0000-4000-8000-00000000a002', 'Nieuws', 'News', 'Nieuws van een ander.', 'consent', '{name}', '{employees}', 'Altijd maar.', 'Geen.', true)$$);
SELECT pg_temp.refused($$INSERT INTO dcpf.purpose (code, licensee_id, name_nl, name_en, description, legal_basis, data_categories, subject_categories, retention, security_measures, requires_consent) VALUES ('umc_enquete', '00000000-0000-4000-8000-00000000a001', 'Enquête', 'Survey', 'Een enquête zonder toestemming.', 'legitimate_interests', '{name}', '{employees}', 'Een jaar lang.', 'Zoals altijd.', true)$$);
SELECT pg_temp.refused($$INSERT INTO dcpf.purpose (code, name_nl, name_en, description, legal_basis, data_categories, subject_categories, retention, security_measures, requires_consent) VALUES ('platform_extra', 'Extra', 'Extra', 'Een doel van het platform.', 'consent', '{name}', '{users}', 'Een jaar lang.', 'Zoals altijd.', true)$$);
SELECT pg_temp.as_person('101', 'professional');
SELECT code, retention FROM dcpf.purpose WHERE licensee_id IS NOT NULL;
SELECT dcpf.give_consent('umc_oost_nieuwsbrief') IS NOT NULL AS receipt;
SELECT receipt#>>'{piiControllers,0,piiController}' AS controller FROM dcpf.consent_event WHERE purpose_code = 'umc_oost_nieuwsbrief';
SELECT pg_temp.as_person('106', 'professional', 'a002');
SELECT count(*) AS seen FROM dcpf.purpose WHERE code = 'umc_oost_nieuwsbrief';
SELECT pg_temp.refused($$SELECT dcpf.give_consent('umc_oost_nieuwsbrief')$$);
RESET ROLE;
SELECT pg_temp.refused($$UPDATE dcpf.purpose SET description = 'Alles wat wij willen.' WHERE code = 'marketing'$$);
SELECT pg_temp.refused($$UPDATE dcpf.purpose SET legal_basis = 'legitimate_interests', requires_consent = false WHERE code = 'umc_oost_nieuwsbrief'$$);

-- every event is audited as 'consent', with the person as subject
SELECT right(subject_person::text, 3) AS subject, object_table, action, count(*)
  FROM dcpf.audit_event WHERE object_table IN ('consent_event', 'consent', 'purpose')
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT dcpf.clear_identity();
DROP ROLE dcpf_test_cs_backend;
