-- 035_keys.sql: encryption at rest. Master key generations (their keys stay
-- in the key file, never in a table), one data key per person or licensee
-- (stored only wrapped), the encrypt/decrypt functions, key rotation and
-- crypto-shredding. See doc/guides/keys.md for the key hierarchy.

CREATE TABLE dcpf.master_key_generation (
    generation     integer PRIMARY KEY CONSTRAINT master_key_generation_positive CHECK (generation > 0),
    check_value    bytea NOT NULL CONSTRAINT master_key_generation_check_value_size CHECK (octet_length(check_value) = 16),
    registered_at  timestamptz NOT NULL DEFAULT now(),
    retired_at     timestamptz
);
COMMENT ON TABLE dcpf.master_key_generation IS
    'master key generations that have wrapped data keys: a check value of each key (never the key) and when it was retired';
COMMENT ON COLUMN dcpf.master_key_generation.generation IS 'generation number, as in the key file ("master <generation> <key>")';
COMMENT ON COLUMN dcpf.master_key_generation.check_value IS
    'first 16 bytes of HMAC-SHA256 under the key of a fixed text: tells a wrong key in the key file from damaged data';
COMMENT ON COLUMN dcpf.master_key_generation.registered_at IS 'when the generation first wrapped a data key';
COMMENT ON COLUMN dcpf.master_key_generation.retired_at IS
    'when dcpf.retire_master_key retired it: no data key is wrapped by it any more and it is never used again';

CREATE TABLE dcpf.blind_index_key (
    singleton      boolean PRIMARY KEY DEFAULT true CONSTRAINT blind_index_key_one_row CHECK (singleton),
    check_value    bytea NOT NULL CONSTRAINT blind_index_key_check_value_size CHECK (octet_length(check_value) = 16),
    registered_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE dcpf.blind_index_key IS
    'the check value of the blind-index key (never the key): a different "blind" key in the key source is refused instead of silently breaking lookups and uniqueness';
COMMENT ON COLUMN dcpf.blind_index_key.singleton IS 'always true: there is one blind-index key';
COMMENT ON COLUMN dcpf.blind_index_key.check_value IS 'first 16 bytes of HMAC-SHA256 under the blind-index key of a fixed text';
COMMENT ON COLUMN dcpf.blind_index_key.registered_at IS 'when the key first computed a blind index';

CREATE TABLE dcpf.data_key (
    id            uuid PRIMARY KEY,
    subject_id    uuid NOT NULL CONSTRAINT data_key_one_per_subject UNIQUE,
    wrapped       bytea CONSTRAINT data_key_wrapped_format
                  CHECK (octet_length(wrapped) = 65 AND get_byte(wrapped, 0) = 1),
    generation    integer GENERATED ALWAYS AS (
                      (get_byte(wrapped, 1) << 24) | (get_byte(wrapped, 2) << 16)
                      | (get_byte(wrapped, 3) << 8) | get_byte(wrapped, 4)) STORED,
    created_at    timestamptz NOT NULL DEFAULT now(),
    rewrapped_at  timestamptz,
    shredded_at   timestamptz,
    shred_reason  text,
    CONSTRAINT data_key_shredded_iff_destroyed CHECK ((wrapped IS NULL) = (shredded_at IS NOT NULL)),
    CONSTRAINT data_key_shred_needs_reason CHECK (shredded_at IS NULL OR length(btrim(shred_reason)) > 0)
);
CREATE INDEX data_key_generation_idx ON dcpf.data_key (generation) WHERE wrapped IS NOT NULL;
COMMENT ON TABLE dcpf.data_key IS
    'one random AES-256 data key per person or licensee, stored only wrapped by a master key generation; destroyed by crypto-shredding';
COMMENT ON COLUMN dcpf.data_key.id IS 'data key id, written in the header of every ciphertext made with it';
COMMENT ON COLUMN dcpf.data_key.subject_id IS 'the person or licensee whose data the key protects (no foreign key: the record outlives an erased person)';
COMMENT ON COLUMN dcpf.data_key.wrapped IS
    'the key wrapped with AES-256-GCM: format 1, generation (4 bytes), nonce, ciphertext, tag; NULL once shredded';
COMMENT ON COLUMN dcpf.data_key.generation IS 'the master key generation that wrapped it (read from the wrapped key)';
COMMENT ON COLUMN dcpf.data_key.created_at IS 'when the key was made (at the subject''s first encrypted value)';
COMMENT ON COLUMN dcpf.data_key.rewrapped_at IS 'when key rotation last re-wrapped it';
COMMENT ON COLUMN dcpf.data_key.shredded_at IS 'when the key was destroyed: everything encrypted under it is unreadable from then on';
COMMENT ON COLUMN dcpf.data_key.shred_reason IS 'why the key was destroyed (e.g. the erasure request it carried out)';

CREATE TABLE dcpf.key_rotation_run (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    target_generation  integer NOT NULL,
    started_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    keys_total         bigint NOT NULL CONSTRAINT key_rotation_run_total_nonnegative CHECK (keys_total >= 0),
    keys_done          bigint NOT NULL DEFAULT 0 CONSTRAINT key_rotation_run_done_nonnegative CHECK (keys_done >= 0),
    batches            integer NOT NULL DEFAULT 0,
    updated_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at        timestamptz,
    status             text NOT NULL DEFAULT 'running'
                       CONSTRAINT key_rotation_run_status_known CHECK (status IN ('running', 'done', 'paused', 'interrupted')),
    CONSTRAINT key_rotation_run_finished_when_not_running CHECK ((status = 'running') = (finished_at IS NULL))
);
COMMENT ON TABLE dcpf.key_rotation_run IS 'one row per run of dcpf.rotate_master_key, with its progress (committed per batch)';
COMMENT ON COLUMN dcpf.key_rotation_run.id IS 'run identifier';
COMMENT ON COLUMN dcpf.key_rotation_run.target_generation IS 'the generation the run re-wraps data keys into';
COMMENT ON COLUMN dcpf.key_rotation_run.started_at IS 'when the run started';
COMMENT ON COLUMN dcpf.key_rotation_run.keys_total IS 'data keys wrapped by another generation when the run started';
COMMENT ON COLUMN dcpf.key_rotation_run.keys_done IS 're-wrapped so far';
COMMENT ON COLUMN dcpf.key_rotation_run.batches IS 'batches committed so far';
COMMENT ON COLUMN dcpf.key_rotation_run.updated_at IS 'when the last batch committed';
COMMENT ON COLUMN dcpf.key_rotation_run.finished_at IS 'when the run ended (done, paused at max_batches, or found interrupted by the next run)';
COMMENT ON COLUMN dcpf.key_rotation_run.status IS 'running, done, paused (max_batches reached) or interrupted (it stopped without finishing)';

-- the C functions -----------------------------------------------------------

CREATE FUNCTION dcpf.encrypt(value text, table_name text, column_name text, row_id uuid, subject uuid)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'dcpf_encrypt'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.encrypt(text, text, text, uuid, uuid) IS
    'encrypts text with AES-256-GCM under the subject''s data key (made when absent), bound to table, column, row and subject';
CREATE FUNCTION dcpf.encrypt(value bytea, table_name text, column_name text, row_id uuid, subject uuid)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'dcpf_encrypt'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.encrypt(bytea, text, text, uuid, uuid) IS
    'encrypts bytes (e.g. an attachment) like dcpf.encrypt(text, ...)';

CREATE FUNCTION dcpf.decrypt_text(ciphertext bytea, table_name text, column_name text, row_id uuid, subject uuid)
    RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_decrypt_text'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.decrypt_text(bytea, text, text, uuid, uuid) IS
    'decrypts a value made by dcpf.encrypt(text, ...) for the same table, column, row and subject; refused unless the caller may see the subject''s rows of that table';
CREATE FUNCTION dcpf.decrypt(ciphertext bytea, table_name text, column_name text, row_id uuid, subject uuid)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'dcpf_decrypt_bytea'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.decrypt(bytea, text, text, uuid, uuid) IS
    'decrypts a value made by dcpf.encrypt(bytea, ...), with the checks of dcpf.decrypt_text';
CREATE FUNCTION dcpf.decrypt_text(ciphertext bytea, table_name text, column_name text, row_id uuid, subject uuid,
                                  null_if_erased boolean)
    RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_decrypt_text'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.decrypt_text(bytea, text, text, uuid, uuid, boolean) IS
    'dcpf.decrypt_text that, when null_if_erased, returns NULL instead of raising for a subject whose key was shredded (after the entitlement check); the *_decrypted views use it';
CREATE FUNCTION dcpf.decrypt(ciphertext bytea, table_name text, column_name text, row_id uuid, subject uuid,
                             null_if_erased boolean)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'dcpf_decrypt_bytea'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.decrypt(bytea, text, text, uuid, uuid, boolean) IS
    'dcpf.decrypt that, when null_if_erased, returns NULL instead of raising for a subject whose key was shredded';

CREATE FUNCTION dcpf.ciphertext_info(ciphertext bytea,
                                     OUT format_version integer, OUT algorithm text,
                                     OUT key_id uuid, OUT plaintext_bytes integer)
    AS 'MODULE_PATHNAME', 'dcpf_ciphertext_info'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.ciphertext_info(bytea) IS
    'the header of a ciphertext (format, algorithm, data key id, plaintext length), for diagnostics; decrypts nothing';

CREATE FUNCTION dcpf.sealed_column() RETURNS trigger
    AS 'MODULE_PATHNAME', 'dcpf_sealed_column'
    LANGUAGE C;
COMMENT ON FUNCTION dcpf.sealed_column() IS
    'BEFORE INSERT OR UPDATE trigger (column label, ciphertext column, row column, subject column, blind index column or , plaintext type): refuses a ciphertext that does not open for this row or whose plaintext is not a canonical value of the type, and computes its blind index';

CREATE FUNCTION dcpf.person_by_big_number(big_number dcpf.big_number)
    RETURNS uuid
    AS 'MODULE_PATHNAME', 'dcpf_person_by_big_number'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.person_by_big_number(dcpf.big_number) IS
    'the person with this BIG number among those the caller may see, found through the blind index; NULL when none';

CREATE FUNCTION dcpf.master_key_generations(OUT generation integer, OUT is_current boolean)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'dcpf_master_key_generations'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.master_key_generations() IS
    'the generations the key source holds now (read afresh), the highest marked current; never the keys';

CREATE FUNCTION dcpf.rewrap_data_key(key_id uuid, subject uuid, wrapped bytea)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'dcpf_rewrap_data_key'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.rewrap_data_key(uuid, uuid, bytea) IS
    'for key rotation: the same data key wrapped by the current master key generation (the key itself never leaves the server process)';

CREATE FUNCTION dcpf.forget_data_keys() RETURNS void
    AS 'MODULE_PATHNAME', 'dcpf_forget_data_keys'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.forget_data_keys() IS
    'wipes the data keys this backend has unwrapped in the current transaction (they are wiped at its end anyway) and forgets the wrapped key rows it keeps across transactions';

CREATE FUNCTION dcpf.lock_data_key_subject(subject uuid) RETURNS void
    AS 'MODULE_PATHNAME', 'dcpf_lock_data_key_subject'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION dcpf.lock_data_key_subject(uuid) IS
    'takes, until the end of the transaction, the lock that serialises making the subject''s data key (used by dcpf.shred_person_key)';

CREATE FUNCTION dcpf.invalidate_key_caches() RETURNS trigger
    AS 'MODULE_PATHNAME', 'dcpf_invalidate_key_caches'
    LANGUAGE C;
COMMENT ON FUNCTION dcpf.invalidate_key_caches() IS
    'trigger on dcpf.data_key: at commit, every backend empties its cache of wrapped key rows, so a shredded or re-wrapped key is read afresh';
CREATE TRIGGER data_key_invalidate_caches
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dcpf.data_key
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.invalidate_key_caches();

-- administration ------------------------------------------------------------

-- security_invoker like every view: only the owner and superusers read it
-- (and dcpf.master_key_generations refuses anyone else in any case)
CREATE VIEW dcpf.master_key_status WITH (security_invoker = true) AS
SELECT coalesce(s.generation, g.generation) AS generation,
       s.generation IS NOT NULL AS in_key_source,
       coalesce(s.is_current, false) AS is_current,
       g.registered_at,
       g.retired_at,
       (SELECT count(*) FROM dcpf.data_key k
         WHERE k.wrapped IS NOT NULL AND k.generation = coalesce(s.generation, g.generation)) AS data_keys
  FROM dcpf.master_key_generations() s
  FULL JOIN dcpf.master_key_generation g ON g.generation = s.generation;
COMMENT ON VIEW dcpf.master_key_status IS
    'per master key generation: whether the key source holds it, whether it is current, when it was registered and retired, and how many data keys it still wraps';
COMMENT ON COLUMN dcpf.master_key_status.generation IS 'master key generation number';
COMMENT ON COLUMN dcpf.master_key_status.in_key_source IS 'whether the key file or command holds this generation now';
COMMENT ON COLUMN dcpf.master_key_status.is_current IS 'whether this generation wraps new data keys (the highest in the key source)';
COMMENT ON COLUMN dcpf.master_key_status.registered_at IS 'when the generation first wrapped a data key';
COMMENT ON COLUMN dcpf.master_key_status.retired_at IS 'when it was retired (dcpf.retire_master_key)';
COMMENT ON COLUMN dcpf.master_key_status.data_keys IS 'data keys it still wraps (0 before retiring it)';

CREATE FUNCTION dcpf.rotate_master_key_batch(batch_size integer DEFAULT 1000)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    target integer;
    done integer;
    ids uuid[];
    rewrapped bytea[];
BEGIN
    IF batch_size IS NULL OR batch_size < 1 OR batch_size > 100000 THEN
        RAISE EXCEPTION 'batch_size must be between 1 and 100000'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It was %s.', coalesce(batch_size::text, 'NULL'));
    END IF;
    SELECT s.generation INTO target FROM dcpf.master_key_generations() s WHERE s.is_current;
    -- older generations first, through the index on generation (a batch
    -- does not scan the keys done before it)
    WITH batch AS (
        SELECT k.id, k.subject_id, k.wrapped FROM dcpf.data_key k
         WHERE k.wrapped IS NOT NULL AND k.generation < target
         LIMIT batch_size
           FOR UPDATE SKIP LOCKED
    )
    SELECT array_agg(b.id), array_agg(dcpf.rewrap_data_key(b.id, b.subject_id, b.wrapped))
      INTO ids, rewrapped FROM batch b;
    -- the new wrappings first, then written: Citus refuses a VOLATILE function in an UPDATE of its tables
    -- (and sends one of a reference table such as this to every node)
    UPDATE dcpf.data_key k
       SET wrapped = r.wrapped, rewrapped_at = now()
      FROM unnest(ids, rewrapped) AS r (id, wrapped) WHERE k.id = r.id;
    GET DIAGNOSTICS done = ROW_COUNT;
    IF done = 0 THEN
        -- a key of a newer generation than the key source's newest cannot be
        -- re-wrapped: unwrapping one raises, naming the generation missing
        PERFORM dcpf.rewrap_data_key(k.id, k.subject_id, k.wrapped) FROM dcpf.data_key k
          WHERE k.wrapped IS NOT NULL AND k.generation > target LIMIT 1;
    END IF;
    RETURN done;
END
$$;
COMMENT ON FUNCTION dcpf.rotate_master_key_batch(integer) IS
    're-wraps up to batch_size data keys still wrapped by an older generation into the current one (skipping locked rows) and returns how many; for use inside a transaction or from a scheduler';

CREATE PROCEDURE dcpf.rotate_master_key(batch_size integer DEFAULT 1000, max_batches integer DEFAULT NULL)
    LANGUAGE plpgsql
AS $$
DECLARE
    target integer;
    run uuid;
    total bigint;
    done bigint := 0;
    n integer;
    batch_count integer := 0;
    started timestamptz := pg_catalog.clock_timestamp();
    rate numeric;
    idle integer := 0;
BEGIN
    IF max_batches IS NOT NULL AND max_batches < 1 THEN
        RAISE EXCEPTION 'max_batches must be at least 1'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It was %s.', max_batches);
    END IF;
    SELECT s.generation INTO target FROM dcpf.master_key_generations() s WHERE s.is_current;
    UPDATE dcpf.key_rotation_run r SET status = 'interrupted', finished_at = r.updated_at
     WHERE r.status = 'running';
    SELECT pg_catalog.count(*) INTO total FROM dcpf.data_key k WHERE k.wrapped IS NOT NULL AND k.generation <> target;
    INSERT INTO dcpf.key_rotation_run (target_generation, keys_total) VALUES (target, total) RETURNING id INTO run;
    COMMIT;
    LOOP
        n := dcpf.rotate_master_key_batch(batch_size);
        done := done + n;
        batch_count := batch_count + 1;
        UPDATE dcpf.key_rotation_run r SET keys_done = done, batches = batch_count,
               updated_at = pg_catalog.clock_timestamp()
         WHERE r.id = run;
        COMMIT;
        rate := done OPERATOR(pg_catalog./) greatest(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started)::numeric, 0.001);
        IF n > 0 THEN
            RAISE NOTICE 'rotate_master_key: % of % data keys re-wrapped into generation % (%/s, about % s left)',
                done, total, target, pg_catalog.round(rate), pg_catalog.round(greatest(total - done, 0) OPERATOR(pg_catalog./) greatest(rate, 1));
        END IF;
        IF n = 0 THEN
            -- nothing left, or only rows locked by other transactions
            EXIT WHEN NOT EXISTS (SELECT FROM dcpf.data_key k WHERE k.wrapped IS NOT NULL AND k.generation <> target);
            idle := idle + 1;
            IF idle > 50 THEN
                UPDATE dcpf.key_rotation_run r SET status = 'paused', finished_at = pg_catalog.clock_timestamp() WHERE r.id = run;
                COMMIT;
                RAISE NOTICE 'rotate_master_key: the remaining data keys stay locked by other transactions; call again later';
                RETURN;
            END IF;
            PERFORM pg_catalog.pg_sleep(0.1);
        END IF;
        IF max_batches IS NOT NULL AND batch_count >= max_batches
           AND EXISTS (SELECT FROM dcpf.data_key k WHERE k.wrapped IS NOT NULL AND k.generation <> target) THEN
            UPDATE dcpf.key_rotation_run r SET status = 'paused', finished_at = pg_catalog.clock_timestamp() WHERE r.id = run;
            COMMIT;
            RAISE NOTICE 'rotate_master_key: paused after % batches; call again to resume', batch_count;
            RETURN;
        END IF;
    END LOOP;
    UPDATE dcpf.key_rotation_run r SET status = 'done', finished_at = pg_catalog.clock_timestamp() WHERE r.id = run;
    COMMIT;
    RAISE NOTICE 'rotate_master_key: done, % data keys re-wrapped into generation %', done, target;
END
$$;
COMMENT ON PROCEDURE dcpf.rotate_master_key(integer, integer) IS
    're-wraps every data key into the current master key generation in committed batches, with progress in dcpf.key_rotation_run and NOTICEs; resumable; CALL it outside a transaction block (it cannot pin search_path, which would forbid COMMIT: it qualifies every name instead)';

CREATE FUNCTION dcpf.retire_master_key(generation integer)
    RETURNS timestamptz
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    still bigint;
    at timestamptz;
BEGIN
    IF EXISTS (SELECT FROM dcpf.master_key_generations() s
                WHERE s.generation = retire_master_key.generation AND s.is_current) THEN
        RAISE EXCEPTION 'master key generation % is the current one', retire_master_key.generation
            USING ERRCODE = 'object_in_use',
                  DETAIL = 'New data keys are wrapped by it.',
                  HINT = 'Add a newer generation to the key source and rotate first.';
    END IF;
    -- keep the rows still wrapped by it from changing while we decide
    LOCK TABLE dcpf.data_key IN SHARE MODE;
    SELECT count(*) INTO still FROM dcpf.data_key k
     WHERE k.wrapped IS NOT NULL AND k.generation = retire_master_key.generation;
    IF still > 0 THEN
        RAISE EXCEPTION 'master key generation % still wraps % data keys', retire_master_key.generation, still
            USING ERRCODE = 'object_in_use',
                  HINT = 'CALL dcpf.rotate_master_key() first.';
    END IF;
    INSERT INTO dcpf.master_key_generation AS g (generation, check_value, retired_at)
    VALUES (retire_master_key.generation, '\x00000000000000000000000000000000', now())
    ON CONFLICT ON CONSTRAINT master_key_generation_pkey
        DO UPDATE SET retired_at = coalesce(g.retired_at, EXCLUDED.retired_at)
    RETURNING g.retired_at INTO at;
    RETURN at;
END
$$;
COMMENT ON FUNCTION dcpf.retire_master_key(integer) IS
    'retires a master key generation that wraps no data key any more: it is refused from then on, and its key can be removed from the key source (which makes older backups unreadable for it)';

CREATE FUNCTION dcpf.shred_person_key(person uuid, reason text)
    RETURNS timestamptz
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    at timestamptz;
    t record;
BEGIN
    IF reason IS NULL OR length(btrim(reason)) = 0 THEN
        RAISE EXCEPTION 'shredding a key needs a reason'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Say why, e.g. the erasure request it carries out.';
    END IF;
    IF person IS NULL OR NOT (EXISTS (SELECT FROM dcpf.person p WHERE p.id = shred_person_key.person)
                              OR EXISTS (SELECT FROM dcpf.data_key k WHERE k.subject_id = shred_person_key.person)) THEN
        RAISE EXCEPTION 'no person with id %', person
            USING ERRCODE = 'no_data_found';
    END IF;
    -- no key can be made for the person while this transaction runs
    PERFORM dcpf.lock_data_key_subject(shred_person_key.person);
    SELECT k.shredded_at INTO at FROM dcpf.data_key k
     WHERE k.subject_id = shred_person_key.person FOR UPDATE;
    IF at IS NOT NULL THEN
        RAISE NOTICE 'the key of person % was already shredded at %', person, at;
        RETURN at;
    END IF;
    -- with no key yet, a destroyed one is recorded, so nothing is ever encrypted for them again
    INSERT INTO dcpf.data_key AS k (id, subject_id, wrapped, shredded_at, shred_reason)
    VALUES (gen_random_uuid(), shred_person_key.person, NULL, now(), btrim(shred_person_key.reason))
    ON CONFLICT ON CONSTRAINT data_key_one_per_subject
        DO UPDATE SET wrapped = NULL, shredded_at = EXCLUDED.shredded_at, shred_reason = EXCLUDED.shred_reason
    RETURNING k.shredded_at INTO at;
    PERFORM dcpf.forget_data_keys();
    -- a blind index would still confirm a guessed value: clear the person's
    -- blind indexes in every table that keeps one (per its sealed_column trigger)
    FOR t IN
        SELECT tg.tgrelid::regclass AS tbl,
               split_part(encode(tg.tgargs, 'escape'), E'\\000', 4) AS subject_column,
               split_part(encode(tg.tgargs, 'escape'), E'\\000', 5) AS blind_column
          FROM pg_catalog.pg_trigger tg
         WHERE tg.tgfoid = 'dcpf.sealed_column()'::regprocedure AND NOT tg.tgisinternal
    LOOP
        CONTINUE WHEN t.blind_column = '';
        EXECUTE format('UPDATE %s SET %I = NULL WHERE %I = $1 AND %I IS NOT NULL',
                       t.tbl, t.blind_column, t.subject_column, t.blind_column)
          USING shred_person_key.person;
    END LOOP;
    RETURN at;
END
$$;
COMMENT ON FUNCTION dcpf.shred_person_key(uuid, text) IS
    'crypto-shredding: destroys the person''s data key, so every ciphertext of theirs (tables, audit payloads, replicas, later restores of backups once the wrapping generation is retired) is unreadable; returns when';

-- who may call what: encrypting and decrypting are for the application (the
-- decrypt functions check the caller's entitlement themselves); keys are
-- managed by the extension owner alone
REVOKE EXECUTE ON FUNCTION
    dcpf.encrypt(text, text, text, uuid, uuid),
    dcpf.encrypt(bytea, text, text, uuid, uuid),
    dcpf.decrypt_text(bytea, text, text, uuid, uuid),
    dcpf.decrypt(bytea, text, text, uuid, uuid),
    dcpf.decrypt_text(bytea, text, text, uuid, uuid, boolean),
    dcpf.decrypt(bytea, text, text, uuid, uuid, boolean),
    dcpf.ciphertext_info(bytea),
    dcpf.person_by_big_number(dcpf.big_number),
    dcpf.sealed_column(),
    dcpf.master_key_generations(),
    dcpf.rewrap_data_key(uuid, uuid, bytea),
    dcpf.forget_data_keys(),
    dcpf.lock_data_key_subject(uuid),
    dcpf.invalidate_key_caches(),
    dcpf.rotate_master_key_batch(integer),
    dcpf.retire_master_key(integer),
    dcpf.shred_person_key(uuid, text)
FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE dcpf.rotate_master_key(integer, integer) FROM PUBLIC;
REVOKE ALL ON dcpf.master_key_status FROM PUBLIC;
