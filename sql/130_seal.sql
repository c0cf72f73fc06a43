-- 130_seal.sql: tamper evidence for the audit trail (src/seal.c, sealer.c,
-- verify.c). dcpf.audit_seal chains the events committed since the last seal
-- with SHA-256 and signs a statement of what it covered with Ed25519;
-- dcpf.audit_verify and tools/audit-verify check it. See
-- doc/reference/audit.md ("Tamper evidence").

CREATE TABLE dcpf.audit_seal (
    seal_no          bigint PRIMARY KEY CONSTRAINT audit_seal_no_positive CHECK (seal_no > 0),
    sealed_at        timestamptz NOT NULL,
    high_id          bigint NOT NULL,
    key_fingerprint  text NOT NULL,
    statement        text NOT NULL,
    signature        bytea NOT NULL CONSTRAINT audit_seal_signature_size CHECK (octet_length(signature) = 64),
    row_digests      bytea NOT NULL
);
CREATE INDEX audit_seal_sealed_at_idx ON dcpf.audit_seal (sealed_at);
CREATE INDEX audit_seal_high_id_idx ON dcpf.audit_seal (high_id);
COMMENT ON INDEX dcpf.audit_seal_high_id_idx IS 'the first seal that reaches an event number (retention finds the seals of a month with it)';
COMMENT ON TABLE dcpf.audit_seal IS
    'signed checkpoints of the audit trail: each chains the events committed since the previous one (append-only)';
COMMENT ON COLUMN dcpf.audit_seal.seal_no IS 'the seal''s number: 1, 2, 3, … without gaps';
COMMENT ON COLUMN dcpf.audit_seal.sealed_at IS 'when the seal was made';
COMMENT ON COLUMN dcpf.audit_seal.high_id IS 'the highest event number the seal covers (events of transactions still running then are sealed later, as late events)';
COMMENT ON COLUMN dcpf.audit_seal.key_fingerprint IS 'SHA-256 of the raw Ed25519 public key that signed it, in hex';
COMMENT ON COLUMN dcpf.audit_seal.statement IS
    'the signed statement (JSON): number, time, key, event range, pending transactions, late events, counts, time span, hash of the digest list, previous and new chain hash';
COMMENT ON COLUMN dcpf.audit_seal.signature IS 'Ed25519 signature of the statement''s exact bytes';
COMMENT ON COLUMN dcpf.audit_seal.row_digests IS
    'per sealed event, in chain order: its number (8 bytes, big-endian) and the first 8 bytes of its line''s SHA-256; lets verification name the event that differs';
ALTER TABLE dcpf.audit_seal FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.audit_seal ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON dcpf.audit_seal FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('dcpf.audit_seal', '');
CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON dcpf.audit_seal
    FOR EACH ROW EXECUTE FUNCTION dcpf.audit_refuse_change('seals');
CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON dcpf.audit_seal
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_refuse_change('seals');

CREATE FUNCTION dcpf.audit_event_line(event dcpf.audit_event) RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_audit_event_line'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.audit_event_line(dcpf.audit_event) IS
    'the canonical line of an audit event, as the seal hashes it: a JSON object of every column in table order, without spaces, times in UTC with microseconds';
REVOKE ALL ON FUNCTION dcpf.audit_event_line(dcpf.audit_event) FROM PUBLIC;

CREATE FUNCTION dcpf.audit_public_key() RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_audit_public_key'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.audit_public_key() IS
    'the public half of the audit signing key (PEM): give it to auditors, who check an export with tools/audit-verify and nothing else';
GRANT EXECUTE ON FUNCTION dcpf.audit_public_key() TO dcpf_app, dcpf_maintenance, dcpf_reporting;

CREATE FUNCTION dcpf.audit_seal(max_events integer DEFAULT 100000,
                                OUT seal_no bigint, OUT range_events bigint, OUT late_events bigint,
                                OUT pending_transactions integer, OUT high_id bigint)
    RETURNS record
    AS 'MODULE_PATHNAME', 'dcpf_audit_seal'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION dcpf.audit_seal(integer) IS
    'seals the audit events committed since the last seal (at most max_events numbers further): chains them with SHA-256 and signs the seal with Ed25519; returns the seal (seal_no NULL: nothing to seal); for dcpf_maintenance or pg_cron';
REVOKE ALL ON FUNCTION dcpf.audit_seal(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.audit_seal(integer) TO dcpf_maintenance;

-- the seal job (dcpf.schedule_maintenance runs it every five minutes): seal
-- after seal, each committed, until nothing is left or max_duration has
-- passed. One dcpf.audit_seal covers at most max_events numbers, so a job
-- that made a single seal per run would fall behind as soon as more than
-- that many events came in between two runs (bench/load: ~3,000 events/s
-- from supervisors' logged reads, 900,000 in five minutes)
CREATE PROCEDURE dcpf.run_seal(max_duration interval DEFAULT interval '4 minutes', max_events integer DEFAULT 100000,
                               INOUT report jsonb DEFAULT NULL)
    LANGUAGE plpgsql
AS $$
DECLARE
    until timestamptz;
    seal record;
    seals bigint := 0;
    events bigint := 0;
BEGIN
    IF max_duration IS NULL OR max_duration OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION 'max_duration must be a positive interval'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = pg_catalog.format('Got %s.', coalesce(max_duration::text, 'NULL'));
    END IF;
    until := pg_catalog.clock_timestamp() OPERATOR(pg_catalog.+) max_duration;
    LOOP
        -- (max_events is checked by dcpf.audit_seal)
        SELECT * INTO seal FROM dcpf.audit_seal(max_events);
        EXIT WHEN seal.seal_no IS NULL;
        COMMIT;
        seals := seals OPERATOR(pg_catalog.+) 1;
        events := events OPERATOR(pg_catalog.+) seal.range_events OPERATOR(pg_catalog.+) seal.late_events;
        EXIT WHEN pg_catalog.clock_timestamp() OPERATOR(pg_catalog.>=) until;
    END LOOP;
    report := pg_catalog.jsonb_build_object('seals', seals, 'events', events, 'caught_up', seal.seal_no IS NULL);
END
$$;
COMMENT ON PROCEDURE dcpf.run_seal(interval, integer, jsonb) IS
    'the seal job: dcpf.audit_seal(max_events) again and again, each seal committed, until nothing is left to seal or max_duration has passed (the next run continues); returns {"seals", "events", "caught_up"}. For dcpf_maintenance or pg_cron (dcpf.schedule_maintenance schedules it every five minutes); CALL it outside a transaction block (it commits)';
REVOKE ALL ON PROCEDURE dcpf.run_seal(interval, integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE dcpf.run_seal(interval, integer, jsonb) TO dcpf_maintenance;

CREATE FUNCTION dcpf.audit_verify(from_time timestamptz, to_time timestamptz,
                                  OUT verified boolean, OUT seals_checked bigint, OUT events_checked bigint,
                                  OUT problem text, OUT seal_no bigint, OUT event_id bigint, OUT detail text,
                                  OUT events_removed bigint, OUT months_removed date[])
    RETURNS record
    AS 'MODULE_PATHNAME', 'dcpf_audit_verify'
    LANGUAGE C VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION dcpf.audit_verify(timestamptz, timestamptz) IS
    'checks every seal made from from_time to to_time against the events and reports the first inconsistency: bad signature, broken chain, deleted seal, a changed, deleted, inserted or reordered event, or a bad retention record; sealed events that retention removed (dcpf.audit_dropped_partition) are counted in events_removed with their months, not reported; the call is logged';
REVOKE ALL ON FUNCTION dcpf.audit_verify(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.audit_verify(timestamptz, timestamptz) TO dcpf_maintenance;

CREATE FUNCTION dcpf.audit_export(from_time timestamptz, to_time timestamptz)
    RETURNS SETOF text
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s dcpf.audit_seal;
    st jsonb;
    first_no bigint;
    last_no bigint;
BEGIN
    PERFORM dcpf.audit_check_period(from_time, to_time);
    PERFORM dcpf.audit_note('audit_read', 'audit_event', NULL, NULL,
                            jsonb_build_object('view', 'export', 'from', from_time, 'to', to_time));
    -- first the records of months dropped by retention that the exported seals
    -- cover: the verifier needs them to tell those events from deleted ones
    SELECT min(a.seal_no), max(a.seal_no) INTO first_no, last_no
      FROM dcpf.audit_seal a WHERE a.sealed_at >= from_time AND a.sealed_at <= to_time;
    RETURN QUERY
        SELECT format('R %s %s %s', encode(d.signature, 'hex'), encode(d.boundary_digests, 'hex'), d.statement)
          FROM dcpf.audit_dropped_partition d
         WHERE d.first_seal <= last_no AND d.last_seal >= first_no
         ORDER BY d.month;
    FOR s IN SELECT * FROM dcpf.audit_seal a WHERE a.sealed_at >= from_time AND a.sealed_at <= to_time ORDER BY a.seal_no LOOP
        st := s.statement::jsonb;
        RETURN QUERY
            SELECT 'E ' || dcpf.audit_event_line(e) FROM dcpf.audit_event e
             WHERE e.id > (st ->> 'prev_high_id')::bigint AND e.id <= (st ->> 'high_id')::bigint
               AND e.xact_id NOT IN (SELECT (p ->> 0)::xid8 FROM jsonb_array_elements(st -> 'pending') p)
             ORDER BY e.id;
        RETURN QUERY
            SELECT 'E ' || dcpf.audit_event_line(e) FROM dcpf.audit_event e
             WHERE e.id IN (SELECT (l #>> '{}')::bigint FROM jsonb_array_elements(st -> 'late_ids') l)
             ORDER BY e.id;
        RETURN NEXT format('S %s %s %s', encode(s.signature, 'hex'), encode(s.row_digests, 'hex'), s.statement);
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.audit_export(timestamptz, timestamptz) IS
    'the seals made from from_time to to_time with the events they cover, as lines for tools/audit-verify: first "R <signature hex> <boundary digests hex> <statement>" per month dropped by retention that those seals cover, then "E <event line>" … and "S <signature hex> <digests hex> <statement>" per seal; owner only; the call is logged';
REVOKE ALL ON FUNCTION dcpf.audit_export(timestamptz, timestamptz) FROM PUBLIC;
