-- Every table of dcpf is under audit: the three write triggers of
-- dcpf.audit_trigger (INSERT, UPDATE, DELETE, each statement-level with its
-- transition tables) and the TRUNCATE refusal. Discovered from the catalog, so
-- a table added later without dcpf.audit_table fails here. The audit trail
-- and its seals are append-only instead (their own triggers refuse every
-- change; the seals' signatures show one made around them).
BEGIN;
SELECT plan(10);

CREATE TEMP TABLE audited AS
SELECT c.oid AS relid, c.relname::text AS tbl FROM pg_class c
 WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'p')
   AND NOT c.relispartition
   AND c.oid NOT IN ('dcpf.audit_event'::regclass, 'dcpf.audit_seal'::regclass);

-- one trigger per operation, AFTER … FOR EACH STATEMENT, calling dcpf.audit_trigger
CREATE FUNCTION pg_temp.has_audit_trigger(relid oid, op text) RETURNS boolean LANGUAGE sql AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_trigger t
         WHERE t.tgrelid = relid AND NOT t.tgisinternal AND t.tgenabled <> 'D'
           AND t.tgfoid = 'dcpf.audit_trigger()'::regprocedure
           AND (t.tgtype & 1) = 0                  -- FOR EACH STATEMENT
           AND (t.tgtype & 2) = 0 AND (t.tgtype & 64) = 0   -- AFTER
           AND (t.tgtype & CASE op WHEN 'INSERT' THEN 4 WHEN 'DELETE' THEN 8 WHEN 'UPDATE' THEN 16 END) <> 0
           AND CASE op WHEN 'INSERT' THEN t.tgnewtable IS NOT NULL
                       WHEN 'DELETE' THEN t.tgoldtable IS NOT NULL
                       ELSE t.tgnewtable IS NOT NULL AND t.tgoldtable IS NOT NULL END)
$$;

SELECT ok((SELECT count(*) FROM audited) >= 26, 'the tables of dcpf are discovered');
SELECT is_empty($$SELECT tbl FROM audited WHERE NOT pg_temp.has_audit_trigger(relid, 'INSERT') ORDER BY tbl$$,
    'every table has an AFTER INSERT statement trigger of dcpf.audit_trigger with the new rows');
SELECT is_empty($$SELECT tbl FROM audited WHERE NOT pg_temp.has_audit_trigger(relid, 'UPDATE') ORDER BY tbl$$,
    'every table has an AFTER UPDATE statement trigger of dcpf.audit_trigger with the old and new rows');
SELECT is_empty($$SELECT tbl FROM audited WHERE NOT pg_temp.has_audit_trigger(relid, 'DELETE') ORDER BY tbl$$,
    'every table has an AFTER DELETE statement trigger of dcpf.audit_trigger with the old rows');
SELECT is_empty($$
    SELECT a.tbl FROM audited a
     WHERE NOT EXISTS (SELECT 1 FROM pg_trigger t
                        WHERE t.tgrelid = a.relid AND NOT t.tgisinternal AND t.tgenabled <> 'D'
                          AND t.tgfoid = 'dcpf.audit_refuse_truncate()'::regprocedure
                          AND (t.tgtype & 32) <> 0 AND (t.tgtype & 2) <> 0)
     ORDER BY a.tbl$$,
    'every table refuses TRUNCATE (BEFORE TRUNCATE dcpf.audit_refuse_truncate)');
SELECT is_empty($$
    SELECT a.tbl, t.tgname FROM audited a JOIN pg_trigger t ON t.tgrelid = a.relid
     WHERE t.tgfoid = 'dcpf.audit_trigger()'::regprocedure AND t.tgnargs = 0$$,
    'every audit trigger names its subject column (or ''-'' for data of no one)');
SELECT ok(EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = 'dcpf.audit_seal'::regclass
                     AND t.tgfoid = 'dcpf.audit_refuse_change()'::regprocedure
                     AND (t.tgtype & 1) <> 0 AND (t.tgtype & 8) <> 0 AND (t.tgtype & 16) <> 0)
          AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = 'dcpf.audit_seal'::regclass
                     AND t.tgfoid = 'dcpf.audit_refuse_change()'::regprocedure AND (t.tgtype & 32) <> 0),
    'dcpf.audit_seal refuses UPDATE, DELETE and TRUNCATE');
-- the audit trail itself: append-only for every row and the TRUNCATE of any partition
SELECT ok(EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = 'dcpf.audit_event'::regclass
                     AND t.tgfoid = 'dcpf.audit_refuse_change()'::regprocedure
                     AND (t.tgtype & 1) <> 0 AND (t.tgtype & 8) <> 0 AND (t.tgtype & 16) <> 0),
    'dcpf.audit_event refuses UPDATE and DELETE of every row');
SELECT is_empty($$
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'dcpf.audit_event'::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid
                         AND t.tgfoid = 'dcpf.audit_refuse_change()'::regprocedure AND (t.tgtype & 32) <> 0)$$,
    'every partition of the audit trail refuses TRUNCATE');
SELECT is_empty($$
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'dcpf.audit_event'::regclass
       AND NOT (c.relrowsecurity AND c.relforcerowsecurity AND c.relacl IS NOT DISTINCT FROM c.relacl
                AND NOT EXISTS (SELECT 1 FROM aclexplode(c.relacl) g WHERE g.grantee <> c.relowner))$$,
    'every partition of the audit trail has row-level security forced and no grant to anyone');

SELECT * FROM finish();
ROLLBACK;
