#!/usr/bin/env bash
# test/shell/audit_retention_offline.sh: retention of the audit trail and the
# offline verifier. A transaction writes an event of January and commits
# after a seal was made over February's events: the next seal takes it in
# late, so one seal covers both months. January is dropped by
# dcpf.audit_drop_expired_partitions; then tools/audit-verify, with only the
# public key, accepts an export of the whole period (the signed record of
# January in it) and an export that starts after the dropped month, and
# finds an export without its record, with a record or its boundary hashes
# changed, or without an event that remains; dcpf.audit_verify agrees. A
# record signed anew with the key but not matching the seals (another chain,
# more events) is refused by both, and a month a superuser removes round the
# guard is reported as deleted by both.
#
# Session A is one psql process; session B runs from inside it with \!, so
# B writes and seals while A's transaction is open.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. test/shell/lib/keys_tap.sh

db=dcpf_retention_test_$$
work=$(mktemp -d /tmp/dcpf-retention-test.XXXXXX)
psql=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off)
cleanup() {
    "${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
die() { echo "FAIL: $*"; exit 1; }
q() { "${psql[@]}" -At -d "$db" -c "$1"; }
verify_online() { q "SELECT verified || ' ' || coalesce(problem, '-') || ' ' || events_removed FROM dcpf.audit_verify(${1:-now() - interval '1 hour'}, now() + interval '1 hour')"; }
export_to() { "${psql[@]}" -At -d "$db" -c "SELECT * FROM dcpf.audit_export(${2:-now() - interval '1 hour'}, now() + interval '1 hour')" >"$1"; }
offline() { tools/audit-verify --key "$work/public.pem" "$1" >"$work/offline.out" 2>&1; head -n 1 "$work/offline.out"; }
# ev AT N: N events at a past time AT (as a superuser can write them)
ev() {
    echo "INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, database_role, effective_role, object_table," \
         "subject_person) SELECT nextval('dcpf.audit_event_id_seq'), timestamptz '$1' + g * interval '1 millisecond'," \
         "pg_current_xact_id(), 'read', 'success', 'app', 'dcpf_app', 'person', '00000000-0000-4000-8000-000000000101'" \
         "FROM generate_series(1, $2) g"
}

"${psql[@]}" -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null || die "cannot create a database"
"${psql[@]}" -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION dcpf" >/dev/null || die "CREATE EXTENSION failed"
q "SELECT count(dcpf.audit_create_partition(d::date)) FROM generate_series('2019-01-01'::date, '2019-03-01', '1 month') d" >/dev/null
q "SELECT dcpf.audit_public_key()" >"$work/public.pem" || die "no public key"
q "$(ev '2019-01-10' 5)" >/dev/null
q "SELECT seal_no FROM dcpf.audit_seal()" >/dev/null

# A writes an event of 31 January and stays open; B writes February and seals
"${psql[@]}" -d "$db" >"$work/a.out" 2>&1 <<SQL
BEGIN;
$(ev '2019-01-31 23:59:59' 1);
\! psql -X -q -At -d "$db" -c "$(ev '2019-02-01' 3)" >"$work/b_insert.out" 2>&1
\! psql -X -q -At -d "$db" -c "SELECT range_events, late_events, pending_transactions FROM dcpf.audit_seal()" >"$work/b_seal.out" 2>&1
COMMIT;
SQL
read -r range late pending_n <<<"$(tr '|' ' ' <"$work/b_seal.out")"
check "B's seal, made while A ran, sealed February's events and left A pending (got: $(cat "$work/b_seal.out"))" \
    test "${range:-0}" -ge 3 -a "${pending_n:-0}" -ge 1
q "$(ev '2019-02-10' 2)" >/dev/null
read -r range late _ <<<"$(q "SELECT range_events, late_events, pending_transactions FROM dcpf.audit_seal()" | tr '|' ' ')"
check "the next seal takes A's January event in late, beside February's events (late: ${late:-?})" test "${late:-0}" = 1
late_seal=$(q "SELECT max(seal_no) FROM dcpf.audit_seal")
q "$(ev '2019-03-05' 2)" >/dev/null
q "SELECT seal_no FROM dcpf.audit_seal()" >/dev/null
check "before retention, everything verifies" test "$(verify_online)" = "true - 0"

# the retention job drops January
q "SELECT dcpf.audit_queue_drain()" >/dev/null
result=$(q "SET ROLE dcpf_maintenance; SELECT month || ' ' || events || ' ' || outcome FROM dcpf.audit_drop_expired_partitions('2019-02-01')")
check "January (6 events) is dropped (got: $result)" test "$result" = "2019-01-01 6 dropped"
check "its record keeps the full hash of the late event, which shares a seal with February" \
    test "$(q "SELECT octet_length(boundary_digests) / 40 || ' ' || last_seal FROM dcpf.audit_dropped_partition")" = "1 $late_seal"
check "online: everything verifies, January's events counted as removed" test "$(verify_online)" = "true - 6"

# offline, with only the public key
export_to "$work/export.txt" || die "export failed"
check "the export carries January's record first" test "$(head -c 2 "$work/export.txt")" = "R "
check "the offline verifier accepts the whole period ($(offline "$work/export.txt"))" \
    grep -q "^verified: 4 seals, [0-9]* events; 6 removed by retention (2019-01)$" "$work/offline.out"
from_late=$(q "SELECT quote_literal(sealed_at) FROM dcpf.audit_seal WHERE seal_no = $late_seal")
export_to "$work/from_late.txt" "$from_late"
check "an export that starts after January, with the seal it shares with February ($(offline "$work/from_late.txt"))" \
    grep -q "^verified: [0-9]* seals, [0-9]* events; 1 removed by retention (2019-01)$" "$work/offline.out"
q "SELECT dcpf.audit_queue_drain()" >/dev/null
q "SELECT seal_no FROM dcpf.audit_seal()" >/dev/null
from_last=$(q "SELECT quote_literal(max(sealed_at)) FROM dcpf.audit_seal")
export_to "$work/after.txt" "$from_last"
check "an export of only the seals after the drop needs no record ($(offline "$work/after.txt"))" \
    test "$(grep -c '^R ' "$work/after.txt")" = 0 -a "$(head -n 1 "$work/offline.out" | cut -c1-9)" = "verified:"
check "online, over the same period: nothing removed" test "$(verify_online "$from_last")" = "true - 0"

# doctored exports
grep -v '^R ' "$work/export.txt" >"$work/no_record.txt"
check "without January's record, its events are deleted ($(offline "$work/no_record.txt"))" grep -q "^NOT VERIFIED: deleted" "$work/offline.out"
sed -E '1s/"events":6/"events":5/' "$work/export.txt" >"$work/record_changed.txt"
check "a record changed: bad retention record ($(offline "$work/record_changed.txt"))" \
    grep -q "^NOT VERIFIED: bad retention record" "$work/offline.out"
awk 'NR == 1 { last = substr($3, length($3)); $3 = substr($3, 1, length($3) - 1) (last == "0" ? "1" : "0") } { print }' \
    "$work/export.txt" >"$work/boundary_changed.txt"
check "its boundary hashes changed: bad retention record ($(offline "$work/boundary_changed.txt"))" \
    grep -q "^NOT VERIFIED: bad retention record" "$work/offline.out"
awk '!done && /^E .*"occurred_at":"2019-02-01/ { done = 1; next } { print }' "$work/export.txt" >"$work/event_gone.txt"
check "an event of February left out: deleted ($(offline "$work/event_gone.txt"))" grep -q "^NOT VERIFIED: deleted" "$work/offline.out"

# A record signed with the audit key itself (as only its holder could),
# but not matching the seals: its chain hash swapped for another seal's, or
# more events claimed than its seals list. Both verifiers check the record
# against the signed chain, not only its signature.
resign() { # SED_EXPRESSION: the January record's statement changed and signed again with the private key
    local st sig
    st=$(q "SELECT statement FROM dcpf.audit_dropped_partition WHERE month = '2019-01-01'" | sed -E "$1")
    printf '%s' "$st" >"$work/statement"
    openssl pkeyutl -sign -inkey "$DCPF_AUDIT_SIGNING_KEY_FILE" -rawin -in "$work/statement" -out "$work/statement.sig" 2>/dev/null || return 1
    sig=$(od -An -tx1 -v "$work/statement.sig" | tr -d ' \n')
    "${psql[@]}" -d "$db" -At -v st="$st" -v sig="$sig" >"$work/forged.out" 2>&1 <<'SQL'
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_dropped_partition SET statement = :'st', signature = decode(:'sig', 'hex') WHERE month = '2019-01-01';
SELECT 'ONLINE ' || verified || ' ' || coalesce(problem, '-') || ' ' || coalesce(detail, '-') FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour');
SELECT * FROM dcpf.audit_export(now() - interval '1 hour', now() + interval '1 hour');
ROLLBACK;
SQL
    grep -E '^(R|E|S) ' "$work/forged.out" >"$work/forged_export.txt"
}
other_chain=$(q "SELECT statement::jsonb ->> 'chain' FROM dcpf.audit_seal WHERE seal_no = 1")
if [ -r "${DCPF_AUDIT_SIGNING_KEY_FILE:-}" ]; then
    resign "s/\"chain\":\"[0-9a-f]{64}\"/\"chain\":\"$other_chain\"/"
    check "a record re-signed with another chain: dcpf.audit_verify says bad retention record ($(grep '^ONLINE' "$work/forged.out" | cut -c1-120))" \
        grep -q "^ONLINE false bad retention record The record of month 2019-01 does not match the chain" "$work/forged.out"
    check "and so does the offline verifier ($(offline "$work/forged_export.txt"))" grep -q "^NOT VERIFIED: bad retention record" "$work/offline.out"
    resign 's/"events":6/"events":7/'
    check "a record re-signed claiming one event more: dcpf.audit_verify says bad retention record ($(grep '^ONLINE' "$work/forged.out" | cut -c1-120))" \
        grep -q "^ONLINE false bad retention record The record of month 2019-01 says it removed 7" "$work/forged.out"
    check "and so does the offline verifier ($(offline "$work/forged_export.txt"))" grep -q "^NOT VERIFIED: bad retention record" "$work/offline.out"
else
    notok "the audit signing key file is readable (DCPF_AUDIT_SIGNING_KEY_FILE, set by tools/with-cluster)"
fi

# February removed round the guard (the trail renamed for a moment): both verifiers see it
"${psql[@]}" -d "$db" -At >"$work/attack.out" 2>&1 <<SQL
BEGIN;
ALTER TABLE dcpf.audit_event RENAME TO audit_event_hidden;
DROP TABLE dcpf.audit_event_2019_02;
ALTER TABLE dcpf.audit_event_hidden RENAME TO audit_event;
SELECT 'ONLINE ' || verified || ' ' || coalesce(problem, '-') FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour');
SELECT * FROM dcpf.audit_export(now() - interval '1 hour', now() + interval '1 hour');
ROLLBACK;
SQL
grep -E '^(R|E|S) ' "$work/attack.out" >"$work/attack_export.txt"
check "February dropped round the guard: dcpf.audit_verify says deleted ($(grep '^ONLINE' "$work/attack.out"))" \
    grep -q "^ONLINE false deleted" "$work/attack.out"
check "and so does the offline verifier ($(offline "$work/attack_export.txt"))" grep -q "^NOT VERIFIED: deleted" "$work/offline.out"
check "after the attack was undone, everything verifies again" test "$(verify_online)" = "true - 6"

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
