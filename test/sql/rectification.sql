-- Rectification and completion (sql/217_rectification.sql, art. 16 and 19
-- AVG): on a verified request of kind rectification or completion the
-- privacy officer of its licensee corrects the person's data or completes a
-- locked item with an addendum beside it (the item unchanged); every step is
-- a record tied to the request; every recipient of the person's data gets a
-- notice without the data; the person learns who was told. Attacks: another
-- licensee's officer, a professional, the subject themself, a request of
-- another kind or not verified, bad values (never echoed), a recipient
-- reading the addendum without a share, direct writes, changing a record.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_rc_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- 101 the professional of A (the subject); 102 and 106 supervisors of A;
-- 103 the privacy officer of A; 104 the privacy officer of B; 105 another
-- professional of A
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT v.id::uuid, v.email, v.surname, 'X.'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', 'jansen@example.nl', 'Jansen'),
               ('00000000-0000-4000-8000-000000000102', 'bakker@example.nl', 'Bakker'),
               ('00000000-0000-4000-8000-000000000103', 'fg@example.nl', 'Functionaris'),
               ('00000000-0000-4000-8000-000000000104', 'fg@west.example', 'West'),
               ('00000000-0000-4000-8000-000000000105', 'visser@example.nl', 'Visser'),
               ('00000000-0000-4000-8000-000000000106', 'smit@example.nl', 'Smit')) v(id, email, surname);
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
SELECT v.id::uuid, v.person::uuid, v.licensee::uuid, v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor'),
               ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a002', 'privacy_officer'),
               ('00000000-0000-4000-8000-00000000e105', '00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-00000000e106', '00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-00000000a001', 'supervisor')
       ) v(id, person, licensee, role);
\i test/sql/include/accept_euras.sql
CREATE ROLE dcpf_test_rc_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;

-- the professional's items: f001 shared with supervisor 102 (read) and
-- locked; f002 a draft; the reflections of the portfolio shared with the
-- role supervisor of A (102 and 106); f003 of 105, shared with nobody
SET ROLE dcpf_test_rc_backend;
SELECT pg_temp.as_person('101', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted) VALUES
    ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', 'reflection',
     'Reflectie nachtdienst', dcpf.encrypt('Wat ging er goed?', 'portfolio_item', 'body', '00000000-0000-4000-8000-00000000f001',
                                           '00000000-0000-4000-8000-000000000101')),
    ('00000000-0000-4000-8000-00000000f002', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', 'reflection',
     'Nog een concept', NULL);
INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_person_id, permission) VALUES
    ('00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000102', 'read');
INSERT INTO dcpf.share (owner_id, scope, category, grantee_licensee_id, grantee_role, permission) VALUES
    ('00000000-0000-4000-8000-000000000101', 'category', 'result', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'read');
SELECT pg_temp.as_person('105', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000e105', 'reflection', 'Van Visser');
RESET ROLE;
UPDATE dcpf.portfolio_item SET status = 'submitted', submitted_at = now() WHERE id IN ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-00000000f003');
UPDATE dcpf.portfolio_item SET status = 'signed', signed_at = now(), signed_by = '00000000-0000-4000-8000-000000000102'
 WHERE id IN ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-00000000f003');
UPDATE dcpf.portfolio_item SET status = 'locked', locked_at = now() WHERE id = '00000000-0000-4000-8000-00000000f001';
SELECT updated_at AS locked_item_updated_at FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f001' \gset
-- the requests: c001 rectification and c002 completion, made to A and
-- verified; c003 rectification not verified; c004 an access request
INSERT INTO dcpf.subject_request (id, person_id, licensee_id, kind, details, channel, verified_at, verified_by, verification_method, status)
SELECT v.id::uuid, '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', v.kind, 'Mijn gegevens kloppen niet.', 'web',
       CASE WHEN v.verified THEN now() END, CASE WHEN v.verified THEN '00000000-0000-4000-8000-000000000103'::uuid END,
       CASE WHEN v.verified THEN 'authenticated_session' END, CASE WHEN v.verified THEN 'in_progress' ELSE 'received' END
  FROM (VALUES ('00000000-0000-4000-8000-00000000c001', 'rectification', true),
               ('00000000-0000-4000-8000-00000000c002', 'completion', true),
               ('00000000-0000-4000-8000-00000000c003', 'rectification', false),
               ('00000000-0000-4000-8000-00000000c004', 'access', true)) v(id, kind, verified);
INSERT INTO pg_temp.named VALUES ('00000000-0000-4000-8000-00000000c001', 'rectification request'),
    ('00000000-0000-4000-8000-00000000c002', 'completion request'), ('00000000-0000-4000-8000-00000000c003', 'unverified request'),
    ('00000000-0000-4000-8000-00000000c004', 'access request');
SET ROLE dcpf_test_rc_backend;

-- refused, and nothing changed: another licensee's officer, a professional,
-- the subject, a supervisor who received the data; a request of another
-- kind, one not verified; no fields, an unknown field, an invalid value
-- (its value not echoed), an e-mail address in use
SELECT pg_temp.as_person('104', 'privacy_officer', 'a002');
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c001', '{"surname": "Jansen-de Boer"}')$$);
SELECT pg_temp.refused($$SELECT dcpf.complete_item('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000f001', 'Aanvulling')$$);
SELECT pg_temp.as_person('105', 'professional');
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c001', '{"surname": "Jansen-de Boer"}')$$);
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c001', '{"surname": "Jansen-de Boer"}')$$);
SELECT pg_temp.as_person('102', 'supervisor');
SELECT pg_temp.refused($$SELECT dcpf.complete_item('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000f001', 'Aanvulling')$$);
SELECT pg_temp.as_person('103', 'privacy_officer');
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c004', '{"surname": "Jansen-de Boer"}')$$);
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c003', '{"surname": "Jansen-de Boer"}')$$);
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c001', '{}')$$);
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c001', '{"surname": "Jansen", "bsn": "111222333"}')$$);
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c001', '{"surname": "Jansen 4ever!"}')$$);
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c001', '{"email": "Bakker@Example.nl"}')$$);
SELECT pg_temp.refused($$SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c001', '{"phone": {"number": "0612345678"}}')$$);
SELECT pg_temp.refused($$SELECT dcpf.complete_item('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000f003', 'Aanvulling')$$);
SELECT pg_temp.refused($$SELECT dcpf.complete_item('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000f002', 'Aanvulling')$$);
SELECT pg_temp.refused($$SELECT dcpf.complete_item('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000f001', ' ')$$);
SELECT pg_temp.refused($$SELECT dcpf.complete_item('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000f001', 'Patiënt 111222333')$$);
SELECT pg_temp.refused($$INSERT INTO dcpf.rectification (request_id, person_id, fields, notices_queued)
                         VALUES ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-000000000101', '{surname}', 0)$$);
RESET ROLE;
SELECT (SELECT count(*) FROM dcpf.rectification) AS rectifications, (SELECT count(*) FROM dcpf.item_addendum) AS addenda,
       (SELECT count(*) FROM dcpf.notice) AS notices, surname, initials, email FROM dcpf.person WHERE id = '00000000-0000-4000-8000-000000000101';

-- the officer corrects the surname, initials, e-mail address and a phone
-- number, and completes the locked item
SET ROLE dcpf_test_rc_backend;
SELECT pg_temp.as_person('103', 'privacy_officer');
INSERT INTO pg_temp.named
SELECT dcpf.rectify_person('00000000-0000-4000-8000-00000000c001',
                           '{"surname": "Jansen-de Boer", "initials": "J.B.", "email": "J.Jansen@Example.nl",
                             "phone": {"kind": "mobile", "number": "06 1234 5678"}}'), 'rectification 1';
INSERT INTO pg_temp.named
SELECT dcpf.complete_item('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000f001',
                          'Aanvulling: de nachtdienst was een dubbele dienst.'), 'rectification 2';
-- the officer reads the records of their licensee, not the addendum
SELECT (SELECT n.name FROM pg_temp.named n WHERE n.id = r.id) AS rectification,
       (SELECT n.name FROM pg_temp.named n WHERE n.id = r.request_id) AS request, r.fields, right(r.item_id::text, 4) AS item,
       r.addendum_id IS NOT NULL AS addendum, right(r.made_by::text, 3) AS made_by, r.notices_queued
  FROM dcpf.rectification r ORDER BY r.made_at, r.fields;
SELECT count(*) AS addenda_the_officer_sees FROM dcpf.item_addendum;
RESET ROLE;
SELECT surname, initials, email, (SELECT count(*) FROM dcpf.person_phone x WHERE x.person_id = p.id) AS phones
  FROM dcpf.person p WHERE id = '00000000-0000-4000-8000-000000000101';
-- the locked item is unchanged
SELECT status, updated_at = :'locked_item_updated_at' AS unchanged FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f001';
-- art. 19: the recipients (102 by the item share; 102 and 106 by the share
-- with the role) are told once per step, without the data
SELECT right(recipient_person_id::text, 3) AS recipient, right(subject_id::text, 3) AS subject,
       (SELECT n.name FROM pg_temp.named n WHERE n.id::text = payload ->> 'rectification_id') AS rectification,
       payload - 'rectification_id' AS payload
  FROM dcpf.notice WHERE kind = 'data_rectified' ORDER BY 3, 1;

-- the addendum is shown wherever the item is: to its owner, decrypted; to
-- 102 who may read the item; not to 105, who may not (a denied read), nor
-- to 104 or 102 in the table itself
SET ROLE dcpf_test_rc_backend;
SELECT pg_temp.as_person('101', 'professional');
SELECT right(item_id::text, 4) AS item, body, right(author_id::text, 3) AS author,
       (SELECT n.name FROM pg_temp.named n WHERE n.id = request_id) AS request FROM dcpf.item_addendum_decrypted;
SELECT pg_temp.as_person('102', 'supervisor');
SELECT right(item_id::text, 4) AS item, body, permission FROM dcpf.shared_addenda('00000000-0000-4000-8000-00000000f001');
SELECT count(*) AS addenda_in_the_table FROM dcpf.item_addendum;
SELECT pg_temp.as_person('105', 'professional');
SELECT pg_temp.refused($$SELECT * FROM dcpf.shared_addenda('00000000-0000-4000-8000-00000000f001')$$);
SELECT pg_temp.as_person('104', 'privacy_officer', 'a002');
SELECT (SELECT count(*) FROM dcpf.item_addendum) AS addenda, (SELECT count(*) FROM dcpf.rectification) AS rectifications;

-- the owner completes their own item; not someone else's, not with a
-- patient number
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.add_item_addendum('00000000-0000-4000-8000-00000000f001', 'Ook: ik had die nacht geen supervisor.') IS NOT NULL AS added;
SELECT pg_temp.refused($$SELECT dcpf.add_item_addendum('00000000-0000-4000-8000-00000000f003', 'Niet van mij')$$);
SELECT pg_temp.refused($$SELECT dcpf.add_item_addendum('00000000-0000-4000-8000-00000000f001', 'BSN 111222333')$$);
SELECT count(*) AS addenda, count(request_id) AS on_request FROM dcpf.item_addendum;

-- art. 19, last sentence: the person asks who was told; nobody else may
SELECT (SELECT n.name FROM pg_temp.named n WHERE n.id = r.id) AS rectification, t.recipient_name, t.sent_at
  FROM dcpf.rectification r, dcpf.rectification_recipients_told(r.id) t ORDER BY 1, 2;
SELECT pg_temp.as_person('102', 'supervisor');
SELECT pg_temp.refused(format('SELECT * FROM dcpf.rectification_recipients_told(%L)', (SELECT id FROM pg_temp.named WHERE name = 'rectification 1')));
SELECT dcpf.clear_identity();
RESET ROLE;

-- nobody changes a record or an addendum, the owner of the extension included
INSERT INTO pg_temp.named SELECT id, CASE WHEN request_id IS NULL THEN 'own addendum' ELSE 'addendum on request' END FROM dcpf.item_addendum;
SELECT pg_temp.refused($$UPDATE dcpf.rectification SET fields = '{email}'$$);
SELECT pg_temp.refused($$UPDATE dcpf.item_addendum SET possibly_patient_data = true WHERE request_id IS NOT NULL$$);
SELECT pg_temp.refused($$DELETE FROM dcpf.item_addendum WHERE request_id IS NOT NULL$$);

-- every step is audited: the change and its record in one transaction;
-- the reads of the addenda and of the recipients' names are logged, the
-- attempt of 105 as denied
SELECT dcpf.audit_queue_drain() AS drained;
SELECT e.object_table, e.action, right(e.subject_person::text, 3) AS subject, count(*)
  FROM dcpf.audit_event e
 WHERE e.xact_id IN (SELECT x.xact_id FROM dcpf.audit_event x WHERE x.object_table = 'rectification')
   AND e.object_table IN ('rectification', 'person', 'person_phone', 'item_addendum', 'notice')
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT e.outcome, right(e.actor_person::text, 3) AS reader, e.object_table,
       coalesce((SELECT n.name FROM pg_temp.named n WHERE n.id::text = e.object_key), right(e.object_key, 4)) AS object,
       right(e.subject_person::text, 3) AS whose, e.detail, count(*)
  FROM dcpf.audit_event e
 WHERE e.action = 'read' AND e.object_table IN ('item_addendum', 'portfolio_item', 'person') AND e.actor_person <> e.subject_person
 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 2, 3, 4, 1;
DROP ROLE dcpf_test_rc_backend;
