-- CREATE EXTENSION then DROP EXTENSION leaves nothing behind, and the
-- extension installs cleanly again afterwards.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE TEMP TABLE catalog_before (kind text, ident text);
CREATE TEMP VIEW catalog_now AS
          SELECT 'class' AS kind, c.oid::regclass::text AS ident FROM pg_class c WHERE c.relnamespace <> pg_my_temp_schema()
UNION ALL SELECT 'proc', p.oid::regprocedure::text FROM pg_proc p
UNION ALL SELECT 'type', t.oid::regtype::text FROM pg_type t WHERE t.typnamespace <> pg_my_temp_schema()
UNION ALL SELECT 'namespace', n.nspname::text FROM pg_namespace n
UNION ALL SELECT 'cast', format('%s->%s', c.castsource::regtype, c.casttarget::regtype) FROM pg_cast c
UNION ALL SELECT 'operator', o.oid::regoperator::text FROM pg_operator o
UNION ALL SELECT 'opclass', oc.opcname::text FROM pg_opclass oc
UNION ALL SELECT 'role', r.rolname::text FROM pg_roles r
UNION ALL SELECT 'trigger', tg.tgname::text FROM pg_trigger tg
UNION ALL SELECT 'policy', pol.polname::text FROM pg_policy pol
UNION ALL SELECT 'event_trigger', e.evtname::text FROM pg_event_trigger e
UNION ALL SELECT 'config', s.setting FROM pg_db_role_setting d, unnest(d.setconfig) AS s(setting);
INSERT INTO catalog_before SELECT * FROM catalog_now;

CREATE EXTENSION dcpf;
SELECT count(*) > 50 AS extension_created_objects FROM (SELECT * FROM catalog_now EXCEPT SELECT * FROM catalog_before) x;
SELECT extname, extversion = default_version AS at_default_version, extrelocatable
  FROM pg_extension e JOIN pg_available_extensions a ON a.name = e.extname
 WHERE extname = 'dcpf';
-- the schema is a member of the extension, and so is everything in it
SELECT pg_describe_object(classid, objid, objsubid) AS member
  FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'dcpf') AND classid = 'pg_namespace'::regclass;
-- and no member of dcpf lives outside schema dcpf
SELECT pg_describe_object(d.classid, d.objid, 0) AS outside_dcpf
  FROM pg_depend d
  LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
  LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
  LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
 WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'dcpf')
   AND coalesce(c.relnamespace, p.pronamespace, t.typnamespace) <> 'dcpf'::regnamespace;
DROP EXTENSION dcpf;

-- nothing left, nothing lost; but for the four group roles, which are
-- cluster-wide (shared by every database using dcpf) and kept by design
SELECT * FROM catalog_now EXCEPT SELECT * FROM catalog_before
 EXCEPT SELECT 'role', r FROM unnest(ARRAY['dcpf_app', 'dcpf_service', 'dcpf_maintenance', 'dcpf_reporting']) r
 ORDER BY 1, 2;
SELECT rolname, rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname LIKE 'dcpf\_%' ORDER BY 1;
SELECT * FROM catalog_before EXCEPT SELECT * FROM catalog_now ORDER BY 1, 2;

-- it installs again, and is not relocatable
CREATE EXTENSION dcpf;
CREATE SCHEMA elsewhere;
ALTER EXTENSION dcpf SET SCHEMA elsewhere;
DROP SCHEMA elsewhere;
