-- Data-subject requests (sql/210_request.sql): a person files a request for
-- themself; the term is one calendar month from the day of receipt in the
-- Netherlands (month ends: 28 or 29 February, 30 April) and may be extended
-- once, by one or two months, with a reason and the time the person was told
-- within the first month; the privacy officer of the licensee the request
-- was made to verifies, assigns, extends, completes or refuses it, nobody
-- else (not another licensee's officer, not an admin, not the subject); the
-- person withdraws only their own open request; a closed request is final;
-- illegal steps are refused and change nothing; free texts hold no patient
-- numbers; nobody writes the table directly; the overdue view shows each
-- their own; every step is an audit event.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_sr_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- and with today's date (in Amsterdam) and the term of a request received
-- today shown as <today>, <due> and <due + 2 months>
CREATE FUNCTION pg_temp.refused_today(statement text) RETURNS text LANGUAGE sql
RETURN replace(replace(replace(pg_temp.refused(statement), to_char(now() AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM-DD'), '<today>'),
                       to_char((now() AT TIME ZONE 'Europe/Amsterdam')::date + interval '1 month', 'YYYY-MM-DD'), '<due>'),
               to_char((now() AT TIME ZONE 'Europe/Amsterdam')::date + interval '3 months', 'YYYY-MM-DD'), '<due + 2 months>');
GRANT EXECUTE ON FUNCTION pg_temp.refused_today(text) TO PUBLIC;
-- 101, 102 professionals of A; 103 the admin of A; 104 and 107 privacy
-- officers of A; 105 the privacy officer of B; 106 a professional of B
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT v.id::uuid, v.email, v.surname, 'X.'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', 'jansen@example.nl', 'Jansen'),
               ('00000000-0000-4000-8000-000000000102', 'bakker@example.nl', 'Bakker'),
               ('00000000-0000-4000-8000-000000000103', 'beheer@example.nl', 'Beheer'),
               ('00000000-0000-4000-8000-000000000104', 'fg@example.nl', 'Functionaris'),
               ('00000000-0000-4000-8000-000000000105', 'fg@west.example', 'West'),
               ('00000000-0000-4000-8000-000000000106', 'smit@west.example', 'Smit'),
               ('00000000-0000-4000-8000-000000000107', 'fg2@example.nl', 'Tweede')) v(id, email, surname);
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT v.person::uuid, v.licensee::uuid, v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'licensee_admin'),
               ('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a002', 'privacy_officer'),
               ('00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-00000000a002', 'professional'),
               ('00000000-0000-4000-8000-000000000107', '00000000-0000-4000-8000-00000000a001', 'privacy_officer')) v(person, licensee, role);
\i test/sql/include/accept_euras.sql

CREATE ROLE dcpf_test_sr_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;

-- the term: one calendar month from the date of receipt in Europe/Amsterdam;
-- an extension counts from the same date (two or three months in all)
INSERT INTO dcpf.subject_request (id, person_id, licensee_id, kind, channel, received_at)
SELECT v.id::uuid, '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'access', 'paper', v.received::timestamptz
  FROM (VALUES ('00000000-0000-4000-8000-00000000e001', '2027-01-31 12:00+01'),
               ('00000000-0000-4000-8000-00000000e002', '2028-01-31 12:00+01'),
               ('00000000-0000-4000-8000-00000000e003', '2027-03-31 12:00+02'),
               ('00000000-0000-4000-8000-00000000e004', '2027-01-31 23:30+00'),
               ('00000000-0000-4000-8000-00000000e005', '2027-11-30 09:00+01'),
               ('00000000-0000-4000-8000-00000000e006', '2027-12-31 09:00+01')) v(id, received);
UPDATE dcpf.subject_request
   SET verified_at = received_at, verified_by = '00000000-0000-4000-8000-000000000104', verification_method = 'id_document',
       status = 'extended', extension_months = CASE WHEN id::text LIKE '%e003' OR id::text LIKE '%e005' THEN 2 ELSE 1 END,
       extension_reason = 'Veel gegevens.', person_told_at = received_at
 WHERE received_at > '2027-01-01';
SELECT right(id::text, 4) AS request, received_at AT TIME ZONE 'Europe/Amsterdam' AS received_in_amsterdam, due_on,
       extension_months, extended_until
  FROM dcpf.subject_request ORDER BY id;
DELETE FROM dcpf.subject_request;
-- two requests received long ago and still open, one in each licensee
INSERT INTO dcpf.subject_request (id, person_id, licensee_id, kind, channel, received_at) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001',
     'rectification', 'email', '2026-09-01 10:00+02'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-00000000a002',
     'access', 'phone', '2026-09-01 10:00+02');
INSERT INTO pg_temp.named VALUES ('00000000-0000-4000-8000-00000000e101', 'old request of 102'),
                                 ('00000000-0000-4000-8000-00000000e102', 'old request of 106');
SET ROLE dcpf_test_sr_backend;

-- refused, and nothing recorded: no identity; an unknown or missing kind;
-- an unknown channel; details holding a citizen service number
SELECT dcpf.clear_identity();
SELECT pg_temp.refused($$SELECT dcpf.submit_subject_request('access')$$);
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.refused($$SELECT dcpf.submit_subject_request('everything')$$);
SELECT pg_temp.refused($$SELECT dcpf.submit_subject_request(NULL)$$);
SELECT pg_temp.refused($$SELECT dcpf.submit_subject_request('access', NULL, 'pigeon')$$);
SELECT pg_temp.refused($$SELECT dcpf.submit_subject_request('erasure', 'Wis ook het dossier van BSN 111222333.')$$);
SELECT count(*) AS own_requests FROM dcpf.subject_request;

-- filed: received, to the licensee acted in, due one calendar month on
SELECT dcpf.submit_subject_request('access', 'Ik wil weten wie mijn portfolio heeft ingezien.') AS access_request \gset
SELECT dcpf.submit_subject_request('erasure', channel => 'email') AS erasure_request \gset
INSERT INTO pg_temp.named VALUES (:'access_request', 'access request'), (:'erasure_request', 'erasure request');
SELECT kind, details, channel, status, right(licensee_id::text, 4) AS licensee,
       due_on = ((received_at AT TIME ZONE 'Europe/Amsterdam')::date + interval '1 month')::date AS due_in_a_month,
       verified_at IS NULL AS unverified, handler_id IS NULL AS unassigned, completed_at IS NULL AS open
  FROM dcpf.subject_request ORDER BY kind;
SELECT pg_temp.as_person('102', 'professional');
SELECT dcpf.submit_subject_request('portability', 'Graag als JSON.', 'app') AS portability_request \gset
INSERT INTO pg_temp.named VALUES (:'portability_request', 'portability request');

-- the person sees their own requests only
SELECT kind, status FROM dcpf.subject_request ORDER BY kind;

-- nobody but the privacy officer of the request's licensee, acting as
-- such, handles it: not another person, not the subject, not the admin,
-- not the privacy officer of another licensee, not an officer acting in
-- another role
SELECT pg_temp.refused_today(format('SELECT dcpf.withdraw_subject_request(%L)', :'access_request'));
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'access_request', 'id_document'));
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'access_request', 'authenticated_session'));
SELECT pg_temp.as_person('103', 'licensee_admin');
SELECT pg_temp.refused(format('SELECT dcpf.assign_subject_request(%L, %L)', :'access_request', '00000000-0000-4000-8000-000000000103'));
SELECT count(*) AS admin_sees FROM dcpf.subject_request;
SELECT pg_temp.as_person('105', 'privacy_officer', 'a002');
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'access_request', 'id_document'));
SELECT pg_temp.refused(format('SELECT dcpf.refuse_subject_request(%L, %L, %L)', :'access_request', 'Geen zin in.', 'Geen enkele.'));
SELECT right(person_id::text, 3) AS person, kind FROM dcpf.subject_request ORDER BY person_id, kind;
SELECT pg_temp.refused($$SELECT dcpf.verify_subject_request(NULL, 'id_document')$$);

-- the privacy officer of A: wrong steps are refused with the reason
SELECT pg_temp.as_person('104', 'privacy_officer');
SELECT right(person_id::text, 3) AS person, kind, status FROM dcpf.subject_request ORDER BY person_id, kind;
SELECT pg_temp.refused(format('SELECT dcpf.complete_subject_request(%L, %L)', :'access_request', 'Overzicht gestuurd.'));
SELECT pg_temp.refused(format('SELECT dcpf.extend_subject_request(%L, 1, %L, now())', :'access_request', 'Veel gegevens.'));
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'access_request', 'gut_feeling'));
SELECT pg_temp.refused(format('SELECT dcpf.assign_subject_request(%L, %L)', :'access_request', '00000000-0000-4000-8000-000000000103'));
SELECT pg_temp.refused(format('SELECT dcpf.assign_subject_request(%L, %L)', :'access_request', '00000000-0000-4000-8000-000000000105'));
SELECT pg_temp.refused(format('SELECT dcpf.assign_subject_request(%L, NULL)', :'access_request'));

-- assigned: a handler is on it (verifying); verified: in progress; not twice
SELECT dcpf.assign_subject_request(:'access_request', '00000000-0000-4000-8000-000000000107');
SELECT status, right(handler_id::text, 3) AS handler FROM dcpf.subject_request WHERE id = :'access_request';
SELECT dcpf.verify_subject_request(:'access_request', 'authenticated_session');
SELECT status, verification_method, right(verified_by::text, 3) AS verified_by, verified_at IS NOT NULL AS verified
  FROM dcpf.subject_request WHERE id = :'access_request';
SELECT pg_temp.refused_today(format('SELECT dcpf.verify_subject_request(%L, %L)', :'access_request', 'in_person'));

-- an extension: one or two months, with a reason and the time the person
-- was told (not to come, not before receipt, not after the term); once
SELECT pg_temp.refused(format('SELECT dcpf.extend_subject_request(%L, 3, %L, now())', :'access_request', 'Heel veel gegevens.'));
SELECT pg_temp.refused(format('SELECT dcpf.extend_subject_request(%L, 0, %L, now())', :'access_request', 'Heel veel gegevens.'));
SELECT pg_temp.refused(format('SELECT dcpf.extend_subject_request(%L, 2, NULL, now())', :'access_request'));
SELECT pg_temp.refused(format('SELECT dcpf.extend_subject_request(%L, 2, %L, NULL)', :'access_request', 'Heel veel gegevens.'));
SELECT pg_temp.refused(format('SELECT dcpf.extend_subject_request(%L, 2, %L, now() + interval %L)', :'access_request', 'Heel veel gegevens.', '1 day'));
SELECT pg_temp.refused_today(format('SELECT dcpf.extend_subject_request(%L, 2, %L, (SELECT received_at - interval %L FROM dcpf.subject_request WHERE id = %L))', :'access_request', 'Heel veel gegevens.', '1 second', :'access_request'));
SELECT pg_temp.refused(format('SELECT dcpf.extend_subject_request(%L, 1, %L, now())', :'access_request', 'BSN 111222333 heeft veel.'));
SELECT status, extension_months FROM dcpf.subject_request WHERE id = :'access_request';
SELECT dcpf.extend_subject_request(:'access_request', 2, 'Veel gegevens uit drie systemen.', now())
       = ((received_at AT TIME ZONE 'Europe/Amsterdam')::date + interval '3 months')::date AS until_three_months_from_receipt
  FROM dcpf.subject_request WHERE id = :'access_request';
SELECT status, extension_months, extension_reason, person_told_at IS NOT NULL AS told FROM dcpf.subject_request WHERE id = :'access_request';
SELECT pg_temp.refused_today(format('SELECT dcpf.extend_subject_request(%L, 1, %L, now())', :'access_request', 'Nog meer gegevens.'));
-- too late: the old request was due on 1 October
SELECT dcpf.verify_subject_request('00000000-0000-4000-8000-00000000e101', 'callback');
SELECT pg_temp.refused($$SELECT dcpf.extend_subject_request('00000000-0000-4000-8000-00000000e101', 1, 'Veel werk.', '2026-10-15 12:00+02')$$);

-- completed, with the decision; then final, for everyone
SELECT pg_temp.refused(format('SELECT dcpf.complete_subject_request(%L, NULL)', :'access_request'));
SELECT dcpf.complete_subject_request(:'access_request', 'Overzicht van inzage en gegevens gestuurd.');
SELECT status, decision, legal_basis, right(handler_id::text, 3) AS handler, completed_at IS NOT NULL AS closed
  FROM dcpf.subject_request WHERE id = :'access_request';
SELECT pg_temp.refused_today(format('SELECT dcpf.refuse_subject_request(%L, %L, %L)', :'access_request', 'Toch niet.', 'art. 12(5) AVG'));

-- refused (identity unverified is a ground), with its legal basis; the
-- caller becomes the handler
SELECT pg_temp.refused(format('SELECT dcpf.refuse_subject_request(%L, %L, NULL)', :'erasure_request', 'Identiteit niet vastgesteld.'));
SELECT pg_temp.refused(format('SELECT dcpf.refuse_subject_request(%L, %L, %L)', :'erasure_request', 'Niet van BSN 111222333.', 'art. 12(6) AVG'));
SELECT dcpf.refuse_subject_request(:'erasure_request', 'Uw identiteit kon niet worden vastgesteld; u kunt klagen bij de AP.',
                                   'art. 11(2) en 12(6) AVG');
SELECT status, decision, legal_basis, right(handler_id::text, 3) AS handler, verified_at IS NULL AS unverified
  FROM dcpf.subject_request WHERE id = :'erasure_request';

-- the person withdraws their own open request, not a closed one
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.refused_today(format('SELECT dcpf.withdraw_subject_request(%L)', :'access_request'));
SELECT pg_temp.as_person('102', 'professional');
SELECT dcpf.withdraw_subject_request(:'portability_request');
SELECT kind, status, completed_at IS NOT NULL AS closed FROM dcpf.subject_request ORDER BY kind;
SELECT pg_temp.refused_today(format('SELECT dcpf.withdraw_subject_request(%L)', :'portability_request'));

-- overdue: the open requests past their term, each sees their own
SELECT right(id::text, 4) AS request, kind, status, due_on, extended_until, days_overdue > 0 AS late
  FROM dcpf.overdue_subject_requests ORDER BY id;
SELECT pg_temp.as_person('104', 'privacy_officer');
SELECT right(id::text, 4) AS request, right(person_id::text, 3) AS person, kind, status, due_on FROM dcpf.overdue_subject_requests ORDER BY id;
SELECT pg_temp.as_person('105', 'privacy_officer', 'a002');
SELECT right(id::text, 4) AS request, right(person_id::text, 3) AS person, kind, status, due_on FROM dcpf.overdue_subject_requests ORDER BY id;
SELECT pg_temp.as_person('101', 'professional');
SELECT count(*) AS overdue FROM dcpf.overdue_subject_requests;
SELECT pg_temp.as_person('103', 'licensee_admin');
SELECT count(*) AS overdue FROM dcpf.overdue_subject_requests;

-- nobody writes the table directly; the owner neither reopens a closed
-- request nor changes what was received
SELECT pg_temp.as_person('104', 'privacy_officer');
SELECT pg_temp.refused($$INSERT INTO dcpf.subject_request (person_id, kind, channel) VALUES ('00000000-0000-4000-8000-000000000104', 'access', 'web')$$);
SELECT pg_temp.refused($$UPDATE dcpf.subject_request SET status = 'completed'$$);
SELECT pg_temp.refused($$DELETE FROM dcpf.subject_request$$);
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.refused($$UPDATE dcpf.subject_request SET status = 'withdrawn'$$);
RESET ROLE;
SELECT pg_temp.refused_today(format('UPDATE dcpf.subject_request SET status = %L, decision = NULL WHERE id = %L', 'in_progress', :'access_request'));
SELECT pg_temp.refused($$UPDATE dcpf.subject_request SET kind = 'erasure' WHERE id = '00000000-0000-4000-8000-00000000e101'$$);
SELECT pg_temp.refused($$UPDATE dcpf.subject_request SET due_on = '2030-01-01' WHERE id = '00000000-0000-4000-8000-00000000e101'$$);
SELECT pg_temp.refused($$UPDATE dcpf.subject_request SET status = 'completed' WHERE id = '00000000-0000-4000-8000-00000000e102'$$);
SELECT pg_temp.refused($$TRUNCATE dcpf.subject_request CASCADE$$);

-- every step is an audit event, with the person as subject
SELECT right(subject_person::text, 3) AS subject, action, count(*)
  FROM dcpf.audit_event WHERE object_table = 'subject_request'
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT dcpf.clear_identity();
DROP ROLE dcpf_test_sr_backend;
