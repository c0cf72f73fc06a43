-- The attack matrix: every table of schema dcpf (discovered from pg_class, so
-- a new table joins automatically and fails until it has an expectation) x
-- SELECT / INSERT / UPDATE / DELETE x every application role x {own licensee,
-- other licensee}, against an explicit expectation table written from
-- doc/reference/access.md; then forged, expired and misdirected tokens for
-- every role (each must raise and leave no identity); then identities set in
-- rolled-back subtransactions and savepoints must not survive them.
--
-- The encrypted columns: the *_decrypted views x every application role
-- x {own, other licensee}, compared with the plain values written at setup;
-- ciphertexts a caller can read (or copied from someone else) presented to
-- dcpf.decrypt_text for another row, subject, table or column, or written
-- into another row; the views after forged tokens, after SET ROLE to the
-- reporting and maintenance roles, and after a rolled-back savepoint. The key
-- tables (data_key, master_key_generation, key_rotation_run) are in the
-- matrix and, besides, checked against every dcpf role and PUBLIC: only the
-- extension owner reads or writes them.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';

CREATE ROLE dcpf_t_mx_svc NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_t_mx_app NOLOGIN IN ROLE dcpf_app;

-- ---------------------------------------------------------------------------
-- Data: licensees A and B, each with an active licence, every role's EURA
-- published; one person per (licensee, application role), who accepted it.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE lic (tag text PRIMARY KEY, id uuid NOT NULL, issuer text NOT NULL);
INSERT INTO lic VALUES ('A', '00000000-0000-4000-8000-0000000a0a01', 'https://sso.a.example'),
                       ('B', '00000000-0000-4000-8000-0000000b0b01', 'https://sso.b.example');
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-0000000a0a01', 'Matrix Licensee A', 'academic_hospital'),
    ('00000000-0000-4000-8000-0000000b0b01', 'Matrix Licensee B', 'nursing_school');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000c0c01', 'dcpf-mx', 'DCPF matrix');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
SELECT id, '00000000-0000-4000-8000-0000000c0c01', '2020-01-01' FROM lic;
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-0000000c0c01', code, 1, 'EURA ' || code, 'Ik accepteer de rolgebonden rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role;
INSERT INTO dcpf.policy_document (id, kind, version, title, body, effective_from, material_change) VALUES
    ('00000000-0000-4000-8000-0000000d0d01', 'privacy_statement', '1.0', 'Privacyverklaring',
     'Wij verwerken uw gegevens alleen voor het portfolio.', '2020-01-01', true);
-- both pay by direct debit: each IBAN and billing phone is encrypted under its licensee's data key
DO $$ BEGIN
PERFORM dcpf.set_billing_profile('00000000-0000-4000-8000-0000000a0a01', 'Postbus 1', '7500 AA', 'Enschede', 'Crediteuren A',
                                 'a@billing.example', 'direct_debit', 'NL91ABNA0417164300', 'MX-A-1', '2020-01-01',
                                 contact_phone => '+31531000001');
PERFORM dcpf.set_billing_profile('00000000-0000-4000-8000-0000000b0b01', 'Postbus 2', '7500 AB', 'Enschede', 'Crediteuren B',
                                 'b@billing.example', 'direct_debit', 'DE89370400440532013000', 'MX-B-1', '2020-01-01',
                                 contact_phone => '+31531000002');
END $$;

-- the actors: every application role in A and in B
CREATE TEMP TABLE actor AS
SELECT l.tag, l.id AS licensee_id, l.issuer, r.code AS role_code, r.requires_big,
       gen_random_uuid() AS person_id, 'sub-' || r.code || '-' || lower(l.tag) AS subject
  FROM lic l CROSS JOIN dcpf.role r;
-- valid BIG numbers for the roles that require one
CREATE TEMP TABLE bigs AS
SELECT n::text AS big, row_number() OVER (ORDER BY n) AS i
  FROM generate_series(89012345600::bigint, 89012349999) n WHERE dcpf.big_is_valid(n::text);
-- the plain values written below, kept here to compare with what the
-- decrypted views show (view, row, whose row, which licensee, value)
CREATE TEMP TABLE plain_value (view text, row_id uuid, person_id uuid, licensee_id uuid, value text);
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT a.person_id, replace(a.role_code, '_', '.') || '.' || lower(a.tag) || '@matrix.example', 'Matrix', 'M.' FROM actor a;
INSERT INTO plain_value
SELECT 'person_decrypted', a.person_id, a.person_id, a.licensee_id, CASE WHEN a.requires_big THEN b.big END
  FROM (SELECT *, row_number() OVER (ORDER BY tag, role_code) AS i FROM actor) a JOIN bigs b USING (i);
DO $$ BEGIN
PERFORM dcpf.set_big_number(v.row_id, v.value) FROM plain_value v WHERE v.value IS NOT NULL;
END $$;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from, valid_until)
SELECT person_id, licensee_id, role_code,
       CASE WHEN role_code = 'platform_support' THEN now() - interval '1 day' ELSE '2024-01-01' END,
       CASE WHEN role_code = 'platform_support' THEN now() + interval '20 days' END
  FROM actor;
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT ra.id, a.person_id, 'click_through'
  FROM actor a JOIN dcpf.role_agreement ra ON ra.role_code = a.role_code AND ra.product_id = '00000000-0000-4000-8000-0000000c0c01';
INSERT INTO dcpf.policy_acknowledgement (document_id, person_id, method)
SELECT '00000000-0000-4000-8000-0000000d0d01', person_id, 'click_through' FROM actor;
INSERT INTO plain_value
SELECT 'person_phone_decrypted', dcpf.add_phone(person_id, 'mobile', number), person_id, licensee_id, number
  FROM (SELECT person_id, licensee_id, '+3161' || lpad((row_number() OVER (ORDER BY tag, role_code))::text, 7, '0') AS number
          FROM actor) a;
INSERT INTO plain_value
SELECT 'person_address_decrypted', dcpf.set_address(person_id, 'home', 'Matrixstraat', n::int, '7511 AA', 'Enschede'),
       person_id, licensee_id, 'Matrixstraat ' || n || ', 7511 AA Enschede'
  FROM (SELECT person_id, licensee_id, row_number() OVER (ORDER BY tag, role_code) AS n FROM actor) a;
INSERT INTO plain_value VALUES
    ('billing_profile_decrypted', '00000000-0000-4000-8000-0000000a0a01', NULL, '00000000-0000-4000-8000-0000000a0a01',
     'NL91ABNA0417164300 +31531000001'),
    ('billing_profile_decrypted', '00000000-0000-4000-8000-0000000b0b01', NULL, '00000000-0000-4000-8000-0000000b0b01',
     'DE89370400440532013000 +31531000002');
INSERT INTO dcpf.person_preference (person_id) SELECT person_id FROM actor;

-- the curriculum of each licensee: one programme (its id derived from the
-- licensee's, so that probes can name the other licensee's without seeing
-- it), one EPA linked to a CanMEDS role, one competency of its own, and the
-- trainee, supervisor, assessor and trainer actors placed in the programme
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind)
SELECT md5(l.id || 'programme')::uuid, l.id, 'MX', 'Matrix programme ' || l.tag, 'specialty' FROM lic l;
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level)
SELECT md5(l.id || 'epa')::uuid, md5(l.id || 'programme')::uuid, l.id, 'EPA-1', 'Matrix EPA ' || l.tag, 4 FROM lic l;
INSERT INTO dcpf.epa_competency (epa_id, competency_id)
SELECT md5(l.id || 'epa')::uuid, '00000000-0000-4000-8000-00000000c301' FROM lic l;
INSERT INTO dcpf.competency (licensee_id, code, parent_id, name_nl, name_en)
SELECT l.id, 'mx.local', '00000000-0000-4000-8000-00000000c301', 'Eigen competentie ' || l.tag, 'Own competency ' || l.tag FROM lic l;
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from)
SELECT md5(a.licensee_id || 'programme')::uuid, a.licensee_id, a.person_id,
       CASE a.role_code WHEN 'medical_trainee' THEN 'trainee' ELSE a.role_code END, '2024-06-01'
  FROM actor a WHERE a.role_code IN ('medical_trainee', 'supervisor', 'assessor', 'trainer');
CREATE TEMP TABLE epa_home AS SELECT id AS epa_id, licensee_id FROM dcpf.epa;
-- every actor keeps a portfolio item (a draft, in the context of their
-- membership, its body encrypted under their key) linked to a CanMEDS role
INSERT INTO plain_value
SELECT 'portfolio_item_decrypted', md5(a.person_id || 'item')::uuid, a.person_id, a.licensee_id,
       'Reflectie van ' || a.role_code || ' ' || a.tag
  FROM actor a;
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted)
SELECT v.row_id, v.person_id, m.id, 'reflection', 'Matrix item',
       dcpf.encrypt(v.value, 'portfolio_item', 'body', v.row_id, v.person_id)
  FROM plain_value v JOIN dcpf.membership m ON m.person_id = v.person_id AND m.licensee_id = v.licensee_id
 WHERE v.view = 'portfolio_item_decrypted';
INSERT INTO dcpf.portfolio_item_competency (item_id, competency_id, owner_id)
SELECT row_id, '00000000-0000-4000-8000-00000000c301', person_id FROM plain_value WHERE view = 'portfolio_item_decrypted';
-- each licensee's director entrusted its medical trainee with the EPA
INSERT INTO dcpf.entrustment_decision (owner_id, licensee_id, programme_id, epa_id, level, decided_by, decided_on)
SELECT t.person_id, t.licensee_id, md5(t.licensee_id || 'programme')::uuid, md5(t.licensee_id || 'epa')::uuid, 3, d.person_id, current_date
  FROM actor t JOIN actor d ON d.licensee_id = t.licensee_id AND d.role_code = 'trainer' WHERE t.role_code = 'medical_trainee';
-- each actor collects the item and shares it with the supervisors of their licensee
INSERT INTO dcpf.portfolio_collection (id, owner_id, name)
SELECT md5(a.person_id || 'collection')::uuid, a.person_id, 'Matrix collection' FROM actor a;
INSERT INTO dcpf.portfolio_collection_item (collection_id, item_id, owner_id)
SELECT md5(a.person_id || 'collection')::uuid, md5(a.person_id || 'item')::uuid, a.person_id FROM actor a;
INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_licensee_id, grantee_role, permission)
SELECT a.person_id, 'item', md5(a.person_id || 'item')::uuid, a.licensee_id, 'supervisor', 'read' FROM actor a;
-- each actor attached a text file to the item (its content encrypted under
-- their key) and commented on it (a comment is made by a verified identity)
INSERT INTO plain_value
SELECT 'portfolio_attachment_decrypted', md5(a.person_id || 'attachment')::uuid, a.person_id, a.licensee_id,
       'Bijlage van ' || a.role_code || ' ' || a.tag
  FROM actor a;
INSERT INTO dcpf.portfolio_attachment (id, item_id, owner_id, file_name, media_type, content_encrypted)
SELECT v.row_id, md5(v.person_id || 'item')::uuid, v.person_id, 'bijlage.txt', 'text/plain',
       dcpf.encrypt(convert_to(v.value, 'UTF8'), 'portfolio_attachment', 'content', v.row_id, v.person_id)
  FROM plain_value v WHERE v.view = 'portfolio_attachment_decrypted';
DO $$
DECLARE a record;
BEGIN
    FOR a IN SELECT * FROM actor ORDER BY tag, role_code LOOP
        PERFORM dcpf.act_as(a.person_id, a.licensee_id, a.role_code, 'matrix setup');
        INSERT INTO plain_value
        SELECT 'item_comment_decrypted', dcpf.comment_item(md5(a.person_id || 'item')::uuid, x.body), a.person_id, a.licensee_id, x.body
          FROM (SELECT 'Opmerking van ' || a.role_code || ' ' || a.tag AS body) x;
    END LOOP;
    PERFORM dcpf.clear_identity();
END $$;

-- each licensee registered a purpose of its own; every actor consented to
-- marketing and to the purpose of their licensee
INSERT INTO dcpf.purpose (code, licensee_id, name_nl, name_en, description, legal_basis, data_categories, subject_categories,
                          retention, security_measures, requires_consent)
SELECT 'mx_news_' || lower(l.tag), l.id, 'Nieuws ' || l.tag, 'News ' || l.tag, 'The matrix newsletter of licensee ' || l.tag,
       'consent', '{name}', '{employees}', 'Until withdrawn.', 'As the platform.', true
  FROM lic l;
DO $$
DECLARE a record;
BEGIN
    FOR a IN SELECT * FROM actor ORDER BY tag, role_code LOOP
        PERFORM dcpf.act_as(a.person_id, a.licensee_id, a.role_code, 'matrix setup');
        PERFORM dcpf.give_consent('marketing'), dcpf.give_consent('mx_news_' || lower(a.tag));
    END LOOP;
    PERFORM dcpf.clear_identity();
END $$;
-- every actor consented to analytics cookies and visited a page, recorded
-- with their person; and a visitor not logged in, without one
DO $$
DECLARE a record;
BEGIN
    FOR a IN SELECT * FROM actor ORDER BY tag, role_code LOOP
        PERFORM dcpf.act_as(a.person_id, a.licensee_id, a.role_code, 'matrix setup');
        PERFORM dcpf.give_consent('analytics_cookies');
        PERFORM dcpf.record_visit('192.0.2.17', 'curl/8.4.0', '/matrix', now(), a.person_id);
    END LOOP;
    PERFORM dcpf.clear_identity();
    PERFORM dcpf.record_visit('192.0.2.18', 'curl/8.4.0', '/matrix');
END $$;

-- every actor filed a request to their licensee
DO $$
DECLARE a record;
BEGIN
    FOR a IN SELECT * FROM actor ORDER BY tag, role_code LOOP
        PERFORM dcpf.act_as(a.person_id, a.licensee_id, a.role_code, 'matrix setup');
        PERFORM dcpf.submit_subject_request('access', 'Matrix request of ' || a.role_code || ' ' || a.tag);
    END LOOP;
    PERFORM dcpf.clear_identity();
END $$;
-- each licensee holds the data of its professional (a legal hold), and
-- keeps the tombstone of a former member erased on a request
INSERT INTO dcpf.legal_hold (licensee_id, person_id, reason, placed_by)
SELECT a.licensee_id, a.person_id, 'Matrix hold on ' || a.tag, a.person_id FROM actor a WHERE a.role_code = 'professional';
INSERT INTO dcpf.erasure (pseudonym, request_id, licensee_id, erased_by, key_shredded_at)
SELECT r.person_id, r.id, r.licensee_id, r.person_id, now()
  FROM dcpf.subject_request r WHERE r.details LIKE 'Matrix request of professional %';
-- each licensee keeps closed requests for a term of its own; the purge
-- job ran once
INSERT INTO dcpf.retention_policy (licensee_id, category, clock_event, term, action)
SELECT l.id, 'subject_requests', 'request_closed', '6 years', 'delete' FROM lic l;
INSERT INTO dcpf.job_run (job, status, finished_at) VALUES ('retention', 'completed', now());

-- the platform's security officer (acting in A) recorded a breach
-- concerning each licensee, which affected its professional, with an
-- update; and registered a subprocessor
INSERT INTO dcpf.breach (id, title, discovered_at, recorded_by, nature, breach_types, data_categories, subject_categories,
                         likely_consequences, risk)
SELECT md5(l.id || 'breach')::uuid, 'Matrix breach ' || l.tag, now() - interval '1 hour',
       (SELECT person_id FROM actor WHERE tag = 'A' AND role_code = 'platform_security'),
       'A matrix breach of licensee ' || l.tag, '{confidentiality}', '{name}', '{users}', 'Names may have been read.', 'risk'
  FROM lic l;
INSERT INTO dcpf.breach_controller (breach_id, licensee_id, due_at) SELECT md5(l.id || 'breach')::uuid, l.id, now() FROM lic l;
INSERT INTO dcpf.breach_subject (breach_id, person_id, objects, actions, events, first_at, last_at)
SELECT md5(a.licensee_id || 'breach')::uuid, a.person_id, ARRAY['person/' || a.person_id], '{read}', 1, now(), now()
  FROM actor a WHERE a.role_code = 'professional';
INSERT INTO dcpf.breach_update (breach_id, added_by, information)
SELECT md5(l.id || 'breach')::uuid, (SELECT person_id FROM actor WHERE tag = 'A' AND role_code = 'platform_security'),
       'Matrix update ' || l.tag
  FROM lic l;
INSERT INTO dcpf.subprocessor (name, service, data_categories, processing_location, country, agreement_reference,
                               agreement_signed_on, valid_from)
VALUES ('Matrix Hosting B.V.', 'Hosting of the matrix', '{all data}', 'Enschede', 'NL', 'MX-VWO-1', '2020-01-01', '2020-01-01');
-- every actor was deactivated once and reactivated (a lifted row each: the
-- matrix reads and writes the table while nobody is frozen)
INSERT INTO dcpf.processing_restriction (person_id, kind, licensee_id, reason, lifted_at, lifted_by, lift_reason)
SELECT a.person_id, 'deactivation', a.licensee_id, 'Matrix deactivation', now(), a.person_id, 'Matrix reactivation' FROM actor a;

-- each actor completed their item with an addendum (written here directly:
-- the items are drafts), and each request was recorded as carried out by
-- the privacy officer of its licensee
INSERT INTO plain_value
SELECT 'item_addendum_decrypted', md5(a.person_id || 'addendum')::uuid, a.person_id, a.licensee_id,
       'Aanvulling van ' || a.role_code || ' ' || a.tag
  FROM actor a;
INSERT INTO dcpf.item_addendum (id, item_id, owner_id, author_id, body_encrypted)
SELECT v.row_id, md5(v.person_id || 'item')::uuid, v.person_id, v.person_id,
       dcpf.encrypt(v.value, 'item_addendum', 'body', v.row_id, v.person_id)
  FROM plain_value v WHERE v.view = 'item_addendum_decrypted';
INSERT INTO dcpf.rectification (request_id, person_id, licensee_id, fields, made_by, notices_queued)
SELECT r.id, r.person_id, r.licensee_id, '{surname}',
       (SELECT o.person_id FROM actor o WHERE o.licensee_id = r.licensee_id AND o.role_code = 'privacy_officer'), 0
  FROM dcpf.subject_request r JOIN actor a ON a.person_id = r.person_id;

-- the professional of each licensee, acting alone, also made a request to
-- the platform (no licensee), on which the platform's security officer of A
-- recorded a rectification, a lifted deactivation and a tombstone (of
-- someone erased before: a pseudonym of its own); the probes above count
-- rows per licensee, so these are checked apart, below
DO $$
DECLARE a record;
BEGIN
    FOR a IN SELECT * FROM actor WHERE role_code = 'professional' ORDER BY tag LOOP
        PERFORM dcpf.act_as(a.person_id, NULL, NULL, 'matrix setup');
        PERFORM dcpf.submit_subject_request('erasure', 'Matrix platform request of ' || a.tag);
    END LOOP;
    PERFORM dcpf.clear_identity();
END $$;
CREATE TEMP TABLE platform_request AS
SELECT r.id AS request_id, r.person_id, a.tag,
       (SELECT o.id FROM dcpf.subject_request o WHERE o.person_id = r.person_id AND o.licensee_id = a.licensee_id) AS licensee_request_id
  FROM dcpf.subject_request r JOIN actor a ON a.person_id = r.person_id
 WHERE r.licensee_id IS NULL;
INSERT INTO dcpf.rectification (request_id, person_id, licensee_id, fields, made_by, notices_queued)
SELECT p.request_id, p.person_id, NULL, '{surname}', (SELECT person_id FROM actor WHERE tag = 'A' AND role_code = 'platform_security'), 0
  FROM platform_request p;
INSERT INTO dcpf.processing_restriction (person_id, kind, licensee_id, reason, started_by, lifted_at, lifted_by, lift_reason)
SELECT p.person_id, 'deactivation', NULL, 'Matrix platform deactivation', (SELECT person_id FROM actor WHERE tag = 'A' AND role_code = 'platform_security'),
       now(), (SELECT person_id FROM actor WHERE tag = 'A' AND role_code = 'platform_security'), 'Matrix platform reactivation'
  FROM platform_request p;
INSERT INTO dcpf.erasure (pseudonym, request_id, licensee_id, erased_by, key_shredded_at)
SELECT md5(p.person_id || 'platform erasure')::uuid, p.request_id, NULL,
       (SELECT person_id FROM actor WHERE tag = 'A' AND role_code = 'platform_security'), now()
  FROM platform_request p;

-- a person in A holding every role without having accepted any EURA
CREATE TEMP TABLE no_eura AS SELECT '00000000-0000-4000-8000-0000000e0e01'::uuid AS person_id, 'sub-no-eura' AS subject;
INSERT INTO dcpf.person (id, email, surname, initials, big_number_encrypted)
SELECT person_id, 'no.eura@matrix.example', 'Zonder', 'Z.',
       dcpf.encrypt((SELECT big FROM bigs ORDER BY i DESC LIMIT 1), 'person', 'big_number', person_id, person_id) FROM no_eura;
INSERT INTO plain_value
SELECT 'person_decrypted', person_id, person_id, (SELECT id FROM lic WHERE tag = 'A'), (SELECT big FROM bigs ORDER BY i DESC LIMIT 1)
  FROM no_eura;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from, valid_until)
SELECT n.person_id, l.id, r.code,
       CASE WHEN r.code = 'platform_support' THEN now() - interval '1 day' ELSE '2024-01-01' END,
       CASE WHEN r.code = 'platform_support' THEN now() + interval '20 days' END
  FROM no_eura n CROSS JOIN dcpf.role r JOIN lic l ON l.tag = 'A';
-- each actor asked the person without EURA (in A) for a KPB, which was
-- assessed; and has a second assessment item, a draft, for the probes
INSERT INTO plain_value
SELECT 'assessment_decrypted', md5(a.person_id || 'kpb')::uuid, a.person_id, a.licensee_id, 'Sterk: overdracht ' || a.role_code || ' ' || a.tag
  FROM actor a;
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
SELECT v.row_id, v.person_id, m.id, 'assessment', 'Matrix KPB'
  FROM plain_value v JOIN dcpf.membership m ON m.person_id = v.person_id AND m.licensee_id = v.licensee_id
 WHERE v.view = 'assessment_decrypted'
UNION ALL
SELECT md5(a.person_id || 'kpb2')::uuid, a.person_id, NULL, 'assessment', 'Matrix KPB 2' FROM actor a;
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id)
SELECT row_id, 'kpb', '00000000-0000-4000-8000-0000000e0e01' FROM plain_value WHERE view = 'assessment_decrypted';
UPDATE dcpf.portfolio_item SET status = 'submitted', submitted_at = now()
 WHERE id IN (SELECT row_id FROM plain_value WHERE view = 'assessment_decrypted');
UPDATE dcpf.assessment x SET entrustment_level = 3, assessed_at = now(),
       strengths_encrypted = dcpf.encrypt(v.value, 'assessment', 'strengths', v.row_id, v.person_id)
  FROM plain_value v WHERE v.view = 'assessment_decrypted' AND v.row_id = x.item_id;
-- each actor asked the person without EURA for feedback (a submitted item
-- with its request and message), recorded a conversation with a director or
-- supervisor of their licensee (a draft with agreements), asked that person
-- for a competency declaration (a draft), and runs a multisource feedback
-- round with one invitation and one response; plus drafts without their
-- subtype rows (conv2, decl2) for the INSERT probes; and was sent a notice
CREATE TEMP TABLE counterpart AS
SELECT a.person_id, (SELECT c.person_id FROM actor c WHERE c.licensee_id = a.licensee_id AND c.role_code IN ('trainer', 'supervisor')
                       AND c.person_id <> a.person_id ORDER BY c.role_code DESC LIMIT 1) AS counterpart_id
  FROM actor a;
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
SELECT md5(a.person_id || k.tag)::uuid, a.person_id, m.id, k.item_type, 'Matrix ' || k.tag
  FROM actor a JOIN dcpf.membership m ON m.person_id = a.person_id AND m.licensee_id = a.licensee_id
 CROSS JOIN (VALUES ('fb', 'feedback'), ('conv', 'conversation'), ('conv2', 'conversation'),
                    ('decl', 'competency_declaration'), ('decl2', 'competency_declaration'), ('msf', 'feedback')) k(tag, item_type);
INSERT INTO plain_value
SELECT 'feedback_request_decrypted', md5(a.person_id || 'fbreq')::uuid, a.person_id, a.licensee_id, 'Graag feedback ' || a.role_code || ' ' || a.tag
  FROM actor a;
INSERT INTO dcpf.feedback_request (id, item_id, owner_id, giver_person_id, message_encrypted, expires_at)
SELECT v.row_id, md5(v.person_id || 'fb')::uuid, v.person_id, '00000000-0000-4000-8000-0000000e0e01',
       dcpf.encrypt(v.value, 'feedback_request', 'message', v.row_id, v.person_id), now() + interval '7 days'
  FROM plain_value v WHERE v.view = 'feedback_request_decrypted';
UPDATE dcpf.portfolio_item SET status = 'submitted', submitted_at = now()
 WHERE id IN (SELECT md5(person_id || 'fb')::uuid FROM actor);
INSERT INTO plain_value
SELECT 'conversation_decrypted', md5(a.person_id || 'conv')::uuid, a.person_id, a.licensee_id, 'Afspraken ' || a.role_code || ' ' || a.tag
  FROM actor a;
INSERT INTO dcpf.conversation (item_id, owner_id, kind, counterpart_id, agreements_encrypted)
SELECT v.row_id, v.person_id, 'progress', c.counterpart_id,
       dcpf.encrypt(v.value, 'conversation', 'agreements', v.row_id, v.person_id)
  FROM plain_value v JOIN counterpart c USING (person_id) WHERE v.view = 'conversation_decrypted';
INSERT INTO dcpf.competency_declaration (item_id, owner_id, scope, issuer_id)
SELECT md5(a.person_id || 'decl')::uuid, a.person_id, 'Matrix scope ' || a.tag, c.counterpart_id
  FROM actor a JOIN counterpart c USING (person_id);
INSERT INTO dcpf.msf_round (id, item_id, owner_id, licensee_id, questions, closes_at)
SELECT md5(a.person_id || 'round')::uuid, md5(a.person_id || 'msf')::uuid, a.person_id, a.licensee_id, '{Samenwerking}', now() + interval '7 days'
  FROM actor a;
INSERT INTO dcpf.msf_respondent (round_id, owner_id, person_id, respondent_role, responded)
SELECT md5(a.person_id || 'round')::uuid, a.person_id, '00000000-0000-4000-8000-0000000e0e01', 'nurse', true FROM actor a;
INSERT INTO dcpf.msf_response (round_id, owner_id, respondent_role, scores)
SELECT md5(a.person_id || 'round')::uuid, a.person_id, 'nurse', '{4}' FROM actor a;
INSERT INTO dcpf.notice (kind, recipient_person_id, subject_id, payload)
SELECT 'feedback_given', a.person_id, a.person_id, '{}' FROM actor a;
-- each actor had a portfolio handed over once, by a licensee of their own
-- name, with what an item referred to (a programme) kept by name
INSERT INTO dcpf.handover (id, person_id, licensee_id, licensee_name, licence_ended_at, items, requests_withdrawn, shares_ended)
SELECT md5(a.person_id || 'handover')::uuid, a.person_id, a.licensee_id, 'Matrix Licensee ' || a.tag, now() - interval '1 day', 1, 0, 0
  FROM actor a;
INSERT INTO dcpf.handover_reference (handover_id, owner_id, table_name, row_id, column_name, referred_id, code, name)
SELECT md5(a.person_id || 'handover')::uuid, a.person_id, 'portfolio_item', md5(a.person_id || 'item')::uuid, 'programme_id',
       md5(a.licensee_id || 'programme')::uuid, 'MX', 'Matrix programme ' || a.tag
  FROM actor a;

-- where each person belongs (for the matrix's scope), readable by the test roles
CREATE TEMP TABLE person_home AS
SELECT person_id, licensee_id FROM actor
UNION ALL SELECT person_id, (SELECT id FROM lic WHERE tag = 'A') FROM no_eura;

-- test-only keys (never use outside tests): issuer A has an EC P-256 key, an
-- HMAC key and an old HMAC key that gets retired; issuer B its own HMAC key;
-- "other" keys of the same types are never registered.
CREATE TEMP TABLE k (name text PRIMARY KEY, jwk jsonb NOT NULL);
INSERT INTO k VALUES
    ('ec_private', '{"kty":"EC","kid":"a-ec-1","crv":"P-256","x":"pD1ZIRsBmrjym9WsM601kFW0zg_5b4g98anDoDOAH_U","y":"mxCZts_Gji1fyUNKiF5mlaW_kEQA3hkr9UEJ6vNi1EQ","d":"6yYXJot7D7OnCViKBUiB9duFvI188Mp_EQUTE99q-SQ"}'),
    ('ec_public', '{"kty":"EC","kid":"a-ec-1","crv":"P-256","x":"pD1ZIRsBmrjym9WsM601kFW0zg_5b4g98anDoDOAH_U","y":"mxCZts_Gji1fyUNKiF5mlaW_kEQA3hkr9UEJ6vNi1EQ"}'),
    ('ec_other', '{"kty":"EC","kid":"a-ec-other","crv":"P-256","x":"vaU6FH0IPaydExTspBVKXw0M-oqv_3GXx4LbHeHOAuk","y":"mwOBNzX4H92BE-2AInfQQVBJowOZ3I4cnfOKaMTQUrg","d":"c2CfpjpQtVEOaOPD2vbnzWD9Go3hiZK5yaWHhsLnhEk"}'),
    ('hs_a', '{"kty":"oct","kid":"a-hs-1","alg":"HS256","k":"dGVzdC1vbmx5LWhtYWMta2V5LWZvci1kY3BmLXRlc3RzIQ"}'),
    ('hs_a_old', '{"kty":"oct","kid":"a-hs-old","alg":"HS256","k":"dGVzdC1vbmx5LW9sZC1obWFjLWtleS1mb3ItZGNwZi1tYXRyaXg"}'),
    -- same kid as the registered HMAC key, another secret
    ('hs_a_other', '{"kty":"oct","kid":"a-hs-1","alg":"HS256","k":"dGVzdC1vbmx5LWZvcmdlZC1obWFjLWtleS1ub3QtcmVnaXN0ZXJlZA"}'),
    ('hs_b', '{"kty":"oct","kid":"b-hs-1","alg":"HS256","k":"dGVzdC1vbmx5LWhtYWMta2V5LWZvci1saWNlbnNlZS1iLW1hdHJpeA"}');
DO $$ BEGIN
PERFORM dcpf.register_issuer('https://sso.a.example',
           jsonb_build_object('keys', jsonb_build_array((SELECT jwk FROM k WHERE name = 'ec_public'),
                                                        (SELECT jwk FROM k WHERE name = 'hs_a'),
                                                        (SELECT jwk FROM k WHERE name = 'hs_a_old'))),
           '{dcpf}', (SELECT id FROM lic WHERE tag = 'A'), '{portfolio-web}', '60 seconds', '1 hour');
PERFORM dcpf.retire_issuer_key('https://sso.a.example', 'a-hs-old');
PERFORM dcpf.register_issuer('https://sso.b.example', jsonb_build_object('keys', jsonb_build_array((SELECT jwk FROM k WHERE name = 'hs_b'))),
           '{dcpf}', (SELECT id FROM lic WHERE tag = 'B'), '{portfolio-web}', '60 seconds', '1 hour');
PERFORM dcpf.link_identity(person_id, issuer, subject) FROM actor;
PERFORM dcpf.link_identity(person_id, 'https://sso.a.example', subject) FROM no_eura;
END $$;
CREATE TEMP TABLE issuer_home AS SELECT issuer, id AS licensee_id FROM lic;

CREATE FUNCTION pg_temp.b64url(value text) RETURNS text LANGUAGE sql IMMUTABLE
RETURN translate(rtrim(encode(convert_to(value, 'UTF8'), 'base64'), '='), E'+/\n', '-_');
-- (valid for 30 minutes: the tokens are made here and used at the end, which
-- under valgrind comes more than 5 minutes later)
CREATE FUNCTION pg_temp.claims(a actor, extra jsonb DEFAULT '{}') RETURNS jsonb LANGUAGE sql VOLATILE
RETURN jsonb_build_object('iss', a.issuer, 'sub', a.subject, 'aud', 'dcpf', 'azp', 'portfolio-web',
                          'iat', floor(extract(epoch FROM now())), 'exp', floor(extract(epoch FROM now())) + 1800,
                          'dcpf_licensee', a.licensee_id, 'dcpf_role', a.role_code) || extra;
CREATE FUNCTION pg_temp.key(name text) RETURNS jsonb LANGUAGE sql STABLE RETURN (SELECT jwk FROM k WHERE k.name = key.name);

-- every actor authenticates once (so authentication_event has rows of both licensees)
DO $$ BEGIN
PERFORM dcpf.authenticate(dcpf.jws_sign(pg_temp.claims(a), pg_temp.key(CASE a.tag WHEN 'A' THEN 'ec_private' ELSE 'hs_b' END),
                                        CASE a.tag WHEN 'A' THEN 'ES256' ELSE 'HS256' END))
   FROM actor a;
PERFORM dcpf.clear_identity();
-- and every actor has been assumed once (identity_assumption has rows of both)
PERFORM dcpf.act_as(person_id, licensee_id, role_code, 'matrix setup') FROM actor;
PERFORM dcpf.clear_identity();
END $$;

-- ---------------------------------------------------------------------------
-- The expectation table (doc/reference/access.md). scope_expr: the licensee a
-- row belongs to (NULL: a catalogue or a key table, not per licensee);
-- person_expr: whose row it is. Rules per op and role ('*' = every other
-- role): denied (42501), none (0 rows), self (the actor's rows), all (every row
-- of the scope), visible (the rows of the scope matching the table's
-- visible_expr for the actor), allowed (an INSERT passes privileges and
-- policy; a unique key may then conflict, 23505).
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE table_expectation (
    tbl text PRIMARY KEY, scope_expr text, person_expr text, update_col text, insert_sql text,
    visible_expr text);     -- for rule 'visible': which rows the actor ({actor}, {lic}, {role}) sees
INSERT INTO table_expectation VALUES
 ('role', NULL, NULL, 'name_en', $$INSERT INTO dcpf.role (code, name_nl, name_en, description) VALUES ('hacker', 'Hacker', 'Hacker', 'x')$$),
 ('product', NULL, NULL, 'name', $$INSERT INTO dcpf.product (code, name) VALUES ('evil', 'Evil product')$$),
 ('role_agreement', NULL, NULL, 'title', $$INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from) VALUES ('{product}', 'professional', 99, 'Fake', 'Ik accepteer alles wat er staat.', now())$$),
 ('policy_document', NULL, NULL, 'title', $$INSERT INTO dcpf.policy_document (kind, version, title, body, effective_from, material_change) VALUES ('terms_of_use', '9.9', 'Fake', 'Ik accepteer alles wat er staat.', now(), false)$$),
 ('licensee', 't.id', NULL, 'name', $$INSERT INTO dcpf.licensee (name, kind) VALUES ('Evil licensee', 'other')$$),
 ('billing_profile', 't.licensee_id', NULL, 'contact_name', $$INSERT INTO dcpf.billing_profile (licensee_id, address_line1, postcode, city, contact_name, contact_email, payment_method) VALUES ('{lic}', 'Postbus 9', '7500 AA', 'Enschede', 'Evil', 'evil@billing.example', 'invoice')$$),
 ('licence', 't.licensee_id', NULL, 'seats', $$INSERT INTO dcpf.licence (licensee_id, product_id, starts_on) VALUES ('{lic}', '{product}', '2020-01-01')$$),
 ('person', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.id)', 't.id', 'job_title',
  $$INSERT INTO dcpf.person (email, surname, initials, created_by, created_for_licensee) VALUES ('matrix.new@example.nl', 'Nieuw', 'N.', '{actor}', '{lic}')$$),
 ('person_phone', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'kind',
  $$INSERT INTO dcpf.person_phone (id, person_id, kind, number_encrypted)
    SELECT n, '{self}', 'work', dcpf.encrypt('+31699999999', 'person_phone', 'number', n, '{self}') FROM gen_random_uuid() n$$),
 ('person_address', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'country',
  $$INSERT INTO dcpf.person_address (id, person_id, kind, address_encrypted)
    SELECT n, '{self}', 'postal', dcpf.encrypt(('{"street": "Postbus", "house_number": 1, "house_number_suffix": null, "postcode": "7500 AA", "city": "Enschede"}'::jsonb)::text, 'person_address', 'address', n, '{self}')
      FROM gen_random_uuid() n$$),
 ('person_preference', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'language',
  $$INSERT INTO dcpf.person_preference (person_id) VALUES ('{self}')$$),
 ('membership', 't.licensee_id', 't.person_id', 'valid_until',
  $$INSERT INTO dcpf.membership (person_id, licensee_id, role_code, created_by) VALUES ('{prof}', '{lic}', 'assessor', '{actor}')$$),
 ('role_agreement_acceptance', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'method',
  $$INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method) VALUES ('{agreement}', '{self}', 'click_through')$$),
 ('policy_acknowledgement', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'method',
  $$INSERT INTO dcpf.policy_acknowledgement (document_id, person_id, method) VALUES ('{doc}', '{self}', 'click_through')$$),
 ('audit_action', NULL, NULL, 'description', $$INSERT INTO dcpf.audit_action (code, description) VALUES ('forged', 'a forged action')$$),
 ('audit_seal', NULL, NULL, 'sealed_at',
  $$INSERT INTO dcpf.audit_seal (seal_no, sealed_at, high_id, key_fingerprint, statement, signature, row_digests) VALUES (999, now(), 1, 'x', '{}', decode(repeat('00', 64), 'hex'), '')$$),
 ('audit_node_key', NULL, NULL, 'retired_at',
  $$INSERT INTO dcpf.audit_node_key (key_fingerprint, node_name, public_key) VALUES (repeat('ab', 32), 'forged', 'x')$$),
 ('audit_node_head', NULL, NULL, 'recorded_at',
  $$INSERT INTO dcpf.audit_node_head (node_name, seal_no, sealed_at, chain, statement, signature) VALUES ('forged', 1, now(), repeat('ab', 32), '{}', decode(repeat('00', 64), 'hex'))$$),
 ('audit_dropped_partition', NULL, NULL, 'events',
  $$INSERT INTO dcpf.audit_dropped_partition (month, partition_name, events, event_ids, dropped_at, database_role, effective_role, statement, signature, boundary_digests) VALUES ('2000-01-01', 'audit_event_2000_01', 0, '{}', now(), 'x', 'x', '{}', decode(repeat('00', 64), 'hex'), '')$$),
 ('audit_event', NULL, NULL, 'action',
  $$INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, database_role, effective_role) VALUES (1, now(), '1', 'read', 'success', 'x', 'x')$$),
 ('identity_assumption', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'reason',
  $$INSERT INTO dcpf.identity_assumption (database_role, person_id, licensee_id, role_code, reason, session_scope) VALUES ('x', '{self}', '{lic}', 'licensee_admin', 'forged', false)$$),
 ('identity_issuer', 't.licensee_id', NULL, 'status',
  $$INSERT INTO dcpf.identity_issuer (issuer, audiences, licensee_id) VALUES ('https://evil.example', '{dcpf}', '{lic}')$$),
 ('issuer_key', '(SELECT h.licensee_id FROM pg_temp.issuer_home h WHERE h.issuer = t.issuer)', NULL, 'status',
  $$INSERT INTO dcpf.issuer_key (issuer, kid, kty, thumbprint, jwk) VALUES ('{issuer}', 'evil', 'oct', 'x', '{"kty":"oct","k":"ZXZpbC1ldmlsLWV2aWwtZXZpbC1ldmlsLWV2aWwtZXZpbC1ldmls"}')$$),
 ('identity_link', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'subject',
  $$INSERT INTO dcpf.identity_link (issuer, subject, person_id) VALUES ('{issuer}', 'evil-subject', '{self}')$$),
 ('authentication_event', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'subject',
  $$INSERT INTO dcpf.authentication_event (issuer, subject, person_id, token_sha256) VALUES ('{issuer}', 'forged', '{self}', '\x00')$$),
 ('person_credential', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'password_phc',
  $$INSERT INTO dcpf.person_credential (person_id) VALUES ('{self}')$$),
 ('login_attempt', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'outcome',
  $$INSERT INTO dcpf.login_attempt (person_id, email_sha256, outcome) VALUES ('{self}', sha256('forged'), 'success')$$),
 -- the key tables: a data key belongs to a person (scope: their licensee) or to a licensee
 ('data_key', 'coalesce((SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.subject_id), t.subject_id)', 't.subject_id', 'wrapped',
  $$INSERT INTO dcpf.data_key (id, subject_id, wrapped, shredded_at, shred_reason) VALUES (gen_random_uuid(), '{self}', NULL, now(), 'forged shredding')$$),
 ('master_key_generation', NULL, NULL, 'retired_at',
  $$INSERT INTO dcpf.master_key_generation (generation, check_value) VALUES (99, '\x00000000000000000000000000000000')$$),
 ('key_rotation_run', NULL, NULL, 'status',
  $$INSERT INTO dcpf.key_rotation_run (target_generation, keys_total) VALUES (99, 0)$$),
 ('blind_index_key', NULL, NULL, 'check_value',
  $$INSERT INTO dcpf.blind_index_key (singleton, check_value) VALUES (true, '\x00000000000000000000000000000000')$$),
 -- the curriculum (the platform's CanMEDS rows have no licensee: not in a scope)
 ('entrustment_scale', NULL, NULL, 'name_en',
  $$INSERT INTO dcpf.entrustment_scale (level, name_nl, name_en, description) VALUES (5, 'Vervalst', 'Forged', 'x')$$),
 ('programme_role', NULL, NULL, 'name_en',
  $$INSERT INTO dcpf.programme_role (code, name_nl, name_en, membership_roles, description) VALUES ('forged', 'x', 'x', '{professional}', 'x')$$),
 ('competency', 't.licensee_id', NULL, 'name_en',
  $$INSERT INTO dcpf.competency (licensee_id, code, parent_id, name_nl, name_en) VALUES ('{lic}', 'forged', '00000000-0000-4000-8000-00000000c301', 'Vervalst', 'Forged')$$),
 ('programme', 't.licensee_id', NULL, 'name',
  $$INSERT INTO dcpf.programme (licensee_id, code, name, kind, created_by) VALUES ('{lic}', 'FORGED', 'Forged programme', 'track', '{actor}')$$),
 ('programme_member', 't.licensee_id', 't.person_id', 'valid_until',
  $$INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, created_by) VALUES (md5('{lic}' || 'programme')::uuid, '{lic}', '{prof}', 'trainee', '{actor}')$$),
 ('epa', 't.licensee_id', NULL, 'title',
  $$INSERT INTO dcpf.epa (programme_id, licensee_id, code, title, target_level, created_by) VALUES (md5('{lic}' || 'programme')::uuid, '{lic}', 'EPA-X', 'Forged EPA', 3, '{actor}')$$),
 ('epa_competency', '(SELECT h.licensee_id FROM pg_temp.epa_home h WHERE h.epa_id = t.epa_id)', NULL, 'competency_id',
  $$INSERT INTO dcpf.epa_competency (epa_id, competency_id) VALUES (md5('{lic}' || 'epa')::uuid, '00000000-0000-4000-8000-00000000c307')$$),
 -- the portfolio: the owner's own
 ('portfolio_item', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'title',
  $$INSERT INTO dcpf.portfolio_item (owner_id, item_type, title) VALUES ('{self}', 'reflection', 'Matrix probe')$$),
 ('portfolio_item_competency', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'created_at',
  $$INSERT INTO dcpf.portfolio_item_competency (item_id, competency_id, owner_id) VALUES (md5('{self}' || 'item')::uuid, '00000000-0000-4000-8000-00000000c302', '{self}')$$),
 ('portfolio_item_epa', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'created_at',
  $$INSERT INTO dcpf.portfolio_item_epa (item_id, epa_id, owner_id) VALUES (md5('{self}' || 'item')::uuid, md5('{lic}' || 'epa')::uuid, '{self}')$$),
 -- sharing: collections are the owner's; a share is seen by its owner and
 -- its grantee (a person, or staff acting in the role of its licensee);
 -- the register by the person whose data went out
 ('portfolio_collection', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'name',
  $$INSERT INTO dcpf.portfolio_collection (owner_id, name) VALUES ('{self}', 'Matrix probe collection')$$),
 ('portfolio_collection_item', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'added_at',
  $$INSERT INTO dcpf.portfolio_collection_item (collection_id, item_id, owner_id) VALUES (md5('{self}' || 'collection')::uuid, md5('{self}' || 'item')::uuid, '{self}')$$),
 ('assessment', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'instrument',
  $$INSERT INTO dcpf.assessment (item_id, instrument, assessor_id) VALUES (md5('{self}' || 'kpb2')::uuid, 'cbd', '00000000-0000-4000-8000-0000000e0e01')$$),
 ('entrustment_decision', 't.licensee_id', 't.owner_id', 'level',
  $$INSERT INTO dcpf.entrustment_decision (owner_id, licensee_id, programme_id, epa_id, level, decided_on) VALUES ('{self}', '{lic}', md5('{lic}' || 'programme')::uuid, md5('{lic}' || 'epa')::uuid, 5, current_date)$$),
 ('disclosure', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.subject_id)', 't.subject_id', 'what',
  $$INSERT INTO dcpf.disclosure (subject_id, kind, recipient_description, what) VALUES ('{self}', 'share', 'forged', 'forged')$$),
 -- the portfolio's subtypes and requests: the owner's own; others reach
 -- them only through the functions (the respondents' answers: nobody)
 ('feedback_request', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'expires_at',
  $$INSERT INTO dcpf.feedback_request (item_id, owner_id, giver_person_id, expires_at) VALUES (md5('{self}' || 'fb')::uuid, '{self}', '{prof}', now() + interval '1 day')$$),
 ('conversation', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'next_date',
  $$INSERT INTO dcpf.conversation (item_id, owner_id, kind, counterpart_id) SELECT md5('{self}' || 'conv2')::uuid, '{self}', 'intake', c.counterpart_id FROM pg_temp.counterpart c WHERE c.person_id = '{self}'$$),
 ('competency_declaration', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'scope',
  $$INSERT INTO dcpf.competency_declaration (item_id, owner_id, scope, issuer_id) SELECT md5('{self}' || 'decl2')::uuid, '{self}', 'Matrix probe scope', c.counterpart_id FROM pg_temp.counterpart c WHERE c.person_id = '{self}'$$),
 ('msf_round', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'closes_at',
  $$INSERT INTO dcpf.msf_round (item_id, owner_id, questions, closes_at) VALUES (md5('{self}' || 'fb')::uuid, '{self}', '{Forged}', now() + interval '1 day')$$),
 ('msf_respondent', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'respondent_role',
  $$INSERT INTO dcpf.msf_respondent (round_id, owner_id, person_id, respondent_role) VALUES (md5('{self}' || 'round')::uuid, '{self}', '{prof}', 'nurse')$$),
 ('msf_response', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'scores',
  $$INSERT INTO dcpf.msf_response (round_id, owner_id, respondent_role, scores) VALUES (md5('{self}' || 'round')::uuid, '{self}', 'nurse', '{1}')$$),
 ('notice', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.recipient_person_id)', 't.recipient_person_id', 'sent_at',
  $$INSERT INTO dcpf.notice (kind, recipient_person_id, subject_id) VALUES ('feedback_given', '{self}', '{self}')$$),
 -- attachments and comments: the owner's, written only through their functions;
 -- the media types accepted for attachments: a catalogue
 ('attachment_media_type', NULL, NULL, 'description',
  $$INSERT INTO dcpf.attachment_media_type (media_type, description, magic) VALUES ('application/x-forged', 'Forged', '\x00')$$),
 ('portfolio_attachment', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'file_name',
  $$INSERT INTO dcpf.portfolio_attachment (id, item_id, owner_id, file_name, media_type, content_encrypted)
    SELECT n, md5('{self}' || 'item')::uuid, '{self}', 'probe.txt', 'text/plain',
           dcpf.encrypt('\x41'::bytea, 'portfolio_attachment', 'content', n, '{self}') FROM gen_random_uuid() n$$),
 ('item_comment', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'withdrawn_at',
  $$INSERT INTO dcpf.item_comment (id, item_id, owner_id, body_encrypted)
    SELECT n, md5('{self}' || 'item')::uuid, '{self}', dcpf.encrypt('Matrix probe', 'item_comment', 'body', n, '{self}') FROM gen_random_uuid() n$$);
INSERT INTO table_expectation VALUES
 ('share', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'revoked_at',
  $$INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_licensee_id, grantee_role, permission) VALUES ('{self}', 'item', md5('{self}' || 'item')::uuid, '{lic}', 'assessor', 'read')$$,
  $$(t.owner_id = {actor} OR t.grantee_person_id = {actor} OR (t.grantee_licensee_id = {lic} AND t.grantee_role = {role}))$$);

-- purposes: the platform's for everyone, a licensee's own for its members,
-- registered by its admin; consent: the person's own, read by the
-- licensee's privacy officer (events and states) and admin (states),
-- written only by dcpf.give_consent and the other consent functions
INSERT INTO table_expectation VALUES
 ('purpose', 't.licensee_id', NULL, 'name_en',
  $$INSERT INTO dcpf.purpose (code, licensee_id, name_nl, name_en, description, legal_basis, data_categories, subject_categories, retention, security_measures, requires_consent) VALUES ('mx_forged', '{lic}', 'Vervalst', 'Forged', 'A forged purpose of the matrix.', 'consent', '{name}', '{users}', 'Forever.', 'None at all.', true)$$),
 ('consent_event', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'channel',
  $$INSERT INTO dcpf.consent_event (person_id, purpose_code, action, channel, receipt) VALUES ('{self}', 'surveys_events', 'given', 'web', '{}')$$),
 ('consent', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'state',
  $$INSERT INTO dcpf.consent (person_id, purpose_code, state, since, last_event_id) VALUES ('{self}', 'surveys_events', 'given', now(), gen_random_uuid())$$);

-- web visits: the person reads their own consented visits; nobody in the
-- application writes them (only dcpf.record_visit, for dcpf_service)
INSERT INTO table_expectation VALUES
 ('web_visit', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.person_id)', 't.person_id', 'page',
  $$INSERT INTO dcpf.web_visit (visited_at, network, device_type, browser_family, page, person_id, consented) VALUES (date_trunc('minute', now()), '192.0.0.0/16', 'bot', 'other', '/forged', '{self}', true)$$);
-- the personal-data registry: read by every identity, written by nobody;
-- legal holds and tombstones: the licensee's, read by its privacy officer,
-- written only by dcpf.place_legal_hold, dcpf.lift_legal_hold and dcpf.erase_person
INSERT INTO table_expectation VALUES
 ('personal_data_table', NULL, NULL, 'basis',
  $$INSERT INTO dcpf.personal_data_table (table_name, row_key, on_erasure, exported, basis) VALUES ('forged', 'id', 'none', false, 'forged entry')$$),
 ('personal_data_column', NULL, NULL, 'basis',
  $$INSERT INTO dcpf.personal_data_column (table_name, column_name, whose, category, on_erasure) VALUES ('role', 'description', 'subject', 'content', 'clear')$$),
 ('legal_hold', 't.licensee_id', 't.person_id', 'reason',
  $$INSERT INTO dcpf.legal_hold (licensee_id, person_id, reason, placed_by) VALUES ('{lic}', '{self}', 'Forged hold', '{actor}')$$),
 ('erasure', 't.licensee_id', 't.pseudonym', 'notices_queued',
  $$INSERT INTO dcpf.erasure (pseudonym, request_id, licensee_id, erased_by) SELECT '{self}', r.id, '{lic}', '{actor}' FROM dcpf.subject_request r LIMIT 1$$);
-- subject requests: the person's own, read by the privacy officer of the
-- licensee it was made to; written only by the dcpf.*_subject_request functions
INSERT INTO table_expectation VALUES
 ('subject_request', 't.licensee_id', 't.person_id', 'status',
  $$INSERT INTO dcpf.subject_request (person_id, licensee_id, kind, channel) VALUES ('{self}', '{lic}', 'erasure', 'web')$$);
-- restrictions and deactivations: the person's own, read by the privacy
-- officer of their controller; written only by dcpf's functions
INSERT INTO table_expectation VALUES
 ('processing_restriction', 't.licensee_id', 't.person_id', 'lift_reason',
  $$INSERT INTO dcpf.processing_restriction (person_id, kind, licensee_id, reason) VALUES ('{self}', 'deactivation', '{lic}', 'Forged deactivation')$$);

-- breaches and subprocessors are the platform's, not per licensee: the
-- platform's security officer reads them all (whichever licensee it acts
-- in); a privacy officer the breaches concerning their licensee, its
-- notice, the updates and the affected persons who are its members; the
-- person their own breach_subject row; nobody writes a breach directly.
-- The subprocessor register: read by admins and privacy officers, kept by
-- the security officer
INSERT INTO table_expectation VALUES
 ('breach', NULL, NULL, 'title',
  $$INSERT INTO dcpf.breach (title, discovered_at, recorded_by, nature, breach_types, data_categories, subject_categories, likely_consequences, risk) VALUES ('Forged breach', now(), '{actor}', 'A forged breach of the matrix.', '{integrity}', '{name}', '{users}', 'Nothing at all, it is forged.', 'unlikely')$$,
  $$EXISTS (SELECT FROM dcpf.breach_controller c WHERE c.breach_id = t.id AND c.licensee_id = {lic})$$),
 ('breach_controller', NULL, NULL, 'late_reason',
  $$INSERT INTO dcpf.breach_controller (breach_id, licensee_id, due_at) VALUES (md5('{lic}' || 'breach')::uuid, '00000000-0000-4000-8000-0000000e0e01', now())$$,
  $$t.licensee_id = {lic}$$),
 ('breach_subject', NULL, 't.person_id', 'events',
  $$INSERT INTO dcpf.breach_subject (breach_id, person_id, objects, actions, events, first_at, last_at) VALUES (md5('{lic}' || 'breach')::uuid, '{self}', '{forged}', '{read}', 1, now(), now())$$,
  $$(t.person_id = {actor}
     OR (EXISTS (SELECT FROM dcpf.breach_controller c WHERE c.breach_id = t.breach_id AND c.licensee_id = {lic})
         AND EXISTS (SELECT FROM dcpf.membership m WHERE m.person_id = t.person_id AND m.licensee_id = {lic})))$$),
 ('breach_update', NULL, NULL, 'information',
  $$INSERT INTO dcpf.breach_update (breach_id, added_by, information) VALUES (md5('{lic}' || 'breach')::uuid, '{actor}', 'A forged update.')$$,
  $$EXISTS (SELECT FROM dcpf.breach_controller c WHERE c.breach_id = t.breach_id AND c.licensee_id = {lic})$$),
 ('subprocessor', NULL, NULL, 'service',
  $$INSERT INTO dcpf.subprocessor (name, service, data_categories, processing_location, country, agreement_reference, agreement_signed_on, valid_from) VALUES ('Forged B.V.', 'A forged service', '{name}', 'Nowhere', 'NL', 'F-1', '2024-01-01', '2024-01-01')$$, NULL);
-- hand-overs (licence end): the professional's own record, read by them
-- alone; written only by dcpf's hand-over
INSERT INTO table_expectation VALUES
 ('handover', 't.licensee_id', 't.person_id', 'items',
  $$INSERT INTO dcpf.handover (person_id, licensee_id, licensee_name, licence_ended_at, items, requests_withdrawn, shares_ended) VALUES ('{self}', '{lic}', 'Forged', now(), 0, 0, 0)$$),
 ('handover_reference', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'name',
  $$INSERT INTO dcpf.handover_reference (handover_id, owner_id, table_name, row_id, column_name, referred_id, name) VALUES (md5('{self}' || 'handover')::uuid, '{self}', 'portfolio_item', gen_random_uuid(), 'programme_id', gen_random_uuid(), 'Forged')$$);
-- a licensee admin grants and ends memberships of its licensee, but not the platform's role
UPDATE table_expectation SET visible_expr = $$t.role_code <> 'platform_security'$$ WHERE tbl = 'membership';

-- retention: the categories and sources are a catalogue every identity
-- reads and nobody writes; a licensee's policies are read by its privacy
-- officer and admin and written only by dcpf.set_retention_policy; the
-- job-run table is the maintenance role's to read, nobody's to write
INSERT INTO table_expectation VALUES
 ('data_category', NULL, NULL, 'name',
  $$INSERT INTO dcpf.data_category (code, name, description, decided_by, clock_events, actions, minimum_basis, position) VALUES ('forged', 'Forged', 'A forged category.', 'licensee', '{created}', '{delete}', 'none at all', 999)$$),
 ('retention_source', NULL, NULL, 'scope',
  $$INSERT INTO dcpf.retention_source (name, category, table_name, position, row_key, licensee_expr, person_expr) VALUES ('forged', 'notices', 'notice', 99, 'id', 'NULL::uuid', 'NULL::uuid')$$),
 ('retention_source_clock', NULL, NULL, 'clock_expr',
  $$INSERT INTO dcpf.retention_source_clock (source, clock_event, clock_expr) VALUES ('notice', 'last_activity', 'now()')$$),
 ('retention_exempt_table', NULL, NULL, 'reason',
  $$INSERT INTO dcpf.retention_exempt_table (table_name, reason) VALUES ('role', 'A forged reason.')$$),
 ('retention_policy', 't.licensee_id', NULL, 'term',
  $$INSERT INTO dcpf.retention_policy (licensee_id, category, clock_event, term, action) VALUES ('{lic}', 'memberships', 'membership_end', '1 day', 'delete')$$),
 ('job_run', NULL, NULL, 'status',
  $$INSERT INTO dcpf.job_run (job) VALUES ('forged')$$);

-- addenda: the owner's data, read by the owner (others through
-- dcpf.shared_addenda); rectifications: the person's own, read by the privacy
-- officer of the request's licensee; both written only by dcpf's functions
INSERT INTO table_expectation VALUES
 ('item_addendum', '(SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = t.owner_id)', 't.owner_id', 'possibly_patient_data',
  $$INSERT INTO dcpf.item_addendum (id, item_id, owner_id, body_encrypted)
    SELECT n, md5('{self}' || 'item')::uuid, '{self}', dcpf.encrypt('Matrix probe', 'item_addendum', 'body', n, '{self}') FROM gen_random_uuid() n$$),
 ('rectification', 't.licensee_id', 't.person_id', 'fields',
  $$INSERT INTO dcpf.rectification (request_id, person_id, licensee_id, fields, notices_queued)
    SELECT r.id, '{self}', '{lic}', '{email}', 0 FROM dcpf.subject_request r WHERE r.person_id = '{self}'$$);

CREATE TEMP TABLE op_rule (tbl text, op text, role_code text, rule text, PRIMARY KEY (tbl, op, role_code));
INSERT INTO op_rule VALUES
 -- catalogues: every identity reads; nobody writes
 ('role', 'SELECT', '*', 'all'), ('role', 'INSERT', '*', 'denied'), ('role', 'UPDATE', '*', 'denied'), ('role', 'DELETE', '*', 'denied'),
 ('product', 'SELECT', '*', 'all'), ('product', 'INSERT', '*', 'denied'), ('product', 'UPDATE', '*', 'denied'), ('product', 'DELETE', '*', 'denied'),
 ('role_agreement', 'SELECT', '*', 'all'), ('role_agreement', 'INSERT', '*', 'denied'), ('role_agreement', 'UPDATE', '*', 'denied'), ('role_agreement', 'DELETE', '*', 'denied'),
 ('policy_document', 'SELECT', '*', 'all'), ('policy_document', 'INSERT', '*', 'denied'), ('policy_document', 'UPDATE', '*', 'denied'), ('policy_document', 'DELETE', '*', 'denied'),
 -- licensee: members read theirs; the admin renames it
 ('licensee', 'SELECT', '*', 'all'), ('licensee', 'INSERT', '*', 'denied'), ('licensee', 'UPDATE', '*', 'none'),
 ('licensee', 'UPDATE', 'licensee_admin', 'all'), ('licensee', 'DELETE', '*', 'denied'),
 -- billing: the admin only
 ('billing_profile', 'SELECT', '*', 'none'), ('billing_profile', 'SELECT', 'licensee_admin', 'all'),
 ('billing_profile', 'INSERT', '*', 'denied'), ('billing_profile', 'INSERT', 'licensee_admin', 'allowed'),
 ('billing_profile', 'UPDATE', '*', 'none'), ('billing_profile', 'UPDATE', 'licensee_admin', 'all'),
 ('billing_profile', 'DELETE', '*', 'denied'),
 -- licences: the admin reads
 ('licence', 'SELECT', '*', 'none'), ('licence', 'SELECT', 'licensee_admin', 'all'),
 ('licence', 'INSERT', '*', 'denied'), ('licence', 'UPDATE', '*', 'denied'), ('licence', 'DELETE', '*', 'denied'),
 -- person: self; admin and privacy officer read their licensee's people; admin changes them and creates accounts
 ('person', 'SELECT', '*', 'self'), ('person', 'SELECT', 'licensee_admin', 'all'), ('person', 'SELECT', 'privacy_officer', 'all'),
 ('person', 'INSERT', '*', 'denied'), ('person', 'INSERT', 'licensee_admin', 'allowed'),
 ('person', 'UPDATE', '*', 'self'), ('person', 'UPDATE', 'licensee_admin', 'all'),
 ('person', 'DELETE', '*', 'denied'),
 -- contact details and preferences: the person alone
 ('person_phone', 'SELECT', '*', 'self'), ('person_phone', 'INSERT', '*', 'allowed'), ('person_phone', 'UPDATE', '*', 'self'), ('person_phone', 'DELETE', '*', 'denied'),
 ('person_address', 'SELECT', '*', 'self'), ('person_address', 'INSERT', '*', 'allowed'), ('person_address', 'UPDATE', '*', 'self'), ('person_address', 'DELETE', '*', 'denied'),
 ('person_preference', 'SELECT', '*', 'self'), ('person_preference', 'INSERT', '*', 'allowed'), ('person_preference', 'UPDATE', '*', 'self'), ('person_preference', 'DELETE', '*', 'denied'),
 -- membership: own; admin and privacy officer read the licensee's; admin grants and ends
 ('membership', 'SELECT', '*', 'self'), ('membership', 'SELECT', 'licensee_admin', 'all'), ('membership', 'SELECT', 'privacy_officer', 'all'),
 ('membership', 'INSERT', '*', 'denied'), ('membership', 'INSERT', 'licensee_admin', 'allowed'),
 ('membership', 'UPDATE', '*', 'none'), ('membership', 'UPDATE', 'licensee_admin', 'visible'),
 ('membership', 'DELETE', '*', 'denied'),
 -- acceptances: own (read, record); the admin reads its people's
 ('role_agreement_acceptance', 'SELECT', '*', 'self'), ('role_agreement_acceptance', 'SELECT', 'licensee_admin', 'all'),
 ('role_agreement_acceptance', 'INSERT', '*', 'allowed'), ('role_agreement_acceptance', 'UPDATE', '*', 'denied'), ('role_agreement_acceptance', 'DELETE', '*', 'denied'),
 ('policy_acknowledgement', 'SELECT', '*', 'self'), ('policy_acknowledgement', 'SELECT', 'licensee_admin', 'all'),
 ('policy_acknowledgement', 'SELECT', 'privacy_officer', 'all'), ('policy_acknowledgement', 'INSERT', '*', 'allowed'),
 ('policy_acknowledgement', 'UPDATE', '*', 'denied'), ('policy_acknowledgement', 'DELETE', '*', 'denied'),
 -- the record of assumed identities and the issuer registry: nobody in the application
 ('identity_assumption', 'SELECT', '*', 'denied'), ('identity_assumption', 'INSERT', '*', 'denied'),
 ('identity_assumption', 'UPDATE', '*', 'denied'), ('identity_assumption', 'DELETE', '*', 'denied'),
 ('identity_issuer', 'SELECT', '*', 'denied'), ('identity_issuer', 'INSERT', '*', 'denied'),
 ('identity_issuer', 'UPDATE', '*', 'denied'), ('identity_issuer', 'DELETE', '*', 'denied'),
 ('issuer_key', 'SELECT', '*', 'denied'), ('issuer_key', 'INSERT', '*', 'denied'),
 ('issuer_key', 'UPDATE', '*', 'denied'), ('issuer_key', 'DELETE', '*', 'denied'),
 ('identity_link', 'SELECT', '*', 'denied'), ('identity_link', 'INSERT', '*', 'denied'),
 ('identity_link', 'UPDATE', '*', 'denied'), ('identity_link', 'DELETE', '*', 'denied'),
 -- authentication events: the person reads their own
 ('authentication_event', 'SELECT', '*', 'self'), ('authentication_event', 'INSERT', '*', 'denied'),
 ('authentication_event', 'UPDATE', '*', 'denied'), ('authentication_event', 'DELETE', '*', 'denied'),
 -- credentials: nobody in the application; login attempts: own, and the admin reads its people's
 ('person_credential', 'SELECT', '*', 'denied'), ('person_credential', 'INSERT', '*', 'denied'),
 ('person_credential', 'UPDATE', '*', 'denied'), ('person_credential', 'DELETE', '*', 'denied'),
 ('login_attempt', 'SELECT', '*', 'self'), ('login_attempt', 'SELECT', 'licensee_admin', 'all'),
 ('login_attempt', 'INSERT', '*', 'denied'), ('login_attempt', 'UPDATE', '*', 'denied'), ('login_attempt', 'DELETE', '*', 'denied'),
 -- keys: the extension owner's alone (the C code reads and writes them as the owner)
 ('data_key', 'SELECT', '*', 'denied'), ('data_key', 'INSERT', '*', 'denied'),
 ('data_key', 'UPDATE', '*', 'denied'), ('data_key', 'DELETE', '*', 'denied'),
 ('master_key_generation', 'SELECT', '*', 'denied'), ('master_key_generation', 'INSERT', '*', 'denied'),
 ('master_key_generation', 'UPDATE', '*', 'denied'), ('master_key_generation', 'DELETE', '*', 'denied'),
 ('key_rotation_run', 'SELECT', '*', 'denied'), ('key_rotation_run', 'INSERT', '*', 'denied'),
 ('key_rotation_run', 'UPDATE', '*', 'denied'), ('key_rotation_run', 'DELETE', '*', 'denied'),
 ('blind_index_key', 'SELECT', '*', 'denied'), ('blind_index_key', 'INSERT', '*', 'denied'),
 ('blind_index_key', 'UPDATE', '*', 'denied'), ('blind_index_key', 'DELETE', '*', 'denied'),
 -- the audit trail: nobody reads or writes it directly (dcpf.my_audit_trail and
 -- dcpf.licensee_audit_trail read it, and log that); its catalogue is public
 ('audit_event', 'SELECT', '*', 'denied'), ('audit_event', 'INSERT', '*', 'denied'),
 ('audit_event', 'UPDATE', '*', 'denied'), ('audit_event', 'DELETE', '*', 'denied'),
 ('audit_seal', 'SELECT', '*', 'denied'), ('audit_seal', 'INSERT', '*', 'denied'),
 ('audit_seal', 'UPDATE', '*', 'denied'), ('audit_seal', 'DELETE', '*', 'denied'),
 ('audit_node_key', 'SELECT', '*', 'denied'), ('audit_node_key', 'INSERT', '*', 'denied'),
 ('audit_node_key', 'UPDATE', '*', 'denied'), ('audit_node_key', 'DELETE', '*', 'denied'),
 ('audit_node_head', 'SELECT', '*', 'denied'), ('audit_node_head', 'INSERT', '*', 'denied'),
 ('audit_node_head', 'UPDATE', '*', 'denied'), ('audit_node_head', 'DELETE', '*', 'denied'),
 ('audit_dropped_partition', 'SELECT', '*', 'denied'), ('audit_dropped_partition', 'INSERT', '*', 'denied'),
 ('audit_dropped_partition', 'UPDATE', '*', 'denied'), ('audit_dropped_partition', 'DELETE', '*', 'denied'),
 ('audit_action', 'SELECT', '*', 'all'), ('audit_action', 'INSERT', '*', 'denied'),
 ('audit_action', 'UPDATE', '*', 'denied'), ('audit_action', 'DELETE', '*', 'denied'),
 -- the curriculum: shipped catalogues for everyone; the licensee's for its
 -- members, written by its admin (and trainers: competencies; EPAs and
 -- members of the programmes they direct); programme members seen by
 -- themselves, their programme's members (acting in the matching role) and
 -- the admin and privacy officer
 ('entrustment_scale', 'SELECT', '*', 'all'), ('entrustment_scale', 'INSERT', '*', 'denied'),
 ('entrustment_scale', 'UPDATE', '*', 'denied'), ('entrustment_scale', 'DELETE', '*', 'denied'),
 ('programme_role', 'SELECT', '*', 'all'), ('programme_role', 'INSERT', '*', 'denied'),
 ('programme_role', 'UPDATE', '*', 'denied'), ('programme_role', 'DELETE', '*', 'denied'),
 ('competency', 'SELECT', '*', 'all'), ('competency', 'INSERT', '*', 'denied'),
 ('competency', 'INSERT', 'licensee_admin', 'allowed'), ('competency', 'INSERT', 'trainer', 'allowed'),
 ('competency', 'UPDATE', '*', 'none'), ('competency', 'UPDATE', 'licensee_admin', 'all'), ('competency', 'UPDATE', 'trainer', 'all'),
 ('competency', 'DELETE', '*', 'denied'),
 ('programme', 'SELECT', '*', 'all'), ('programme', 'INSERT', '*', 'denied'), ('programme', 'INSERT', 'licensee_admin', 'allowed'),
 ('programme', 'UPDATE', '*', 'none'), ('programme', 'UPDATE', 'licensee_admin', 'all'), ('programme', 'DELETE', '*', 'denied'),
 ('programme_member', 'SELECT', '*', 'self'), ('programme_member', 'SELECT', 'licensee_admin', 'all'),
 ('programme_member', 'SELECT', 'privacy_officer', 'all'), ('programme_member', 'SELECT', 'medical_trainee', 'all'),
 ('programme_member', 'SELECT', 'supervisor', 'all'), ('programme_member', 'SELECT', 'assessor', 'all'),
 ('programme_member', 'SELECT', 'trainer', 'all'),
 ('programme_member', 'INSERT', '*', 'denied'), ('programme_member', 'INSERT', 'licensee_admin', 'allowed'),
 ('programme_member', 'INSERT', 'trainer', 'allowed'),
 ('programme_member', 'UPDATE', '*', 'none'), ('programme_member', 'UPDATE', 'licensee_admin', 'all'),
 ('programme_member', 'UPDATE', 'trainer', 'all'), ('programme_member', 'DELETE', '*', 'denied'),
 ('epa', 'SELECT', '*', 'all'), ('epa', 'INSERT', '*', 'denied'), ('epa', 'INSERT', 'licensee_admin', 'allowed'),
 ('epa', 'INSERT', 'trainer', 'allowed'),
 ('epa', 'UPDATE', '*', 'none'), ('epa', 'UPDATE', 'licensee_admin', 'all'), ('epa', 'UPDATE', 'trainer', 'all'),
 ('epa', 'DELETE', '*', 'denied'),
 ('epa_competency', 'SELECT', '*', 'all'), ('epa_competency', 'INSERT', '*', 'denied'),
 ('epa_competency', 'INSERT', 'licensee_admin', 'allowed'), ('epa_competency', 'INSERT', 'trainer', 'allowed'),
 ('epa_competency', 'UPDATE', '*', 'denied'), ('epa_competency', 'DELETE', '*', 'denied'),
 -- the portfolio: items are their owner's (sharing opens them through functions);
 -- links are read by the owner and written only through dcpf.set_item_links
 ('portfolio_item', 'SELECT', '*', 'self'), ('portfolio_item', 'INSERT', '*', 'allowed'),
 ('portfolio_item', 'UPDATE', '*', 'self'), ('portfolio_item', 'DELETE', '*', 'denied'),
 ('portfolio_item_competency', 'SELECT', '*', 'self'), ('portfolio_item_competency', 'INSERT', '*', 'denied'),
 ('portfolio_item_competency', 'UPDATE', '*', 'denied'), ('portfolio_item_competency', 'DELETE', '*', 'denied'),
 ('portfolio_item_epa', 'SELECT', '*', 'self'), ('portfolio_item_epa', 'INSERT', '*', 'denied'),
 ('portfolio_item_epa', 'UPDATE', '*', 'denied'), ('portfolio_item_epa', 'DELETE', '*', 'denied'),
 ('portfolio_collection', 'SELECT', '*', 'self'), ('portfolio_collection', 'INSERT', '*', 'allowed'),
 ('portfolio_collection', 'UPDATE', '*', 'self'), ('portfolio_collection', 'DELETE', '*', 'denied'),
 ('portfolio_collection_item', 'SELECT', '*', 'self'), ('portfolio_collection_item', 'INSERT', '*', 'denied'),
 ('portfolio_collection_item', 'UPDATE', '*', 'denied'), ('portfolio_collection_item', 'DELETE', '*', 'denied'),
 ('share', 'SELECT', '*', 'visible'), ('share', 'INSERT', '*', 'allowed'),
 ('share', 'UPDATE', '*', 'denied'), ('share', 'DELETE', '*', 'denied'),
 ('assessment', 'SELECT', '*', 'self'), ('assessment', 'INSERT', '*', 'allowed'),
 ('assessment', 'UPDATE', '*', 'self'), ('assessment', 'DELETE', '*', 'denied'),
 ('entrustment_decision', 'SELECT', '*', 'self'), ('entrustment_decision', 'SELECT', 'trainer', 'all'),
 ('entrustment_decision', 'INSERT', '*', 'denied'), ('entrustment_decision', 'UPDATE', '*', 'denied'),
 ('entrustment_decision', 'DELETE', '*', 'denied'),
 ('disclosure', 'SELECT', '*', 'self'), ('disclosure', 'INSERT', '*', 'denied'),
 ('disclosure', 'UPDATE', '*', 'denied'), ('disclosure', 'DELETE', '*', 'denied'),
 ('feedback_request', 'SELECT', '*', 'self'), ('feedback_request', 'INSERT', '*', 'denied'),
 ('feedback_request', 'UPDATE', '*', 'denied'), ('feedback_request', 'DELETE', '*', 'denied'),
 ('conversation', 'SELECT', '*', 'self'), ('conversation', 'INSERT', '*', 'allowed'),
 ('conversation', 'UPDATE', '*', 'self'), ('conversation', 'DELETE', '*', 'denied'),
 ('competency_declaration', 'SELECT', '*', 'self'), ('competency_declaration', 'INSERT', '*', 'allowed'),
 ('competency_declaration', 'UPDATE', '*', 'self'), ('competency_declaration', 'DELETE', '*', 'denied'),
 ('msf_round', 'SELECT', '*', 'self'), ('msf_round', 'INSERT', '*', 'denied'),
 ('msf_round', 'UPDATE', '*', 'denied'), ('msf_round', 'DELETE', '*', 'denied'),
 ('msf_respondent', 'SELECT', '*', 'self'), ('msf_respondent', 'INSERT', '*', 'denied'),
 ('msf_respondent', 'UPDATE', '*', 'denied'), ('msf_respondent', 'DELETE', '*', 'denied'),
 ('msf_response', 'SELECT', '*', 'denied'), ('msf_response', 'INSERT', '*', 'denied'),
 ('msf_response', 'UPDATE', '*', 'denied'), ('msf_response', 'DELETE', '*', 'denied'),
 ('handover', 'SELECT', '*', 'self'), ('handover', 'INSERT', '*', 'denied'),
 ('handover', 'UPDATE', '*', 'denied'), ('handover', 'DELETE', '*', 'denied'),
 ('handover_reference', 'SELECT', '*', 'self'), ('handover_reference', 'INSERT', '*', 'denied'),
 ('handover_reference', 'UPDATE', '*', 'denied'), ('handover_reference', 'DELETE', '*', 'denied'),
 ('notice', 'SELECT', '*', 'self'), ('notice', 'INSERT', '*', 'denied'),
 ('notice', 'UPDATE', '*', 'denied'), ('notice', 'DELETE', '*', 'denied'),
 ('attachment_media_type', 'SELECT', '*', 'all'), ('attachment_media_type', 'INSERT', '*', 'denied'),
 ('attachment_media_type', 'UPDATE', '*', 'denied'), ('attachment_media_type', 'DELETE', '*', 'denied'),
 ('portfolio_attachment', 'SELECT', '*', 'self'), ('portfolio_attachment', 'INSERT', '*', 'denied'),
 ('portfolio_attachment', 'UPDATE', '*', 'denied'), ('portfolio_attachment', 'DELETE', '*', 'denied'),
 ('item_comment', 'SELECT', '*', 'self'), ('item_comment', 'INSERT', '*', 'denied'),
 ('item_comment', 'UPDATE', '*', 'denied'), ('item_comment', 'DELETE', '*', 'denied'),
 ('purpose', 'SELECT', '*', 'all'), ('purpose', 'INSERT', '*', 'denied'), ('purpose', 'INSERT', 'licensee_admin', 'allowed'),
 ('purpose', 'UPDATE', '*', 'none'), ('purpose', 'UPDATE', 'licensee_admin', 'all'), ('purpose', 'DELETE', '*', 'denied'),
 ('consent_event', 'SELECT', '*', 'self'), ('consent_event', 'SELECT', 'privacy_officer', 'all'),
 ('consent_event', 'INSERT', '*', 'denied'), ('consent_event', 'UPDATE', '*', 'denied'), ('consent_event', 'DELETE', '*', 'denied'),
 ('consent', 'SELECT', '*', 'self'), ('consent', 'SELECT', 'licensee_admin', 'all'), ('consent', 'SELECT', 'privacy_officer', 'all'),
 ('consent', 'INSERT', '*', 'denied'), ('consent', 'UPDATE', '*', 'denied'), ('consent', 'DELETE', '*', 'denied'),
 ('web_visit', 'SELECT', '*', 'self'), ('web_visit', 'INSERT', '*', 'denied'),
 ('web_visit', 'UPDATE', '*', 'denied'), ('web_visit', 'DELETE', '*', 'denied'),
 ('subject_request', 'SELECT', '*', 'self'), ('subject_request', 'SELECT', 'privacy_officer', 'all'),
 ('subject_request', 'INSERT', '*', 'denied'), ('subject_request', 'UPDATE', '*', 'denied'), ('subject_request', 'DELETE', '*', 'denied'),
 ('personal_data_table', 'SELECT', '*', 'all'), ('personal_data_table', 'INSERT', '*', 'denied'),
 ('personal_data_table', 'UPDATE', '*', 'denied'), ('personal_data_table', 'DELETE', '*', 'denied'),
 ('personal_data_column', 'SELECT', '*', 'all'), ('personal_data_column', 'INSERT', '*', 'denied'),
 ('personal_data_column', 'UPDATE', '*', 'denied'), ('personal_data_column', 'DELETE', '*', 'denied'),
 ('legal_hold', 'SELECT', '*', 'none'), ('legal_hold', 'SELECT', 'privacy_officer', 'all'),
 ('legal_hold', 'INSERT', '*', 'denied'), ('legal_hold', 'UPDATE', '*', 'denied'), ('legal_hold', 'DELETE', '*', 'denied'),
 ('erasure', 'SELECT', '*', 'none'), ('erasure', 'SELECT', 'privacy_officer', 'all'),
 ('erasure', 'INSERT', '*', 'denied'), ('erasure', 'UPDATE', '*', 'denied'), ('erasure', 'DELETE', '*', 'denied'),
 ('breach', 'SELECT', '*', 'none'), ('breach', 'SELECT', 'platform_security', 'all'), ('breach', 'SELECT', 'privacy_officer', 'visible'),
 ('breach', 'INSERT', '*', 'denied'), ('breach', 'UPDATE', '*', 'denied'), ('breach', 'DELETE', '*', 'denied'),
 ('breach_controller', 'SELECT', '*', 'none'), ('breach_controller', 'SELECT', 'platform_security', 'all'),
 ('breach_controller', 'SELECT', 'privacy_officer', 'visible'),
 ('breach_controller', 'INSERT', '*', 'denied'), ('breach_controller', 'UPDATE', '*', 'denied'), ('breach_controller', 'DELETE', '*', 'denied'),
 ('breach_subject', 'SELECT', '*', 'self'), ('breach_subject', 'SELECT', 'platform_security', 'all'),
 ('breach_subject', 'SELECT', 'privacy_officer', 'visible'),
 ('breach_subject', 'INSERT', '*', 'denied'), ('breach_subject', 'UPDATE', '*', 'denied'), ('breach_subject', 'DELETE', '*', 'denied'),
 ('breach_update', 'SELECT', '*', 'none'), ('breach_update', 'SELECT', 'platform_security', 'all'),
 ('breach_update', 'SELECT', 'privacy_officer', 'visible'),
 ('breach_update', 'INSERT', '*', 'denied'), ('breach_update', 'UPDATE', '*', 'denied'), ('breach_update', 'DELETE', '*', 'denied'),
 ('subprocessor', 'SELECT', '*', 'none'), ('subprocessor', 'SELECT', 'platform_security', 'all'),
 ('subprocessor', 'SELECT', 'licensee_admin', 'all'), ('subprocessor', 'SELECT', 'privacy_officer', 'all'),
 ('subprocessor', 'INSERT', '*', 'denied'), ('subprocessor', 'INSERT', 'platform_security', 'allowed'),
 ('subprocessor', 'UPDATE', '*', 'none'), ('subprocessor', 'UPDATE', 'platform_security', 'all'), ('subprocessor', 'DELETE', '*', 'denied'),
 ('processing_restriction', 'SELECT', '*', 'self'), ('processing_restriction', 'SELECT', 'privacy_officer', 'all'),
 ('processing_restriction', 'INSERT', '*', 'denied'), ('processing_restriction', 'UPDATE', '*', 'denied'),
 ('processing_restriction', 'DELETE', '*', 'denied'),
 ('item_addendum', 'SELECT', '*', 'self'), ('item_addendum', 'INSERT', '*', 'denied'),
 ('item_addendum', 'UPDATE', '*', 'denied'), ('item_addendum', 'DELETE', '*', 'denied'),
 ('rectification', 'SELECT', '*', 'self'), ('rectification', 'SELECT', 'privacy_officer', 'all'),
 ('rectification', 'INSERT', '*', 'denied'), ('rectification', 'UPDATE', '*', 'denied'), ('rectification', 'DELETE', '*', 'denied'),
 ('data_category', 'SELECT', '*', 'all'), ('data_category', 'INSERT', '*', 'denied'),
 ('data_category', 'UPDATE', '*', 'denied'), ('data_category', 'DELETE', '*', 'denied'),
 ('retention_source', 'SELECT', '*', 'all'), ('retention_source', 'INSERT', '*', 'denied'),
 ('retention_source', 'UPDATE', '*', 'denied'), ('retention_source', 'DELETE', '*', 'denied'),
 ('retention_source_clock', 'SELECT', '*', 'all'), ('retention_source_clock', 'INSERT', '*', 'denied'),
 ('retention_source_clock', 'UPDATE', '*', 'denied'), ('retention_source_clock', 'DELETE', '*', 'denied'),
 ('retention_exempt_table', 'SELECT', '*', 'all'), ('retention_exempt_table', 'INSERT', '*', 'denied'),
 ('retention_exempt_table', 'UPDATE', '*', 'denied'), ('retention_exempt_table', 'DELETE', '*', 'denied'),
 ('retention_policy', 'SELECT', '*', 'none'), ('retention_policy', 'SELECT', 'privacy_officer', 'all'),
 ('retention_policy', 'SELECT', 'licensee_admin', 'all'),
 ('retention_policy', 'INSERT', '*', 'denied'), ('retention_policy', 'UPDATE', '*', 'denied'), ('retention_policy', 'DELETE', '*', 'denied'),
 -- job runs: read here because the matrix's login is also a member of
 -- dcpf_maintenance (below); the application role alone reads none
 -- (test/sql/retention.sql, test/pgtap/retention_registry_covers_the_catalog.sql)
 ('job_run', 'SELECT', '*', 'all'), ('job_run', 'INSERT', '*', 'denied'),
 ('job_run', 'UPDATE', '*', 'denied'), ('job_run', 'DELETE', '*', 'denied');

-- every table of the schema, discovered (the audit trail's partitions are
-- reached through dcpf.audit_event; test/sql/audit.sql attacks them directly)
CREATE TEMP TABLE dcpf_table AS
SELECT c.relname::text AS tbl FROM pg_class c
 WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition;

-- the probes, with their expected outcome computed here (as the superuser,
-- who sees every row): expected is 'denied', 'allowed' or a row count
CREATE TEMP TABLE probe (
    n serial PRIMARY KEY, role_code text, actor_id uuid, licensee_id uuid, tbl text, op text, scope text,
    sql text, expected text, description text);
CREATE FUNCTION pg_temp.build_probes() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
    a record; o record; e record; s record; r text; expected text; q text; cnt bigint; ops text[] := '{SELECT,INSERT,UPDATE,DELETE}';
    the_op text;
BEGIN
    FOR a IN SELECT * FROM actor WHERE tag = 'A' ORDER BY role_code LOOP
        FOR e IN SELECT t.tbl, x.* FROM dcpf_table t JOIN table_expectation x USING (tbl) ORDER BY t.tbl LOOP
            FOREACH the_op IN ARRAY ops LOOP
                r := coalesce((SELECT rule FROM op_rule WHERE tbl = e.tbl AND op_rule.op = the_op AND role_code = a.role_code),
                              (SELECT rule FROM op_rule WHERE tbl = e.tbl AND op_rule.op = the_op AND role_code = '*'));
                FOR s IN SELECT 'own' AS scope, a.licensee_id AS lic, a.person_id AS self,
                                (SELECT person_id FROM actor WHERE tag = a.tag AND role_code = 'professional') AS prof
                         UNION ALL
                         SELECT 'other', b.licensee_id, b.person_id,
                                (SELECT person_id FROM actor WHERE tag = b.tag AND role_code = 'professional')
                           FROM actor b WHERE b.tag = 'B' AND b.role_code = a.role_code LOOP
                    q := CASE the_op
                        WHEN 'SELECT' THEN format('SELECT count(*) FROM dcpf.%I t WHERE %s', e.tbl,
                                                  CASE WHEN e.scope_expr IS NULL THEN 'true' ELSE format('%s = %L', e.scope_expr, s.lic) END)
                        WHEN 'UPDATE' THEN format('UPDATE dcpf.%I t SET %I = t.%I WHERE %s', e.tbl, e.update_col, e.update_col,
                                                  CASE WHEN e.scope_expr IS NULL THEN 'true' ELSE format('%s = %L', e.scope_expr, s.lic) END)
                        WHEN 'DELETE' THEN format('DELETE FROM dcpf.%I t WHERE %s', e.tbl,
                                                  CASE WHEN e.scope_expr IS NULL THEN 'true' ELSE format('%s = %L', e.scope_expr, s.lic) END)
                        ELSE replace(replace(replace(replace(replace(replace(replace(replace(e.insert_sql,
                                 '{lic}', s.lic::text), '{self}', s.self::text), '{actor}', a.person_id::text),
                                 '{prof}', s.prof::text), '{product}', '00000000-0000-4000-8000-0000000c0c01'),
                                 '{doc}', '00000000-0000-4000-8000-0000000d0d01'),
                                 '{agreement}', (SELECT id::text FROM dcpf.role_agreement WHERE role_code = 'professional'
                                                   AND product_id = '00000000-0000-4000-8000-0000000c0c01')),
                                 '{issuer}', (SELECT issuer FROM lic WHERE id = s.lic))
                        END;
                    -- what the rule means for this scope
                    IF r = 'denied' THEN
                        expected := 'denied';
                    ELSIF s.scope = 'other' AND e.scope_expr IS NOT NULL THEN
                        -- nothing of the other licensee: not seen, not changed, not created
                        expected := CASE WHEN the_op IN ('SELECT', 'UPDATE') THEN '0' ELSE 'denied' END;
                    ELSIF r = 'allowed' THEN
                        expected := 'allowed';
                    ELSIF r = 'none' THEN
                        expected := '0';
                    ELSIF the_op IN ('SELECT', 'UPDATE') AND r = 'visible' THEN
                        EXECUTE format('SELECT count(*) FROM dcpf.%I t WHERE %s AND %s', e.tbl,
                                       CASE WHEN e.scope_expr IS NULL THEN 'true' ELSE format('%s = %L', e.scope_expr, s.lic) END,
                                       replace(replace(replace(e.visible_expr, '{actor}', quote_literal(a.person_id)),
                                                       '{lic}', quote_literal(a.licensee_id)), '{role}', quote_literal(a.role_code)))
                            INTO cnt;
                        expected := cnt::text;
                    ELSIF the_op IN ('SELECT', 'UPDATE') AND r IN ('all', 'self') THEN
                        EXECUTE format('SELECT count(*) FROM dcpf.%I t WHERE %s AND %s', e.tbl,
                                       CASE WHEN e.scope_expr IS NULL THEN 'true' ELSE format('%s = %L', e.scope_expr, s.lic) END,
                                       CASE WHEN r = 'self' THEN format('%s = %L', e.person_expr, a.person_id) ELSE 'true' END)
                            INTO cnt;
                        expected := cnt::text;
                    ELSE
                        RAISE EXCEPTION 'no meaning for rule % on % %', r, the_op, e.tbl;
                    END IF;
                    INSERT INTO probe (role_code, actor_id, licensee_id, tbl, op, scope, sql, expected, description)
                    VALUES (a.role_code, a.person_id, a.licensee_id, e.tbl, the_op, s.scope, q, expected,
                            format('%s %s as %s, %s licensee%s: %s', the_op, e.tbl, a.role_code, s.scope,
                                   CASE WHEN e.scope_expr IS NULL THEN ' (not per licensee)' ELSE '' END,
                                   CASE expected WHEN 'denied' THEN 'refused (42501)'
                                                 WHEN 'allowed' THEN 'passes privileges and policy'
                                                 ELSE expected || ' row(s)' END));
                END LOOP;
            END LOOP;
        END LOOP;
    END LOOP;
END
$f$;
DO $$ BEGIN PERFORM pg_temp.build_probes(); END $$;

-- tokens: for every role of A, each forgery (minted here: jws_sign is owner only)
CREATE TEMP TABLE token_case (n serial PRIMARY KEY, variant text, role_code text, good text, token text, expected_states text[]);
CREATE FUNCTION pg_temp.build_tokens() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
    a actor; good text; hdr text; pay text; sig text; now_s bigint := floor(extract(epoch FROM now()));
    c28 text[] := '{28000}';
BEGIN
    FOR a IN SELECT * FROM actor WHERE tag = 'A' ORDER BY role_code LOOP
        good := dcpf.jws_sign(pg_temp.claims(a), pg_temp.key('ec_private'), 'ES256');
        hdr := split_part(good, '.', 1); pay := split_part(good, '.', 2); sig := split_part(good, '.', 3);
        INSERT INTO token_case (variant, role_code, good, token, expected_states) VALUES
         ('no token (NULL)', a.role_code, good, NULL, c28),
         ('empty token', a.role_code, good, '', '{28000,22P02}'),
         ('malformed token', a.role_code, good, 'x.y.z', '{28000,22P02}'),
         ('oversized token', a.role_code, good, repeat('a', 9000), '{28000,54000}'),
         ('expired', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a, jsonb_build_object('iat', now_s - 4000, 'exp', now_s - 3600)), pg_temp.key('ec_private'), 'ES256'), c28),
         ('not yet valid', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a, jsonb_build_object('nbf', now_s + 1800)), pg_temp.key('ec_private'), 'ES256'), c28),
         ('issued in the future', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a, jsonb_build_object('iat', now_s + 1800, 'exp', now_s + 2000)), pg_temp.key('ec_private'), 'ES256'), c28),
         ('no expiry', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a) - 'exp', pg_temp.key('ec_private'), 'ES256'), c28),
         ('wrong issuer', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a, '{"iss":"https://evil.example"}'), pg_temp.key('ec_private'), 'ES256'), c28),
         ('issuer of the other licensee', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a, '{"iss":"https://sso.b.example"}'), pg_temp.key('ec_private'), 'ES256'), c28),
         ('wrong audience', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a, '{"aud":"another-app"}'), pg_temp.key('ec_private'), 'ES256'), c28),
         ('unknown kid (unregistered EC key)', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a), pg_temp.key('ec_other'), 'ES256'), c28),
         ('unregistered HMAC secret under a registered kid', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a), pg_temp.key('hs_a_other'), 'HS256'), c28),
         ('tampered header', a.role_code, good, pg_temp.b64url('{"alg":"ES256","kid":"a-ec-1","typ":"JWT","x":1}') || '.' || pay || '.' || sig, c28),
         ('tampered payload', a.role_code, good, hdr || '.' || pg_temp.b64url(pg_temp.claims(a, jsonb_build_object('dcpf_role', CASE WHEN a.role_code = 'licensee_admin' THEN 'privacy_officer' ELSE 'licensee_admin' END))::text) || '.' || sig, c28),
         ('tampered signature', a.role_code, good, hdr || '.' || pay || '.' || overlay(sig PLACING CASE WHEN substr(sig, 5, 1) = 'A' THEN 'B' ELSE 'A' END FROM 5 FOR 1), c28),
         ('alg none', a.role_code, good, pg_temp.b64url('{"alg":"none","typ":"JWT"}') || '.' || pay || '.', c28),
         ('alg None (other spelling)', a.role_code, good, pg_temp.b64url('{"alg":"None","typ":"JWT"}') || '.' || pay || '.', c28),
         ('HS/EC confusion: HS256 keyed with the EC public key, EC kid', a.role_code, good,
          dcpf.jws_sign(pg_temp.claims(a), jsonb_build_object('kty', 'oct', 'kid', 'a-ec-1', 'k', pg_temp.b64url(pg_temp.key('ec_public')::text)), 'HS256'), c28),
         ('retired key', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a), pg_temp.key('hs_a_old'), 'HS256'), c28),
         ('token for another client (azp)', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a, '{"azp":"mobile-app"}'), pg_temp.key('ec_private'), 'ES256'), c28),
         ('token selecting the other licensee', a.role_code, good,
          dcpf.jws_sign(pg_temp.claims(a, jsonb_build_object('dcpf_licensee', (SELECT id FROM lic WHERE tag = 'B'))), pg_temp.key('ec_private'), 'ES256'), c28),
         ('unknown subject', a.role_code, good, dcpf.jws_sign(pg_temp.claims(a, '{"sub":"sub-nobody"}'), pg_temp.key('ec_private'), 'ES256'), c28),
         ('role not held', a.role_code, good,
          dcpf.jws_sign(pg_temp.claims(a, jsonb_build_object('dcpf_role', CASE WHEN a.role_code = 'trainer' THEN 'assessor' ELSE 'trainer' END)), pg_temp.key('ec_private'), 'ES256'), c28),
         -- identity.md: a role gate refusal for a missing acceptance is 42501
         ('role without accepted EURA', a.role_code, good,
          dcpf.jws_sign(pg_temp.claims(a, '{"sub":"sub-no-eura"}'), pg_temp.key('ec_private'), 'ES256'), '{28000,42501}');
    END LOOP;
END
$f$;
DO $$ BEGIN PERFORM pg_temp.build_tokens(); END $$;
CREATE TEMP TABLE good_token AS SELECT good FROM token_case WHERE role_code = 'licensee_admin' LIMIT 1;

-- ---------------------------------------------------------------------------
-- The decrypted views: for every role of A and each licensee, the rows and
-- plain values it must see (the same rules as the base tables: BIG numbers
-- for the person and the licensee's staff, phones and addresses for the
-- person alone, IBAN and billing phone for the licensee admin), as one
-- sorted text, computed here from plain_value (never by decrypting).
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE view_expectation (view text PRIMARY KEY, tbl text NOT NULL, actual_sql text NOT NULL);
INSERT INTO view_expectation VALUES
 ('person_decrypted', 'person',
  $$SELECT v.id AS row_id, v.big_number AS value, (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.id) AS licensee_id
      FROM dcpf.person_decrypted v$$),
 ('person_phone_decrypted', 'person_phone',
  $$SELECT v.id, v.number, (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.person_id) FROM dcpf.person_phone_decrypted v$$),
 ('person_address_decrypted', 'person_address',
  $$SELECT v.id, format('%s %s, %s %s', v.street, v.house_number, v.postcode, v.city),
           (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.person_id) FROM dcpf.person_address_decrypted v$$),
 ('billing_profile_decrypted', 'billing_profile',
  $$SELECT v.licensee_id, v.iban || ' ' || v.contact_phone, v.licensee_id FROM dcpf.billing_profile_decrypted v$$),
 ('portfolio_item_decrypted', 'portfolio_item',
  $$SELECT v.id, v.body, (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.owner_id)
      FROM dcpf.portfolio_item_decrypted v WHERE v.body IS NOT NULL$$),
 ('assessment_decrypted', 'assessment',
  $$SELECT v.item_id, v.strengths, (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.owner_id)
      FROM dcpf.assessment_decrypted v WHERE v.strengths IS NOT NULL$$),
 ('feedback_request_decrypted', 'feedback_request',
  $$SELECT v.id, v.message, (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.owner_id)
      FROM dcpf.feedback_request_decrypted v WHERE v.message IS NOT NULL$$),
 ('conversation_decrypted', 'conversation',
  $$SELECT v.item_id, v.agreements, (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.owner_id)
      FROM dcpf.conversation_decrypted v WHERE v.agreements IS NOT NULL$$),
 ('portfolio_attachment_decrypted', 'portfolio_attachment',
  $$SELECT v.id, convert_from(v.content, 'UTF8'), (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.owner_id)
      FROM dcpf.portfolio_attachment_decrypted v$$),
 ('item_comment_decrypted', 'item_comment',
  $$SELECT v.id, v.body, (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.owner_id)
      FROM dcpf.item_comment_decrypted v$$),
 ('item_addendum_decrypted', 'item_addendum',
  $$SELECT v.id, v.body, (SELECT h.licensee_id FROM pg_temp.person_home h WHERE h.person_id = v.owner_id)
      FROM dcpf.item_addendum_decrypted v$$);
CREATE TEMP TABLE view_probe (
    n serial PRIMARY KEY, role_code text, actor_id uuid, licensee_id uuid, view text, scope text, scope_lic uuid,
    expected text, description text);
INSERT INTO view_probe (role_code, actor_id, licensee_id, view, scope, scope_lic, expected, description)
SELECT a.role_code, a.person_id, a.licensee_id, x.view, s.scope, s.lic,
       (SELECT coalesce(string_agg(v.row_id || '=' || coalesce(v.value, '-'), ' ' ORDER BY v.row_id), '')
          FROM plain_value v
         WHERE v.view = x.view AND v.licensee_id = s.lic AND s.scope = 'own'
           AND CASE r.rule WHEN 'all' THEN true WHEN 'self' THEN v.person_id = a.person_id ELSE false END),
       format('%s as %s, %s licensee: %s', x.view, a.role_code, s.scope,
              CASE WHEN s.scope = 'other' OR r.rule NOT IN ('all', 'self') THEN 'no row'
                   WHEN r.rule = 'self' THEN 'only their own rows, decrypted'
                   ELSE 'every row of the licensee, decrypted' END)
  FROM actor a
 CROSS JOIN view_expectation x
 CROSS JOIN LATERAL (SELECT coalesce((SELECT o.rule FROM op_rule o WHERE o.tbl = x.tbl AND o.op = 'SELECT' AND o.role_code = a.role_code),
                                     (SELECT o.rule FROM op_rule o WHERE o.tbl = x.tbl AND o.op = 'SELECT' AND o.role_code = '*')) AS rule) r
 CROSS JOIN LATERAL (SELECT 'own' AS scope, a.licensee_id AS lic
                     UNION ALL SELECT 'other', (SELECT id FROM lic WHERE tag = 'B')) s
 WHERE a.tag = 'A'
 ORDER BY a.role_code, x.view, s.scope;

-- ---------------------------------------------------------------------------
-- Ciphertexts out of place. Each actor of A copies the ciphertexts it can
-- read (its own phone and address; admins also A's IBAN) and presents them to
-- dcpf.decrypt_text for another row, subject, table or column, or writes
-- them into another row; and presents ciphertexts it cannot read (copied by
-- someone else: from a backup, a log, another session) with their true row
-- and subject. The "neighbour" is another person of A (the professional, or
-- the supervisor for the professional); "twin" is the actor's counterpart in B.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE stolen (owner uuid, what text, ct bytea, row_id uuid, subject uuid);
INSERT INTO stolen
SELECT p.id, 'big', p.big_number_encrypted, p.id, p.id FROM dcpf.person p WHERE p.big_number_encrypted IS NOT NULL
UNION ALL
SELECT ph.person_id, 'phone', ph.number_encrypted, ph.id, ph.person_id FROM dcpf.person_phone ph
UNION ALL
SELECT a.person_id, 'address', a.address_encrypted, a.id, a.person_id FROM dcpf.person_address a
UNION ALL
SELECT b.licensee_id, 'iban', b.iban_encrypted, b.licensee_id, b.licensee_id FROM dcpf.billing_profile b
UNION ALL
-- a TOTP-like secret under the person's key: dcpf.person_credential has no read rule for anyone but the owner
SELECT a.person_id, 'totp', dcpf.encrypt(sha256(a.person_id::text::bytea), 'person_credential', 'totp_secret', a.person_id, a.person_id),
       a.person_id, a.person_id
  FROM actor a;
CREATE TEMP TABLE neighbour AS
SELECT a.person_id AS actor_id,
       (SELECT n.person_id FROM actor n WHERE n.tag = a.tag
           AND n.role_code = CASE WHEN a.role_code = 'professional' THEN 'supervisor' ELSE 'professional' END) AS neighbour_id,
       (SELECT t.person_id FROM actor t WHERE t.tag = 'B' AND t.role_code = a.role_code) AS twin_id
  FROM actor a WHERE a.tag = 'A';
CREATE TEMP TABLE copy_attack (n serial PRIMARY KEY, description text NOT NULL, sql text NOT NULL, accept text[] NOT NULL);
INSERT INTO copy_attack (description, sql, accept) VALUES
 ('control: their own phone ciphertext opens with its own row and subject, to the number written',
  $$SELECT pg_temp.try_decrypt(c.number_encrypted, 'person_phone', 'number', c.id, c.person_id) = 'ok: ' || v.value
      FROM dcpf.person_phone c JOIN pg_temp.plain_value v ON v.row_id = c.id WHERE c.person_id = dcpf.current_person()$$, '{true}'),
 ('their own phone ciphertext presented for another row (their address) does not open',
  $$SELECT pg_temp.try_decrypt(c.number_encrypted, 'person_phone', 'number', (SELECT a.id FROM dcpf.person_address a WHERE a.person_id = c.person_id), c.person_id)
      FROM dcpf.person_phone c WHERE c.person_id = dcpf.current_person()$$, '{XX001}'),
 ('their own phone ciphertext presented as the neighbour''s phone (row and subject) does not open',
  $$SELECT pg_temp.try_decrypt(c.number_encrypted, 'person_phone', 'number', s.row_id, s.subject)
      FROM dcpf.person_phone c, pg_temp.stolen s
     WHERE c.person_id = dcpf.current_person() AND s.what = 'phone' AND s.owner = (SELECT neighbour_id FROM pg_temp.neighbour WHERE actor_id = dcpf.current_person())$$,
  '{XX001,42501}'),
 ('their own phone ciphertext presented as their own BIG number (a table they may read) does not open',
  $$SELECT pg_temp.try_decrypt(c.number_encrypted, 'person', 'big_number', c.person_id, c.person_id)
      FROM dcpf.person_phone c WHERE c.person_id = dcpf.current_person()$$, '{XX001}'),
 ('their own address ciphertext presented as their phone number (same subject, row of the phone) does not open',
  $$SELECT pg_temp.try_decrypt(a.address_encrypted, 'person_phone', 'number', (SELECT c.id FROM dcpf.person_phone c WHERE c.person_id = a.person_id), a.person_id)
      FROM dcpf.person_address a WHERE a.person_id = dcpf.current_person()$$, '{XX001}'),
 ('the neighbour''s phone ciphertext, copied elsewhere, does not open even with its true row and subject',
  $$SELECT pg_temp.try_decrypt(s.ct, 'person_phone', 'number', s.row_id, s.subject) FROM pg_temp.stolen s
     WHERE s.what = 'phone' AND s.owner = (SELECT neighbour_id FROM pg_temp.neighbour WHERE actor_id = dcpf.current_person())$$, '{42501}'),
 ('the neighbour''s phone ciphertext presented as their own phone does not open (refused for the neighbour, whose key it names, before any binding is checked)',
  $$SELECT pg_temp.try_decrypt(s.ct, 'person_phone', 'number', c.id, c.person_id) FROM pg_temp.stolen s, dcpf.person_phone c
     WHERE c.person_id = dcpf.current_person() AND s.what = 'phone'
       AND s.owner = (SELECT neighbour_id FROM pg_temp.neighbour WHERE actor_id = dcpf.current_person())$$, '{42501}'),
 ('the twin''s (other licensee) phone ciphertext does not open with its true row and subject',
  $$SELECT pg_temp.try_decrypt(s.ct, 'person_phone', 'number', s.row_id, s.subject) FROM pg_temp.stolen s
     WHERE s.what = 'phone' AND s.owner = (SELECT twin_id FROM pg_temp.neighbour WHERE actor_id = dcpf.current_person())$$, '{42501}'),
 ('the twin''s address ciphertext does not open with its true row and subject',
  $$SELECT pg_temp.try_decrypt(s.ct, 'person_address', 'address', s.row_id, s.subject) FROM pg_temp.stolen s
     WHERE s.what = 'address' AND s.owner = (SELECT twin_id FROM pg_temp.neighbour WHERE actor_id = dcpf.current_person())$$, '{42501}'),
 ('the BIG number ciphertext of B''s medical trainee does not open with its true row and subject',
  $$SELECT pg_temp.try_decrypt(s.ct, 'person', 'big_number', s.row_id, s.subject) FROM pg_temp.stolen s
     WHERE s.what = 'big' AND s.owner = (SELECT t.person_id FROM pg_temp.actor t WHERE t.tag = 'B' AND t.role_code = 'medical_trainee')$$, '{42501}'),
 ('A''s IBAN ciphertext presented as B''s IBAN (row and subject of B) does not open',
  $$SELECT pg_temp.try_decrypt(s.ct, 'billing_profile', 'iban', l.id, l.id) FROM pg_temp.stolen s, pg_temp.lic l
     WHERE s.what = 'iban' AND s.owner = dcpf.current_licensee() AND l.tag = 'B'$$, '{XX001,42501}'),
 ('A''s IBAN ciphertext presented as A''s billing phone (another column) does not open',
  $$SELECT pg_temp.try_decrypt(s.ct, 'billing_profile', 'contact_phone', s.row_id, s.subject) FROM pg_temp.stolen s
     WHERE s.what = 'iban' AND s.owner = dcpf.current_licensee()$$, '{XX001,42501}'),
 ('B''s IBAN ciphertext does not open with its true row and subject',
  $$SELECT pg_temp.try_decrypt(s.ct, 'billing_profile', 'iban', s.row_id, s.subject) FROM pg_temp.stolen s, pg_temp.lic l
     WHERE s.what = 'iban' AND s.owner = l.id AND l.tag = 'B'$$, '{42501}'),
 ('a ciphertext of their own under the person_credential label (no read rule) does not open',
  $$SELECT pg_temp.try_decrypt(s.ct, 'person_credential', 'totp_secret', s.row_id, s.subject) FROM pg_temp.stolen s
     WHERE s.what = 'totp' AND s.owner = dcpf.current_person()$$, '{42501}'),
 ('writing their own address ciphertext into their phone row is refused',
  $$SELECT pg_temp.try_sql(format('UPDATE dcpf.person_phone SET number_encrypted = %L::bytea WHERE person_id = dcpf.current_person()',
                                  (SELECT a.address_encrypted FROM dcpf.person_address a WHERE a.person_id = dcpf.current_person())))$$, '{XX001}'),
 ('writing a copied BIG number ciphertext (no_eura''s) into their own person row is refused',
  $$SELECT pg_temp.try_sql(format('UPDATE dcpf.person SET big_number_encrypted = %L::bytea WHERE id = dcpf.current_person()',
                                  (SELECT s.ct FROM pg_temp.stolen s, pg_temp.no_eura e WHERE s.what = 'big' AND s.owner = e.person_id)))$$, '{XX001}'),
 ('writing their own phone ciphertext into a new phone row of theirs is refused',
  $$SELECT pg_temp.try_sql(format('INSERT INTO dcpf.person_phone (person_id, kind, number_encrypted) VALUES (dcpf.current_person(), %L, %L::bytea)',
                                  'work', (SELECT c.number_encrypted FROM dcpf.person_phone c WHERE c.person_id = dcpf.current_person())))$$, '{XX001}');
-- how dcpf.decrypt_text, or a statement, answers: 'ok: <value>' or the SQLSTATE
CREATE FUNCTION pg_temp.try_decrypt(ct bytea, tbl text, col text, row_id uuid, subject uuid) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    RETURN 'ok: ' || dcpf.decrypt_text(ct, tbl, col, row_id, subject);
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE;
END $$;
CREATE FUNCTION pg_temp.try_sql(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE;
END $$;
-- dcpf roles an identity's holder might SET ROLE to (the service login is a member of each)
CREATE ROLE dcpf_t_mx_report NOLOGIN IN ROLE dcpf_reporting;
CREATE ROLE dcpf_t_mx_maint NOLOGIN IN ROLE dcpf_maintenance;
GRANT dcpf_t_mx_report, dcpf_t_mx_maint TO dcpf_t_mx_svc;
-- the key tables against every dcpf role and PUBLIC (the matrix above runs as the service login only)
CREATE TEMP TABLE key_table (tbl text PRIMARY KEY);
INSERT INTO key_table VALUES ('data_key'), ('master_key_generation'), ('key_rotation_run'), ('blind_index_key');
CREATE TEMP TABLE key_grantee (rolname text PRIMARY KEY, test_role text);
INSERT INTO key_grantee VALUES ('public', NULL), ('dcpf_app', 'dcpf_t_mx_app'), ('dcpf_service', 'dcpf_t_mx_svc'),
                               ('dcpf_reporting', 'dcpf_t_mx_report'), ('dcpf_maintenance', 'dcpf_t_mx_maint');
CREATE TEMP TABLE key_table_attempt (tbl text, test_role text, op text, outcome text);
CREATE TEMP TABLE decrypted_view (view text PRIMARY KEY);
INSERT INTO decrypted_view SELECT view FROM view_expectation;
-- rows the current identity sees through all four decrypted views
CREATE FUNCTION pg_temp.decrypted_rows_seen() RETURNS bigint LANGUAGE sql
RETURN (SELECT count(*) FROM dcpf.person_decrypted) + (SELECT count(*) FROM dcpf.person_phone_decrypted)
     + (SELECT count(*) FROM dcpf.person_address_decrypted) + (SELECT count(*) FROM dcpf.billing_profile_decrypted);
-- A's medical trainee's BIG number ciphertext, presented with its true row and subject
CREATE FUNCTION pg_temp.try_trainee_big() RETURNS text LANGUAGE sql
RETURN (SELECT pg_temp.try_decrypt(s.ct, 'person', 'big_number', s.row_id, s.subject) FROM pg_temp.stolen s
         WHERE s.what = 'big' AND s.owner = (SELECT a.person_id FROM pg_temp.actor a WHERE a.tag = 'A' AND a.role_code = 'medical_trainee'));

-- the breach register's steps, tried on B's breach by everyone but the
-- platform's security officer: each must be refused and change nothing
CREATE TEMP TABLE breach_call (n serial PRIMARY KEY, name text, sql text, refused_with text);
INSERT INTO breach_call (name, sql, refused_with) VALUES
 ('record_breach', $$SELECT dcpf.record_breach('Forged breach', now(), 'A forged breach of the matrix.', '{integrity}', '{name}', '{users}', 'Nothing at all, it is forged.', 'unlikely')$$, '42501'),
 ('add_breach_impact', $$SELECT dcpf.add_breach_impact('{breach}', '{actor}', NULL, now() - interval '1 day', now())$$, '42501'),
 ('add_breach_licensee', $$SELECT dcpf.add_breach_licensee('{breach}', '{lic}')$$, '42501'),
 ('notify_breach_controllers', $$SELECT dcpf.notify_breach_controllers('{breach}', 'forged reason')$$, '42501'),
 ('record_breach_authority_notice', $$SELECT dcpf.record_breach_authority_notice('{breach}', now(), 'AP-FORGED')$$, '42501'),
 ('waive_breach_authority_notice', $$SELECT dcpf.waive_breach_authority_notice('{breach}', 'forged reason')$$, '42501'),
 ('notify_breach_persons', $$SELECT dcpf.notify_breach_persons('{breach}')$$, '42501'),
 ('waive_breach_person_notice', $$SELECT dcpf.waive_breach_person_notice('{breach}', 'public_communication', 'forged reason')$$, '42501'),
 ('add_breach_update', $$SELECT dcpf.add_breach_update('{breach}', 'A forged update.', contained => true)$$, '42501'),
 ('close_breach', $$SELECT dcpf.close_breach('{breach}')$$, '42501'),
 ('acknowledge_breach', $$SELECT dcpf.acknowledge_breach('{breach}')$$, 'P0002');
-- the steps of handling a request, each tried on a request made to the
-- platform by every role but platform_security, and on a licensee's
-- request by platform_security: refused as if it did not exist (P0002)
CREATE TEMP TABLE request_call (n serial PRIMARY KEY, name text, sql text);
INSERT INTO request_call (name, sql) VALUES
 ('verify_subject_request', $$SELECT dcpf.verify_subject_request('{request}', 'id_document')$$),
 ('assign_subject_request', $$SELECT dcpf.assign_subject_request('{request}', '{actor}')$$),
 ('extend_subject_request', $$SELECT dcpf.extend_subject_request('{request}', 1, 'A forged extension.', now())$$),
 ('complete_subject_request', $$SELECT dcpf.complete_subject_request('{request}', 'A forged decision.')$$),
 ('refuse_subject_request', $$SELECT dcpf.refuse_subject_request('{request}', 'A forged refusal.', 'art. 12(5) AVG')$$),
 ('export_person', $$SELECT dcpf.export_person('{person}', '{request}')$$),
 ('erase_person', $$SELECT dcpf.erase_person('{person}', '{request}')$$),
 ('restrict_processing', $$SELECT dcpf.restrict_processing('{request}', 'legal_claims')$$),
 ('rectify_person', $$SELECT dcpf.rectify_person('{request}', '{"surname": "Forged"}')$$),
 ('complete_item', $$SELECT dcpf.complete_item('{request}', md5('{person}' || 'item')::uuid, 'A forged addendum.')$$);
-- the tables whose audit trigger names a subject column, and whether they
-- are declared exempt from a restriction of processing (the trigger's
-- arguments: subject column, insert action, outcome column, 'restriction_exempt')
CREATE TEMP TABLE subject_table AS
SELECT c.relname::text COLLATE "default" AS tbl, split_part(encode(t.tgargs, 'escape'), '\000', 1) AS subject_column,
       split_part(encode(t.tgargs, 'escape'), '\000', 4) = 'restriction_exempt' AS exempt
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgfoid = 'dcpf.audit_trigger()'::regprocedure AND (t.tgtype & 16) <> 0
   AND split_part(encode(t.tgargs, 'escape'), '\000', 1) <> '-';

SELECT plan(
      (SELECT count(*)::int FROM breach_call) * ((SELECT count(*)::int FROM actor WHERE tag = 'A' AND role_code <> 'platform_security') + 3)
    + 1                                                      -- the breaches unchanged
    + (SELECT count(*)::int FROM actor) + 1                  -- the platform's rows seen
    + (SELECT count(*)::int FROM request_call) * ((SELECT count(*)::int FROM actor WHERE tag = 'A' AND role_code <> 'platform_security') + 2)
    + 1                                                      -- the requests unchanged
    + (SELECT count(*)::int FROM dcpf_table)                 -- every table has an expectation
    + (SELECT count(*)::int FROM probe)                      -- the matrix
    + (SELECT count(*)::int FROM actor WHERE tag = 'A') * 3  -- good tokens, as controls
    + (SELECT count(*)::int FROM token_case) * 4             -- forgeries
    + (SELECT count(*)::int FROM actor WHERE tag = 'A') * 4  -- rolled-back subtransactions
    + 7                                                      -- explicit savepoints
    + (SELECT count(*)::int FROM view_probe)                 -- the decrypted views
    + (SELECT count(*)::int FROM actor WHERE tag = 'A') * (SELECT count(*)::int FROM copy_attack)
    + 1 + 2 * ((SELECT count(*)::int FROM decrypted_view) + 1)   -- SET ROLE to reporting and maintenance
    + 1 + (SELECT count(*)::int FROM key_table) * (SELECT count(*)::int FROM key_grantee)          -- key table privileges
    + (SELECT count(*)::int FROM key_table) * (SELECT count(*)::int FROM key_grantee WHERE test_role IS NOT NULL) * 2
    + 2 + (SELECT count(*)::int FROM subject_table)           -- restriction of processing
);
-- pgTAP keeps its state in temp tables: let the test roles use them and ours
DO $$ BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
END $$;
REVOKE ALL ON k FROM PUBLIC;   -- private keys stay with the superuser
RESET client_min_messages;

SELECT ok(x.tbl IS NOT NULL, format('table dcpf.%s has an expectation in the attack matrix', t.tbl))
  FROM dcpf_table t LEFT JOIN table_expectation x USING (tbl) ORDER BY t.tbl;

-- ---------------------------------------------------------------------------
-- The matrix, run by a trusted back-end (member of dcpf_service) acting as
-- each person of A in their role. Every probe runs in a subtransaction that is
-- always rolled back, so writes that were allowed leave nothing behind.
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.run_matrix() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    p record; cur_role text; outcome text; msg text; cnt bigint; pass boolean;
BEGIN
    FOR p IN SELECT * FROM pg_temp.probe ORDER BY role_code, n LOOP
        IF cur_role IS DISTINCT FROM p.role_code THEN
            PERFORM dcpf.act_as(p.actor_id, p.licensee_id, p.role_code, 'attack matrix');
            cur_role := p.role_code;
        END IF;
        outcome := NULL; msg := NULL; cnt := NULL;
        BEGIN
            IF p.op = 'SELECT' THEN
                EXECUTE p.sql INTO cnt;
            ELSE
                EXECUTE p.sql;
                GET DIAGNOSTICS cnt = ROW_COUNT;
            END IF;
            outcome := 'ok';
            RAISE EXCEPTION 'undo' USING ERRCODE = 'ZX001';
        EXCEPTION
            WHEN SQLSTATE 'ZX001' THEN NULL;
            WHEN OTHERS THEN outcome := SQLSTATE; msg := SQLERRM;
        END;
        pass := CASE p.expected
                    WHEN 'denied' THEN outcome = '42501'
                    WHEN 'allowed' THEN (outcome = 'ok' AND cnt = 1) OR outcome = '23505'
                    ELSE outcome = 'ok' AND cnt = p.expected::bigint END;
        RETURN NEXT ok(coalesce(pass, false), p.description);
        IF NOT coalesce(pass, false) THEN
            RETURN NEXT diag(format('    expected %s; got %s %s %s%s    sql: %s', p.expected, outcome,
                                    coalesce(cnt::text || ' row(s)', ''), coalesce(msg, ''), E'\n', p.sql));
        END IF;
        -- a probe's rolled-back subtransaction must not take the identity with it
        IF dcpf.current_person() IS DISTINCT FROM p.actor_id THEN
            RETURN NEXT diag('identity lost after probe ' || p.description);
            cur_role := NULL;
        END IF;
    END LOOP;
    PERFORM dcpf.clear_identity();
END
$f$;
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT * FROM pg_temp.run_matrix();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- The decrypted views, per role and licensee, against the plain values.
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.run_views() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    p record; cur_role text; actual text;
BEGIN
    FOR p IN SELECT v.*, x.actual_sql FROM pg_temp.view_probe v JOIN pg_temp.view_expectation x USING (view)
              ORDER BY v.role_code, v.n LOOP
        IF cur_role IS DISTINCT FROM p.role_code THEN
            PERFORM dcpf.act_as(p.actor_id, p.licensee_id, p.role_code, 'attack matrix: decrypted views');
            cur_role := p.role_code;
        END IF;
        BEGIN
            EXECUTE format($q$SELECT coalesce(string_agg(x.row_id || '=' || coalesce(x.value, '-'), ' ' ORDER BY x.row_id), '')
                                FROM (%s) x(row_id, value, licensee_id) WHERE x.licensee_id = %L$q$, p.actual_sql, p.scope_lic)
                INTO actual;
        EXCEPTION WHEN OTHERS THEN
            actual := 'error ' || SQLSTATE || ': ' || SQLERRM;
        END;
        RETURN NEXT is(actual, p.expected, p.description);
    END LOOP;
    PERFORM dcpf.clear_identity();
END
$f$;
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT * FROM pg_temp.run_views();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Ciphertexts out of place, for every role of A; each attempt in a
-- subtransaction that is rolled back, so an accepted write would not linger.
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.run_copy_attacks() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    a record; c record; outcome text;
BEGIN
    FOR a IN SELECT * FROM pg_temp.actor WHERE tag = 'A' ORDER BY role_code LOOP
        FOR c IN SELECT * FROM pg_temp.copy_attack ORDER BY n LOOP
            PERFORM dcpf.act_as(a.person_id, a.licensee_id, a.role_code, 'attack matrix: ciphertexts out of place');
            BEGIN
                EXECUTE c.sql INTO outcome;
                RAISE EXCEPTION 'undo' USING ERRCODE = 'ZX001';
            EXCEPTION
                WHEN SQLSTATE 'ZX001' THEN NULL;
                WHEN OTHERS THEN outcome := 'error ' || SQLSTATE || ': ' || SQLERRM;
            END;
            RETURN NEXT ok(coalesce(outcome = ANY (c.accept), false),
                           format('%s: %s (%s)', a.role_code, c.description, array_to_string(c.accept, ' or ')));
            IF NOT coalesce(outcome = ANY (c.accept), false) THEN
                RETURN NEXT diag(format('    got %s', coalesce(outcome, 'NULL')));
            END IF;
        END LOOP;
    END LOOP;
    PERFORM dcpf.clear_identity();
END
$f$;
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT * FROM pg_temp.run_copy_attacks();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- An identity does not travel into the reporting or maintenance roles: after
-- SET ROLE the decrypted views and dcpf.decrypt_text are refused.
-- ---------------------------------------------------------------------------
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT dcpf.act_as(person_id, licensee_id, role_code, 'attack matrix: set role') IS NOT NULL AS acting
  FROM actor WHERE tag = 'A' AND role_code = 'licensee_admin' \gset
SELECT is(pg_temp.try_trainee_big(), 'ok: ' || (SELECT value FROM plain_value v JOIN actor a ON a.person_id = v.row_id
                                                 WHERE v.view = 'person_decrypted' AND a.tag = 'A' AND a.role_code = 'medical_trainee'),
          'set role: control: admin A, as the service login, decrypts the BIG number of A''s medical trainee');
SET LOCAL ROLE dcpf_t_mx_report;
SELECT throws_ok(format('SELECT count(*) FROM dcpf.%I', view), '42501', NULL,
                 format('set role to a reporting login, identity still admin A: dcpf.%s refused', view))
  FROM decrypted_view ORDER BY view;
SELECT is(pg_temp.try_trainee_big(), '42501', 'set role to a reporting login: dcpf.decrypt_text refused');
SET LOCAL ROLE dcpf_t_mx_svc;
SET LOCAL ROLE dcpf_t_mx_maint;
SELECT throws_ok(format('SELECT count(*) FROM dcpf.%I', view), '42501', NULL,
                 format('set role to a maintenance login, identity still admin A: dcpf.%s refused', view))
  FROM decrypted_view ORDER BY view;
SELECT is(pg_temp.try_trainee_big(), '42501', 'set role to a maintenance login: dcpf.decrypt_text refused');
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT dcpf.clear_identity() IS NULL AS cleared \gset
RESET ROLE;

-- ---------------------------------------------------------------------------
-- The breach register's functions: every role of A but the platform's
-- security officer (on another licensee's breach), the application without identity, and after SET ROLE to the reporting and
-- maintenance roles with an identity held: refused, nothing changed.
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.try_breach_calls(who text, actor_id uuid, lic uuid) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE c record; got text; q text;
BEGIN
    FOR c IN SELECT * FROM pg_temp.breach_call ORDER BY n LOOP
        q := replace(replace(replace(c.sql, '{breach}', md5((SELECT id FROM pg_temp.lic WHERE tag = 'B') || 'breach')),
                             '{actor}', coalesce(actor_id::text, '00000000-0000-4000-8000-0000000e0e01')),
                     '{lic}', coalesce(lic::text, '00000000-0000-4000-8000-0000000a0a01'));
        got := pg_temp.try_sql(q);
        -- without an identity (or without the privilege) every step is refused as 42501
        RETURN NEXT is(got, CASE WHEN actor_id IS NULL THEN '42501' ELSE c.refused_with END,
                       format('breach register: %s by %s refused', c.name, who));
    END LOOP;
END
$f$;
CREATE TEMP TABLE breach_before AS
SELECT (SELECT count(*) FROM dcpf.breach_update) AS updates, (SELECT count(*) FROM dcpf.breach_controller WHERE notified_at IS NOT NULL) AS told,
       (SELECT count(*) FROM dcpf.breach WHERE status <> 'open' OR persons_decision IS NOT NULL OR authority_notified_at IS NOT NULL
                                           OR authority_waived_reason IS NOT NULL) AS decided,
       (SELECT count(*) FROM dcpf.breach) AS breaches, (SELECT count(*) FROM dcpf.notice WHERE kind LIKE 'breach%') AS notices;
GRANT SELECT ON breach_before TO PUBLIC;
CREATE FUNCTION pg_temp.try_breach_calls_as_every_role() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE a record;
BEGIN
    FOR a IN SELECT * FROM pg_temp.actor WHERE tag = 'A' AND role_code <> 'platform_security' ORDER BY role_code LOOP
        PERFORM dcpf.act_as(a.person_id, a.licensee_id, a.role_code, 'attack matrix: breaches');
        RETURN QUERY SELECT * FROM pg_temp.try_breach_calls(a.role_code || ' of A', a.person_id, a.licensee_id);
    END LOOP;
    PERFORM dcpf.clear_identity();
END
$f$;
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT * FROM pg_temp.try_breach_calls_as_every_role();
RESET ROLE;
SET LOCAL ROLE dcpf_t_mx_app;
SELECT * FROM pg_temp.try_breach_calls('dcpf_app without identity', NULL, NULL);
RESET ROLE;
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT dcpf.act_as(person_id, licensee_id, role_code, 'attack matrix: breaches after set role') IS NOT NULL AS acting
  FROM actor WHERE tag = 'A' AND role_code = 'platform_security' \gset
SET LOCAL ROLE dcpf_t_mx_report;
SELECT * FROM pg_temp.try_breach_calls('the reporting role, identity the security officer', NULL, NULL);
SET LOCAL ROLE dcpf_t_mx_svc;
SET LOCAL ROLE dcpf_t_mx_maint;
SELECT * FROM pg_temp.try_breach_calls('the maintenance role, identity the security officer', NULL, NULL);
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT dcpf.clear_identity() IS NULL AS cleared \gset
RESET ROLE;
SELECT is((SELECT row(b.*)::text FROM breach_before b),
          (SELECT row((SELECT count(*) FROM dcpf.breach_update), (SELECT count(*) FROM dcpf.breach_controller WHERE notified_at IS NOT NULL),
                      (SELECT count(*) FROM dcpf.breach WHERE status <> 'open' OR persons_decision IS NOT NULL OR authority_notified_at IS NOT NULL
                                                          OR authority_waived_reason IS NOT NULL),
                      (SELECT count(*) FROM dcpf.breach), (SELECT count(*) FROM dcpf.notice WHERE kind LIKE 'breach%'))::text),
          'breach register: the refused attempts changed nothing');

-- ---------------------------------------------------------------------------
-- Requests made to the platform (no licensee): every role of A and B sees
-- of the platform's requests, restrictions, rectifications and tombstones
-- only its own (none without identity), but platform_security, which sees
-- them all; the steps of handling a request, the export and the operations
-- carried out on one are refused (P0002, as for a request that does not
-- exist) to every role of A but platform_security on A's professional's
-- platform request, and to platform_security on the same person's request
-- to A; without identity, 42501. Nothing changes.
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.platform_rows_seen() RETURNS text LANGUAGE sql
RETURN format('subject_request %s, processing_restriction %s, rectification %s, erasure %s',
              (SELECT count(*) FROM dcpf.subject_request WHERE licensee_id IS NULL),
              (SELECT count(*) FROM dcpf.processing_restriction WHERE licensee_id IS NULL),
              (SELECT count(*) FROM dcpf.rectification WHERE licensee_id IS NULL),
              (SELECT count(*) FROM dcpf.erasure WHERE licensee_id IS NULL));
CREATE TEMP TABLE platform_rows_expected AS
SELECT a.tag, a.role_code,
       format('subject_request %s, processing_restriction %s, rectification %s, erasure %s',
              (SELECT count(*) FROM dcpf.subject_request t WHERE t.licensee_id IS NULL AND (a.role_code = 'platform_security' OR t.person_id = a.person_id)),
              (SELECT count(*) FROM dcpf.processing_restriction t WHERE t.licensee_id IS NULL AND (a.role_code = 'platform_security' OR t.person_id = a.person_id)),
              (SELECT count(*) FROM dcpf.rectification t WHERE t.licensee_id IS NULL AND (a.role_code = 'platform_security' OR t.person_id = a.person_id)),
              (SELECT count(*) FROM dcpf.erasure t WHERE t.licensee_id IS NULL AND a.role_code = 'platform_security')) AS seen
  FROM actor a;
GRANT SELECT ON platform_rows_expected TO PUBLIC;
CREATE FUNCTION pg_temp.platform_rows_seen_by_every_role() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE a record;
BEGIN
    FOR a IN SELECT * FROM pg_temp.actor ORDER BY tag, role_code LOOP
        PERFORM dcpf.act_as(a.person_id, a.licensee_id, a.role_code, 'attack matrix: platform requests');
        RETURN NEXT is(pg_temp.platform_rows_seen(), (SELECT e.seen FROM pg_temp.platform_rows_expected e WHERE e.tag = a.tag AND e.role_code = a.role_code),
                       format('platform requests: %s of %s sees %s', a.role_code, a.tag,
                              CASE WHEN a.role_code = 'platform_security' THEN 'the platform''s rows' ELSE 'only its own of the platform''s rows' END));
    END LOOP;
    PERFORM dcpf.clear_identity();
END
$f$;
CREATE FUNCTION pg_temp.try_request_calls(who text, actor_id uuid, request uuid, person uuid) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE c record;
BEGIN
    FOR c IN SELECT * FROM pg_temp.request_call ORDER BY n LOOP
        RETURN NEXT is(pg_temp.try_sql(replace(replace(replace(c.sql, '{request}', request::text), '{person}', person::text),
                                               '{actor}', coalesce(actor_id, person)::text)),
                       -- (the subject exporting with their own request takes the
                       -- person's own path, which refuses an erasure request: 22023)
                       CASE WHEN actor_id IS NULL THEN '42501'
                            WHEN actor_id = person AND c.name = 'export_person' THEN '22023' ELSE 'P0002' END,
                       format('platform requests: %s by %s refused', c.name, who));
    END LOOP;
END
$f$;
CREATE FUNCTION pg_temp.try_request_calls_as_every_role() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE a record; p record;
BEGIN
    SELECT * INTO p FROM pg_temp.platform_request WHERE tag = 'A';
    FOR a IN SELECT * FROM pg_temp.actor WHERE tag = 'A' AND role_code <> 'platform_security' ORDER BY role_code LOOP
        PERFORM dcpf.act_as(a.person_id, a.licensee_id, a.role_code, 'attack matrix: platform requests');
        RETURN QUERY SELECT * FROM pg_temp.try_request_calls(a.role_code || ' of A on a platform request', a.person_id, p.request_id, p.person_id);
    END LOOP;
    SELECT * INTO a FROM pg_temp.actor WHERE tag = 'A' AND role_code = 'platform_security';
    PERFORM dcpf.act_as(a.person_id, a.licensee_id, a.role_code, 'attack matrix: platform requests');
    RETURN QUERY SELECT * FROM pg_temp.try_request_calls('platform_security of A on a request to A', a.person_id, p.licensee_request_id, p.person_id);
    PERFORM dcpf.clear_identity();
END
$f$;
CREATE TEMP TABLE request_before AS
SELECT (SELECT string_agg(row(r.id, r.status, r.verified_at, r.handler_id, r.extension_months, r.decision)::text, ',' ORDER BY r.id)
          FROM dcpf.subject_request r) AS requests,
       (SELECT count(*) FROM dcpf.erasure) AS tombstones, (SELECT count(*) FROM dcpf.processing_restriction) AS restrictions,
       (SELECT count(*) FROM dcpf.rectification) AS rectifications, (SELECT count(*) FROM dcpf.item_addendum) AS addenda,
       (SELECT count(*) FROM dcpf.disclosure WHERE kind IN ('export', 'transfer')) AS exports,
       (SELECT count(*) FROM dcpf.person WHERE status <> 'active') AS not_active;
GRANT SELECT ON request_before TO PUBLIC;
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT * FROM pg_temp.platform_rows_seen_by_every_role();
SELECT * FROM pg_temp.try_request_calls_as_every_role();
RESET ROLE;
SET LOCAL ROLE dcpf_t_mx_app;
SELECT is(pg_temp.platform_rows_seen(), 'subject_request 0, processing_restriction 0, rectification 0, erasure 0',
          'platform requests: dcpf_app without identity sees none of the platform''s rows');
SELECT pg_temp.try_request_calls('dcpf_app without identity', NULL, p.request_id, p.person_id) FROM platform_request p WHERE p.tag = 'A';
RESET ROLE;
SELECT is((SELECT row(b.*)::text FROM request_before b),
          (SELECT row((SELECT string_agg(row(r.id, r.status, r.verified_at, r.handler_id, r.extension_months, r.decision)::text, ',' ORDER BY r.id)
                         FROM dcpf.subject_request r),
                      (SELECT count(*) FROM dcpf.erasure), (SELECT count(*) FROM dcpf.processing_restriction),
                      (SELECT count(*) FROM dcpf.rectification), (SELECT count(*) FROM dcpf.item_addendum),
                      (SELECT count(*) FROM dcpf.disclosure WHERE kind IN ('export', 'transfer')),
                      (SELECT count(*) FROM dcpf.person WHERE status <> 'active'))::text),
          'platform requests: the refused attempts changed nothing');

-- ---------------------------------------------------------------------------
-- The key tables: only the owner. No privilege of any kind for PUBLIC or a
-- dcpf role, and a member of each role, acting as admin A, can neither read
-- them nor record a forged shredding.
-- ---------------------------------------------------------------------------
SELECT ok((SELECT count(*) FROM dcpf.data_key WHERE wrapped IS NOT NULL) > 0 AND (SELECT count(*) FROM dcpf.master_key_generation) = 1,
          'key tables: control: the owner reads the wrapped data keys and the registered generation');
SELECT ok(NOT has_table_privilege(g.rolname, 'dcpf.' || k.tbl, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
          AND NOT has_any_column_privilege(g.rolname, 'dcpf.' || k.tbl, 'SELECT, INSERT, UPDATE, REFERENCES'),
          format('dcpf.%s: no table or column privilege for %s', k.tbl, g.rolname))
  FROM key_table k CROSS JOIN key_grantee g ORDER BY k.tbl, g.rolname;
CREATE FUNCTION pg_temp.key_table_attempts(who text) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE k record;
BEGIN
    FOR k IN SELECT tbl FROM pg_temp.key_table LOOP
        INSERT INTO pg_temp.key_table_attempt
        VALUES (k.tbl, who, 'SELECT', pg_temp.try_sql(format('SELECT count(*) FROM dcpf.%I', k.tbl))),
               (k.tbl, who, 'INSERT', pg_temp.try_sql(
                   (SELECT replace(x.insert_sql, '{self}', (SELECT person_id FROM pg_temp.actor WHERE tag = 'A' AND role_code = 'licensee_admin')::text)
                      FROM pg_temp.table_expectation x WHERE x.tbl = k.tbl)));
    END LOOP;
END
$f$;
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT dcpf.act_as(person_id, licensee_id, role_code, 'attack matrix: key tables') IS NOT NULL AS acting
  FROM actor WHERE tag = 'A' AND role_code = 'licensee_admin' \gset
SELECT pg_temp.key_table_attempts('dcpf_t_mx_svc');
SET LOCAL ROLE dcpf_t_mx_app;
SELECT pg_temp.key_table_attempts('dcpf_t_mx_app');
SET LOCAL ROLE dcpf_t_mx_svc;
SET LOCAL ROLE dcpf_t_mx_report;
SELECT pg_temp.key_table_attempts('dcpf_t_mx_report');
SET LOCAL ROLE dcpf_t_mx_svc;
SET LOCAL ROLE dcpf_t_mx_maint;
SELECT pg_temp.key_table_attempts('dcpf_t_mx_maint');
SET LOCAL ROLE dcpf_t_mx_svc;
SELECT dcpf.clear_identity() IS NULL AS cleared \gset
RESET ROLE;
SELECT is(a.outcome, '42501', format('%s dcpf.%s as a member of %s (identity admin A): refused', a.op, a.tbl, g.rolname))
  FROM key_table_attempt a JOIN key_grantee g ON g.test_role = a.test_role ORDER BY a.tbl, g.rolname, a.op;

-- ---------------------------------------------------------------------------
-- Tokens, presented by the application's role (dcpf_app only). Before each
-- forgery the role's good token is accepted, so the refusal must also clear
-- the identity that was there.
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.run_tokens() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    t record; a record; state text; msg text; who uuid; seen bigint;
BEGIN
    -- controls: each role's good token works, so the refusals below mean something
    FOR a IN SELECT DISTINCT ON (role_code) c.role_code, c.good, x.person_id
               FROM pg_temp.token_case c JOIN pg_temp.actor x ON x.tag = 'A' AND x.role_code = c.role_code
              ORDER BY role_code LOOP
        RETURN NEXT is(dcpf.authenticate(a.good), a.person_id, format('good token for %s: accepted', a.role_code));
        RETURN NEXT is(dcpf.current_role(), a.role_code, format('good token for %s: acts in that role', a.role_code));
        SELECT count(*) INTO seen FROM dcpf.person;
        RETURN NEXT ok(seen >= 1, format('good token for %s: sees at least their own person row', a.role_code));
        PERFORM dcpf.clear_identity();
    END LOOP;
    FOR t IN SELECT * FROM pg_temp.token_case ORDER BY role_code, n LOOP
        PERFORM dcpf.authenticate(t.good);
        -- whatever the good identity could decrypt is now cached for the transaction
        PERFORM pg_temp.try_trainee_big(), pg_temp.decrypted_rows_seen();
        state := NULL; msg := NULL;
        BEGIN
            PERFORM dcpf.authenticate(t.token);
            state := 'accepted';
        EXCEPTION WHEN OTHERS THEN
            state := SQLSTATE; msg := SQLERRM;
        END;
        RETURN NEXT ok(state = ANY (t.expected_states), format('token %s (%s): refused with %s', t.variant, t.role_code,
                                                               array_to_string(t.expected_states, ' or ')));
        IF NOT state = ANY (t.expected_states) THEN
            RETURN NEXT diag(format('    got %s: %s', state, msg));
        END IF;
        who := dcpf.current_person();
        RETURN NEXT ok(who IS NULL, format('token %s (%s): no identity afterwards', t.variant, t.role_code));
        SELECT count(*) INTO seen FROM dcpf.person;
        RETURN NEXT is(seen, 0::bigint, format('token %s (%s): dcpf.person shows nothing afterwards', t.variant, t.role_code));
        RETURN NEXT ok(pg_temp.decrypted_rows_seen() = 0 AND pg_temp.try_trainee_big() = '42501',
                       format('token %s (%s): the decrypted views show nothing and a copied BIG ciphertext does not open', t.variant, t.role_code));
        PERFORM dcpf.clear_identity();
    END LOOP;
END
$f$;
SET LOCAL ROLE dcpf_t_mx_app;
SELECT * FROM pg_temp.run_tokens();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Identities do not outlive the subtransaction or savepoint that set them.
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.run_rollbacks() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    a record; seen_inside bigint; seen bigint; sess boolean;
BEGIN
    FOR a IN SELECT DISTINCT ON (role_code) c.role_code, c.good FROM pg_temp.token_case c ORDER BY role_code LOOP
        FOREACH sess IN ARRAY '{false,true}'::boolean[] LOOP
            BEGIN
                PERFORM dcpf.authenticate(a.good, session_scope => sess);
                SELECT count(*) INTO seen_inside FROM dcpf.person;
                RAISE EXCEPTION 'undo' USING ERRCODE = 'ZX001';
            EXCEPTION WHEN SQLSTATE 'ZX001' THEN NULL;
            END;
            SELECT count(*) INTO seen FROM dcpf.person;
            RETURN NEXT ok(dcpf.current_person() IS NULL AND seen_inside >= 1,
                           format('%s: identity (%s scope) set in a rolled-back subtransaction is gone', a.role_code,
                                  CASE WHEN sess THEN 'session' ELSE 'transaction' END));
            RETURN NEXT is(seen, 0::bigint, format('%s: after the rollback (%s scope) dcpf.person shows nothing', a.role_code,
                                                   CASE WHEN sess THEN 'session' ELSE 'transaction' END));
        END LOOP;
    END LOOP;
END
$f$;
SET LOCAL ROLE dcpf_t_mx_app;
SELECT * FROM pg_temp.run_rollbacks();

-- the same with explicit savepoints
SAVEPOINT s1;
SELECT dcpf.authenticate((SELECT good FROM good_token)) IS NOT NULL AS authenticated \gset
SELECT ok((SELECT count(*) FROM dcpf.person) > 1, 'savepoint: the admin sees the people of A inside the savepoint');
ROLLBACK TO SAVEPOINT s1;
SELECT ok(dcpf.current_person() IS NULL, 'savepoint: ROLLBACK TO SAVEPOINT clears the identity set inside it');
SELECT is((SELECT count(*) FROM dcpf.person), 0::bigint, 'savepoint: after ROLLBACK TO SAVEPOINT dcpf.person shows nothing');
SELECT ok(pg_temp.decrypted_rows_seen() = 0 AND pg_temp.try_trainee_big() = '42501',
          'savepoint: after ROLLBACK TO SAVEPOINT the decrypted views show nothing and a copied BIG ciphertext does not open');
SAVEPOINT s2;
SELECT dcpf.authenticate((SELECT good FROM good_token), session_scope => true) IS NOT NULL AS authenticated \gset
RELEASE SAVEPOINT s2;
SELECT ok(dcpf.current_person() IS NOT NULL, 'savepoint: a released savepoint keeps the identity');
SAVEPOINT s3;
SELECT dcpf.clear_identity();
SELECT ok(dcpf.current_person() IS NULL, 'savepoint: clear_identity forgets a session-scoped identity');
ROLLBACK TO SAVEPOINT s3;
SELECT is((SELECT count(*) FROM dcpf.person), 0::bigint, 'savepoint: rolling back past clear_identity does not bring the identity back');
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Restriction of processing (sql/216_restriction.sql) blocks every write
-- path: with everyone's processing restricted, a write of one of their rows
-- is refused in every table whose audit trigger names a subject column, by
-- that trigger itself, whoever writes (here the superuser, whom no policy
-- or privilege stops; the table's other triggers are switched off for the
-- probe, so that nothing else refuses first), except in the tables declared
-- exempt at dcpf.audit_table, which are exactly those listed.
-- ---------------------------------------------------------------------------
SELECT results_eq($$SELECT tbl FROM subject_table WHERE exempt ORDER BY tbl$$,
    $$VALUES ('authentication_event'), ('breach_subject'), ('consent'), ('consent_event'), ('data_key'), ('identity_assumption'), ('identity_link'),
             ('legal_hold'), ('login_attempt'), ('notice'), ('person_credential'), ('processing_restriction'), ('subject_request')$$,
    'restriction: the tables written also for a restricted person are the declared exempt ones (requests, notices, security logs, keys, consent, the restriction, legal holds, breaches that affected them)');
-- rows of the tables the data above leaves empty: a password, a login
-- attempt, an item linked to its licensee's EPA
SET LOCAL dcpf.scrypt_log_n = 14;
SELECT dcpf.set_password(a.person_id, 'correct paard batterij nietje') IS NOT NULL AS password_set
  FROM actor a WHERE a.tag = 'A' AND a.role_code = 'professional' \gset
INSERT INTO dcpf.login_attempt (person_id, email_sha256, outcome)
SELECT a.person_id, sha256('matrix'), 'wrong_password' FROM actor a WHERE a.tag = 'A' AND a.role_code = 'professional';
-- (its programme check switched off: only the row matters here)
ALTER TABLE dcpf.portfolio_item_epa DISABLE TRIGGER USER;
INSERT INTO dcpf.portfolio_item_epa (item_id, epa_id, owner_id)
SELECT md5(a.person_id || 'item')::uuid, md5(a.licensee_id || 'epa')::uuid, a.person_id
  FROM actor a WHERE a.tag = 'A' AND a.role_code = 'medical_trainee';
ALTER TABLE dcpf.portfolio_item_epa ENABLE TRIGGER USER;
INSERT INTO dcpf.subject_request (id, person_id, kind, channel)
SELECT md5(p.id || 'restriction')::uuid, p.id, 'restriction', 'web' FROM dcpf.person p;
INSERT INTO dcpf.processing_restriction (person_id, kind, request_id, ground)
SELECT p.id, 'restriction', md5(p.id || 'restriction')::uuid, 'accuracy_contested' FROM dcpf.person p;
SELECT is((SELECT count(*) FROM dcpf.person p WHERE NOT dcpf.processing_restricted(p.id)), 0::bigint,
          'restriction: everyone''s processing is restricted, from the next statement');
CREATE FUNCTION pg_temp.restricted_write(tbl text, subject_column text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
    written bigint; state text; msg text; detail text;
BEGIN
    EXECUTE format('ALTER TABLE dcpf.%I DISABLE TRIGGER USER', tbl);
    EXECUTE format('ALTER TABLE dcpf.%I ENABLE TRIGGER %I', tbl, tbl || '_audit_update');
    EXECUTE format('UPDATE dcpf.%1$I SET %2$I = %2$I WHERE ctid = (SELECT ctid FROM dcpf.%1$I WHERE %2$I IN (SELECT id FROM dcpf.person) LIMIT 1)',
                   tbl, subject_column);
    GET DIAGNOSTICS written = ROW_COUNT;
    RAISE EXCEPTION 'undo' USING ERRCODE = 'ZX001', DETAIL = written;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    IF state = 'ZX001' THEN
        RETURN CASE detail WHEN '1' THEN 'written' ELSE 'no row of a person to write' END;
    END IF;
    RETURN state || ' ' || regexp_replace(msg, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<person>');
END
$f$;
SELECT is(pg_temp.restricted_write(tbl, subject_column),
          CASE WHEN exempt THEN 'written' ELSE '55000 the data of person <person> is read-only' END,
          format('restriction: a write of a restricted person''s row of dcpf.%s (subject %s) is %s', tbl, subject_column,
                 CASE WHEN exempt THEN 'let through (declared exempt)' ELSE 'refused by its audit trigger' END))
  FROM subject_table ORDER BY tbl;

SELECT * FROM finish();
ROLLBACK;

