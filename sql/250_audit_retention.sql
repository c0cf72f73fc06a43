-- 250_audit_retention.sql: retention of the audit trail by months
-- (src/retention.c, removed.c). An expired month leaves the trail whole: its
-- partition is detached and dropped, never deleted row by row, and in the same
-- transaction a record of what it held is written and signed with the audit
-- key, so that dcpf.audit_verify and tools/audit-verify tell events removed by
-- retention from deleted ones. A month holding an event covered by a legal
-- hold in force is kept. Any other DROP or DETACH of an audit partition is
-- refused (the guard in src/retention.c); what a superuser does around it is
-- found by verification. See doc/reference/audit.md ("Retention").

CREATE TABLE dcpf.audit_dropped_partition (
    month             date PRIMARY KEY CONSTRAINT audit_dropped_partition_first_day CHECK (extract(day FROM month) = 1),
    partition_name    text NOT NULL CONSTRAINT audit_dropped_partition_name_format CHECK (partition_name ~ '^audit_event_[0-9]{4}_[0-9]{2}$'),
    events            bigint NOT NULL CONSTRAINT audit_dropped_partition_events_counted CHECK (events >= 0),
    first_id          bigint,
    last_id           bigint,
    event_ids         int8multirange NOT NULL,
    first_seal        bigint,
    last_seal         bigint,
    chain             text,
    dropped_at        timestamptz NOT NULL,
    database_role     text NOT NULL,
    effective_role    text NOT NULL,
    application_name  text,
    statement         text NOT NULL,
    signature         bytea NOT NULL CONSTRAINT audit_dropped_partition_signature_size CHECK (octet_length(signature) = 64),
    boundary_digests  bytea NOT NULL,
    CONSTRAINT audit_dropped_partition_range_whole CHECK ((events = 0) = (first_id IS NULL) AND (first_id IS NULL) = (last_seal IS NULL))
);
COMMENT ON TABLE dcpf.audit_dropped_partition IS
    'the months of the audit trail dropped by retention (dcpf.audit_drop_expired_partitions): what each held, the seals that covered it and the chain at its end, signed with the audit key and written in the same transaction as the drop; append-only. Verification reads it to tell events removed by retention from deleted ones';
COMMENT ON COLUMN dcpf.audit_dropped_partition.month IS 'the month (UTC) whose partition was dropped: its first day';
COMMENT ON COLUMN dcpf.audit_dropped_partition.partition_name IS 'the partition dropped (dcpf.audit_event_YYYY_MM)';
COMMENT ON COLUMN dcpf.audit_dropped_partition.events IS 'how many events it held';
COMMENT ON COLUMN dcpf.audit_dropped_partition.first_id IS 'the lowest event number it held';
COMMENT ON COLUMN dcpf.audit_dropped_partition.last_id IS 'the highest event number it held';
COMMENT ON COLUMN dcpf.audit_dropped_partition.event_ids IS
    'the event numbers removed, as runs of sealed numbers: a run never spans a sealed event of another month, so the record excuses no other gap';
COMMENT ON COLUMN dcpf.audit_dropped_partition.first_seal IS 'the first seal that covered its events';
COMMENT ON COLUMN dcpf.audit_dropped_partition.last_seal IS 'the last seal that covered its events';
COMMENT ON COLUMN dcpf.audit_dropped_partition.chain IS 'the chain hash after the last seal that covered its events (hex): where the record is anchored in the signed chain';
COMMENT ON COLUMN dcpf.audit_dropped_partition.dropped_at IS 'when the record was written, in the transaction that dropped the partition';
COMMENT ON COLUMN dcpf.audit_dropped_partition.database_role IS 'the database account (session user) that ran the retention';
COMMENT ON COLUMN dcpf.audit_dropped_partition.effective_role IS 'the role it ran as (e.g. dcpf_maintenance)';
COMMENT ON COLUMN dcpf.audit_dropped_partition.application_name IS 'the session''s application_name: which job ran it (pg_cron, the retention job)';
COMMENT ON COLUMN dcpf.audit_dropped_partition.statement IS
    'the signed statement (JSON): month, partition, key, events, first and last number, the runs of numbers, first and last seal, the chain before and after them, the hash of the boundary digests, when, by whom; what verification trusts';
COMMENT ON COLUMN dcpf.audit_dropped_partition.signature IS 'Ed25519 signature of the statement''s exact bytes with the audit signing key';
COMMENT ON COLUMN dcpf.audit_dropped_partition.boundary_digests IS
    'per removed event that shared a seal with events of other months: its number (8 bytes, big-endian) and the full SHA-256 of its line, so that the chain of that seal can still be recomputed';
-- hashes do not compress: stored as they are (no futile compression at every drop)
ALTER TABLE dcpf.audit_dropped_partition ALTER COLUMN boundary_digests SET STORAGE EXTERNAL;
ALTER TABLE dcpf.audit_dropped_partition FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.audit_dropped_partition ENABLE ROW LEVEL SECURITY;
-- like the seals, the owner's alone: the retention job learns what it did
-- from dcpf.audit_drop_expired_partitions, an auditor from dcpf.audit_verify
-- and dcpf.audit_export
REVOKE ALL ON dcpf.audit_dropped_partition FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('dcpf.audit_dropped_partition', '');
CREATE TRIGGER audit_dropped_partition_append_only BEFORE UPDATE OR DELETE ON dcpf.audit_dropped_partition
    FOR EACH ROW EXECUTE FUNCTION dcpf.audit_refuse_change('retention records');
CREATE TRIGGER audit_dropped_partition_no_truncate BEFORE TRUNCATE ON dcpf.audit_dropped_partition
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_refuse_change('retention records');
-- each record is itself an event: the drop of a month is in the trail
SELECT dcpf.audit_table('dcpf.audit_dropped_partition', NULL, 'audit_retention');

INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    ('audit_dropped_partition', NULL, 'month', 'none', false,
     '{partition_name,chain,database_role,effective_role,application_name,statement}',
     'the record of months of the audit trail dropped by retention: numbers, hashes and the database roles that ran it');
INSERT INTO dcpf.personal_data_column (table_name, column_name, whose, category, on_erasure, exported, decrypt_as, basis) VALUES
    ('audit_dropped_partition', 'signature', 'subject', 'technical', 'keep', false, NULL, 'signature over numbers and hashes'),
    ('audit_dropped_partition', 'boundary_digests', 'subject', 'technical', 'keep', false, NULL, 'hashes of removed audit rows');

CREATE FUNCTION dcpf.audit_retention_prepare(partition regclass, month date, dry_run boolean,
                                             hold_ids uuid[], hold_licensees uuid[],
                                             OUT events bigint, OUT reason text, OUT held_by uuid[])
    RETURNS record
    AS 'MODULE_PATHNAME', 'dcpf_audit_retention_prepare'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION dcpf.audit_retention_prepare(regclass, date, boolean, uuid[], uuid[]) IS
    'internal to dcpf.audit_drop_expired_partitions: surveys the partition of a past month in one scan: its events, and which of the given legal holds on whole licensees (ids, licensees) cover one of them; then, unless held, against the seals (every event sealed; its events on seals shared with other months as those seals recorded). Returns its events and why it must be kept (with the holds), or NULL reason when it may go, and then (unless dry_run) writes and signs its record in dcpf.audit_dropped_partition; owner only';
REVOKE ALL ON FUNCTION dcpf.audit_retention_prepare(regclass, date, boolean, uuid[], uuid[]) FROM PUBLIC;

CREATE FUNCTION dcpf.audit_retention_drop(partitions regclass[]) RETURNS void
    AS 'MODULE_PATHNAME', 'dcpf_audit_retention_drop'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION dcpf.audit_retention_drop(regclass[]) IS
    'internal to dcpf.audit_drop_expired_partitions: detaches and drops audit partitions whose record this transaction wrote (55000 for any other); the only DROP and DETACH of an audit partition the guard lets pass; owner only';
REVOKE ALL ON FUNCTION dcpf.audit_retention_drop(regclass[]) FROM PUBLIC;

-- The retention of the audit trail, for dcpf_maintenance (and the purge job).
-- Runs as the owner in UTC and ISO dates (the months are UTC months; the
-- partitions' bounds are compared as text). Reads no content: event numbers,
-- counts, and whether an event is of a held licensee or person.
CREATE FUNCTION dcpf.audit_drop_expired_partitions(older_than timestamptz, dry_run boolean DEFAULT false)
    RETURNS TABLE (month date, partition_name text, events bigint, outcome text, reason text, held_by uuid[])
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET TimeZone = 'UTC'
    SET DateStyle = 'ISO, YMD'
AS $$
DECLARE
    cand record;
    in_force uuid[];
    hold_ids uuid[];
    hold_licensees uuid[];
    held uuid[];
    survey record;
    ready regclass[] := '{}';
    ready_months date[] := '{}';
    ready_names text[] := '{}';
    ready_events bigint[] := '{}';
    saved_timeout text;
    locked boolean := false;
BEGIN
    IF older_than IS NULL OR older_than > now() THEN
        RAISE EXCEPTION 'invalid cut-off for the audit trail: %', coalesce(older_than::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The cut-off must be given and must not lie in the future: months that end before it are dropped.',
                  HINT = 'The retention term (at least 5 years for the access log) is the retention policy''s; pass now() minus that term.';
    END IF;
    IF dry_run IS NULL THEN
        RAISE EXCEPTION 'dry_run must be true or false' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A NULL dry_run says neither to drop nor to only report.';
    END IF;
    IF NOT dry_run THEN
        -- no hold is placed or lifted while the months are weighed and dropped
        LOCK TABLE dcpf.legal_hold IN SHARE MODE;
    END IF;
    -- A legal hold in force for the access log covers the events of its
    -- licensee, of its person if it names one. Holds on a person are looked up
    -- in each month by the person's index; holds on a whole licensee are
    -- checked by the survey, which reads every event anyway.
    SELECT coalesce(array_agg(h.id ORDER BY h.id), '{}') INTO in_force FROM dcpf.legal_hold h
     WHERE h.lifted_at IS NULL AND (h.until IS NULL OR h.until > now()) AND (h.category IS NULL OR h.category = 'access_log');
    SELECT coalesce(array_agg(h.id ORDER BY h.id), '{}'), coalesce(array_agg(h.licensee_id ORDER BY h.id), '{}')
      INTO hold_ids, hold_licensees
      FROM dcpf.legal_hold h WHERE h.id = ANY (in_force) AND h.person_id IS NULL;
    BEGIN
        FOR cand IN
            SELECT c.oid::regclass AS part, c.relname::text AS name, to_date(substr(c.relname, 13), 'YYYY_MM') AS m,
                   pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound
              FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'dcpf.audit_event'::regclass
               AND c.relname ~ '^audit_event_[0-9]{4}_(0[1-9]|1[0-2])$'
               AND (to_date(substr(c.relname, 13), 'YYYY_MM') + interval '1 month')::timestamp AT TIME ZONE 'UTC' <= older_than
             ORDER BY 3
        LOOP
            IF cand.bound IS DISTINCT FROM format('FOR VALUES FROM (%L) TO (%L)', cand.m::text || ' 00:00:00+00',
                                                  (cand.m + interval '1 month')::date::text || ' 00:00:00+00') THEN
                RETURN QUERY SELECT cand.m, cand.name, NULL::bigint, 'kept'::text,
                    format('not a month''s partition made by dcpf.audit_create_partition (%s)', cand.bound), NULL::uuid[];
                CONTINUE;
            END IF;
            EXECUTE format('SELECT array_agg(h.id ORDER BY h.id) FROM dcpf.legal_hold h
                             WHERE h.id = ANY ($1) AND h.person_id IS NOT NULL
                               AND EXISTS (SELECT FROM %s e WHERE e.subject_person = h.person_id AND e.licensee_id = h.licensee_id)',
                           cand.part) INTO held USING in_force;
            IF held IS NOT NULL THEN
                SELECT * INTO survey FROM dcpf.audit_retention_prepare(cand.part, cand.m, true, hold_ids, hold_licensees);
                SELECT array_agg(DISTINCT x ORDER BY x) INTO held FROM unnest(held || survey.held_by) x;
                RETURN QUERY SELECT cand.m, cand.name, survey.events, 'kept'::text,
                                    format('held: %s legal hold(s) in force cover events of this month', cardinality(held)), held;
                CONTINUE;
            END IF;
            SELECT * INTO survey FROM dcpf.audit_retention_prepare(cand.part, cand.m, dry_run, hold_ids, hold_licensees);
            IF survey.reason IS NOT NULL THEN
                RETURN QUERY SELECT cand.m, cand.name, survey.events, 'kept'::text, survey.reason, survey.held_by;
            ELSIF dry_run THEN
                RETURN QUERY SELECT cand.m, cand.name, survey.events, 'would drop'::text,
                                    'the whole month lies before the cut-off'::text, NULL::uuid[];
            ELSE
                ready := ready || cand.part;
                ready_months := ready_months || cand.m;
                ready_names := ready_names || cand.name;
                ready_events := ready_events || survey.events;
            END IF;
        END LOOP;
        IF cardinality(ready) > 0 THEN
            -- The drop locks the trail (ACCESS EXCLUSIVE on dcpf.audit_event, its
            -- default partition and the month's): take those locks first, each
            -- attempt waiting at most 100 ms, so that writers never queue long
            -- behind a session that keeps the trail open; then only catalog work
            -- remains until the commit.
            saved_timeout := current_setting('lock_timeout');
            FOR attempt IN 1 .. 10 LOOP
                BEGIN
                    PERFORM set_config('lock_timeout', '100ms', true);
                    LOCK TABLE dcpf.audit_event, dcpf.audit_event_default IN ACCESS EXCLUSIVE MODE;
                    FOR i IN 1 .. cardinality(ready) LOOP
                        EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', ready[i]);
                    END LOOP;
                    locked := true;
                EXCEPTION WHEN lock_not_available THEN
                    PERFORM pg_sleep(0.05 * attempt);
                END;
                EXIT WHEN locked;
            END LOOP;
            PERFORM set_config('lock_timeout', saved_timeout, true);
            IF NOT locked THEN
                RAISE lock_not_available;
            END IF;
            PERFORM dcpf.audit_retention_drop(ready);
            RETURN QUERY SELECT u.m, u.name, u.n, 'dropped'::text, 'the whole month lies before the cut-off'::text, NULL::uuid[]
                           FROM unnest(ready_months, ready_names, ready_events) u(m, name, n);
        END IF;
    EXCEPTION WHEN lock_not_available THEN
        -- the records written above are undone with the block; nothing was dropped
        RETURN QUERY SELECT u.m, u.name, u.n, 'kept'::text,
                            'the audit trail stayed in use by other sessions (lock_timeout); try again later'::text, NULL::uuid[]
                       FROM unnest(ready_months, ready_names, ready_events) u(m, name, n);
    END;
    -- the default partition is never dropped: say so when it holds events of such months
    RETURN QUERY
        SELECT date_trunc('month', d.occurred_at)::date, 'audit_event_default'::text, count(*), 'kept'::text,
               'the default partition is never dropped; make the month''s partition (dcpf.audit_create_partition) to let them go'::text,
               NULL::uuid[]
          FROM dcpf.audit_event_default d
         WHERE d.occurred_at < date_trunc('month', older_than)
         GROUP BY 1;
END
$$;
COMMENT ON FUNCTION dcpf.audit_drop_expired_partitions(timestamptz, boolean) IS
    'retention of the audit trail: detaches and drops every monthly partition whose whole month lies before older_than, with a signed record of each (dcpf.audit_dropped_partition) in the same transaction; keeps a month holding an event covered by a legal hold in force (category NULL or access_log), one not wholly sealed, or one that differs from its seals; one row per month considered (dropped, kept or, in a dry run, would drop) with the reason and the holds; a dry run changes nothing. 22023 for a NULL or future cut-off. For dcpf_maintenance';
REVOKE ALL ON FUNCTION dcpf.audit_drop_expired_partitions(timestamptz, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.audit_drop_expired_partitions(timestamptz, boolean) TO dcpf_maintenance;
