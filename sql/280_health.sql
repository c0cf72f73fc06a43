-- 280_health.sql: the DBA's health view. One row per check, each ok,
-- warning or critical against a documented threshold: the master key
-- generations the data keys need and a rotation left half done, the audit
-- trail's partitions ahead and its default partition, how long events wait
-- for a seal, the last retention run, licence ends not completed, the depth
-- of the audit queue and of the notice queue, and the deadlines of open
-- data-subject requests and breaches. Counts, ages, generation numbers and
-- partition names only: nothing of a person, and no event's content (so
-- reading it is not an audit read, and it works on a hot standby). See
-- doc/reference/health.md.
--
-- Who reads it: dcpf_maintenance (the role that runs the jobs these checks
-- watch, and reads no content) and superusers. The checks read tables that
-- role cannot (the data keys, the audit trail, the notices, requests and
-- breaches), so the view is security_invoker over dcpf.health_checks(), a
-- SECURITY DEFINER function granted to dcpf_maintenance alone. Not
-- dcpf_app, whose identities see only their own rows, and not
-- dcpf_reporting, which sees aggregates meant for reports: the state of the
-- keys and of the privacy deadlines is the operator's.

-- the status of a measured value against its thresholds (higher is worse)
CREATE FUNCTION dcpf.health_status(measured numeric, warning_at numeric, critical_at numeric) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN measured IS NULL THEN NULL
            WHEN critical_at IS NOT NULL AND measured >= critical_at THEN 'critical'
            WHEN warning_at IS NOT NULL AND measured >= warning_at THEN 'warning'
            ELSE 'ok' END;
COMMENT ON FUNCTION dcpf.health_status(numeric, numeric, numeric) IS
    'ok, warning (measured at or above warning_at) or critical (at or above critical_at) for a value where higher is worse; a NULL threshold is never reached; NULL for a NULL value';
REVOKE ALL ON FUNCTION dcpf.health_status(numeric, numeric, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.health_status(numeric, numeric, numeric) TO dcpf_maintenance;

-- an interval as the checks show it: whole seconds
CREATE FUNCTION dcpf.health_age(age interval) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN date_trunc('second', greatest(age, interval '0'))::text;
COMMENT ON FUNCTION dcpf.health_age(interval) IS 'an age as the health checks show it, in whole seconds, never below 0 (a row committed after the check''s transaction began is younger than its now()), in the session''s IntervalStyle, hence STABLE';
REVOKE ALL ON FUNCTION dcpf.health_age(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.health_age(interval) TO dcpf_maintenance;

CREATE FUNCTION dcpf.health_checks()
    RETURNS TABLE (check_name text, status text, value text, threshold text, detail text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    in_source int[];
    current_generation int;
    source_error text;
    n bigint;
    m bigint;
    oldest timestamptz;
    nearest timestamptz;
    ahead int := 0;
    has_current boolean;
    last_run dcpf.job_run;
    rotation dcpf.key_rotation_run;
    per_generation text;
    missing text;
    q record;
    past bigint;
    near bigint;
    node text;
    sealed_as text;
    fingerprint text;
    listed text;
BEGIN
    -- master keys: every generation that wraps a data key must be in the key source
    BEGIN
        SELECT array_agg(s.generation ORDER BY s.generation), max(s.generation) FILTER (WHERE s.is_current)
          INTO in_source, current_generation
          FROM dcpf.master_key_generations() s;
    EXCEPTION WHEN OTHERS THEN
        source_error := SQLSTATE || ' ' || SQLERRM;
    END;
    check_name := 'master_keys.key_source';
    threshold := '0 data keys of a generation missing';
    IF source_error IS NOT NULL THEN
        status := 'critical'; value := NULL;
        detail := format('The key source cannot be read (%s): nothing can be encrypted or decrypted. '
                         'See doc/guides/keys.md.', source_error);
    ELSE
        SELECT count(*), string_agg(DISTINCT k.generation::text, ', ') INTO n, missing
          FROM dcpf.data_key k
         WHERE k.wrapped IS NOT NULL AND NOT k.generation = ANY (coalesce(in_source, '{}'));
        status := dcpf.health_status(n, 1, 1); value := n::text;
        detail := CASE WHEN n > 0
            THEN format('%s data keys are wrapped by generation %s, which the key source does not hold: the encrypted '
                        'columns of their persons and licensees cannot be read. Put the generation back into the key file '
                        '(doc/guides/keys.md).', n, missing)
            ELSE format('The key source holds generation %s (current: %s); every data key is wrapped by one of them.',
                        coalesce(array_to_string(in_source, ', '), 'none'), coalesce(current_generation::text, 'none')) END;
    END IF;
    RETURN NEXT;

    -- master keys: data keys still wrapped by an older generation (a rotation to do or to finish)
    SELECT string_agg(format('generation %s: %s', g.generation, g.keys), ', ' ORDER BY g.generation)
      INTO per_generation
      FROM (SELECT k.generation, count(*) AS keys FROM dcpf.data_key k WHERE k.wrapped IS NOT NULL GROUP BY k.generation) g;
    SELECT count(*) INTO n FROM dcpf.data_key k WHERE k.wrapped IS NOT NULL AND k.generation < current_generation;
    SELECT * INTO rotation FROM dcpf.key_rotation_run r ORDER BY r.started_at DESC LIMIT 1;
    check_name := 'master_keys.rotation';
    threshold := '0 data keys of an older generation, no rotation left paused or interrupted';
    value := CASE WHEN current_generation IS NOT NULL THEN n::text END;
    status := CASE WHEN current_generation IS NULL THEN 'ok'
                   WHEN n > 0 OR rotation.status IN ('paused', 'interrupted') THEN 'warning' ELSE 'ok' END;
    detail := format('Data keys per generation: %s.', coalesce(per_generation, 'none'))
        || CASE WHEN n > 0 THEN format(' %s are wrapped by a generation older than the current (%s): CALL dcpf.rotate_master_key().',
                                       n, current_generation) ELSE '' END
        || CASE WHEN rotation.status IN ('paused', 'interrupted', 'running')
                THEN format(' The last rotation (into generation %s) is %s at %s of %s keys.', rotation.target_generation,
                            rotation.status, rotation.keys_done, rotation.keys_total) ELSE '' END
        || CASE WHEN current_generation IS NULL THEN ' The key source could not be read (see master_keys.key_source).' ELSE '' END;
    RETURN NEXT;

    -- the audit trail's partitions: the current UTC month and the months after it
    has_current := to_regclass(format('dcpf.audit_event_%s', to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM'))) IS NOT NULL;
    WHILE has_current AND ahead < 24 AND to_regclass(format('dcpf.audit_event_%s',
              to_char((now() AT TIME ZONE 'UTC') + make_interval(months => ahead + 1), 'YYYY_MM'))) IS NOT NULL LOOP
        ahead := ahead + 1;
    END LOOP;
    check_name := 'audit.partitions_ahead';
    threshold := 'at least 2 months after the current one (critical: the current month has none)';
    status := CASE WHEN NOT has_current THEN 'critical' WHEN ahead < 2 THEN 'warning' ELSE 'ok' END;
    value := CASE WHEN has_current THEN ahead::text END;
    detail := CASE WHEN NOT has_current
        THEN format('The current month (%s, UTC) has no partition: its events go to the default partition. '
                    'SELECT dcpf.audit_create_partitions() (the audit worker makes them hourly; is it running?).',
                    to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM'))
        ELSE format('Partitions exist for %s and %s months after it.', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM'), ahead)
             || CASE WHEN ahead < 2 THEN ' SELECT dcpf.audit_create_partitions() makes 3 (the audit worker does hourly).' ELSE '' END
        END;
    RETURN NEXT;

    SELECT count(*) INTO n FROM dcpf.audit_event_default;
    check_name := 'audit.default_partition';
    threshold := '0 events';
    status := dcpf.health_status(n, 1, NULL); value := n::text;
    detail := CASE WHEN n > 0
        THEN format('%s events are in the default partition, for want of their month''s: dcpf.audit_create_partition(month) '
                    'moves them into it.', n)
        ELSE 'No event is in the default partition.' END;
    RETURN NEXT;

    -- seals: how long the oldest event numbered after the last seal has waited
    SELECT count(*), min(e.occurred_at) INTO n, oldest
      FROM dcpf.audit_event e
     WHERE e.id > coalesce((SELECT max(s.high_id) FROM dcpf.audit_seal s), 0);
    SELECT max(s.sealed_at) INTO nearest FROM dcpf.audit_seal s;
    check_name := 'audit.seal_lag';
    threshold := 'warning at 15 minutes, critical at 1 hour';
    status := dcpf.health_status(extract(epoch FROM now() - coalesce(oldest, now())), 900, 3600);
    value := dcpf.health_age(now() - coalesce(oldest, now()));
    detail := format('%s events are not sealed yet', n)
        || CASE WHEN n > 0 THEN format(', the oldest written %s ago', dcpf.health_age(now() - oldest)) ELSE '' END
        || CASE WHEN nearest IS NULL THEN '; no seal has been made.' ELSE format('; the last seal was made %s ago.', dcpf.health_age(now() - nearest)) END
        || CASE WHEN n > 0 AND now() - oldest >= interval '15 minutes'
                THEN ' Is the seal job running (CALL dcpf.run_seal(); dcpf.schedule_maintenance)?' ELSE '' END;
    RETURN NEXT;

    -- the node: on a cluster whose nodes seal their own trails, would this
    -- node's next seal be refused (src/sealer.c makes the same checks)?
    node := nullif(current_setting('dcpf.audit_node'), '');
    SELECT s.statement::jsonb ->> 'node' INTO sealed_as FROM dcpf.audit_seal s ORDER BY s.seal_no DESC LIMIT 1;
    SELECT count(*) INTO n FROM dcpf.audit_node_key k WHERE k.retired_at IS NULL;
    SELECT k.key_fingerprint INTO listed FROM dcpf.audit_node_key k WHERE k.node_name = node AND k.retired_at IS NULL;
    BEGIN
        fingerprint := dcpf.audit_key_fingerprint(dcpf.audit_public_key());
    EXCEPTION WHEN OTHERS THEN
        fingerprint := NULL;        -- no signing key: audit.seal_lag tells the rest
    END;
    check_name := 'audit.node';
    threshold := 'critical when the next seal would be refused';
    value := coalesce(node, CASE WHEN n > 0 THEN 'not set' ELSE 'single server' END);
    -- (the sealer's checks, in its order)
    IF sealed_as IS NOT NULL AND sealed_as IS DISTINCT FROM node THEN
        status := 'critical';
        detail := format('The trail is sealed as node "%s", and dcpf.audit_node is %s: set it back to "%s".',
                         sealed_as, coalesce('"' || node || '"', 'empty'), sealed_as);
    ELSIF n > 0 AND node IS NULL THEN
        status := 'critical';
        detail := format('%s node(s) are registered (dcpf.audit_node_key) and dcpf.audit_node is empty: set it to this node''s name.', n);
    ELSIF n > 0 AND fingerprint IS NOT NULL AND listed IS NULL THEN
        status := 'critical';
        detail := format('Node "%s" is not registered: register its key with dcpf.audit_register_node on the coordinator.', node);
    ELSIF n > 0 AND fingerprint IS NOT NULL AND listed <> fingerprint THEN
        status := 'critical';
        detail := format('Node "%s" seals with key %s; the registry lists key %s for it: register the new key with dcpf.audit_register_node.',
                         node, fingerprint, listed);
    ELSIF n = 0 AND node IS NOT NULL THEN
        status := 'warning';
        detail := format('dcpf.audit_node is "%s" and no node is registered: register every node''s key (dcpf.audit_register_node), '
                         'so that verification knows which trails make up the whole.', node);
    ELSIF node IS NULL THEN
        status := 'ok';
        detail := 'A single server: no node is registered and dcpf.audit_node is empty.';
    ELSE
        status := 'ok';
        detail := format('Node "%s" seals with its registered key; %s node(s) registered.', node, n);
    END IF;
    RETURN NEXT;

    -- the retention job: its last run (dry runs aside)
    SELECT * INTO last_run FROM dcpf.job_run r WHERE r.job = 'retention' AND NOT r.dry_run ORDER BY r.started_at DESC LIMIT 1;
    check_name := 'jobs.retention';
    threshold := 'the last run completed or stopped, started within 36 hours (critical: it failed)';
    value := coalesce(last_run.status, 'never run');
    status := CASE WHEN last_run.id IS NULL THEN 'warning'
                   WHEN last_run.status = 'failed' THEN 'critical'
                   WHEN last_run.status = 'interrupted' THEN 'warning'
                   WHEN last_run.status = 'running' AND last_run.updated_at < now() - interval '10 minutes' THEN 'warning'
                   WHEN last_run.started_at < now() - interval '36 hours' THEN 'warning'
                   ELSE 'ok' END;
    detail := CASE WHEN last_run.id IS NULL
        THEN 'The retention job has never run: schedule it (dcpf.schedule_maintenance) or CALL dcpf.run_retention().'
        ELSE format('The last run (%s) started %s ago and is %s, %s rows done', last_run.id,
                    dcpf.health_age(now() - last_run.started_at), last_run.status, last_run.rows_done)
             || CASE WHEN last_run.status = 'running' THEN format(', its last batch %s ago', dcpf.health_age(now() - last_run.updated_at)) ELSE '' END
             || CASE WHEN last_run.status IN ('failed', 'interrupted') THEN '; its error is in dcpf.job_run.error, the next run retries.'
                     WHEN last_run.started_at < now() - interval '36 hours' THEN '; the nightly run has not started since.'
                     ELSE '.' END
        END;
    RETURN NEXT;

    -- licence ends: passed more than 30 minutes ago and not completed (the job runs every ten)
    SELECT count(*), min(dcpf.licence_ends_at(l)) INTO n, oldest
      FROM dcpf.licence l
     WHERE l.status IN ('active', 'suspended') AND dcpf.licence_ends_at(l) <= now() - interval '30 minutes';
    check_name := 'jobs.licence_ends';
    threshold := '0 licences whose end passed 30 minutes ago and is not completed';
    status := dcpf.health_status(n, 1, NULL); value := n::text;
    detail := CASE WHEN n > 0
        THEN format('%s licences ended (the first %s ago) and are not completed: their portfolios wait for the hand-over. '
                    'SELECT * FROM dcpf.complete_licence_ends() (the licence-ends job does every ten minutes).',
                    n, dcpf.health_age(now() - oldest))
        ELSE 'Every licence end that passed has been completed.' END;
    RETURN NEXT;

    -- the audit queue in shared memory
    SELECT * INTO q FROM dcpf.audit_queue_status();
    check_name := 'queue.audit';
    threshold := 'warning at 50 % full, or events of this database waiting after a failed write in the last 10 minutes; critical at 90 % full or not preloaded';
    IF NOT q.preloaded THEN
        status := 'critical'; value := NULL;
        detail := 'dcpf is not in shared_preload_libraries: reads of another person''s data cannot be logged and are refused.';
    ELSE
        status := CASE WHEN dcpf.health_status(100.0 * q.queued / q.capacity, 50, 90) = 'critical' THEN 'critical'
                       WHEN dcpf.health_status(100.0 * q.queued / q.capacity, 50, 90) = 'warning'
                            OR (q.queued_here > 0 AND q.last_failure_at > now() - interval '10 minutes') THEN 'warning'
                       ELSE 'ok' END;
        value := format('%s of %s', q.queued, q.capacity);
        detail := format('%s events queued (%s of this database), %s written and %s dropped since the server started; ',
                         q.queued, q.queued_here, q.written, q.failed)
            || CASE WHEN q.worker_pid IS NULL THEN 'no audit worker runs for this database now'
                    ELSE 'the audit worker runs' END
            || CASE WHEN q.last_failure_at IS NOT NULL
                    THEN format('; the last failed write was %s ago (the server log says why)', dcpf.health_age(now() - q.last_failure_at))
                    ELSE '' END || '.';
    END IF;
    RETURN NEXT;

    -- the notice queue: what waits for the application's sender
    SELECT count(*), min(x.queued_at) INTO n, oldest FROM dcpf.notice x WHERE x.sent_at IS NULL AND x.failed_at IS NULL;
    SELECT count(*) INTO m FROM dcpf.notice x WHERE x.failed_at > now() - interval '7 days';
    check_name := 'queue.notices';
    threshold := 'the oldest unsent: warning at 1 hour, critical at 24 hours; warning on a notice failed in the last 7 days';
    status := CASE WHEN dcpf.health_status(extract(epoch FROM now() - coalesce(oldest, now())), 3600, 86400) = 'ok' AND m > 0
                   THEN 'warning' ELSE dcpf.health_status(extract(epoch FROM now() - coalesce(oldest, now())), 3600, 86400) END;
    value := n::text;
    detail := format('%s notices wait to be sent', n)
        || CASE WHEN n > 0 THEN format(', the oldest queued %s ago', dcpf.health_age(now() - oldest)) ELSE '' END
        || format('; %s failed in the last 7 days.', m)
        || CASE WHEN n > 0 AND now() - oldest >= interval '1 hour' THEN ' Is the application''s notice sender running?' ELSE '' END;
    RETURN NEXT;

    -- data-subject requests: open ones past, or within 7 days of, the last day of their term
    SELECT count(*),
           count(*) FILTER (WHERE r.last_day < (now() AT TIME ZONE 'Europe/Amsterdam')::date),
           count(*) FILTER (WHERE r.last_day < (now() AT TIME ZONE 'Europe/Amsterdam')::date + 7),
           min(r.last_day)
      INTO n, past, near, nearest
      FROM (SELECT coalesce(x.extended_until, x.due_on) AS last_day FROM dcpf.subject_request x
             WHERE x.status IN ('received', 'verifying', 'in_progress', 'extended')) r;
    check_name := 'requests.deadlines';
    threshold := 'warning: an open request within 7 days of the last day of its term; critical: one past it';
    status := CASE WHEN past > 0 THEN 'critical' WHEN near > 0 THEN 'warning' ELSE 'ok' END;
    value := n::text;
    detail := format('%s data-subject requests are open, %s past the last day of their term and %s more within 7 days of it',
                     n, past, near - past)
        || CASE WHEN n > 0 THEN format('; the nearest last day is %s', to_char(nearest, 'YYYY-MM-DD')) ELSE '' END
        || CASE WHEN near > 0 THEN '. The privacy officers see theirs in dcpf.overdue_subject_requests.' ELSE '.' END;
    RETURN NEXT;

    -- breaches: what is due (a licensee told, the authority notified, the
    -- persons of a high-risk breach decided on) and not done
    SELECT count(*), count(*) FILTER (WHERE d.due_at < now()), count(*) FILTER (WHERE d.due_at < now() + interval '12 hours'),
           min(d.due_at)
      INTO n, past, near, nearest
      FROM (SELECT c.due_at FROM dcpf.breach_controller c WHERE c.notified_at IS NULL
            UNION ALL
            SELECT b.authority_due_at FROM dcpf.breach b
              JOIN LATERAL (VALUES (b.authority_notified_at IS NULL AND b.authority_waived_reason IS NULL AND b.risk <> 'unlikely'),
                                   (b.risk = 'high_risk' AND b.persons_decision IS NULL)) open_duty(open) ON open_duty.open) d;
    check_name := 'breaches.deadlines';
    threshold := 'warning: a duty due within 12 hours; critical: one past its deadline';
    status := CASE WHEN past > 0 THEN 'critical' WHEN near > 0 THEN 'warning' ELSE 'ok' END;
    value := n::text;
    detail := format('%s breach duties are open (licensees to tell, the authority to notify, persons to decide on), '
                     '%s past their deadline and %s more due within 12 hours', n, past, near - past)
        || CASE WHEN n > 0 THEN format('; the nearest deadline is %s (UTC)', to_char(nearest AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'))
                ELSE '' END
        || CASE WHEN near > 0 THEN '. The security officer sees them in dcpf.overdue_breaches.' ELSE '.' END;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION dcpf.health_checks() IS
    'the checks behind dcpf.health, one row each (check_name, status ok/warning/critical, value, threshold, detail): master_keys.key_source, master_keys.rotation, audit.partitions_ahead, audit.default_partition, audit.seal_lag, audit.node, jobs.retention, jobs.licence_ends, queue.audit, queue.notices, requests.deadlines, breaches.deadlines; counts, ages and generation numbers, nothing of a person; SECURITY DEFINER for dcpf_maintenance, which cannot read the tables it counts';
REVOKE ALL ON FUNCTION dcpf.health_checks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.health_checks() TO dcpf_maintenance;

CREATE VIEW dcpf.health WITH (security_invoker = true) AS
SELECT h.check_name, h.status, h.value, h.threshold, h.detail FROM dcpf.health_checks() h;
COMMENT ON VIEW dcpf.health IS
    'the DBA''s health view: one row per check, ok, warning or critical against its threshold (doc/reference/health.md); for dcpf_maintenance and superusers (security_invoker over dcpf.health_checks)';
COMMENT ON COLUMN dcpf.health.check_name IS 'the check, e.g. audit.seal_lag';
COMMENT ON COLUMN dcpf.health.status IS 'ok, warning or critical';
COMMENT ON COLUMN dcpf.health.value IS 'what was measured (a count, an age, a status); NULL when it could not be';
COMMENT ON COLUMN dcpf.health.threshold IS 'when the check warns and when it is critical';
COMMENT ON COLUMN dcpf.health.detail IS 'what was found and what to do, in a sentence or two; never anything of a person';
REVOKE ALL ON dcpf.health FROM PUBLIC;
GRANT SELECT ON dcpf.health TO dcpf_maintenance;
