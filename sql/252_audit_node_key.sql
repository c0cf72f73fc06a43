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

-- The other nodes' last seals, recorded here and listed by this node's
-- seals ("heads"): a node's seal then attests how far the trails of the
-- others reached, and a trail rewritten or cut short below a recorded head
-- is found by tools/audit-verify. On Citus the coordinator records the
-- workers' (a job: dcpf.audit_record_node_head over run_command_on_workers
-- of dcpf.audit_last_seal()).
CREATE TABLE dcpf.audit_node_head (
    node_name    text NOT NULL CONSTRAINT audit_node_head_name_format CHECK (node_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    seal_no      bigint NOT NULL CONSTRAINT audit_node_head_no_positive CHECK (seal_no > 0),
    sealed_at    timestamptz NOT NULL,
    chain        text NOT NULL CONSTRAINT audit_node_head_chain_format CHECK (chain ~ '^[0-9a-f]{64}$'),
    statement    text NOT NULL,
    signature    bytea NOT NULL CONSTRAINT audit_node_head_signature_size CHECK (octet_length(signature) = 64),
    recorded_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (node_name, seal_no)
);
COMMENT ON TABLE dcpf.audit_node_head IS
    'seals of other nodes of a cluster, recorded here (dcpf.audit_record_node_head) with their signatures; this node''s seals list the last of each node ("heads"), so that a trail rewritten or cut short below a recorded seal is found (append-only)';
COMMENT ON COLUMN dcpf.audit_node_head.node_name IS 'the node that made the seal';
COMMENT ON COLUMN dcpf.audit_node_head.seal_no IS 'the seal''s number in that node''s trail';
COMMENT ON COLUMN dcpf.audit_node_head.sealed_at IS 'when that node made it';
COMMENT ON COLUMN dcpf.audit_node_head.chain IS 'the chain hash of that node''s trail after the seal (hex)';
COMMENT ON COLUMN dcpf.audit_node_head.statement IS 'the seal''s signed statement, as that node signed it';
COMMENT ON COLUMN dcpf.audit_node_head.signature IS 'Ed25519 signature of the statement by the key registered for that node';
COMMENT ON COLUMN dcpf.audit_node_head.recorded_at IS 'when it was recorded here';
ALTER TABLE dcpf.audit_node_head FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.audit_node_head ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON dcpf.audit_node_head FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('dcpf.audit_node_head', '');
CREATE TRIGGER audit_node_head_append_only BEFORE UPDATE OR DELETE ON dcpf.audit_node_head
    FOR EACH ROW EXECUTE FUNCTION dcpf.audit_refuse_change('node heads');
SELECT dcpf.audit_table('dcpf.audit_node_head', NULL);

INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    ('audit_node_head', NULL, 'seal_no', 'none', false,
     '{node_name,seal_no,sealed_at,chain,statement,signature,recorded_at}',
     'other nodes'' seals: numbers, hashes and signatures, no person');

CREATE FUNCTION dcpf.audit_signed_by(public_key text, statement text, signature bytea) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_audit_signed_by'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.audit_signed_by(text, text, bytea) IS
    'whether signature is the Ed25519 signature of the statement''s exact bytes by the public key (PEM); 22023 for anything but an Ed25519 public key; owner only';
REVOKE ALL ON FUNCTION dcpf.audit_signed_by(text, text, bytea) FROM PUBLIC;

CREATE FUNCTION dcpf.audit_last_seal() RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT encode(s.signature, 'hex') || ' ' || s.statement FROM dcpf.audit_seal s ORDER BY s.seal_no DESC LIMIT 1);
COMMENT ON FUNCTION dcpf.audit_last_seal() IS
    'this node''s last seal as another node records it (dcpf.audit_record_node_head): the signature in hex, a space, the signed statement; NULL before the first seal. Numbers, times and hashes only; for dcpf_maintenance';
REVOKE ALL ON FUNCTION dcpf.audit_last_seal() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.audit_last_seal() TO dcpf_maintenance;

CREATE FUNCTION dcpf.audit_record_node_head(seal text) RETURNS dcpf.audit_node_head
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    statement text;
    st jsonb;
    node text;
    pem text;
    known dcpf.audit_node_head;
    recorded dcpf.audit_node_head;
BEGIN
    IF seal IS NULL OR position(' ' IN seal) <> 129 OR split_part(seal, ' ', 1) !~ '^[0-9a-f]{128}$' THEN
        RAISE EXCEPTION 'malformed audit seal'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A seal is recorded as dcpf.audit_last_seal() gives it on its node: the signature (128 hex digits), a space, the statement.';
    END IF;
    statement := substr(seal, 130);
    BEGIN
        st := statement::jsonb;
    EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION 'malformed audit seal' USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Its statement is not JSON.';
    END;
    node := st ->> 'node';
    IF node IS NULL OR jsonb_typeof(st -> 'seal_no') IS DISTINCT FROM 'number' OR st ->> 'chain' !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'not the seal of a node of a cluster'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Only a seal of format 2, made by a node with dcpf.audit_node set, names its node.';
    END IF;
    IF node = current_setting('dcpf.audit_node', true) THEN
        RAISE EXCEPTION 'a node records the seals of other nodes' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The seal is of node "%s", this node.', node);
    END IF;
    SELECT k.public_key INTO pem FROM dcpf.audit_node_key k WHERE k.node_name = node AND k.key_fingerprint = st ->> 'key';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the key of the seal is not registered for audit node "%"', node
            USING ERRCODE = 'undefined_object',
                  DETAIL = format('Key %s; dcpf.audit_node_key lists the keys each node seals with.', st ->> 'key');
    END IF;
    IF NOT dcpf.audit_signed_by(pem, statement, decode(split_part(seal, ' ', 1), 'hex')) THEN
        RAISE EXCEPTION 'the seal is not signed by the key of audit node "%"', node
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'The statement was changed, or signed with another key.';
    END IF;
    SELECT * INTO known FROM dcpf.audit_node_head h WHERE h.node_name = node AND h.seal_no = (st ->> 'seal_no')::bigint;
    IF FOUND THEN
        IF known.statement = statement THEN
            RETURN known;           -- recorded already
        END IF;
        RAISE EXCEPTION 'audit node "%" signed two different seals numbered %', node, known.seal_no
            USING ERRCODE = 'data_corrupted',
                  DETAIL = format('Recorded at %s with chain %s; now with chain %s.', known.recorded_at, known.chain, st ->> 'chain'),
                  HINT = 'Its trail was rewritten and sealed again with its key: keep both statements as evidence.';
    END IF;
    INSERT INTO dcpf.audit_node_head (node_name, seal_no, sealed_at, chain, statement, signature)
    VALUES (node, (st ->> 'seal_no')::bigint, (st ->> 'sealed_at')::timestamptz, st ->> 'chain', statement,
            decode(split_part(seal, ' ', 1), 'hex'))
    RETURNING * INTO recorded;
    RETURN recorded;
END
$$;
COMMENT ON FUNCTION dcpf.audit_record_node_head(text) IS
    'records another node''s seal (dcpf.audit_last_seal() on that node), once its signature verifies with the key registered for that node; this node''s next seals list it among their "heads". The same seal again changes nothing; 22023 for a malformed seal, a seal of format 1, this node''s own or a bad signature, 42704 for a key not registered for the node, XX001 for a second, different seal under a recorded number. For dcpf_maintenance (the job that records the workers'' seals on the coordinator)';
REVOKE ALL ON FUNCTION dcpf.audit_record_node_head(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.audit_record_node_head(text) TO dcpf_maintenance;
