-- dcpf.has_consent in C (src/consent.c): the answer per person is kept per
-- call site only while it cannot have changed. A withdrawal shows at the
-- next statement, also inside one PL/pgSQL function whose expression keeps
-- its state; another identity, or the same identity under another user,
-- gets its own answer (security invoker: false for a consent it may not
-- see); many rows of a few persons get each person's answer.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_hc_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never

\i test/sql/include/two_licensees.sql
-- 101, 102 professionals of A; 103 the privacy officer of A; 104 the
-- privacy officer of B
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT v.id::uuid, v.email, v.surname, 'X.'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', 'jansen@example.nl', 'Jansen'),
               ('00000000-0000-4000-8000-000000000102', 'bakker@example.nl', 'Bakker'),
               ('00000000-0000-4000-8000-000000000103', 'fg@example.nl', 'Functionaris'),
               ('00000000-0000-4000-8000-000000000104', 'fg@west.example', 'West')) v(id, email, surname);
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT v.person::uuid, v.licensee::uuid, v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a002', 'privacy_officer')) v(person, licensee, role);
\i test/sql/include/accept_euras.sql
CREATE ROLE dcpf_test_hc_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
-- one function, one call site of has_consent, across statements that change the consent
CREATE FUNCTION pg_temp.give_and_withdraw() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    me uuid := dcpf.current_person();
    seen text := '';
    step integer;
BEGIN
    FOR step IN 1..4 LOOP
        seen := seen || CASE WHEN dcpf.has_consent(me, 'analytics_cookies') THEN 'yes ' ELSE 'no ' END;
        IF step % 2 = 1 THEN PERFORM dcpf.give_consent('analytics_cookies'); ELSE PERFORM dcpf.withdraw_consent('analytics_cookies'); END IF;
    END LOOP;
    RETURN seen || CASE WHEN dcpf.has_consent(me, 'analytics_cookies') THEN 'yes' ELSE 'no' END;
END $$;
-- the answers for the rows of 101 and 102, interleaved, in one statement
CREATE FUNCTION pg_temp.answers() RETURNS TABLE (person text, given bigint, refused bigint) LANGUAGE sql AS $$
    SELECT right(p::text, 3), count(*) FILTER (WHERE dcpf.has_consent(p, 'analytics_cookies')),
           count(*) FILTER (WHERE NOT dcpf.has_consent(p, 'analytics_cookies'))
      FROM (SELECT CASE WHEN g % 2 = 0 THEN '00000000-0000-4000-8000-000000000101' ELSE '00000000-0000-4000-8000-000000000102' END::uuid AS p
              FROM generate_series(1, 1000) g) x
     GROUP BY 1 ORDER BY 1 $$;
-- one call site, asked by one identity after another
CREATE FUNCTION pg_temp.per_identity() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    seen text := '';
    who text;
BEGIN
    FOREACH who IN ARRAY ARRAY['103', '102', '103', '104'] LOOP
        PERFORM pg_temp.as_person(who, CASE WHEN who = '102' THEN 'professional' ELSE 'privacy_officer' END,
                                  CASE WHEN who = '104' THEN 'a002' ELSE 'a001' END);
        seen := seen || who || ':' || dcpf.has_consent('00000000-0000-4000-8000-000000000101', 'analytics_cookies') || ' ';
    END LOOP;
    RETURN seen;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text), pg_temp.give_and_withdraw(), pg_temp.answers(),
    pg_temp.per_identity() TO PUBLIC;
SET ROLE dcpf_test_hc_backend;

-- given, withdrawn, given, withdrawn: each seen at the next statement
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.give_and_withdraw() AS seen;
BEGIN;
SELECT dcpf.give_consent('analytics_cookies') IS NOT NULL AS given;
SELECT * FROM pg_temp.answers();
SELECT dcpf.withdraw_consent('analytics_cookies') IS NOT NULL AS withdrawn;
SELECT * FROM pg_temp.answers();
SELECT dcpf.give_consent('analytics_cookies') IS NOT NULL AS given;
COMMIT;
-- each identity its own answer, within one transaction: the officer of A
-- sees 101's consent; 102 and the officer of B may not, so false
BEGIN;
SELECT pg_temp.as_person('103', 'privacy_officer');
SELECT * FROM pg_temp.answers();
SELECT pg_temp.as_person('102', 'professional');
SELECT * FROM pg_temp.answers();
SELECT pg_temp.as_person('104', 'privacy_officer', 'a002');
SELECT * FROM pg_temp.answers();
COMMIT;
SELECT pg_temp.per_identity() AS seen;
SELECT dcpf.clear_identity();
SELECT * FROM pg_temp.answers();
-- NULL: no consent
SELECT dcpf.has_consent(NULL, 'analytics_cookies') AS null_person, dcpf.has_consent('00000000-0000-4000-8000-000000000101', NULL) AS null_purpose;
RESET ROLE;
DROP ROLE dcpf_test_hc_backend;
