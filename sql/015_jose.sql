-- 015_jose.sql: JOSE in C (src/jwk.c, src/jws.c, src/jose.c): verification
-- of compact JWS tokens against a JWKS, signing for tests and tools, and
-- RFC 7638 key thumbprints. Reference: doc/reference/jose.md.
--
-- jws_verify checks the signature ONLY. It does not look at exp, nbf, iat,
-- iss, aud or any other claim: callers (dcpf.authenticate) must.
--
-- Errors: 22P02 malformed token (parts, base64url, JSON, duplicate member
-- names); 54000 token longer than max_bytes; 28000 a well-formed token that
-- does not authenticate (alg none or unsupported, crit, unknown kid,
-- key/algorithm mismatch, bad signature); 22023 a bad key or key set.
-- All three functions raise, so none is LEAKPROOF.

CREATE FUNCTION dcpf.jws_verify(token text, jwks jsonb, max_bytes integer DEFAULT 8192)
    RETURNS jsonb
    AS 'MODULE_PATHNAME', 'dcpf_jws_verify_sql'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.jws_verify(text, jsonb, integer) IS
    'verifies the signature of a compact JWS against a JWKS (public keys and oct secrets only) and returns {"header": ..., "claims": ...}; '
    'does NOT check exp, nbf, iss, aud or any claim; raises 22P02 (malformed), 54000 (over max_bytes), 28000 (does not authenticate), 22023 (bad key set)';

CREATE FUNCTION dcpf.jws_sign(claims jsonb, jwk jsonb, alg text)
    RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_jws_sign_sql'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.jws_sign(jsonb, jsonb, text) IS
    'signs claims with a private JWK as a compact JWS (header alg, the key''s kid, typ JWT); for tests and tools only: '
    'a key passed as SQL text can end up in logs, so only superusers and the extension owner may execute it';

CREATE FUNCTION dcpf.jwk_thumbprint(jwk jsonb)
    RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_jwk_thumbprint_sql'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.jwk_thumbprint(jsonb) IS
    'RFC 7638 thumbprint (SHA-256, base64url) of a JWK after validating it; a stable kid for key registration';

REVOKE ALL ON FUNCTION dcpf.jws_verify(text, jsonb, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.jws_sign(jsonb, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.jwk_thumbprint(jsonb) FROM PUBLIC;
-- pure functions of their arguments: nothing to protect
GRANT EXECUTE ON FUNCTION dcpf.jws_verify(text, jsonb, integer) TO PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.jwk_thumbprint(jsonb) TO PUBLIC;
-- dcpf.jws_sign: no grant; superusers and the extension owner only
