-- 125_audit_queue.sql: the state of the rollback-proof audit queue
-- (src/auditq.c). Reads of another person's data and refused logins are
-- queued in shared memory before the data is returned, and written to
-- dcpf.audit_event by a background worker per database in its own
-- transaction. This function lets the maintenance role watch that queue.
-- See doc/reference/audit-queue.md.

CREATE FUNCTION dcpf.audit_queue_status(
        OUT capacity integer, OUT queued integer, OUT queued_here integer, OUT worker_pid integer,
        OUT enqueued bigint, OUT written bigint, OUT failed bigint, OUT preloaded boolean,
        OUT last_failure_at timestamptz)
    RETURNS record
    AS 'MODULE_PATHNAME', 'dcpf_audit_queue_status'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.audit_queue_status() IS
    'the audit queue: capacity (dcpf.audit_queue_size), events queued for all databases and for this one, the pid of this database''s audit worker (NULL: none running), and for this database the events queued, written and dropped unwritten since the server started, and the time of the last failed write attempt; preloaded is false (and the rest NULL) when dcpf is not in shared_preload_libraries';
REVOKE ALL ON FUNCTION dcpf.audit_queue_status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.audit_queue_status() TO dcpf_maintenance;

CREATE FUNCTION dcpf.audit_queue_drain(timeout interval DEFAULT '1 minute') RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    until timestamptz := clock_timestamp() + timeout;
    left_here integer;
BEGIN
    IF timeout IS NULL OR timeout < interval '0' THEN
        RAISE EXCEPTION 'timeout must be a non-negative interval'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(timeout::text, 'NULL'));
    END IF;
    LOOP
        SELECT s.queued_here INTO left_here FROM dcpf.audit_queue_status() s;
        IF coalesce(left_here, 0) = 0 THEN
            RETURN true;            -- nothing of this database is waiting (or dcpf is not preloaded)
        END IF;
        IF clock_timestamp() >= until THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.audit_queue_drain(interval) IS
    'waits until no audit event of this database is waiting in the queue (every read logged so far is in dcpf.audit_event), at most timeout; true when that moment came, false on timeout. For a seal or a check that must see every read logged before it';
REVOKE ALL ON FUNCTION dcpf.audit_queue_drain(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.audit_queue_drain(interval) TO dcpf_maintenance;
