-- The functions policies call (src/policy.c), by themselves: what each
-- answers, that none answers more than its caller may read, and that the
-- kept results of dcpf.my_licensees() and dcpf.my_programmes() follow what
-- they read (another statement, a rolled-back savepoint, another identity);
-- another session's commit is test/isolation/specs/policy_helpers_follow_commits.spec.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_ph_app;
DROP ROLE IF EXISTS dcpf_test_ph_other;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/try.sql
-- 301 admin of A, 302 privacy officer of A, 303 trainee of A, 304 member of
-- B only, 305 left A, 306 joins A next year, 307 admin of B, 308 officer of B
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT ('00000000-0000-4000-8000-000000000' || n)::uuid, 'p' || n || '@example.nl',
       (ARRAY['Visser', 'Smit', 'Jansen', 'Bakker', 'Mulder', 'Bos', 'Vos', 'Peters'])[n - 300], 'P.'
  FROM generate_series(301, 308) n;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from, valid_until) VALUES
    ('00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', '2024-01-01', NULL),
    ('00000000-0000-4000-8000-000000000302', '00000000-0000-4000-8000-00000000a001', 'privacy_officer', '2024-01-01', NULL),
    ('00000000-0000-4000-8000-000000000303', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01', NULL),
    ('00000000-0000-4000-8000-000000000304', '00000000-0000-4000-8000-00000000a002', 'professional', '2024-01-01', NULL),
    ('00000000-0000-4000-8000-000000000305', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01', '2025-01-01'),
    ('00000000-0000-4000-8000-000000000306', '00000000-0000-4000-8000-00000000a001', 'professional', now() + interval '1 year', NULL),
    ('00000000-0000-4000-8000-000000000307', '00000000-0000-4000-8000-00000000a002', 'licensee_admin', '2024-01-01', NULL),
    ('00000000-0000-4000-8000-000000000308', '00000000-0000-4000-8000-00000000a002', 'privacy_officer', '2024-01-01', NULL),
    ('00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-00000000a002', 'professional', '2024-01-01', '2025-01-01');
\i test/sql/include/accept_euras.sql
-- a breach that concerns A only
INSERT INTO dcpf.breach (id, title, discovered_at, recorded_by, nature, breach_types, data_categories,
                         subject_categories, likely_consequences, risk)
VALUES ('00000000-0000-4000-8000-00000000bb01', 'Gelekte export', now(), '00000000-0000-4000-8000-000000000302',
        'Een export is verkeerd verstuurd.', '{confidentiality}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'risk');
INSERT INTO dcpf.breach_controller (breach_id, licensee_id, due_at)
VALUES ('00000000-0000-4000-8000-00000000bb01', '00000000-0000-4000-8000-00000000a001', now() + interval '48 hours');

CREATE ROLE dcpf_test_ph_app NOLOGIN IN ROLE dcpf_app;
CREATE ROLE dcpf_test_ph_other NOLOGIN;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
-- the persons 301-308 that member_of_my_licensee(person, VARIADIC roles) says yes to
-- (the ids are made here, not read from dcpf.person, whose policies would
-- narrow them first)
CREATE FUNCTION pg_temp.members(VARIADIC roles text[]) RETURNS text LANGUAGE sql
RETURN (SELECT coalesce(string_agg(n::text, ' ' ORDER BY n), '-') FROM generate_series(301, 308) n
         WHERE dcpf.member_of_my_licensee(('00000000-0000-4000-8000-000000000' || n)::uuid, VARIADIC roles));
CREATE FUNCTION pg_temp.ever_members(VARIADIC roles text[]) RETURNS text LANGUAGE sql
RETURN (SELECT coalesce(string_agg(n::text, ' ' ORDER BY n), '-') FROM generate_series(301, 308) n
         WHERE dcpf.ever_member_of_my_licensee(('00000000-0000-4000-8000-000000000' || n)::uuid, VARIADIC roles));
-- a licensee's last four characters, for short output
CREATE FUNCTION pg_temp.short(ids uuid[]) RETURNS text LANGUAGE sql
RETURN (SELECT coalesce(string_agg(right(i::text, 4), ' ' ORDER BY i), '-') FROM unnest(ids) i);
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO PUBLIC;

-- == dcpf.member_of_my_licensee / dcpf.ever_member_of_my_licensee ==========
-- A's admin: A's current and future members, not B's, not who left
SELECT pg_temp.as_person('301', 'licensee_admin');
SET ROLE dcpf_test_ph_app;
SELECT pg_temp.members('licensee_admin') AS admin_sees,
       pg_temp.members('licensee_admin', 'privacy_officer') AS either_role,
       pg_temp.members('privacy_officer') AS not_acting_as_officer,
       pg_temp.ever_members('licensee_admin') AS ever;
-- NULLs and empty lists answer no
SELECT dcpf.member_of_my_licensee(NULL, 'licensee_admin') AS null_person,
       dcpf.member_of_my_licensee('00000000-0000-4000-8000-000000000303', VARIADIC NULL::text[]) AS null_roles,
       dcpf.member_of_my_licensee('00000000-0000-4000-8000-000000000303', VARIADIC ARRAY[]::text[]) AS no_roles,
       dcpf.member_of_my_licensee('00000000-0000-4000-8000-000000000303', VARIADIC ARRAY[NULL, 'licensee_admin']) AS past_a_null;
-- an attack: the function as an oracle of other licensees' members, or of
-- members for a role that may not read them
SELECT pg_temp.try($$SELECT dcpf.member_of_my_licensee('00000000-0000-4000-8000-000000000303', 'professional')$$) AS professional_role,
       pg_temp.try($$SELECT dcpf.ever_member_of_my_licensee('00000000-0000-4000-8000-000000000303', 'licensee_admin', 'supervisor')$$) AS one_bad_role;
-- refused every time it is asked, also by the same expression again
DO $$
DECLARE
    refused int := 0;
    answer boolean;
BEGIN
    FOR i IN 1..3 LOOP
        BEGIN
            answer := dcpf.member_of_my_licensee('00000000-0000-4000-8000-000000000303', 'professional');
        EXCEPTION WHEN invalid_parameter_value THEN
            refused := refused + 1;
        END;
    END LOOP;
    RAISE NOTICE 'refused % of 3 times', refused;
END
$$;
RESET ROLE;
-- B's admin sees B's members (301 left B: not current), not A's
SELECT pg_temp.as_person('307', 'licensee_admin', 'a002');
SET ROLE dcpf_test_ph_app;
SELECT pg_temp.members('licensee_admin') AS b_admin_sees, pg_temp.ever_members('licensee_admin') AS b_ever;
RESET ROLE;
-- A's professional asks as if an admin: no
SELECT pg_temp.as_person('303', 'professional');
SET ROLE dcpf_test_ph_app;
SELECT pg_temp.members('licensee_admin', 'privacy_officer') AS professional_asks;
RESET ROLE;
-- no identity: no
SELECT dcpf.clear_identity();
SELECT pg_temp.members('licensee_admin') AS nobody;
-- a role outside dcpf_app cannot call them (nor my_licensees, my_programmes)
SET ROLE dcpf_test_ph_other;
SELECT pg_temp.try($$SELECT dcpf.member_of_my_licensee('00000000-0000-4000-8000-000000000303', 'licensee_admin')$$) AS other_role,
       pg_temp.try($$SELECT dcpf.ever_member_of_my_licensee('00000000-0000-4000-8000-000000000303', 'licensee_admin')$$) AS other_role_ever,
       pg_temp.try($$SELECT dcpf.breach_concerns_my_licensee('00000000-0000-4000-8000-00000000bb01')$$) AS other_role_breach,
       pg_temp.try($$SELECT dcpf.my_licensees()$$) AS other_role_licensees;
RESET ROLE;

-- past 1,000 probes in one statement the answers come from the licensee's
-- members, read once: they must be the same as the probes'. 1,500 more
-- persons: a third current members of A, a third whose membership of A
-- ended, a third of B only.
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT ('00000000-0000-4000-8000-0000001' || lpad(n::text, 5, '0'))::uuid, 'm' || n || '@example.nl', 'Mulder', 'M.'
  FROM generate_series(1, 1500) n;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from, valid_until)
SELECT ('00000000-0000-4000-8000-0000001' || lpad(n::text, 5, '0'))::uuid,
       CASE WHEN n % 3 = 2 THEN '00000000-0000-4000-8000-00000000a002' ELSE '00000000-0000-4000-8000-00000000a001' END::uuid,
       'professional', '2024-01-01', CASE WHEN n % 3 = 1 THEN '2025-01-01'::timestamptz END
  FROM generate_series(1, 1500) n;
SELECT pg_temp.as_person('301', 'licensee_admin');
SET ROLE dcpf_test_ph_app;
-- in order the first 1,000 are probed, the rest looked up
SELECT count(*) FILTER (WHERE dcpf.member_of_my_licensee(p.id, 'licensee_admin')) AS current_members,
       count(*) FILTER (WHERE dcpf.ever_member_of_my_licensee(p.id, 'licensee_admin')) AS ever_members,
       count(*) FILTER (WHERE dcpf.member_of_my_licensee(p.id, 'licensee_admin') IS DISTINCT FROM (p.n % 3 = 0)) AS current_wrong,
       count(*) FILTER (WHERE dcpf.ever_member_of_my_licensee(p.id, 'licensee_admin') IS DISTINCT FROM (p.n % 3 <> 2)) AS ever_wrong
  FROM (SELECT n, ('00000000-0000-4000-8000-0000001' || lpad(n::text, 5, '0'))::uuid AS id
          FROM generate_series(1, 1500) n) p;
-- and the policy that uses it: the admin's list of persons, against the members
SELECT count(*) AS persons_listed,
       count(*) FILTER (WHERE id::text LIKE '00000000-0000-4000-8000-0000001%') AS of_the_1500
  FROM dcpf.person;
RESET ROLE;
-- a member who joins in the same transaction is seen by the next statement, past the threshold too
BEGIN;
SELECT pg_temp.as_person('301', 'licensee_admin');
UPDATE dcpf.membership SET valid_until = NULL WHERE person_id = '00000000-0000-4000-8000-000000101498';
SET LOCAL ROLE dcpf_test_ph_app;
SELECT count(*) FILTER (WHERE id::text LIKE '00000000-0000-4000-8000-0000001%') AS of_the_1500_after_rejoining FROM dcpf.person;
ROLLBACK;

-- == dcpf.breach_concerns_my_licensee =======================================
SELECT pg_temp.as_person('302', 'privacy_officer');
SET ROLE dcpf_test_ph_app;
SELECT dcpf.breach_concerns_my_licensee('00000000-0000-4000-8000-00000000bb01') AS a_officer,
       dcpf.breach_concerns_my_licensee('00000000-0000-4000-8000-00000000bb02') AS no_such_breach,
       dcpf.breach_concerns_my_licensee(NULL) AS null_breach;
RESET ROLE;
SELECT pg_temp.as_person('308', 'privacy_officer', 'a002');
SET ROLE dcpf_test_ph_app;
SELECT dcpf.breach_concerns_my_licensee('00000000-0000-4000-8000-00000000bb01') AS b_officer;
RESET ROLE;
SELECT pg_temp.as_person('301', 'licensee_admin');
SET ROLE dcpf_test_ph_app;
SELECT dcpf.breach_concerns_my_licensee('00000000-0000-4000-8000-00000000bb01') AS a_admin;
RESET ROLE;
-- the breach is concerned with A from now on: B's officer sees it in the next statement
INSERT INTO dcpf.breach_controller (breach_id, licensee_id, due_at)
VALUES ('00000000-0000-4000-8000-00000000bb01', '00000000-0000-4000-8000-00000000a002', now() + interval '48 hours');
SELECT pg_temp.as_person('308', 'privacy_officer', 'a002');
SET ROLE dcpf_test_ph_app;
SELECT dcpf.breach_concerns_my_licensee('00000000-0000-4000-8000-00000000bb01') AS b_officer_now;
RESET ROLE;

-- == dcpf.my_licensees(): kept, and let go when what it read changed ========
-- 301 is a current member of A (admin), and was of B
SELECT pg_temp.as_person('301', 'licensee_admin');
BEGIN;
SELECT pg_temp.short(dcpf.my_licensees()) AS first;
-- a write in this transaction is seen by the next statement
UPDATE dcpf.membership SET valid_until = NULL
 WHERE person_id = '00000000-0000-4000-8000-000000000301' AND licensee_id = '00000000-0000-4000-8000-00000000a002';
SELECT pg_temp.short(dcpf.my_licensees()) AS after_rejoining_b;
-- a write in a savepoint that rolls back is forgotten with it, also when no
-- statement wrote in between (the same command id)
SAVEPOINT s;
UPDATE dcpf.membership SET valid_until = '2025-01-01'
 WHERE person_id = '00000000-0000-4000-8000-000000000301' AND licensee_id = '00000000-0000-4000-8000-00000000a002';
SELECT pg_temp.short(dcpf.my_licensees()) AS inside_savepoint;
ROLLBACK TO SAVEPOINT s;
SELECT pg_temp.short(dcpf.my_licensees()) AS after_rollback;
-- another identity in the same transaction: its own licensees
SELECT pg_temp.as_person('304', 'professional', 'a002');
SELECT pg_temp.short(dcpf.my_licensees()) AS other_person;
-- the same in one PL/pgSQL loop, where the call is a simple expression kept
-- for the whole transaction
SELECT pg_temp.as_person('301', 'licensee_admin');
DO $$
DECLARE
    seen text[] := '{}';
    ending timestamptz;
BEGIN
    FOREACH ending IN ARRAY ARRAY[NULL, '2025-01-01', NULL]::timestamptz[] LOOP
        UPDATE dcpf.membership SET valid_until = ending
         WHERE person_id = '00000000-0000-4000-8000-000000000301' AND licensee_id = '00000000-0000-4000-8000-00000000a002';
        seen := seen || pg_temp.short(dcpf.my_licensees());
    END LOOP;
    RAISE NOTICE 'in a loop: %', seen;
END
$$;
ROLLBACK;
-- the policies that use it, in one statement: A's admin reads A's licensee row only
SELECT pg_temp.as_person('301', 'licensee_admin');
SET ROLE dcpf_test_ph_app;
SELECT name FROM dcpf.licensee ORDER BY name;
RESET ROLE;

-- == dcpf.my_programmes() ===================================================
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'INT', 'Opleiding Interne Geneeskunde', 'specialty'),
    ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', 'KNO', 'Opleiding KNO', 'specialty');
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-000000000303', '00000000-0000-4000-8000-00000000a001', 'trainer', '2024-01-01');
\i test/sql/include/accept_euras.sql
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000303', 'trainer', '2024-01-01');
SELECT pg_temp.as_person('303', 'trainer');
BEGIN;
SELECT pg_temp.short(dcpf.my_programmes()) AS trainer_directs;
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000c002', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000303', 'trainer', '2024-01-01');
SELECT pg_temp.short(dcpf.my_programmes()) AS and_now_both;
ROLLBACK;
-- as a professional the same person directs nothing
SELECT pg_temp.as_person('303', 'professional');
SELECT pg_temp.short(dcpf.my_programmes()) AS as_professional;
SELECT dcpf.clear_identity();
SELECT pg_temp.short(dcpf.my_licensees()) AS nobody_licensees, pg_temp.short(dcpf.my_programmes()) AS nobody_programmes;

-- == a search_path trick ===================================================
-- a schema first on the path with its own now() (so that 301's ended
-- membership of B would count) and its own = for uuids (so that every
-- membership would): the helpers' queries name pg_catalog's
CREATE SCHEMA ph_evil;
CREATE FUNCTION ph_evil.now() RETURNS timestamptz LANGUAGE sql RETURN '1900-01-01 00:00+00'::timestamptz;
CREATE FUNCTION ph_evil.uuid_always(uuid, uuid) RETURNS boolean LANGUAGE sql RETURN true;
CREATE OPERATOR ph_evil.= (FUNCTION = ph_evil.uuid_always, LEFTARG = uuid, RIGHTARG = uuid);
GRANT USAGE ON SCHEMA ph_evil TO PUBLIC;
SELECT pg_temp.as_person('301', 'licensee_admin');
SET ROLE dcpf_test_ph_app;
SET search_path = ph_evil, pg_catalog, public;
SELECT pg_temp.short(dcpf.my_licensees()) AS licensees_under_a_hostile_path,
       (SELECT count(*) FROM dcpf.licensee) AS licensee_rows,
       pg_temp.members('licensee_admin') AS members_under_a_hostile_path;
RESET search_path;
RESET ROLE;
SELECT pg_temp.as_person('303', 'trainer');
SET search_path = ph_evil, pg_catalog, public;
SELECT pg_temp.short(dcpf.my_programmes()) AS programmes_under_a_hostile_path;
RESET search_path;
DROP SCHEMA ph_evil CASCADE;

-- == no policy of dcpf holds a subquery (what Citus requires) ==============
SELECT count(*) AS policies_with_subqueries
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
 WHERE c.relnamespace = 'dcpf'::regnamespace
   AND (coalesce(pg_get_expr(p.polqual, p.polrelid), '') ~* '\mselect\M'
        OR coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') ~* '\mselect\M');

DROP ROLE dcpf_test_ph_app;
DROP ROLE dcpf_test_ph_other;
