-- 260_schedule.sql: scheduled maintenance. dcpf.schedule_maintenance
-- registers dcpf's recurring jobs with pg_cron where pg_cron runs jobs for
-- this database: the nightly retention (dcpf.run_retention), sealing the
-- audit trail (dcpf.run_seal), making its monthly partitions
-- (dcpf.audit_create_partitions) and completing licence ends
-- (dcpf.complete_licence_ends); each runs as a login role in
-- dcpf_maintenance, which reads no content. Re-running it updates the jobs,
-- never duplicates them. Without pg_cron here it changes nothing and says
-- what to schedule instead. See doc/reference/schedule.md.

-- A crontab line that runs a statement with psql as a role, quoted for the
-- shell, with cron's % escaped.
CREATE FUNCTION dcpf.crontab_line(schedule text, command text, run_as name, database name DEFAULT current_database())
    RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN crontab_line.schedule || ' psql -X -q -v ON_ERROR_STOP=1'
       || ' -d ' || replace('''' || replace(crontab_line.database::text, '''', '''\''''') || '''', '%', '\%')
       || ' -U ' || replace('''' || replace(crontab_line.run_as::text, '''', '''\''''') || '''', '%', '\%')
       || ' -c ' || replace('''' || replace(crontab_line.command, '''', '''\''''') || '''', '%', '\%');
COMMENT ON FUNCTION dcpf.crontab_line(text, text, name, name) IS
    'the crontab line that runs a statement on a schedule with psql, as a role, in a database (default the current one), single-quoted for the shell and with cron''s % escaped; for dcpf.schedule_maintenance; owner only';
REVOKE ALL ON FUNCTION dcpf.crontab_line(text, text, name, name) FROM PUBLIC;

CREATE FUNCTION dcpf.schedule_maintenance(
        run_as name DEFAULT NULL,
        retention_schedule text DEFAULT '30 2 * * *',
        retention_max_duration interval DEFAULT interval '2 hours',
        seal_schedule text DEFAULT '*/5 * * * *',
        partitions_schedule text DEFAULT '15 2 * * *',
        licence_ends_schedule text DEFAULT '*/10 * * * *')
    RETURNS TABLE (job_name text, schedule text, command text, job_id bigint, outcome text, instead text)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    runner       name := run_as;
    runners      name[];
    candidates   text;
    cron_here    boolean := EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname = 'pg_cron');
    cron_db      text := pg_catalog.current_setting('cron.database_name', true);
    with_cron    boolean;
    job          record;
    found_jobs   bigint[];
    same         boolean;
    told         text[] := '{}';
BEGIN
    -- the schedules: cron's five fields, or one of its @ words; NULL: no such job
    SELECT string_agg(format('%s %s', j.what, coalesce(to_json(j.sched)::text, 'NULL')), ', ') INTO candidates
      FROM (VALUES ('retention_schedule', retention_schedule), ('seal_schedule', seal_schedule),
                   ('partitions_schedule', partitions_schedule), ('licence_ends_schedule', licence_ends_schedule)) j(what, sched)
     WHERE j.sched IS NOT NULL
       AND j.sched !~ '^(@(yearly|annually|monthly|weekly|daily|hourly)|[0-9A-Za-z*,/-]+( +[0-9A-Za-z*,/-]+){4})$';
    IF candidates IS NOT NULL THEN
        RAISE EXCEPTION 'invalid schedule'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Not a cron schedule: %s.', candidates),
                  HINT = 'Give five fields (minute hour day-of-month month day-of-week), e.g. ''30 2 * * *'', or @daily, @hourly; NULL leaves a job out.';
    END IF;
    IF retention_max_duration IS NOT NULL AND (retention_max_duration <= interval '0' OR retention_max_duration > interval '1 day') THEN
        RAISE EXCEPTION 'retention_max_duration must be more than 0 and at most 1 day'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', retention_max_duration),
                  HINT = 'NULL lets the retention run until it is done.';
    END IF;

    -- the role the jobs run as: a login role in dcpf_maintenance (pg_cron
    -- connects as the job's user, which PostgreSQL 15 refuses for a NOLOGIN
    -- role, over libpq and as a background worker alike)
    IF runner IS NULL THEN
        SELECT array_agg(r.rolname ORDER BY r.rolname) INTO runners
          FROM pg_catalog.pg_roles r
         WHERE r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolbypassrls
           AND pg_catalog.pg_has_role(r.oid, 'dcpf_maintenance', 'USAGE');
        IF runners IS NULL THEN
            RAISE EXCEPTION 'no login role in dcpf_maintenance to run the jobs as'
                USING ERRCODE = 'undefined_object',
                      DETAIL = 'dcpf''s jobs run as a role that logs in and is a member of dcpf_maintenance, which reads no content.',
                      HINT = 'CREATE ROLE dcpf_cron LOGIN IN ROLE dcpf_maintenance; then call dcpf.schedule_maintenance(''dcpf_cron'').';
        ELSIF cardinality(runners) > 1 THEN
            RAISE EXCEPTION 'several login roles in dcpf_maintenance could run the jobs'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('They are %s.', (SELECT string_agg(quote_ident(x), ', ') FROM unnest(runners) x)),
                      HINT = 'Name one: dcpf.schedule_maintenance(run_as => ''...'').';
        END IF;
        runner := runners[1];
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = runner) THEN
        RAISE EXCEPTION 'role "%" does not exist', runner USING ERRCODE = 'undefined_object',
            HINT = format('CREATE ROLE %I LOGIN IN ROLE dcpf_maintenance', runner);
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = runner AND (r.rolsuper OR r.rolbypassrls)) THEN
        RAISE EXCEPTION 'role "%" may read everything: the jobs do not run as it', runner
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The role is a superuser or bypasses row-level security; dcpf''s jobs run as a role of dcpf_maintenance, which reads no content.',
                  HINT = 'CREATE ROLE dcpf_cron LOGIN IN ROLE dcpf_maintenance, and name it.';
    END IF;
    IF NOT pg_catalog.pg_has_role(runner, 'dcpf_maintenance', 'USAGE') THEN
        RAISE EXCEPTION 'role "%" does not hold the privileges of dcpf_maintenance', runner
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The jobs call functions granted to dcpf_maintenance only: the role must be a member of it that inherits its privileges.',
                  HINT = format('GRANT dcpf_maintenance TO %I', runner);
    END IF;
    IF NOT (SELECT r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.rolname = runner) THEN
        RAISE EXCEPTION 'role "%" cannot log in', runner
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'pg_cron runs a job by connecting as its user, and PostgreSQL 15 admits no NOLOGIN role, over a connection or as a background worker.',
                  HINT = format('ALTER ROLE %I LOGIN (it needs no password where pg_hba.conf admits it from the local socket)', runner);
    END IF;

    -- pg_cron runs jobs only when it is installed in the database it reads
    -- its jobs from (cron.database_name); schedule_in_database names this one
    with_cron := cron_here AND cron_db = current_database();
    FOR job IN
        SELECT left(format('dcpf-%s-%s', j.task, current_database()), 63) AS name, j.sched, j.cmd
          FROM (VALUES (1, 'retention', retention_schedule,
                        CASE WHEN retention_max_duration IS NULL THEN 'CALL dcpf.run_retention()'
                             ELSE format('CALL dcpf.run_retention(max_duration => interval %L)',
                                         round(extract(epoch FROM retention_max_duration)) || ' seconds') END),
                       (2, 'seal', seal_schedule, 'CALL dcpf.run_seal()'),
                       (3, 'partitions', partitions_schedule, 'SELECT dcpf.audit_create_partitions()'),
                       (4, 'licence-ends', licence_ends_schedule, 'SELECT count(*) FROM dcpf.complete_licence_ends(max_persons => 500)')
               ) j(n, task, sched, cmd)
         ORDER BY j.n
    LOOP
        job_name := job.name;
        schedule := job.sched;
        command := job.cmd;
        job_id := NULL;
        instead := NULL;
        IF with_cron THEN
            EXECUTE 'SELECT array_agg(c.jobid ORDER BY c.jobid), bool_and(c.schedule = $2 AND c.command = $3 AND c.database = $4
                                                                           AND c.username = $5 AND c.active)
                       FROM cron.job c WHERE c.jobname = $1'
               INTO found_jobs, same USING job.name, job.sched, job.cmd, current_database()::text, runner::text;
            IF job.sched IS NULL THEN
                outcome := CASE WHEN found_jobs IS NULL THEN 'not scheduled' ELSE 'removed' END;
            ELSIF found_jobs IS NULL THEN
                EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4, $5, true)'
                   INTO job_id USING job.name, job.sched, job.cmd, current_database()::text, runner::text;
                outcome := 'scheduled';
            ELSE
                job_id := found_jobs[1];
                outcome := CASE WHEN same AND cardinality(found_jobs) = 1 THEN 'unchanged' ELSE 'updated' END;
                IF outcome = 'updated' THEN
                    EXECUTE 'SELECT cron.alter_job($1, $2, $3, $4, $5, true)'
                       USING job_id, job.sched, job.cmd, current_database()::text, runner::text;
                END IF;
            END IF;
            -- a job of this name under another user (run_as changed), or the job left out
            EXECUTE 'SELECT cron.unschedule(x) FROM unnest($1::bigint[]) x WHERE x IS DISTINCT FROM $2'
               USING found_jobs, job_id;
        ELSE
            outcome := 'not scheduled';
            IF job.sched IS NOT NULL THEN
                instead := CASE WHEN cron_db IS NOT NULL
                                THEN format('SELECT cron.schedule_in_database(%L, %L, %L, %L, %L);', job.name, job.sched, job.cmd,
                                            current_database(), runner)
                                ELSE dcpf.crontab_line(job.sched, job.cmd, runner) END;
                told := told || instead;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
    IF NOT with_cron THEN
        RAISE NOTICE '%: nothing was scheduled',
                     CASE WHEN cron_db IS NULL THEN 'pg_cron is not loaded'
                          WHEN cron_db = current_database() THEN format('pg_cron is not installed in database %s', quote_ident(cron_db))
                          ELSE format('pg_cron does not run jobs in database %s', quote_ident(current_database())) END
            USING DETAIL = CASE WHEN cron_db IS NULL
                                THEN format(E'Schedule these with cron, as a user that may connect as %s:\n%s', quote_ident(runner),
                                            array_to_string(told, E'\n'))
                                ELSE format(E'Schedule these in database %s, where pg_cron reads its jobs (cron.database_name):\n%s',
                                            quote_ident(cron_db), array_to_string(told, E'\n')) END,
                  HINT = CASE WHEN cron_db IS NULL
                              THEN 'Or load pg_cron (shared_preload_libraries, cron.database_name this database), CREATE EXTENSION pg_cron here, and call dcpf.schedule_maintenance again.'
                              WHEN cron_db = current_database()
                              THEN 'CREATE EXTENSION pg_cron here and call dcpf.schedule_maintenance again.'
                              ELSE 'Or set cron.database_name to this database, CREATE EXTENSION pg_cron here, and call dcpf.schedule_maintenance again.' END;
    END IF;
END
$$;
COMMENT ON FUNCTION dcpf.schedule_maintenance(name, text, interval, text, text, text) IS
    'registers dcpf''s recurring jobs with pg_cron when it runs jobs for this database (installed here, cron.database_name this database): the retention (CALL dcpf.run_retention with max_duration), sealing (CALL dcpf.run_seal, until nothing is left), partitions (dcpf.audit_create_partitions) and completing licence ends (dcpf.complete_licence_ends), named dcpf-<task>-<database>, each as run_as (a login role in dcpf_maintenance, not a superuser; NULL: the only one there is); a NULL schedule leaves a job out (removing it). Idempotent: a job is scheduled, updated or left unchanged, never duplicated. Without pg_cron here it changes nothing and says, in a NOTICE and in the column instead, what to schedule otherwise (pg_cron statements for its database, or crontab lines). 22023 a bad schedule, duration or several candidate roles; 42704 no such role; 42501 a superuser or a non-member. The extension owner only';
REVOKE ALL ON FUNCTION dcpf.schedule_maintenance(name, text, interval, text, text, text) FROM PUBLIC;
