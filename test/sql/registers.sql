-- The recipients register read two ways and the subprocessor register
-- (sql/220_recipients.sql, sql/225_subprocessor.sql): every disclosure
-- records its legal basis (a share is the person's own act: consent); the
-- person lists who received what, when and on what basis; dcpf.recipients_of
-- gives dcpf's own functions whom to notify (the recipient person, or the
-- current members of the recipient role of the licensee, not those of
-- another licensee); the platform's security officer keeps the subprocessor
-- register, a transfer outside the EEA only with its safeguard; the
-- licensees' admins and privacy officers read it, nobody else; the record
-- of processing shows the purposes with their legal basis and the
-- subprocessors engaged today.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_rg_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- the platform operator is a licensee too: its security officer works in it
\i test/sql/include/platform_operator.sql
-- 301 the platform's security officer; 302 the privacy officer of A; 303
-- the admin of B; 304 a professional of A who shares; 305 a supervisor of
-- A; 306 a professional of A shared with; 307 a supervisor of B
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT v.id::uuid, v.email, v.surname, 'X.'
  FROM (VALUES ('00000000-0000-4000-8000-000000000301', 'security@vrest.example', 'Veilig'),
               ('00000000-0000-4000-8000-000000000302', 'fg@oost.example', 'Oost'),
               ('00000000-0000-4000-8000-000000000303', 'beheer@west.example', 'West'),
               ('00000000-0000-4000-8000-000000000304', 'jansen@oost.example', 'Jansen'),
               ('00000000-0000-4000-8000-000000000305', 'super@oost.example', 'Supervisor'),
               ('00000000-0000-4000-8000-000000000306', 'ontvanger@oost.example', 'Ontvanger'),
               ('00000000-0000-4000-8000-000000000307', 'super@west.example', 'Westsuper')) v(id, email, surname);
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT v.person::uuid, v.licensee::uuid, v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-00000000a003', 'platform_security'),
               ('00000000-0000-4000-8000-000000000302', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-000000000303', '00000000-0000-4000-8000-00000000a002', 'licensee_admin'),
               ('00000000-0000-4000-8000-000000000304', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000305', '00000000-0000-4000-8000-00000000a001', 'supervisor'),
               ('00000000-0000-4000-8000-000000000306', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000307', '00000000-0000-4000-8000-00000000a002', 'supervisor'),
               ('00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-00000000a001', 'professional'))
       v(person, licensee, role);
\i test/sql/include/accept_euras.sql

CREATE ROLE dcpf_test_rg_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;
SET ROLE dcpf_test_rg_backend;

-- ---------------------------------------------------------------------------
-- Recipients
-- ---------------------------------------------------------------------------
-- 304 shares an item with 306 and with the supervisors of A; each share is
-- a disclosure on the basis of consent
SELECT pg_temp.as_person('304', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000d301', '00000000-0000-4000-8000-000000000304', 'reflection', 'Reflectie nachtdienst');
INSERT INTO dcpf.share (id, owner_id, scope, item_id, grantee_person_id, permission) VALUES
    ('00000000-0000-4000-8000-00000000e301', '00000000-0000-4000-8000-000000000304', 'item', '00000000-0000-4000-8000-00000000d301',
     '00000000-0000-4000-8000-000000000306', 'read');
INSERT INTO dcpf.share (id, owner_id, scope, item_id, grantee_licensee_id, grantee_role, permission) VALUES
    ('00000000-0000-4000-8000-00000000e302', '00000000-0000-4000-8000-000000000304', 'item', '00000000-0000-4000-8000-00000000d301',
     '00000000-0000-4000-8000-00000000a001', 'supervisor', 'comment');
SELECT kind, recipient_description, legal_basis FROM dcpf.disclosure ORDER BY recipient_description;
-- the person's own list: who, what, when, on what basis, still in force
SELECT kind, recipient, what, legal_basis, legal_basis_article, current FROM dcpf.my_recipients() ORDER BY recipient;
SELECT dcpf.revoke_share('00000000-0000-4000-8000-00000000e301') IS NOT NULL AS revoked;
SELECT recipient, current, ended_at IS NOT NULL AS ended FROM dcpf.my_recipients() ORDER BY recipient;
-- someone else's list holds nothing of 304's
SELECT pg_temp.as_person('306', 'professional');
SELECT count(*) AS mine FROM dcpf.my_recipients();
SELECT dcpf.clear_identity();
SELECT pg_temp.refused('SELECT * FROM dcpf.my_recipients()');
-- nobody in the application calls recipients_of or writes a legal basis
SELECT pg_temp.as_person('304', 'professional');
SELECT pg_temp.refused($$SELECT * FROM dcpf.recipients_of('00000000-0000-4000-8000-000000000304')$$);
SELECT pg_temp.refused($$UPDATE dcpf.disclosure SET legal_basis = 'contract'$$);
RESET ROLE;
-- whom an art. 19 notice goes to: the person shared with (also after the
-- revocation: they received the data), and the supervisors of A, not of B
SELECT kind, right(recipient_person_id::text, 3) AS recipient_person, right(recipient_licensee_id::text, 4) AS recipient_licensee,
       recipient_role, legal_basis, ended_at IS NOT NULL AS ended, right(notice_person_id::text, 3) AS notify
  FROM dcpf.recipients_of('00000000-0000-4000-8000-000000000304') ORDER BY notify;
SELECT count(*) AS none FROM dcpf.recipients_of('00000000-0000-4000-8000-000000000306');
-- an unknown basis is refused, even for the owner
DO $$ BEGIN
    UPDATE dcpf.disclosure SET legal_basis = 'whim';
EXCEPTION WHEN check_violation THEN RAISE NOTICE 'refused: %', SQLERRM;
END $$;
SELECT dcpf.legal_basis_article(b) FROM unnest(ARRAY['consent', 'contract', 'legal_obligation', 'vital_interests',
                                                     'public_task', 'legitimate_interests', 'whim']) b;

-- ---------------------------------------------------------------------------
-- Subprocessors and the record of processing
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_rg_backend;
-- only the platform's security officer registers a subprocessor
SELECT pg_temp.as_person('302', 'privacy_officer');
SELECT pg_temp.refused($$INSERT INTO dcpf.subprocessor (name, service, data_categories, processing_location, country, agreement_reference, agreement_signed_on, valid_from) VALUES ('Nep B.V.', 'Niets bijzonders.', '{name}', 'Nergens', 'NL', 'X-1', '2024-01-01', '2024-01-01')$$);
SELECT pg_temp.as_person('301', 'platform_security', 'a003');
INSERT INTO dcpf.subprocessor (id, name, service, data_categories, processing_location, country, agreement_reference,
                               agreement_signed_on, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000f301', 'Datacentrum Noord B.V.', 'Hosting in drie datacenters',
     '{all data of the platform}', 'Groningen, Amsterdam, Rotterdam', 'NL', 'VWO-2020-01', '2020-08-01', '2020-09-01');
-- outside the EEA only with its safeguard; the agreement precedes the work
SELECT pg_temp.refused($$INSERT INTO dcpf.subprocessor (name, service, data_categories, processing_location, country, agreement_reference, agreement_signed_on, valid_from) VALUES ('Mail Inc.', 'Bezorgen van e-mail', '{name,e-mail address}', 'Virginia', 'US', 'VWO-2024-03', '2024-03-01', '2024-03-01')$$);
SELECT pg_temp.refused($$INSERT INTO dcpf.subprocessor (name, service, data_categories, processing_location, country, agreement_reference, agreement_signed_on, valid_from, transfer_safeguard) VALUES ('Mail Inc.', 'Bezorgen van e-mail', '{name,e-mail address}', 'Virginia', 'US', 'VWO-2024-03', '2024-04-01', '2024-03-01', 'EU-U.S. Data Privacy Framework')$$);
INSERT INTO dcpf.subprocessor (id, name, service, data_categories, processing_location, country, agreement_reference,
                               agreement_signed_on, valid_from, transfer_safeguard) VALUES
    ('00000000-0000-4000-8000-00000000f302', 'Mail Inc.', 'Bezorgen van e-mail', '{name,e-mail address}', 'Virginia', 'US',
     'VWO-2024-03', '2024-03-01', '2024-03-01', 'EU-U.S. Data Privacy Framework (adequacy decision of 10 July 2023)'),
    ('00000000-0000-4000-8000-00000000f303', 'Oude Back-up B.V.', 'Back-ups (beëindigd)', '{all data of the platform}', 'Zwolle',
     'NL', 'VWO-2019-02', '2019-01-01', '2019-01-01', NULL);
UPDATE dcpf.subprocessor SET valid_until = '2020-09-01' WHERE id = '00000000-0000-4000-8000-00000000f303';
SELECT name, country, outside_eea, transfer_safeguard IS NOT NULL AS safeguarded, valid_until FROM dcpf.subprocessor ORDER BY name;
SELECT pg_temp.refused($$UPDATE dcpf.subprocessor SET outside_eea = false$$);
SELECT pg_temp.refused($$DELETE FROM dcpf.subprocessor$$);
-- the licensees' privacy officers and admins read it (and change nothing);
-- a professional does not, nor the security officer acting in another role
SELECT pg_temp.as_person('302', 'privacy_officer');
SELECT count(*) AS subprocessors FROM dcpf.subprocessor;
WITH changed AS (UPDATE dcpf.subprocessor SET valid_until = '2030-01-01' RETURNING 1) SELECT count(*) AS changed FROM changed;
SELECT pg_temp.as_person('303', 'licensee_admin', 'a002');
SELECT count(*) AS subprocessors FROM dcpf.subprocessor;
SELECT pg_temp.as_person('304', 'professional');
SELECT count(*) AS subprocessors FROM dcpf.subprocessor;
SELECT pg_temp.as_person('301', 'professional', 'a001');
SELECT count(*) AS subprocessors FROM dcpf.subprocessor;
-- the record of processing: every purpose with its legal basis, and the
-- subprocessors engaged today (not the one that ended)
SELECT pg_temp.as_person('302', 'privacy_officer');
SELECT purpose, controller, legal_basis, legal_basis_article, cardinality(data_categories) > 0 AS categories,
       jsonb_path_query_array(subprocessors, '$[*].name') AS subprocessors
  FROM dcpf.record_of_processing ORDER BY purpose;
SELECT s ->> 'name' AS name, s ->> 'country' AS country, s ->> 'outside_eea' AS outside_eea, s ->> 'transfer_safeguard' AS safeguard
  FROM dcpf.record_of_processing r, jsonb_array_elements(r.subprocessors) s WHERE r.purpose = 'service_delivery';
SELECT pg_temp.as_person('304', 'professional');
SELECT purpose, subprocessors FROM dcpf.record_of_processing ORDER BY purpose;
SELECT dcpf.clear_identity();
SELECT count(*) AS without_identity FROM dcpf.record_of_processing;
RESET ROLE;

-- every change of the register is an audit event
SELECT object_table, action, count(*) FROM dcpf.audit_event WHERE object_table = 'subprocessor' GROUP BY 1, 2 ORDER BY 1, 2;
DROP ROLE dcpf_test_rg_backend;
