-- 110_login.sql: dcpf as its own identity provider. Passwords (scrypt, PHC
-- strings) and TOTP second factors live in dcpf.person_credential, which no
-- role but the owner can touch; every login attempt is kept in
-- dcpf.login_attempt. dcpf.login (src/login.c) runs the helpers below as the
-- extension owner, with typed parameters only. See doc/reference/login.md.

CREATE TABLE dcpf.person_credential (
    person_id              uuid PRIMARY KEY REFERENCES dcpf.person (id) ON DELETE CASCADE,
    password_phc           text CONSTRAINT person_credential_phc_format CHECK (password_phc ~ '^\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$'),
    password_changed_at    timestamptz,
    totp_secret_encrypted  bytea CONSTRAINT person_credential_totp_secret_size CHECK (octet_length(totp_secret_encrypted) = 66),
    totp_confirmed_at      timestamptz,
    totp_last_step         bigint,
    recovery_code_hashes   bytea[],
    CONSTRAINT person_credential_password_changed_with_password CHECK ((password_phc IS NULL) = (password_changed_at IS NULL)),
    CONSTRAINT person_credential_confirmed_needs_secret CHECK (totp_confirmed_at IS NULL OR totp_secret_encrypted IS NOT NULL)
);
COMMENT ON TABLE dcpf.person_credential IS
    'a person''s password hash and TOTP second factor for dcpf.login; forced RLS without any policy: only the owner (through dcpf''s functions) reads or writes it';
COMMENT ON COLUMN dcpf.person_credential.person_id IS 'the person';
COMMENT ON COLUMN dcpf.person_credential.password_phc IS 'scrypt hash in PHC string format $scrypt$ln=…,r=…,p=…$salt$hash; NULL: no password';
COMMENT ON COLUMN dcpf.person_credential.password_changed_at IS 'when the password was last set (not when it was re-hashed)';
COMMENT ON COLUMN dcpf.person_credential.totp_secret_encrypted IS 'the 20-byte TOTP secret encrypted under the person''s data key (dcpf ciphertext, 66 bytes), bound to this row';
COMMENT ON COLUMN dcpf.person_credential.totp_confirmed_at IS 'when the second factor was confirmed with a code; NULL: not in force';
COMMENT ON COLUMN dcpf.person_credential.totp_last_step IS 'the 30-second step of the last accepted code: no code of that step or earlier is accepted again';
COMMENT ON COLUMN dcpf.person_credential.recovery_code_hashes IS 'SHA-256 of each unused recovery code (normal form: lower case, no dash)';

CREATE TABLE dcpf.login_attempt (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    attempted_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    person_id       uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    email_sha256    bytea NOT NULL CONSTRAINT login_attempt_email_sha256_size CHECK (octet_length(email_sha256) = 32),
    outcome         text NOT NULL CONSTRAINT login_attempt_outcome_known CHECK (outcome IN
                        ('success', 'wrong_password', 'unknown_account', 'locked', 'totp_required', 'wrong_totp', 'deactivated')),
    client_address  inet,
    user_agent      text CONSTRAINT login_attempt_user_agent_length CHECK (length(user_agent) <= 512)
);
CREATE INDEX login_attempt_person_idx ON dcpf.login_attempt (person_id, attempted_at);
CREATE INDEX login_attempt_client_address_idx ON dcpf.login_attempt (client_address, attempted_at) WHERE client_address IS NOT NULL;
COMMENT ON TABLE dcpf.login_attempt IS
    'every dcpf.login attempt, successful or not (recorded when the caller commits); the basis of lockout';
COMMENT ON COLUMN dcpf.login_attempt.id IS 'attempt identifier';
COMMENT ON COLUMN dcpf.login_attempt.attempted_at IS 'when (clock time)';
COMMENT ON COLUMN dcpf.login_attempt.person_id IS 'the person whose e-mail address was given, when it is known';
COMMENT ON COLUMN dcpf.login_attempt.email_sha256 IS 'SHA-256 of the normalised e-mail address given (never the address itself)';
COMMENT ON COLUMN dcpf.login_attempt.outcome IS 'success, wrong_password, unknown_account, locked, totp_required, wrong_totp or deactivated';
COMMENT ON COLUMN dcpf.login_attempt.client_address IS 'the end user''s address from the client argument, else the database client address';
COMMENT ON COLUMN dcpf.login_attempt.user_agent IS 'the end user''s user agent from the client argument (at most 512 characters)';

ALTER TABLE dcpf.person_credential FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.person_credential ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.login_attempt FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.login_attempt ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON dcpf.person_credential, dcpf.login_attempt FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('dcpf.person_credential', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.login_attempt', '');
CREATE TRIGGER login_attempt_immutable BEFORE UPDATE ON dcpf.login_attempt
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('Login attempts are never changed.');
-- a person sees their own attempts; a licensee admin those of their licensee's people
CREATE POLICY login_attempt_self ON dcpf.login_attempt FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY login_attempt_licensee_admin ON dcpf.login_attempt FOR SELECT TO dcpf_app
    USING (dcpf.member_of_my_licensee(person_id, 'licensee_admin'));
GRANT SELECT ON dcpf.login_attempt TO dcpf_app;

-- Owner-only helpers: not SECURITY DEFINER, revoked from PUBLIC; src/*.c
-- call them as the extension owner.

CREATE FUNCTION dcpf.login_email_normal(email text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN CASE WHEN dcpf.email_is_valid(btrim(email)) THEN dcpf.email_normalize(btrim(email)) ELSE lower(btrim(email)) END;
COMMENT ON FUNCTION dcpf.login_email_normal(text) IS
    'the normal form of an e-mail address given at login (dcpf.email_normalize, or lower case when it is not a valid address)';

CREATE FUNCTION dcpf.login_client_address(client jsonb) RETURNS inet
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    extra text;
BEGIN
    IF client IS NULL THEN
        RETURN pg_catalog.inet_client_addr();
    END IF;
    IF jsonb_typeof(client) <> 'object' THEN
        RAISE EXCEPTION 'invalid client information' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'client is a JSON object with "address" and "user_agent".';
    END IF;
    SELECT k INTO extra FROM jsonb_object_keys(client) k WHERE k NOT IN ('address', 'user_agent') LIMIT 1;
    IF extra IS NOT NULL THEN
        RAISE EXCEPTION 'invalid client information' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The member "%s" is not known; client has "address" and "user_agent".', left(extra, 40));
    END IF;
    IF client ? 'user_agent' AND (jsonb_typeof(client -> 'user_agent') <> 'string' OR length(client ->> 'user_agent') > 512) THEN
        RAISE EXCEPTION 'invalid client information' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The user agent is a string of at most 512 characters.';
    END IF;
    IF NOT client ? 'address' THEN
        RETURN pg_catalog.inet_client_addr();
    END IF;
    IF jsonb_typeof(client -> 'address') <> 'string' THEN
        RAISE EXCEPTION 'invalid client information' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The address is a string holding an IP address.';
    END IF;
    BEGIN
        RETURN (client ->> 'address')::inet;
    EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION 'invalid client information' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The address is not an IP address.';
    END;
END
$$;
COMMENT ON FUNCTION dcpf.login_client_address(jsonb) IS
    'validates the client argument of dcpf.login ({"address": inet, "user_agent": at most 512 characters}) and returns the address to record (the database client address when none is given)';

CREATE FUNCTION dcpf.login_lookup(email text, client jsonb) RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    normal text := dcpf.login_email_normal(email);
    address inet := dcpf.login_client_address(client);
    p dcpf.person;
    c dcpf.person_credential;
    account_locked_until timestamptz;
    address_failures bigint := 0;
BEGIN
    IF dcpf.email_is_valid(normal) THEN
        SELECT * INTO p FROM dcpf.person WHERE person.email = normal::dcpf.email;
    END IF;
    IF p.id IS NOT NULL THEN
        SELECT * INTO c FROM dcpf.person_credential WHERE person_credential.person_id = p.id;
        -- locked for 15 minutes after the 5th failure within 15 minutes
        SELECT max(w.attempted_at) + interval '15 minutes' INTO account_locked_until
          FROM (SELECT a.attempted_at,
                       count(*) OVER (ORDER BY a.attempted_at RANGE BETWEEN interval '15 minutes' PRECEDING AND CURRENT ROW) AS failures
                  FROM dcpf.login_attempt a
                 WHERE a.person_id = p.id AND a.outcome IN ('wrong_password', 'wrong_totp')
                   AND a.attempted_at > clock_timestamp() - interval '30 minutes') w
         WHERE w.failures >= 5;
    END IF;
    IF address IS NOT NULL THEN
        -- 20 failures from one address within 15 minutes: refused until fewer
        SELECT count(*) INTO address_failures FROM dcpf.login_attempt a
         WHERE a.client_address = address AND a.outcome IN ('wrong_password', 'unknown_account', 'wrong_totp')
           AND a.attempted_at > clock_timestamp() - interval '15 minutes';
    END IF;
    RETURN jsonb_build_object(
        'person', p.id,
        'phc', c.password_phc,
        'deactivated', p.status = 'deactivated',
        'totp', c.totp_confirmed_at IS NOT NULL,
        'locked', coalesce(account_locked_until > clock_timestamp(), false) OR address_failures >= 20);
END
$$;
COMMENT ON FUNCTION dcpf.login_lookup(text, jsonb) IS
    'for dcpf.login: the person of an e-mail address, their password hash, whether a second factor is in force, and whether the account or client address is locked';

CREATE FUNCTION dcpf.login_record(email text, person uuid, outcome text, client jsonb, new_phc text) RETURNS uuid
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    attempt uuid;
    platform_issuer text := pg_catalog.current_setting('dcpf.issuer');
BEGIN
    INSERT INTO dcpf.login_attempt (person_id, email_sha256, outcome, client_address, user_agent)
    VALUES (login_record.person, pg_catalog.sha256(pg_catalog.convert_to(dcpf.login_email_normal(login_record.email), 'UTF8')),
            login_record.outcome, dcpf.login_client_address(login_record.client), login_record.client ->> 'user_agent')
    RETURNING id INTO attempt;
    IF login_record.outcome = 'success' THEN
        IF login_record.new_phc IS NOT NULL THEN
            UPDATE dcpf.person_credential SET password_phc = login_record.new_phc
             WHERE person_credential.person_id = login_record.person;
        END IF;
        -- the token's sub is the person id: keep the link for dcpf.authenticate,
        -- inserted only when missing (any INSERT fires identity_link's trigger,
        -- which empties every backend's cache of verified tokens at commit,
        -- also when ON CONFLICT inserts nothing)
        IF NOT EXISTS (SELECT FROM dcpf.identity_link l
                        WHERE l.issuer = platform_issuer AND l.subject = login_record.person::text) THEN
            INSERT INTO dcpf.identity_link (issuer, subject, person_id)
            SELECT i.issuer, login_record.person::text, login_record.person
              FROM dcpf.identity_issuer i WHERE i.issuer = platform_issuer
            ON CONFLICT DO NOTHING;
        END IF;
    END IF;
    RETURN attempt;
END
$$;
COMMENT ON FUNCTION dcpf.login_record(text, uuid, text, jsonb, text) IS
    'for dcpf.login: records an attempt; on success stores a re-hashed password and links the person to the platform issuer';

CREATE FUNCTION dcpf.credential_context(person uuid) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT jsonb_build_object('email_local', split_part(p.email::text, '@', 1),
                                  'surname', concat_ws(' ', p.surname, p.partner_surname),
                                  'given_names', p.given_names)
          FROM dcpf.person p WHERE p.id = credential_context.person);
COMMENT ON FUNCTION dcpf.credential_context(uuid) IS
    'for dcpf.set_password: the parts of a person''s e-mail address and names a password may not contain';

CREATE FUNCTION dcpf.credential_store_password(person uuid, phc text) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO dcpf.person_credential AS c (person_id, password_phc, password_changed_at)
    VALUES (credential_store_password.person, credential_store_password.phc, now())
    ON CONFLICT (person_id) DO UPDATE SET password_phc = EXCLUDED.password_phc, password_changed_at = EXCLUDED.password_changed_at;
$$;
COMMENT ON FUNCTION dcpf.credential_store_password(uuid, text) IS 'for dcpf.set_password: stores a new password hash';

CREATE FUNCTION dcpf.credential_store_totp(person uuid, sealed bytea, recovery bytea[]) RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    email text;
BEGIN
    SELECT p.email::text INTO email FROM dcpf.person p WHERE p.id = credential_store_totp.person;
    IF email IS NULL THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM dcpf.person_credential c
                WHERE c.person_id = credential_store_totp.person AND c.totp_confirmed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a second factor is already in force' USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'Enrolling again would replace a confirmed TOTP secret.',
            HINT = 'Remove it first with dcpf.remove_totp and a current code or a recovery code.';
    END IF;
    INSERT INTO dcpf.person_credential AS c (person_id, totp_secret_encrypted, recovery_code_hashes)
    VALUES (credential_store_totp.person, credential_store_totp.sealed, credential_store_totp.recovery)
    ON CONFLICT (person_id) DO UPDATE SET totp_secret_encrypted = EXCLUDED.totp_secret_encrypted,
        recovery_code_hashes = EXCLUDED.recovery_code_hashes, totp_last_step = NULL, totp_confirmed_at = NULL;
    RETURN email;
END
$$;
COMMENT ON FUNCTION dcpf.credential_store_totp(uuid, bytea, bytea[]) IS
    'for dcpf.enrol_totp: stores a sealed, unconfirmed TOTP secret and recovery code hashes; returns the e-mail address for the otpauth label';

CREATE FUNCTION dcpf.credential_use_totp_step(person uuid, step bigint) RETURNS boolean
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH used AS (
        UPDATE dcpf.person_credential c SET totp_last_step = credential_use_totp_step.step
         WHERE c.person_id = credential_use_totp_step.person
           AND (c.totp_last_step IS NULL OR c.totp_last_step < credential_use_totp_step.step)
        RETURNING true)
    SELECT EXISTS (SELECT 1 FROM used);
$$;
COMMENT ON FUNCTION dcpf.credential_use_totp_step(uuid, bigint) IS
    'consumes a TOTP step: true when it is later than the last accepted one (atomically, so a code is accepted once)';

CREATE FUNCTION dcpf.credential_use_recovery_code(person uuid, code_hash bytea) RETURNS boolean
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH used AS (
        UPDATE dcpf.person_credential c
           SET recovery_code_hashes = array_remove(c.recovery_code_hashes, credential_use_recovery_code.code_hash)
         WHERE c.person_id = credential_use_recovery_code.person
           AND credential_use_recovery_code.code_hash = ANY (c.recovery_code_hashes)
        RETURNING true)
    SELECT EXISTS (SELECT 1 FROM used);
$$;
COMMENT ON FUNCTION dcpf.credential_use_recovery_code(uuid, bytea) IS
    'consumes a recovery code by its SHA-256: true when it was unused';

CREATE FUNCTION dcpf.credential_confirm_totp(person uuid) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE dcpf.person_credential c SET totp_confirmed_at = now()
     WHERE c.person_id = credential_confirm_totp.person AND c.totp_confirmed_at IS NULL;
$$;
COMMENT ON FUNCTION dcpf.credential_confirm_totp(uuid) IS 'for dcpf.confirm_totp: puts the second factor in force';

CREATE FUNCTION dcpf.credential_remove_totp(person uuid) RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE dcpf.person_credential c
       SET totp_secret_encrypted = NULL, totp_confirmed_at = NULL, totp_last_step = NULL, recovery_code_hashes = NULL
     WHERE c.person_id = credential_remove_totp.person;
$$;
COMMENT ON FUNCTION dcpf.credential_remove_totp(uuid) IS 'for dcpf.remove_totp: removes the second factor and its recovery codes';

-- The C functions

CREATE FUNCTION dcpf.password_hash(password text) RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_password_hash_sql'
    LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.password_hash(text) IS
    'a scrypt hash of the password in PHC string format at the cost dcpf.scrypt_log_n, with a fresh salt (for tests and tools)';

CREATE FUNCTION dcpf.password_verify(password text, phc text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_password_verify_sql'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.password_verify(text, text) IS
    'true when the password matches the PHC scrypt hash (constant-time comparison); 22023 for a malformed hash (for tests and tools)';

CREATE FUNCTION dcpf.password_policy_check(password text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_password_policy_check'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.password_policy_check(text) IS
    'true when the password passes the policy parts that need no person (length, common passwords, common word plus digits); raises 22023 with a detail otherwise';

CREATE FUNCTION dcpf.set_password(person uuid, password text) RETURNS void
    AS 'MODULE_PATHNAME', 'dcpf_set_password'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.set_password(uuid, text) IS
    'checks the password policy and stores a scrypt hash of the password; for the person themself (verified identity) or the extension owner; 22023 with a detail when refused';

CREATE FUNCTION dcpf.enrol_totp(person uuid, OUT secret_base32 text, OUT otpauth_uri text, OUT recovery_codes text[])
    RETURNS record
    AS 'MODULE_PATHNAME', 'dcpf_enrol_totp'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.enrol_totp(uuid) IS
    'starts TOTP enrolment: a new secret (base32 and otpauth:// URI) and ten recovery codes, shown only now; in force after dcpf.confirm_totp; for the person themself or the owner';

CREATE FUNCTION dcpf.confirm_totp(person uuid, code text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_confirm_totp'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.confirm_totp(uuid, text) IS
    'puts an enrolled TOTP second factor in force when the code is right (true), else false';

CREATE FUNCTION dcpf.remove_totp(person uuid, code text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_remove_totp'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.remove_totp(uuid, text) IS
    'removes the TOTP second factor when a current code or an unused recovery code is given (true), else false';

CREATE FUNCTION dcpf.totp_code(secret_base32 text, at timestamptz, digits integer DEFAULT 6) RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_totp_code'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.totp_code(text, timestamptz, integer) IS
    'the RFC 6238 code (HMAC-SHA1, 30-second steps) of a base32 secret at a time, with 6 to 8 digits (for tests)';

CREATE FUNCTION dcpf.platform_public_jwk() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'dcpf_platform_public_jwk'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.platform_public_jwk() IS
    'the public JWK (OKP, Ed25519) of the platform key in dcpf.platform_key_file; 55000 when none is configured';

CREATE FUNCTION dcpf.register_platform_issuer(additional_jwk jsonb DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    platform_issuer text := pg_catalog.current_setting('dcpf.issuer');
    keys jsonb;
BEGIN
    -- the platform key, the issuer's keys in force, and optionally the next key
    SELECT jsonb_agg(DISTINCT k) INTO keys FROM (
        SELECT dcpf.platform_public_jwk() AS k
        UNION ALL
        SELECT ik.jwk FROM dcpf.issuer_key ik WHERE ik.issuer = platform_issuer AND ik.status = 'active'
        UNION ALL
        SELECT register_platform_issuer.additional_jwk WHERE register_platform_issuer.additional_jwk IS NOT NULL) s;
    PERFORM dcpf.register_issuer(platform_issuer, jsonb_build_object('keys', keys), '{dcpf}');
    INSERT INTO dcpf.identity_link (issuer, subject, person_id)
    SELECT platform_issuer, c.person_id::text, c.person_id FROM dcpf.person_credential c
    ON CONFLICT DO NOTHING;
    RETURN (SELECT count(*) FROM dcpf.issuer_key ik WHERE ik.issuer = platform_issuer AND ik.status = 'active');
END
$$;
COMMENT ON FUNCTION dcpf.register_platform_issuer(jsonb) IS
    'registers dcpf itself (issuer dcpf.issuer, audience dcpf) with the public half of the platform key, keeping its keys in force and adding additional_jwk (the next key, for rotation); links every person with credentials (sub = person id); returns the number of active keys; owner only';

CREATE FUNCTION dcpf.login(email text, password text, totp text DEFAULT NULL, client jsonb DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_login'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.login(text, text, text, jsonb) IS
    'checks e-mail address, password and (when in force) a TOTP or recovery code, records the attempt in dcpf.login_attempt and returns a short-lived EdDSA token for dcpf.authenticate, or NULL for every kind of failure (the caller must commit to keep the record)';

REVOKE EXECUTE ON FUNCTION
    dcpf.login_email_normal(text),
    dcpf.login_client_address(jsonb),
    dcpf.login_lookup(text, jsonb),
    dcpf.login_record(text, uuid, text, jsonb, text),
    dcpf.credential_context(uuid),
    dcpf.credential_store_password(uuid, text),
    dcpf.credential_store_totp(uuid, bytea, bytea[]),
    dcpf.credential_use_totp_step(uuid, bigint),
    dcpf.credential_use_recovery_code(uuid, bytea),
    dcpf.credential_confirm_totp(uuid),
    dcpf.credential_remove_totp(uuid),
    dcpf.password_hash(text),
    dcpf.password_verify(text, text),
    dcpf.password_policy_check(text),
    dcpf.set_password(uuid, text),
    dcpf.enrol_totp(uuid),
    dcpf.confirm_totp(uuid, text),
    dcpf.remove_totp(uuid, text),
    dcpf.totp_code(text, timestamptz, integer),
    dcpf.platform_public_jwk(),
    dcpf.register_platform_issuer(jsonb),
    dcpf.login(text, text, text, jsonb)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    dcpf.set_password(uuid, text),
    dcpf.enrol_totp(uuid),
    dcpf.confirm_totp(uuid, text),
    dcpf.remove_totp(uuid, text),
    dcpf.password_policy_check(text),
    dcpf.login(text, text, text, jsonb)
TO dcpf_app;
