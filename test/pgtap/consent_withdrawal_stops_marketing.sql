-- Consent withdrawal stops marketing (DESIGN.md clauses 1 and 2): for every
-- person of a licensee, giving consent to marketing puts them in the
-- marketing audience and makes dcpf.has_consent true; withdrawing it, or
-- objecting to direct marketing, takes them out in the same transaction,
-- before any commit; while the objection holds, consent cannot be given
-- again; a deactivated person is never in the audience; and the admin of
-- another licensee sees none of them.
BEGIN;
SELECT plan(16);
SET LOCAL client_min_messages = warning;

CREATE ROLE dcpf_t_cw_svc NOLOGIN IN ROLE dcpf_service;
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-0000000ca001', 'Consent Licensee A', 'hospital'),
    ('00000000-0000-4000-8000-0000000ca002', 'Consent Licensee B', 'hospital');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000cb001', 'dcpf-cw', 'DCPF consent');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
SELECT id, '00000000-0000-4000-8000-0000000cb001', '2020-01-01' FROM dcpf.licensee WHERE name LIKE 'Consent Licensee %';
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-0000000cb001', code, 1, 'EURA ' || code, 'Ik accepteer de rolgebonden rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role;
-- ten professionals and an admin in A, an admin in B
CREATE TEMP TABLE people AS
SELECT ('00000000-0000-4000-8000-0000000cc' || lpad(n::text, 3, '0'))::uuid AS person_id, n,
       CASE WHEN n <= 10 THEN 'professional' ELSE 'licensee_admin' END AS role_code,
       CASE WHEN n <= 11 THEN '00000000-0000-4000-8000-0000000ca001' ELSE '00000000-0000-4000-8000-0000000ca002' END::uuid AS licensee_id
  FROM generate_series(1, 12) n;
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT person_id, 'consent' || n || '@example.nl', 'Toestemming', 'T.' FROM people;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT person_id, licensee_id, role_code, '2024-01-01' FROM people;
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT ra.id, p.person_id, 'click_through'
  FROM people p JOIN dcpf.role_agreement ra ON ra.role_code = p.role_code AND ra.product_id = '00000000-0000-4000-8000-0000000cb001';
GRANT SELECT ON people TO PUBLIC;

CREATE FUNCTION pg_temp.as_n(n integer) RETURNS boolean LANGUAGE sql
RETURN (SELECT dcpf.act_as(p.person_id, p.licensee_id, p.role_code, 'consent test', true) IS NOT NULL FROM pg_temp.people p WHERE p.n = as_n.n);
CREATE FUNCTION pg_temp.audience() RETURNS integer[] LANGUAGE plpgsql AS $$
DECLARE found_n integer[];
BEGIN
    PERFORM pg_temp.as_n(11);
    SELECT coalesce(array_agg(p.n ORDER BY p.n), '{}') INTO found_n
      FROM dcpf.marketing_audience a JOIN pg_temp.people p USING (person_id);
    RETURN found_n;
END $$;
CREATE FUNCTION pg_temp.consenting() RETURNS integer[] LANGUAGE plpgsql AS $$
DECLARE found_n integer[];
BEGIN
    PERFORM pg_temp.as_n(11);
    SELECT coalesce(array_agg(p.n ORDER BY p.n) FILTER (WHERE dcpf.has_consent(p.person_id, 'marketing')), '{}') INTO found_n
      FROM pg_temp.people p;
    RETURN found_n;
END $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pg_temp TO PUBLIC;
DO $$ BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
END $$;
SET LOCAL ROLE dcpf_t_cw_svc;

SELECT is(pg_temp.audience(), '{}'::integer[], 'before anyone consents, the marketing audience is empty');
-- the ten professionals consent
DO $$ BEGIN
    FOR i IN 1 .. 10 LOOP
        PERFORM pg_temp.as_n(i);
        PERFORM dcpf.give_consent('marketing');
    END LOOP;
END $$;
SELECT is(pg_temp.audience(), '{1,2,3,4,5,6,7,8,9,10}'::integer[], 'consent puts every professional in the audience');
SELECT is(pg_temp.consenting(), '{1,2,3,4,5,6,7,8,9,10}'::integer[], 'has_consent agrees, for the admin of their licensee');
SELECT pg_temp.as_n(12) AS acting \gset
SELECT is((SELECT count(*)::int FROM dcpf.marketing_audience), 0, 'the admin of another licensee sees none of them');
SELECT is((SELECT count(*)::int FROM pg_temp.people p WHERE dcpf.has_consent(p.person_id, 'marketing')), 0,
          'nor can they probe their consent with has_consent');

-- withdrawal, within one transaction (this test never commits)
SELECT pg_temp.as_n(3) AS acting \gset
SELECT isnt(dcpf.withdraw_consent('marketing'), NULL, 'withdrawal returns a receipt');
SELECT is(pg_temp.audience(), '{1,2,4,5,6,7,8,9,10}'::integer[], 'a withdrawal removes the person from the audience at once');
SELECT is(pg_temp.consenting(), '{1,2,4,5,6,7,8,9,10}'::integer[], 'and has_consent is false for them at once');
-- objection, with or without consent given before
SELECT pg_temp.as_n(5) AS acting \gset
SELECT isnt(dcpf.object_to_marketing(), NULL, 'an objection returns a receipt');
SELECT pg_temp.as_n(3) AS acting \gset
SELECT isnt(dcpf.object_to_marketing('paper'), NULL, 'one may object without a consent in force');
SELECT is(pg_temp.audience(), '{1,2,4,6,7,8,9,10}'::integer[], 'an objection removes the person from the audience at once');
SELECT pg_temp.as_n(5) AS acting \gset
SELECT throws_ok($$SELECT dcpf.give_consent('marketing')$$, '55000', 'you objected to direct marketing',
                 'while the objection holds, consent to marketing is refused');
SELECT is(pg_temp.audience(), '{1,2,4,6,7,8,9,10}'::integer[], 'and the refused consent left the audience as it was');
SELECT pg_temp.as_n(5) AS acting \gset
SELECT isnt(dcpf.lift_objection(), NULL, 'the objection is lifted');
SELECT is(pg_temp.audience(), '{1,2,4,6,7,8,9,10}'::integer[], 'lifting it does not revive the consent given before');

-- a deactivated person is never in the audience
RESET ROLE;
UPDATE dcpf.person SET status = 'deactivated', deactivated_at = now()
 WHERE id = (SELECT person_id FROM people WHERE n = 7);
SET LOCAL ROLE dcpf_t_cw_svc;
SELECT is(pg_temp.audience(), '{1,2,4,6,8,9,10}'::integer[], 'a deactivated person leaves the audience');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
