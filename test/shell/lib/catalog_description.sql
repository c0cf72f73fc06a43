-- test/shell/lib/catalog_description.sql: a normalised description of every
-- object a database holds beyond its template (oid >= 16384), one line per
-- fact, "kind <tab> object <tab> what", sorted. Two databases with the same
-- description have the same objects with the same definitions, privileges,
-- owners and comments, and the same rows the extension itself ships.
-- Used by test/shell/upgrade_matches_fresh_install.sh (an updated database
-- against a fresh install) and test/shell/dump_restore.sh (a restored copy
-- against its source). Run with psql -X -At -F '<tab>' -v ON_ERROR_STOP=1;
-- leaves nothing behind but temp objects (it may run inside a transaction
-- that is then rolled back). With -v skip_run_time_partitions=1 it leaves
-- out the partitions made at run time (not members of the extension) of a
-- table that is, with their indexes: the audit trail's monthly partitions,
-- which the audit worker makes when it likes.
--
-- Nothing printed depends on a database: no oid, no database name. Names are
-- printed instead (regclass, regprocedure, role names), so a role dropped or
-- renamed shows. Left out, as data: the rows of a table that is not a member
-- of an extension, and of one the extension registers whole for pg_dump
-- (pg_extension_config_dump with no condition); of a table registered with a
-- condition only the rows the extension ships (those the condition leaves
-- out of a dump) are compared, and in every row a value the server makes at
-- install time (a column whose default calls a function, such as
-- gen_random_uuid() or now(), and a column referring to one) is printed as
-- <made at install>.
SET client_min_messages = warning;
SET search_path = pg_catalog, pg_temp;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 1;

-- an acl as "grantee=privilege[*] by grantor" items, sorted; a NULL acl is
-- the default one of its kind for its owner
CREATE FUNCTION pg_temp.acl(acl aclitem[], kind "char", owner oid) RETURNS text
    LANGUAGE sql STABLE
RETURN (SELECT coalesce(string_agg(item, ', ' ORDER BY item COLLATE "C"), '(none)')
          FROM (SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
                       || '=' || a.privilege_type || CASE WHEN a.is_grantable THEN '*' ELSE '' END
                       || ' by ' || a.grantor::regrole::text AS item
                  FROM aclexplode(coalesce(acl, acldefault(kind, owner))) a) items);

CREATE TEMP TABLE catalog_line (kind text, object text, what text);
CREATE TEMP TABLE catalog_skipped (rel oid);
\if :{?skip_run_time_partitions}
WITH RECURSIVE member_rel AS (
    SELECT d.objid FROM pg_depend d
     WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND d.classid = 'pg_class'::regclass
), run_time AS (
    SELECT i.inhrelid AS rel FROM pg_inherits i
     WHERE i.inhparent IN (SELECT objid FROM member_rel) AND i.inhrelid NOT IN (SELECT objid FROM member_rel)
    UNION
    SELECT i.inhrelid FROM pg_inherits i JOIN run_time r ON r.rel = i.inhparent
)
INSERT INTO catalog_skipped
SELECT rel FROM run_time
UNION ALL
SELECT x.indexrelid FROM pg_index x WHERE x.indrelid IN (SELECT rel FROM run_time);
\endif

-- the extension, its configuration tables and its members
INSERT INTO catalog_line
SELECT 'extension', e.extname,
       format('version %s, owner %s, schema %s, relocatable %s, config %s, conditions %s',
              e.extversion, e.extowner::regrole, e.extnamespace::regnamespace, e.extrelocatable,
              e.extconfig::regclass[], e.extcondition)
  FROM pg_extension e WHERE e.oid >= 16384;
INSERT INTO catalog_line
SELECT 'member', e.extname, pg_describe_object(d.classid, d.objid, d.objsubid)
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e';

-- schemas
INSERT INTO catalog_line
SELECT 'schema', n.nspname, format('owner %s; acl %s', n.nspowner::regrole, pg_temp.acl(n.nspacl, 'n', n.nspowner))
  FROM pg_namespace n
 WHERE n.oid >= 16384 AND n.nspname !~ '^pg_(toast_)?temp_';

-- relations: tables, partitions, views, materialized views, sequences,
-- indexes, composite types (not toast tables, whose names hold oids)
CREATE TEMP VIEW catalog_rel AS
SELECT c.* FROM pg_class c
 WHERE c.oid >= 16384 AND c.relnamespace <> 'pg_toast'::regnamespace
   AND c.relnamespace <> pg_my_temp_schema()
   AND c.relnamespace::regnamespace::text !~ '^pg_(toast_)?temp_'
   AND c.oid NOT IN (SELECT rel FROM catalog_skipped);
INSERT INTO catalog_line
SELECT 'relation', c.oid::regclass::text,
       format('kind %s, persistence %s, access method %s, owner %s, options %s, row security %s, forced %s, replica identity %s, partition key %s, bound %s, parents %s; acl %s',
              c.relkind, c.relpersistence, coalesce(am.amname, '-'), c.relowner::regrole,
              coalesce(array_to_string(ARRAY(SELECT o FROM unnest(c.reloptions) o ORDER BY 1), ','), '-'),
              c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
              CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) ELSE '-' END,
              coalesce(pg_get_expr(c.relpartbound, c.oid), '-'),
              coalesce((SELECT string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)
                          FROM pg_inherits i WHERE i.inhrelid = c.oid), '-'),
              CASE WHEN c.relkind IN ('i', 'I', 'c') THEN '-'
                   ELSE pg_temp.acl(c.relacl, CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner) END)
  FROM catalog_rel c LEFT JOIN pg_am am ON am.oid = c.relam;

-- columns, by position among the columns that are not dropped (a column
-- added by an upgrade comes last; in a fresh install it may not). The
-- server (Debian's 15.20) writes an option of its own on every column,
-- pg_attver=<number>, different in every database: left out.
INSERT INTO catalog_line
SELECT 'column', c.oid::regclass::text || '.' || quote_ident(a.attname),
       format('position %s, type %s, not null %s, default %s, collation %s, storage %s, compression %s, options %s, identity %s, generated %s, statistics %s; acl %s',
              row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
              format_type(a.atttypid, a.atttypmod), a.attnotnull,
              coalesce(pg_get_expr(d.adbin, d.adrelid), '-'),
              coalesce((SELECT co.collnamespace::regnamespace || '.' || quote_ident(co.collname)
                          FROM pg_collation co WHERE co.oid = a.attcollation), '-'),
              a.attstorage, coalesce(nullif(a.attcompression, ''), '-'),
              coalesce(nullif(array_to_string(ARRAY(SELECT o FROM unnest(a.attoptions) o
                                                     WHERE o !~ '^pg_attver=' ORDER BY 1), ','), ''), '-'),
              coalesce(nullif(a.attidentity, ''), '-'), coalesce(nullif(a.attgenerated, ''), '-'),
              a.attstattarget, pg_temp.acl(a.attacl, 'c', c.relowner))
  FROM catalog_rel c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum;

-- constraints of tables and of domains
INSERT INTO catalog_line
SELECT 'constraint', coalesce(co.conrelid::regclass::text, co.contypid::regtype::text) || ' ' || quote_ident(co.conname),
       format('type %s, %s, deferrable %s, deferred %s, validated %s, inherited %s, local %s',
              co.contype, pg_get_constraintdef(co.oid, true), co.condeferrable, co.condeferred,
              co.convalidated, co.coninhcount, co.conislocal)
  FROM pg_constraint co
 WHERE co.oid >= 16384 AND co.connamespace::regnamespace::text !~ '^pg_(toast_)?temp_'
   AND co.conrelid NOT IN (SELECT rel FROM catalog_skipped);

-- indexes
INSERT INTO catalog_line
SELECT 'index', i.indexrelid::regclass::text,
       format('%s; clustered %s, replica identity %s, valid %s', pg_get_indexdef(i.indexrelid),
              i.indisclustered, i.indisreplident, i.indisvalid)
  FROM pg_index i JOIN catalog_rel c ON c.oid = i.indexrelid;

-- views and materialized views
INSERT INTO catalog_line
SELECT 'view', c.oid::regclass::text, pg_get_viewdef(c.oid, true)
  FROM catalog_rel c WHERE c.relkind IN ('v', 'm');

-- sequences (their definition; the current value is data)
INSERT INTO catalog_line
SELECT 'sequence', s.seqrelid::regclass::text,
       format('type %s, start %s, increment %s, min %s, max %s, cache %s, cycle %s, owned by %s',
              format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
              coalesce((SELECT d.refobjid::regclass || '.' || quote_ident(a.attname) || ' (' || d.deptype::text || ')'
                          FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                           AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '-'))
  FROM pg_sequence s JOIN catalog_rel c ON c.oid = s.seqrelid;

-- row security policies
INSERT INTO catalog_line
SELECT 'policy', p.polrelid::regclass::text || ' ' || quote_ident(p.polname),
       format('command %s, permissive %s, roles %s, using %s, with check %s',
              p.polcmd, p.polpermissive,
              (SELECT string_agg(role_name, ',' ORDER BY role_name COLLATE "C")
                 FROM (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE r::regrole::text END AS role_name
                         FROM unnest(p.polroles) r) roles),
              coalesce(pg_get_expr(p.polqual, p.polrelid), '-'),
              coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-'))
  FROM pg_policy p WHERE p.oid >= 16384 AND p.polrelid NOT IN (SELECT rel FROM catalog_skipped);

-- triggers (not the internal ones of foreign keys, whose names hold oids),
-- rules that are not a view's, event triggers
INSERT INTO catalog_line
SELECT 'trigger', t.tgrelid::regclass::text || ' ' || quote_ident(t.tgname),
       format('%s; enabled %s', pg_get_triggerdef(t.oid, true), t.tgenabled)
  FROM pg_trigger t
 WHERE t.oid >= 16384 AND NOT t.tgisinternal AND t.tgrelid NOT IN (SELECT rel FROM catalog_skipped);
INSERT INTO catalog_line
SELECT 'rule', r.ev_class::regclass::text || ' ' || quote_ident(r.rulename),
       format('%s; enabled %s', pg_get_ruledef(r.oid, true), r.ev_enabled)
  FROM pg_rewrite r
 WHERE r.oid >= 16384 AND r.rulename <> '_RETURN' AND r.ev_class NOT IN (SELECT rel FROM catalog_skipped);
INSERT INTO catalog_line
SELECT 'event trigger', quote_ident(e.evtname),
       format('on %s, function %s, owner %s, enabled %s, tags %s',
              e.evtevent, e.evtfoid::regprocedure, e.evtowner::regrole, e.evtenabled, coalesce(e.evttags::text, '-'))
  FROM pg_event_trigger e WHERE e.oid >= 16384;

-- functions and procedures (pg_get_functiondef: language, volatility,
-- security, parallel safety, leakproof, strictness, cost, rows, settings and
-- the body), aggregates; owners and privileges
INSERT INTO catalog_line
SELECT 'function', p.oid::regprocedure::text,
       CASE WHEN p.prokind = 'a'
            THEN format('aggregate: transition %s, final %s, state %s, initial %s',
                        ag.aggtransfn::regprocedure, ag.aggfinalfn, format_type(ag.aggtranstype, NULL), ag.agginitval)
            ELSE pg_get_functiondef(p.oid) END
  FROM pg_proc p LEFT JOIN pg_aggregate ag ON ag.aggfnoid = p.oid
 WHERE p.oid >= 16384 AND p.pronamespace::regnamespace::text !~ '^pg_(toast_)?temp_';
INSERT INTO catalog_line
SELECT 'function', p.oid::regprocedure::text,
       format('owner %s; acl %s', p.proowner::regrole, pg_temp.acl(p.proacl, 'f', p.proowner))
  FROM pg_proc p
 WHERE p.oid >= 16384 AND p.pronamespace::regnamespace::text !~ '^pg_(toast_)?temp_';

-- types: domains, enums (labels in order), ranges, base and composite
-- types (not a table's row type nor an array type made with its element)
INSERT INTO catalog_line
SELECT 'type', t.oid::regtype::text,
       format('kind %s, owner %s, %s; acl %s', t.typtype, t.typowner::regrole,
              CASE t.typtype
                  WHEN 'd' THEN format('domain over %s, not null %s, default %s, collation %s',
                                       format_type(t.typbasetype, t.typtypmod), t.typnotnull,
                                       coalesce(t.typdefault, '-'), t.typcollation::regcollation)
                  WHEN 'e' THEN 'labels ' || (SELECT string_agg(quote_literal(en.enumlabel), ',' ORDER BY en.enumsortorder)
                                                FROM pg_enum en WHERE en.enumtypid = t.oid)
                  WHEN 'r' THEN (SELECT format('range of %s, subtype diff %s', format_type(r.rngsubtype, NULL), r.rngsubdiff)
                                   FROM pg_range r WHERE r.rngtypid = t.oid)
                  WHEN 'b' THEN format('input %s, output %s, length %s, alignment %s, storage %s',
                                       t.typinput, t.typoutput, t.typlen, t.typalign, t.typstorage)
                  ELSE '-' END,
              pg_temp.acl(t.typacl, 'T', t.typowner))
  FROM pg_type t
 WHERE t.oid >= 16384 AND t.typnamespace::regnamespace::text !~ '^pg_(toast_)?temp_'
   AND t.typnamespace <> 'pg_toast'::regnamespace
   AND NOT (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) <> 'c')
   AND NOT (t.typcategory = 'A' AND EXISTS (SELECT FROM pg_type el WHERE el.typarray = t.oid));

-- casts, operators and the like show as members above; statistics objects
INSERT INTO catalog_line
SELECT 'statistics', s.stxnamespace::regnamespace || '.' || quote_ident(s.stxname), pg_get_statisticsobjdef(s.oid)
  FROM pg_statistic_ext s WHERE s.oid >= 16384;

-- comments and security labels on every object and column
INSERT INTO catalog_line
SELECT 'comment', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
  FROM pg_description d
 WHERE d.objoid >= 16384
   AND NOT (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT rel FROM catalog_skipped))
   AND NOT (d.classoid = 'pg_constraint'::regclass
            AND d.objoid IN (SELECT co.oid FROM pg_constraint co WHERE co.conrelid IN (SELECT rel FROM catalog_skipped)))
   AND NOT (d.classoid = 'pg_trigger'::regclass
            AND d.objoid IN (SELECT t.oid FROM pg_trigger t WHERE t.tgrelid IN (SELECT rel FROM catalog_skipped)));
INSERT INTO catalog_line
SELECT 'security label', pg_describe_object(l.classoid, l.objoid, l.objsubid), l.provider || ': ' || l.label
  FROM pg_seclabel l WHERE l.objoid >= 16384;

-- default privileges and this database's settings
INSERT INTO catalog_line
SELECT 'default privileges', format('for %s in %s on %s', da.defaclrole::regrole,
                                    coalesce(da.defaclnamespace::regnamespace::text, '(all schemas)'), da.defaclobjtype),
       pg_temp.acl(da.defaclacl, 'r', da.defaclrole)
  FROM pg_default_acl da;
INSERT INTO catalog_line
SELECT 'setting', 'database' || CASE WHEN s.setrole = 0 THEN '' ELSE ', role ' || s.setrole::regrole END,
       array_to_string(s.setconfig, ', ')
  FROM pg_db_role_setting s JOIN pg_database db ON db.oid = s.setdatabase AND db.datname = current_database();

-- the rows the extension ships: a member table's rows, but for one registered
-- with pg_extension_config_dump only those its condition leaves out of a
-- dump (none when it has no condition); install-time values masked
DO $$
DECLARE
    rel regclass;
    cond text;
    masked text[];
    shown text;
BEGIN
    FOR rel, cond IN
        SELECT c.oid::regclass, (SELECT e.extcondition[array_position(e.extconfig, c.oid)]
                                   FROM pg_catalog.pg_extension e WHERE c.oid = ANY (e.extconfig))
          FROM catalog_rel c
         WHERE c.relkind = 'r'
           AND EXISTS (SELECT FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')
    LOOP
        CONTINUE WHEN cond = '';
        -- columns whose default calls a function, and the columns that
        -- refer to them
        SELECT coalesce(array_agg(a.attname), '{}') INTO masked
          FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
           AND (EXISTS (SELECT FROM pg_catalog.pg_attrdef d
                         WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum
                           AND pg_catalog.pg_get_expr(d.adbin, d.adrelid) ~ '\(')
                OR EXISTS (SELECT FROM pg_catalog.pg_constraint f
                             JOIN pg_catalog.pg_attrdef d ON d.adrelid = f.confrelid
                                                         AND d.adnum = f.confkey[array_position(f.conkey, a.attnum)]
                            WHERE f.conrelid = a.attrelid AND f.contype = 'f' AND a.attnum = ANY (f.conkey)
                              AND pg_catalog.pg_get_expr(d.adbin, d.adrelid) ~ '\('));
        shown := format('(to_jsonb(x) - %L::text[]) || (SELECT coalesce(jsonb_object_agg(m, %L::text), ''{}'') FROM unnest(%L::text[]) m
                                                        WHERE to_jsonb(x) -> m <> ''null'')',
                        masked, '<made at install>', masked);
        EXECUTE format('INSERT INTO catalog_line SELECT ''row'', %L, (%s)::text FROM ONLY %s x', rel::text, shown, rel)
                || CASE WHEN cond IS NULL THEN ''
                        ELSE format(' EXCEPT ALL SELECT ''row'', %L, (%s)::text FROM ONLY %s x %s', rel::text, shown, rel, cond) END;
    END LOOP;
END
$$;

-- one line per fact: line breaks and tabs inside a definition escaped
SELECT kind, object, replace(replace(replace(what, '\', '\\'), E'\n', '\n'), E'\t', '\t') AS what
  FROM catalog_line ORDER BY kind COLLATE "C", object COLLATE "C", what COLLATE "C";
