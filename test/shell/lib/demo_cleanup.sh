# test/shell/lib/demo_cleanup.sh: demo_cleanup DB drops a database that
# tools/demo made, with what the demo leaves outside it when it stops
# half-way: its pg_cron jobs (and their history, so that
# test/shell/schedule_maintenance_pg_cron.sh finds only its own) and its
# maintenance role dcpf_demo_cron. A finished demo removes both itself.
demo_cleanup() {
    local db=$1 crondb
    crondb=$(psql -X -At -d postgres -c "SELECT current_setting('cron.database_name', true)" 2>/dev/null)
    if [ -n "$crondb" ]; then
        psql -X -q -d "$crondb" -v db="$db" >/dev/null 2>&1 <<'SQL' || true
SET client_min_messages = warning;
SELECT to_regclass('cron.job') IS NOT NULL AS have_jobs \gset
\if :have_jobs
DELETE FROM cron.job_run_details WHERE jobid IN (SELECT jobid FROM cron.job WHERE database = :'db');
SELECT cron.unschedule(jobid) FROM cron.job WHERE database = :'db';
DELETE FROM cron.job_run_details d WHERE NOT EXISTS (SELECT FROM cron.job j WHERE j.jobid = d.jobid);
\endif
SQL
    fi
    psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\"" \
        -c "DROP ROLE IF EXISTS dcpf_demo_cron" >/dev/null 2>&1 || true
}
