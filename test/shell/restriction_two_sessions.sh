#!/usr/bin/env bash
# test/shell/restriction_two_sessions.sh: the cache of frozen persons that a
# backend keeps across transactions (src/restrict.c) is never used stale.
#
#   1. a restriction committed by another session: the backend that cached
#      "nobody frozen" refuses a write of the person's row (55000) in its next
#      transaction, and dcpf.processing_restricted says so
#   2. the restriction lifted by another session: the write passes again
#   3. a restriction committed by another session while this backend is in a
#      REPEATABLE READ transaction whose snapshot is older: the next statement
#      of that same transaction already refuses (the cache is read under the
#      latest snapshot, not the transaction's)
#   4. a restriction made and rolled back in this backend: refused inside the
#      transaction, gone after the rollback
#
# Session A is one psql process (one backend); session B is a second psql
# started from inside A with \! between A's statements, so that B's commit
# lands exactly there. Uses its own database, dropped at the end. Prints one
# "ok - ..." or "not ok - ..." line per check and exits non-zero when any
# check fails.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

db=dcpf_restrict_$$
work=$(mktemp -d /tmp/dcpf-restrict-test.XXXXXX)
psql=(psql -X -q --pset=pager=off)
cleanup() {
    local rc=$?
    "${psql[@]}" -d postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT INT TERM

"${psql[@]}" -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null || exit 1
"${psql[@]}" -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<'SQL' || { echo "not ok - set-up"; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000301', 'een@example.nl', 'Een', 'E.'),
    ('00000000-0000-4000-8000-000000000302', 'twee@example.nl', 'Twee', 'T.');
INSERT INTO dcpf.subject_request (id, person_id, kind, channel) VALUES
    ('00000000-0000-4000-8000-000000003301', '00000000-0000-4000-8000-000000000301', 'restriction', 'paper'),
    ('00000000-0000-4000-8000-000000003302', '00000000-0000-4000-8000-000000000301', 'restriction', 'paper'),
    ('00000000-0000-4000-8000-000000003303', '00000000-0000-4000-8000-000000000302', 'restriction', 'paper');
SQL

b="psql -X -q -d $db -v ON_ERROR_STOP=1"
restrict_sql() {   # restriction id, request id
    echo "INSERT INTO dcpf.processing_restriction (id, person_id, kind, request_id, ground) VALUES ('$1', '00000000-0000-4000-8000-000000000301', 'restriction', '$2', 'legal_claims')"
}
lift_sql="UPDATE dcpf.processing_restriction SET lifted_at = now(), lifted_by = person_id, lift_reason = 'Grond vervallen' WHERE id = '00000000-0000-4000-8000-00000000a301'"

"${psql[@]}" -d "$db" -At >"$work/a.out" 2>"$work/a.err" <<SQL
SET client_min_messages = warning;
-- a write of person P's row: ok, or the SQLSTATE that refused it
CREATE FUNCTION pg_temp.write(p uuid) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
    UPDATE dcpf.person SET job_title = 'Arts ' || floor(random() * 1000) WHERE id = p;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END \$\$;
SELECT 'warm:' || pg_temp.write('00000000-0000-4000-8000-000000000301') || ',' || dcpf.processing_restricted('00000000-0000-4000-8000-000000000301');
\! $b -c "$(restrict_sql 00000000-0000-4000-8000-00000000a301 00000000-0000-4000-8000-000000003301)"
SELECT 'case1:' || pg_temp.write('00000000-0000-4000-8000-000000000301') || ',' || dcpf.processing_restricted('00000000-0000-4000-8000-000000000301');
\! $b -c "$lift_sql"
SELECT 'case2:' || pg_temp.write('00000000-0000-4000-8000-000000000301') || ',' || dcpf.processing_restricted('00000000-0000-4000-8000-000000000301');
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT 'case3_before:' || pg_temp.write('00000000-0000-4000-8000-000000000302');
\! $b -c "$(restrict_sql 00000000-0000-4000-8000-00000000a302 00000000-0000-4000-8000-000000003302)"
SELECT 'case3:' || pg_temp.write('00000000-0000-4000-8000-000000000301');
COMMIT;
BEGIN;
INSERT INTO dcpf.processing_restriction (person_id, kind, request_id, ground)
VALUES ('00000000-0000-4000-8000-000000000302', 'restriction', '00000000-0000-4000-8000-000000003303', 'accuracy_contested');
SELECT 'case4_inside:' || pg_temp.write('00000000-0000-4000-8000-000000000302');
ROLLBACK;
SELECT 'case4_after:' || pg_temp.write('00000000-0000-4000-8000-000000000302') || ',' || dcpf.processing_restricted('00000000-0000-4000-8000-000000000302');
SQL

fails=0
check() {   # label expected description
    local got
    got=$(grep "^$1:" "$work/a.out" | head -n 1 | cut -d: -f2-)
    if [ "$got" = "$2" ]; then
        echo "ok - $3"
    else
        echo "not ok - $3 (got '${got:-nothing}', want '$2')"
        fails=$((fails + 1))
    fi
}
check warm "ok,false" "before any restriction the write passes and the cache says nobody is frozen"
check case1 "55000,true" "a restriction committed by another session: the next transaction refuses the write"
check case2 "ok,false" "the restriction lifted by another session: the write passes again"
check case3_before "ok" "a REPEATABLE READ transaction writes before the other session restricts"
check case3 "55000" "in that same transaction, the restriction committed meanwhile already refuses the write"
check case4_inside "55000" "a restriction made in this transaction refuses from its next statement"
check case4_after "ok,false" "rolled back, it is gone: the write passes"
if [ -s "$work/a.err" ]; then
    echo "not ok - session A ran without errors"
    sed 's/^/    /' "$work/a.err"
    fails=$((fails + 1))
fi
exit $((fails > 0))
