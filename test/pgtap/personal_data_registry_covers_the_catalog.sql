-- The personal-data registry (sql/215_personal_data.sql) covers the catalog:
-- every table of dcpf is declared; every column that points at a person (a
-- foreign key to dcpf.person, the subject column of its audit trigger), that
-- holds bytes, addresses or e-mail addresses anywhere, or that holds text in
-- a table with persons' rows, is declared as personal data or, for text, as
-- not personal; nothing declared is missing from the catalog. Discovered from
-- the catalog, so a table or column added later without its declaration
-- fails here, and export and erasure (driven by the registry) cannot forget it.
BEGIN;
SELECT plan(17);

CREATE TEMP TABLE cat AS
SELECT c.oid AS relid, c.relname::text AS tbl, a.attname::text AS col, a.atttypid AS typ,
       coalesce(nullif(t.typbasetype, 0), a.atttypid) AS basetyp, a.attnum
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
 WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition;

CREATE TEMP TABLE declared AS
SELECT c.table_name AS tbl, c.column_name AS col FROM dcpf.personal_data_column c
UNION SELECT d.table_name, unnest(d.not_personal) FROM dcpf.personal_data_table d;

SELECT ok((SELECT count(DISTINCT tbl) FROM cat) >= 60, 'the tables of dcpf are discovered');
SELECT is_empty($$SELECT DISTINCT tbl FROM cat WHERE tbl NOT IN (SELECT table_name FROM dcpf.personal_data_table) ORDER BY 1$$,
    'every table of dcpf is in the registry');
SELECT is_empty($$SELECT table_name FROM dcpf.personal_data_table WHERE table_name NOT IN (SELECT tbl FROM cat) ORDER BY 1$$,
    'every table in the registry exists');
SELECT is_empty($$SELECT c.table_name, c.column_name FROM dcpf.personal_data_column c
                  WHERE (c.table_name, c.column_name) NOT IN (SELECT tbl, col FROM cat) ORDER BY 1, 2$$,
    'every column in the registry exists');
SELECT is_empty($$SELECT d.table_name, x.col FROM dcpf.personal_data_table d,
                         unnest(d.not_personal || ARRAY[d.subject_column, d.row_key]) x(col)
                  WHERE x.col IS NOT NULL AND (d.table_name, x.col) NOT IN (SELECT tbl, col FROM cat) ORDER BY 1, 2$$,
    'every subject column, row key and not-personal column named in the registry exists');
SELECT is_empty($$SELECT d.table_name, x.col FROM dcpf.personal_data_table d CROSS JOIN LATERAL unnest(d.not_personal) x(col)
                   JOIN dcpf.personal_data_column c ON c.table_name = d.table_name AND c.column_name = x.col ORDER BY 1, 2$$,
    'no column is declared both personal and not personal');
SELECT is_empty($$
    SELECT cat.tbl, cat.col FROM cat
      JOIN pg_constraint k ON k.conrelid = cat.relid AND k.contype = 'f' AND k.confrelid = 'dcpf.person'::regclass
                          AND cat.attnum = ANY (k.conkey)
     WHERE (cat.tbl, cat.col) NOT IN (SELECT c.table_name, c.column_name FROM dcpf.personal_data_column c)
     ORDER BY 1, 2$$,
    'every column referencing dcpf.person is declared (as the subject''s or a party''s)');
SELECT is_empty($$
    SELECT DISTINCT cat.tbl, split_part(encode(t.tgargs, 'escape'), E'\\000', 1) AS subject
      FROM cat JOIN pg_trigger t ON t.tgrelid = cat.relid AND t.tgfoid = 'dcpf.audit_trigger()'::regprocedure
     WHERE split_part(encode(t.tgargs, 'escape'), E'\\000', 1) <> '-'
       AND (cat.tbl, split_part(encode(t.tgargs, 'escape'), E'\\000', 1))
           NOT IN (SELECT c.table_name, c.column_name FROM dcpf.personal_data_column c)
     ORDER BY 1$$,
    'the subject column of every audit trigger is declared');
SELECT is_empty($$
    SELECT tbl, col, format_type(typ, NULL) FROM cat
     WHERE (basetyp IN ('bytea'::regtype, 'bytea[]'::regtype, 'inet'::regtype, 'cidr'::regtype)
            OR typ = 'dcpf.email'::regtype)
       AND (tbl, col) NOT IN (SELECT tbl, col FROM declared)
     ORDER BY 1, 2$$,
    'every bytea, address and e-mail column of every table is declared');
SELECT is_empty($$
    SELECT cat.tbl, cat.col, format_type(cat.typ, NULL) FROM cat
      JOIN dcpf.personal_data_table d ON d.table_name = cat.tbl AND d.on_erasure <> 'none'
     WHERE cat.basetyp IN ('text'::regtype, 'text[]'::regtype, 'character varying'::regtype, 'character'::regtype,
                           'jsonb'::regtype, 'json'::regtype, 'uuid[]'::regtype)
       AND (cat.tbl, cat.col) NOT IN (SELECT tbl, col FROM declared)
     ORDER BY 1, 2$$,
    'every text and JSON column of a table with persons'' rows is declared personal or not personal');
SELECT is_empty($$
    SELECT d.table_name, d.subject_column, format_type(cat.typ, NULL) FROM dcpf.personal_data_table d
      JOIN cat ON cat.tbl = d.table_name AND cat.col = d.subject_column
     WHERE cat.typ <> 'uuid'::regtype ORDER BY 1$$,
    'every subject column is a uuid (a person''s id)');
SELECT is_empty($$
    SELECT d.table_name, d.subject_column FROM dcpf.personal_data_table d
     WHERE d.subject_column IS NOT NULL
       AND NOT EXISTS (SELECT FROM dcpf.personal_data_column c
                        WHERE c.table_name = d.table_name AND c.column_name = d.subject_column AND c.whose = 'subject')
     ORDER BY 1$$,
    'every subject column is itself declared as the subject''s reference');
SELECT is_empty($$
    SELECT cat.tbl, cat.col FROM cat
      JOIN dcpf.personal_data_column c ON c.table_name = cat.tbl AND c.column_name = cat.col
     WHERE cat.col LIKE '%\_encrypted' AND c.exported AND c.decrypt_as IS NULL ORDER BY 1, 2$$,
    'every exported encrypted column says how it is decrypted');
SELECT set_eq($$SELECT table_name FROM dcpf.erasure_order()$$,
              $$SELECT table_name FROM dcpf.personal_data_table WHERE on_erasure = 'delete'$$,
    'the erasure order lists every table whose rows erasure deletes, once');
-- every table the registry says holds no person's rows has no reference to one
SELECT is_empty($$
    SELECT cat.tbl, cat.col FROM cat
      JOIN dcpf.personal_data_table d ON d.table_name = cat.tbl AND d.on_erasure = 'none'
      JOIN pg_constraint k ON k.conrelid = cat.relid AND k.contype = 'f' AND k.confrelid = 'dcpf.person'::regclass
                          AND cat.attnum = ANY (k.conkey)
      JOIN dcpf.personal_data_column c ON c.table_name = cat.tbl AND c.column_name = cat.col
     WHERE c.whose = 'subject' ORDER BY 1, 2$$,
    'a table of no person''s rows references persons only as parties');
-- every column export and erasure look a person up by leads an index
SELECT is_empty($$
    SELECT x.table_name, x.column_name
      FROM (SELECT d.table_name, d.subject_column AS column_name FROM dcpf.personal_data_table d WHERE d.subject_column IS NOT NULL
            UNION
            SELECT c.table_name, c.column_name FROM dcpf.personal_data_column c WHERE c.whose = 'party') x
     WHERE x.table_name <> 'audit_event'   -- its partitions carry the person's index
       AND NOT EXISTS (SELECT FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                        WHERE i.indrelid = ('dcpf.' || quote_ident(x.table_name))::regclass AND a.attname = x.column_name)
     ORDER BY 1, 2$$,
    'every subject and party column leads an index (export and erasure find a person''s rows without reading whole tables)');
-- the export's expression for every exported table compiles and runs
SELECT lives_ok($q$
    DO $do$
    DECLARE t record;
    BEGIN
        FOR t IN SELECT d.table_name, d.subject_column FROM dcpf.personal_data_table d WHERE d.exported LOOP
            EXECUTE format('SELECT %s FROM dcpf.%I t WHERE t.%I = $1', dcpf.personal_data_select(t.table_name), t.table_name, t.subject_column)
              USING gen_random_uuid();
        END LOOP;
    END
    $do$$q$, 'the export''s select list of every exported table runs');

SELECT * FROM finish();
ROLLBACK;
