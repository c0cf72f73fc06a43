-- 990_registry_audited.sql: the last file. Every file has registered its
-- tables in the personal-data registry (215).
--
-- Export and erasure look a person up by every column that names them,
-- their own rows by the subject column and their part in others' records by
-- each party column; without an index each lookup would read the whole
-- table (all portfolio items, to find the ones a person signed). Every such
-- column that no index leads with gets a partial one here (the catalog test
-- checks that each has one). Not the audit trail: its monthly partitions
-- carry the person's index (sql/120_audit.sql), and more indexes there would
-- slow every write of every table.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN
        SELECT x.table_name, x.column_name
          FROM (SELECT d.table_name, d.subject_column AS column_name FROM dcpf.personal_data_table d
                 WHERE d.subject_column IS NOT NULL
                UNION
                SELECT pc.table_name, pc.column_name FROM dcpf.personal_data_column pc WHERE pc.whose = 'party') x
         WHERE x.table_name <> 'audit_event'
           AND NOT EXISTS (
                SELECT FROM pg_catalog.pg_index i
                  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                 WHERE i.indrelid = ('dcpf.' || quote_ident(x.table_name))::regclass AND a.attname = x.column_name)
         ORDER BY 1, 2
    LOOP
        EXECUTE format('CREATE INDEX %I ON dcpf.%I (%I) WHERE %I IS NOT NULL',
                       left(c.table_name || '_' || c.column_name, 55) || '_pd_idx', c.table_name, c.column_name, c.column_name);
    END LOOP;
END
$$;

-- From here on any change to the registry is audited; installing wrote no events.
SELECT dcpf.audit_table('dcpf.personal_data_table', NULL);
SELECT dcpf.audit_table('dcpf.personal_data_column', NULL);
