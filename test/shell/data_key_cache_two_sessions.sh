#!/usr/bin/env bash
# test/shell/data_key_cache_two_sessions.sh: the wrapped data key rows a
# backend keeps across transactions are never used stale, and two sessions
# making, using and destroying one subject's key at the same time end with one
# key that everything written under it opens with (or that is shredded for good).
#
#   1. a shredding committed by another session: the backend that cached the
#      key's row refuses it (DCP01) in its next transaction; a control subject
#      still decrypts there
#   2. a master key rotation committed by another session (generation 2 added
#      to the key file, every key re-wrapped, generation 1 retired): the
#      backend that cached a row wrapped by generation 1 still decrypts, also
#      once generation 1 is removed from the key file
#   3. two sessions make the key of one subject at once, the first commits:
#      the second waits for it and uses its key (one key row, one key id)
#   4. the same, the first rolls back: the second makes the key itself
#   5. a key made in a rolled-back transaction is not reused by the backend
#   6. a read-only transaction cannot make a key (25006) but uses one
#   7. shredding races an uncommitted creation: the shredding waits for it,
#      then destroys the key just committed
#
# Session A is one psql process (one backend) for the whole script; session B
# is a second psql started from inside A with \! between A's statements:
# in the foreground when B's commit must land between two transactions of A,
# in the background when B must run into A's open transaction (A then sees B
# waiting on a lock in pg_stat_activity before it commits or rolls back, and
# waits for B's exit status). That A reads a key row from its backend cache
# is shown by the decryption doing no index scan on dcpf.data_key (counted
# with pg_stat_get_xact_numscans around it, within one statement); that the
# cache was emptied, by the next decryption doing one. Ciphertexts are kept in
# a table of the test database so that both sessions and a fresh session can
# open them.
#
# Uses its own database and rewrites $DCPF_MASTER_KEY_FILE (of
# tools/with-cluster) in place, keeping owner and mode; a trap restores the
# key file and drops the database, also on failure. Prints one "ok - ..." or
# "not ok - ..." line per check and exits non-zero when any check fails. Never
# prints a key: shown outputs are scrubbed, and at the end neither the
# outputs nor the server log may hold one.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

keyfile=${DCPF_MASTER_KEY_FILE:-}
if [ -z "$keyfile" ] || [ ! -f "$keyfile" ]; then
    echo "not ok - DCPF_MASTER_KEY_FILE names no key file (run inside tools/with-cluster)"
    exit 1
fi
db=dcpf_keycache_$$
work=$(mktemp -d /tmp/dcpf-keycache-test.XXXXXX)
psql=(psql -X -q --pset=pager=off)
cp -p "$keyfile" "$work/master_keys.orig"
key_mode=$(stat -c %a "$keyfile")
key_owner=$(stat -c %U:%G "$keyfile")

cleanup() {
    local rc=$?
    # background sessions B are ended by DROP DATABASE ... WITH (FORCE)
    cat "$work/master_keys.orig" >"$keyfile"
    chmod "$key_mode" "$keyfile"
    if [ "$(id -u)" -eq 0 ]; then chown "$key_owner" "$keyfile"; fi
    "${psql[@]}" -d postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT INT TERM

. test/shell/lib/keys_tap.sh

k1=$(awk '$1 == "master" && $2 == "1" { print $3 }' "$work/master_keys.orig")
blind=$(awk '$1 == "blind" { print $2 }' "$work/master_keys.orig")
if [ ${#k1} -ne 64 ] || [ ${#blind} -ne 64 ]; then
    echo "not ok - the key file of tools/with-cluster holds master 1 and blind"
    exit 1
fi
( umask 077 && openssl rand -hex 32 >"$work/k2" )
printf '%s\n' "$k1" "$blind" "$(cat "$work/k2")" >"$work/all_keys"

# subjects; the first 48 bits differ, so each has its own key creation lock
P=1a2b3c01-5d6e-4f70-8a91-00000000000a   # case 1: shredded by B
Q=1a2b3c02-5d6e-4f70-8a91-00000000000b   # control, then case 2: rotated by B
S=1a2b3c03-5d6e-4f70-8a91-00000000000c   # case 3
S2=1a2b3c04-5d6e-4f70-8a91-00000000000d  # case 4
S3=1a2b3c05-5d6e-4f70-8a91-00000000000e  # case 5
S4=1a2b3c06-5d6e-4f70-8a91-00000000000f  # case 7 (a person without a key)
R=1a2b3c07-5d6e-4f70-8a91-000000000010   # case 6: never gets a key

# ---------------------------------------------------------------------------
# helpers run by session A through \! (they get what they need from the environment)
# ---------------------------------------------------------------------------
export KC_DB=$db KC_WORK=$work KC_KEYFILE=$keyfile KC_KEY_MODE=$key_mode KC_KEY_OWNER=$key_owner
# session_b [-bg] NAME SQL...: a new session runs the statements (application
# name dcpf_keycache_NAME); output in NAME.out, then its exit status in NAME.rc
cat >"$work/session_b" <<'SH'
#!/usr/bin/env bash
bg=0
if [ "$1" = -bg ]; then bg=1; shift; fi
name=$1; shift
args=()
for s in "$@"; do args+=(-c "$s"); done
run() {
    PGAPPNAME=dcpf_keycache_$name psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d "$KC_DB" "${args[@]}" \
        >"$KC_WORK/$name.out" 2>&1
    echo $? >"$KC_WORK/$name.rc.tmp" && mv "$KC_WORK/$name.rc.tmp" "$KC_WORK/$name.rc"
}
if [ $bg = 1 ]; then run </dev/null >/dev/null 2>&1 & else run; fi
SH
# wait_b NAME: until session B NAME has ended (60 s at most: valgrind is slow)
cat >"$work/wait_b" <<'SH'
#!/usr/bin/env bash
for _ in $(seq 1 600); do [ -f "$KC_WORK/$1.rc" ] && exit 0; sleep 0.1; done
echo "timeout" >"$KC_WORK/$1.rc"
SH
# put_keys 1+2 | 2: the key file with generations 1 and 2, or 2 alone (and the blind key)
cat >"$work/put_keys" <<'SH'
#!/usr/bin/env bash
k1=$(awk '$1 == "master" && $2 == "1" { print $3 }' "$KC_WORK/master_keys.orig")
blind=$(awk '$1 == "blind" { print $2 }' "$KC_WORK/master_keys.orig")
k2=$(cat "$KC_WORK/k2")
case $1 in
    1+2) printf '# dcpf master keys (data_key_cache_two_sessions)\nmaster 1 %s\nmaster 2 %s\nblind %s\n' "$k1" "$k2" "$blind" ;;
    2) printf '# dcpf master keys (data_key_cache_two_sessions)\nmaster 2 %s\nblind %s\n' "$k2" "$blind" ;;
esac >"$KC_KEYFILE"
chmod "$KC_KEY_MODE" "$KC_KEYFILE"
if [ "$(id -u)" -eq 0 ]; then chown "$KC_KEY_OWNER" "$KC_KEYFILE"; fi
SH
chmod 700 "$work/session_b" "$work/wait_b" "$work/put_keys"
# a \! line of session A running session B
b() { printf '\\!'; printf ' %q' "$work/session_b" "$@"; printf '\n'; }

# ---------------------------------------------------------------------------
# setup: the database, three people, the ciphertexts of P and Q, helpers
# ---------------------------------------------------------------------------
"${psql[@]}" -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null || { echo "not ok - cannot create a database"; exit 1; }
"${psql[@]}" -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d "$db" >"$work/setup.out" 2>&1 <<SQL || { echo "not ok - setup"; scrub "$work/setup.out" 30; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('$P', 'p@example.nl', 'Jansen', 'P.'), ('$Q', 'q@example.nl', 'Bakker', 'Q.'), ('$S4', 's4@example.nl', 'Visser', 'S.');
-- every ciphertext of the test, with what it was made of
CREATE TABLE ct (label text PRIMARY KEY, row_id uuid NOT NULL, subject uuid NOT NULL, plain text NOT NULL, c bytea NOT NULL);
-- put(label, subject, plain): encrypt for the subject, keep it; the id of the data key used
CREATE FUNCTION put(label text, subject uuid, plain text) RETURNS uuid LANGUAGE sql VOLATILE
BEGIN ATOMIC
    INSERT INTO ct (label, row_id, subject, plain, c)
    SELECT put.label, r, put.subject, put.plain, dcpf.encrypt(put.plain, 'note', 'body', r, put.subject)
      FROM gen_random_uuid() r
    RETURNING (dcpf.ciphertext_info(c)).key_id;
END;
-- the index scans on dcpf.data_key this backend counted (within a statement: exact)
CREATE FUNCTION key_scans() RETURNS bigint LANGUAGE sql VOLATILE
RETURN (SELECT coalesce(sum(pg_stat_get_xact_numscans(i.indexrelid)), 0)::bigint
          FROM pg_index i WHERE i.indrelid = 'dcpf.data_key'::regclass);
-- reads(label): 'ok' when the ciphertext decrypts to what was written (with the
-- index scans on dcpf.data_key it took), else the value or the error
CREATE FUNCTION reads(lbl text) RETURNS text LANGUAGE plpgsql VOLATILE AS \$\$
DECLARE
    r ct;
    n0 bigint;
    v text;
BEGIN
    SELECT * INTO r FROM ct WHERE label = lbl;
    IF NOT FOUND THEN RETURN 'no ciphertext ' || lbl; END IF;
    n0 := key_scans();
    BEGIN
        v := dcpf.decrypt_text(r.c, 'note', 'body', r.row_id, r.subject);
    EXCEPTION WHEN OTHERS THEN
        RETURN 'error ' || SQLSTATE || ': ' || SQLERRM;
    END;
    RETURN CASE WHEN v = r.plain THEN 'ok' ELSE 'wrong value ' || coalesce(v, 'NULL') END
           || ' (data_key index scans: ' || (key_scans() - n0) || ')';
END
\$\$;
-- try_encrypt(subject): the key id of a new ciphertext for the subject, or the error
CREATE FUNCTION try_encrypt(subject uuid) RETURNS text LANGUAGE plpgsql VOLATILE AS \$\$
BEGIN
    RETURN 'key ' || (dcpf.ciphertext_info(dcpf.encrypt('read only', 'note', 'body', gen_random_uuid(), subject))).key_id;
EXCEPTION WHEN OTHERS THEN
    RETURN 'error ' || SQLSTATE || ': ' || SQLERRM;
END
\$\$;
-- b_waits(who): whether session B WHO is waiting on a lock (polled up to 30 s:
-- under valgrind a session takes seconds to reach its lock)
CREATE FUNCTION b_waits(who text) RETURNS text LANGUAGE plpgsql VOLATILE AS \$\$
DECLARE
    w text;
    found_b boolean;
BEGIN
    FOR i IN 1 .. 600 LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT true, a.wait_event_type || '/' || a.wait_event INTO found_b, w
          FROM pg_stat_activity a
         WHERE a.application_name = 'dcpf_keycache_' || who AND a.datname = current_database();
        IF w LIKE 'Lock/%' THEN
            RETURN 'waiting on a lock (' || w || ')';
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN 'not waiting on a lock: ' || CASE WHEN found_b THEN coalesce(w, 'no wait event') ELSE 'no session' END;
END
\$\$;
-- the key rows of a subject: count, wrapped, generation, shredded
CREATE FUNCTION key_rows(subject uuid) RETURNS text LANGUAGE sql STABLE
RETURN (SELECT count(*) || coalesce(' ' || string_agg(
                   CASE WHEN k.wrapped IS NULL THEN 'shredded' ELSE 'wrapped' END || ' gen=' || coalesce(k.generation::text, '-')
                   || ' shredded_at=' || (k.shredded_at IS NOT NULL) || ' reason=' || coalesce(k.shred_reason, '-'), ', '), '')
          FROM dcpf.data_key k WHERE k.subject_id = key_rows.subject);
-- the id of the subject's key row (or none)
CREATE FUNCTION key_id(subject uuid) RETURNS text LANGUAGE sql STABLE
RETURN coalesce((SELECT string_agg(k.id::text, ',') FROM dcpf.data_key k WHERE k.subject_id = key_id.subject), 'none');
SELECT put('P', '$P', 'value of P'), put('Q', '$Q', 'value of Q');
SQL

# ---------------------------------------------------------------------------
# session A
# ---------------------------------------------------------------------------
{
    cat <<SQL
SET client_min_messages = warning;
\\pset tuples_only on
\\pset format unaligned
SELECT 'backend start: ' || pg_backend_pid();
-- 1. shredding seen across backends
SELECT 'c1 S4 has no key: ' || key_rows('$S4');
BEGIN;
SELECT 'c1 P first: ' || reads('P');
SELECT 'c1 Q first: ' || reads('Q');
COMMIT;
SELECT 'c1 P cached: ' || reads('P');
$(b b1 "SELECT dcpf.shred_person_key('$P', 'test') IS NOT NULL")
SELECT 'c1 P after: ' || reads('P');
SELECT 'c1 Q after: ' || reads('Q');
-- 2. rotation seen across backends
SELECT 'c2 Q before: ' || reads('Q') || ', key row: ' || key_rows('$Q');
\\! $work/put_keys 1+2
$(b b2 "CALL dcpf.rotate_master_key()" "SELECT dcpf.retire_master_key(1) IS NOT NULL")
SELECT 'c2 Q rotated: ' || reads('Q') || ', key row: ' || key_rows('$Q');
SELECT 'c2 status: ' || string_agg(generation || ':' || in_key_source || ':' || is_current || ':' || (retired_at IS NOT NULL) || ':' || data_keys, ' '
                                   ORDER BY generation) FROM dcpf.master_key_status;
\\! $work/put_keys 2
SELECT 'c2 Q without generation 1: ' || reads('Q');
SELECT 'c2 status without generation 1: ' || string_agg(generation || ':' || in_key_source || ':' || is_current || ':' || (retired_at IS NOT NULL) || ':' || data_keys, ' '
                                   ORDER BY generation) FROM dcpf.master_key_status;
-- 3. concurrent creation, the first commits
BEGIN;
SELECT 'c3 A key: ' || put('c3 A', '$S', 'written by A');
$(b -bg b3 "SELECT put('c3 B', '$S', 'written by B')")
SELECT 'c3 B: ' || b_waits('b3');
COMMIT;
\\! $work/wait_b b3
SELECT 'c3 key rows: ' || key_rows('$S');
SELECT 'c3 key ids: ' || count(DISTINCT (dcpf.ciphertext_info(c)).key_id) || ' '
       || bool_and((dcpf.ciphertext_info(c)).key_id::text = key_id('$S')) FROM ct WHERE label IN ('c3 A', 'c3 B');
SELECT 'c3 A reads A: ' || reads('c3 A');
SELECT 'c3 A reads B: ' || reads('c3 B');
-- 4. concurrent creation, the first rolls back
BEGIN;
SELECT 'c4 A key: ' || put('c4 A', '$S2', 'written by A, rolled back');
$(b -bg b4 "SELECT put('c4 B', '$S2', 'written by B')")
SELECT 'c4 B: ' || b_waits('b4');
ROLLBACK;
\\! $work/wait_b b4
SELECT 'c4 key rows: ' || key_rows('$S2');
SELECT 'c4 key id: ' || key_id('$S2');
SELECT 'c4 ciphertexts: ' || string_agg(label, ',' ORDER BY label) FROM ct WHERE subject = '$S2';
SELECT 'c4 A reads B: ' || reads('c4 B');
-- 5. a rolled-back key is not reused
BEGIN;
SELECT 'c5 rolled back key: ' || put('c5 rolled back', '$S3', 'never kept');
ROLLBACK;
SELECT 'c5 key: ' || put('c5', '$S3', 'kept');
SELECT 'c5 key rows: ' || key_rows('$S3');
SELECT 'c5 key id: ' || key_id('$S3');
SELECT 'c5 A reads: ' || reads('c5');
-- 6. read-only
BEGIN READ ONLY;
SELECT 'c6 new subject read-only: ' || try_encrypt('$R');
ROLLBACK;
SELECT 'c6 key rows: ' || key_rows('$R');
BEGIN READ ONLY;
SELECT 'c6 Q read-only: ' || try_encrypt('$Q') || ' ' || key_id('$Q');
SELECT 'c6 Q read-only round trip: ' || dcpf.decrypt_text(dcpf.encrypt('read only', 'note', 'body', '$R', '$Q'), 'note', 'body', '$R', '$Q');
COMMIT;
-- 7. shredding races an uncommitted creation
BEGIN;
SELECT 'c7 A key: ' || put('c7 A', '$S4', 'written before the shredding');
$(b -bg b7 "SELECT dcpf.shred_person_key('$S4', 'race') IS NOT NULL")
SELECT 'c7 B: ' || b_waits('b7');
COMMIT;
\\! $work/wait_b b7
SELECT 'c7 key rows: ' || key_rows('$S4');
SELECT 'c7 key id: ' || key_id('$S4');
SELECT 'c7 A reads: ' || reads('c7 A');
SELECT 'backend end: ' || pg_backend_pid();
SQL
} >"$work/session_a.sql"
start=$(date +%s%N)
# session A is given 90 s (10 minutes under valgrind, where every backend is
# slower by an order of magnitude)
limit_a=90
[ "${DCPF_VALGRIND:-0}" = 1 ] && limit_a=600
timeout "$limit_a" "${psql[@]}" -v VERBOSITY=verbose -d "$db" -f "$work/session_a.sql" >"$work/a.out" 2>&1
a_rc=$?

# ---------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------
line() { grep -m1 "^$1: " "$work/a.out" | sed "s/^$1: //"; }
# expect DESC LABEL REGEX: session A's line LABEL matches
expect() {
    local got
    got=$(line "$2")
    if printf '%s\n' "$got" | grep -Eq -- "^$3\$"; then
        ok "$1"
    else
        notok "$1"; echo "#   $2: wanted /$3/, got: ${got:-nothing}" | sed -E 's/[0-9A-Fa-f]{32,}/<hex masked>/g'
    fi
}
# b_ok DESC NAME [OUTPUT]: session B NAME ended without error (and printed OUTPUT)
b_ok() {
    local rc
    rc=$(cat "$work/$2.rc" 2>/dev/null)
    if [ "$rc" = 0 ] && { [ $# -lt 3 ] || [ "$(grep -v '^NOTICE' "$work/$2.out")" = "$3" ]; }; then
        ok "$1"
    else
        notok "$1"; echo "#   exit status: ${rc:-none}"; scrub "$work/$2.out"
    fi
}
# fresh DESC EXPECTED SQL...: a new session running the statements prints EXPECTED
fresh() {
    local desc=$1 want=$2 got args=()
    shift 2
    for s in "$@"; do args+=(-c "$s"); done
    got=$("${psql[@]}" -At -v VERBOSITY=verbose -d "$db" "${args[@]}" 2>&1)
    printf '%s\n' "$got" >>"$work/fresh.out"
    if [ "$got" = "$want" ]; then ok "$desc"; else notok "$desc"; echo "#   wanted: $want"; printf '%s\n' "$got" >"$work/got"; scrub "$work/got"; fi
}
uuid='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

if [ $a_rc -ne 0 ]; then notok "session A ran to its end (psql exit status $a_rc)"; else ok "session A ran to its end"; fi
if grep -q 'ERROR:' "$work/a.out"; then
    notok "session A met no error outside the attempts it catches"; scrub "$work/a.out" 40
else
    ok "session A met no error outside the attempts it catches"
fi
pid_start=$(line 'backend start')
if [ -n "$pid_start" ] && [ "$pid_start" = "$(line 'backend end')" ]; then
    ok "session A stayed one backend (pid $pid_start at start and end)"
else
    notok "session A stayed one backend (start: ${pid_start:-none}, end: $(line 'backend end'))"
fi

# 1
expect "setup: the person S4 has no key yet" 'c1 S4 has no key' '0'
expect "1: A decrypts P, reading its key row" 'c1 P first' 'ok \(data_key index scans: 1\)'
expect "1: A decrypts the control Q, reading its key row" 'c1 Q first' 'ok \(data_key index scans: 1\)'
expect "1: A's next transaction decrypts P from its backend cache (no index scan on dcpf.data_key)" 'c1 P cached' 'ok \(data_key index scans: 0\)'
b_ok "1: B shreds P's key" b1 't'
expect "1: A's next transaction refuses P: the data was erased (DCP01)" 'c1 P after' 'error DCP01: the data was erased'
expect "1: A still decrypts Q, its row read afresh (the cache was emptied)" 'c1 Q after' 'ok \(data_key index scans: 1\)'

# 2
expect "2: A decrypts Q from its cache; the row is wrapped by generation 1" 'c2 Q before' \
    'ok \(data_key index scans: 0\), key row: 1 wrapped gen=1 shredded_at=false reason=-'
b_ok "2: B rotates into generation 2 and retires generation 1" b2
if grep -q 'rotate_master_key: done' "$work/b2.out"; then ok "2: B's rotation says it is done"; else notok "2: B's rotation says it is done"; scrub "$work/b2.out"; fi
expect "2: A's next transaction decrypts Q, its row re-read (wrapped by generation 2)" 'c2 Q rotated' \
    'ok \(data_key index scans: 1\), key row: 1 wrapped gen=2 shredded_at=false reason=-'
expect "2: generation 1 is retired and wraps nothing; generation 2 is current" 'c2 status' '1:true:false:true:0 2:true:true:false:[0-9]+'
expect "2: with generation 1 removed from the key file, A's next transaction decrypts Q" 'c2 Q without generation 1' \
    'ok \(data_key index scans: [0-9]+\)'
expect "2: generation 1 is gone from the key source" 'c2 status without generation 1' '1:false:false:true:0 2:true:true:false:[0-9]+'

# 3
expect "3: A makes S's key in its open transaction" 'c3 A key' "$uuid"
expect "3: B, making S's key too, waits on a lock for A" 'c3 B' 'waiting on a lock \(.*\)'
b_ok "3: B ends without error once A commits" b3
c3_a=$(line 'c3 A key')
if [ -n "$c3_a" ] && [ "$(cat "$work/b3.out")" = "$c3_a" ]; then
    ok "3: B encrypted with A's key"
else
    notok "3: B encrypted with A's key"; echo "#   A: ${c3_a:-none}"; scrub "$work/b3.out"
fi
expect "3: exactly one key row for S" 'c3 key rows' '1 wrapped gen=2 shredded_at=false reason=-'
expect "3: both ciphertexts carry the id of that row" 'c3 key ids' '1 true'
expect "3: A decrypts A's ciphertext" 'c3 A reads A' 'ok \(data_key index scans: [0-9]+\)'
expect "3: A decrypts B's ciphertext" 'c3 A reads B' 'ok \(data_key index scans: [0-9]+\)'

# 4
expect "4: A makes S2's key in its open transaction" 'c4 A key' "$uuid"
expect "4: B, making S2's key too, waits on a lock for A" 'c4 B' 'waiting on a lock \(.*\)'
b_ok "4: B ends without error once A rolls back" b4
c4_a=$(line 'c4 A key')
c4_b=$(grep -Ex "$uuid" "$work/b4.out")
if [ -n "$c4_b" ] && [ "$c4_b" != "$c4_a" ]; then
    ok "4: B made a key of its own"
else
    notok "4: B made a key of its own"; echo "#   A's rolled-back key: ${c4_a:-none}"; scrub "$work/b4.out"
fi
expect "4: exactly one key row for S2" 'c4 key rows' '1 wrapped gen=2 shredded_at=false reason=-'
expect "4: it is B's key" 'c4 key id' "${c4_b:-B made no key}"
expect "4: only B's ciphertext was kept" 'c4 ciphertexts' 'c4 B'
expect "4: A decrypts B's ciphertext" 'c4 A reads B' 'ok \(data_key index scans: [0-9]+\)'

# 5
expect "5: a key for S3 is made in a transaction that rolls back" 'c5 rolled back key' "$uuid"
expect "5: the next transaction encrypts for S3" 'c5 key' "$uuid"
c5_rb=$(line 'c5 rolled back key')
c5=$(line 'c5 key')
if [ -n "$c5" ] && [ "$c5" != "$c5_rb" ]; then ok "5: with a new key, not the rolled-back one"; else notok "5: with a new key, not the rolled-back one"; fi
expect "5: exactly one key row for S3" 'c5 key rows' '1 wrapped gen=2 shredded_at=false reason=-'
expect "5: it is the key the ciphertext carries" 'c5 key id' "${c5:-no key}"
expect "5: a later transaction of the same backend decrypts it" 'c5 A reads' 'ok \(data_key index scans: [0-9]+\)'

# 6
expect "6: BEGIN READ ONLY: encrypting for a subject without a key fails (25006)" 'c6 new subject read-only' \
    'error 25006: cannot create a data key in a read-only transaction.*'
expect "6: no key row was written" 'c6 key rows' '0'
c6_q=$(line 'c6 Q read-only')
if [ -n "$c6_q" ] && [ "${c6_q#key }" != "$c6_q" ] && [ "${c6_q% *}" = "key ${c6_q##* }" ]; then
    ok "6: BEGIN READ ONLY: encrypting for Q (who has a key) works, with Q's key"
else
    notok "6: BEGIN READ ONLY: encrypting for Q (who has a key) works, with Q's key"; echo "#   got: ${c6_q:-nothing}"
fi
expect "6: BEGIN READ ONLY: it decrypts again" 'c6 Q read-only round trip' 'read only'

# 7
expect "7: A encrypts for S4 in its open transaction, making the key" 'c7 A key' "$uuid"
expect "7: B, shredding S4's key, waits on a lock for A" 'c7 B' 'waiting on a lock \(.*\)'
b_ok "7: B ends without error once A commits" b7 't'
expect "7: S4's one key row is shredded (wrapped NULL, shredded_at set, reason 'race')" 'c7 key rows' \
    '1 shredded gen=- shredded_at=true reason=race'
expect "7: it is the row A made" 'c7 key id' "$(line 'c7 A key')"
expect "7: A's ciphertext no longer decrypts: the data was erased (DCP01)" 'c7 A reads' 'error DCP01: the data was erased'

# a new session, with nothing cached
fresh "new session: 1: P is erased, Q decrypts" \
    "error DCP01: the data was erased|ok (data_key index scans: 1)" "SELECT reads('P'), reads('Q')"
fresh "new session: 3: both ciphertexts of S decrypt (one key row read for both)" \
    "ok (data_key index scans: 1)|ok (data_key index scans: 0)" "SELECT reads('c3 A'), reads('c3 B')"
fresh "new session: 4: B's ciphertext of S2 decrypts" "ok (data_key index scans: 1)" "SELECT reads('c4 B')"
fresh "new session: 5: the ciphertext of S3 decrypts" "ok (data_key index scans: 1)" "SELECT reads('c5')"
fresh "new session: 7: A's ciphertext of S4 is erased" "error DCP01: the data was erased" "SELECT reads('c7 A')"
fresh "new session: 6: SET default_transaction_read_only = on: encrypting for a subject without a key fails (25006), for Q works" \
    "error 25006: cannot create a data key in a read-only transaction|t" \
    "SET default_transaction_read_only = on" "SELECT try_encrypt('$R'), try_encrypt('$Q') = 'key ' || key_id('$Q')"
fresh "new session: 6: still no key row for the read-only subject" "0" "SELECT key_rows('$R')"
fresh "new session: one key row per subject, six in all (P, Q, S, S2, S3, S4)" "6 6" \
    "SELECT count(*) || ' ' || count(DISTINCT subject_id) FROM dcpf.data_key"

# ---------------------------------------------------------------------------
# no key ever shown: not in any output of this test, not in the server log
# ---------------------------------------------------------------------------
no_key_leaked "$work/all_keys" "$work"/*.out

if [ "$failures" -ne 0 ]; then
    echo "# session A's output:"
    scrub "$work/a.out" 200
fi
echo "# $checks checks, $failures failed (session A took $(( ($(date +%s%N) - start) / 1000000 )) ms)"
[ "$failures" -eq 0 ]
