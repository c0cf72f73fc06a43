-- 085_identity.sql: the verified identity of the current request (src/identity.c)
-- and the role gate every identity passes: active account, current
-- membership, active licence, accepted EURA.

CREATE FUNCTION dcpf.current_person() RETURNS uuid
    AS 'MODULE_PATHNAME', 'dcpf_current_person'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.current_person() IS
    'the verified person of the current request (from backend-private memory, set only by dcpf.authenticate or dcpf.act_as), or NULL';

CREATE FUNCTION dcpf.current_licensee() RETURNS uuid
    AS 'MODULE_PATHNAME', 'dcpf_current_licensee'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.current_licensee() IS 'the licensee the verified person acts in, or NULL';

CREATE FUNCTION dcpf.current_role() RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_current_role'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.current_role() IS 'the application role the verified person acts in (not the database role), or NULL';

CREATE FUNCTION dcpf.current_purpose() RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_current_purpose'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.current_purpose() IS 'the declared purpose of the current processing, or NULL';

CREATE FUNCTION dcpf.identity(
        OUT person uuid, OUT licensee uuid, OUT role text, OUT purpose text,
        OUT method text, OUT scope text, OUT established_at timestamptz)
    RETURNS record
    AS 'MODULE_PATHNAME', 'dcpf_identity'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.identity() IS
    'the whole current identity: person, licensee, role, purpose, how it was established (act_as, token, or relay on a Citus worker), scope (transaction or session) and when; NULLs when there is none';

CREATE FUNCTION dcpf.clear_identity() RETURNS void
    AS 'MODULE_PATHNAME', 'dcpf_clear_identity'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.clear_identity() IS 'forgets the current identity, whatever its scope';

CREATE FUNCTION dcpf.identity_relay() RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_identity_relay_issue'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.identity_relay() IS
    'a relay of the current identity for the workers of a Citus cluster: set it with SET LOCAL dcpf.identity_relay, and a node with dcpf.accept_identity_relay = on adopts it after checking its MAC (a key derived from the blind-index key), its database and its expiry (dcpf.identity_relay_lifetime); 28000 without an identity or for one that was itself relayed; see doc/guides/citus.md';
REVOKE EXECUTE ON FUNCTION dcpf.identity_relay() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.identity_relay() TO dcpf_app, dcpf_service;

CREATE TABLE dcpf.identity_assumption (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    assumed_at        timestamptz NOT NULL DEFAULT now(),
    database_role     text NOT NULL,
    person_id         uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    licensee_id       uuid REFERENCES dcpf.licensee (id),
    role_code         text REFERENCES dcpf.role (code),
    reason            text NOT NULL CONSTRAINT identity_assumption_reason_given CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    session_scope     boolean NOT NULL,
    client_address    inet,
    application_name  text,
    CONSTRAINT identity_assumption_licensee_with_role CHECK ((licensee_id IS NULL) = (role_code IS NULL))
);
CREATE INDEX identity_assumption_person_idx ON dcpf.identity_assumption (person_id, assumed_at);
COMMENT ON TABLE dcpf.identity_assumption IS
    'every identity assumed by a trusted back-end with dcpf.act_as: who (database role), as whom, where, why; never updated';
COMMENT ON COLUMN dcpf.identity_assumption.id IS 'record identifier';
COMMENT ON COLUMN dcpf.identity_assumption.assumed_at IS 'when the identity was assumed';
COMMENT ON COLUMN dcpf.identity_assumption.database_role IS 'the database role (member of dcpf_service) that assumed it';
COMMENT ON COLUMN dcpf.identity_assumption.person_id IS 'the person acted as';
COMMENT ON COLUMN dcpf.identity_assumption.licensee_id IS 'the licensee acted in (NULL: the person alone)';
COMMENT ON COLUMN dcpf.identity_assumption.role_code IS 'the application role acted in (NULL: the person alone)';
COMMENT ON COLUMN dcpf.identity_assumption.reason IS 'the reason the back-end gave';
COMMENT ON COLUMN dcpf.identity_assumption.session_scope IS 'true when the identity was to last for the session';
COMMENT ON COLUMN dcpf.identity_assumption.client_address IS 'address of the database client';
COMMENT ON COLUMN dcpf.identity_assumption.application_name IS 'application_name of the database session';
CREATE TRIGGER identity_assumption_immutable BEFORE UPDATE ON dcpf.identity_assumption
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('Records of assumed identities are never changed.');
ALTER TABLE dcpf.identity_assumption FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.identity_assumption ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE dcpf.identity_assumption FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('dcpf.identity_assumption', '');

CREATE FUNCTION dcpf.role_gate(person uuid, licensee uuid, role text)
    RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    account_status text;
    product_without_agreement text;
    agreement_to_accept text;
BEGIN
    SELECT p.status INTO account_status FROM dcpf.person p WHERE p.id = role_gate.person;
    IF account_status IS NULL THEN
        RETURN 'unknown_person';
    ELSIF account_status <> 'active' THEN
        RETURN 'deactivated';
    END IF;
    IF role_gate.licensee IS NULL AND role_gate.role IS NULL THEN
        RETURN 'ok';        -- the person alone: own data, accepting agreements
    END IF;
    IF NOT EXISTS (SELECT 1 FROM dcpf.membership m
                    WHERE m.person_id = role_gate.person AND m.licensee_id = role_gate.licensee
                      AND m.role_code = role_gate.role
                      AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now())) THEN
        RETURN 'no_membership';
    END IF;
    -- the role is used through the licensee's licences in force (active,
    -- begun, not past their last day nor their exact end); each product's
    -- EURA in force for the role must have been accepted
    IF NOT EXISTS (SELECT 1 FROM dcpf.licence l
                    WHERE l.licensee_id = role_gate.licensee AND dcpf.licence_in_force(l)) THEN
        RETURN 'no_licence';
    END IF;
    SELECT p.code INTO product_without_agreement
      FROM dcpf.licence l JOIN dcpf.product p ON p.id = l.product_id
     WHERE l.licensee_id = role_gate.licensee AND dcpf.licence_in_force(l)
       AND dcpf.current_role_agreement(p.id, role_gate.role) IS NULL
     ORDER BY p.code LIMIT 1;
    IF product_without_agreement IS NOT NULL THEN
        RETURN 'no_agreement:' || product_without_agreement;
    END IF;
    SELECT format('"%s" (version %s of product %s, id %s)', a.title, a.version, p.code, a.id)
      INTO agreement_to_accept
      FROM dcpf.licence l JOIN dcpf.product p ON p.id = l.product_id
      JOIN dcpf.role_agreement a ON a.id = dcpf.current_role_agreement(p.id, role_gate.role)
     WHERE l.licensee_id = role_gate.licensee AND dcpf.licence_in_force(l)
       AND NOT EXISTS (SELECT 1 FROM dcpf.role_agreement_acceptance x
                        WHERE x.agreement_id = a.id AND x.person_id = role_gate.person)
     ORDER BY p.code LIMIT 1;
    IF agreement_to_accept IS NOT NULL THEN
        RETURN 'not_accepted:' || agreement_to_accept;
    END IF;
    RETURN 'ok';
END
$$;
COMMENT ON FUNCTION dcpf.role_gate(uuid, uuid, text) IS
    'whether a person may act in a licensee and role now (or, with both NULL, as the person alone): ok, or what is missing (unknown_person, deactivated, no_membership, no_licence: none in force, see dcpf.licence_in_force; no_agreement:<product>, not_accepted:<agreement>); used by dcpf.act_as and dcpf.authenticate';
REVOKE EXECUTE ON FUNCTION dcpf.role_gate(uuid, uuid, text) FROM PUBLIC;

-- A verified token is cached for a few seconds (dcpf.token_cache_seconds).
-- Changes to the rows the gate reads empty every cache at commit; this covers
-- what changes by the clock alone, so a cached identity never outlives them.
CREATE FUNCTION dcpf.role_gate_holds_until(person uuid, licensee uuid, role text)
    RETURNS timestamptz
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT min(t) FROM (
        -- the membership in use ends
        SELECT m.valid_until FROM dcpf.membership m
         WHERE m.person_id = role_gate_holds_until.person AND m.licensee_id = role_gate_holds_until.licensee
           AND m.role_code = role_gate_holds_until.role AND m.valid_until > now()
        UNION ALL
        -- a licence of the licensee starts or ends (a day early: dates are read in the session's time zone)
        SELECT d::timestamptz - interval '1 day' FROM dcpf.licence l,
               LATERAL (VALUES (l.starts_on), (l.ends_on + 1)) AS b(d)
         WHERE l.licensee_id = role_gate_holds_until.licensee AND d IS NOT NULL
           AND d::timestamptz - interval '1 day' > now()
        UNION ALL
        -- a licence of the licensee reaches its exact end (dcpf.end_licence)
        SELECT l.ends_at FROM dcpf.licence l
         WHERE l.licensee_id = role_gate_holds_until.licensee AND l.ends_at > now()
        UNION ALL
        -- a new version of an agreement for the role comes into force
        SELECT a.effective_from FROM dcpf.role_agreement a
         WHERE a.role_code = role_gate_holds_until.role AND a.effective_from > now()
    ) AS upcoming(t);
END;
COMMENT ON FUNCTION dcpf.role_gate_holds_until(uuid, uuid, text) IS
    'the earliest future moment at which dcpf.role_gate may answer differently by the clock alone (a membership ends, a licence starts, ends or reaches its exact end, an agreement version comes into force), or NULL; a cached token never outlives it';
REVOKE EXECUTE ON FUNCTION dcpf.role_gate_holds_until(uuid, uuid, text) FROM PUBLIC;

CREATE FUNCTION dcpf.act_as(person uuid, licensee uuid, role text, reason text, session_scope boolean DEFAULT false)
    RETURNS uuid
    AS 'MODULE_PATHNAME', 'dcpf_act_as'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.act_as(uuid, uuid, text, text, boolean) IS
    'for trusted back-ends (members of dcpf_service) that authenticated the user themselves: act as that person in a licensee and role (or, with both NULL, as the person alone), after the role gate; always recorded in dcpf.identity_assumption; for the transaction unless session_scope';
REVOKE EXECUTE ON FUNCTION dcpf.act_as(uuid, uuid, text, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.act_as(uuid, uuid, text, text, boolean) TO dcpf_service;

GRANT EXECUTE ON FUNCTION dcpf.current_person(), dcpf.current_licensee(), dcpf.current_role(),
    dcpf.current_purpose(), dcpf.identity(), dcpf.clear_identity()
    TO dcpf_app, dcpf_service, dcpf_maintenance, dcpf_reporting;
