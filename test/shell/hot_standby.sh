#!/usr/bin/env bash
# test/shell/hot_standby.sh: dcpf on a streaming replica. A hot standby made
# with pg_basebackup -R from the primary of tools/with-cluster serves every
# read that logs nothing: a token verifies there and the owner reads their
# own portfolio (decrypted), progress and notices, the reporting role its
# statistics. A read that dcpf must log (a supervisor's shared read, the
# supervised progress, the audit trail, an export) is refused with 25006
# and a message saying it needs the primary, never answered unlogged; so is
# dcpf.act_as, whose every use is recorded. A membership ended on the
# primary empties the standby's token cache when it is replayed. The
# standby's log shows no dcpf worker starting or failing while in recovery.
# After pg_ctl promote the audit worker starts with the first logged read,
# the read is in the trail, a seal is made and the trail verifies.
#
# The replica lives in its own temporary folder (owned by the server user,
# 0700, as tools/with-cluster makes the primary's) on another port, with the
# primary's settings (the same shared_preload_libraries and key files); it
# is stopped and removed at the end, also on failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. test/shell/lib/keys_tap.sh

bindir=$(pg_config --bindir 2>/dev/null || true)
if [ ! -x "$bindir/pg_basebackup" ]; then
    bindir=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -n 1)/bin
fi
runas=()
[ "$(id -u)" -eq 0 ] && runas=(runuser -u postgres --)

db=dcpf_standby_test_$$
app=dcpf_test_hs_app_$$
reporter=dcpf_test_hs_reporting_$$
backend=dcpf_test_hs_backend_$$
work=$(mktemp -d /tmp/dcpf-standby-test.XXXXXX)
standby=$(mktemp -d /tmp/dcpf-standby.XXXXXX)
sport=$(( PGPORT + 1 + (RANDOM % 500) ))
psql=(psql -X -q --pset=pager=off)
cleanup() {
    if [ -f "$standby/data/postmaster.pid" ]; then
        "${runas[@]}" "$bindir/pg_ctl" -D "$standby/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$standby" "$work"
    "${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\"" \
        -c "DROP ROLE IF EXISTS $app" -c "DROP ROLE IF EXISTS $reporter" -c "DROP ROLE IF EXISTS $backend" >/dev/null 2>&1 || true
}
trap cleanup EXIT
die() { echo "FAIL: $*"; exit 1; }
p() { "${psql[@]}" -v ON_ERROR_STOP=1 -At -d "$db" -c "$1"; }
s() { "${psql[@]}" -v ON_ERROR_STOP=1 -At -h "$standby" -p "$sport" -d "$db" -c "$1"; }
# wait_replay: until the standby has replayed everything the primary wrote so far
wait_replay() {
    local lsn
    lsn=$(p "SELECT pg_current_wal_insert_lsn()") || return 1
    for _ in $(seq 1 600); do
        [ "$(s "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return 0
        sleep 0.1
    done
    return 1
}
# standby_log: the standby's server log from the given line on
standby_log() { tail -n "+${1:-1}" "$standby/server.log"; }

# ---------------------------------------------------------------------------
# The sample, on the primary: licensees A and B, an owner (101, a trainee in
# A's IC programme) with two reflections and a notice, a supervisor (102)
# the owner shares the reflections with, a colleague (103) shared nothing,
# an issuer whose tokens name them, web visits for the statistics.
# ---------------------------------------------------------------------------
"${psql[@]}" -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null || die "cannot create a database"
"${psql[@]}" -v ON_ERROR_STOP=1 -d "$db" >"$work/setup.out" 2>&1 <<SQL || { cat "$work/setup.out"; die "setup failed"; }
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
\i test/sql/include/two_licensees.sql
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'aios@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'supervisor@example.nl', 'Smit', 'S.'),
    ('00000000-0000-4000-8000-000000000103', 'collega@example.nl', 'Bos', 'B.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01');
\i test/sql/include/accept_euras.sql
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'IC', 'Vervolgopleiding IC', 'track');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee', '2024-02-01'),
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102', 'supervisor', '2024-02-01');
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001',
     'EPA-1', 'Opname van een beademde patiënt', 4);
CREATE ROLE $app NOLOGIN IN ROLE dcpf_app;
CREATE ROLE $reporter NOLOGIN IN ROLE dcpf_reporting;
CREATE ROLE $backend NOLOGIN IN ROLE dcpf_service;
-- the owner's items and share, written as the owner
SET ROLE $backend;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', 'sample', true);
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, programme_id, item_type, title, body_encrypted)
SELECT n.id, '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-00000000c001',
       'reflection', n.title, dcpf.encrypt(n.body, 'portfolio_item', 'body', n.id, '00000000-0000-4000-8000-000000000101')
  FROM (VALUES ('00000000-0000-4000-8000-00000000f001'::uuid, 'R1 nachtdienst', 'Drukke nacht, veel geleerd.'),
               ('00000000-0000-4000-8000-00000000f002'::uuid, 'R2 overdracht', 'SBAR geoefend.')) n(id, title, body);
INSERT INTO dcpf.share (id, owner_id, scope, category, grantee_person_id, permission)
VALUES ('00000000-0000-4000-8000-00000000d101', '00000000-0000-4000-8000-000000000101', 'category', 'reflection',
        '00000000-0000-4000-8000-000000000102', 'comment');
RESET ROLE;
-- visits: six of one page on one day, so that the statistics show a cell
SELECT dcpf.record_visit(('192.0.2.' || i)::inet, 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
                         '/portfolio', '2026-03-02 10:00+01') FROM generate_series(1, 6) i;
-- test-only key (never use outside tests): the tokens of the sample's issuer
SELECT dcpf.register_issuer('https://sso.umc.example', '{"keys": [
  {"kty":"oct","kid":"key-b","alg":"HS256","k":"dGVzdC1vbmx5LWhtYWMta2V5LWZvci1kY3BmLXRlc3RzIQ"}]}', '{dcpf}');
SELECT dcpf.link_identity(('00000000-0000-4000-8000-000000000' || p)::uuid, 'https://sso.umc.example', 'sub-' || p)
  FROM unnest(ARRAY['101', '102', '103']) p;
SELECT count(*) FROM dcpf.audit_seal();
SQL
owner_items=$(p "SELECT count(*) FROM dcpf.portfolio_item WHERE owner_id = '00000000-0000-4000-8000-000000000101'")
check "the sample is on the primary (the owner's items: $owner_items)" test "$owner_items" = 2

# ---------------------------------------------------------------------------
# The standby: pg_basebackup -R, the primary's settings but its own port and
# socket folder, started as the server user
# ---------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] && chown postgres: "$standby"
chmod 700 "$standby"
"${runas[@]}" "$bindir/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres -D "$standby/data" -R -X stream \
    -c fast >"$work/basebackup.out" 2>&1 || { cat "$work/basebackup.out"; die "pg_basebackup failed"; }
cat >>"$standby/data/postgresql.conf" <<CONF
# --- the hot standby (test/shell/hot_standby.sh) ---
port = $sport
unix_socket_directories = '$standby'
hot_standby = on
CONF
check "the standby keeps the primary's shared_preload_libraries" \
    grep -q "^shared_preload_libraries = 'dcpf" "$standby/data/postgresql.conf"
# (under 'make sanitize' the server needs the runtime preloaded, like the
# primary)
"${runas[@]}" env ${DCPF_SERVER_LD_PRELOAD:+LD_PRELOAD="$DCPF_SERVER_LD_PRELOAD"} \
    "$bindir/pg_ctl" -D "$standby/data" -l "$standby/server.log" -w -t 60 start >/dev/null \
    || { tail -n 30 "$standby/server.log"; die "the standby did not start"; }
check "the standby is in recovery" test "$(s "SELECT pg_is_in_recovery()")" = t
wait_replay || die "the standby did not catch up"
check "the standby has replayed the sample" test "$(s "SELECT count(*) FROM dcpf.person")" = 3
log_mark=$(($(wc -l <"$standby/server.log") + 1))

# ---------------------------------------------------------------------------
# On the standby: one psql session per identity; VERBOSITY verbose shows the
# SQLSTATE, DETAIL and HINT of every error
# ---------------------------------------------------------------------------
token_sql() {   # token_sql PERSON [ROLE]: the SQL of a token of sub-PERSON acting in ROLE of A
    local claims="'iss', 'https://sso.umc.example', 'sub', 'sub-$1', 'aud', 'dcpf',
        'iat', floor(extract(epoch FROM now())), 'exp', floor(extract(epoch FROM now())) + 300"
    [ -n "${2:-}" ] && claims="$claims, 'dcpf_licensee', '00000000-0000-4000-8000-00000000a001', 'dcpf_role', '$2'"
    echo "dcpf.jws_sign(jsonb_build_object($claims),
        '{\"kty\":\"oct\",\"kid\":\"key-b\",\"alg\":\"HS256\",\"k\":\"dGVzdC1vbmx5LWhtYWMta2V5LWZvci1kY3BmLXRlc3RzIQ\"}', 'HS256')"
}
on_standby() {  # on_standby OUTFILE: run standard input on the standby, as the application role
    "${psql[@]}" -At -h "$standby" -p "$sport" -d "$db" -v VERBOSITY=verbose -v ON_ERROR_STOP=0 \
        -f - 2>&1 | sed -E 's/^psql:<stdin>:[0-9]+: //' >"$1"
}

# refused_clearly DESC FILE MARKER: the statement between the \echo lines
# MARKER and "end MARKER" was refused with 25006, a message saying a logged
# read needs the primary, a DETAIL and a HINT, and showed no row before it
refused_clearly() {
    local desc=$1 file=$2 marker=$3 block
    block=$(sed -n "/^$marker\$/,/^end $marker\$/p" "$file")
    if [ "$(sed -n 2p <<<"$block")" = "ERROR:  25006: a logged read needs the primary" ] \
        && grep -q "^DETAIL:  This server is a hot standby" <<<"$block" && grep -q "^HINT:  " <<<"$block"; then
        ok "$desc"
    else
        notok "$desc"; sed 's/^/#   /' <<<"$block" | head -n 12
    fi
}

# the owner, with a verified token: their own items, decrypted, progress,
# notices; reading the audit trail of their data and exporting it are
# logged, so refused
on_standby "$work/owner.out" <<SQL
SELECT $(token_sql 101 professional) AS tok \gset
SET ROLE $app;
SELECT 'person ' || dcpf.authenticate(:'tok', true);
SELECT 'items ' || count(*) FROM dcpf.my_items;
SELECT 'body ' || body FROM dcpf.portfolio_item_decrypted WHERE id = '00000000-0000-4000-8000-00000000f001';
SELECT 'progress ' || code || ' target ' || target_level || ' observations ' || observations FROM dcpf.my_epa_progress;
SELECT 'notices ' || count(*) FROM dcpf.my_notices;
SELECT 'shares ' || count(*) FROM dcpf.share;
\echo trail
SELECT action FROM dcpf.my_audit_trail();
\echo end trail
\echo export
SELECT 'export ' || length(dcpf.export_person('00000000-0000-4000-8000-000000000101')::text);
\echo end export
SQL
check "a token is verified on the standby: the owner's identity" grep -qx "person 00000000-0000-4000-8000-000000000101" "$work/owner.out"
check "the owner reads their items (dcpf.my_items)" grep -qx "items 2" "$work/owner.out"
check "and their item's body, decrypted with the replicated key" grep -qx "body Drukke nacht, veel geleerd." "$work/owner.out"
check "and their progress (dcpf.my_epa_progress)" grep -qx "progress EPA-1 target 4 observations 0" "$work/owner.out"
check "and their notices and shares" grep -qx "shares 1" "$work/owner.out"
refused_clearly "reading one's audit trail (itself logged) is refused clearly" "$work/owner.out" trail
refused_clearly "an export of one's own data (logged, art. 15) is refused clearly" "$work/owner.out" export
check "the accepted authentication is in the standby's server log, not a table" \
    grep -q "dcpf: authenticated on a standby" "$standby/server.log"
check "nothing else went wrong for the owner" test "$(grep -c "^ERROR: " "$work/owner.out")" = 2

# the supervisor the owner shares with: every shared read is logged, so refused
on_standby "$work/supervisor.out" <<SQL
SELECT $(token_sql 102 supervisor) AS tok \gset
SET ROLE $app;
SELECT 'person ' || dcpf.authenticate(:'tok', true);
\echo list
SELECT title FROM dcpf.shared_items();
\echo end list
\echo item
SELECT title, body FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f001');
\echo end item
\echo progress
SELECT trainee_id, code FROM dcpf.supervised_epa_progress;
\echo end progress
\echo bytrainee
SELECT trainee_id, code FROM dcpf.supervised_epa_progress('00000000-0000-4000-8000-000000000101');
\echo end bytrainee
SELECT 'table rows ' || count(*) FROM dcpf.portfolio_item;
SELECT 'decrypted rows ' || count(*) FROM dcpf.portfolio_item_decrypted;
SQL
check "the supervisor's token is verified on the standby" grep -qx "person 00000000-0000-4000-8000-000000000102" "$work/supervisor.out"
refused_clearly "listing the items shared with them is refused clearly (dcpf.shared_items)" "$work/supervisor.out" list
refused_clearly "reading a shared item is refused clearly (dcpf.shared_item)" "$work/supervisor.out" item
refused_clearly "the supervised progress view is refused clearly" "$work/supervisor.out" progress
refused_clearly "the supervised progress of one trainee is refused clearly" "$work/supervisor.out" bytrainee
check "the tables themselves show the supervisor nothing" grep -qx "table rows 0" "$work/supervisor.out"
check "nor do the decrypted views" grep -qx "decrypted rows 0" "$work/supervisor.out"
check "no shared title or body reached the supervisor" \
    test "$(grep -cE "R1 nachtdienst|R2 overdracht|Drukke nacht|SBAR" "$work/supervisor.out")" = 0

# a colleague shared nothing: the attempt is logged on a primary, so refused here too
on_standby "$work/colleague.out" <<SQL
SELECT $(token_sql 103 professional) AS tok \gset
SET ROLE $app;
SELECT 'person ' || dcpf.authenticate(:'tok', true);
\echo attempt
SELECT title FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f001');
\echo end attempt
SQL
refused_clearly "an attempt on an item not shared (a denied read, logged on a primary) is refused clearly" "$work/colleague.out" attempt

# the reporting role: its statistics; the audit's public key
on_standby "$work/reporting.out" <<SQL
SET ROLE $reporter;
SELECT 'visits ' || page || ' ' || visits FROM dcpf.visit_statistics;
SELECT 'public key ' || (dcpf.audit_public_key() LIKE '-----BEGIN PUBLIC KEY-----%');
SQL
check "the reporting role reads the visit statistics on the standby" grep -qx "visits /portfolio 6" "$work/reporting.out"
check "and the audit trail's public key" grep -qx "public key true" "$work/reporting.out"
check "the DBA's health view answers on the standby (it logs nothing)" \
    test "$(s "SELECT count(*) FROM dcpf.health WHERE status IN ('ok', 'warning', 'critical')")" -ge 10

# what a standby cannot record: an assumed identity, a login; the audit
# verification (a read of the trail); a refused token keeps its refusal
on_standby "$work/other.out" <<SQL
SELECT dcpf.jws_sign(jsonb_build_object('iss', 'https://sso.umc.example', 'sub', 'sub-101', 'aud', 'dcpf',
         'iat', floor(extract(epoch FROM now())) - 900, 'exp', floor(extract(epoch FROM now())) - 600),
         '{"kty":"oct","kid":"key-b","alg":"HS256","k":"dGVzdC1vbmx5LWhtYWMta2V5LWZvci1kY3BmLXRlc3RzIQ"}', 'HS256') AS expired \gset
\echo verify
SELECT verified FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour');
\echo end verify
SET ROLE $backend;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', NULL, NULL, 'support', false);
RESET ROLE;
SELECT dcpf.login('aios@example.nl', 'correct horse battery staple');
SET ROLE $app;
SELECT dcpf.authenticate(:'expired');
SQL
refused_clearly "dcpf.audit_verify (a logged read of the trail) is refused clearly" "$work/other.out" verify
check "dcpf.act_as is refused clearly: 25006, recorded only on the primary" \
    grep -q "^ERROR:  25006: cannot assume an identity on a standby" "$work/other.out"
check "dcpf.login is refused clearly: 25006, attempts recorded only on the primary" \
    grep -q "^ERROR:  25006: cannot log in on a standby" "$work/other.out"
check "an expired token is refused as on a primary (28000), not for the queue" \
    grep -q "^ERROR:  28000: token refused: expired" "$work/other.out"
check "the refusal is in the standby's server log" grep -q "dcpf: authentication refused: expired" "$standby/server.log"

# a membership ended on the primary: the standby's cached token is refused
# once that is replayed (the cache invalidation travels in the WAL)
cat >"$work/end_membership.sh" <<SH
set -e
psql -X -q -At -d "$db" -c "UPDATE dcpf.membership SET valid_until = now() WHERE id = '00000000-0000-4000-8000-00000000e103'"
lsn=\$(psql -X -At -d "$db" -c "SELECT pg_current_wal_insert_lsn()")
for _ in \$(seq 1 600); do
    [ "\$(psql -X -At -h "$standby" -p "$sport" -d "$db" -c "SELECT pg_last_wal_replay_lsn() >= '\$lsn'::pg_lsn")" = t ] && exit 0
    sleep 0.1
done
exit 1
SH
on_standby "$work/cache.out" <<SQL
SELECT $(token_sql 103 professional) AS tok \gset
SET ROLE $app;
SELECT 'first ' || dcpf.authenticate(:'tok');
SELECT 'cached ' || dcpf.authenticate(:'tok');
\! bash $work/end_membership.sh && echo replayed
SELECT 'after ' || dcpf.authenticate(:'tok');
SQL
check "a token of the colleague is accepted on the standby, then from its cache" \
    test "$(grep -c "^\(first\|cached\) 00000000-0000-4000-8000-000000000103$" "$work/cache.out")" = 2
check "once the ended membership is replayed, the cached token is refused" \
    grep -qE "^ERROR:  (28000|42501): .*(membership|role)" "$work/cache.out"
[ "$(grep -c "^after " "$work/cache.out")" = 0 ] || { notok "the token was still accepted"; sed 's/^/#   /' "$work/cache.out"; }

# the standby's log: no dcpf worker started, failed or crashed in recovery;
# every error in it is one of the refusals above
check "no dcpf audit worker runs on the standby" \
    test "$(s "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'dcpf%'")" = 0
standby_log "$log_mark" >"$work/standby.log"
check "the standby's log shows no worker starting, failing or crashing" \
    test "$(grep -cE "dcpf audit worker|background worker|terminated by signal|exited with exit code|PANIC" "$work/standby.log")" = 0
grep -E " (ERROR|FATAL|PANIC|WARNING): " "$work/standby.log" \
    | grep -vE "a logged read needs the primary|cannot assume an identity on a standby|cannot log in on a standby|token refused: expired|for this role|membership" \
    >"$work/standby.unexpected"
check "every error in the standby's log is a refusal of this test" test ! -s "$work/standby.unexpected"
[ -s "$work/standby.unexpected" ] && sed 's/^/#   /' "$work/standby.unexpected" | head

# ---------------------------------------------------------------------------
# Promotion: the audit worker starts with the first logged read, which is in
# the trail; a seal; the trail verifies
# ---------------------------------------------------------------------------
log_mark=$(($(wc -l <"$standby/server.log") + 1))
"${runas[@]}" "$bindir/pg_ctl" -D "$standby/data" -w -t 60 promote >/dev/null || die "pg_ctl promote failed"
check "the standby is promoted" test "$(s "SELECT pg_is_in_recovery()")" = f
on_standby "$work/promoted.out" <<SQL
SELECT $(token_sql 102 supervisor) AS tok \gset
SET ROLE $app;
SELECT 'person ' || dcpf.authenticate(:'tok', true);
SELECT 'item ' || title || ': ' || body FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f001');
SELECT 'progress ' || count(*) FROM dcpf.supervised_epa_progress;
SQL
check "after promotion the supervisor reads the shared item" grep -qx "item R1 nachtdienst: Drukke nacht, veel geleerd." "$work/promoted.out"
check "and the supervised progress" grep -qx "progress 1" "$work/promoted.out"
logged=0
for _ in $(seq 1 300); do
    logged=$(s "SELECT count(*) FROM dcpf.audit_event WHERE action = 'read' AND outcome = 'success'
                   AND actor_person = '00000000-0000-4000-8000-000000000102'
                   AND object_key IN ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101')")
    [ "$logged" -ge 2 ] && break
    sleep 0.1
done
check "the audit worker started on the promoted server and wrote both reads (got $logged)" test "$logged" -ge 2
check "the authentication is recorded in its table again" \
    test "$(s "SELECT count(*) FROM dcpf.authentication_event WHERE person_id = '00000000-0000-4000-8000-000000000102'")" = 1
s "SELECT seal_no FROM dcpf.audit_seal()" >"$work/seal.out" 2>&1
check "a seal is made on the promoted server ($(cat "$work/seal.out"))" grep -qE "^[0-9]+$" "$work/seal.out"
check "and the audit trail verifies" \
    test "$(s "SELECT verified || ' ' || coalesce(problem, '-') FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour')")" = "true -"
standby_log "$log_mark" >"$work/promoted.log"
check "the promoted server's log shows no error (but the end of the WAL receiver)" \
    test "$(grep -E " (ERROR|FATAL|PANIC): |dcpf audit worker: |terminated by signal|exited with exit code" "$work/promoted.log" \
            | grep -cv "terminating walreceiver process due to administrator command")" = 0

"${runas[@]}" "$bindir/pg_ctl" -D "$standby/data" -m fast -w -t 60 stop >/dev/null 2>&1
echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
