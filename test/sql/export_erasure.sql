-- Access, portability and erasure (sql/240_export.sql, sql/245_erasure.sql,
-- driven by the registry of sql/215_personal_data.sql). A person exports
-- their own data; the privacy officer exports it on a verified access or
-- portability request to their licensee, and transfers it on a portability
-- request; nobody else, not with another kind of request, not unverified.
-- The privacy officer erases a person on a verified erasure request: refused,
-- changing nothing, under a legal hold or while another licensee still has
-- the person as a member; otherwise the person's rows go, what must be kept
-- is kept under the pseudonym (consent proof, requests without the person's
-- words, the assessment they signed on someone else's record), their key is
-- shredded, recipients get art. 19 notices, a tombstone stays. The internals
-- are the owner's alone.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_ee_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- 201 Anna (professional of A, also of B), 202 Piet (assessor and supervisor
-- of A), 203 the admin of A, 204 and 207 privacy officers of A (207 Tess also
-- a supervisor), 205 the privacy officer of B, 208 Kees (professional of A)
INSERT INTO dcpf.person (id, email, surname, given_names, initials, job_title)
SELECT v.id::uuid, v.email, v.surname, v.given, v.initials, 'Verpleegkundige'
  FROM (VALUES ('00000000-0000-4000-8000-000000000201', 'anna.jansen@example.nl', 'Jansen', 'Anna', 'A.'),
               ('00000000-0000-4000-8000-000000000202', 'piet.deboer@example.nl', 'Boer', 'Piet', 'P.'),
               ('00000000-0000-4000-8000-000000000203', 'beheer@example.nl', 'Beheer', 'Bea', 'B.'),
               ('00000000-0000-4000-8000-000000000204', 'fg@example.nl', 'Functionaris', 'Frits', 'F.'),
               ('00000000-0000-4000-8000-000000000205', 'fg@west.example', 'West', 'Wim', 'W.'),
               ('00000000-0000-4000-8000-000000000207', 'fg2@example.nl', 'Tweede', 'Tess', 'T.'),
               ('00000000-0000-4000-8000-000000000208', 'kees@example.nl', 'Kok', 'Kees', 'K.')) v(id, email, surname, given, initials);
UPDATE dcpf.person SET tussenvoegsel = 'de' WHERE id = '00000000-0000-4000-8000-000000000202';
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
SELECT v.id::uuid, v.person::uuid, v.licensee::uuid, v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-00000000e201', '00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-00000000e202', '00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000a002', 'professional'),
               ('00000000-0000-4000-8000-00000000e203', '00000000-0000-4000-8000-000000000202', '00000000-0000-4000-8000-00000000a001', 'assessor'),
               ('00000000-0000-4000-8000-00000000e204', '00000000-0000-4000-8000-000000000202', '00000000-0000-4000-8000-00000000a001', 'supervisor'),
               ('00000000-0000-4000-8000-00000000e205', '00000000-0000-4000-8000-000000000203', '00000000-0000-4000-8000-00000000a001', 'licensee_admin'),
               ('00000000-0000-4000-8000-00000000e206', '00000000-0000-4000-8000-000000000204', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-00000000e207', '00000000-0000-4000-8000-000000000205', '00000000-0000-4000-8000-00000000a002', 'privacy_officer'),
               ('00000000-0000-4000-8000-00000000e208', '00000000-0000-4000-8000-000000000207', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-00000000e209', '00000000-0000-4000-8000-000000000207', '00000000-0000-4000-8000-00000000a001', 'supervisor'),
               ('00000000-0000-4000-8000-00000000e210', '00000000-0000-4000-8000-000000000208', '00000000-0000-4000-8000-00000000a001', 'professional')
       ) v(id, person, licensee, role);
\i test/sql/include/accept_euras.sql
SELECT dcpf.add_phone('00000000-0000-4000-8000-000000000201', 'mobile', '06 12345678') IS NOT NULL AS anna_has_a_phone;

CREATE ROLE dcpf_test_ee_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;
INSERT INTO pg_temp.named VALUES ('00000000-0000-4000-8000-000000000201', 'Anna'), ('00000000-0000-4000-8000-000000000202', 'Piet'),
                                 ('00000000-0000-4000-8000-00000000a001', 'A'), ('00000000-0000-4000-8000-00000000a002', 'B');

-- Anna's portfolio: a reflection shared with Piet, on which he comments; a
-- KPB he assesses and signs; consent to marketing; a visit
SET ROLE dcpf_test_ee_backend;
SELECT pg_temp.as_person('201', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted)
VALUES ('00000000-0000-4000-8000-0000000f0001', '00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000e201',
        'reflection', 'Reflectie nachtdienst',
        dcpf.encrypt('Anna Jansen schreef: de overdracht ging te snel.', 'portfolio_item', 'body',
                     '00000000-0000-4000-8000-0000000f0001', '00000000-0000-4000-8000-000000000201')),
       ('00000000-0000-4000-8000-0000000f0002', '00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000e201',
        'assessment', 'KPB infuus', NULL);
INSERT INTO dcpf.assessment (item_id, instrument, assessor_id)
VALUES ('00000000-0000-4000-8000-0000000f0002', 'kpb', '00000000-0000-4000-8000-000000000202');
SELECT dcpf.submit_item('00000000-0000-4000-8000-0000000f0001') IS NOT NULL AS reflection_submitted,
       dcpf.submit_item('00000000-0000-4000-8000-0000000f0002') IS NOT NULL AS kpb_submitted;
INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_person_id, permission)
VALUES ('00000000-0000-4000-8000-000000000201', 'item', '00000000-0000-4000-8000-0000000f0001', '00000000-0000-4000-8000-000000000202', 'comment');
INSERT INTO dcpf.share (owner_id, scope, category, grantee_licensee_id, grantee_role, permission)
VALUES ('00000000-0000-4000-8000-000000000201', 'category', 'assessment', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'read');
SELECT dcpf.give_consent('marketing') IS NOT NULL AS consented;
-- with analytics consent her visit is kept with her id and the minute
SELECT dcpf.give_consent('analytics_cookies') IS NOT NULL AS analytics_consented;
SELECT pg_temp.as_person('202', 'assessor');
SELECT dcpf.assess_item('00000000-0000-4000-8000-0000000f0002', 3, 'Rustig en zorgvuldig.', 'Meer uitleg aan de patiënt.') IS NOT NULL AS assessed;
SELECT pg_temp.as_person('202', 'supervisor');
SELECT dcpf.comment_item('00000000-0000-4000-8000-0000000f0001', 'Goed dat je dit opschrijft, Anna.') IS NOT NULL AS commented;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT dcpf.record_visit('192.0.2.44', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', '/portfolio', now(),
                         '00000000-0000-4000-8000-000000000201') IS NOT NULL AS visit_recorded;
SET ROLE dcpf_test_ee_backend;

-- 1. export: the person's own, complete and decrypted (the UMC keeps ended
-- memberships 18 months: a policy of its own, set here by the owner; the
-- export's terms are ISO 8601 durations whatever the IntervalStyle)
RESET ROLE;
INSERT INTO dcpf.retention_policy (licensee_id, category, clock_event, term, action)
VALUES ('00000000-0000-4000-8000-00000000a001', 'memberships', 'membership_end', '18 months', 'delete');
SET ROLE dcpf_test_ee_backend;
SET IntervalStyle = 'postgres_verbose';
SELECT pg_temp.as_person('201', 'professional');
SELECT dcpf.export_person('00000000-0000-4000-8000-000000000201')::jsonb AS doc \gset
SELECT :'doc'::jsonb ->> 'format' AS format,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(:'doc'::jsonb) k) AS top_level,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(:'doc'::jsonb -> 'tables') k) AS tables,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(:'doc'::jsonb -> 'facts') k) AS facts;
SELECT :'doc'::jsonb #>> '{tables,person,0,surname}' AS surname,
       :'doc'::jsonb #>> '{tables,person_phone,0,number}' AS phone_decrypted,
       (SELECT string_agg(i ->> 'body', ' | ' ORDER BY i ->> 'title') FROM jsonb_array_elements(:'doc'::jsonb #> '{tables,portfolio_item}') i) AS bodies,
       :'doc'::jsonb #>> '{tables,assessment,0,strengths}' AS strengths,
       :'doc'::jsonb #>> '{tables,item_comment,0,body}' AS comment_by_piet,
       :'doc'::jsonb #> '{tables,person,0}' ? 'big_number_hmac' AS blind_index_shown,
       (SELECT count(*) FROM jsonb_array_elements(:'doc'::jsonb #> '{facts,recipients}')) AS recipients,
       (SELECT count(*) FROM jsonb_array_elements(:'doc'::jsonb #> '{facts,purposes}')) AS purposes;
-- how long her data is kept (art. 15(1)(d)): every category's policy for the
-- platform's rows and, for the categories a licensee decides, that of each
-- licensee she is a member of (its own where it set one)
SELECT e ->> 'category' AS category, e ->> 'licensee' AS licensee, e ->> 'clock_event' AS clock_event, e ->> 'term' AS term,
       e ->> 'action' AS action, e ->> 'set_in' AS set_in, e ->> 'minimum_term' AS minimum
  FROM jsonb_array_elements(:'doc'::jsonb #> '{facts,retention}') e;
SELECT v AS "interval", dcpf.iso_duration(v) AS iso_8601
  FROM unnest(ARRAY[interval '0', interval '5 years', interval '1 year 6 months', interval '13 months', interval '30 days',
                    interval '36 hours', interval '1 day 2 hours 3 minutes 4.5 seconds', interval '90 seconds']) v;
SELECT dcpf.iso_duration(NULL) IS NULL AS null_is_null;
RESET IntervalStyle;
-- the streaming form gives the same rows (and one recipient more: the
-- first export, recorded before the second was read)
SELECT (SELECT count(*) FROM dcpf.export_person_rows('00000000-0000-4000-8000-000000000201') r WHERE r.section = 'rows')
       = (SELECT sum(jsonb_array_length(v)) + 1 FROM jsonb_each(:'doc'::jsonb -> 'tables') e(k, v)) AS stream_matches_document;
-- Piet's export shows that he took part in Anna's records, not what they say
SELECT pg_temp.as_person('202', 'assessor');
SELECT r ->> 'table' AS tbl, r ->> 'as' AS as_column
  FROM json_array_elements(dcpf.export_person('00000000-0000-4000-8000-000000000202') -> 'references') r ORDER BY 1, 2;

-- refused: someone else's data, without or with the wrong request
SELECT pg_temp.refused($$SELECT dcpf.export_person('00000000-0000-4000-8000-000000000201')$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.export_person_rows('00000000-0000-4000-8000-000000000201')$$);
SELECT pg_temp.refused($$SELECT dcpf.export_person('00000000-0000-4000-8000-0000000f0009')$$);
SELECT pg_temp.as_person('201', 'professional');
SELECT pg_temp.refused($$SELECT dcpf.transfer_person('00000000-0000-4000-8000-000000000201', NULL, 'Ander Ziekenhuis')$$);
SELECT dcpf.submit_subject_request('access') AS access_req \gset
SELECT dcpf.submit_subject_request('portability') AS port_req \gset
SELECT dcpf.submit_subject_request('erasure', 'Verwijder alles van mij, Anna Jansen.') AS erase_req \gset
INSERT INTO pg_temp.named VALUES (:'access_req', 'access request'), (:'port_req', 'portability request'), (:'erase_req', 'erasure request');
SELECT pg_temp.as_person('204', 'privacy_officer');
SELECT pg_temp.refused($$SELECT dcpf.export_person('00000000-0000-4000-8000-000000000201')$$);
SELECT pg_temp.refused(format('SELECT dcpf.export_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'access_req'));
SELECT dcpf.verify_subject_request(:'access_req', 'authenticated_session');
SELECT dcpf.verify_subject_request(:'port_req', 'authenticated_session');
SELECT dcpf.verify_subject_request(:'erase_req', 'id_document');
SELECT pg_temp.refused(format('SELECT dcpf.export_person(%L, %L)', '00000000-0000-4000-8000-000000000202', :'access_req'));
SELECT pg_temp.refused(format('SELECT dcpf.export_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'erase_req'));
SELECT pg_temp.refused(format('SELECT dcpf.transfer_person(%L, %L, %L)', '00000000-0000-4000-8000-000000000201', :'access_req', 'Ander Ziekenhuis'));
SELECT pg_temp.refused(format('SELECT dcpf.transfer_person(%L, %L, %L)', '00000000-0000-4000-8000-000000000201', :'port_req', ' '));
SELECT pg_temp.as_person('205', 'privacy_officer', 'a002');
SELECT pg_temp.refused(format('SELECT dcpf.export_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'access_req'));
SELECT pg_temp.as_person('203', 'licensee_admin');
SELECT pg_temp.refused(format('SELECT dcpf.export_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'access_req'));
-- carried out by the privacy officer: the export and the transfer are recorded
SELECT pg_temp.as_person('204', 'privacy_officer');
SELECT dcpf.export_person('00000000-0000-4000-8000-000000000201', :'access_req') #>> '{tables,person,0,email}' AS exported_email;
SELECT dcpf.transfer_person('00000000-0000-4000-8000-000000000201', :'port_req', 'Ziekenhuis Noord') ->> 'transfer_to' AS transferred_to;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT kind, recipient_description, recipient_person_id IS NOT NULL AS to_a_person
  FROM dcpf.disclosure WHERE subject_id = '00000000-0000-4000-8000-000000000201' AND kind <> 'share' ORDER BY disclosed_at, kind;
DO $$ BEGIN PERFORM dcpf.audit_queue_drain(); END $$;
SELECT count(*) AS export_events FROM dcpf.audit_event
 WHERE action = 'export' AND subject_person = '00000000-0000-4000-8000-000000000201';

-- 2. the internals are the owner's: an application cannot call them or forge a tombstone
SET ROLE dcpf_test_ee_backend;
SELECT pg_temp.as_person('204', 'privacy_officer');
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.export_rows('00000000-0000-4000-8000-000000000201')$$);
SELECT pg_temp.refused($$SELECT dcpf.export_document('00000000-0000-4000-8000-000000000201', NULL, NULL)$$);
SELECT pg_temp.refused($$SELECT dcpf.erasing('00000000-0000-4000-8000-000000000201')$$);
SELECT pg_temp.refused($$SELECT * FROM dcpf.erasure_obstacles('00000000-0000-4000-8000-000000000201', NULL)$$);
SELECT pg_temp.refused(format($$INSERT INTO dcpf.erasure (pseudonym, request_id, licensee_id, erased_by) VALUES (%L, %L, %L, %L)$$,
                              '00000000-0000-4000-8000-000000000201', :'erase_req', '00000000-0000-4000-8000-00000000a001',
                              '00000000-0000-4000-8000-000000000204'));
SELECT pg_temp.refused($$INSERT INTO dcpf.legal_hold (licensee_id, reason, placed_by) VALUES
    ('00000000-0000-4000-8000-00000000a001', 'Forged hold', '00000000-0000-4000-8000-000000000204')$$);

-- 3. erasure refused, changing nothing: not the officer, not the right request
SELECT pg_temp.as_person('201', 'professional');
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'erase_req'));
SELECT pg_temp.as_person('205', 'privacy_officer', 'a002');
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'erase_req'));
SELECT pg_temp.as_person('204', 'privacy_officer');
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'access_req'));
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000202', :'erase_req'));
-- a legal hold, and a current membership of B, stand in the way
SELECT dcpf.place_legal_hold('00000000-0000-4000-8000-000000000201', 'Klacht bij het tuchtcollege, zaak 2026-114.') AS hold \gset
INSERT INTO pg_temp.named VALUES (:'hold', 'hold');
SELECT pg_temp.refused(format('SELECT dcpf.place_legal_hold(%L, %L)', '00000000-0000-4000-8000-000000000205', 'Geen lid van A.'));
SELECT pg_temp.refused(format('SELECT dcpf.place_legal_hold(%L, %L, now() - interval ''1 day'')', '00000000-0000-4000-8000-000000000201', 'Al voorbij.'));
SELECT pg_temp.refused(format('SELECT dcpf.place_legal_hold(%L, %L)', '00000000-0000-4000-8000-000000000201', 'Dossier van BSN 111222333.'));
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'erase_req'));
SELECT dcpf.lift_legal_hold(:'hold');
SELECT pg_temp.refused(format('SELECT dcpf.lift_legal_hold(%L)', :'hold'));
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'erase_req'));
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT status, details IS NOT NULL AS details_kept FROM dcpf.subject_request WHERE id = :'erase_req';
SELECT count(*) AS anna_items FROM dcpf.portfolio_item WHERE owner_id = '00000000-0000-4000-8000-000000000201';
SELECT dcpf.end_membership('00000000-0000-4000-8000-00000000e202', now() - interval '1 second') IS NOT NULL AS left_b;

-- 4. Piet erased first: his own rows go; what he signed and wrote on Anna's
-- records stays hers, under his pseudonym, without his name
SET ROLE dcpf_test_ee_backend;
SELECT pg_temp.as_person('202', 'assessor');
SELECT dcpf.submit_subject_request('erasure') AS piet_req \gset
SELECT pg_temp.as_person('207', 'privacy_officer');
SELECT dcpf.verify_subject_request(:'piet_req', 'in_person');
SELECT dcpf.erase_person('00000000-0000-4000-8000-000000000202', :'piet_req') IS NOT NULL AS piet_erased;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT count(*) AS piet_memberships FROM dcpf.membership WHERE person_id = '00000000-0000-4000-8000-000000000202';
SELECT i.title, i.signed_by = a.assessor_id AS signed_by_the_pseudonym, p.status, dcpf.person_display_name(p) AS assessor_name
  FROM dcpf.portfolio_item i JOIN dcpf.assessment a ON a.item_id = i.id JOIN dcpf.person p ON p.id = a.assessor_id;
SELECT count(*) AS comments_by_the_pseudonym FROM dcpf.item_comment WHERE author_id = '00000000-0000-4000-8000-000000000202';
SELECT count(*) AS shares_to_piet FROM dcpf.share WHERE grantee_person_id = '00000000-0000-4000-8000-000000000202';

-- 5. Anna erased: her rows gone, what must be kept kept under the pseudonym
-- (the queued reads written first, so that the count of her events is stable)
DO $$ BEGIN PERFORM dcpf.audit_queue_drain(); END $$;
SET ROLE dcpf_test_ee_backend;
SELECT pg_temp.as_person('204', 'privacy_officer');
SELECT dcpf.erase_person('00000000-0000-4000-8000-000000000201', :'erase_req') AS stone \gset
INSERT INTO pg_temp.named VALUES (:'stone', 'tombstone');
SELECT rows_deleted, rows_kept, notices_queued, key_shredded_at IS NOT NULL AS key_shredded,
       erased_by = '00000000-0000-4000-8000-000000000204' AS by_the_officer
  FROM dcpf.erasure WHERE id = :'stone';
SELECT kind, status, regexp_replace(regexp_replace(decision, '[0-9a-f-]{36}', '<id>', 'g'), '\d{4}-\d\d-\d\d', '<today>') AS decided,
       details IS NULL AS her_words_gone
  FROM dcpf.subject_request WHERE person_id = '00000000-0000-4000-8000-000000000201' ORDER BY kind;
-- again: the request is closed
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000201', :'erase_req'));
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT status, erased_at IS NOT NULL AS erased, num_nonnulls(given_names, initials, surname, email, big_number_encrypted, job_title, photo) AS personal_values
  FROM dcpf.person WHERE id = '00000000-0000-4000-8000-000000000201';
-- no row of a table the registry deletes from is left
DO $$
DECLARE t record; n bigint; left_over text := '';
BEGIN
    FOR t IN SELECT * FROM dcpf.erasure_order() LOOP
        EXECUTE format('SELECT count(*) FROM dcpf.%I WHERE %I = %L', t.table_name, t.subject_column, '00000000-0000-4000-8000-000000000201') INTO n;
        IF n > 0 THEN left_over := left_over || ' ' || t.table_name; END IF;
    END LOOP;
    RAISE NOTICE 'rows left in deleted tables:%', coalesce(nullif(left_over, ''), ' none');
END $$;
SELECT action, count(*) FROM dcpf.consent_event WHERE person_id = '00000000-0000-4000-8000-000000000201' GROUP BY 1;
SELECT count(*) AS visits_linked FROM dcpf.web_visit WHERE person_id = '00000000-0000-4000-8000-000000000201';
SELECT count(*) AS visits_kept, count(*) FILTER (WHERE consented) AS still_consented,
       bool_and(visited_at = date_trunc('hour', visited_at, 'UTC')) AS to_the_hour FROM dcpf.web_visit;
SELECT shredded_at IS NOT NULL AS shredded, wrapped IS NULL AS key_gone FROM dcpf.data_key WHERE subject_id = '00000000-0000-4000-8000-000000000201';
-- the art. 19 notices (dcpf.recipients_of): to Tess, a current supervisor of A
-- (for the share with A's supervisors); not to erased Piet; never naming Anna
SELECT p.surname AS recipient, n.payload ? 'pseudonym' AS names_the_pseudonym, n.payload::text LIKE '%Anna%' OR n.payload::text LIKE '%Jansen%' AS names_her
  FROM dcpf.notice n JOIN dcpf.person p ON p.id = n.recipient_person_id WHERE n.kind = 'erasure_notice' ORDER BY 1;
DO $$ BEGIN PERFORM dcpf.audit_queue_drain(); END $$;
SELECT action, object_table FROM dcpf.audit_event
 WHERE subject_person = '00000000-0000-4000-8000-000000000201' AND action IN ('erase', 'key_shredded') ORDER BY id;
-- the tombstone is proof: not changed, not deleted, also by its owner
SELECT pg_temp.refused(format('UPDATE dcpf.erasure SET notices_queued = 0 WHERE id = %L', :'stone'));
SELECT pg_temp.refused(format('DELETE FROM dcpf.erasure WHERE id = %L', :'stone'));

SELECT count(*) AS persons_erased FROM dcpf.person WHERE status = 'erased';


-- 6. a restricted person is erased too (art. 17 over art. 18): while the
-- restriction stands nothing of Kees's is written, but the erasure, which
-- runs with its exemption, goes through and keeps the restriction as proof
SET ROLE dcpf_test_ee_backend;
SELECT pg_temp.as_person('208', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
VALUES ('00000000-0000-4000-8000-0000000f0008', '00000000-0000-4000-8000-000000000208', '00000000-0000-4000-8000-00000000e210',
        'reflection', 'Reflectie van Kees');
INSERT INTO pg_temp.named VALUES ('00000000-0000-4000-8000-0000000f0008', 'Kees''s reflection'),
                                 ('00000000-0000-4000-8000-000000000208', 'Kees');
SELECT dcpf.submit_subject_request('restriction', 'Ik betwist de juistheid van mijn gegevens.') AS kees_restrict \gset
SELECT pg_temp.as_person('204', 'privacy_officer');
SELECT dcpf.verify_subject_request(:'kees_restrict', 'authenticated_session');
SELECT dcpf.restrict_processing(:'kees_restrict', 'accuracy_contested') IS NOT NULL AS kees_restricted;
SELECT pg_temp.as_person('208', 'professional');
SELECT pg_temp.refused($$UPDATE dcpf.portfolio_item SET title = 'Nieuwe titel' WHERE owner_id = '00000000-0000-4000-8000-000000000208'$$);
SELECT dcpf.submit_subject_request('erasure') AS kees_erase \gset
SELECT pg_temp.as_person('204', 'privacy_officer');
SELECT dcpf.verify_subject_request(:'kees_erase', 'authenticated_session');
SELECT dcpf.erase_person('00000000-0000-4000-8000-000000000208', :'kees_erase') IS NOT NULL AS kees_erased;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT p.status, (SELECT count(*) FROM dcpf.portfolio_item i WHERE i.owner_id = p.id) AS items,
       (SELECT count(*) FROM dcpf.processing_restriction r WHERE r.person_id = p.id) AS restrictions_kept
  FROM dcpf.person p WHERE p.id = '00000000-0000-4000-8000-000000000208';
SELECT rows_kept ? 'processing_restriction' AS restriction_kept_as_proof FROM dcpf.erasure WHERE pseudonym = '00000000-0000-4000-8000-000000000208';

RESET ROLE;
DROP ROLE dcpf_test_ee_backend;
