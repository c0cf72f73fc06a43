-- bench/consent/setup.sql: the data of benchmark 8 (bench/consent/run), as
-- the superuser. A licensee with a licence; :persons persons, its
-- professionals, and its privacy officer; every other person consented to
-- analytics cookies (through dcpf.give_consent, as themself); two tables of
-- 1M visits with an index on id, owned by :owner (not a superuser), read by
-- :app: bench.visit_row with a policy calling dcpf.has_consent for each
-- row's person (the persons interleaved, as visits arrive), bench.visit_own
-- with the application's policy for the person's own rows (all of person 1,
-- who consented): dcpf.has_consent of the current person, once per query
-- (an InitPlan);
-- and bench.visit_own_nc, the same rows with the same policy without the
-- consent check.
SET client_min_messages = warning;
CREATE SCHEMA bench;
GRANT USAGE ON SCHEMA bench TO :app, :owner;
CREATE FUNCTION bench.person_uuid(n integer) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('50000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid;
GRANT EXECUTE ON FUNCTION bench.person_uuid(integer) TO PUBLIC;

INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-0000000be001', 'Bench Consent', 'hospital');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000be002', 'dcpf-bench-consent', 'Bench');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
VALUES ('00000000-0000-4000-8000-0000000be001', '00000000-0000-4000-8000-0000000be002', '2020-01-01');
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-0000000be002', code, 1, 'EURA ' || code, 'Ik accepteer de rolgebonden rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role WHERE code IN ('professional', 'privacy_officer');
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT bench.person_uuid(g), 'p' || g || '@consent.bench.example', 'Bench', 'B.' FROM generate_series(0, :persons) g;
-- person 0 is the privacy officer
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT bench.person_uuid(g), '00000000-0000-4000-8000-0000000be001', CASE WHEN g = 0 THEN 'privacy_officer' ELSE 'professional' END, '2024-01-01'
  FROM generate_series(0, :persons) g;
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT ra.id, m.person_id, 'click_through' FROM dcpf.membership m JOIN dcpf.role_agreement ra ON ra.role_code = m.role_code;
SET bench.persons = :persons;
DO $$
DECLARE g integer;
BEGIN
    FOR g IN SELECT x FROM generate_series(1, current_setting('bench.persons')::integer, 2) x LOOP
        PERFORM dcpf.act_as(bench.person_uuid(g), '00000000-0000-4000-8000-0000000be001', 'professional', 'benchmark setup');
        PERFORM dcpf.give_consent('analytics_cookies');
    END LOOP;
    PERFORM dcpf.clear_identity();
END $$;

CREATE TABLE bench.visit_row (id bigint PRIMARY KEY, person_id uuid NOT NULL, page text NOT NULL);
INSERT INTO bench.visit_row SELECT g, bench.person_uuid(1 + g % :persons), '/portfolio' FROM generate_series(1, 1000000) g;
CREATE TABLE bench.visit_own (id bigint PRIMARY KEY, person_id uuid NOT NULL, page text NOT NULL);
INSERT INTO bench.visit_own SELECT g, bench.person_uuid(1), '/portfolio' FROM generate_series(1, 1000000) g;
CREATE TABLE bench.visit_own_nc (id bigint PRIMARY KEY, person_id uuid NOT NULL, page text NOT NULL);
INSERT INTO bench.visit_own_nc SELECT * FROM bench.visit_own;
ALTER TABLE bench.visit_row OWNER TO :owner;
ALTER TABLE bench.visit_own OWNER TO :owner;
ALTER TABLE bench.visit_own_nc OWNER TO :owner;
ALTER TABLE bench.visit_row ENABLE ROW LEVEL SECURITY;
ALTER TABLE bench.visit_own ENABLE ROW LEVEL SECURITY;
ALTER TABLE bench.visit_own_nc ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON bench.visit_row, bench.visit_own, bench.visit_own_nc TO :app;
-- the rows' person, per row: what a policy over many persons' rows does
CREATE POLICY visit_row_consent ON bench.visit_row FOR SELECT TO :app
    USING (dcpf.has_consent(person_id, 'analytics_cookies'));
-- the application's policy: the person's own rows, with their consent; the
-- consent folded into the person compared with (NULL without consent), so
-- that each row costs what it costs without the consent check
CREATE POLICY visit_own_consent ON bench.visit_own FOR SELECT TO :app
    USING (person_id = (SELECT CASE WHEN dcpf.has_consent(dcpf.current_person(), 'analytics_cookies')
                                    THEN dcpf.current_person() END));
CREATE POLICY visit_own_nc_self ON bench.visit_own_nc FOR SELECT TO :app
    USING (person_id = (SELECT dcpf.current_person()));
-- the former dcpf.has_consent, a SQL function, for comparison
CREATE FUNCTION bench.has_consent_sql(person uuid, purpose text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL RESTRICTED
RETURN EXISTS (SELECT FROM dcpf.consent c
                WHERE c.person_id = has_consent_sql.person AND c.purpose_code = has_consent_sql.purpose AND c.state = 'given');
GRANT EXECUTE ON FUNCTION bench.has_consent_sql(uuid, text) TO :app;
VACUUM (ANALYZE, FREEZE) bench.visit_row, bench.visit_own, bench.visit_own_nc, dcpf.consent, dcpf.membership;
-- one indexed scan of 1M rows, the same plan for both users
ALTER ROLE :app IN DATABASE :db SET enable_seqscan = off;
ALTER ROLE :app IN DATABASE :db SET enable_bitmapscan = off;
ALTER ROLE :app IN DATABASE :db SET max_parallel_workers_per_gather = 0;
ALTER ROLE :owner IN DATABASE :db SET enable_seqscan = off;
ALTER ROLE :owner IN DATABASE :db SET enable_bitmapscan = off;
ALTER ROLE :owner IN DATABASE :db SET max_parallel_workers_per_gather = 0;
