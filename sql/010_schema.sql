-- 010_schema.sql: the dcpf schema itself.
-- CREATE EXTENSION creates schema dcpf (dcpf.control: schema = dcpf); we only
-- lock it down here. Nothing in it is reachable by PUBLIC unless granted.

COMMENT ON SCHEMA dcpf IS
    'dcpf: privacy-by-design data layer of the career portfolio platform (tables, validators, privacy operations)';

REVOKE ALL ON SCHEMA dcpf FROM PUBLIC;
GRANT USAGE ON SCHEMA dcpf TO PUBLIC;
