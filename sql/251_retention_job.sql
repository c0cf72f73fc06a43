-- 251_retention_job.sql: the retention purge job (issue 8), over the
-- categories, policies, sources and holds of sql/250_retention.sql.
-- dcpf.run_retention is a SECURITY INVOKER procedure, because it commits
-- after every batch (PostgreSQL forbids COMMIT in a SECURITY DEFINER
-- procedure or one with a SET clause); each of its steps is a SECURITY
-- DEFINER function with pinned search_path, for dcpf_maintenance only, that
-- looks up the policies, holds and sources itself. A run estimates what it
-- will remove, then works through its tasks (per category, source and
-- policy) in batches of about 30 ms: the rows past their term in the
-- clock's index order (or a range of blocks), what a keep rule, hold or
-- restriction keeps counted and left, the rest locked FOR UPDATE SKIP
-- LOCKED and deleted or pseudonymised through the tables' triggers; rows
-- locked by others are tried again. Progress in dcpf.job_run and NOTICEs.
-- See doc/reference/retention.md and doc/guides/dba.md.

-- ---------------------------------------------------------------------------
-- The job-run table
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.job_run (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    job               text NOT NULL CONSTRAINT job_run_job_format CHECK (job ~ '^[a-z][a-z0-9_]{1,39}$'),
    started_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at       timestamptz,
    status            text NOT NULL DEFAULT 'running'
                      CONSTRAINT job_run_status_known CHECK (status IN ('running', 'completed', 'stopped', 'interrupted', 'failed')),
    dry_run           boolean NOT NULL DEFAULT false,
    max_rows          integer CONSTRAINT job_run_max_rows_positive CHECK (max_rows > 0),
    max_duration      interval CONSTRAINT job_run_max_duration_positive CHECK (max_duration > '0'),
    rows_total        bigint CONSTRAINT job_run_rows_total_counted CHECK (rows_total >= 0),
    rows_done         bigint NOT NULL DEFAULT 0 CONSTRAINT job_run_rows_done_counted CHECK (rows_done >= 0),
    batches           integer NOT NULL DEFAULT 0 CONSTRAINT job_run_batches_counted CHECK (batches >= 0),
    longest_batch_ms  numeric(12, 1),
    progress          jsonb NOT NULL DEFAULT '{}',
    state             jsonb NOT NULL DEFAULT '{}',
    error             text,
    run_by            text NOT NULL DEFAULT session_user,
    backend_pid       integer NOT NULL DEFAULT pg_backend_pid(),
    backend_start     timestamptz,
    CONSTRAINT job_run_finished_when_not_running CHECK ((status = 'running') = (finished_at IS NULL)),
    CONSTRAINT job_run_error_explains CHECK (status NOT IN ('failed', 'interrupted') OR error IS NOT NULL)
);
CREATE INDEX job_run_job_idx ON dcpf.job_run (job, started_at DESC);
COMMENT ON TABLE dcpf.job_run IS
    'every run of a maintenance job (the retention purge, dcpf.run_retention), with its progress committed with each batch: counts only, never content; read by dcpf_maintenance';
COMMENT ON COLUMN dcpf.job_run.id IS 'run identifier';
COMMENT ON COLUMN dcpf.job_run.job IS 'the job: retention';
COMMENT ON COLUMN dcpf.job_run.started_at IS 'when the run started';
COMMENT ON COLUMN dcpf.job_run.updated_at IS 'when its last batch committed';
COMMENT ON COLUMN dcpf.job_run.finished_at IS 'when it ended; NULL while running';
COMMENT ON COLUMN dcpf.job_run.status IS
    'running, completed, stopped (max_rows or max_duration reached: the next run continues), interrupted (its session ended or its call failed; found by the next run) or failed (a batch failed: error says which; the other categories went on)';
COMMENT ON COLUMN dcpf.job_run.dry_run IS 'a dry run: it counted what it would do and changed no data';
COMMENT ON COLUMN dcpf.job_run.max_rows IS 'the limit on rows removed or pseudonymised in this run; NULL: none';
COMMENT ON COLUMN dcpf.job_run.max_duration IS 'the limit on the run''s time (no batch starts after it); NULL: none';
COMMENT ON COLUMN dcpf.job_run.rows_total IS 'the rows past their term that the run is to delete or pseudonymise: the planner''s estimate while it runs, the count found once it has finished (a dry run counts exactly)';
COMMENT ON COLUMN dcpf.job_run.rows_done IS 'the rows deleted or pseudonymised so far';
COMMENT ON COLUMN dcpf.job_run.batches IS 'the batches committed so far, each its own transaction that counted, or locked and removed, rows';
COMMENT ON COLUMN dcpf.job_run.longest_batch_ms IS 'the longest of them, from its first statement to the end of its commit, in milliseconds (the longest a row lock of the run was held)';
COMMENT ON COLUMN dcpf.job_run.progress IS
    'per data category: the policies applied, counts (past_term, kept, held, restricted, to_delete, to_pseudonymise, to_hand_over, deleted, pseudonymised, skipped_locked) and per table the same; for access_log the cut-off';
COMMENT ON COLUMN dcpf.job_run.state IS 'where the run is (its tasks, phase, position in the table, batch sizes): for the job itself';
COMMENT ON COLUMN dcpf.job_run.error IS 'why it failed or was interrupted (SQLSTATE and message, never row content)';
COMMENT ON COLUMN dcpf.job_run.run_by IS 'the database account that ran it';
COMMENT ON COLUMN dcpf.job_run.backend_pid IS 'the process of its session';
COMMENT ON COLUMN dcpf.job_run.backend_start IS 'when that session started (with the process, tells a live run from an interrupted one)';

REVOKE ALL ON dcpf.job_run FROM PUBLIC;
ALTER TABLE dcpf.job_run ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.job_run FORCE ROW LEVEL SECURITY;
-- the maintenance role reads the runs it monitors (counts, no content)
CREATE POLICY job_run_maintenance_read ON dcpf.job_run FOR SELECT TO dcpf_maintenance USING (true);
GRANT SELECT ON dcpf.job_run TO dcpf_maintenance;
SELECT pg_catalog.pg_extension_config_dump('dcpf.job_run', '');
SELECT dcpf.audit_table('dcpf.job_run', NULL);

INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    ('data_category', NULL, 'code', 'none', false, '{}', 'the catalogue of retention categories'),
    ('retention_policy', NULL, 'id', 'none', false, '{}', 'retention policies of licensees and the platform'),
    ('retention_source', NULL, 'name', 'none', false, '{}', 'where each retention category''s rows are kept'),
    ('retention_source_clock', NULL, 'source', 'none', false, '{}', 'when each retention clock starts'),
    ('retention_exempt_table', NULL, 'table_name', 'none', false, '{}', 'why tables are not purged'),
    ('job_run', NULL, 'id', 'none', false, '{}', 'runs of the maintenance jobs: counts, no person''s rows');
INSERT INTO dcpf.personal_data_column (table_name, column_name, whose, category, on_erasure, exported, decrypt_as, basis) VALUES
    ('retention_policy', 'set_by', 'party', 'reference', 'keep', true, NULL, 'who set a policy stays demonstrable, under the pseudonym');

-- ---------------------------------------------------------------------------
-- The purge job
-- ---------------------------------------------------------------------------
-- What a run does, in order: per category, for the access log one task
-- (its partitions), otherwise per source one task per licensee with a
-- policy of its own and one for all other rows (the default). Owner only.
CREATE FUNCTION dcpf.retention_tasks() RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(jsonb_agg(x.task ORDER BY x.cpos, x.spos, x.licensee NULLS LAST), '[]')
      FROM (SELECT c.position AS cpos, 0 AS spos, NULL::uuid AS licensee,
                   jsonb_build_object('kind', 'partitions', 'category', c.code) AS task
              FROM dcpf.data_category c
             WHERE c.carried_out_by = 'dcpf.audit_drop_expired_partitions'
            UNION ALL
            SELECT c.position, s.position, g.licensee,
                   jsonb_build_object('kind', 'rows', 'category', c.code, 'source', s.name, 'table', s.table_name, 'licensee', g.licensee)
              FROM dcpf.data_category c
              JOIN dcpf.retention_source s ON s.category = c.code
             CROSS JOIN LATERAL (SELECT p.licensee_id FROM dcpf.retention_policy p
                                  WHERE p.category = c.code AND p.licensee_id IS NOT NULL AND c.decided_by = 'licensee'
                                 UNION ALL
                                 SELECT NULL::uuid) g(licensee)
             WHERE c.carried_out_by <> 'dcpf.audit_drop_expired_partitions') x;
$$;
COMMENT ON FUNCTION dcpf.retention_tasks() IS
    'the tasks of a retention run in order: per category (by position), for the access log its partitions, otherwise per source one task per licensee with its own policy and one for the rest; owner only';
REVOKE ALL ON FUNCTION dcpf.retention_tasks() FROM PUBLIC;

-- progress: counts added to a category and one of its tables
CREATE FUNCTION dcpf.retention_progress_add(progress jsonb, category text, tab text, counts jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c jsonb := coalesce(progress -> category, '{}');
    t jsonb := coalesce(progress #> ARRAY[category, 'tables', tab], '{}');
    e record;
BEGIN
    FOR e IN SELECT x.key AS k, x.value::bigint AS v FROM jsonb_each_text(counts) x LOOP
        c := jsonb_set(c, ARRAY[e.k], to_jsonb(coalesce((c ->> e.k)::bigint, 0) + e.v));
        t := jsonb_set(t, ARRAY[e.k], to_jsonb(coalesce((t ->> e.k)::bigint, 0) + e.v));
    END LOOP;
    c := jsonb_set(c, '{tables}', coalesce(c -> 'tables', '{}') || jsonb_build_object(tab, t));
    RETURN jsonb_set(coalesce(progress, '{}'), ARRAY[category], c);
END
$$;
COMMENT ON FUNCTION dcpf.retention_progress_add(jsonb, text, text, jsonb) IS
    'a retention run''s progress with integer counts added to a category''s totals and to one of its tables; owner only';
REVOKE ALL ON FUNCTION dcpf.retention_progress_add(jsonb, text, text, jsonb) FROM PUBLIC;

-- One batch of one task: a chunk of the source's rows past their term under
-- the policy in force for the task's licensee (or the default), read in the
-- pass's order; counted (a dry run) or acted on: the rows that
-- no keep rule, hold or restriction keeps are locked FOR UPDATE SKIP LOCKED
-- and deleted or pseudonymised, through the table's own triggers (the audit
-- trail records each). Every statement is built from the source registry.
-- pass: {"mode": "ordered", "c", "k"} walks the clock's index after (c, k);
-- {"mode": "scan", "block", "blocks"} reads the next range of blocks;
-- {"mode": "keys", "keys"} takes the rows skipped before. Returns the
-- counts, the rows it had to skip (locked by others), the next pass and
-- whether the task is finished. Owner only (dcpf.retention_step calls it).
CREATE FUNCTION dcpf.retention_batch(task jsonb, pass jsonb, batch_rows integer, act boolean, act_limit bigint)
    RETURNS jsonb
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src       dcpf.retention_source;
    cat       dcpf.data_category;
    pol       record;
    clk       dcpf.retention_source_clock;
    lic       uuid := (task ->> 'licensee')::uuid;
    policy    jsonb;
    cut       timestamptz;
    grp       text;
    ended     uuid[];
    core      text;
    flags     text;
    cand      text;
    dml       text;
    mode      text := pass ->> 'mode';
    b0        bigint;
    b1        bigint;
    per_block double precision;
    res       record;
    next_pass jsonb;
    finished  boolean;
    plan      json;
BEGIN
    SELECT * INTO src FROM dcpf.retention_source s WHERE s.name = task ->> 'source';
    SELECT * INTO cat FROM dcpf.data_category c WHERE c.code = src.category;
    SELECT * INTO pol FROM dcpf.retention_policy_for(cat.code, lic);
    policy := jsonb_build_object('licensee', lic, 'clock_event', pol.clock_event, 'term', pol.term::text, 'action', pol.action);
    -- a hand-over is dcpf.end_licence's: the job counts what is due
    act := act AND pol.action <> 'hand_over';
    -- nothing for this task: the licensee's own policy went during the run
    -- (its rows follow the default next time), the policy changed under the
    -- pass, or a pseudonymisation that leaves these rows as they are
    IF (lic IS NOT NULL AND pol.set_in <> 'licensee') OR (pass ? 'policy' AND pass -> 'policy' <> policy)
       OR (act AND pol.action = 'pseudonymise' AND src.pseudonymise_set IS NULL) THEN
        RETURN jsonb_build_object('finished', true, 'policy', policy, 'action', pol.action, 'counts', '{}'::jsonb, 'estimate', 0);
    END IF;
    SELECT * INTO clk FROM dcpf.retention_source_clock k WHERE k.source = src.name AND k.clock_event = pol.clock_event;
    cut := now() - pol.term;
    grp := CASE WHEN lic IS NOT NULL THEN format('(%s) = %L::uuid', src.licensee_expr, lic)
                WHEN cat.decided_by = 'licensee' THEN
                    format('((%1$s) IS NULL OR (%1$s) <> ALL (%2$L::uuid[]))', src.licensee_expr,
                           ARRAY(SELECT p.licensee_id FROM dcpf.retention_policy p
                                  WHERE p.category = cat.code AND p.licensee_id IS NOT NULL))
                ELSE 'true' END;
    -- the clock licence_end starts per licensee: only licensees whose
    -- licences ended long enough ago have rows to look at
    IF pol.clock_event = 'licence_end' THEN
        ended := ARRAY(SELECT l.id FROM dcpf.licensee l WHERE dcpf.licence_end_clock(l.id) <= cut);
        IF cardinality(ended) = 0 THEN
            RETURN jsonb_build_object('finished', true, 'policy', policy, 'action', pol.action, 'counts', '{}'::jsonb, 'estimate', 0);
        END IF;
        grp := grp || format(' AND (%s) = ANY (%L::uuid[])', src.licensee_expr, ended);
    END IF;
    core := format('(%s) AND %s AND (%s) <= $1', src.scope, grp, clk.clock_expr)
            || CASE WHEN pol.action = 'pseudonymise' THEN format(' AND NOT (%s)', src.pseudonymised_expr) ELSE '' END;
    -- what keeps a row past its term: its keep rule, a legal hold, a
    -- restriction (checked per row only while any is in force)
    flags := format('(%s) AS kept, %s AS held, %s AS restricted', coalesce(src.keep_expr, 'false'),
                    CASE WHEN EXISTS (SELECT FROM dcpf.legal_hold h
                                       WHERE h.lifted_at IS NULL AND (h.until IS NULL OR h.until > now())
                                         AND coalesce(h.category, cat.code) = cat.code)
                         THEN format('dcpf.retention_held(%L, (%s), (%s))', cat.code, src.licensee_expr, src.person_expr)
                         ELSE 'false' END,
                    CASE WHEN EXISTS (SELECT FROM dcpf.processing_restriction r WHERE r.kind = 'restriction' AND r.lifted_at IS NULL)
                         THEN format('dcpf.retention_restricted((%s))', src.person_expr)
                         ELSE 'false' END);
    IF mode = 'estimate' THEN
        EXECUTE format('EXPLAIN (FORMAT JSON) SELECT 1 FROM dcpf.%I t WHERE %s', src.table_name,
                       replace(core, '$1', format('%L::timestamptz', cut)))
          INTO plan;
        RETURN jsonb_build_object('finished', true, 'policy', policy, 'action', pol.action, 'counts', '{}'::jsonb,
                                  'estimate', round((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric));
    END IF;
    IF mode IS NULL THEN
        mode := CASE WHEN clk.ordered THEN 'ordered' ELSE 'scan' END;
        pass := CASE WHEN mode = 'ordered'
                     THEN jsonb_build_object('c', '-infinity', 'k', '00000000-0000-0000-0000-000000000000')
                     ELSE jsonb_build_object('block', 0, 'blocks',
                                             pg_relation_size(format('dcpf.%I', src.table_name)::regclass)
                                             / current_setting('block_size')::bigint) END;
    END IF;
    IF mode = 'ordered' THEN
        cand := format('SELECT %6$s t.%1$I AS k, (%2$s) AS c, %3$s FROM dcpf.%4$I t WHERE %5$s AND ((%2$s), t.%1$I) > ($2, $3)
                         ORDER BY (%2$s), t.%1$I LIMIT $4', src.row_key, clk.clock_expr, flags, src.table_name, core,
                       CASE WHEN act THEN 't.ctid AS tid,' ELSE '' END);
    ELSIF mode = 'scan' THEN
        SELECT CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages ELSE 50 END INTO per_block
          FROM pg_class c WHERE c.oid = format('dcpf.%I', src.table_name)::regclass;
        b0 := (pass ->> 'block')::bigint;
        b1 := b0 + greatest(1, ceil(batch_rows / per_block))::bigint;
        cand := format('SELECT t.ctid AS tid, t.%1$I AS k, NULL::timestamptz AS c, %2$s FROM dcpf.%3$I t WHERE t.ctid >= $5 AND t.ctid < $6 AND %4$s',
                       src.row_key, flags, src.table_name, core);
    ELSE
        cand := format('SELECT t.ctid AS tid, t.%1$I AS k, NULL::timestamptz AS c, %2$s FROM dcpf.%3$I t WHERE t.%1$I = ANY ($7) AND %4$s',
                       src.row_key, flags, src.table_name, core);
    END IF;
    IF act THEN
        -- rows are found again by their place (a TID scan, no index): a row
        -- changed since the batch's snapshot no longer matches its old place
        -- when it is locked, and is left for another try like a locked one
        dml := CASE WHEN pol.action = 'delete'
                    THEN format('DELETE FROM dcpf.%1$I t WHERE t.ctid = ANY (ARRAY(SELECT locked.tid FROM locked)) RETURNING t.%2$I AS k',
                                src.table_name, src.row_key)
                    ELSE format('UPDATE dcpf.%1$I t SET %3$s WHERE t.ctid = ANY (ARRAY(SELECT locked.tid FROM locked)) RETURNING t.%2$I AS k',
                                src.table_name, src.row_key, src.pseudonymise_set) END;
    END IF;
    EXECUTE format('WITH cand AS MATERIALIZED (%1$s)%2$s
                    SELECT count(*) AS examined, count(*) FILTER (WHERE cand.kept) AS kept,
                           count(*) FILTER (WHERE NOT cand.kept AND cand.held) AS held,
                           count(*) FILTER (WHERE NOT cand.kept AND NOT cand.held AND cand.restricted) AS restricted,
                           count(*) FILTER (WHERE NOT (cand.kept OR cand.held OR cand.restricted)) AS due,
                           %3$s AS done, %4$s AS skipped,
                           (SELECT x.c FROM cand x ORDER BY x.c DESC, x.k DESC LIMIT 1) AS last_c,
                           (SELECT x.k FROM cand x ORDER BY x.c DESC, x.k DESC LIMIT 1) AS last_k
                      FROM cand',
                   cand,
                   CASE WHEN act THEN format(',
                         locked AS (SELECT t.ctid AS tid FROM dcpf.%1$I t
                                     WHERE t.ctid = ANY (ARRAY(SELECT cand.tid FROM cand WHERE NOT (cand.kept OR cand.held OR cand.restricted) LIMIT $8))
                                       AND %2$s
                                       FOR UPDATE OF t SKIP LOCKED),
                         acted AS (%3$s)', src.table_name, core, dml) ELSE '' END,
                   CASE WHEN act THEN '(SELECT count(*) FROM acted)' ELSE '0::bigint' END,
                   -- which rows it could not take: looked for only when some
                   CASE WHEN act THEN 'CASE WHEN (SELECT count(*) FROM acted) < least(count(*) FILTER (WHERE NOT (cand.kept OR cand.held OR cand.restricted)), coalesce($8, count(*)))
                                            THEN ARRAY(SELECT x.k FROM cand x WHERE NOT (x.kept OR x.held OR x.restricted)
                                                          AND NOT EXISTS (SELECT FROM acted a WHERE a.k = x.k))
                                            ELSE ''{}''::uuid[] END'
                        ELSE '''{}''::uuid[]' END)
      INTO res
      USING cut, (pass ->> 'c')::timestamptz, (pass ->> 'k')::uuid, batch_rows,
            format('(%s,0)', coalesce(b0, 0))::tid, format('(%s,0)', coalesce(b1, 0))::tid,
            ARRAY(SELECT jsonb_array_elements_text(pass -> 'keys'))::uuid[], act_limit;
    IF mode = 'ordered' THEN
        finished := res.examined < batch_rows;
        next_pass := jsonb_build_object('mode', mode, 'policy', policy, 'c', res.last_c, 'k', res.last_k);
    ELSIF mode = 'scan' THEN
        finished := b1 >= (pass ->> 'blocks')::bigint;
        next_pass := jsonb_build_object('mode', mode, 'policy', policy, 'block', b1, 'blocks', (pass ->> 'blocks')::bigint);
    ELSE
        finished := true;
        next_pass := NULL;
    END IF;
    RETURN jsonb_build_object(
        'finished', finished, 'pass', next_pass, 'policy', policy, 'action', pol.action,
        'counts', jsonb_build_object('past_term', res.examined, 'kept', res.kept, 'held', res.held,
                                     'restricted', res.restricted, 'due', res.due, 'done', res.done),
        'skipped', to_jsonb(res.skipped));
END
$$;
COMMENT ON FUNCTION dcpf.retention_batch(jsonb, jsonb, integer, boolean, bigint) IS
    'one batch of a retention task: the next rows of its source past their term under the policy in force (walking the clock''s index, a range of blocks, or rows skipped before), counted or, with act, locked FOR UPDATE SKIP LOCKED and deleted or pseudonymised (at most act_limit) unless a keep rule, legal hold or restriction keeps them; returns counts, the rows skipped as locked, the next position and whether the task is done; statements built from the source registry; owner only';
REVOKE ALL ON FUNCTION dcpf.retention_batch(jsonb, jsonb, integer, boolean, bigint) FROM PUBLIC;

-- The totals of a run's progress over its categories (counts only).
CREATE FUNCTION dcpf.retention_totals(progress jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(jsonb_object_agg(k.key, k.total), '{}')
      FROM (SELECT x.key, sum(x.value::bigint) AS total
              FROM jsonb_each(progress) c, jsonb_each_text(c.value) x
             WHERE jsonb_typeof(c.value -> x.key) = 'number'
             GROUP BY x.key) k;
$$;
COMMENT ON FUNCTION dcpf.retention_totals(jsonb) IS 'the counts of a retention run''s progress summed over its categories; owner only';
REVOKE ALL ON FUNCTION dcpf.retention_totals(jsonb) FROM PUBLIC;

-- Starts a run: checks the limits, finds runs that stopped without
-- finishing (their session ended, or an earlier call of this session
-- failed, or a run has not moved for a minute) and marks them interrupted,
-- refuses while another run is live, and records the new one with its
-- tasks. For dcpf.run_retention (granted to dcpf_maintenance).
CREATE FUNCTION dcpf.retention_begin(max_rows integer, max_duration interval, dry_run boolean) RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    other  dcpf.job_run;
    prog   jsonb;
    new_id uuid;
BEGIN
    IF max_rows IS NOT NULL AND max_rows < 1 THEN
        RAISE EXCEPTION 'max_rows must be at least 1' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It was %s; NULL sets no limit.', max_rows);
    END IF;
    IF max_duration IS NOT NULL AND max_duration <= '0' THEN
        RAISE EXCEPTION 'max_duration must be positive' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('It was %s; NULL sets no limit.', max_duration);
    END IF;
    IF dry_run IS NULL THEN
        RAISE EXCEPTION 'dry_run must be true or false' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'It was NULL.';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('dcpf.run_retention', 0));
    UPDATE dcpf.job_run j
       SET status = 'interrupted', finished_at = j.updated_at,
           error = 'the run stopped without finishing: its session ended, its call failed or it stood still for a minute; the next run continues'
     WHERE j.job = 'retention' AND j.status = 'running'
       AND (j.backend_pid = pg_backend_pid() OR j.updated_at < clock_timestamp() - interval '1 minute'
            OR NOT EXISTS (SELECT FROM pg_stat_activity a WHERE a.pid = j.backend_pid AND a.backend_start IS NOT DISTINCT FROM j.backend_start));
    SELECT * INTO other FROM dcpf.job_run j WHERE j.job = 'retention' AND j.status = 'running' LIMIT 1;
    IF other.id IS NOT NULL THEN
        RAISE EXCEPTION 'a retention run is in progress' USING ERRCODE = 'object_in_use',
            DETAIL = format('Run %s started at %s in the session of process %s.', other.id, other.started_at, other.backend_pid),
            HINT = 'Wait for it, or cancel it (pg_cancel_backend): the next run continues where it stopped.';
    END IF;
    SELECT jsonb_object_agg(c.code, jsonb_build_object('carried_out_by', c.carried_out_by, 'policies', '[]'::jsonb)
                                    || CASE WHEN c.carried_out_by = 'dcpf.audit_drop_expired_partitions' THEN '{}'::jsonb ELSE jsonb_build_object(
               'past_term', 0, 'kept', 0, 'held', 0, 'restricted', 0, 'to_delete', 0, 'to_pseudonymise', 0, 'to_hand_over', 0,
               'deleted', 0, 'pseudonymised', 0, 'skipped_locked', 0,
               'tables', (SELECT coalesce(jsonb_object_agg(s.table_name, jsonb_build_object(
                                              'past_term', 0, 'kept', 0, 'held', 0, 'restricted', 0, 'to_delete', 0,
                                              'to_pseudonymise', 0, 'to_hand_over', 0, 'deleted', 0, 'pseudonymised', 0,
                                              'skipped_locked', 0)), '{}')
                            FROM dcpf.retention_source s WHERE s.category = c.code)) END)
      INTO prog FROM dcpf.data_category c;
    INSERT INTO dcpf.job_run (job, dry_run, max_rows, max_duration, backend_start, progress, state)
    VALUES ('retention', retention_begin.dry_run, retention_begin.max_rows, retention_begin.max_duration,
            (SELECT a.backend_start FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()), prog,
            jsonb_build_object('tasks', dcpf.retention_tasks(), 'phase', CASE WHEN retention_begin.dry_run THEN 'count' ELSE 'handover' END,
                               'task', 0, 'size_count', 2000, 'size_act', 500,
                               'act_started', extract(epoch FROM clock_timestamp()), 'noticed', extract(epoch FROM clock_timestamp())))
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.retention_begin(integer, interval, boolean) IS
    'starts a retention run (dcpf.run_retention calls it): 22023 for a max_rows below 1, a max_duration not positive or a NULL dry_run; marks runs that stopped without finishing interrupted; 55006 while another run is live; records the run with its tasks and returns its id';
REVOKE ALL ON FUNCTION dcpf.retention_begin(integer, interval, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.retention_begin(integer, interval, boolean) TO dcpf_maintenance;

-- One step of a run, in its own transaction (dcpf.run_retention commits
-- after each): it records the time the previous step's transaction took and
-- sizes the next batch from it (about 30 ms a batch), stops at max_duration
-- or max_rows, and does the next batch of the current task, or up to three
-- more tries at the rows that were locked by others. A run first completes
-- the licence ends that have passed (the hand-over of the portfolios, by
-- dcpf.complete_licence_ends), then estimates how many rows it will remove
-- (from the planner, for the progress shown; the exact count is known at
-- the end); a dry run does neither, counts exactly and changes no data. Returns the seconds to pause before the next step
-- (after a round of rows skipped as locked), or NULL when the run is over.
-- Runs with the exemption retention (src/restrict.c): a deactivated
-- person's data past its term is removed like anyone's.
CREATE FUNCTION dcpf.retention_step(run uuid, last_ms numeric DEFAULT NULL) RETURNS double precision
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET dcpf.restriction_exemption = 'retention'
AS $$
DECLARE
    r           dcpf.job_run;
    st          jsonb;
    phase       text;
    task        jsonb;
    cat         text;
    tab         text;
    size        integer;
    res         jsonb;
    counts      jsonb;
    cutoff      timestamptz;
    pause       double precision := 0;
    done_status text;
    next_task   boolean := false;
    retrying    boolean;
    rate        numeric;
    total       jsonb;
    handed      bigint;
    handover_done boolean;
    failures    text;
BEGIN
    SELECT * INTO r FROM dcpf.job_run j WHERE j.id = run FOR UPDATE;
    IF r.id IS NULL OR r.job <> 'retention' THEN
        RAISE EXCEPTION 'retention run % not found', coalesce(run::text, 'NULL') USING ERRCODE = 'no_data_found';
    END IF;
    IF r.status <> 'running' OR r.backend_pid <> pg_backend_pid() THEN
        RAISE EXCEPTION 'retention run % is not running in this session', run USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('It is %s, in the session of process %s.', r.status, r.backend_pid);
    END IF;
    st := r.state;
    -- the previous step's transaction as the procedure timed it, and never
    -- less than the step itself measured of it (a caller cannot make
    -- batches grow by saying they were quick)
    -- (only a step that did a batch is counted: the estimate and the steps
    -- that pass over tasks lock no rows)
    last_ms := greatest(last_ms, (st ->> 'step_ms')::numeric);
    IF st ? 'sized' AND last_ms >= 0 THEN
        r.batches := r.batches + 1;
        r.longest_batch_ms := greatest(r.longest_batch_ms, least(last_ms, 99999999999));
        -- about 30 ms a batch: a third of the 100 ms that locks may be held,
        -- growing by half at most, shrinking at once
        size := (st ->> (st ->> 'sized'))::integer;
        st := jsonb_set(st, ARRAY[st ->> 'sized'],
                        to_jsonb(least(greatest((size * 30 / greatest(last_ms, 1))::integer, size / 8, 10), size * 3 / 2, 100000)));
    END IF;
    st := st - 'sized';
    r.updated_at := clock_timestamp();
    phase := st ->> 'phase';

    IF (r.max_duration IS NOT NULL AND clock_timestamp() - r.started_at >= r.max_duration)
       OR (phase = 'act' AND r.max_rows IS NOT NULL AND r.rows_done >= r.max_rows) THEN
        done_status := 'stopped';
    ELSIF phase = 'handover' THEN
        -- licence ends whose moment has passed are completed first
        -- (dcpf.complete_licence_ends, sql/247_licence_end.sql): the
        -- portfolios handed over to their professionals, a batch of persons
        -- a step, so that the purge finds the licensee's own data only
        SELECT coalesce(sum(c.portfolios_handed_over), 0), coalesce(bool_and(c.finished OR c.failure IS NOT NULL), true),
               string_agg(c.failure, '; ' ORDER BY c.ended_licensee)
          INTO handed, handover_done, failures
          FROM dcpf.complete_licence_ends(max_persons => 50) c;
        IF handed > 0 THEN
            r.progress := dcpf.retention_progress_add(r.progress, 'portfolio_content', 'portfolio_item',
                                                      jsonb_build_object('handed_over', handed));
        END IF;
        IF failures IS NOT NULL THEN
            r.error := concat_ws(E'\n', r.error, 'portfolio_content, the hand-over at licence end: ' || failures);
            r.progress := jsonb_set(r.progress, '{portfolio_content,error}', to_jsonb('the hand-over at licence end: ' || failures));
        END IF;
        IF handover_done THEN
            st := st || jsonb_build_object('phase', 'estimate', 'task', 0);
        END IF;
        phase := NULL;
    ELSIF phase = 'estimate' THEN
        -- what the run is about to remove, from the planner's estimate of
        -- each task (one a step)
        IF (st ->> 'task')::integer < jsonb_array_length(st -> 'tasks') THEN
            task := st -> 'tasks' -> ((st ->> 'task')::integer);
            IF task ->> 'kind' = 'rows' THEN
                res := dcpf.retention_batch(task, '{"mode": "estimate"}', 0, false, NULL);
                IF res ->> 'action' IN ('delete', 'pseudonymise') THEN
                    r.rows_total := coalesce(r.rows_total, 0) + (res ->> 'estimate')::bigint;
                END IF;
            END IF;
            st := jsonb_set(st, '{task}', to_jsonb((st ->> 'task')::integer + 1));
        ELSE
            r.rows_total := coalesce(r.rows_total, 0);
            RAISE NOTICE 'retention: about % rows past their term to delete or pseudonymise (the planner''s estimate)', r.rows_total;
            st := st || jsonb_build_object('phase', 'act', 'task', 0, 'act_started', extract(epoch FROM clock_timestamp()));
        END IF;
        phase := NULL;
    END IF;

    -- the next task with work
    WHILE done_status IS NULL AND phase IS NOT NULL LOOP
        IF (st ->> 'task')::integer >= jsonb_array_length(st -> 'tasks') THEN
            done_status := CASE WHEN r.error IS NULL THEN 'completed' ELSE 'failed' END;
            EXIT;
        END IF;
        task := st -> 'tasks' -> ((st ->> 'task')::integer);
        EXIT WHEN task ->> 'kind' = 'rows';
        cat := task ->> 'category';
        cutoff := dcpf.access_log_cutoff();
        r.progress := jsonb_set(r.progress, ARRAY[cat], (r.progress -> cat) || jsonb_build_object(
            'policies', (SELECT jsonb_agg(jsonb_build_object('licensee', l.licensee_id, 'clock_event', f.clock_event,
                                                             'term', f.term::text, 'action', f.action) ORDER BY l.licensee_id NULLS FIRST)
                           FROM (SELECT p.licensee_id FROM dcpf.retention_policy p WHERE p.category = cat AND p.licensee_id IS NOT NULL
                                 UNION SELECT NULL::uuid) l(licensee_id)
                          CROSS JOIN LATERAL dcpf.retention_policy_for(cat, l.licensee_id) f),
            'cutoff', cutoff,
            'cutoff_note', CASE WHEN cutoff IS NULL THEN 'a legal hold on a whole licensee covers the access log: nothing is dropped' END,
            'partitions_before_cutoff',
            (SELECT coalesce(jsonb_agg(c.relname ORDER BY c.relname), '[]')
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = 'dcpf.audit_event'::regclass AND c.relname ~ '^audit_event_[0-9]{4}_[0-9]{2}$'
                AND (to_date(right(c.relname, 7), 'YYYY_MM') + interval '1 month') AT TIME ZONE 'UTC' <= cutoff)));
        -- The audit trail's expired months are detached and dropped, never
        -- deleted row by row, by dcpf.audit_drop_expired_partitions, with the
        -- cut-off every licensee's policy allows (NULL: drop nothing); what it
        -- dropped, kept or (in a dry run) would drop goes into the progress.
        IF cutoff IS NOT NULL THEN
            r.progress := jsonb_set(r.progress, ARRAY[cat, 'partitions'],
                (SELECT coalesce(jsonb_agg(jsonb_build_object('month', d.month, 'partition', d.partition_name, 'events', d.events,
                                                              'outcome', d.outcome, 'reason', d.reason) ORDER BY d.month), '[]')
                   FROM dcpf.audit_drop_expired_partitions(cutoff, r.dry_run) d));
        END IF;
        r.progress := jsonb_set(r.progress, ARRAY[cat, 'dispatched'], 'true');
        st := jsonb_set(st - 'pass', '{task}', to_jsonb((st ->> 'task')::integer + 1));
    END LOOP;

    IF done_status IS NULL AND phase IS NOT NULL THEN
        cat := task ->> 'category';
        tab := task ->> 'table';
        size := (st ->> ('size_' || phase))::integer;
        retrying := st ? 'retry';
        BEGIN
            IF retrying THEN
                res := dcpf.retention_batch(task,
                           jsonb_build_object('mode', 'keys', 'keys',
                                              (SELECT coalesce(jsonb_agg(x.k), '[]') FROM jsonb_array_elements(st -> 'retry') WITH ORDINALITY x(k, n)
                                                WHERE x.n <= size)),
                           size, true, r.max_rows - r.rows_done);
                st := jsonb_set(st, '{retry}', (SELECT coalesce(jsonb_agg(x.k), '[]') FROM jsonb_array_elements(st -> 'retry') WITH ORDINALITY x(k, n)
                                                  WHERE x.n > size));
            ELSE
                res := dcpf.retention_batch(task, st -> 'pass', size, phase = 'act', r.max_rows - r.rows_done);
            END IF;
        EXCEPTION WHEN OTHERS THEN
            -- the batch is undone; the error is recorded without row content
            -- (no DETAIL) and the run goes on with the next task
            r.error := concat_ws(E'\n', r.error, format('%s, table %s: %s %s', cat, tab, SQLSTATE, SQLERRM));
            r.progress := jsonb_set(r.progress, ARRAY[cat, 'error'], to_jsonb(format('table %s: %s %s', tab, SQLSTATE, SQLERRM)));
            res := jsonb_build_object('finished', true, 'failed', true, 'counts', '{}'::jsonb);
        END;
        st := st || jsonb_build_object('sized', 'size_' || phase);
        counts := res -> 'counts';
        IF counts ? 'due' AND NOT retrying THEN
            r.progress := dcpf.retention_progress_add(r.progress, cat, tab,
                              jsonb_build_object('past_term', counts -> 'past_term', 'kept', counts -> 'kept', 'held', counts -> 'held',
                                                 'restricted', counts -> 'restricted', 'to_' || (res ->> 'action'), counts -> 'due'));
        END IF;
        IF phase = 'act' AND (counts ->> 'done')::bigint > 0 THEN
            r.progress := dcpf.retention_progress_add(r.progress, cat, tab,
                              jsonb_build_object(CASE res ->> 'action' WHEN 'delete' THEN 'deleted' ELSE 'pseudonymised' END, counts -> 'done'));
            r.rows_done := r.rows_done + (counts ->> 'done')::bigint;
        END IF;
        IF jsonb_array_length(coalesce(res -> 'skipped', '[]')) > 0 THEN
            st := jsonb_set(st, '{skipped}', coalesce(st -> 'skipped', '[]') || (res -> 'skipped'));
        END IF;
        IF res ? 'policy' AND NOT (r.progress #> ARRAY[cat, 'policies']) @> jsonb_build_array(res -> 'policy') THEN
            r.progress := jsonb_set(r.progress, ARRAY[cat, 'policies'], (r.progress #> ARRAY[cat, 'policies']) || jsonb_build_array(res -> 'policy'));
        END IF;
        -- where the task goes on: the next batch, another try at the rows
        -- skipped as locked (up to three rounds), or the next task
        IF (res ->> 'failed')::boolean THEN
            next_task := true;
        ELSIF retrying THEN
            IF jsonb_array_length(st -> 'retry') = 0 THEN
                IF jsonb_array_length(coalesce(st -> 'skipped', '[]')) > 0 AND (st ->> 'round')::integer < 3 THEN
                    st := st || jsonb_build_object('retry', st -> 'skipped', 'skipped', '[]'::jsonb, 'round', (st ->> 'round')::integer + 1);
                    pause := 0.1 * (st ->> 'round')::integer;
                ELSE
                    next_task := true;
                END IF;
            END IF;
        ELSIF (res ->> 'finished')::boolean THEN
            IF jsonb_array_length(coalesce(st -> 'skipped', '[]')) > 0 THEN
                st := st || jsonb_build_object('retry', st -> 'skipped', 'skipped', '[]'::jsonb, 'round', 1);
                pause := 0.1;
            ELSE
                next_task := true;
            END IF;
        ELSE
            st := jsonb_set(st, '{pass}', res -> 'pass');
        END IF;
        IF next_task THEN
            IF jsonb_array_length(coalesce(st -> 'skipped', '[]')) > 0 THEN
                r.progress := dcpf.retention_progress_add(r.progress, cat, tab,
                                  jsonb_build_object('skipped_locked', jsonb_array_length(st -> 'skipped')));
            END IF;
            st := (st - 'pass' - 'retry' - 'skipped' - 'round') || jsonb_build_object('task', (st ->> 'task')::integer + 1);
        END IF;
        IF phase = 'act' AND extract(epoch FROM clock_timestamp()) - (st ->> 'noticed')::numeric >= 2 THEN
            rate := r.rows_done / greatest(extract(epoch FROM clock_timestamp()) - (st ->> 'act_started')::numeric, 0.001);
            r.rows_total := greatest(r.rows_total, r.rows_done);
            RAISE NOTICE 'retention: % of about % rows done (% %%), % rows/s, about % s left',
                r.rows_done, r.rows_total, round(100.0 * r.rows_done / greatest(r.rows_total, 1)), round(rate),
                round(greatest(r.rows_total - r.rows_done, 0) / greatest(rate, 1));
            st := st || jsonb_build_object('noticed', extract(epoch FROM clock_timestamp()));
        END IF;
    END IF;

    IF done_status IS NOT NULL THEN
        pause := NULL;
        r.status := done_status;
        r.finished_at := clock_timestamp();
        total := dcpf.retention_totals(r.progress);
        IF done_status <> 'stopped' THEN
            -- now known exactly: what was found to delete or pseudonymise
            r.rows_total := (total ->> 'to_delete')::bigint + (total ->> 'to_pseudonymise')::bigint;
        END IF;
        IF r.dry_run THEN
            RAISE NOTICE 'retention (dry run) %: would delete % rows and pseudonymise %, hand over %; kept % by a hold, % by a restriction, % by another record; nothing was changed',
                done_status, total ->> 'to_delete', total ->> 'to_pseudonymise', total ->> 'to_hand_over',
                total ->> 'held', total ->> 'restricted', total ->> 'kept';
        ELSE
            RAISE NOTICE 'retention %: % rows deleted, % pseudonymised, % left locked; % portfolios handed over, % items still due for hand-over; kept % by a hold, % by a restriction, % by another record; % s',
                done_status, total ->> 'deleted', total ->> 'pseudonymised', total ->> 'skipped_locked',
                coalesce(total ->> 'handed_over', '0'), total ->> 'to_hand_over',
                total ->> 'held', total ->> 'restricted', total ->> 'kept',
                round(extract(epoch FROM r.finished_at - r.started_at)::numeric, 1);
        END IF;
    END IF;
    st := st || jsonb_build_object('step_ms', round(extract(epoch FROM clock_timestamp() - now())::numeric * 1000, 1));
    UPDATE dcpf.job_run j
       SET state = st, progress = r.progress, status = r.status, finished_at = r.finished_at, updated_at = r.updated_at,
           rows_total = r.rows_total, rows_done = r.rows_done, batches = r.batches, longest_batch_ms = r.longest_batch_ms,
           error = r.error
     WHERE j.id = run;
    RETURN pause;
END
$$;
COMMENT ON FUNCTION dcpf.retention_step(uuid, numeric) IS
    'one step of a retention run in its own transaction (dcpf.run_retention commits after each): records how long the previous one took and sizes the next batch from it, stops at the run''s limits, and does the next batch of the current task (counting in a dry run, else deleting or pseudonymising), or another try at rows skipped as locked; a failing batch is undone and recorded (SQLSTATE and message only) and the run goes on; returns seconds to pause, or NULL when the run is over. P0002 unknown run; 55000 a run that is not running in this session';
REVOKE ALL ON FUNCTION dcpf.retention_step(uuid, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.retention_step(uuid, numeric) TO dcpf_maintenance;

-- The report of a run.
CREATE FUNCTION dcpf.retention_report(run uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r dcpf.job_run;
BEGIN
    SELECT * INTO r FROM dcpf.job_run j WHERE j.id = run AND j.job = 'retention';
    IF r.id IS NULL THEN
        RAISE EXCEPTION 'retention run % not found', coalesce(run::text, 'NULL') USING ERRCODE = 'no_data_found';
    END IF;
    RETURN jsonb_build_object('run', r.id, 'dry_run', r.dry_run, 'status', r.status, 'started_at', r.started_at,
                              'finished_at', r.finished_at, 'max_rows', r.max_rows, 'max_duration', r.max_duration,
                              'rows_total', r.rows_total, 'rows_done', r.rows_done, 'batches', r.batches,
                              'longest_batch_ms', r.longest_batch_ms, 'error', r.error,
                              'totals', dcpf.retention_totals(r.progress), 'categories', r.progress);
END
$$;
COMMENT ON FUNCTION dcpf.retention_report(uuid) IS
    'the report of a retention run: status, limits, done and total, batches and the longest, error, the totals and per data category (and table) what was past its term, kept, held, restricted, to do and done. P0002 unknown run';
REVOKE ALL ON FUNCTION dcpf.retention_report(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.retention_report(uuid) TO dcpf_maintenance;

-- The purge job. A procedure, because it commits after every batch; it
-- cannot be SECURITY DEFINER nor pin search_path with a SET clause
-- (PostgreSQL then forbids COMMIT), so it holds no privilege of its own:
-- every step is one of the SECURITY DEFINER functions above, with pinned
-- search_path, which look up the policies themselves and trust nothing from
-- the caller but the run's limits; every name here is qualified. Call it at
-- top level (CALL outside a transaction block): CALL dcpf.run_retention();
-- CALL dcpf.run_retention(dry_run => true) returns the report and changes no data.
CREATE PROCEDURE dcpf.run_retention(max_rows integer DEFAULT NULL, max_duration interval DEFAULT NULL,
                                    dry_run boolean DEFAULT false, INOUT report jsonb DEFAULT NULL)
    LANGUAGE plpgsql
AS $$
DECLARE
    run   uuid;
    pause double precision;
    t0    timestamptz;
    ms    numeric;
BEGIN
    run := dcpf.retention_begin(max_rows, max_duration, dry_run);
    COMMIT;
    LOOP
        t0 := pg_catalog.clock_timestamp();
        pause := dcpf.retention_step(run, ms);
        COMMIT;
        ms := pg_catalog.round((pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) t0)
                                OPERATOR(pg_catalog.*) 1000)::numeric, 1);
        EXIT WHEN pause IS NULL;
        IF pause OPERATOR(pg_catalog.>) 0 THEN
            PERFORM pg_catalog.pg_sleep(pause);
            COMMIT;
        END IF;
    END LOOP;
    report := dcpf.retention_report(run);
    COMMIT;
END
$$;
COMMENT ON PROCEDURE dcpf.run_retention(integer, interval, boolean, jsonb) IS
    'the retention purge job: in short batches (each transaction about 30 ms, sized from the last), every data category''s rows past the term of the policy in force are deleted or pseudonymised through their tables'' triggers, unless a legal hold, a restriction or another record keeps them; locked rows are skipped and tried again; stopped at max_rows or max_duration, it leaves nothing half-done and the next run continues; running it again removes nothing more; a dry run counts and changes no data. Progress in dcpf.job_run and NOTICEs; returns the report (dcpf.retention_report). For dcpf_maintenance; CALL it outside a transaction block (it commits)';
REVOKE ALL ON PROCEDURE dcpf.run_retention(integer, interval, boolean, jsonb) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE dcpf.run_retention(integer, interval, boolean, jsonb) TO dcpf_maintenance;
