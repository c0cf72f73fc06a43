-- 100_authentication.sql: identity providers (issuers) and their keys, the
-- link from a provider's subject to a person, and dcpf.authenticate, which
-- verifies a signed token in C (src/authenticate.c, src/jws.c) and checks its
-- claims here (dcpf.token_verdict) before the role gate.

CREATE TABLE dcpf.identity_issuer (
    issuer           text PRIMARY KEY
                     CONSTRAINT identity_issuer_format CHECK (length(issuer) BETWEEN 1 AND 512 AND issuer !~ '\s'),
    audiences        text[] NOT NULL
                     CONSTRAINT identity_issuer_audiences_given CHECK (cardinality(audiences) BETWEEN 1 AND 16
                                                                      AND array_position(audiences, NULL) IS NULL),
    licensee_id      uuid REFERENCES dcpf.licensee (id),
    allowed_clients  text[] NOT NULL DEFAULT '{}'
                     CONSTRAINT identity_issuer_clients_not_null CHECK (array_position(allowed_clients, NULL) IS NULL),
    leeway           interval NOT NULL DEFAULT '60 seconds'
                     CONSTRAINT identity_issuer_leeway_range CHECK (leeway BETWEEN '0 seconds' AND '5 minutes'),
    max_lifetime     interval NOT NULL DEFAULT '24 hours'
                     CONSTRAINT identity_issuer_max_lifetime_range CHECK (max_lifetime BETWEEN '1 minute' AND '7 days'),
    status           text NOT NULL DEFAULT 'active'
                     CONSTRAINT identity_issuer_status_known CHECK (status IN ('active', 'disabled')),
    registered_at    timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE dcpf.identity_issuer IS
    'identity providers whose signed tokens dcpf.authenticate accepts: a licensee''s SSO/OIDC provider or dcpf itself';
COMMENT ON COLUMN dcpf.identity_issuer.issuer IS 'the iss value of its tokens';
COMMENT ON COLUMN dcpf.identity_issuer.audiences IS 'accepted aud values; a token must name at least one';
COMMENT ON COLUMN dcpf.identity_issuer.licensee_id IS 'when set, the only licensee its tokens may select';
COMMENT ON COLUMN dcpf.identity_issuer.allowed_clients IS 'client applications (azp or client_id) its tokens must be issued to; empty: any';
COMMENT ON COLUMN dcpf.identity_issuer.leeway IS 'clock skew tolerated on exp, nbf and iat (at most 5 minutes)';
COMMENT ON COLUMN dcpf.identity_issuer.max_lifetime IS 'longest accepted token lifetime (exp - iat)';
COMMENT ON COLUMN dcpf.identity_issuer.status IS 'active or disabled (a disabled issuer''s tokens are refused)';
COMMENT ON COLUMN dcpf.identity_issuer.registered_at IS 'first registration';
COMMENT ON COLUMN dcpf.identity_issuer.updated_at IS 'last re-registration';

CREATE TABLE dcpf.issuer_key (
    issuer      text NOT NULL REFERENCES dcpf.identity_issuer (issuer) ON DELETE CASCADE,
    kid         text NOT NULL CONSTRAINT issuer_key_kid_length CHECK (length(kid) BETWEEN 1 AND 255),
    kty         text NOT NULL CONSTRAINT issuer_key_kty_known CHECK (kty IN ('RSA', 'EC', 'OKP', 'oct')),
    alg         text,
    thumbprint  text NOT NULL,
    jwk         jsonb NOT NULL,
    status      text NOT NULL DEFAULT 'active' CONSTRAINT issuer_key_status_known CHECK (status IN ('active', 'retired')),
    added_at    timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz,
    PRIMARY KEY (issuer, kid),
    CONSTRAINT issuer_key_retired_at_iff_retired CHECK ((status = 'retired') = (retired_at IS NOT NULL))
);
COMMENT ON TABLE dcpf.issuer_key IS
    'verification keys of an issuer (public JWKs, or shared HMAC secrets for HS*); retired keys are kept for the record and never used';
COMMENT ON COLUMN dcpf.issuer_key.issuer IS 'the issuer';
COMMENT ON COLUMN dcpf.issuer_key.kid IS 'key id (the JWK kid, or its RFC 7638 thumbprint when it has none)';
COMMENT ON COLUMN dcpf.issuer_key.kty IS 'key type: RSA, EC, OKP or oct';
COMMENT ON COLUMN dcpf.issuer_key.alg IS 'the only algorithm the key is for, when the JWK says so';
COMMENT ON COLUMN dcpf.issuer_key.thumbprint IS 'RFC 7638 SHA-256 thumbprint';
COMMENT ON COLUMN dcpf.issuer_key.jwk IS 'the JWK as registered (no private members are accepted)';
COMMENT ON COLUMN dcpf.issuer_key.status IS 'active or retired';
COMMENT ON COLUMN dcpf.issuer_key.added_at IS 'when the key was registered';
COMMENT ON COLUMN dcpf.issuer_key.retired_at IS 'when the key was retired';

CREATE TABLE dcpf.identity_link (
    issuer     text NOT NULL REFERENCES dcpf.identity_issuer (issuer) ON DELETE CASCADE,
    subject    text NOT NULL CONSTRAINT identity_link_subject_length CHECK (length(subject) BETWEEN 1 AND 255),
    person_id  uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    linked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identity_link_person_idx ON dcpf.identity_link (person_id);
COMMENT ON TABLE dcpf.identity_link IS 'which person a provider''s subject (sub) is';
COMMENT ON COLUMN dcpf.identity_link.issuer IS 'the provider';
COMMENT ON COLUMN dcpf.identity_link.subject IS 'the provider''s sub for the person';
COMMENT ON COLUMN dcpf.identity_link.person_id IS 'the person';
COMMENT ON COLUMN dcpf.identity_link.linked_at IS 'when the link was made';

CREATE TABLE dcpf.authentication_event (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    occurred_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    issuer          text NOT NULL,
    subject         text NOT NULL,
    person_id       uuid REFERENCES dcpf.person (id) ON DELETE CASCADE,
    licensee_id     uuid,
    role_code       text,
    token_sha256    bytea NOT NULL,
    client_address  inet,
    application_name text
);
CREATE INDEX authentication_event_person_idx ON dcpf.authentication_event (person_id, occurred_at);
COMMENT ON TABLE dcpf.authentication_event IS
    'every accepted token authentication (refusals go to the server log, without the token, until the audit trail keeps them rollback-proof)';
COMMENT ON COLUMN dcpf.authentication_event.id IS 'event identifier';
COMMENT ON COLUMN dcpf.authentication_event.occurred_at IS 'when';
COMMENT ON COLUMN dcpf.authentication_event.issuer IS 'the token''s issuer';
COMMENT ON COLUMN dcpf.authentication_event.subject IS 'the token''s subject';
COMMENT ON COLUMN dcpf.authentication_event.person_id IS 'the person authenticated';
COMMENT ON COLUMN dcpf.authentication_event.licensee_id IS 'the licensee selected, if any';
COMMENT ON COLUMN dcpf.authentication_event.role_code IS 'the role selected, if any';
COMMENT ON COLUMN dcpf.authentication_event.token_sha256 IS 'SHA-256 of the token, to correlate without keeping it';
COMMENT ON COLUMN dcpf.authentication_event.client_address IS 'database client address';
COMMENT ON COLUMN dcpf.authentication_event.application_name IS 'application_name of the session';

ALTER TABLE dcpf.identity_issuer FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.identity_issuer ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.issuer_key FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.issuer_key ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.identity_link FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.identity_link ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.authentication_event FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.authentication_event ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON dcpf.identity_issuer, dcpf.issuer_key, dcpf.identity_link, dcpf.authentication_event FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('dcpf.identity_issuer', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.issuer_key', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.identity_link', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.authentication_event', '');
CREATE TRIGGER authentication_event_immutable BEFORE UPDATE ON dcpf.authentication_event
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('Authentication events are never changed.');
-- a person sees their own authentications
CREATE POLICY authentication_event_self ON dcpf.authentication_event FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
GRANT SELECT ON dcpf.authentication_event TO dcpf_app;

CREATE FUNCTION dcpf.jwks_keys(jwks jsonb,
        OUT kid text, OUT kty text, OUT alg text, OUT thumbprint text, OUT jwk jsonb)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'dcpf_jwks_keys'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.jwks_keys(jsonb) IS
    'the keys of a JWKS document (or a single JWK) after validation for verification (no private members, supported types and sizes): kid (the thumbprint when absent), kty, alg, RFC 7638 thumbprint and the JWK; raises 22023 for a bad key';

CREATE FUNCTION dcpf.register_issuer(issuer text, jwks jsonb, audiences text[], licensee uuid DEFAULT NULL,
                                     allowed_clients text[] DEFAULT '{}', leeway interval DEFAULT '60 seconds',
                                     max_lifetime interval DEFAULT '24 hours')
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    active_keys integer;
BEGIN
    -- validate every key before changing anything
    CREATE TEMP TABLE IF NOT EXISTS pg_temp.dcpf_new_keys (kid text, kty text, alg text, thumbprint text, jwk jsonb) ON COMMIT DROP;
    TRUNCATE pg_temp.dcpf_new_keys;
    INSERT INTO pg_temp.dcpf_new_keys SELECT * FROM dcpf.jwks_keys(register_issuer.jwks);

    INSERT INTO dcpf.identity_issuer AS i (issuer, audiences, licensee_id, allowed_clients, leeway, max_lifetime)
    VALUES (register_issuer.issuer, register_issuer.audiences, register_issuer.licensee,
            register_issuer.allowed_clients, register_issuer.leeway, register_issuer.max_lifetime)
    ON CONFLICT ON CONSTRAINT identity_issuer_pkey DO UPDATE SET
        audiences = EXCLUDED.audiences, licensee_id = EXCLUDED.licensee_id,
        allowed_clients = EXCLUDED.allowed_clients, leeway = EXCLUDED.leeway,
        max_lifetime = EXCLUDED.max_lifetime, status = 'active', updated_at = now();

    -- keys no longer published are retired; published ones are (re)activated
    UPDATE dcpf.issuer_key k SET status = 'retired', retired_at = now()
     WHERE k.issuer = register_issuer.issuer AND k.status = 'active'
       AND NOT EXISTS (SELECT 1 FROM pg_temp.dcpf_new_keys n WHERE n.kid = k.kid AND n.thumbprint = k.thumbprint);
    INSERT INTO dcpf.issuer_key AS k (issuer, kid, kty, alg, thumbprint, jwk)
    SELECT register_issuer.issuer, n.kid, n.kty, n.alg, n.thumbprint, n.jwk FROM pg_temp.dcpf_new_keys n
    ON CONFLICT ON CONSTRAINT issuer_key_pkey DO UPDATE SET
        kty = EXCLUDED.kty, alg = EXCLUDED.alg, thumbprint = EXCLUDED.thumbprint, jwk = EXCLUDED.jwk,
        status = 'active', retired_at = NULL
    WHERE k.thumbprint = EXCLUDED.thumbprint;
    IF EXISTS (SELECT 1 FROM pg_temp.dcpf_new_keys n JOIN dcpf.issuer_key k
                 ON k.issuer = register_issuer.issuer AND k.kid = n.kid AND k.thumbprint <> n.thumbprint) THEN
        RAISE EXCEPTION 'key id reused for a different key'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A kid that was registered for this issuer names a different key now; key ids must not be reused.',
                  HINT = 'Give the new key a new kid.';
    END IF;
    SELECT count(*) INTO active_keys FROM dcpf.issuer_key k WHERE k.issuer = register_issuer.issuer AND k.status = 'active';
    RETURN active_keys;
END
$$;
COMMENT ON FUNCTION dcpf.register_issuer(text, jsonb, text[], uuid, text[], interval, interval) IS
    'registers or re-registers an identity provider with its JWKS: all keys are validated first; keys no longer in the set are retired, in one transaction; returns the number of active keys';

CREATE FUNCTION dcpf.retire_issuer_key(issuer text, kid text)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE dcpf.issuer_key k SET status = 'retired', retired_at = now()
     WHERE k.issuer = retire_issuer_key.issuer AND k.kid = retire_issuer_key.kid AND k.status = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active key "%" for issuer "%"', retire_issuer_key.kid, retire_issuer_key.issuer
            USING ERRCODE = 'no_data_found';
    END IF;
END
$$;
COMMENT ON FUNCTION dcpf.retire_issuer_key(text, text) IS 'retires one key of an issuer at once: tokens signed with it are refused from now on';

CREATE FUNCTION dcpf.link_identity(person uuid, issuer text, subject text)
    RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO dcpf.identity_link (issuer, subject, person_id)
    VALUES (link_identity.issuer, link_identity.subject, link_identity.person);
$$;
COMMENT ON FUNCTION dcpf.link_identity(uuid, text, text) IS 'maps a provider''s subject (sub) to a person';

CREATE FUNCTION dcpf.token_verdict(issuer text, claims jsonb)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg dcpf.identity_issuer;
    now_s numeric := extract(epoch FROM clock_timestamp());
    leeway_s numeric;
    exp_s numeric;
    nbf_s numeric;
    iat_s numeric;
    aud jsonb := claims -> 'aud';
    client text := coalesce(claims ->> 'azp', claims ->> 'client_id');
    person uuid;
    licensee uuid;
    role text := claims ->> 'dcpf_role';
    purpose text := claims ->> 'dcpf_purpose';
BEGIN
    SELECT * INTO cfg FROM dcpf.identity_issuer i WHERE i.issuer = token_verdict.issuer;
    leeway_s := extract(epoch FROM cfg.leeway);
    IF jsonb_typeof(claims -> 'exp') IS DISTINCT FROM 'number' THEN
        RETURN jsonb_build_object('verdict', 'no_expiry', 'detail', 'The token has no numeric "exp" claim; dcpf requires one.');
    END IF;
    exp_s := (claims ->> 'exp')::numeric;
    IF now_s > exp_s + leeway_s THEN
        RETURN jsonb_build_object('verdict', 'expired',
            'detail', format('The token expired at %s.', to_char(to_timestamp(exp_s) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
    END IF;
    IF claims ? 'nbf' THEN
        IF jsonb_typeof(claims -> 'nbf') <> 'number' THEN
            RETURN jsonb_build_object('verdict', 'malformed_claim', 'detail', 'The "nbf" claim is not a number.');
        END IF;
        nbf_s := (claims ->> 'nbf')::numeric;
        IF nbf_s > now_s + leeway_s THEN
            RETURN jsonb_build_object('verdict', 'not_yet_valid',
                'detail', format('The token is valid from %s.', to_char(to_timestamp(nbf_s) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')));
        END IF;
    END IF;
    IF claims ? 'iat' THEN
        IF jsonb_typeof(claims -> 'iat') <> 'number' THEN
            RETURN jsonb_build_object('verdict', 'malformed_claim', 'detail', 'The "iat" claim is not a number.');
        END IF;
        iat_s := (claims ->> 'iat')::numeric;
        IF iat_s > now_s + leeway_s THEN
            RETURN jsonb_build_object('verdict', 'issued_in_future', 'detail', 'The token says it was issued in the future.');
        END IF;
    END IF;
    IF exp_s - coalesce(iat_s, now_s) > extract(epoch FROM cfg.max_lifetime) THEN
        RETURN jsonb_build_object('verdict', 'lifetime_too_long',
            'detail', format('The token lives %s seconds; its issuer allows at most %s.',
                             round(exp_s - coalesce(iat_s, now_s)), extract(epoch FROM cfg.max_lifetime)::bigint));
    END IF;
    IF NOT (CASE jsonb_typeof(aud)
                WHEN 'string' THEN (aud #>> '{}') = ANY (cfg.audiences)
                WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements_text(aud) a WHERE a = ANY (cfg.audiences))
                ELSE false END) THEN
        RETURN jsonb_build_object('verdict', 'wrong_audience',
            'detail', 'The token''s "aud" names none of the audiences registered for its issuer.');
    END IF;
    IF cardinality(cfg.allowed_clients) > 0 AND (client IS NULL OR NOT client = ANY (cfg.allowed_clients)) THEN
        RETURN jsonb_build_object('verdict', 'wrong_client',
            'detail', format('The token was issued to client %s, not to a client registered for its issuer.', coalesce('"' || client || '"', '(none)')));
    END IF;
    IF jsonb_typeof(claims -> 'sub') IS DISTINCT FROM 'string' THEN
        RETURN jsonb_build_object('verdict', 'no_subject', 'detail', 'The token has no "sub" claim.');
    END IF;
    SELECT l.person_id INTO person FROM dcpf.identity_link l
     WHERE l.issuer = token_verdict.issuer AND l.subject = claims ->> 'sub';
    IF person IS NULL THEN
        RETURN jsonb_build_object('verdict', 'unknown_subject',
            'detail', 'The token''s subject is not linked to any person.');
    END IF;
    IF (claims ? 'dcpf_licensee') <> (claims ? 'dcpf_role') THEN
        RETURN jsonb_build_object('verdict', 'malformed_claim',
            'detail', 'The claims "dcpf_licensee" and "dcpf_role" go together.');
    END IF;
    IF claims ? 'dcpf_licensee' THEN
        IF (claims ->> 'dcpf_licensee') !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN
            RETURN jsonb_build_object('verdict', 'malformed_claim', 'detail', 'The "dcpf_licensee" claim is not a uuid.');
        END IF;
        licensee := (claims ->> 'dcpf_licensee')::uuid;
        IF cfg.licensee_id IS NOT NULL AND licensee <> cfg.licensee_id THEN
            RETURN jsonb_build_object('verdict', 'wrong_licensee',
                'detail', 'This issuer may only select the licensee it is registered for.');
        END IF;
    END IF;
    IF purpose IS NOT NULL AND purpose !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RETURN jsonb_build_object('verdict', 'malformed_claim', 'detail', 'The "dcpf_purpose" claim is not a purpose code.');
    END IF;
    RETURN jsonb_build_object('verdict', 'ok', 'person', person, 'licensee', licensee, 'role', role,
                              'purpose', purpose, 'subject', claims ->> 'sub', 'exp', exp_s);
END
$$;
COMMENT ON FUNCTION dcpf.token_verdict(text, jsonb) IS
    'checks the claims of a token whose signature verified: exp (required), nbf, iat, lifetime, aud, client (azp/client_id), sub linked to a person, dcpf_licensee/dcpf_role/dcpf_purpose; returns {"verdict": "ok", person, licensee, role, purpose, subject, exp} or the refusal with a detail; used by dcpf.authenticate';

CREATE FUNCTION dcpf.issuer_jwks(issuer text)
    RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT CASE WHEN i.status <> 'active' THEN jsonb_build_object('status', i.status)
                    ELSE jsonb_build_object('status', i.status, 'keys',
                             coalesce((SELECT jsonb_agg(k.jwk || jsonb_build_object('kid', k.kid) ORDER BY k.kid)
                                         FROM dcpf.issuer_key k
                                        WHERE k.issuer = i.issuer AND k.status = 'active'), '[]'::jsonb))
               END
          FROM dcpf.identity_issuer i WHERE i.issuer = issuer_jwks.issuer);
COMMENT ON FUNCTION dcpf.issuer_jwks(text) IS
    'the status and active keys of an issuer as {"status": …, "keys": [JWK…]}, or NULL for an unknown issuer; used by dcpf.authenticate';

CREATE FUNCTION dcpf.authenticate(token text, session_scope boolean DEFAULT false)
    RETURNS uuid
    AS 'MODULE_PATHNAME', 'dcpf_authenticate'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.authenticate(text, boolean) IS
    'verifies a signed token (compact JWS) from a registered issuer, checks its claims and the role gate, and makes its person the identity of this transaction (or session); returns the person; every refusal raises a 28000-class error without echoing the token';

CREATE FUNCTION dcpf.forget_cached_tokens() RETURNS void
    AS 'MODULE_PATHNAME', 'dcpf_forget_cached_tokens'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.forget_cached_tokens() IS
    'empties this backend''s cache of verified tokens (see dcpf.token_cache_seconds), so the next authenticate checks everything again';

CREATE FUNCTION dcpf.invalidate_token_caches() RETURNS trigger
    AS 'MODULE_PATHNAME', 'dcpf_invalidate_token_caches'
    LANGUAGE C;
COMMENT ON FUNCTION dcpf.invalidate_token_caches() IS
    'trigger: after a change to anything a token verdict depends on, every backend empties its cache of verified tokens at commit';
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['identity_issuer', 'issuer_key', 'identity_link', 'membership', 'licence',
                             'role_agreement', 'role_agreement_acceptance'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dcpf.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION dcpf.invalidate_token_caches()',
                       t || '_invalidates_tokens', t);
    END LOOP;
END
$$;
CREATE TRIGGER person_status_invalidates_tokens AFTER UPDATE OF status ON dcpf.person
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.invalidate_token_caches();

REVOKE EXECUTE ON FUNCTION
    dcpf.invalidate_token_caches(),
    dcpf.register_issuer(text, jsonb, text[], uuid, text[], interval, interval),
    dcpf.retire_issuer_key(text, text),
    dcpf.link_identity(uuid, text, text),
    dcpf.token_verdict(text, jsonb),
    dcpf.issuer_jwks(text)
FROM PUBLIC;
-- only the application's roles: a role outside dcpf must not make a person
-- the identity of its session (PUBLIC held EXECUTE until 1.1.0)
REVOKE EXECUTE ON FUNCTION dcpf.authenticate(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.authenticate(text, boolean) TO dcpf_app;
