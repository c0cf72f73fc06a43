-- Retention's registry (sql/250_retention.sql) covers the catalog: every
-- table of the personal-data registry that holds persons' rows is a source
-- of a retention category or exempt with a reason; every category has its
-- shipped default within its own rules; every clock event and action is
-- offered by a category; every source gives a clock for each event its
-- category allows, and every expression of it runs; the job's ordered
-- clocks have the index it walks; portfolio content is never deleted or
-- pseudonymised by any category; nothing the job runs names a decryption;
-- the maintenance role reads no table but the job runs, and only it runs
-- the job. Discovered from the catalog, so a table added later without a
-- retention entry fails here.
BEGIN;
SELECT plan(23);

SELECT is_empty($$
    SELECT d.table_name FROM dcpf.personal_data_table d
     WHERE d.subject_column IS NOT NULL
       AND d.table_name NOT IN (SELECT s.table_name FROM dcpf.retention_source s)
       AND d.table_name NOT IN (SELECT x.table_name FROM dcpf.retention_exempt_table x)
     ORDER BY 1$$,
    'every table with persons'' rows is a source of a retention category or exempt with a reason');
SELECT is_empty($$SELECT s.table_name FROM dcpf.retention_source s JOIN dcpf.retention_exempt_table x USING (table_name) ORDER BY 1$$,
    'no table is both a retention source and exempt');
SELECT is_empty($$
    SELECT c.code FROM dcpf.data_category c
     WHERE (SELECT count(*) FROM dcpf.retention_policy p WHERE p.category = c.code AND p.builtin AND p.licensee_id IS NULL) <> 1
     ORDER BY 1$$,
    'every category has one shipped platform default');
SELECT is_empty($$
    SELECT p.category, p.clock_event, p.term, p.action FROM dcpf.retention_policy p JOIN dcpf.data_category c ON c.code = p.category
     WHERE p.builtin AND (NOT p.clock_event = ANY (c.clock_events) OR NOT p.action = ANY (c.actions) OR p.term < c.minimum_term)
     ORDER BY 1$$,
    'every shipped default chooses an event and an action of its category, and a term not below its minimum');
SELECT set_eq($$SELECT DISTINCT unnest(clock_events) FROM dcpf.data_category$$,
              ARRAY['created', 'last_activity', 'membership_end', 'licence_end', 'consent_withdrawn', 'request_closed'],
    'every clock event is offered by a shipped category');
SELECT set_eq($$SELECT DISTINCT unnest(actions) FROM dcpf.data_category$$, ARRAY['delete', 'pseudonymise', 'hand_over'],
    'every action is offered by a shipped category');
SELECT is_empty($$
    SELECT c.code FROM dcpf.data_category c WHERE NOT EXISTS (SELECT FROM dcpf.retention_source s WHERE s.category = c.code) ORDER BY 1$$,
    'every category has a source');
SELECT is_empty($$
    SELECT s.name, e.event FROM dcpf.retention_source s JOIN dcpf.data_category c ON c.code = s.category, unnest(c.clock_events) e(event)
     WHERE NOT EXISTS (SELECT FROM dcpf.retention_source_clock k WHERE k.source = s.name AND k.clock_event = e.event)
    UNION ALL
    SELECT k.source, k.clock_event FROM dcpf.retention_source_clock k JOIN dcpf.retention_source s ON s.name = k.source
      JOIN dcpf.data_category c ON c.code = s.category
     WHERE NOT k.clock_event = ANY (c.clock_events)
     ORDER BY 1, 2$$,
    'every source gives a clock for exactly the events its category allows');
SELECT lives_ok($q$
    DO $do$
    DECLARE s record;
    BEGIN
        FOR s IN SELECT x.*, k.clock_expr FROM dcpf.retention_source x JOIN dcpf.retention_source_clock k ON k.source = x.name LOOP
            EXECUTE format('SELECT t.%I, (%s)::uuid, (%s)::uuid, (%s)::timestamptz, (%s)::boolean, (%s)::boolean FROM dcpf.%I t WHERE (%s)::boolean LIMIT 0',
                           s.row_key, s.licensee_expr, s.person_expr, s.clock_expr, coalesce(s.keep_expr, 'false'),
                           coalesce(s.pseudonymised_expr, 'false'), s.table_name, s.scope);
            IF s.pseudonymise_set IS NOT NULL THEN
                EXECUTE format('EXPLAIN UPDATE dcpf.%I t SET %s WHERE false', s.table_name, s.pseudonymise_set);
            END IF;
        END LOOP;
    END
    $do$$q$, 'every source''s expressions run on its table (row key, licensee, person, clock per event, scope, keep rule, pseudonymisation)');
SELECT is_empty($$
    SELECT k.source, k.clock_event FROM dcpf.retention_source_clock k JOIN dcpf.retention_source s ON s.name = k.source
     WHERE k.ordered
       AND NOT EXISTS (SELECT FROM pg_index i
                        JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
                        JOIN pg_attribute a0 ON a0.attrelid = i.indrelid AND a0.attnum = i.indkey[0]
                        JOIN pg_attribute a1 ON a1.attrelid = i.indrelid AND a1.attnum = i.indkey[1]
                       WHERE i.indrelid = ('dcpf.' || quote_ident(s.table_name))::regclass AND am.amname = 'btree'
                         AND k.clock_expr = 't.' || a0.attname AND a1.attname = s.row_key)
     ORDER BY 1$$,
    'every clock the job walks in order is a column with a B-tree index on (clock, row key)');
SELECT is_empty($$
    SELECT s.name, format_type(a.atttypid, NULL) FROM dcpf.retention_source s JOIN dcpf.data_category c ON c.code = s.category
      JOIN pg_attribute a ON a.attrelid = ('dcpf.' || quote_ident(s.table_name))::regclass AND a.attname = s.row_key
     WHERE c.carried_out_by = 'dcpf.run_retention' AND a.atttypid <> 'uuid'::regtype ORDER BY 1$$,
    'the row key of every table the job purges is a uuid');
SELECT is_empty($$
    SELECT s.name FROM dcpf.retention_source s JOIN dcpf.data_category c ON c.code = s.category
     WHERE 'pseudonymise' = ANY (c.actions) AND s.pseudonymised_expr IS NULL ORDER BY 1$$,
    'every source of a category that may pseudonymise says which rows hold nothing more to remove');
SELECT is_empty($$
    SELECT s.name, s.category FROM dcpf.retention_source s JOIN dcpf.data_category c ON c.code = s.category
      JOIN dcpf.personal_data_table d ON d.table_name = s.table_name
     WHERE (d.basis LIKE 'portfolio content%' OR s.category = 'portfolio_content')
       AND (c.actions && ARRAY['delete', 'pseudonymise'] OR c.carried_out_by <> 'dcpf.end_licence')
     ORDER BY 1$$,
    'no category deletes or pseudonymises portfolio content: its only action is the hand-over at licence end');
SELECT is_empty($$
    SELECT d.table_name FROM dcpf.personal_data_table d
     WHERE d.basis LIKE 'portfolio content%'
       AND NOT EXISTS (SELECT FROM dcpf.retention_exempt_table x WHERE x.table_name = d.table_name)
       AND NOT EXISTS (SELECT FROM dcpf.retention_source s WHERE s.table_name = d.table_name AND s.category = 'portfolio_content')
     ORDER BY 1$$,
    'every portfolio table is exempt from the job or a source of portfolio content, handed over and never deleted');
SELECT is((SELECT array_agg(code ORDER BY code) FROM dcpf.data_category WHERE carried_out_by <> 'dcpf.run_retention'),
          ARRAY['access_log', 'portfolio_content'],
          'only the access log (its partitions, by dcpf.audit_drop_expired_partitions) and portfolio content (the hand-over, by dcpf.end_licence) are carried out by others');
SELECT is_empty($$
    SELECT s.name FROM dcpf.retention_source s
     WHERE concat_ws(' ', s.licensee_expr, s.person_expr, s.scope, s.keep_expr, s.pseudonymise_set, s.pseudonymised_expr) ~* 'crypt|sealed'
    UNION ALL
    SELECT k.source FROM dcpf.retention_source_clock k WHERE k.clock_expr ~* 'crypt|sealed'
    UNION ALL
    SELECT p.oid::regprocedure::text FROM pg_proc p
     WHERE p.pronamespace = 'dcpf'::regnamespace AND (p.proname LIKE 'retention\_%' OR p.proname IN ('run_retention', 'access_log_cutoff'))
       AND p.prosrc ~* 'crypt|sealed'
    ORDER BY 1$$,
    'nothing the job runs names an encryption or decryption function: the job never decrypts');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'p', 'v')
       AND c.relname NOT IN ('job_run', 'health') AND has_table_privilege('dcpf_maintenance', c.oid, 'SELECT')
     ORDER BY 1$$,
    'the maintenance role reads no table or view of dcpf but the job runs and the health view (counts): no content');
SELECT ok(has_table_privilege('dcpf_maintenance', 'dcpf.job_run', 'SELECT')
          AND NOT has_table_privilege('dcpf_maintenance', 'dcpf.job_run', 'INSERT, UPDATE, DELETE'),
          'the maintenance role reads the job runs and writes none');
SELECT ok(NOT has_table_privilege('dcpf_app', 'dcpf.job_run', 'SELECT') AND NOT has_table_privilege('dcpf_reporting', 'dcpf.job_run', 'SELECT'),
          'neither the application nor reporting reads the job runs');
SELECT set_eq($$SELECT p.oid::regprocedure::text FROM pg_proc p
                 WHERE p.pronamespace = 'dcpf'::regnamespace AND (p.proname LIKE 'retention\_%' OR p.proname = 'run_retention')
                   AND has_function_privilege('dcpf_maintenance', p.oid, 'EXECUTE')$$,
              ARRAY['dcpf.run_retention(integer,interval,boolean,jsonb)', 'dcpf.retention_begin(integer,interval,boolean)',
                    'dcpf.retention_step(uuid,numeric)', 'dcpf.retention_report(uuid)'],
    'the maintenance role runs the job and its steps, and no internal function of it');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.pronamespace = 'dcpf'::regnamespace AND (p.proname LIKE 'retention\_%' OR p.proname IN ('run_retention', 'access_log_cutoff'))
       AND (has_function_privilege('dcpf_app', p.oid, 'EXECUTE') OR has_function_privilege('dcpf_reporting', p.oid, 'EXECUTE')
            OR has_function_privilege('public', p.oid, 'EXECUTE'))
     ORDER BY 1$$,
    'neither the application, reporting nor PUBLIC runs the job or any of its functions');
SELECT fk_ok('dcpf', 'legal_hold', 'category', 'dcpf', 'data_category', 'code');
SELECT is((SELECT reloptions FROM pg_class WHERE oid = 'dcpf.retention_policy_in_force'::regclass), ARRAY['security_invoker=true'],
          'the policy in force is a security_invoker view');

SELECT * FROM finish();
ROLLBACK;
