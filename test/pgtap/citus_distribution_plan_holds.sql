-- The Citus distribution plan (sql/290_distribution.sql) holds against the
-- catalog: every table of dcpf is in it; every distributed table has its
-- distribution column, NOT NULL, in every primary key, unique constraint,
-- unique index and exclusion constraint; foreign keys between distributed
-- tables are co-located and join the distribution columns; no foreign key
-- goes from a reference table to a distributed or local one, or between a
-- local and a distributed one; the partitioned audit trail is placed where
-- Citus can take it; distributed functions take a value of their group's
-- distribution column and do not read the session identity; no function
-- calls a VOLATILE function in an UPDATE of a distributed or a reference
-- table (Citus refuses it). What the 1.x
-- schema still breaks is recorded in dcpf.distribution_debt, finding by
-- finding: a new table or policy that breaks a rule fails here. The second
-- half adds a table that breaks each rule, inside this transaction, and
-- shows that the same check finds it. Citus itself is not installed here.
BEGIN;
SELECT plan(32);

CREATE TEMPORARY VIEW finding_beyond_debt AS
SELECT f.* FROM dcpf.distribution_findings() f
 WHERE NOT EXISTS (SELECT FROM dcpf.distribution_debt d
                    WHERE d.table_name = f.table_name AND d.rule = f.rule
                      AND (d.object_names IS NULL OR f.object_name = ANY (d.object_names)));

SELECT is_empty($$SELECT * FROM dcpf.distribution_findings() WHERE rule IN ('not_in_plan', 'no_such_table', 'planned_twice', 'unknown_kind')$$,
    'every table of dcpf is in the plan once, with a known kind, and the plan names no other');
SELECT is_empty($$SELECT * FROM finding_beyond_debt ORDER BY 1, 2, 3$$,
    'the catalog breaks no rule of the plan beyond the recorded debt');
SELECT is_empty($$
    SELECT d.table_name, d.rule, o.name FROM dcpf.distribution_debt d LEFT JOIN LATERAL unnest(d.object_names) o(name) ON true
     WHERE NOT EXISTS (SELECT FROM dcpf.distribution_findings() f
                        WHERE f.table_name = d.table_name AND f.rule = d.rule AND (o.name IS NULL OR f.object_name = o.name))
     ORDER BY 1, 2, 3$$,
    'every recorded debt is still found in the catalog (the record does not outlive the change that paid it)');
SELECT is_empty($$SELECT table_name, rule FROM dcpf.distribution_debt GROUP BY 1, 2 HAVING count(*) > 1$$,
    'the debt records each table and rule once');
SELECT set_eq($$SELECT DISTINCT rule FROM dcpf.distribution_debt$$,
              ARRAY['unique_without_distribution_column', 'foreign_key_without_distribution_column'],
    'the debt is keys of the person group without owner or person: nothing else (no policy holds a subquery)');
SELECT is_empty($$
    SELECT d.table_name FROM dcpf.distribution_debt d JOIN dcpf.distribution_plan p USING (table_name)
     WHERE p.kind <> 'distributed' ORDER BY 1$$,
    'only distributed tables carry key debt: reference and local tables keep every key rule');

-- the plan itself
SELECT is_empty($$
    SELECT p.table_name FROM dcpf.distribution_plan p
      JOIN pg_attribute a ON a.attrelid = ('dcpf.' || p.table_name)::regclass AND a.attname = p.distribution_column
     WHERE p.kind = 'distributed' AND p.distribution_column <> 'id' AND a.atttypid <> 'uuid'::regtype ORDER BY 1$$,
    'every table distributed by a person is distributed by a uuid column');
SELECT is_empty($$
    SELECT p.table_name FROM dcpf.distribution_plan p
     WHERE p.kind = 'distributed' AND p.distribution_column IN ('owner_id', 'person_id', 'subject_id')
       AND p.colocate_with IS DISTINCT FROM 'portfolio_item' AND p.table_name <> 'portfolio_item' ORDER BY 1$$,
    'every table distributed by its person is co-located with the portfolio');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      JOIN dcpf.distribution_plan p ON p.table_name = c.relname::text
     WHERE c.relnamespace = 'dcpf'::regnamespace AND a.attname IN ('owner_id', 'person_id') AND a.attnotnull
       AND p.kind = 'distributed' AND p.distribution_column IS DISTINCT FROM a.attname::text ORDER BY 1$$,
    'a distributed table with a NOT NULL owner or person is distributed by it');
SELECT is((SELECT kind || coalesce(':' || distribution_column, '') FROM dcpf.distribution_plan WHERE table_name = 'portfolio_item'),
          'distributed:owner_id', 'the portfolio is distributed by its owner');
SELECT is((SELECT kind FROM dcpf.distribution_plan WHERE table_name = 'audit_event'), 'local',
          'the audit trail (one sealed chain) stays on the coordinator');
SELECT is_empty($$
    SELECT p.table_name FROM dcpf.distribution_plan p JOIN pg_class c ON c.oid = ('dcpf.' || p.table_name)::regclass
     WHERE c.relkind = 'p' AND p.kind = 'reference'$$,
    'no partitioned table is a reference table');
SELECT is_empty($$
    SELECT p.table_name, a.attname, pg_get_expr(d.adbin, d.adrelid) FROM dcpf.distribution_plan p
      JOIN pg_attrdef d ON d.adrelid = ('dcpf.' || p.table_name)::regclass
      JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
     WHERE p.kind = 'distributed'
       AND (pg_get_expr(d.adbin, d.adrelid) ~ 'nextval'
            OR EXISTS (SELECT FROM regexp_matches(d.adbin::text, ':funcid (\d+)', 'g') m JOIN pg_proc f ON f.oid = m[1]::oid
                        WHERE f.provolatile = 'v' AND f.oid NOT IN ('gen_random_uuid()'::regprocedure, 'clock_timestamp()'::regprocedure)))
     ORDER BY 1, 2$$,
    'the defaults of distributed tables take no sequence and call no volatile function but gen_random_uuid() and clock_timestamp(), which the coordinator evaluates for an INSERT');
SELECT is_empty($$SELECT * FROM dcpf.distribution_findings() WHERE rule = 'distributed_function'$$,
    'every distributed function exists, takes its argument as a value of its group''s distribution column, and does not read the session identity');

-- the statements
SELECT is((SELECT count(*)::integer FROM dcpf.citus_distribution_commands()),
          (SELECT count(*)::integer FROM dcpf.distribution_plan WHERE kind <> 'local')
          + (SELECT count(*)::integer FROM dcpf.distributed_function)
          + (SELECT count(*)::integer FROM dcpf.distribution_plan p
              WHERE p.kind = 'local' AND EXISTS (SELECT FROM pg_constraint k JOIN dcpf.distribution_plan t
                                                   ON ('dcpf.' || t.table_name)::regclass = k.confrelid
                                                  WHERE k.conrelid = ('dcpf.' || p.table_name)::regclass AND k.contype = 'f'
                                                    AND t.kind = 'reference'))
          + (SELECT count(*)::integer FROM dcpf.citus_key_commands()),
          'one statement per key statement, per reference and distributed table, per distributed function, and per local table that references a reference table');
SELECT results_eq($$SELECT step, command FROM dcpf.citus_distribution_commands() ORDER BY step LIMIT (SELECT count(*) FROM dcpf.citus_key_commands())$$,
                  $$SELECT step, command FROM dcpf.citus_key_commands() ORDER BY step$$,
                  'the keys of the person group are rewritten first, in the order of dcpf.citus_key_commands');
SELECT is_empty($$
    WITH c AS (SELECT step, command, substring(command FROM '''dcpf\.([a-z_]+)''') AS table_name FROM dcpf.citus_distribution_commands())
    SELECT a.command, b.command FROM c a JOIN c b ON b.step > a.step
      JOIN pg_constraint k ON k.contype = 'f' AND k.conrelid = ('dcpf.' || a.table_name)::regclass
                          AND k.confrelid = ('dcpf.' || b.table_name)::regclass AND k.conrelid <> k.confrelid
     WHERE a.command !~ 'distributed_function' AND b.command !~ 'distributed_function'$$,
    'no table is placed before a table it references');
SELECT is_empty($$
    WITH c AS (SELECT step, command FROM dcpf.citus_distribution_commands())
    SELECT a.command FROM c a JOIN c b ON b.step > a.step
     WHERE (a.command ~ '^SELECT create_distributed_table' AND b.command ~ '^SELECT create_reference_table')
        OR (a.command ~ 'colocate_with => ''dcpf\.(\w+)''' AND b.command ~ ('^SELECT create_distributed_table\(''dcpf\.'
                                                               || substring(a.command FROM 'colocate_with => ''dcpf\.(\w+)''') || ''''))$$,
    'reference tables come before distributed ones, and each group''s anchor before the tables co-located with it');
SELECT ok((SELECT bool_and(command ~ '^SELECT (create_reference_table|citus_add_local_table_to_metadata|create_distributed_table|create_distributed_function)\(')
             FROM dcpf.citus_distribution_commands() WHERE step > (SELECT count(*) FROM dcpf.citus_key_commands())),
          'after the keys, the statements call only the four Citus functions of the plan');

-- privileges: the plan is the DBA's
SELECT is_empty($$
    SELECT r.rolname, o.name FROM (VALUES ('dcpf.distribution_findings(regclass,regclass)'), ('dcpf.citus_distribution_commands()'),
                                                ('dcpf.citus_key_commands()'), ('dcpf.refuse_taken_key()')) o(name),
           pg_roles r
     WHERE r.rolname IN ('dcpf_app', 'dcpf_service', 'dcpf_maintenance', 'dcpf_reporting')
       AND has_function_privilege(r.oid, o.name, 'EXECUTE')$$,
    'no group role runs the plan''s functions');

-- Negative cases: a table that breaks each rule, added inside this
-- transaction, is found by the same check.
CREATE TABLE dcpf.citus_probe_owner (
    id       uuid PRIMARY KEY,
    owner_id uuid,
    item_id  uuid REFERENCES dcpf.portfolio_item (id),
    token    text UNIQUE,
    CONSTRAINT citus_probe_owner_key UNIQUE (owner_id, id));
CREATE TABLE dcpf.citus_probe_catalogue (
    code    text PRIMARY KEY,
    item_id uuid REFERENCES dcpf.portfolio_item (id),
    run_id  uuid REFERENCES dcpf.job_run (id));
CREATE POLICY citus_probe_mine ON dcpf.citus_probe_owner USING (owner_id = (SELECT dcpf.current_person()));
SELECT set_has($$SELECT table_name, rule FROM dcpf.distribution_findings()$$,
               $$VALUES ('citus_probe_owner', 'not_in_plan'), ('citus_probe_catalogue', 'not_in_plan')$$,
    'a table added without a plan entry is found');

CREATE TEMPORARY TABLE probe_plan AS SELECT table_name, kind, distribution_column, colocate_with FROM dcpf.distribution_plan;
INSERT INTO probe_plan VALUES ('citus_probe_owner', 'distributed', 'owner_id', 'portfolio_item'),
                              ('citus_probe_catalogue', 'reference', NULL, NULL),
                              ('no_such_table', 'reference', NULL, NULL);
CREATE TEMPORARY TABLE probe_finding AS SELECT * FROM dcpf.distribution_findings('probe_plan');
SELECT set_eq($$SELECT rule, object_name FROM probe_finding WHERE table_name = 'citus_probe_owner'$$,
              $$VALUES ('distribution_column', 'owner_id'), ('unique_without_distribution_column', 'citus_probe_owner_pkey'),
                       ('unique_without_distribution_column', 'citus_probe_owner_token_key'),
                       ('foreign_key_without_distribution_column', 'citus_probe_owner_item_id_fkey'),
                       ('policy_with_subquery', 'citus_probe_mine')$$,
    'a distributed table with a nullable key, a primary key and a unique constraint without it, a foreign key on the item alone and a policy with a subquery: each is found, and the key that includes the owner is not');
SELECT set_eq($$SELECT rule, object_name FROM probe_finding WHERE table_name = 'citus_probe_catalogue'$$,
              $$VALUES ('foreign_key_between_kinds', 'citus_probe_catalogue_item_id_fkey'),
                       ('foreign_key_between_kinds', 'citus_probe_catalogue_run_id_fkey')$$,
    'a reference table that references a distributed table and a local one: both are found');
SELECT set_has($$SELECT table_name, rule FROM probe_finding$$, $$VALUES ('no_such_table', 'no_such_table')$$,
    'a plan entry for a table that does not exist is found');

-- the same table in another group, by another key, and a partitioned table as reference
UPDATE probe_plan SET colocate_with = 'login_attempt' WHERE table_name = 'citus_probe_owner';
UPDATE probe_plan SET kind = 'reference', distribution_column = NULL WHERE table_name = 'audit_event';
INSERT INTO probe_plan VALUES ('portfolio_item', 'local', NULL, NULL);
SELECT set_has($$SELECT table_name, rule, object_name FROM dcpf.distribution_findings('probe_plan')$$,
               $$VALUES ('citus_probe_owner', 'foreign_key_not_colocated', 'citus_probe_owner_item_id_fkey'),
                        ('audit_event', 'partitioned_table', 'audit_event'),
                        ('portfolio_item', 'planned_twice', 'portfolio_item')$$,
    'a foreign key to another co-location group, a partitioned reference table and a table planned twice are found');

CREATE TEMPORARY TABLE probe_function AS SELECT * FROM dcpf.distributed_function;
INSERT INTO probe_function VALUES ('dcpf.has_consent(uuid,text)', 'purpose', 'consent', 'argument of another type'),
                                  ('dcpf.no_such_function(uuid)', 'person', 'consent', 'missing'),
                                  ('dcpf.shares_in_force(uuid)', 'owner', 'portfolio_item', 'reads the identity');
SELECT set_eq($$SELECT table_name FROM dcpf.distribution_findings('dcpf.distribution_plan', 'probe_function') WHERE rule = 'distributed_function'$$,
              ARRAY['dcpf.has_consent(uuid,text)', 'dcpf.no_such_function(uuid)', 'dcpf.shares_in_force(uuid)'],
    'a distributed function whose argument is not a value of the distribution column, that does not exist, or that reads the session identity is found');

-- a VOLATILE function in an UPDATE of a distributed or a reference table,
-- read from function bodies; not one of a local table, nor a value computed
-- before the UPDATE
CREATE FUNCTION dcpf.citus_probe_volatile_update(person uuid) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    sealed bytea := dcpf.encrypt('x', 'person', 'big_number', person, person);
BEGIN
    UPDATE dcpf.person_address a
       SET address_encrypted = dcpf.encrypt('x', 'person_address', 'address', a.id, a.person_id) WHERE a.person_id = person;
    update   DCPF.PERSON p set created_at = Clock_Timestamp() where p.id = person;
    UPDATE dcpf.person p SET big_number_encrypted = sealed WHERE p.id = person;
    UPDATE dcpf.job_run j SET finished_at = clock_timestamp() WHERE false;
END
$fn$;
SELECT set_eq($$SELECT table_name, object_name, detail FROM dcpf.distribution_findings() WHERE rule = 'volatile_function_in_update'$$,
              $$VALUES ('person_address', 'dcpf.citus_probe_volatile_update(uuid)',
                        'dcpf.citus_probe_volatile_update(uuid) updates dcpf.person_address calling the volatile function encrypt()'),
                       ('person', 'dcpf.citus_probe_volatile_update(uuid)',
                        'dcpf.citus_probe_volatile_update(uuid) updates dcpf.person calling the volatile function clock_timestamp()')$$,
    'a VOLATILE function called in an UPDATE of a distributed or a reference table is found, in any letter case; one of a local table, or a value computed first, is not');
SELECT is_empty($$SELECT * FROM dcpf.distribution_debt WHERE rule = 'volatile_function_in_update'$$,
    'no function of dcpf calls a VOLATILE function in an UPDATE of a distributed or a reference table (they compute the value first)');

-- triggers fire on the shards on Citus: a trigger function that reads the
-- table's name from TG_TABLE_NAME, TG_RELNAME or TG_RELID is found; one that
-- asks dcpf.logical_table_name(TG_RELID), or sits on a local table, is not
CREATE FUNCTION dcpf.citus_probe_name_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF tg_table_name = 'share' THEN RETURN NEW; END IF;
    RETURN NEW;
END
$fn$;
CREATE FUNCTION dcpf.citus_probe_logical_trigger() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF dcpf.logical_table_name( TG_RELID ) = 'share' THEN RETURN NEW; END IF;
    RETURN NEW;
END
$fn$;
CREATE TRIGGER citus_probe_name BEFORE INSERT ON dcpf.share FOR EACH ROW EXECUTE FUNCTION dcpf.citus_probe_name_trigger();
CREATE TRIGGER citus_probe_logical BEFORE INSERT ON dcpf.share FOR EACH ROW EXECUTE FUNCTION dcpf.citus_probe_logical_trigger();
CREATE TRIGGER citus_probe_name BEFORE INSERT ON dcpf.job_run FOR EACH ROW EXECUTE FUNCTION dcpf.citus_probe_name_trigger();
SELECT set_eq($$SELECT table_name, object_name FROM dcpf.distribution_findings() WHERE rule = 'trigger_reads_shard_name'$$,
              $$VALUES ('share', 'citus_probe_name')$$,
    'a trigger of a distributed table that reads TG_TABLE_NAME is found; one asking dcpf.logical_table_name(TG_RELID), or on a local table, is not');
SELECT is_empty($$SELECT * FROM dcpf.distribution_debt WHERE rule = 'trigger_reads_shard_name'$$,
    'no trigger of dcpf reads the shard''s name');
-- a Citus shard is named <table>_<shard id>: no table of dcpf may be named
-- like the shard of another, or dcpf_table_name would take it for one
SELECT is_empty($$SELECT c.relname FROM pg_class c JOIN pg_class b
                     ON b.relnamespace = c.relnamespace AND b.relname = regexp_replace(c.relname, '_[0-9]+$', '')
                  WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relname ~ '_[0-9]+$' AND b.oid <> c.oid
                    AND NOT c.relispartition AND c.relkind IN ('r', 'p')$$,
    'no table of dcpf is named another''s name with "_" and digits appended (a shard''s name)');

CREATE TEMPORARY TABLE probe_bare (table_name text, kind text);
SELECT throws_ok($$SELECT * FROM dcpf.distribution_findings('probe_bare')$$, '42703', 'a plan to check lacks columns',
    'a plan without the plan''s columns is refused with 42703, naming what is missing');

SELECT * FROM finish();
ROLLBACK;
