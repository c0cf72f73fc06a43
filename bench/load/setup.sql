-- bench/load/setup.sql: what the load of bench/load/run needs on top of
-- benchmark 7's data (bench/portfolio/generate): passwords for every
-- trainee (dcpf.login), dcpf registered as its own identity provider (the
-- login's token for dcpf.authenticate), the item numbering of the
-- generator as a function, and the reader that expects a refusal. Psql
-- variables: app (the application role), log_n (dcpf.scrypt_log_n of the
-- load's logins), password. Run as the extension's owner.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- the cost of a login: scrypt at 2^log_n (the production default, 17, is
-- 128 MB and most of a second of CPU per login on a small host); the
-- database's setting, so that no login re-hashes at another cost
SELECT format('ALTER DATABASE %I SET dcpf.scrypt_log_n = %s', current_database(), :log_n) \gexec
-- every error in the server log with its SQLSTATE (the run counts them)
SELECT format('ALTER DATABASE %I SET log_error_verbosity = verbose', current_database()) \gexec
SET dcpf.scrypt_log_n = :log_n;

-- every trainee gets the same password, hashed once (one salt for all: a
-- login costs the same as with a salt each), and dcpf's own issuer, linked
-- to everyone with credentials
SET session_replication_role = replica;
INSERT INTO dcpf.person_credential (person_id, password_phc, password_changed_at)
SELECT w.id, h.phc, now() FROM bench.who w, (SELECT dcpf.password_hash(:'password') AS phc) h
 WHERE w.role_code = 'medical_trainee';
RESET session_replication_role;
SELECT dcpf.register_platform_issuer() \g /dev/null

-- person p's membership (one each), and item n (from 0) of person p, as
-- bench/portfolio/generate.sql and items.sql number them
CREATE FUNCTION bench.membership_uuid(p bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('11000000-0000-4000-8000-' || lpad(to_hex(p), 12, '0'))::uuid;
CREATE FUNCTION bench.item_uuid(p bigint, n bigint, persons bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('30000000-0000-4000-8000-' || lpad(to_hex((n / 10 * persons + p - 1) * 10 + n % 10 + 1), 12, '0'))::uuid;

-- a read through dcpf.shared_item that must be refused: the refusal
-- (P0002) is caught and counted by the caller; a read that is let through
-- is an error of its own, which the run reports as unexpected
CREATE FUNCTION bench.refused_read(item uuid) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    BEGIN
        PERFORM FROM dcpf.shared_item(refused_read.item);
    EXCEPTION WHEN no_data_found THEN
        RETURN 'refused';
    END;
    RAISE EXCEPTION 'load: the read of item % was not refused', refused_read.item
        USING ERRCODE = 'LD001', DETAIL = 'The load expected dcpf.shared_item to refuse it with P0002.';
END
$$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench TO :"app";

VACUUM (ANALYZE) dcpf.person_credential, dcpf.identity_link;
