-- 012_roles.sql: the database roles through which everything reaches dcpf.
-- They are NOLOGIN groups, created when absent (a cluster may host several
-- databases with dcpf; the roles are shared and survive DROP EXTENSION).
-- A login role is made a member of exactly one of them.
--
--   dcpf_app          all end-user traffic; acts only as a verified identity
--   dcpf_service      trusted back-ends that may assume an identity (dcpf.act_as)
--   dcpf_maintenance  retention and sealing jobs; reads no content
--   dcpf_reporting    reporting views only

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['dcpf_app', 'dcpf_service', 'dcpf_maintenance', 'dcpf_reporting'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', r);
        ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                       WHERE rolname = r AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolreplication)) THEN
            RAISE EXCEPTION 'role % exists with privileges dcpf does not expect', r
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'A dcpf role must not be superuser and must not have BYPASSRLS, CREATEROLE or REPLICATION.',
                      HINT = format('ALTER ROLE %I NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOREPLICATION, then retry.', r);
        END IF;
    END LOOP;
END
$$;

-- dcpf_service acts for users, so it can do what dcpf_app can
GRANT dcpf_app TO dcpf_service;

GRANT USAGE ON SCHEMA dcpf TO dcpf_app, dcpf_service, dcpf_maintenance, dcpf_reporting;
