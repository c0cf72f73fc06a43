-- 010_schema.sql: the dcpf schema itself, created here as a member of the
-- extension so that DROP EXTENSION removes it. Every object of dcpf is
-- created schema-qualified in it (the script runs with search_path =
-- pg_catalog; a test checks that no member lands anywhere else).
-- Nothing in it is reachable by PUBLIC unless granted.

CREATE SCHEMA dcpf;

COMMENT ON SCHEMA dcpf IS
    'dcpf: privacy-by-design data layer of the career portfolio platform (tables, validators, privacy operations)';

REVOKE ALL ON SCHEMA dcpf FROM PUBLIC;
GRANT USAGE ON SCHEMA dcpf TO PUBLIC;
