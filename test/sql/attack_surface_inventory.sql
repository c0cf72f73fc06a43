-- The attack surface, listed in full and compared with a reviewed file
-- (expected/attack_surface_inventory.out): every SECURITY DEFINER function
-- with its pinned search_path and who may call it; every privilege of
-- PUBLIC and of the four dcpf roles on every object of the extension
-- (schema, tables, views, columns, sequences, functions, types, casts);
-- every table's row-level security and its policies, with their full
-- expressions; the dcpf roles' attributes and memberships and the owners of
-- the extension's objects; and every view's security_invoker and
-- security_barrier. Any change to these is a changed line in the expected
-- file, so it is seen in review. Then the rules these lists must keep are
-- checked (part 6: every line there is a breach), and the last part shows
-- that the comparison fails: an extra grant, a definer without search_path,
-- FORCE RLS dropped, a policy widened, a view run as its owner, each made
-- and rolled back, appear as lines of a diff and as breaches of the rules.
--
-- Reviewing a change to expected/attack_surface_inventory.out (see
-- doc/guides/development.md, "The attack-surface inventory"): regenerate it
-- only by copying results/attack_surface_inventory.out over it after a
-- change you meant, then read every changed line of `git diff` and ask:
--   * a SECURITY DEFINER function: is definer needed, does its config read
--     search_path=pg_catalog, pg_temp, is it callable by exactly the roles
--     that need it, and never by PUBLIC;
--   * a privilege: which role gains what; PUBLIC gains no table, view or
--     definer function; dcpf_reporting reads no table of a person's data
--     and no free-text column, dcpf_maintenance no content; a table-level
--     privilege reaches every column, present and future (a column list
--     does not): is that meant;
--   * a table: RLS enabled AND forced, policies TO dcpf_app (or a named
--     role) only, no permissive policy with USING (true) on personal data;
--     a changed md5 means a changed expression: read it in part 3c;
--   * a view: security_invoker (every view is), or a reason in its comment;
--   * a line in part 6 is a breach of a rule: fix the sources, not the file.
-- Design: no OIDs, no user names (the owner is a word), no row counts of
-- data. PUBLIC's built-in privileges (USAGE on a type, EXECUTE on a function
-- never revoked) are shown, marked "(default)": they are real, and a
-- function missing its REVOKE shows that way. A policy's expressions appear once as a short md5 in the policy
-- list (one screen per table, a change shows there first) and once in full
-- (the md5 alone would hide what changed, the full text alone is too wide to
-- scan). Monthly audit partitions are made at run time: only a summary line.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_inv_outsider;
RESET client_min_messages;
-- at least one monthly partition beside the default one, as in production
DO $$ BEGIN PERFORM dcpf.audit_create_partitions(1); END $$;

-- The listing queries are temporary views, so that the last part can run
-- them again inside a transaction that changes the surface.
CREATE TEMP VIEW inv_member AS
SELECT d.classid, d.objid
  FROM pg_catalog.pg_depend d
 WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'dcpf');
-- who a grantee is: PUBLIC, a dcpf role, or any other role by name (none on
-- a fresh install: one would be a finding)
CREATE TEMP VIEW inv_grantee AS
SELECT 0::oid AS oid, 'PUBLIC' AS label, 0 AS ord
UNION ALL
SELECT r.oid, r.rolname::text,
       coalesce(array_position(ARRAY['dcpf_app', 'dcpf_service', 'dcpf_maintenance', 'dcpf_reporting'], r.rolname::text), 9)
  FROM pg_catalog.pg_roles r;
-- every privilege on every member object, the owner's own left out (they
-- are implicit); "default" marks an ACL never touched (acldefault: PUBLIC
-- has EXECUTE on a function and USAGE on a type unless revoked)
CREATE TEMP VIEW inv_acl AS
SELECT k.kind, k.kord, k.object, g.label AS grantee, g.ord AS gord, a.privilege_type AS privilege,
       a.is_grantable AS grantable, k.is_default, k.prosecdef
  FROM (SELECT 'schema' AS kind, 1 AS kord, n.nspname::text AS object, n.nspowner AS owner,
               coalesce(n.nspacl, acldefault('n', n.nspowner)) AS acl, n.nspacl IS NULL AS is_default, NULL::boolean AS prosecdef
          FROM inv_member m JOIN pg_catalog.pg_namespace n ON m.classid = 'pg_catalog.pg_namespace'::regclass AND n.oid = m.objid
        UNION ALL
        SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                              WHEN 'S' THEN 'sequence' WHEN 'm' THEN 'materialized view' ELSE 'relkind ' || c.relkind::text END,
               CASE c.relkind WHEN 'S' THEN 4 WHEN 'v' THEN 3 ELSE 2 END, c.oid::regclass::text, c.relowner,
               coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)),
               c.relacl IS NULL, NULL
          FROM inv_member m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::regclass AND c.oid = m.objid
        UNION ALL
        SELECT CASE WHEN p.prokind = 'p' THEN 'procedure' WHEN p.prosecdef THEN 'definer function' ELSE 'function' END,
               6, p.oid::regprocedure::text, p.proowner, coalesce(p.proacl, acldefault('f', p.proowner)),
               p.proacl IS NULL, p.prosecdef
          FROM inv_member m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
        UNION ALL
        SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, 7, t.oid::regtype::text, t.typowner,
               coalesce(t.typacl, acldefault('T', t.typowner)), t.typacl IS NULL, NULL
          FROM inv_member m JOIN pg_catalog.pg_type t ON m.classid = 'pg_catalog.pg_type'::regclass AND t.oid = m.objid) k
 CROSS JOIN LATERAL aclexplode(k.acl) a
  JOIN inv_grantee g ON g.oid = a.grantee
 WHERE a.grantee <> k.owner;

\pset format unaligned
\pset fieldsep ' | '

-- 0. What the extension is made of, by kind
SELECT kind, count(*) AS members
  FROM (SELECT CASE m.classid
                   WHEN 'pg_catalog.pg_class'::regclass THEN
                       (SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                                              WHEN 'S' THEN 'sequence' ELSE 'relkind ' || c.relkind::text END
                          FROM pg_catalog.pg_class c WHERE c.oid = m.objid)
                   WHEN 'pg_catalog.pg_proc'::regclass THEN
                       (SELECT CASE WHEN p.prokind = 'p' THEN 'procedure' WHEN p.prosecdef THEN 'function (security definer)'
                                    ELSE 'function (security invoker)' END
                          FROM pg_catalog.pg_proc p WHERE p.oid = m.objid)
                   WHEN 'pg_catalog.pg_type'::regclass THEN
                       (SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END FROM pg_catalog.pg_type t WHERE t.oid = m.objid)
                   ELSE replace(m.classid::regclass::text, 'pg_', '')
               END AS kind
          FROM inv_member m) s
 GROUP BY kind ORDER BY kind COLLATE "C";

-- 1. Every SECURITY DEFINER function: it runs as the extension owner, so
-- its config must pin search_path and only the roles that need it may call
-- it (PUBLIC never). "grant option" would be a finding.
CREATE TEMP VIEW inv_definer AS
SELECT p.oid::regprocedure::text AS function,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
       CASE WHEN p.proowner = e.extowner AND r.rolsuper THEN 'extension owner (superuser)'
            WHEN r.rolsuper THEN 'another superuser'
            ELSE 'NOT A SUPERUSER: ' || r.rolname END AS owner,
       coalesce(array_to_string(p.proconfig, ', '), 'NO CONFIG') AS config,
       coalesce((SELECT string_agg(a.grantee || CASE WHEN a.grantable THEN ' (grant option)' ELSE '' END
                                             || CASE WHEN a.is_default THEN ' (default)' ELSE '' END,
                                   ', ' ORDER BY a.gord, a.grantee COLLATE "C")
                   FROM inv_acl a
                  WHERE a.kind IN ('definer function', 'procedure') AND a.object = p.oid::regprocedure::text),
                'owner only') AS executable_by
  FROM inv_member m
  JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
  JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
 CROSS JOIN (SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'dcpf') e
 WHERE p.prosecdef;
SELECT * FROM inv_definer ORDER BY function COLLATE "C";

-- 1b. Definer functions whose config does not pin search_path to exactly
-- pg_catalog, pg_temp (must be none)
SELECT p.oid::regprocedure::text AS unpinned_definer
  FROM inv_member m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
 WHERE p.prosecdef AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
 ORDER BY p.oid::regprocedure::text COLLATE "C";

-- 1c. LEAKPROOF functions: the planner may run them on rows before the
-- policies filter them, so only validators that return a boolean and never
-- raise (sql/020_validators.sql) may be marked
SELECT p.oid::regprocedure::text AS leakproof_function
  FROM inv_member m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
 WHERE p.proleakproof ORDER BY p.oid::regprocedure::text COLLATE "C";

-- 2. Every privilege of PUBLIC and of the dcpf roles, role by role (grep a
-- role's name for all it can do). One line per object, its privileges
-- together; "(default)": the ACL was never set, so PUBLIC holds the
-- built-in default (EXECUTE on a function, USAGE on a type or domain).
CREATE TEMP VIEW inv_privilege AS
SELECT grantee, kind, object,
       string_agg(privilege || CASE WHEN grantable THEN ' (grant option)' ELSE '' END
                            || CASE WHEN is_default THEN ' (default)' ELSE '' END,
                  ', ' ORDER BY privilege) AS privileges,
       min(gord) AS gord, min(kord) AS kord
  FROM inv_acl
 GROUP BY grantee, kind, object;
SELECT grantee, kind, object, privileges FROM inv_privilege
 ORDER BY gord, grantee COLLATE "C", kord, kind COLLATE "C", object COLLATE "C";

-- 2b. Column privileges: one line per table, role and privilege, with the
-- columns in table order
CREATE TEMP VIEW inv_column_privilege AS
SELECT g.label AS grantee, c.oid::regclass::text AS relation, a.privilege_type AS privilege,
       string_agg(att.attname || CASE WHEN a.is_grantable THEN ' (grant option)' ELSE '' END, ', ' ORDER BY att.attnum) AS columns,
       min(g.ord) AS gord
  FROM inv_member m
  JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::regclass AND c.oid = m.objid
  JOIN pg_catalog.pg_attribute att ON att.attrelid = c.oid AND att.attnum > 0 AND NOT att.attisdropped
 CROSS JOIN LATERAL aclexplode(att.attacl) a
  JOIN inv_grantee g ON g.oid = a.grantee
 WHERE a.grantee <> c.relowner
 GROUP BY g.label, c.oid, a.privilege_type;
SELECT grantee, relation, privilege, columns FROM inv_column_privilege
 ORDER BY gord, grantee COLLATE "C", relation COLLATE "C", privilege COLLATE "C";

-- 2c. Casts of the extension's types (a cast runs without an EXECUTE check)
SELECT c.castsource::regtype AS source, c.casttarget::regtype AS target,
       CASE c.castmethod WHEN 'f' THEN c.castfunc::regprocedure::text WHEN 'b' THEN 'binary coercible' ELSE 'I/O conversion' END AS method,
       CASE c.castcontext WHEN 'i' THEN 'implicit' WHEN 'a' THEN 'assignment' ELSE 'explicit' END AS context
  FROM inv_member m JOIN pg_catalog.pg_cast c ON m.classid = 'pg_catalog.pg_cast'::regclass AND c.oid = m.objid
 ORDER BY c.castsource::regtype::text COLLATE "C", c.casttarget::regtype::text COLLATE "C";

-- 3. Every table: row-level security enabled and forced (the owner too),
-- and how many policies it has (a table with RLS and no policy refuses
-- every role but the superuser)
CREATE TEMP VIEW inv_table AS
SELECT c.oid::regclass::text AS "table",
       CASE c.relkind WHEN 'p' THEN 'partitioned' WHEN 'r' THEN CASE WHEN c.relispartition THEN 'partition' ELSE 'table' END END AS kind,
       c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
       (SELECT count(*) FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid) AS policies
  FROM inv_member m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::regclass AND c.oid = m.objid
 WHERE c.relkind IN ('r', 'p');
SELECT * FROM inv_table ORDER BY "table" COLLATE "C";

-- 3a. The partitions made at run time (not members: the monthly ones of
-- the audit trail), one line per parent: all must have RLS enabled and
-- forced and no privilege for anyone but the owner
SELECT i.inhparent::regclass AS parent, count(*) > 0 AS has_some,
       bool_and(c.relrowsecurity) AS all_rls, bool_and(c.relforcerowsecurity) AS all_forced,
       bool_and(NOT EXISTS (SELECT FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner)) AS all_owner_only,
       bool_and(NOT EXISTS (SELECT FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid)) AS none_has_policies
  FROM pg_catalog.pg_inherits i
  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent IN (SELECT objid FROM inv_member WHERE classid = 'pg_catalog.pg_class'::regclass)
   AND i.inhrelid NOT IN (SELECT objid FROM inv_member WHERE classid = 'pg_catalog.pg_class'::regclass)
 GROUP BY i.inhparent ORDER BY i.inhparent::regclass::text COLLATE "C";

-- 3b. Every policy: command, permissive or restrictive, roles, and an md5
-- (first 12 hex digits) of its USING and WITH CHECK expressions
CREATE TEMP VIEW inv_policy AS
SELECT p.polrelid::regclass::text AS "table", p.polname::text AS policy,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       CASE WHEN p.polpermissive THEN 'permissive' ELSE 'restrictive' END AS kind,
       (SELECT string_agg(g.label, ', ' ORDER BY g.ord, g.label COLLATE "C")
          FROM unnest(p.polroles) r JOIN inv_grantee g ON g.oid = r) AS roles,
       left(md5(pg_get_expr(p.polqual, p.polrelid)), 12) AS using_md5,
       left(md5(pg_get_expr(p.polwithcheck, p.polrelid)), 12) AS check_md5
  FROM pg_catalog.pg_policy p
 WHERE p.polrelid IN (SELECT objid FROM inv_member WHERE classid = 'pg_catalog.pg_class'::regclass);
SELECT * FROM inv_policy ORDER BY "table" COLLATE "C", policy COLLATE "C";

-- 3c. The expressions in full
SELECT p.polrelid::regclass AS "table", p.polname AS policy, x.clause, x.expression
  FROM pg_catalog.pg_policy p
 CROSS JOIN LATERAL (VALUES (1, 'USING', pg_get_expr(p.polqual, p.polrelid)),
                            (2, 'WITH CHECK', pg_get_expr(p.polwithcheck, p.polrelid))) x(n, clause, expression)
 WHERE p.polrelid IN (SELECT objid FROM inv_member WHERE classid = 'pg_catalog.pg_class'::regclass)
   AND x.expression IS NOT NULL
 ORDER BY p.polrelid::regclass::text COLLATE "C", p.polname::text COLLATE "C", x.n;

-- 4. The dcpf roles: none may be superuser, bypass RLS, log in, create
-- roles or databases, or replicate; which is a member of which
SELECT r.rolname AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls, r.rolcanlogin AS login,
       r.rolcreaterole AS createrole, r.rolcreatedb AS createdb, r.rolreplication AS replication, r.rolinherit AS inherit
  FROM pg_catalog.pg_roles r
 WHERE r.rolname IN ('dcpf_app', 'dcpf_service', 'dcpf_maintenance', 'dcpf_reporting')
 ORDER BY array_position(ARRAY['dcpf_app', 'dcpf_service', 'dcpf_maintenance', 'dcpf_reporting'], r.rolname::text);
SELECT m.member::regrole AS member, m.roleid::regrole AS member_of, m.admin_option
  FROM pg_catalog.pg_auth_members m
 WHERE m.member::regrole::text IN ('dcpf_app', 'dcpf_service', 'dcpf_maintenance', 'dcpf_reporting')
 ORDER BY m.member::regrole::text COLLATE "C", m.roleid::regrole::text COLLATE "C";

-- 4b. Who owns the extension's objects: the extension owner, a superuser
-- (a non-superuser owner could change a definer function or drop FORCE RLS)
CREATE TEMP VIEW inv_owner AS
SELECT CASE m.classid WHEN 'pg_catalog.pg_class'::regclass THEN 'relation' WHEN 'pg_catalog.pg_proc'::regclass THEN 'function'
                      ELSE replace(m.classid::regclass::text, 'pg_', '') END AS kind,
       pg_describe_object(m.classid, m.objid, 0) AS object,
       CASE WHEN o.owner = e.extowner AND r.rolsuper THEN 'extension owner (superuser)'
            WHEN r.rolsuper THEN 'another superuser'
            ELSE 'NOT A SUPERUSER: ' || r.rolname END AS owner
  FROM inv_member m
 CROSS JOIN LATERAL (SELECT CASE m.classid
                                WHEN 'pg_catalog.pg_class'::regclass THEN (SELECT relowner FROM pg_catalog.pg_class WHERE oid = m.objid)
                                WHEN 'pg_catalog.pg_proc'::regclass THEN (SELECT proowner FROM pg_catalog.pg_proc WHERE oid = m.objid)
                                WHEN 'pg_catalog.pg_type'::regclass THEN (SELECT typowner FROM pg_catalog.pg_type WHERE oid = m.objid)
                                WHEN 'pg_catalog.pg_namespace'::regclass THEN (SELECT nspowner FROM pg_catalog.pg_namespace WHERE oid = m.objid)
                            END AS owner) o
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = o.owner
 CROSS JOIN (SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'dcpf') e
 WHERE o.owner IS NOT NULL;
SELECT kind, owner, count(*) AS objects FROM inv_owner
 GROUP BY kind, owner ORDER BY kind COLLATE "C", owner COLLATE "C";

-- 5. Every view: security_invoker (the caller's privileges and policies
-- apply to the tables it reads) and security_barrier (no leaky function of
-- the caller's query runs before the view's own conditions); a view without
-- security_invoker reads as its owner, so its comment is shown beside it
CREATE TEMP VIEW inv_view AS
SELECT c.oid::regclass::text AS view, o.security_invoker, o.security_barrier, o.check_option,
       CASE WHEN o.security_invoker = 'true' THEN '' ELSE coalesce(obj_description(c.oid, 'pg_class'), 'NO COMMENT') END
           AS runs_as_owner_because
  FROM inv_member m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::regclass AND c.oid = m.objid
 CROSS JOIN LATERAL (SELECT coalesce(max(option_value) FILTER (WHERE option_name = 'security_invoker'), 'false') AS security_invoker,
                            coalesce(max(option_value) FILTER (WHERE option_name = 'security_barrier'), 'false') AS security_barrier,
                            coalesce(max(option_value) FILTER (WHERE option_name = 'check_option'), '') AS check_option
                       FROM pg_options_to_table(c.reloptions)) o
 WHERE c.relkind = 'v';
SELECT * FROM inv_view ORDER BY view COLLATE "C";

-- 6. The rules the lists above must keep, each checked: every line here is
-- a breach (none on a fresh install). The personal-data registry
-- (dcpf.personal_data_table, sql/215_personal_data.sql) says which tables
-- hold a person's data.
CREATE TEMP VIEW inv_breach AS
SELECT 'definer function without search_path=pg_catalog, pg_temp' AS rule, p.oid::regprocedure::text AS object
  FROM inv_member m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::regclass AND p.oid = m.objid
 WHERE p.prosecdef AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)
UNION ALL
SELECT 'definer function executable by PUBLIC', object FROM inv_acl WHERE prosecdef AND grantee = 'PUBLIC'
UNION ALL
SELECT 'PUBLIC privilege on a ' || kind, object FROM inv_acl WHERE grantee = 'PUBLIC' AND kord IN (2, 3, 4)
UNION ALL
SELECT 'PUBLIC privilege on columns', relation FROM inv_column_privilege WHERE grantee = 'PUBLIC'
UNION ALL
SELECT 'privilege for a role outside dcpf: ' || grantee, object FROM inv_acl WHERE gord = 9
UNION ALL
SELECT 'column privilege for a role outside dcpf: ' || grantee, relation FROM inv_column_privilege WHERE gord = 9
UNION ALL
SELECT 'grant option for ' || grantee, object FROM inv_acl WHERE grantable
UNION ALL
SELECT 'grant option on columns for ' || grantee, relation FROM inv_column_privilege WHERE columns LIKE '%(grant option)%'
UNION ALL
SELECT 'write privilege for a reading role: ' || grantee || ' ' || privilege, object
  FROM inv_acl WHERE grantee IN ('dcpf_maintenance', 'dcpf_reporting') AND privilege IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
UNION ALL
SELECT 'column write privilege for a reading role: ' || grantee || ' ' || privilege, relation
  FROM inv_column_privilege WHERE grantee IN ('dcpf_maintenance', 'dcpf_reporting') AND privilege IN ('INSERT', 'UPDATE')
UNION ALL
SELECT 'a person''s data readable by ' || a.grantee, a.relation
  FROM (SELECT grantee, object AS relation FROM inv_acl WHERE kord = 2 AND privilege = 'SELECT'
        UNION ALL
        SELECT grantee, relation FROM inv_column_privilege WHERE privilege = 'SELECT') a
  JOIN dcpf.personal_data_table t ON 'dcpf.' || t.table_name = a.relation
 WHERE a.grantee IN ('dcpf_maintenance', 'dcpf_reporting') AND t.subject_column IS NOT NULL
UNION ALL
SELECT 'table without row-level security enabled and forced', "table" FROM inv_table WHERE NOT (rls AND forced)
UNION ALL
SELECT 'partition made at run time without row-level security enabled and forced', c.oid::regclass::text
  FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent IN (SELECT objid FROM inv_member WHERE classid = 'pg_catalog.pg_class'::regclass)
   AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
UNION ALL
SELECT 'policy for PUBLIC or a role outside dcpf', p.polrelid::regclass::text || ' ' || p.polname
  FROM pg_catalog.pg_policy p
 WHERE p.polrelid IN (SELECT objid FROM inv_member WHERE classid = 'pg_catalog.pg_class'::regclass)
   AND EXISTS (SELECT FROM unnest(p.polroles) r JOIN inv_grantee g ON g.oid = r WHERE g.ord NOT BETWEEN 1 AND 4)
UNION ALL
SELECT 'view not security_invoker', view FROM inv_view WHERE security_invoker <> 'true'
UNION ALL
SELECT 'dcpf role with an attribute it must not have', r.rolname::text
  FROM pg_catalog.pg_roles r
 WHERE r.rolname IN ('dcpf_app', 'dcpf_service', 'dcpf_maintenance', 'dcpf_reporting')
   AND (r.rolsuper OR r.rolbypassrls OR r.rolcanlogin OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication)
UNION ALL
SELECT 'dcpf role member of another role', m.member::regrole::text || ' in ' || m.roleid::regrole::text
  FROM pg_catalog.pg_auth_members m
 WHERE m.member::regrole::text IN ('dcpf_app', 'dcpf_service', 'dcpf_maintenance', 'dcpf_reporting')
   AND (m.member::regrole::text, m.roleid::regrole::text) <> ('dcpf_service', 'dcpf_app')
UNION ALL
SELECT 'owned by a role that is not a superuser', object FROM inv_owner WHERE owner LIKE 'NOT A SUPERUSER%';
SELECT rule, object FROM inv_breach ORDER BY rule COLLATE "C", object COLLATE "C";

-- 7. The comparison fails when the surface changes. The whole inventory as
-- lines, kept; then, inside a transaction rolled back, five changes made and
-- the inventory's lines that differ from the kept ones shown (cut at 150
-- characters): each change is a line a diff of this file would show.
CREATE TEMP VIEW inv_all AS
SELECT 'definer' AS part, d::text AS line FROM inv_definer d
UNION ALL SELECT 'privilege', p::text FROM (SELECT grantee, kind, object, privileges FROM inv_privilege) p
UNION ALL SELECT 'column privilege', p::text FROM (SELECT grantee, relation, privilege, columns FROM inv_column_privilege) p
UNION ALL SELECT 'table', t::text FROM inv_table t
UNION ALL SELECT 'policy', p::text FROM inv_policy p
UNION ALL SELECT 'view', v::text FROM inv_view v;
CREATE TEMP TABLE inv_kept AS SELECT * FROM inv_all;

BEGIN;
SET LOCAL client_min_messages = warning;
-- a definer function without the pinned search_path, added to the extension
CREATE FUNCTION dcpf.inventory_probe() RETURNS text LANGUAGE sql SECURITY DEFINER RETURN current_user;
ALTER EXTENSION dcpf ADD FUNCTION dcpf.inventory_probe();
-- the reporting role given a free-text column
GRANT SELECT (agreements_encrypted) ON dcpf.conversation TO dcpf_reporting;
-- the owner no longer held by the policies of the person table
ALTER TABLE dcpf.person NO FORCE ROW LEVEL SECURITY;
-- a view that runs as its owner
ALTER VIEW dcpf.my_items RESET (security_invoker);
-- a policy that lets every verified person read every person
ALTER POLICY person_self_read ON dcpf.person USING (dcpf.current_person() IS NOT NULL);
RESET client_min_messages;
SELECT rule, object FROM inv_breach ORDER BY rule COLLATE "C", object COLLATE "C";
SELECT change, part, left(line, 150) AS line
  FROM (SELECT 'added' AS change, part, line FROM (SELECT * FROM inv_all EXCEPT ALL SELECT * FROM inv_kept) a
        UNION ALL
        SELECT 'removed', part, line FROM (SELECT * FROM inv_kept EXCEPT ALL SELECT * FROM inv_all) r) d
 ORDER BY part COLLATE "C", change DESC, line COLLATE "C";
ROLLBACK;

-- and once rolled back, nothing differs
SELECT count(*) AS differences
  FROM ((SELECT * FROM inv_all EXCEPT ALL SELECT * FROM inv_kept)
        UNION ALL (SELECT * FROM inv_kept EXCEPT ALL SELECT * FROM inv_all)) d;

-- 8. What the inventory found (sql/100_authentication.sql): PUBLIC held
-- EXECUTE on dcpf.authenticate, so a role outside dcpf could make a person
-- the identity of its session. Now a role of dcpf_reporting alone is refused.
CREATE ROLE dcpf_test_inv_outsider NOLOGIN IN ROLE dcpf_reporting;
SET ROLE dcpf_test_inv_outsider;
\set VERBOSITY terse
SELECT dcpf.authenticate('eyJhbGciOiJIUzI1NiJ9.e30.x');
\set VERBOSITY default
RESET ROLE;
DROP ROLE dcpf_test_inv_outsider;
