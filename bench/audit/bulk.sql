-- bench/audit/bulk.sql: one round of benchmark 6b for one table, run by the
-- application role by bench/audit/run with -v table=bench.item_<target>
-- -v rows=<n> -v members=<n> -v update_work_mem=<setting or empty>.
-- Three statements, each on all rows and each its own transaction: INSERT
-- ... SELECT of <rows> rows into the emptied table, UPDATE of every row,
-- DELETE of every row. Before each, a CHECKPOINT (not timed), so that no
-- statement pays for writing out the dirty buffers of the one before; each is
-- timed with clock_timestamp() before and after it (its AFTER triggers and
-- its commit included). Prints one line: the three times in seconds.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
-- the application's verified identity: a licensee admin (benchmark 6c's),
-- for the whole connection, as the pgbench runs set it
SELECT FROM dcpf.act_as('10000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-00000000002a',
                        'licensee_admin', 'benchmark', true) \g /dev/null
TRUNCATE :table;

CHECKPOINT;
SELECT clock_timestamp() AS t0 \gset
INSERT INTO :table (person_id, title, score, updated_at)
SELECT ('10000000-0000-4000-8000-' || lpad(to_hex(1 + i % :members), 12, '0'))::uuid, 'Item ' || i, i % 100, now()
  FROM generate_series(1, :rows) i;
SELECT clock_timestamp() AS t1, :ROW_COUNT = :rows AS inserted_all \gset

-- BENCH_AUDIT_UPDATE_WORK_MEM (empty by default) runs the UPDATE with another
-- work_mem, the same for every table
SELECT :'update_work_mem' <> '' AS raise_work_mem \gset
\if :raise_work_mem
SET work_mem = :'update_work_mem';
\endif
CHECKPOINT;
SELECT clock_timestamp() AS t2 \gset
UPDATE :table SET score = score + 1, updated_at = now();
SELECT clock_timestamp() AS t3, :ROW_COUNT = :rows AS updated_all \gset
RESET work_mem;

CHECKPOINT;
SELECT clock_timestamp() AS t4 \gset
DELETE FROM :table;
SELECT clock_timestamp() AS t5, :ROW_COUNT = :rows AS deleted_all \gset

\if :inserted_all
\else
\echo 'bench/audit/bulk.sql: the INSERT did not insert every row'
\quit
\endif
\if :updated_all
\else
\echo 'bench/audit/bulk.sql: the UPDATE did not update every row'
\quit
\endif
\if :deleted_all
\else
\echo 'bench/audit/bulk.sql: the DELETE did not delete every row'
\quit
\endif
SELECT format('%s %s %s', extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz),
              extract(epoch FROM :'t3'::timestamptz - :'t2'::timestamptz),
              extract(epoch FROM :'t5'::timestamptz - :'t4'::timestamptz));
