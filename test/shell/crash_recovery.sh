#!/usr/bin/env bash
# test/shell/crash_recovery.sh: a power cut in the middle of dcpf's long
# operations leaves nothing half-done, loses no key and no event, and the
# operation resumes. Four times the server is killed as a power cut would
# stop it (SIGKILL to the postmaster and to every process of the cluster, in
# one go), then started again (crash recovery), while:
#
#   a. the retention purge (dcpf.run_retention) is inside a batch, after
#      others committed: every batch is wholly done or not (the rows gone are
#      the run's rows_done), each row gone is named in an audit event, nothing
#      held is gone; the next run marks the run interrupted and finishes
#   b. an erasure (dcpf.erase_person) has deleted part of a person's rows:
#      nothing of it is left (every row there, every value decrypts, the key,
#      the request open, no tombstone); carried out again, it is complete
#      (tombstone, key shredded, the old ciphertexts refused with DCP01)
#   c. a master key rotation (dcpf.rotate_master_key) is inside a batch:
#      every data key unwraps under a generation in the key file, every value
#      decrypts unchanged; the run is marked interrupted by the next, which
#      finishes, and the old generation can be retired
#   d. an audit seal (dcpf.audit_seal) has hashed its events, with a
#      transaction that an earlier seal listed as pending still open (the
#      crash aborts it): dcpf.audit_verify passes, no committed event is
#      lost, the next seal covers every event, none twice
#
# Where the operation is when the server dies is no matter of timing: a
# trigger of the test (on the table the operation writes, in its database)
# waits for an advisory lock that a session of the test holds, at the Nth row
# (counted by a sequence, which rollback does not undo), or for a row lock;
# the test waits until the operation waits there, then cuts the power.
#
# The server killed is a cluster of the test's own, made like the one of
# tools/with-cluster (its settings and keys copied from $DCPF_CLUSTER_DIR)
# in a folder of its own, and removed at the end: the shared cluster the
# other tests use is never killed, so a failure here cannot leave it down or
# in recovery, and the key files rotation rewrites are copies. One setting
# differs: synchronous_commit = on, as in production (with it off, a crash
# may lose the last commits acknowledged, consistently, which would make
# "what had committed" a matter of timing).
#
# Prints one "ok - ..." or "not ok - ..." line per check; exits non-zero
# when any check fails. Never prints a key.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. test/shell/lib/keys_tap.sh
. test/shell/lib/own_servers.sh

own_servers_setup crash-test
data=$work/data
log=$work/server.log
port=$(( 20000 + (RANDOM % 20000) ))
keyfile=$work/master_keys

cleanup() {
    local rc=$?
    if [ -f "$data/postmaster.pid" ]; then
        "${runas[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1
    fi
    [ -n "$(jobs -p)" ] && kill $(jobs -p) 2>/dev/null
    wait 2>/dev/null
    if [ $rc -ne 0 ] && [ -f "$log" ]; then
        echo "# the last lines of the server log:"; tail -n 20 "$log" | sed -E 's/[0-9A-Fa-f]{32,}/<hex masked>/g; s/^/#   /'
    fi
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT INT TERM

# the cluster: the settings of tools/with-cluster, its socket, port and key
# files its own
"${runas[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$work/initdb.log" 2>&1 || { echo "not ok - initdb"; sed 's/^/#   /' "$work/initdb.log"; exit 1; }
for f in platform_key.pem audit_signing_key.pem master_keys; do
    cp -p "$shared/$f" "$work/$f" || { echo "not ok - the key files of tools/with-cluster"; exit 1; }
done
{
    sed -n '/^# --- dcpf (tools\/with-cluster) ---$/,$p' "$shared/data/postgresql.conf"
    cat <<CONF
# --- test/shell/crash_recovery.sh: its own place; commits durable ---
port = $port
unix_socket_directories = '$work'
cron.host = '$work'
dcpf.platform_key_file = '$work/platform_key.pem'
dcpf.audit_signing_key_file = '$work/audit_signing_key.pem'
dcpf.master_key_file = '$keyfile'
synchronous_commit = on
CONF
} >>"$data/postgresql.conf"
grep -q "^shared_preload_libraries = 'dcpf" "$data/postgresql.conf" || { echo "not ok - the settings of tools/with-cluster"; exit 1; }

# start: the postmaster as a child of this shell (through runuser when
# root), not detached by pg_ctl: killed, it is reaped here, whatever the
# machine's init does with orphans (one that does not reap them leaves a
# zombie whose pid makes postmaster.pid look live, and the restart refuses)
start() {
    local _
    # (under 'make sanitize' the server needs the runtime preloaded, like the
    # one of tools/with-cluster)
    "${runas[@]}" env ${DCPF_SERVER_LD_PRELOAD:+LD_PRELOAD="$DCPF_SERVER_LD_PRELOAD"} \
        "$bindir/postgres" -D "$data" >>"$log" 2>&1 &
    for _ in $(seq 1 600); do
        "$bindir/pg_isready" -q -h "$work" -p "$port" -U postgres && return 0
        sleep 0.1
    done
    return 1
}
start || { echo "not ok - the test's cluster starts"; exit 1; }
export PGHOST=$work PGPORT=$port PGUSER=postgres PGDATABASE=postgres
unset PGSERVICE PGPASSWORD PGOPTIONS
psql=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off)

# q DB SQL: one query's result (errors on stderr, scrubbed, in $work/err)
q() { "${psql[@]}" -At -d "$1" -c "$2" 2>"$work/err"; }
# expect DESC DB SQL WANTED
expect() {
    local got
    got=$(q "$2" "$3")
    if [ "$got" = "$4" ]; then ok "$1"; else notok "$1"; echo "#   wanted: $4"; echo "#   got: $got"; scrub "$work/err"; fi
}
# wait_until DB SQL: until the query says t, 60 s at most
wait_until() {
    local _
    for _ in $(seq 1 600); do
        [ "$(q "$1" "$2")" = t ] && return 0
        sleep 0.1
    done
    return 1
}
# hold APP DB SQL: a session (application APP) runs SQL in a transaction
# that it keeps open, with its locks, until the power cut
hold() {
    PGAPPNAME=$1 "${psql[@]}" -d "$2" -c "BEGIN" -c "$3" -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
    wait_until "$2" "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = '$1' AND query = 'SELECT pg_sleep(600)')"
}
# gate DB KEY: a session holds advisory lock KEY in DB until the power cut
gate() { hold dcpf_crash_gate "$1" "SELECT pg_advisory_xact_lock($2)"; }
# waiting DB APP: the session of application APP waits for a lock
waiting() {
    wait_until "$1" "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = '$2' AND wait_event_type = 'Lock')"
}

# begin_and_wait PART DESC APP DB PSQL-ARG...: the operation starts (psql
# with those arguments, in the background, as application APP); ok when it
# comes to wait at the gate, else the test ends
begin_and_wait() {
    local part=$1 desc=$2 app=$3 db=$4
    shift 4
    PGAPPNAME=$app "${psql[@]}" -d "$db" "$@" >"$work/$app.out" 2>&1 &
    if waiting "$db" "$app"; then
        ok "$part: $desc"
    else
        notok "$part: $desc"; scrub "$work/$app.out"; exit 1
    fi
}

# cluster_pids: every live process of the cluster (the postmaster and all
# it started work in its data folder)
cluster_pids() {
    local p
    for p in $(pgrep -x postgres); do
        [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$data" ] || continue
        case $(ps -o stat= -p "$p" 2>/dev/null) in ''|Z*) ;; *) echo "$p" ;; esac
    done
}
# power_cut: SIGKILL to the postmaster and to every process it started, in
# one go (a process forked meanwhile is found by its folder and killed too);
# returns when none is left
power_cut() {
    local pm left _
    pm=$(head -n 1 "$data/postmaster.pid")
    # shellcheck disable=SC2046
    kill -KILL "$pm" $(pgrep -P "$pm") 2>/dev/null
    for _ in $(seq 1 200); do
        left=$(cluster_pids)
        [ -z "$left" ] && break
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null
        sleep 0.05
    done
    wait 2>/dev/null    # the test's own sessions, cut off, and the postmaster's parent
}
# crash_and_restart WHAT: the power cut, then the server is started again;
# ok when pg_controldata says it was not shut down and it recovers
crash_and_restart() {
    local state lines
    power_cut
    state=$("$bindir/pg_controldata" "$data" 2>/dev/null | sed -n 's/^Database cluster state: *//p')
    check "$1: the server was cut off, not shut down (cluster state: $state)" test "$state" = "in production"
    lines=$(wc -l <"$log")
    if start && [ "$(q postgres "SELECT pg_is_in_recovery()")" = f ] \
       && tail -n +$((lines + 1)) "$log" | grep -q 'automatic recovery in progress'; then
        ok "$1: the server restarts: crash recovery completes"
    else
        notok "$1: the server restarts: crash recovery completes"; exit 1
    fi
}
# a trigger that waits for advisory lock KEY at the Nth row (counted by a
# sequence: rollback does not undo it), installed by the test on a table of
# its database: the place where the power is cut
gate_sql() {
    cat <<SQL
CREATE SEQUENCE public.crash_gate_rows;
CREATE FUNCTION public.crash_gate() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    IF nextval('public.crash_gate_rows') = $2 THEN
        PERFORM pg_advisory_xact_lock($3);
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
\$\$;
CREATE TRIGGER crash_gate BEFORE $4 ON $1 FOR EACH ROW EXECUTE FUNCTION public.crash_gate();
SQL
}
no_gate="DROP TRIGGER IF EXISTS crash_gate ON"

for d in purge erase rotate seal; do
    "${psql[@]}" -d postgres -c "CREATE DATABASE dcpf_crash_$d" >/dev/null || { echo "not ok - CREATE DATABASE"; exit 1; }
done

# ---------------------------------------------------------------------------
# a. the retention purge, inside a batch
# ---------------------------------------------------------------------------
db=dcpf_crash_purge
# 20,000 login attempts past their term (a year), 3,000 recent ones; the 100
# old ones of person 1 are under a legal hold. public.due: the ids the purge
# is to remove. The power is cut at the 1,500th row deleted: the first batch
# (500 rows at most) has committed, another is inside its DELETE.
"${psql[@]}" -d "$db" >"$work/out" 2>&1 <<SQL || { echo "not ok - a: set-up"; scrub "$work/out" 20; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
CREATE ROLE dcpf_test_crash_maintenance LOGIN IN ROLE dcpf_maintenance;
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital');
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'p' || g || '@oost.example', 'Persoon', 'P.'
  FROM generate_series(1, 200) g;
INSERT INTO dcpf.legal_hold (licensee_id, person_id, reason, placed_by)
VALUES ('00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000001', 'Een zaak die loopt.',
        '00000000-0000-4000-8000-000000000003');
SET session_replication_role = replica;
INSERT INTO dcpf.login_attempt (attempted_at, person_id, email_sha256, outcome)
SELECT now() - interval '13 months' - make_interval(secs => g), ('00000000-0000-4000-8000-' || lpad((g % 200 + 1)::text, 12, '0'))::uuid,
       sha256(g::text::bytea), 'wrong_password'
  FROM generate_series(1, 20000) g;
INSERT INTO dcpf.login_attempt (attempted_at, person_id, email_sha256, outcome)
SELECT now() - make_interval(secs => g), ('00000000-0000-4000-8000-' || lpad((g % 200 + 1)::text, 12, '0'))::uuid,
       sha256(g::text::bytea), 'success'
  FROM generate_series(1, 3000) g;
RESET session_replication_role;
ANALYZE;
CREATE TABLE public.due AS
SELECT id FROM dcpf.login_attempt
 WHERE attempted_at < now() - interval '1 year' AND person_id <> '00000000-0000-4000-8000-000000000001';
$(gate_sql dcpf.login_attempt 1500 4201 DELETE)
SQL
due=$(q "$db" "SELECT count(*) FROM public.due")
# the rows gone, and those named by the audit trail's delete events (a batch
# of more than dcpf.audit_group_rows rows names its rows' keys in grouped events)
gone_sql="(SELECT d.id FROM public.due d WHERE NOT EXISTS (SELECT FROM dcpf.login_attempt x WHERE x.id = d.id))"
named_sql="(SELECT coalesce(k::text, e.object_key)::uuid AS id FROM dcpf.audit_event e LEFT JOIN LATERAL unnest(e.object_keys) k ON true
             WHERE e.action = 'delete' AND e.object_table = 'login_attempt')"
held_sql="SELECT count(*) FROM dcpf.login_attempt WHERE person_id = '00000000-0000-4000-8000-000000000001' AND attempted_at < now() - interval '1 year'"

gate "$db" 4201 || { echo "not ok - a: the gate session"; exit 1; }
begin_and_wait a "the purge waits inside a batch, at the 1,500th row it deletes" dcpf_crash_purge "$db" \
    -U dcpf_test_crash_maintenance -c "CALL dcpf.run_retention()"
before=$(q "$db" "SELECT batches || ' ' || rows_done FROM dcpf.job_run WHERE job = 'retention' AND status = 'running'")
read -r batches_before done_before <<<"$before"
check "a: at the power cut, batches had committed (${batches_before:-none}, ${done_before:-0} rows) and rows were left ($due due)" \
    test "${batches_before:-0}" -ge 1 -a "${done_before:-0}" -ge 1 -a "${done_before:-0}" -lt "$due"
expect "a: and the waiting batch had deleted rows it had not committed" "$db" \
    "SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                     WHERE a.application_name = 'dcpf_crash_purge' AND l.relation = 'dcpf.login_attempt'::regclass AND l.mode = 'RowExclusiveLock')" t

crash_and_restart a
expect "a: the run is still recorded as running, with the batches it committed" "$db" \
    "SELECT status || ' ' || batches || ' ' || rows_done FROM dcpf.job_run WHERE job = 'retention'" "running $batches_before $done_before"
expect "a: every batch is wholly done or not: the rows gone are the run's rows_done" "$db" \
    "SELECT count(*) FROM $gone_sql g" "$done_before"
named_check="SELECT (SELECT count(*) || ' ' || count(DISTINCT id) FROM $named_sql n) || ' ' || (SELECT count(*) FROM $gone_sql g JOIN $named_sql n USING (id))"
expect "a: each row gone is named in an audit event, once, and no other row" "$db" "$named_check" \
    "$done_before $done_before $done_before"
expect "a: nothing under the legal hold is gone" "$db" "$held_sql" 100
expect "a: the recent rows are all there" "$db" "SELECT count(*) FROM dcpf.login_attempt WHERE attempted_at > now() - interval '1 day'" 3000

q "$db" "$no_gate dcpf.login_attempt" >/dev/null
"${psql[@]}" -d "$db" -U dcpf_test_crash_maintenance -At -c "SET client_min_messages = warning" -c "CALL dcpf.run_retention()" \
    >"$work/purge.out" 2>&1
expect "a: the next run marks the cut-off one interrupted, says why, and completes" "$db" \
    "SELECT string_agg(status || ' ' || (error IS NOT NULL) || ' ' || rows_done, ', ' ORDER BY started_at) FROM dcpf.job_run WHERE job = 'retention'" \
    "interrupted true $done_before, completed false $((due - done_before))"
expect "a: no row past its term is left but the held ones" "$db" \
    "SELECT (SELECT count(*) FROM dcpf.login_attempt WHERE attempted_at < now() - interval '1 year') || ' ' || (SELECT count(*) FROM $gone_sql g)" \
    "100 $due"
expect "a: each row removed by the two runs is named in an audit event, once" "$db" "$named_check" "$due $due $due"
expect "a: nothing under the legal hold is gone" "$db" "$held_sql" 100

# ---------------------------------------------------------------------------
# b. an erasure, half-way
# ---------------------------------------------------------------------------
db=dcpf_crash_erase
anna=00000000-0000-4000-8000-000000000201
# Anna (professional of A) has 40 portfolio items with encrypted bodies, one
# commented on by Piet, a phone and an address (encrypted), consent given,
# and an erasure request that the privacy officer (204) has verified. The
# test holds her data key's row: the erasure, having deleted her rows, waits
# there to shred it.
"${psql[@]}" -d "$db" >"$work/out" 2>&1 <<SQL || { echo "not ok - b: set-up"; scrub "$work/out" 20; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
\i test/sql/include/two_licensees.sql
INSERT INTO dcpf.person (id, email, surname, given_names, initials) VALUES
    ('$anna', 'anna.jansen@example.nl', 'Jansen', 'Anna', 'A.'),
    ('00000000-0000-4000-8000-000000000202', 'piet.deboer@example.nl', 'Boer', 'Piet', 'P.'),
    ('00000000-0000-4000-8000-000000000204', 'fg@example.nl', 'Functionaris', 'Frits', 'F.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e201', '$anna', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e203', '00000000-0000-4000-8000-000000000202', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e206', '00000000-0000-4000-8000-000000000204', '00000000-0000-4000-8000-00000000a001', 'privacy_officer', '2024-01-01');
\i test/sql/include/accept_euras.sql
SELECT dcpf.add_phone('$anna', 'mobile', '06 12345678') IS NOT NULL;
SELECT dcpf.set_address('$anna', 'home', 'Kerkstraat', 1, '7511 JA', 'Enschede') IS NOT NULL;
CREATE ROLE dcpf_test_crash_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION public.as_person(person text, role text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, '00000000-0000-4000-8000-00000000a001', role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION public.as_person(text, text) TO PUBLIC;
SET ROLE dcpf_test_crash_backend;
SELECT public.as_person('201', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted)
SELECT x.id, '$anna', '00000000-0000-4000-8000-00000000e201', 'reflection', 'Reflectie ' || x.g,
       dcpf.encrypt('Anna Jansen schreef reflectie ' || x.g || ': de overdracht ging te snel.', 'portfolio_item', 'body', x.id, '$anna')
  FROM (SELECT g, ('00000000-0000-4000-8000-0000000f' || lpad(g::text, 4, '0'))::uuid AS id FROM generate_series(1, 40) g) x;
INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_person_id, permission)
VALUES ('$anna', 'item', '00000000-0000-4000-8000-0000000f0001', '00000000-0000-4000-8000-000000000202', 'comment');
SELECT dcpf.give_consent('marketing') IS NOT NULL;
SELECT dcpf.submit_subject_request('erasure', 'Verwijder alles van mij.') IS NOT NULL;
SELECT public.as_person('202', 'supervisor');
SELECT dcpf.comment_item('00000000-0000-4000-8000-0000000f0001', 'Goed dat je dit opschrijft.') IS NOT NULL;
SELECT public.as_person('204', 'privacy_officer');
SELECT dcpf.verify_subject_request(r.id, 'id_document') FROM dcpf.subject_request r WHERE r.person_id = '$anna';
SELECT dcpf.clear_identity();
RESET ROLE;
-- every row of hers in every table of the personal-data registry but the
-- audit trail, counted and hashed, as one text
CREATE FUNCTION public.person_rows(person uuid) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
    t record;
    n bigint;
    h text;
    rows_text text := '';
BEGIN
    FOR t IN SELECT d.table_name, d.subject_column FROM dcpf.personal_data_table d
              WHERE d.subject_column IS NOT NULL AND d.table_name <> 'audit_event' ORDER BY 1 LOOP
        EXECUTE format('SELECT count(*), md5(coalesce(string_agg(x::text, ''|'' ORDER BY x::text), '''')) FROM dcpf.%I x WHERE x.%I = \$1',
                       t.table_name, t.subject_column) INTO n, h USING person;
        IF n > 0 THEN rows_text := rows_text || format('%s %s %s; ', t.table_name, n, h); END IF;
    END LOOP;
    RETURN rows_text;
END
\$\$;
-- whether a ciphertext opens: ok, or the SQLSTATE that refuses it
CREATE FUNCTION public.opens(ct bytea, row_id uuid, subject uuid) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
    PERFORM dcpf.decrypt_text(ct, 'portfolio_item', 'body', row_id, subject);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
\$\$;
CREATE TABLE public.old_ciphertext AS SELECT id, owner_id, body_encrypted FROM dcpf.portfolio_item WHERE owner_id = '$anna';
SQL
request=$(q "$db" "SELECT id FROM dcpf.subject_request WHERE person_id = '$anna' AND kind = 'erasure'")
values_sql="SELECT count(*) || ' ' || md5(string_agg(v, '|' ORDER BY v)) FROM (
    SELECT dcpf.decrypt_text(body_encrypted, 'portfolio_item', 'body', id, owner_id) AS v FROM dcpf.portfolio_item WHERE owner_id = '$anna'
    UNION ALL SELECT number FROM dcpf.person_phone_decrypted WHERE person_id = '$anna'
    UNION ALL SELECT street || ' ' || house_number FROM dcpf.person_address_decrypted WHERE person_id = '$anna') x"
state_sql="SELECT p.status || ' ' || (SELECT count(*) FROM dcpf.erasure e WHERE e.pseudonym = p.id) || ' ' || (k.wrapped IS NOT NULL)
                  || ' ' || (SELECT r.status FROM dcpf.subject_request r WHERE r.id = '$request')
             FROM dcpf.person p JOIN dcpf.data_key k ON k.subject_id = p.id WHERE p.id = '$anna'"
rows_before=$(q "$db" "SELECT public.person_rows('$anna')")
values_before=$(q "$db" "$values_sql")
tables_before=$(grep -o ';' <<<"$rows_before" | wc -l)
check "b: Anna's data is set up: 40 items, a phone, an address; rows in $tables_before tables of the registry" \
    test "${values_before%% *}" = 42 -a "$tables_before" -ge 8
expect "b: before: active, no tombstone, her key, the request in progress" "$db" "$state_sql" "active 0 true in_progress"

hold dcpf_crash_gate "$db" "SELECT 1 FROM dcpf.data_key WHERE subject_id = '$anna' FOR UPDATE" \
    || { echo "not ok - b: the gate session"; exit 1; }
erase=(-At -c "SET ROLE dcpf_test_crash_backend" -c "SELECT public.as_person('204', 'privacy_officer')"
       -c "SELECT dcpf.erase_person('$anna', '$request')")
begin_and_wait b "the erasure waits for her data key, to shred it" dcpf_crash_erase "$db" "${erase[@]}"
expect "b: by then it had written the tombstone and deleted her items and phone, uncommitted" "$db" \
    "SELECT string_agg(l.relation::regclass::text, ' ' ORDER BY l.relation::regclass::text) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE a.application_name = 'dcpf_crash_erase' AND l.mode = 'RowExclusiveLock'
        AND l.relation IN ('dcpf.erasure'::regclass, 'dcpf.portfolio_item'::regclass, 'dcpf.person_phone'::regclass)" \
    "dcpf.erasure dcpf.person_phone dcpf.portfolio_item"

crash_and_restart b
expect "b: nothing of the erasure is left: active, no tombstone, her key, the request in progress" "$db" "$state_sql" \
    "active 0 true in_progress"
expect "b: every row of hers is there, unchanged (every table of the registry)" "$db" "SELECT public.person_rows('$anna')" "$rows_before"
expect "b: every value of hers decrypts, unchanged" "$db" "$values_sql" "$values_before"
expect "b: no art. 19 notice and no audit event of the erasure" "$db" \
    "SELECT (SELECT count(*) FROM dcpf.notice WHERE kind = 'erasure_notice') || ' ' || (SELECT count(*) FROM dcpf.audit_event WHERE object_table = 'erasure')" "0 0"

if "${psql[@]}" -d "$db" "${erase[@]}" >"$work/erase.out" 2>&1 && grep -qE '^[0-9a-f-]{36}$' "$work/erase.out"; then
    ok "b: carried out again, the erasure succeeds"
else
    notok "b: carried out again, the erasure succeeds"; scrub "$work/erase.out"
fi
expect "b: now complete: erased, the tombstone, her key shredded, the request completed" "$db" "$state_sql" "erased 1 false completed"
expect "b: her items, phone and address are gone" "$db" \
    "SELECT (SELECT count(*) FROM dcpf.portfolio_item WHERE owner_id = '$anna') + (SELECT count(*) FROM dcpf.person_phone WHERE person_id = '$anna')
            + (SELECT count(*) FROM dcpf.person_address WHERE person_id = '$anna')" 0
expect "b: her old ciphertexts no longer open: the data was erased (DCP01)" "$db" \
    "SELECT string_agg(DISTINCT public.opens(body_encrypted, id, owner_id), ',') || ' ' || count(*) FROM public.old_ciphertext" "DCP01 40"
expect "b: the tombstone records the shredding and the deletions, and its audit event is there" "$db" \
    "SELECT (e.key_shredded_at IS NOT NULL) || ' ' || (e.rows_deleted ->> 'portfolio_item') || ' ' || (SELECT count(*) > 0 FROM dcpf.audit_event a WHERE a.object_table = 'erasure')
       FROM dcpf.erasure e WHERE e.pseudonym = '$anna'" "true 40 true"

# ---------------------------------------------------------------------------
# c. a master key rotation, inside a batch
# ---------------------------------------------------------------------------
db=dcpf_crash_rotate
# 400 persons, each with an encrypted phone: 400 data keys under generation
# 1. Generation 2 is added to the key file and the keys are rotated in
# batches of 100; the power is cut at the 250th key re-wrapped: two batches
# have committed, the third is half-way.
"${psql[@]}" -d "$db" >"$work/out" 2>&1 <<SQL || { echo "not ok - c: set-up"; scrub "$work/out" 20; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'p' || g || '@rot.example', 'Persoon', 'P.'
  FROM generate_series(1, 400) g;
SELECT count(dcpf.add_phone(p.id, 'mobile', '+3161' || lpad(right(p.id::text, 7), 7, '0'))) FROM dcpf.person p;
$(gate_sql dcpf.data_key 250 4203 UPDATE)
SQL
values_sql="SELECT count(*) || ' ' || md5(string_agg(person_id || ' ' || number, '|' ORDER BY person_id)) FROM dcpf.person_phone_decrypted"
ciphertext_sql="SELECT md5(string_agg(number_encrypted::text, '|' ORDER BY id)) FROM dcpf.person_phone"
generations_sql="SELECT string_agg(generation || ':' || n, ' ' ORDER BY generation)
                   FROM (SELECT generation, count(*) AS n FROM dcpf.data_key WHERE wrapped IS NOT NULL GROUP BY 1) g"
# every data key unwraps (rewrap_data_key unwraps it and wraps it anew,
# writing nothing), and none is wrapped by a generation the key file lacks
unwrap_sql="SELECT count(dcpf.rewrap_data_key(id, subject_id, wrapped)) || ' '
                   || count(*) FILTER (WHERE generation NOT IN (SELECT generation FROM dcpf.master_key_generations()))
              FROM dcpf.data_key WHERE wrapped IS NOT NULL"
values_before=$(q "$db" "$values_sql")
ciphertext_before=$(q "$db" "$ciphertext_sql")
check "c: 400 encrypted phones" test "${values_before%% *}" = 400
expect "c: 400 data keys, all under generation 1" "$db" "$generations_sql" "1:400"

k1=$(awk '$1 == "master" && $2 == "1" { print $3 }' "$keyfile")
blind=$(awk '$1 == "blind" { print $2 }' "$keyfile")
k2=$(openssl rand -hex 32)
printf '%s\n' "$k1" "$k2" "$blind" >"$work/all_keys"
# the key file rewritten in place: its owner and mode stay
printf '# dcpf master keys\nmaster 1 %s\nmaster 2 %s\nblind %s\n' "$k1" "$k2" "$blind" >"$keyfile"

gate "$db" 4203 || { echo "not ok - c: the gate session"; exit 1; }
begin_and_wait c "the rotation waits inside its third batch, at the 250th key" dcpf_crash_rotate "$db" \
    -c "CALL dcpf.rotate_master_key(batch_size => 100)"
expect "c: at the power cut, two batches had committed: 200 keys under generation 2" "$db" \
    "SELECT r.status || ' ' || r.keys_done || '/' || r.keys_total || ' ' || r.batches || ', ' || ($generations_sql) FROM dcpf.key_rotation_run r" \
    "running 200/400 2, 1:200 2:200"

crash_and_restart c
expect "c: the run is still recorded as running, with its two batches" "$db" \
    "SELECT status || ' ' || keys_done || '/' || keys_total || ' ' || batches FROM dcpf.key_rotation_run" "running 200/400 2"
expect "c: the half-done batch is undone whole: 200 keys under each generation" "$db" "$generations_sql" "1:200 2:200"
expect "c: no data key lost: every one unwraps, under a generation of the key file" "$db" "$unwrap_sql" "400 0"
expect "c: generation 2 is registered, with its check value" "$db" \
    "SELECT string_agg(generation::text, ' ' ORDER BY generation) FROM dcpf.master_key_generation WHERE retired_at IS NULL" "1 2"
expect "c: every value decrypts, unchanged" "$db" "$values_sql" "$values_before"
expect "c: the ciphertexts are untouched" "$db" "$ciphertext_sql" "$ciphertext_before"

q "$db" "$no_gate dcpf.data_key" >/dev/null
if "${psql[@]}" -d "$db" -c "SET client_min_messages = warning" -c "CALL dcpf.rotate_master_key(batch_size => 100)" >"$work/rotate.out" 2>&1; then
    ok "c: called again, the rotation succeeds"
else
    notok "c: called again, the rotation succeeds"; scrub "$work/rotate.out"
fi
expect "c: the cut-off run is marked interrupted; the new one re-wrapped the other 200" "$db" \
    "SELECT string_agg(status || ' ' || keys_done || '/' || keys_total, ', ' ORDER BY started_at) FROM dcpf.key_rotation_run" \
    "interrupted 200/400, done 200/200"
expect "c: all 400 keys under generation 2, each unwraps" "$db" "SELECT ($generations_sql) || ', ' || ($unwrap_sql)" "2:400, 400 0"
expect "c: generation 1 wraps nothing now: it is retired" "$db" "SELECT dcpf.retire_master_key(1) IS NOT NULL" t
printf '# dcpf master keys\nmaster 2 %s\nblind %s\n' "$k2" "$blind" >"$keyfile"
expect "c: with generation 2 alone in the key file, every value decrypts, unchanged" "$db" "$values_sql" "$values_before"

# ---------------------------------------------------------------------------
# d. an audit seal, about to be stored
# ---------------------------------------------------------------------------
db=dcpf_crash_seal
# 3,000 events sealed (seal 1); 2,000 more; a transaction T writes an event
# and stays open; 500 events committed after it; seal 2, which lists T as
# pending; 1,000 more events. Seal 3 has hashed them and waits to store
# itself when the power is cut (T, still open, is aborted by the crash).
events() {
    echo "DO \$\$ BEGIN FOR i IN 1..$1 LOOP INSERT INTO dcpf.licensee (name, kind) VALUES ('$2 ' || i, 'hospital'); END LOOP; END \$\$;"
}
"${psql[@]}" -d "$db" >"$work/out" 2>&1 <<SQL || { echo "not ok - d: set-up"; scrub "$work/out" 20; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
$(events 3000 'Ziekenhuis A')
SELECT seal_no FROM dcpf.audit_seal();
$(events 2000 'Ziekenhuis B')
SQL
hold dcpf_crash_open "$db" "INSERT INTO dcpf.licensee (name, kind) VALUES ('Nooit Vastgelegd', 'hospital')" \
    || { echo "not ok - d: the open transaction"; exit 1; }
"${psql[@]}" -d "$db" >"$work/out" 2>&1 <<SQL || { echo "not ok - d: set-up"; scrub "$work/out" 20; exit 1; }
$(events 500 'Ziekenhuis C')
SQL
expect "d: seal 2, made while T is open, lists it as pending" "$db" \
    "SELECT seal_no || ' ' || (pending_transactions >= 1) FROM dcpf.audit_seal()" "2 true"
"${psql[@]}" -d "$db" >"$work/out" 2>&1 <<SQL || { echo "not ok - d: set-up"; scrub "$work/out" 20; exit 1; }
$(events 1000 'Ziekenhuis D')
$(gate_sql dcpf.audit_seal 1 4204 INSERT)
SQL
gate "$db" 4204 || { echo "not ok - d: the gate session"; exit 1; }
begin_and_wait d "seal 3 has hashed its events and waits to store itself" dcpf_crash_seal "$db" -c "SELECT * FROM dcpf.audit_seal()"
q "$db" "SELECT dcpf.audit_queue_drain()" >/dev/null
events_before=$(q "$db" "SELECT count(*) || ' ' || max(id) FROM dcpf.audit_event")

crash_and_restart d
expect "d: no committed event is lost (count and highest number as before)" "$db" \
    "SELECT count(*) || ' ' || max(id) FROM dcpf.audit_event" "$events_before"
expect "d: T's event is gone with T" "$db" "SELECT count(*) FROM dcpf.licensee WHERE name = 'Nooit Vastgelegd'" 0
expect "d: seals 1 and 2 are there, seal 3 is not" "$db" "SELECT string_agg(seal_no::text, ' ' ORDER BY seal_no) FROM dcpf.audit_seal" "1 2"
verify_sql="SELECT verified || ' ' || coalesce(problem, '-') FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour')"
expect "d: dcpf.audit_verify passes" "$db" "$verify_sql" "true -"
q "$db" "$no_gate dcpf.audit_seal" >/dev/null
q "$db" "SELECT dcpf.audit_queue_drain()" >/dev/null
expect "d: a new seal covers the events since seal 2, T no longer pending" "$db" \
    "SELECT seal_no || ' ' || (range_events >= 1000) || ' ' || pending_transactions FROM dcpf.audit_seal()" "3 true 0"
# the events each seal names (its digest list: per event 8 bytes of number,
# 8 of hash), against the events there are up to the last seal
expect "d: every event up to the last seal is sealed once, none twice, none that is not there" "$db" \
    "WITH sealed AS (SELECT ('x' || encode(substring(s.row_digests FROM i * 16 + 1 FOR 8), 'hex'))::bit(64)::bigint AS id
                       FROM dcpf.audit_seal s, generate_series(0, octet_length(s.row_digests) / 16 - 1) i)
     SELECT (SELECT count(*) FROM sealed) || ' ' || (SELECT count(DISTINCT id) FROM sealed) || ' '
            || (SELECT count(*) FROM dcpf.audit_event e WHERE e.id <= (SELECT max(high_id) FROM dcpf.audit_seal)) || ' '
            || (SELECT count(*) FROM sealed WHERE id NOT IN (SELECT e.id FROM dcpf.audit_event e))" \
    "$(q "$db" "SELECT count(*) FROM dcpf.audit_event e WHERE e.id <= (SELECT max(high_id) FROM dcpf.audit_seal)") \
$(q "$db" "SELECT count(*) FROM dcpf.audit_event e WHERE e.id <= (SELECT max(high_id) FROM dcpf.audit_seal)") \
$(q "$db" "SELECT count(*) FROM dcpf.audit_event e WHERE e.id <= (SELECT max(high_id) FROM dcpf.audit_seal)") 0"
expect "d: and everything verifies" "$db" "$verify_sql" "true -"

# ---------------------------------------------------------------------------
no_key_in "no key appears in the server log or the outputs" "$work/all_keys" "$log" "$work"/*.out

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
