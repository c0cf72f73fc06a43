#!/usr/bin/env bash
# test/shell/audit_seal_late_commit.sh: a transaction that commits after a
# seal was made over later-numbered events is neither a gap nor a false
# alarm: the seal lists it as pending, verification passes while it runs and
# after it commits, and the next seal takes its events in as late events.
# Then the offline verifier (tools/audit-verify, with only the public key)
# accepts an export, and finds a changed, deleted, inserted or reordered
# event, a changed seal and a doctored export line, as dcpf.audit_verify does.
#
# Session A is one psql process; session B runs from inside it with \!, so
# B writes and seals while A's transaction is open.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. test/shell/lib/keys_tap.sh

db=dcpf_seal_test_$$
work=$(mktemp -d /tmp/dcpf-seal-test.XXXXXX)
psql=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off)
cleanup() {
    "${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
die() { echo "FAIL: $*"; exit 1; }
q() { "${psql[@]}" -At -d "$db" -c "$1"; }
verify_online() { q "SELECT verified || ' ' || coalesce(problem, '-') FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour')"; }
drain() { for _ in $(seq 1 1200); do [ "$(q "SELECT queued_here FROM dcpf.audit_queue_status()")" = 0 ] && return 0; sleep 0.05; done; return 1; }

"${psql[@]}" -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null || die "cannot create a database"
"${psql[@]}" -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION dcpf" >/dev/null || die "CREATE EXTENSION failed"
q "INSERT INTO dcpf.licensee (name, kind) VALUES ('UMC Oost', 'academic_hospital'), ('UMC West', 'academic_hospital'),
                                                  ('UMC Noord', 'academic_hospital'), ('UMC Zuid', 'academic_hospital')" >/dev/null
q "SELECT dcpf.audit_public_key()" >"$work/public.pem" || die "no public key"
check "the first seal covers the set-up" test "$(q "SELECT seal_no FROM dcpf.audit_seal()")" = 1

# A opens a transaction and writes; B writes after it, commits, seals, verifies
"${psql[@]}" -d "$db" >"$work/a.out" 2>&1 <<SQL
BEGIN;
INSERT INTO dcpf.licensee (name, kind) VALUES ('Laat Ziekenhuis', 'hospital');
SELECT 'A xid ' || pg_current_xact_id();
\! psql -X -q -At -d "$db" -c "INSERT INTO dcpf.licensee (name, kind) VALUES ('Vroeg Ziekenhuis', 'hospital')" >"$work/b_insert.out" 2>&1
\! psql -X -q -At -d "$db" -c "SELECT range_events, late_events, pending_transactions FROM dcpf.audit_seal()" >"$work/b_seal.out" 2>&1
\! psql -X -q -At -d "$db" -c "SELECT verified || ' ' || coalesce(problem, '-') FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour')" >"$work/b_verify.out" 2>&1
-- a second event of A, numbered after B's seal: a range event of the next seal, not a late one
INSERT INTO dcpf.licensee (name, kind) VALUES ('Nog Later Ziekenhuis', 'hospital');
COMMIT;
SQL
read -r range late pending_n <<<"$(tr '|' ' ' <"$work/b_seal.out")"
check "B's seal, made while A ran, sealed B's event and none late (got: $(cat "$work/b_seal.out"))" test "${range:-0}" -ge 1 -a "${late:-x}" = 0
check "B's seal lists A's transaction as pending" test "${pending_n:-0}" -ge 1
check "verification while A runs: no false alarm (got: $(cat "$work/b_verify.out"))" test "$(cat "$work/b_verify.out")" = "true -"
check "verification after A committed, before the next seal: no false alarm" test "$(verify_online)" = "true -"
drain || die "the audit queue did not drain"
read -r range late _ <<<"$(q "SELECT range_events, late_events, pending_transactions FROM dcpf.audit_seal()" | tr '|' ' ')"
check "the next seal takes A's first event in as late, its second in its range (late events: ${late:-?})" test "${late:-0}" = 1
check "and everything verifies" test "$(verify_online)" = "true -"
check "every event of a transaction a seal saw running, numbered up to that seal, was taken in as late" \
    test "$(q "SELECT count(*) FROM dcpf.audit_event e
                JOIN (SELECT (p ->> 0)::xid8 AS xid, max(s.high_id) AS upto
                        FROM dcpf.audit_seal s, jsonb_array_elements(s.statement::jsonb -> 'pending') p GROUP BY 1) h
                  ON e.xact_id = h.xid AND e.id <= h.upto
               WHERE e.id NOT IN (SELECT (l #>> '{}')::bigint FROM dcpf.audit_seal s, jsonb_array_elements(s.statement::jsonb -> 'late_ids') l)")" = 0

# the offline verifier, with only the public key
export_to() { "${psql[@]}" -At -d "$db" -c "SELECT * FROM dcpf.audit_export(now() - interval '1 hour', now() + interval '1 hour')" >"$1"; }
export_to "$work/export.txt" || die "export failed"
tools/audit-verify --key "$work/public.pem" "$work/export.txt" >"$work/offline.out" 2>&1
check "the offline verifier accepts the export ($(head -n 1 "$work/offline.out"))" grep -q "^verified: 3 seals, [0-9]* events" "$work/offline.out"
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout >"$work/other.pem" 2>/dev/null
tools/audit-verify --key "$work/other.pem" "$work/export.txt" >"$work/offline.out" 2>&1
check "another public key: bad signature" grep -q "^NOT VERIFIED: bad signature" "$work/offline.out"

# attacks by a superuser, each undone afterwards; both verifiers must see them
first=$(q "SELECT min(id) FROM dcpf.audit_event")
attack() {
    local name=$1 expect=$2 sql=$3
    "${psql[@]}" -d "$db" -c "SET session_replication_role = replica" -c "BEGIN" -c "$sql" \
        -c "SELECT * FROM dcpf.audit_export(now() - interval '1 hour', now() + interval '1 hour')" \
        -c "SELECT 'ONLINE ' || verified || ' ' || coalesce(problem, '-') FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour')" \
        -c "ROLLBACK" -At >"$work/attack.out" 2>&1
    grep -E '^(E|S) ' "$work/attack.out" >"$work/attack_export.txt"
    tools/audit-verify --key "$work/public.pem" "$work/attack_export.txt" >"$work/offline.out" 2>&1
    check "$name: the offline verifier says $expect ($(head -n 1 "$work/offline.out"))" grep -q "^NOT VERIFIED: $expect" "$work/offline.out"
    check "$name: dcpf.audit_verify says $expect ($(grep '^ONLINE' "$work/attack.out"))" grep -q "^ONLINE false $expect" "$work/attack.out"
}
attack "UPDATE of a sealed event" "changed" "UPDATE dcpf.audit_event SET outcome = 'failure' WHERE id = $((first + 1))"
attack "DELETE of a sealed event" "deleted" "DELETE FROM dcpf.audit_event WHERE id = $((first + 1))"
attack "two events reordered" "reordered" "UPDATE dcpf.audit_event SET id = -1 WHERE id = $((first + 1));
    UPDATE dcpf.audit_event SET id = $((first + 1)) WHERE id = $((first + 2));
    UPDATE dcpf.audit_event SET id = $((first + 2)) WHERE id = -1"
attack "a seal's statement changed" "bad signature" "UPDATE dcpf.audit_seal SET statement = replace(statement, '\"v\":1', '\"v\": 1') WHERE seal_no = 2"
# an INSERT into a sealed range: the export (made from the table) carries it
gap=$(q "SELECT nextval('dcpf.audit_event_id_seq')")     # taken, never used
q "UPDATE dcpf.licensee SET name = 'Na het gat' WHERE name = 'UMC Oost'" >/dev/null
q "SELECT seal_no FROM dcpf.audit_seal()" >/dev/null
attack "INSERT into a sealed range" "inserted" "INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, database_role, effective_role)
    VALUES ($gap, now(), pg_current_xact_id(), 'read', 'success', 'x', 'x')"

# a doctored export: one event line changed after export
export_to "$work/export.txt"
sed -E '0,/"outcome":"success"/s//"outcome":"failure"/' "$work/export.txt" >"$work/doctored.txt"
tools/audit-verify --key "$work/public.pem" "$work/doctored.txt" >"$work/offline.out" 2>&1
check "a doctored export line: changed ($(head -n 1 "$work/offline.out"))" grep -q "^NOT VERIFIED: changed" "$work/offline.out"
grep -v "^E " "$work/export.txt" >"$work/no_events.txt"
tools/audit-verify --key "$work/public.pem" "$work/no_events.txt" >"$work/offline.out" 2>&1
check "an export without its events: deleted ($(head -n 1 "$work/offline.out"))" grep -q "^NOT VERIFIED: deleted" "$work/offline.out"
check "after the attacks were undone, everything verifies again" test "$(verify_online)" = "true -"

# the newest transaction, with none completed after it got its xid: a
# snapshot never lists an xid at or above its xmax, and the seal must hold
# that transaction as pending all the same (else, once it commits, its
# event sits unrecorded in the seal's range: a false alarm of an insertion)
"${psql[@]}" -d "$db" >"$work/newest.out" 2>&1 <<SQL
BEGIN;
INSERT INTO dcpf.licensee (name, kind) VALUES ('Nieuwste Ziekenhuis', 'hospital');
\! psql -X -q -At -d "$db" -c "SELECT range_events || ' ' || pending_transactions FROM dcpf.audit_seal()" >"$work/newest_seal.out" 2>&1
COMMIT;
SQL
check "a seal made while the newest transaction runs lists it as pending (got: $(cat "$work/newest_seal.out"))" \
    test "$(cut -d' ' -f2 "$work/newest_seal.out")" -ge 1
check "after it committed, no false alarm" test "$(verify_online)" = "true -"
drain || die "the audit queue did not drain"
q "SELECT dcpf.audit_seal()" >/dev/null
check "and the next seal takes its event in as late: everything verifies" test "$(verify_online)" = "true -"

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
