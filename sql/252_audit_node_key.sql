-- 252_audit_node_key.sql: the nodes of a cluster whose audit trails make up
-- the whole trail, and the key each seals with (src/sealer.c reads it). On
-- a single server it stays empty and seals are as in 1.0. On Citus every
-- node keeps and seals its own trail (the triggers of a shard fire on the
-- worker that holds it), with dcpf.audit_node set to its name; this
-- registry, a reference table written on the coordinator, says which trails
-- must be there and which key signs each, and every seal carries it. See
-- doc/reference/audit.md ("A trail per node") and doc/guides/citus.md.

CREATE TABLE dcpf.audit_node_key (
    key_fingerprint  text PRIMARY KEY CONSTRAINT audit_node_key_fingerprint_format CHECK (key_fingerprint ~ '^[0-9a-f]{64}$'),
    node_name        text NOT NULL CONSTRAINT audit_node_key_name_format CHECK (node_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    public_key       text NOT NULL,
    registered_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    retired_at       timestamptz,
    CONSTRAINT audit_node_key_retired_after CHECK (retired_at >= registered_at)
);
CREATE UNIQUE INDEX audit_node_key_one_per_node ON dcpf.audit_node_key (node_name) WHERE retired_at IS NULL;
COMMENT ON INDEX dcpf.audit_node_key_one_per_node IS 'a node seals with one key at a time';
COMMENT ON TABLE dcpf.audit_node_key IS
    'the nodes of a cluster that each keep and seal their own audit trail, and the Ed25519 key each seals with (dcpf.audit_register_node); every seal of a node lists the nodes registered then, and the sealer refuses a key not registered for its node. Empty on a single server. Append-only but for retiring a key';
COMMENT ON COLUMN dcpf.audit_node_key.key_fingerprint IS 'SHA-256 of the raw public key, hex, as a seal names its key (a key is registered once, for one node)';
COMMENT ON COLUMN dcpf.audit_node_key.node_name IS 'the node''s name, as dcpf.audit_node is set on it';
COMMENT ON COLUMN dcpf.audit_node_key.public_key IS 'the public key (PEM), from dcpf.audit_public_key() on that node: what an auditor checks its trail with';
COMMENT ON COLUMN dcpf.audit_node_key.registered_at IS 'when the key was registered';
COMMENT ON COLUMN dcpf.audit_node_key.retired_at IS 'when the key stopped being the node''s (a new key registered, or the node retired); NULL while it is';
ALTER TABLE dcpf.audit_node_key FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.audit_node_key ENABLE ROW LEVEL SECURITY;
-- the owner's alone, like the seals: the sealer reads it as the owner, an
-- auditor gets the keys from the DBA with the exports
REVOKE ALL ON dcpf.audit_node_key FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('dcpf.audit_node_key', '');

CREATE FUNCTION dcpf.audit_node_key_retire_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF OLD.retired_at IS NOT NULL OR NEW.retired_at IS NULL
       OR (NEW.key_fingerprint, NEW.node_name, NEW.public_key, NEW.registered_at)
          IS DISTINCT FROM (OLD.key_fingerprint, OLD.node_name, OLD.public_key, OLD.registered_at) THEN
        RAISE EXCEPTION 'audit node keys cannot be changed'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('The key %s of node "%s" can only be retired, once.', OLD.key_fingerprint, OLD.node_name);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.audit_node_key_retire_only() IS
    'trigger (BEFORE UPDATE on dcpf.audit_node_key): the only change a registered key takes is its retirement, once (42501 otherwise)';
REVOKE ALL ON FUNCTION dcpf.audit_node_key_retire_only() FROM PUBLIC;
CREATE TRIGGER audit_node_key_retire_only BEFORE UPDATE ON dcpf.audit_node_key
    FOR EACH ROW EXECUTE FUNCTION dcpf.audit_node_key_retire_only();
CREATE TRIGGER audit_node_key_no_delete BEFORE DELETE ON dcpf.audit_node_key
    FOR EACH ROW EXECUTE FUNCTION dcpf.audit_refuse_change('node keys');
-- each registration and retirement is an event of the trail (on Citus, of
-- every node's: a reference table's triggers fire on each node)
SELECT dcpf.audit_table('dcpf.audit_node_key', NULL);

INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    ('audit_node_key', NULL, 'key_fingerprint', 'none', false,
     '{key_fingerprint,node_name,public_key,registered_at,retired_at}',
     'the nodes of a cluster and their audit keys: host names and public keys, no person');

CREATE FUNCTION dcpf.audit_key_fingerprint(public_key text) RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_audit_key_fingerprint'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.audit_key_fingerprint(text) IS
    'the fingerprint a seal names its key by (SHA-256 of the raw key, hex) of an Ed25519 public key in PEM, as dcpf.audit_public_key() gives it; 22023 for anything else';
REVOKE ALL ON FUNCTION dcpf.audit_key_fingerprint(text) FROM PUBLIC;

CREATE FUNCTION dcpf.audit_register_node(node_name text, public_key text) RETURNS dcpf.audit_node_key
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fingerprint text;
    found_key dcpf.audit_node_key;
    registered dcpf.audit_node_key;
BEGIN
    IF audit_register_node.node_name IS NULL OR audit_register_node.node_name !~ '^[a-z0-9][a-z0-9._-]{0,62}$' THEN
        RAISE EXCEPTION 'invalid audit node name'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; a node''s name is 1 to 63 characters of a-z, 0-9, ".", "_" and "-", '
                                  'starting with a letter or digit, as dcpf.audit_node is set on that node.',
                                  coalesce(quote_literal(audit_register_node.node_name), 'NULL'));
    END IF;
    IF audit_register_node.public_key IS NULL THEN
        RAISE EXCEPTION 'not an Ed25519 public key' USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Got NULL.';
    END IF;
    fingerprint := dcpf.audit_key_fingerprint(audit_register_node.public_key);
    -- one registration at a time: the checks below hold until commit
    LOCK TABLE dcpf.audit_node_key IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO found_key FROM dcpf.audit_node_key k WHERE k.key_fingerprint = fingerprint;
    IF FOUND THEN
        IF found_key.node_name = audit_register_node.node_name AND found_key.retired_at IS NULL THEN
            RETURN found_key;       -- registered already: nothing changes
        END IF;
        RAISE EXCEPTION 'this key is already registered for audit node "%"', found_key.node_name
            USING ERRCODE = 'unique_violation',
                  DETAIL = CASE WHEN found_key.retired_at IS NULL
                                THEN format('Key %s; each node seals with a key of its own.', fingerprint)
                                ELSE format('Key %s was retired at %s; a key is registered once.', fingerprint, found_key.retired_at) END,
                  HINT = 'Make the node a key of its own (openssl genpkey -algorithm ed25519) and set dcpf.audit_signing_key_file to it.';
    END IF;
    -- a new key for a registered node retires its old one
    UPDATE dcpf.audit_node_key k SET retired_at = now()
     WHERE k.node_name = audit_register_node.node_name AND k.retired_at IS NULL;
    INSERT INTO dcpf.audit_node_key (key_fingerprint, node_name, public_key)
    VALUES (fingerprint, audit_register_node.node_name, audit_register_node.public_key)
    RETURNING * INTO registered;
    RETURN registered;
END
$$;
COMMENT ON FUNCTION dcpf.audit_register_node(text, text) IS
    'registers the Ed25519 public key (PEM, dcpf.audit_public_key() on that node) a node of a cluster seals its audit trail with; a new key for a registered node retires the old one; the same key again changes nothing; 22023 for a bad name or key, 23505 for a key registered to another node or retired. Run on the coordinator; owner only';
REVOKE ALL ON FUNCTION dcpf.audit_register_node(text, text) FROM PUBLIC;

CREATE FUNCTION dcpf.audit_retire_node(node_name text) RETURNS dcpf.audit_node_key
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    retired dcpf.audit_node_key;
BEGIN
    UPDATE dcpf.audit_node_key k SET retired_at = now()
     WHERE k.node_name = audit_retire_node.node_name AND k.retired_at IS NULL
    RETURNING * INTO retired;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit node "%" is not registered', audit_retire_node.node_name
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'dcpf.audit_node_key lists no key in use for it.';
    END IF;
    RETURN retired;
END
$$;
COMMENT ON FUNCTION dcpf.audit_retire_node(text) IS
    'retires the key of a node that leaves the cluster: later seals no longer list it, and its trail need not be given with theirs (export it first: it stays evidence); 42704 for a node without a key in use. Owner only';
REVOKE ALL ON FUNCTION dcpf.audit_retire_node(text) FROM PUBLIC;
