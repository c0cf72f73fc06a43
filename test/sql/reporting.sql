-- The reporting surface (sql/270_reporting.sql): eight security_invoker
-- views for the reporting role (every licensee) and for licensee staff in
-- a role the report admits (their own licensee). Cells of fewer than k
-- persons are hidden, and the smallest others while a table hides 1 to k-1
-- persons; k is the licensee's (default 5, refused below 2) or, for the
-- platform's cells, the largest and at least 5. The differencing attacks
-- (a total minus the cells shown; two overlapping reports; a report before
-- and after one person's event; one month against the next) isolate no one.
-- A role without the report is refused; dcpf_reporting reads no table and
-- calls nothing that returns text of a person; a search_path trick, a
-- forged caller and a leaky function in WHERE get nothing more.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_rp_backend;
DROP ROLE IF EXISTS dcpf_test_rp_report;
DROP ROLE IF EXISTS dcpf_test_rp_app;
DROP SCHEMA IF EXISTS dcpf_test_rp_evil CASCADE;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- People: 103 the admin of A, 104 the privacy officer of A, 105 of B, 106 a
-- programme director (trainer) of A; trainees 201-212 of A's programme IG
-- placed in 2024 and 213-216 placed in 2025; assessors 301-303 of A;
-- trainees 401-405 of B's programme CH, assessor 501 of B
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT ('00000000-0000-4000-8000-000000000' || n)::uuid, 'p' || n || '@example.nl', 'Persoon ' || translate(n::text, '0123456789', 'abcdefghij'), 'X.'
  FROM unnest(ARRAY[103, 104, 105, 106, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216,
                    301, 302, 303, 401, 402, 403, 404, 405, 501]) n;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT ('00000000-0000-4000-8000-000000000' || v.n)::uuid,
       ('00000000-0000-4000-8000-00000000a00' || v.lic)::uuid, v.role, '2024-01-01'
  FROM (SELECT n, 1 AS lic, 'professional' AS role FROM generate_series(201, 216) n
        UNION ALL SELECT n, 1, 'assessor' FROM generate_series(301, 303) n
        UNION ALL SELECT n, 2, 'professional' FROM generate_series(401, 405) n
        UNION ALL VALUES (103, 1, 'licensee_admin'), (104, 1, 'privacy_officer'), (105, 2, 'privacy_officer'),
                         (106, 1, 'trainer'), (501, 2, 'assessor')) v(n, lic, role);
\i test/sql/include/accept_euras.sql

-- the portfolio data, entered as it would stand after the workflow (its
-- checks are not what this test is about): programmes, EPAs, placements,
-- assessed assessments
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind, starts_on) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'IG', 'Interne geneeskunde', 'specialty', '2020-01-01'),
    ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a002', 'CH', 'Chirurgie', 'specialty', '2020-01-01');
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level) VALUES
    ('00000000-0000-4000-8000-00000000e001', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'EPA-1', 'Opname van een patiënt', 4),
    ('00000000-0000-4000-8000-00000000e002', '00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a002', 'EPA-1', 'Appendectomie', 4);
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from)
SELECT CASE WHEN n < 400 THEN '00000000-0000-4000-8000-00000000c001' ELSE '00000000-0000-4000-8000-00000000c002' END::uuid,
       CASE WHEN n < 400 THEN '00000000-0000-4000-8000-00000000a001' ELSE '00000000-0000-4000-8000-00000000a002' END::uuid,
       ('00000000-0000-4000-8000-000000000' || n)::uuid, 'trainee',
       CASE WHEN n BETWEEN 213 AND 216 THEN timestamptz '2025-09-01 00:00+02' ELSE timestamptz '2024-09-01 00:00+02' END
  FROM (SELECT generate_series(201, 216) UNION ALL SELECT generate_series(401, 405)) s(n);
-- March 2026, EPA-1 of IG, cohort 2024: 201-205 at level 2, 206-211 at 3,
-- 212 at 4 (alone); 301 assessed 201-206, 302 207-212. April 2026: the
-- four of cohort 2025 at level 1, by 303. B: 401-405 at level 2 in March.
CREATE TEMP TABLE assessed (owner integer, assessor integer, level integer, at timestamptz);
INSERT INTO assessed
SELECT n, CASE WHEN n <= 206 THEN 301 ELSE 302 END, CASE WHEN n <= 205 THEN 2 WHEN n <= 211 THEN 3 ELSE 4 END,
       timestamptz '2026-03-10 12:00+00' FROM generate_series(201, 212) n
UNION ALL SELECT n, 303, 1, '2026-04-15 12:00+00' FROM generate_series(213, 216) n
UNION ALL SELECT n, 501, 2, '2026-03-20 12:00+00' FROM generate_series(401, 405) n;
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, licensee_id, programme_id, item_type, title, occurred_on, status,
                                 submitted_at, signed_at, signed_by)
SELECT ('00000000-0000-4000-8000-0000000f0' || a.owner)::uuid, ('00000000-0000-4000-8000-000000000' || a.owner)::uuid,
       m.id, m.licensee_id, p.id, 'assessment', 'KPB', a.at::date, 'signed', a.at, a.at, ('00000000-0000-4000-8000-000000000' || a.assessor)::uuid
  FROM pg_temp.assessed a
  JOIN dcpf.membership m ON m.person_id = ('00000000-0000-4000-8000-000000000' || a.owner)::uuid
  JOIN dcpf.programme p ON p.licensee_id = m.licensee_id;
INSERT INTO dcpf.assessment (item_id, owner_id, instrument, assessor_id, epa_id, entrustment_level, assessed_at)
SELECT ('00000000-0000-4000-8000-0000000f0' || a.owner)::uuid, ('00000000-0000-4000-8000-000000000' || a.owner)::uuid, 'kpb',
       ('00000000-0000-4000-8000-000000000' || a.assessor)::uuid,
       CASE WHEN a.owner < 400 THEN '00000000-0000-4000-8000-00000000e001' ELSE '00000000-0000-4000-8000-00000000e002' END::uuid,
       a.level, a.at
  FROM pg_temp.assessed a;

-- data-subject requests. A, due in February: 201-206 access in time,
-- 208-212 access late, 207 erasure still open (overdue, alone). B, due in
-- March: 401-405 access, open and overdue.
INSERT INTO dcpf.subject_request (person_id, licensee_id, kind, received_at, channel, status, verified_at, verified_by,
                                  verification_method, decision, completed_at)
SELECT ('00000000-0000-4000-8000-000000000' || n)::uuid, uuid '00000000-0000-4000-8000-00000000a001', 'access',
       timestamptz '2026-01-05 09:00+01', 'web', 'completed', timestamptz '2026-01-05 10:00+01',
       uuid '00000000-0000-4000-8000-000000000104', 'authenticated_session', 'Inzage verstrekt.', timestamptz '2026-01-20 09:00+01'
  FROM generate_series(201, 206) n
UNION ALL
SELECT ('00000000-0000-4000-8000-000000000' || n)::uuid, '00000000-0000-4000-8000-00000000a001', 'access',
       '2026-01-07 09:00+01', 'web', 'completed', '2026-01-07 10:00+01', '00000000-0000-4000-8000-000000000104',
       'authenticated_session', 'Inzage verstrekt.', '2026-03-01 09:00+01'
  FROM generate_series(208, 212) n;
INSERT INTO dcpf.subject_request (person_id, licensee_id, kind, received_at, channel)
SELECT uuid '00000000-0000-4000-8000-000000000207', uuid '00000000-0000-4000-8000-00000000a001', 'erasure',
       timestamptz '2026-01-06 09:00+01', 'web'
UNION ALL
SELECT ('00000000-0000-4000-8000-000000000' || n)::uuid, '00000000-0000-4000-8000-00000000a002', 'access',
       '2026-02-02 09:00+01', 'web'
  FROM generate_series(401, 405) n;

-- a breach concerning A (told within 48 hours) and B (not told), the
-- authority told late; it touched 201-206 of A and 401 of B
INSERT INTO dcpf.breach (id, title, discovered_at, recorded_at, recorded_by, nature, breach_types, data_categories,
                         subject_categories, likely_consequences, risk, authority_notified_at, authority_reference,
                         authority_late_reason, persons_found)
VALUES ('00000000-0000-4000-8000-00000000d001', 'Gestolen laptop beheerder', '2026-02-10 10:00+00', '2026-02-10 11:00+00',
        '00000000-0000-4000-8000-000000000103', 'Een laptop met een open sessie is gestolen.', '{confidentiality}',
        '{portfolio}', '{trainees}', 'Inzage in portfolio''s door onbevoegden.', 'risk',
        '2026-02-14 10:00+00', 'AP-2026-001', 'De omvang was pas na vier dagen bekend.', 7);
INSERT INTO dcpf.breach_controller (breach_id, licensee_id, added_at, due_at, notified_at, notified_by) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000a001', '2026-02-10 11:00+00', '2026-02-12 10:00+00',
     '2026-02-11 10:00+00', '00000000-0000-4000-8000-000000000103'),
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000a002', '2026-02-10 11:00+00', '2026-02-12 10:00+00',
     NULL, NULL);
INSERT INTO dcpf.breach_subject (breach_id, person_id, objects, actions, events, first_at, last_at)
SELECT '00000000-0000-4000-8000-00000000d001', ('00000000-0000-4000-8000-000000000' || n)::uuid, '{portfolio_item}', '{read}', 1,
       '2026-02-09 20:00+00', '2026-02-09 21:00+00'
  FROM (SELECT generate_series(201, 206) UNION ALL SELECT 401) s(n);

-- consent to analytics cookies (a purpose of the platform): 201-207 give it
-- in May 2026, 201 withdraws it in June
INSERT INTO dcpf.consent_event (person_id, purpose_code, action, channel, occurred_at, receipt)
SELECT ('00000000-0000-4000-8000-000000000' || n)::uuid, 'analytics_cookies', 'given', 'web', timestamptz '2026-05-04 12:00+00', jsonb '{}'
  FROM generate_series(201, 207) n
UNION ALL
SELECT '00000000-0000-4000-8000-000000000201', 'analytics_cookies', 'withdrawn', 'web', '2026-06-08 12:00+00', '{}';

-- login records (the platform's, deleted a year after): six persons in
-- January 2025, one in February, five in March
INSERT INTO dcpf.login_attempt (attempted_at, person_id, email_sha256, outcome)
SELECT CASE WHEN n <= 206 THEN timestamptz '2025-01-15 08:00+00' WHEN n = 207 THEN '2025-02-15 08:00+00' ELSE '2025-03-15 08:00+00' END,
       ('00000000-0000-4000-8000-000000000' || n)::uuid, sha256(n::text::bytea), 'success'
  FROM generate_series(201, 212) n;

-- audit events of last month (the access report covers the 13 months
-- before this one, so the test's events lie in the middle of the last; the
-- output says only whether a period is last month) in A: 201-212 read as
-- professional, 301-303 as assessor, 104 as privacy officer and 106 as
-- programme director; 103 updated as licensee_admin
INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, actor_person, application_role, licensee_id,
                              database_role, effective_role, object_table, subject_person)
SELECT nextval('dcpf.audit_event_id_seq'),
       (date_trunc('month', now() AT TIME ZONE 'Europe/Amsterdam') - interval '15 days') AT TIME ZONE 'Europe/Amsterdam',
       pg_current_xact_id(), v.action, 'success',
       ('00000000-0000-4000-8000-000000000' || v.n)::uuid, v.role, '00000000-0000-4000-8000-00000000a001',
       'app', 'app', 'portfolio_item', ('00000000-0000-4000-8000-000000000' || (v.n % 100 + 200))::uuid
  FROM (SELECT n, 'read' AS action, 'professional' AS role FROM generate_series(201, 212) n
        UNION ALL SELECT n, 'read', 'assessor' FROM generate_series(301, 303) n
        UNION ALL VALUES (103, 'update', 'licensee_admin'), (104, 'read', 'privacy_officer'), (106, 'read', 'trainer')) v(n, action, role);
COMMIT;

CREATE ROLE dcpf_test_rp_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_rp_report NOLOGIN IN ROLE dcpf_reporting;
CREATE ROLE dcpf_test_rp_app NOLOGIN IN ROLE dcpf_app;
CREATE FUNCTION pg_temp.as_staff(person integer, licensee integer, role text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000a00' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_staff(integer, integer, text) TO PUBLIC;
-- ids shown by their number
CREATE FUNCTION pg_temp.n(id uuid) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE WHEN id::text LIKE '00000000-0000-4000-8000-00000000a00_' THEN 'lic ' || right(id::text, 1) ELSE right(id::text, 3) END;
GRANT EXECUTE ON FUNCTION pg_temp.n(uuid) TO PUBLIC;
CREATE FUNCTION pg_temp.last_month(period date) RETURNS boolean LANGUAGE sql STABLE
RETURN period = (date_trunc('month', now() AT TIME ZONE 'Europe/Amsterdam') - interval '1 month')::date;
GRANT EXECUTE ON FUNCTION pg_temp.last_month(date) TO PUBLIC;

-- ---------------------------------------------------------------------------
-- The reporting role, k = 5 everywhere
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_rp_report;
-- the retention forecast first (reading it before any identity is assumed:
-- dcpf.act_as writes identity records, which are login records too). The
-- login records of February 2025 (one person) are hidden, and then March's
-- (five persons, the smallest shown): else the records of all twelve
-- persons, which the platform knows, minus those shown would be that one
SELECT pg_temp.n(licensee_id) AS holder, category, action, due_month, overdue, row_count, persons
  FROM dcpf.report_retention_forecast WHERE category = 'login_attempts' ORDER BY due_month;

-- programme progress. March, cohort 2024: level 4 holds one trainee
-- (hidden); the trainees hidden would then be one, so level 2 (the
-- smallest shown) goes too: only level 3 shows. April, cohort 2025: four
-- trainees, fewer than k. B's five show.
SELECT pg_temp.n(licensee_id) AS licensee, programme_code, epa_code, cohort, period, level, trainees
  FROM dcpf.report_programme_progress ORDER BY 1, 2, 3, 4, 5, 6;
-- assessments, over all assessors for the reporting role (the number of
-- assessors only when k or more)
SELECT pg_temp.n(licensee_id) AS licensee, period, assessor_id, assessors, assessments, professionals
  FROM dcpf.report_assessments_per_assessor ORDER BY 1, 2;
-- requests: A's erasure request (one person, overdue) is hidden, and then
-- the late ones too (five persons, the smallest shown); B's overdue show
SELECT pg_temp.n(licensee_id) AS controller, due_month, kind, state, requests, persons
  FROM dcpf.report_subject_requests ORDER BY 1, 2, 3, 4;
-- the breach: A told in time, B overdue, the authority late; A's six
-- persons affected show, B's one does not; no title, no text
SELECT pg_temp.n(breach_id) AS breach, pg_temp.n(licensee_id) AS licensee, discovered_at, risk, status, controller_due_at,
       controller_notice, authority_due_at, authority_notice, persons_notice, persons_affected
  FROM dcpf.report_breach_deadlines ORDER BY 2;
-- consent: May shows seven given and in force; June (one withdrawal) is
-- hidden whole: the six still in force beside it would tell the one
SELECT pg_temp.n(licensee_id) AS licensee, purpose_code, period, given, withdrawn, in_force
  FROM dcpf.report_consent_statistics ORDER BY 2, 3;
-- access: the cells of one to four persons are hidden (six persons in
-- all, so nothing more); the professionals' reads show, with the subjects
SELECT pg_temp.n(licensee_id) AS licensee, pg_temp.last_month(period), application_role, action, outcome, events, actors, subjects
  FROM dcpf.report_access_statistics ORDER BY 1, 2, 3, 4;
-- licences: exact members (the billing figure)
SELECT pg_temp.n(licensee_id) AS licensee, product_code, starts_on, ends_on, status, in_force, seats, members, seats_free
  FROM dcpf.report_licence_usage ORDER BY 1;

-- ---------------------------------------------------------------------------
-- Differencing attacks
-- ---------------------------------------------------------------------------
-- 1. A total minus the cells shown. Cohort 2024 of IG has 12 trainees, all
-- assessed in March (the admin knows the placements). Without the
-- secondary suppression 12 - 5 - 6 would leave the one trainee at level 4;
-- what is left is 6 trainees, at levels the report does not tell.
SELECT 12 - sum(trainees) AS trainees_not_shown
  FROM dcpf.report_programme_progress
 WHERE programme_code = 'IG' AND cohort = 2024 AND period = '2026-03-01';
-- 2. Two overlapping reports: the assessments report counts the
-- professionals A's assessors assessed in March (12); the progress report
-- shows some of them by level. Their difference is not one trainee.
SELECT a.professionals - (SELECT sum(p.trainees) FROM dcpf.report_programme_progress p
                           WHERE p.licensee_id = a.licensee_id AND p.period = a.period) AS assessed_not_shown
  FROM dcpf.report_assessments_per_assessor a
 WHERE a.licensee_id = '00000000-0000-4000-8000-00000000a001' AND a.period = '2026-03-01';
-- 3. One month against the next: consent in force in May (7) minus June
-- would tell the one withdrawal; June's in_force is not there to subtract.
SELECT (SELECT in_force FROM dcpf.report_consent_statistics WHERE purpose_code = 'analytics_cookies' AND period = '2026-05-01')
     - (SELECT in_force FROM dcpf.report_consent_statistics WHERE purpose_code = 'analytics_cookies' AND period = '2026-06-01')
       AS withdrawn_by_difference;
RESET ROLE;
-- 4. Before and after one person's event: 212 is assessed again now, at
-- level 5, and 201 withdraws consent now; every report of closed months
-- reads the same before and after.
CREATE TEMP TABLE before_progress AS SELECT * FROM dcpf.report_programme_progress;
CREATE TEMP TABLE before_assessments AS SELECT * FROM dcpf.report_assessments_per_assessor;
CREATE TEMP TABLE before_consent AS SELECT * FROM dcpf.report_consent_statistics;
GRANT SELECT ON before_progress, before_assessments, before_consent TO PUBLIC;
BEGIN;
SET LOCAL session_replication_role = replica;
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, licensee_id, programme_id, item_type, title, status,
                                 submitted_at, signed_at, signed_by)
SELECT '00000000-0000-4000-8000-0000000f1212', m.person_id, m.id, m.licensee_id, '00000000-0000-4000-8000-00000000c001',
       'assessment', 'KPB', 'signed', now(), now(), '00000000-0000-4000-8000-000000000302'
  FROM dcpf.membership m WHERE m.person_id = '00000000-0000-4000-8000-000000000212';
INSERT INTO dcpf.assessment (item_id, owner_id, instrument, assessor_id, epa_id, entrustment_level, assessed_at)
VALUES ('00000000-0000-4000-8000-0000000f1212', '00000000-0000-4000-8000-000000000212', 'kpb',
        '00000000-0000-4000-8000-000000000302', '00000000-0000-4000-8000-00000000e001', 5, now());
INSERT INTO dcpf.consent_event (person_id, purpose_code, action, channel, receipt)
VALUES ('00000000-0000-4000-8000-000000000202', 'analytics_cookies', 'withdrawn', 'web', '{}');
COMMIT;
SET ROLE dcpf_test_rp_report;
SELECT (SELECT count(*) FROM (SELECT * FROM dcpf.report_programme_progress EXCEPT SELECT * FROM before_progress) d)
     + (SELECT count(*) FROM (SELECT * FROM before_progress EXCEPT SELECT * FROM dcpf.report_programme_progress) d) AS progress_changed,
       (SELECT count(*) FROM (SELECT * FROM dcpf.report_assessments_per_assessor EXCEPT SELECT * FROM before_assessments) d)
     + (SELECT count(*) FROM (SELECT * FROM before_assessments EXCEPT SELECT * FROM dcpf.report_assessments_per_assessor) d) AS assessments_changed,
       (SELECT count(*) FROM (SELECT * FROM dcpf.report_consent_statistics EXCEPT SELECT * FROM before_consent) d)
     + (SELECT count(*) FROM (SELECT * FROM before_consent EXCEPT SELECT * FROM dcpf.report_consent_statistics) d) AS consent_changed;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Licensee staff: their own licensee, in a role the report admits
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_rp_backend;
-- A's admin: A's progress only (not B's), and the assessments per assessor
-- named (their staff); 303's four professionals of April are hidden
SELECT pg_temp.as_staff(103, 1, 'licensee_admin');
SELECT pg_temp.n(licensee_id) AS licensee, programme_code, cohort, period, level, trainees
  FROM dcpf.report_programme_progress ORDER BY 1, 2, 3, 4, 5;
SELECT pg_temp.n(licensee_id) AS licensee, period, pg_temp.n(assessor_id) AS assessor, assessors, assessments, professionals
  FROM dcpf.report_assessments_per_assessor ORDER BY 2, 3;
SELECT pg_temp.n(licensee_id) AS licensee, seats, members FROM dcpf.report_licence_usage;
-- the admin is refused the privacy officer's reports
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.report_subject_requests$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.report_access_statistics$$);
-- B's privacy officer: B's requests and breach row only
SELECT pg_temp.as_staff(105, 2, 'privacy_officer');
SELECT pg_temp.n(licensee_id) AS controller, due_month, kind, state, requests, persons
  FROM dcpf.report_subject_requests ORDER BY 1, 2;
SELECT pg_temp.n(licensee_id) AS licensee, controller_notice, persons_affected FROM dcpf.report_breach_deadlines;
SELECT count(*) AS consent_rows_of_platform_purposes FROM dcpf.report_consent_statistics;
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.report_programme_progress$$);
-- a programme director is admitted to no report
SELECT pg_temp.as_staff(106, 1, 'trainer');
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.report_programme_progress$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.report_licence_usage$$);
SELECT dcpf.clear_identity();
-- without identity the application reads no report
SET ROLE dcpf_test_rp_app;
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.report_licence_usage$$);
RESET ROLE;
-- the role gate stands before every report: A's admin, without an accepted
-- EURA for the role, is refused the identity, and with it every report
BEGIN;
DELETE FROM dcpf.role_agreement_acceptance a USING dcpf.role_agreement ra
 WHERE a.agreement_id = ra.id AND ra.role_code = 'licensee_admin'
   AND a.person_id = '00000000-0000-4000-8000-000000000103';
SET LOCAL ROLE dcpf_test_rp_backend;
SELECT split_part(pg_temp.refused($$SELECT pg_temp.as_staff(103, 1, 'licensee_admin')$$), E'\nHINT', 1) AS admin_without_eura;
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.report_licence_usage$$) AS then_the_report;
ROLLBACK;

-- ---------------------------------------------------------------------------
-- k: A's privacy officer sets it to 3; below 2 is refused
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_rp_backend;
SELECT pg_temp.as_staff(104, 1, 'privacy_officer');
SELECT pg_temp.refused($$SELECT dcpf.set_report_min_persons(1)$$);
SELECT pg_temp.refused($$SELECT dcpf.set_report_min_persons(NULL)$$);
SELECT pg_temp.refused($$SELECT dcpf.set_report_min_persons(101)$$);
SELECT dcpf.set_report_min_persons(3) AS previous_k;
-- the officer's own licensee's cells now show from 3 persons: the
-- assessors' reads (3) show; the three single persons stay hidden
SELECT pg_temp.n(licensee_id) AS licensee, pg_temp.last_month(period), application_role, action, events, actors, subjects
  FROM dcpf.report_access_statistics ORDER BY 3;
SELECT pg_temp.as_staff(103, 1, 'licensee_admin');
SELECT pg_temp.refused($$SELECT dcpf.set_report_min_persons(4)$$);
-- with k = 3 April's cohort 2025 (four trainees) shows, and 303's row
SELECT cohort, period, level, trainees FROM dcpf.report_programme_progress WHERE period = '2026-04-01';
SELECT period, pg_temp.n(assessor_id) AS assessor, professionals FROM dcpf.report_assessments_per_assessor WHERE period = '2026-04-01';
SELECT dcpf.clear_identity();
RESET ROLE;
-- the platform's cells keep the largest k of all and at least 5: consent in
-- June stays hidden
SELECT l.name, l.report_min_persons FROM dcpf.licensee l ORDER BY l.name;
SET ROLE dcpf_test_rp_report;
SELECT period, given, withdrawn, in_force FROM dcpf.report_consent_statistics ORDER BY period;
RESET ROLE;
-- a direct write below 2 is refused by the table itself
SELECT pg_temp.refused($$UPDATE dcpf.licensee SET report_min_persons = 1$$);

-- ---------------------------------------------------------------------------
-- What the reporting role cannot do
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_rp_report;
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.assessment$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.subject_request$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.consent_event$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.audit_event$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.breach$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.assessment_decrypted$$);
SELECT pg_temp.refused($$SELECT dcpf.report_cells_shown(ARRAY['a'], ARRAY[NULL::uuid], 1)$$);
SELECT pg_temp.refused($$SELECT dcpf.report_scope('licence_usage', 'dcpf_test_rp_report')$$);
RESET ROLE;
-- every function with the owner's rights that dcpf_reporting may call:
-- the reports' and the visits' (codes, counts, dates and ids, never text
-- of a person); the rest it may call reads nothing it could not
SELECT p.oid::regprocedure::text AS definer_callable_by_reporting
  FROM pg_proc p
 WHERE p.pronamespace = 'dcpf'::regnamespace AND p.prosecdef AND has_function_privilege('dcpf_reporting', p.oid, 'EXECUTE')
 ORDER BY 1;
-- every relation it may read: the reports, the audit catalogue, the visits
SELECT c.oid::regclass::text AS readable_by_reporting
  FROM pg_class c
 WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'v', 'p')
   AND has_table_privilege('dcpf_reporting', c.oid, 'SELECT')
 ORDER BY 1;

-- a forged caller: a session of the application (not a member of the
-- reporting role) names the reporting role to the function behind a view
SET SESSION AUTHORIZATION dcpf_test_rp_app;
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.report_licence_usage_rows('dcpf_test_rp_report')$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.report_licence_usage_rows('postgres')$$);
RESET SESSION AUTHORIZATION;

-- a search_path trick: a schema first on the path with its own
-- report_cells_shown (showing every cell), count and now; the functions
-- behind the views pin theirs, so the hidden cells stay hidden
CREATE SCHEMA dcpf_test_rp_evil;
CREATE FUNCTION dcpf_test_rp_evil.report_cells_shown(cells text[], persons uuid[], min_persons integer) RETURNS text[]
    LANGUAGE sql RETURN cells;
CREATE FUNCTION dcpf_test_rp_evil.now() RETURNS timestamptz LANGUAGE sql RETURN timestamptz '2099-01-01';
GRANT USAGE ON SCHEMA dcpf_test_rp_evil TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA dcpf_test_rp_evil TO PUBLIC;
CREATE FUNCTION pg_temp.leak(programme text, level integer, trainees bigint) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    RAISE NOTICE 'seen: % level % with % trainees', programme, level, trainees;
    RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.leak(text, integer, bigint) TO PUBLIC;
SET ROLE dcpf_test_rp_report;
SET search_path = dcpf_test_rp_evil, dcpf, pg_catalog, public;
SELECT programme_code, level, trainees FROM report_programme_progress WHERE cohort = 2024 AND period = '2026-03-01' ORDER BY 1, 2;
RESET search_path;
-- a leaky function in WHERE sees the rows the view gives (B's too, which
-- the reporting role reads anyway), nothing hidden behind them: no level 2
-- or 4 of IG's cohort 2024 in March
SELECT count(*) AS rows FROM dcpf.report_programme_progress
 WHERE pg_temp.leak(programme_code, level, trainees) AND licensee_id = '00000000-0000-4000-8000-00000000a001';
RESET ROLE;

DROP SCHEMA dcpf_test_rp_evil CASCADE;
SELECT dcpf.clear_identity();
DROP ROLE dcpf_test_rp_backend;
DROP ROLE dcpf_test_rp_report;
DROP ROLE dcpf_test_rp_app;
