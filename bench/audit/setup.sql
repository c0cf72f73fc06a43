-- bench/audit/setup.sql: the data of benchmark 6 (bench/audit/run), in the
-- database it made with dcpf. Run by the owner (a superuser) with
-- -v members=<n> -v app=<application role>.
--
-- 6a/6b: three tables with the same columns and primary key:
--   bench.item_plain    no triggers
--   bench.item_dcpf     dcpf's three audit triggers (dcpf.audit_trigger with
--                       transition tables, as dcpf.audit_table makes them;
--                       that function only accepts tables of schema dcpf)
--   bench.item_plpgsql  a typical PL/pgSQL audit trigger: AFTER INSERT OR
--                       UPDATE OR DELETE FOR EACH ROW, to_jsonb(OLD) and
--                       to_jsonb(NEW) plus who and when into bench.audit_log
--                       (bigserial key)
-- 6c: one licensee with an admin (person 0) and <members> members (persons
--   1 .. members), every one with a BIG number (encrypted, blind index
--   computed by dcpf.sealed_column), so dcpf.person_by_big_number finds
--   them under the admin's row-level security; their blind indexes in
--   bench.blind_index for the control.
SET client_min_messages = warning;

-- events go to the month's partition, not the default one
SELECT count(*) AS partitions_made FROM dcpf.audit_create_partitions() \gset
-- No autovacuum on the tables the benchmark writes: on two cores a vacuum of
-- the growing audit partition in the middle of a run would decide a ratio.
-- bench/audit/run vacuums them itself, between its parts (not timed).
SELECT format('ALTER TABLE %s SET (autovacuum_enabled = false)', i.inhrelid::regclass)
  FROM pg_inherits i WHERE i.inhparent = 'dcpf.audit_event'::regclass \gexec

CREATE SCHEMA bench;
GRANT USAGE ON SCHEMA bench TO dcpf_app;

-- person n: a fixed uuid; person 0 is the licensee admin
CREATE FUNCTION bench.person_uuid(n integer) RETURNS uuid
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ('10000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid;
-- A valid BIG number (d2 = 9, d1 the check digit) with the given body
-- (d11 .. d3); NULL when its check digit would be 0 (a leading zero, which
-- the pgbench scripts, working in integers, cannot write).
CREATE FUNCTION bench.big_of(body integer) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT CASE WHEN s % 11 = 0 THEN NULL WHEN s % 11 = 1 THEN '1' ELSE (11 - s % 11)::text END
               || '9' || lpad(body::text, 9, '0')
          FROM (SELECT 9 + 6 * (body / 100000000 % 10) + 3 * (body / 10000000 % 10) + 7 * (body / 1000000 % 10)
                       + 9 * (body / 100000 % 10) + 10 * (body / 10000 % 10) + 5 * (body / 1000 % 10)
                       + 8 * (body / 100 % 10) + 4 * (body / 10 % 10) + 2 * (body % 10) AS s) w);
-- Person n's BIG number: body 10 n, or 10 n + 1 where 10 n would need check
-- digit 0. bench/audit/run computes the same in pgbench (big.inc there).
CREATE FUNCTION bench.big_number_of(n integer) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN coalesce(bench.big_of(10 * n), bench.big_of(10 * n + 1));
GRANT EXECUTE ON FUNCTION bench.person_uuid(integer) TO dcpf_app;

-- --- 6a/6b: the audited table, unaudited and audited two ways ---------------
CREATE TABLE bench.item_plain (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id   uuid NOT NULL,
    title       text,
    score       integer,
    updated_at  timestamptz
);
CREATE TABLE bench.item_dcpf (LIKE bench.item_plain INCLUDING ALL);
CREATE TABLE bench.item_plpgsql (LIKE bench.item_plain INCLUDING ALL);
ALTER TABLE bench.item_plain SET (autovacuum_enabled = false);
ALTER TABLE bench.item_dcpf SET (autovacuum_enabled = false);
ALTER TABLE bench.item_plpgsql SET (autovacuum_enabled = false);

CREATE TRIGGER item_dcpf_audit_insert AFTER INSERT ON bench.item_dcpf
    REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_trigger('person_id');
CREATE TRIGGER item_dcpf_audit_update AFTER UPDATE ON bench.item_dcpf
    REFERENCING OLD TABLE AS audit_old NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_trigger('person_id');
CREATE TRIGGER item_dcpf_audit_delete AFTER DELETE ON bench.item_dcpf
    REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_trigger('person_id');

-- the common pattern (cf. the PostgreSQL wiki's audit trigger): a plain log
-- table, the whole row as jsonb, who and when; SECURITY DEFINER so that the
-- application cannot write the log itself
CREATE TABLE bench.audit_log (
    id           bigserial PRIMARY KEY,
    occurred_at  timestamptz NOT NULL,
    xact_id      bigint NOT NULL,
    db_user      text NOT NULL,
    table_name   text NOT NULL,
    operation    text NOT NULL,
    old_row      jsonb,
    new_row      jsonb
) WITH (autovacuum_enabled = false);
CREATE FUNCTION bench.audit_row() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO bench.audit_log (occurred_at, xact_id, db_user, table_name, operation, old_row, new_row)
    VALUES (now(), txid_current(), session_user, TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, TG_OP,
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION bench.audit_row() FROM PUBLIC;
CREATE TRIGGER item_plpgsql_audit AFTER INSERT OR UPDATE OR DELETE ON bench.item_plpgsql
    FOR EACH ROW EXECUTE FUNCTION bench.audit_row();

-- 6b's floor, for information: what PostgreSQL itself charges before any
-- audit trigger does work of its own. bench.item_given: statement triggers
-- that are handed the rows (transition tables, as dcpf's are) and do
-- nothing with them; bench.item_read: the same triggers reading the rows once
-- (a count). Any trigger that records which rows a statement touched pays
-- at least the first, and one that looks at each of them the second.
CREATE TABLE bench.item_given (LIKE bench.item_plain INCLUDING ALL);
CREATE TABLE bench.item_read (LIKE bench.item_plain INCLUDING ALL);
ALTER TABLE bench.item_given SET (autovacuum_enabled = false);
ALTER TABLE bench.item_read SET (autovacuum_enabled = false);
CREATE FUNCTION bench.rows_given() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE FUNCTION bench.rows_read() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN PERFORM count(*) FROM rows_old; ELSE PERFORM count(*) FROM rows_new; END IF;
    RETURN NULL;
END
$$;
DO $$
DECLARE
    t text;
    f text;
BEGIN
    FOREACH t IN ARRAY ARRAY['given', 'read'] LOOP
        f := 'bench.rows_' || t || '()';
        EXECUTE format('CREATE TRIGGER item_%s_insert AFTER INSERT ON bench.item_%s REFERENCING NEW TABLE AS rows_new '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %s', t, t, f);
        EXECUTE format('CREATE TRIGGER item_%s_update AFTER UPDATE ON bench.item_%s '
                       'REFERENCING OLD TABLE AS rows_old NEW TABLE AS rows_new FOR EACH STATEMENT EXECUTE FUNCTION %s', t, t, f);
        EXECUTE format('CREATE TRIGGER item_%s_delete AFTER DELETE ON bench.item_%s REFERENCING OLD TABLE AS rows_old '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %s', t, t, f);
    END LOOP;
END
$$;

-- TRUNCATE: 6b empties the tables (not timed) before each round
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON bench.item_plain, bench.item_dcpf, bench.item_plpgsql,
    bench.item_given, bench.item_read TO :"app";

-- --- 6c: a licensee, its admin and its members -----------------------------
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000000b1', 'dcpf', 'DCPF');
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000002a', 'Licensee 42', 'hospital');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
VALUES ('00000000-0000-4000-8000-00000000002a', '00000000-0000-4000-8000-0000000000b1', '2020-01-01');
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, body_sha256, effective_from)
SELECT '00000000-0000-4000-8000-0000000000b1', code, 1, 'EURA ' || code, 'EURA voor de rol ' || code || ', versie 1.',
       sha256(convert_to('EURA voor de rol ' || code || ', versie 1.', 'UTF8')), '2020-01-01'
  FROM dcpf.role;
-- as dcpf.create_person stores them: the BIG number encrypted under the
-- person's new data key; the trigger opens it and computes the blind index
INSERT INTO dcpf.person (id, email, surname, initials, big_number_encrypted)
SELECT bench.person_uuid(n), 'p' || n || '@bench.example', CASE WHEN n = 0 THEN 'Beheer' ELSE 'Persoon' END, 'P.',
       dcpf.encrypt(bench.big_number_of(n)::dcpf.big_number::text, 'person', 'big_number', bench.person_uuid(n), bench.person_uuid(n))
  FROM generate_series(0, :members) n;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT bench.person_uuid(n), '00000000-0000-4000-8000-00000000002a',
       CASE WHEN n = 0 THEN 'licensee_admin' ELSE 'professional' END, '2020-01-01'
  FROM generate_series(0, :members) n;
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT id, bench.person_uuid(0), 'api' FROM dcpf.role_agreement WHERE role_code = 'licensee_admin';
-- For the control of 6c, the query dcpf.person_by_big_number runs, run by
-- the application directly: it needs each person's blind index, which only
-- the server computes. Copied here (a benchmark database: no real numbers).
CREATE TABLE bench.blind_index (n integer PRIMARY KEY, hmac bytea NOT NULL);
INSERT INTO bench.blind_index SELECT n, p.big_number_hmac
  FROM generate_series(0, :members) n JOIN dcpf.person p ON p.id = bench.person_uuid(n);
GRANT SELECT ON bench.blind_index TO dcpf_app;

VACUUM ANALYZE dcpf.person;
VACUUM ANALYZE dcpf.membership;
VACUUM ANALYZE bench.item_plain;
VACUUM ANALYZE bench.item_dcpf;
VACUUM ANALYZE bench.item_plpgsql;
VACUUM ANALYZE bench.blind_index;
