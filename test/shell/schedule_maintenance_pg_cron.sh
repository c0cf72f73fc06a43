#!/usr/bin/env bash
# test/shell/schedule_maintenance_pg_cron.sh: dcpf.schedule_maintenance with
# pg_cron for real. In the database pg_cron reads its jobs from
# (cron.database_name, 'postgres' in tools/with-cluster) it registers the
# four jobs, named dcpf-<task>-<database>, as a login role in
# dcpf_maintenance; running it again changes nothing, and with another
# schedule or role it updates the jobs, never adding one; a NULL schedule
# removes a job. Then the jobs run: within about a minute pg_cron seals the
# audit trail, makes its partitions and completes a licence end whose moment
# has passed (the portfolio handed over), each as that role
# (cron.job_run_details). Without pg_cron in a database it schedules nothing
# and says what to schedule (the NOTICE and its result).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. test/shell/lib/keys_tap.sh

work=$(mktemp -d /tmp/dcpf-cron-test.XXXXXX)
other=dcpf_cron_other_$$
psql=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off)
crondb=$("${psql[@]}" -At -d postgres -c "SHOW cron.database_name" 2>/dev/null)
cleanup() {
    "${psql[@]}" -d "${crondb:-postgres}" -c "SET client_min_messages = warning" \
        -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE 'dcpf-%'" \
        -c "DROP EXTENSION IF EXISTS pg_cron" -c "DROP EXTENSION IF EXISTS dcpf CASCADE" >/dev/null 2>&1 || true
    "${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$other\"" \
        -c "DROP ROLE IF EXISTS dcpf_t_cron" -c "DROP ROLE IF EXISTS dcpf_t_cron2" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
die() { echo "FAIL: $*"; exit 1; }
q() { "${psql[@]}" -At -d "$crondb" -c "$1"; }

[ -n "$crondb" ] || die "pg_cron is not loaded (shared_preload_libraries); tools/with-cluster loads it"
"${psql[@]}" -d "$crondb" -c "SET client_min_messages = warning" -c "CREATE EXTENSION dcpf" -c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
    -c "CREATE ROLE dcpf_t_cron LOGIN IN ROLE dcpf_maintenance" -c "CREATE ROLE dcpf_t_cron2 LOGIN IN ROLE dcpf_maintenance" \
    >/dev/null || die "set-up failed"

# something to seal, and a licence end to complete: a professional of a
# licensee whose only licence ends just after the set-up
"${psql[@]}" -d "$crondb" >"$work/setup.out" 2>&1 <<'SQL' || { cat "$work/setup.out"; die "set-up of the licence failed"; }
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000b001', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licence (id, licensee_id, product_id, starts_on)
VALUES ('00000000-0000-4000-8000-00000000b101', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-00000000b001', '2024-01-01');
INSERT INTO dcpf.person (id, email, surname, initials) VALUES ('00000000-0000-4000-8000-000000000101', 'prof@example.nl', 'Jansen', 'J.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
VALUES ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001',
        'professional', '2024-01-01');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101',
        'reflection', 'R1');
SELECT dcpf.end_licence('00000000-0000-4000-8000-00000000b101', clock_timestamp() + interval '10 milliseconds', 'Contract beëindigd');
SQL

# the schedule used here: every minute, but the retention once a year (it is
# registered, and does not run during the test)
schedule="run_as => 'dcpf_t_cron', retention_schedule => '0 3 1 1 *', seal_schedule => '* * * * *',
          partitions_schedule => '* * * * *', licence_ends_schedule => '* * * * *'"
jobs() { q "SELECT string_agg(jobname || ' ' || schedule || ' ' || username || '@' || database, '; ' ORDER BY jobname) FROM cron.job"; }
outcomes() { q "SELECT string_agg(outcome, ',' ORDER BY job_name) FROM dcpf.schedule_maintenance($1)"; }

check "the first call schedules the four jobs" test "$(outcomes "$schedule")" = "scheduled,scheduled,scheduled,scheduled"
expected="dcpf-licence-ends-$crondb * * * * * dcpf_t_cron@$crondb; dcpf-partitions-$crondb * * * * * dcpf_t_cron@$crondb; dcpf-retention-$crondb 0 3 1 1 * dcpf_t_cron@$crondb; dcpf-seal-$crondb * * * * * dcpf_t_cron@$crondb"
check "each as the maintenance role, in this database, named dcpf-<task>-<database> ($(jobs))" test "$(jobs)" = "$expected"
check "the jobs' commands call dcpf's functions" \
    test "$(q "SELECT string_agg(command, '; ' ORDER BY jobname) FROM cron.job")" = \
         "SELECT count(*) FROM dcpf.complete_licence_ends(max_persons => 500); SELECT dcpf.audit_create_partitions(); CALL dcpf.run_retention(max_duration => interval '7200 seconds'); CALL dcpf.run_seal()"
check "a second call changes nothing" test "$(outcomes "$schedule")" = "unchanged,unchanged,unchanged,unchanged"
check "and adds no job" test "$(jobs)" = "$expected"
check "another role updates the jobs" \
    test "$(outcomes "${schedule/dcpf_t_cron/dcpf_t_cron2}")" = "updated,updated,updated,updated"
check "still four jobs, now of that role" test "$(q "SELECT count(*) || ' ' || string_agg(DISTINCT username, ',') FROM cron.job")" = "4 dcpf_t_cron2"
check "a NULL schedule removes that job" \
    test "$(outcomes "run_as => 'dcpf_t_cron', seal_schedule => NULL")" = "updated,updated,updated,removed"
check "and back: the seal job again, the others as before" test "$(outcomes "$schedule")" = "updated,updated,updated,scheduled"
check "four jobs, one of each" test "$(q "SELECT count(*) = count(DISTINCT jobname) AND count(*) = 4 FROM cron.job")" = "t"

# the refusals: a role that cannot log in, a superuser, a stranger
check "a NOLOGIN role is refused" \
    bash -c "${psql[*]} -d $crondb -c \"SELECT * FROM dcpf.schedule_maintenance('dcpf_maintenance')\" 2>&1 | grep -q 'cannot log in'"
check "a superuser is refused" \
    bash -c "${psql[*]} -d $crondb -c \"SELECT * FROM dcpf.schedule_maintenance('postgres')\" 2>&1 | grep -q 'may read everything'"
check "the jobs are as before after the refusals" test "$(jobs)" = "$expected"

# the jobs run, as dcpf_t_cron, at the start of the next minute (at most ~75 s)
ran() { q "SELECT count(DISTINCT d.jobid) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
            WHERE j.jobname <> 'dcpf-retention-$crondb' AND d.status IN ('succeeded', 'failed')"; }
for _ in $(seq 1 75); do [ "$(ran)" -ge 3 ] && break; sleep 1; done
q "SELECT j.jobname, d.username, d.status, d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid) ORDER BY d.runid" \
    >"$work/runs.out"
sed 's/^/#   /' "$work/runs.out"
check "the seal, partitions and licence-end jobs ran" test "$(ran)" -ge 3
# no more runs from here on, and none still running, before the checks
q "SELECT cron.alter_job(jobid, active => false) FROM cron.job WHERE jobname LIKE 'dcpf-%'" >/dev/null
for _ in $(seq 1 30); do
    [ "$(q "SELECT count(*) FROM cron.job_run_details WHERE status IN ('starting', 'running')")" = 0 ] && break
    sleep 1
done
check "each succeeded, as dcpf_t_cron" \
    test "$(q "SELECT count(*) FROM cron.job_run_details WHERE status = 'succeeded' AND username = 'dcpf_t_cron'")" -ge 3
check "none failed" test "$(q "SELECT count(*) FROM cron.job_run_details WHERE status <> 'succeeded'")" = 0
check "the audit trail was sealed by the job" test "$(q "SELECT count(*) > 0 FROM dcpf.audit_seal")" = "t"
verdict=$(q "SELECT verified || ' ' || coalesce(problem, '-') || ' ' || coalesce(detail, '-') FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour')")
check "and the seal verifies ($verdict)" test "${verdict%% *}" = "true"
check "the licence end was completed by the job: the portfolio handed over" \
    test "$(q "SELECT count(*) || ' ' || min(licensee_name) FROM dcpf.handover WHERE person_id = '00000000-0000-4000-8000-000000000101'")" = "1 UMC Oost"
check "the licence is terminated" \
    test "$(q "SELECT status FROM dcpf.licence WHERE id = '00000000-0000-4000-8000-00000000b101'")" = "terminated"

# without pg_cron in a database: nothing scheduled, what to schedule said
"${psql[@]}" -d postgres -c "CREATE DATABASE \"$other\"" >/dev/null || die "cannot create a database"
"${psql[@]}" -d "$other" -c "SET client_min_messages = warning" -c "CREATE EXTENSION dcpf" >/dev/null || die "CREATE EXTENSION failed"
before=$(q "SELECT count(*) FROM cron.job")
"${psql[@]}" -d "$other" -c "SELECT job_name, outcome, instead FROM dcpf.schedule_maintenance('dcpf_t_cron')" >"$work/other.out" 2>&1
sed 's/^/#   /' "$work/other.out" | head -n 12
check "elsewhere it says pg_cron does not run its jobs, and schedules nothing" \
    grep -q "NOTICE:  pg_cron does not run jobs in database $other: nothing was scheduled" "$work/other.out"
check "it gives the statements to run where pg_cron reads its jobs" \
    grep -q "SELECT cron.schedule_in_database('dcpf-seal-$other', '\*/5 \* \* \* \*', 'CALL dcpf.run_seal()', '$other', 'dcpf_t_cron');" "$work/other.out"
check "the jobs of pg_cron are as they were" test "$(q "SELECT count(*) FROM cron.job")" = "$before"

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
