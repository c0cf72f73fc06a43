#!/usr/bin/env bash
# test/shell/encryption_key_lifecycle.sh: the life of the master keys, as an
# operator lives it, against the cluster of tools/with-cluster (which writes
# $DCPF_MASTER_KEY_FILE with generation 1 and the blind-index key).
#
#   a. no master key configured: encrypting and decrypting fail with 55000,
#      also in a session that had the keys loaded, and nothing is written
#      (no fallback to plaintext); the setting is restored afterwards
#   b. malformed key files (bad hex, duplicate generation, unknown line,
#      group- or world-readable, missing, empty) are refused with F0000 and
#      the line at fault, never echoing a key
#   c. rotation: a new generation, dcpf.rotate_master_key in batches (done,
#      then paused by max_batches and resumed), retiring the old generations
#      (refused before), removing them from the key file: everything still
#      decrypts; a rotation batch facing keys of a generation newer than the
#      key source's newest names the one it lacks (55000)
#   d. backups: a dump taken under generation 1 no longer decrypts once
#      generation 1 is retired and removed from the key file, so a person
#      shredded since stays erased; the live database reads the others; and
#      the honest gap: restored before that, the old dump still reads them
#   e. a wrong key under a registered generation number is told apart (F0000)
#
# The key file is rewritten in place (owner and mode kept); the setting is
# changed with ALTER SYSTEM. A trap restores both and drops the databases,
# also on failure. Prints one "ok - ..." or "not ok - ..." line per check and
# exits non-zero when any check fails. Never prints a key: outputs are
# scrubbed, and at the end neither the outputs nor the server log may hold
# one.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

keyfile=${DCPF_MASTER_KEY_FILE:-}
if [ -z "$keyfile" ] || [ ! -f "$keyfile" ]; then
    echo "not ok - DCPF_MASTER_KEY_FILE names no key file (run inside tools/with-cluster)"
    exit 1
fi
work=$(mktemp -d /tmp/dcpf-keys-test.XXXXXX)
db_a=dcpf_keys_a_$$
db_rot=dcpf_keys_rot_$$
db_live=dcpf_keys_live_$$
db_gap=dcpf_keys_gap_$$
db_old=dcpf_keys_old_$$
psql=(psql -X -q --pset=pager=off)
cp -p "$keyfile" "$work/master_keys.orig"
key_mode=$(stat -c %a "$keyfile")
key_owner=$(stat -c %U:%G "$keyfile")

# put_keys: the key file gets stdin as its content, with its owner and mode
put_keys() {
    cat >"$keyfile"
    chmod "$key_mode" "$keyfile"
    if [ "$(id -u)" -eq 0 ]; then chown "$key_owner" "$keyfile"; fi
}

reload() {
    "${psql[@]}" -d postgres -c "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
}

restore_cluster() {
    [ -e "$keyfile.moved" ] && mv -f "$keyfile.moved" "$keyfile"
    put_keys <"$work/master_keys.orig"
    "${psql[@]}" -d postgres -c "ALTER SYSTEM RESET dcpf.master_key_file" \
        -c "ALTER SYSTEM RESET dcpf.master_key_command" >/dev/null 2>&1
    reload
}

cleanup() {
    local rc=$?
    restore_cluster
    for d in "$db_a" "$db_rot" "$db_live" "$db_gap" "$db_old"; do
        "${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$d\"" >/dev/null 2>&1
    done
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT INT TERM

. test/shell/lib/keys_tap.sh

# sql DB SQL...: run statements in a new backend (verbose errors), output in
# $work/out, also appended to $work/all.out; returns psql's status
sql() {
    local db=$1; shift
    local args=()
    for s in "$@"; do args+=(-c "$s"); done
    "${psql[@]}" -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -At -d "$db" "${args[@]}" >"$work/out" 2>&1
    local rc=$?
    cat "$work/out" >>"$work/all.out"
    return $rc
}
# value DB SQL: the result of one query (empty on error)
value() { sql "$1" "$2" && cat "$work/out"; }
# expect_value DESC DB SQL EXPECTED
expect_value() {
    local got
    got=$(value "$2" "$3")
    if [ "$got" = "$4" ]; then ok "$1"; else notok "$1"; echo "#   wanted: $4"; echo "#   got:"; scrub "$work/out"; fi
}
# expect_error DESC DB SQLSTATE MESSAGE-PREFIX SQL...: the statements fail
# with that SQLSTATE and a message starting so
expect_error() {
    local desc=$1 db=$2 state=$3 msg=$4; shift 4
    if sql "$db" "$@"; then
        notok "$desc (no error)"; scrub "$work/out"
    elif grep -qF "ERROR:  $state: $msg" "$work/out"; then
        ok "$desc"
    else
        notok "$desc"; echo "#   wanted: ERROR:  $state: $msg"; echo "#   got:"; scrub "$work/out"
    fi
}
# expect_in_output DESC TEXT: the last output holds this text
expect_in_output() {
    if grep -qF -- "$2" "$work/out"; then ok "$1"; else notok "$1"; echo "#   wanted: $2"; scrub "$work/out"; fi
}

k1=$(awk '$1 == "master" && $2 == "1" { print $3 }' "$work/master_keys.orig")
blind=$(awk '$1 == "blind" { print $2 }' "$work/master_keys.orig")
if [ ${#k1} -ne 64 ] || [ ${#blind} -ne 64 ]; then
    echo "not ok - the key file of tools/with-cluster holds master 1 and blind"
    exit 1
fi
k2=$(openssl rand -hex 32)
k3=$(openssl rand -hex 32)
k2_live=$(openssl rand -hex 32)
k_wrong=$(openssl rand -hex 32)
blind_wrong=$(openssl rand -hex 32)
printf '%s\n' "$k1" "$blind" "$k2" "$k3" "$k2_live" "$k_wrong" "$blind_wrong" >"$work/all_keys"

# one set of people with encrypted BIG numbers, phones and addresses, and a
# licensee with an encrypted IBAN; $1 people, emails p<n>@<$2>
seed_people() {
    cat <<SQL
SELECT count(dcpf.create_person('p' || b.n || '@$2', 'Persoon', initials => 'P.', big_number => b.big))
  FROM (SELECT row_number() OVER (ORDER BY s) + ${3:-0} AS n, s AS big
          FROM (SELECT c::text || '9' || lpad(x::text, 9, '0') AS s
                  FROM generate_series(12345600 + ${3:-0} * 20, 12346999) x, generate_series(0, 9) c) v
         WHERE dcpf.big_is_valid(s) ORDER BY s LIMIT $1) b;
SELECT count(dcpf.add_phone(p.id, 'mobile', '+3161' || lpad(p.n::text, 7, '0')))
  FROM (SELECT id, row_number() OVER (ORDER BY email) + ${3:-0} AS n FROM dcpf.person WHERE email LIKE '%@$2') p;
SELECT count(dcpf.set_address(p.id, 'home', 'Dorpsstraat', p.n::int, '7511 JA', 'Enschede'))
  FROM (SELECT id, row_number() OVER (ORDER BY email) + ${3:-0} AS n FROM dcpf.person WHERE email LIKE '%@$2') p;
SQL
}
# every decrypted value, as one md5 and a count of values
fingerprint_sql="SELECT count(x) || ' ' || md5(string_agg(x, '|' ORDER BY x)) FROM (
    SELECT 'p ' || email || ' ' || big_number AS x FROM dcpf.person_decrypted
    UNION ALL SELECT 'ph ' || person_id || ' ' || number FROM dcpf.person_phone_decrypted
    UNION ALL SELECT 'a ' || person_id || ' ' || street || house_number || postcode || city FROM dcpf.person_address_decrypted
    UNION ALL SELECT 'b ' || licensee_id || ' ' || iban || ' ' || contact_phone FROM dcpf.billing_profile_decrypted) v"
# every ciphertext as stored: rotation re-wraps data keys, never the data
ciphertext_sql="SELECT md5(string_agg(x::text, '|' ORDER BY x::text)) FROM (
    SELECT big_number_encrypted AS x FROM dcpf.person UNION ALL SELECT number_encrypted FROM dcpf.person_phone
    UNION ALL SELECT address_encrypted FROM dcpf.person_address UNION ALL SELECT iban_encrypted FROM dcpf.billing_profile) v"
status_sql="SELECT string_agg(generation || ':' || in_key_source || ':' || is_current || ':' || (retired_at IS NOT NULL) || ':' || data_keys, ' '
                              ORDER BY generation) FROM dcpf.master_key_status"

# ---------------------------------------------------------------------------
# a. no master key configured
# ---------------------------------------------------------------------------
"${psql[@]}" -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$db_a\"" >/dev/null || { echo "not ok - cannot create a database"; exit 1; }
if ! sql "$db_a" "SET client_min_messages = warning" "CREATE EXTENSION dcpf" \
        "SELECT dcpf.create_person('a@example.nl', 'Aalbers', initials => 'A.', big_number => '89012345601')" \
        "SELECT dcpf.add_phone(id, 'mobile', '+31611111111') FROM dcpf.person"; then
    echo "not ok - setup of $db_a"; scrub "$work/out" 20; exit 1
fi
a_id=$(value "$db_a" "SELECT id FROM dcpf.person WHERE email = 'a@example.nl'")
counts_sql="SELECT (SELECT count(*) FROM dcpf.person) || ' ' || (SELECT count(*) FROM dcpf.person_phone) || ' '
                   || (SELECT count(*) FROM dcpf.data_key) || ' ' || (SELECT md5(string_agg(p::text, '|' ORDER BY p.id)) FROM dcpf.person p)"
counts_before=$(value "$db_a" "$counts_sql")
expect_value "a: with the key file, person A's BIG number decrypts" "$db_a" \
    "SELECT big_number FROM dcpf.person_decrypted" "89012345601"

# a session that loaded the keys, then the setting is emptied under it
cat >"$work/session.sql" <<SQL
\\set VERBOSITY verbose
SELECT 'before: ' || big_number FROM dcpf.person_decrypted;
\\! psql -X -q -d postgres -c "ALTER SYSTEM SET dcpf.master_key_file = ''" -c "SELECT pg_reload_conf()" >/dev/null
\\! sleep 0.6
SELECT 'after: ' || big_number FROM dcpf.person_decrypted;
SQL
"${psql[@]}" -At -d "$db_a" -f "$work/session.sql" >"$work/out" 2>&1
cat "$work/out" >>"$work/all.out"
if grep -qx 'before: 89012345601' "$work/out" && grep -qF 'ERROR:  55000: no master key is configured' "$work/out" \
   && ! grep -q '^after:' "$work/out"; then
    ok "a: a session that had the keys loaded refuses once the setting is emptied (55000)"
else
    notok "a: a session that had the keys loaded refuses once the setting is emptied (55000)"; scrub "$work/out"
fi
expect_value "a: the setting is empty now" "$db_a" "SHOW dcpf.master_key_file" ""
expect_error "a: encrypting fails: no master key is configured" "$db_a" 55000 "no master key is configured" \
    "SELECT dcpf.encrypt('x'::text, 'person', 'note', '$a_id', '$a_id')"
expect_error "a: encrypting for a new subject fails too" "$db_a" 55000 "no master key is configured" \
    "SELECT dcpf.encrypt('x'::bytea, 'person', 'note', gen_random_uuid(), '00000000-0000-4000-8000-000000000777')"
expect_error "a: decrypting fails: no master key is configured" "$db_a" 55000 "no master key is configured" \
    "SELECT dcpf.decrypt_text(big_number_encrypted, 'person', 'big_number', id, id) FROM dcpf.person"
expect_error "a: the decrypted view fails" "$db_a" 55000 "no master key is configured" \
    "SELECT number FROM dcpf.person_phone_decrypted"
expect_error "a: creating a person with a BIG number fails" "$db_a" 55000 "no master key is configured" \
    "SELECT dcpf.create_person('b@example.nl', 'Bos', initials => 'B.', big_number => '29012345604')"
expect_error "a: changing a BIG number fails" "$db_a" 55000 "no master key is configured" \
    "SELECT dcpf.set_big_number('$a_id', '29012345604')"
expect_error "a: adding a phone fails" "$db_a" 55000 "no master key is configured" \
    "SELECT dcpf.add_phone('$a_id', 'work', '+31201234567')"
expect_error "a: lookup by BIG number fails (no blind key)" "$db_a" 55000 "no master key is configured" \
    "SELECT dcpf.person_by_big_number('89012345601')"
expect_value "a: nothing was written (rows, data keys and person A unchanged)" "$db_a" "$counts_sql" "$counts_before"
# the values refused above, as text or as the hex of bytea, are in no row of any dcpf table
expect_value "a: no plaintext anywhere in the tables of schema dcpf" "$db_a" \
    "SELECT count(*) FROM pg_class c,
            (SELECT string_agg(v || '|' || encode(convert_to(v, 'UTF8'), 'hex'), '|') AS pattern
               FROM unnest(ARRAY['29012345604', '31201234567', 'Bos']) v) w
      WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r'
        AND (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %s t WHERE t::text ~ %L',
                                                        c.oid::regclass, w.pattern), false, true, '')))[1]::text::int > 0" \
    "0"
"${psql[@]}" -d postgres -c "ALTER SYSTEM RESET dcpf.master_key_file" >/dev/null
reload
expect_value "a: setting restored: person A's BIG number decrypts again" "$db_a" \
    "SELECT big_number FROM dcpf.person_decrypted" "89012345601"

# ---------------------------------------------------------------------------
# b. malformed key files
# ---------------------------------------------------------------------------
bad_key() { # DESC EXPECTED-DETAIL KEY-FILE-CONTENT
    local desc=$1 detail=$2
    printf '%s\n' "$3" | put_keys
    expect_error "b: $desc: refused (F0000)" "$db_a" F0000 "invalid master key file" \
        "SELECT dcpf.encrypt('x'::text, 'person', 'note', '$a_id', '$a_id')"
    expect_in_output "b: $desc: the detail says $detail" "DETAIL:  $detail"
    if grep -Eiq '[0-9a-f]{32}' "$work/out"; then notok "b: $desc: no key echoed"; else ok "b: $desc: no key echoed"; fi
}
bad_key "a key of 63 hex digits" "Line 3: the key is not 64 hexadecimal digits (256 bits)." \
    "$(printf '# keys\nmaster 1 %s\nmaster 2 %s\nblind %s\n' "$k1" "${k2:0:63}" "$blind")"
bad_key "a key with a non-hex digit" "Line 2: the key is not 64 hexadecimal digits (256 bits)." \
    "$(printf 'master 1 %s\nmaster 2 %sg\nblind %s\n' "$k1" "${k2:0:63}" "$blind")"
bad_key "a key of 66 hex digits" "Line 2: the key is not 64 hexadecimal digits (256 bits)." \
    "$(printf 'master 1 %s\nmaster 2 %s00\nblind %s\n' "$k1" "$k2" "$blind")"
bad_key "a duplicate generation" "Line 5: the generation appears twice." \
    "$(printf '# keys\n\nmaster 1 %s\nblind %s\nmaster 1 %s\n' "$k1" "$blind" "$k2")"
bad_key "an unknown line" 'Line 3: lines start with "master", "blind" or "#".' \
    "$(printf 'master 1 %s\nblind %s\nmastr 2 %s\n' "$k1" "$blind" "$k2")"
bad_key "a second blind key" "Line 3: the blind-index key appears twice." \
    "$(printf 'master 1 %s\nblind %s\nblind %s\n' "$k1" "$blind" "$k2")"
bad_key "a master line without generation" 'Line 1: a master line is "master <generation> <64 hex digits>".' \
    "$(printf 'master %s\nblind %s\n' "$k1" "$blind")"
bad_key "generation 0" "Line 1: the generation is not a number from 1 to 2147483647." \
    "$(printf 'master 0 %s\nblind %s\n' "$k1" "$blind")"
bad_key "no master key" "It is unusable: it holds no master key." \
    "$(printf '# nothing but a comment\nblind %s\n' "$blind")"
put_keys <"$work/master_keys.orig"
chmod 640 "$keyfile"
expect_error "b: a group-readable key file (0640): refused (F0000)" "$db_a" F0000 "the master key file is accessible to others" \
    "SELECT dcpf.decrypt_text(big_number_encrypted, 'person', 'big_number', id, id) FROM dcpf.person"
chmod 604 "$keyfile"
expect_error "b: a world-readable key file (0604): refused (F0000)" "$db_a" F0000 "the master key file is accessible to others" \
    "SELECT dcpf.decrypt_text(big_number_encrypted, 'person', 'big_number', id, id) FROM dcpf.person"
chmod "$key_mode" "$keyfile"
mv "$keyfile" "$keyfile.moved"
expect_error "b: a missing key file: refused (F0000)" "$db_a" F0000 "could not open the master key file" \
    "SELECT dcpf.decrypt_text(big_number_encrypted, 'person', 'big_number', id, id) FROM dcpf.person"
if grep -qF "$keyfile" "$work/out"; then notok "b: the error does not name the key file"; else ok "b: the error does not name the key file"; fi
mv "$keyfile.moved" "$keyfile"
expect_value "b: nothing was written while the key file was bad" "$db_a" "$counts_sql" "$counts_before"
expect_value "b: the good key file again: everything decrypts" "$db_a" \
    "SELECT big_number || ' ' || (SELECT number FROM dcpf.person_phone_decrypted) FROM dcpf.person_decrypted" "89012345601 +31611111111"

# ---------------------------------------------------------------------------
# c. rotation
# ---------------------------------------------------------------------------
"${psql[@]}" -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$db_rot\"" >/dev/null || { echo "not ok - cannot create a database"; exit 1; }
{
    echo "SET client_min_messages = warning;"
    echo "CREATE EXTENSION dcpf;"
    echo "SELECT dcpf.create_licensee('UMC Rotatie', 'academic_hospital');"
    echo "SELECT dcpf.set_billing_profile(id, 'Postbus 1', '7500 AA', 'Enschede', 'Crediteuren', 'c@example.nl', 'direct_debit',
          iban => 'NL91ABNA0417164300', mandate_reference => 'M-1', mandate_signed_on => '2024-01-01', contact_phone => '+31534000000')
          FROM dcpf.licensee;"
    seed_people 6 first.example.nl
    seed_people 40 second.example.nl 10
} >"$work/seed.sql"
if ! "${psql[@]}" -v ON_ERROR_STOP=1 -d "$db_rot" -f "$work/seed.sql" >"$work/out" 2>&1; then
    echo "not ok - setup of $db_rot"; scrub "$work/out" 20; exit 1
fi
expect_value "c: 47 data keys (46 people, 1 licensee), all wrapped by generation 1" "$db_rot" \
    "SELECT count(*) || ' ' || bool_and(generation = 1) FROM dcpf.data_key" "47 true"
fp_before=$(value "$db_rot" "$fingerprint_sql")
ct_before=$(value "$db_rot" "$ciphertext_sql")
case "$fp_before" in
    "139 "*) ok "c: 139 values decrypt before rotation (46 BIG numbers, phones, addresses; IBAN and phone)" ;;
    *) notok "c: 139 values decrypt before rotation"; scrub "$work/out" ;;
esac
expect_error "c: retiring generation 1 while it is current is refused (55006)" "$db_rot" 55006 \
    "master key generation 1 is the current one" "SELECT dcpf.retire_master_key(1)"
printf '# dcpf master keys\nmaster 1 %s\nmaster 2 %s\nblind %s\n' "$k1" "$k2" "$blind" | put_keys
reload
expect_value "c: generation 2 is in the key source and current; generation 1 wraps 47" "$db_rot" "$status_sql" \
    "1:true:false:false:47 2:true:true:false:0"
expect_error "c: retiring generation 1 while it wraps data keys is refused (55006)" "$db_rot" 55006 \
    "master key generation 1 still wraps 47 data keys" "SELECT dcpf.retire_master_key(1)"
expect_error "c: rotate_master_key inside a transaction block is refused" "$db_rot" 2D000 "invalid transaction termination" \
    "BEGIN" "CALL dcpf.rotate_master_key(batch_size => 2)"
if sql "$db_rot" "CALL dcpf.rotate_master_key(batch_size => 2)"; then
    ok "c: CALL dcpf.rotate_master_key(batch_size => 2) succeeds"
else
    notok "c: CALL dcpf.rotate_master_key(batch_size => 2) succeeds"; scrub "$work/out"
fi
expect_in_output "c: it reports progress and the end in NOTICEs" "rotate_master_key: done, 47 data keys re-wrapped into generation 2"
expect_value "c: the run is done, all 47 keys re-wrapped in batches of 2 (at least 24)" "$db_rot" \
    "SELECT status || ' ' || keys_done || '/' || keys_total || ' ' || (batches >= 24) || ' ' || (finished_at IS NOT NULL) FROM dcpf.key_rotation_run ORDER BY started_at DESC LIMIT 1" \
    "done 47/47 true true"
expect_value "c: master_key_status: no data key left on generation 1, 47 on generation 2" "$db_rot" "$status_sql" \
    "1:true:false:false:0 2:true:true:false:47"
expect_value "c: every data key was re-wrapped" "$db_rot" \
    "SELECT count(*) FILTER (WHERE generation = 2 AND rewrapped_at IS NOT NULL) FROM dcpf.data_key" "47"
expect_value "c: every value still decrypts, unchanged" "$db_rot" "$fingerprint_sql" "$fp_before"
expect_value "c: the stored ciphertexts are untouched" "$db_rot" "$ciphertext_sql" "$ct_before"
# resumable: generation 3, one batch only, then the rest
printf '# dcpf master keys\nmaster 1 %s\nmaster 2 %s\nmaster 3 %s\nblind %s\n' "$k1" "$k2" "$k3" "$blind" | put_keys
reload
if sql "$db_rot" "CALL dcpf.rotate_master_key(batch_size => 10, max_batches => 1)"; then
    ok "c: CALL dcpf.rotate_master_key(batch_size => 10, max_batches => 1) succeeds"
else
    notok "c: CALL dcpf.rotate_master_key(batch_size => 10, max_batches => 1) succeeds"; scrub "$work/out"
fi
expect_in_output "c: it says it paused" "rotate_master_key: paused after 1 batches; call again to resume"
expect_value "c: the run is paused after 10 of 47" "$db_rot" \
    "SELECT status || ' ' || keys_done || '/' || keys_total || ' ' || target_generation FROM dcpf.key_rotation_run ORDER BY started_at DESC LIMIT 1" \
    "paused 10/47 3"
expect_value "c: 37 keys still on generation 2, 10 on generation 3" "$db_rot" "$status_sql" \
    "1:true:false:false:0 2:true:false:false:37 3:true:true:false:10"
expect_value "c: every value decrypts in the middle of a rotation" "$db_rot" "$fingerprint_sql" "$fp_before"
if sql "$db_rot" "CALL dcpf.rotate_master_key(batch_size => 10)"; then
    ok "c: a second CALL succeeds"
else
    notok "c: a second CALL succeeds"; scrub "$work/out"
fi
expect_value "c: the second run finishes the remaining 37" "$db_rot" \
    "SELECT string_agg(status || ' ' || keys_done || '/' || keys_total, ', ' ORDER BY started_at) FROM dcpf.key_rotation_run" \
    "done 47/47, paused 10/47, done 37/37"
expect_value "c: all 47 keys on generation 3" "$db_rot" "$status_sql" \
    "1:true:false:false:0 2:true:false:false:0 3:true:true:false:47"
if sql "$db_rot" "SELECT dcpf.retire_master_key(1) IS NOT NULL, dcpf.retire_master_key(2) IS NOT NULL" && [ "$(cat "$work/out")" = "t|t" ]; then
    ok "c: generations 1 and 2 are retired once they wrap nothing"
else
    notok "c: generations 1 and 2 are retired once they wrap nothing"; scrub "$work/out"
fi
expect_error "c: the current generation 3 cannot be retired (55006)" "$db_rot" 55006 \
    "master key generation 3 is the current one" "SELECT dcpf.retire_master_key(3)"
printf '# dcpf master keys\nmaster 3 %s\nblind %s\n' "$k3" "$blind" | put_keys
reload
expect_value "c: generations 1 and 2 are gone from the key file and retired" "$db_rot" "$status_sql" \
    "1:false:false:true:0 2:false:false:true:0 3:true:true:false:47"
expect_value "c: with generation 3 alone, every value still decrypts" "$db_rot" "$fingerprint_sql" "$fp_before"
sql "$db_rot" "SELECT dcpf.create_person('nieuw@rot.example.nl', 'Nieuw', initials => 'N.', big_number => '29012345604')"
expect_value "c: new values are encrypted under generation 3" "$db_rot" \
    "SELECT k.generation FROM dcpf.data_key k JOIN dcpf.person p ON p.id = k.subject_id WHERE p.email = 'nieuw@rot.example.nl'" \
    "3"
fp_with_new=$(value "$db_rot" "$fingerprint_sql")
# a retired generation stays refused even when put back into the key file
printf '# dcpf master keys\nmaster 2 %s\nmaster 3 %s\nblind %s\n' "$k2" "$k3" "$blind" | put_keys
expect_value "c: a retired generation put back in the key file: still retired" "$db_rot" "$status_sql" \
    "1:false:false:true:0 2:true:false:true:0 3:true:true:false:48"
printf '# dcpf master keys\nmaster 2 %s\nblind %s\n' "$k2" "$blind" | put_keys
expect_error "c: a retired generation as the only one in the key file does not wrap new keys (55000)" "$db_rot" 55000 \
    "master key generation 2 is retired" \
    "SELECT dcpf.create_person('later@rot.example.nl', 'Later', initials => 'L.', big_number => '29012345612')"
expect_error "c: with only an older generation in the key file, a rotation batch names the newer one it lacks (55000)" "$db_rot" 55000 \
    "master key generation 3 is not available" "SELECT dcpf.rotate_master_key_batch(10)"
expect_value "c: and re-wrapped nothing" "$db_rot" \
    "SELECT count(*) FILTER (WHERE generation = 3) || ' ' || count(*) FROM dcpf.data_key" "48 48"
printf '# dcpf master keys\nmaster 3 %s\nblind %s\n' "$k3" "$blind" | put_keys
expect_value "c: generation 3 back: every value decrypts" "$db_rot" "$fingerprint_sql" "$fp_with_new"

# ---------------------------------------------------------------------------
# d. backups and crypto-shredding
# ---------------------------------------------------------------------------
put_keys <"$work/master_keys.orig"
reload
for d in "$db_live" "$db_gap" "$db_old"; do
    "${psql[@]}" -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$d\"" >/dev/null || { echo "not ok - cannot create a database"; exit 1; }
done
if ! sql "$db_live" "SET client_min_messages = warning" "CREATE EXTENSION dcpf" \
        "SELECT dcpf.create_person('a@backup.example.nl', 'Aalbers', initials => 'A.', big_number => '89012345601')" \
        "SELECT dcpf.create_person('b@backup.example.nl', 'Bakker', initials => 'B.', big_number => '09996030824')" \
        "SELECT dcpf.add_phone(id, 'mobile', CASE WHEN email LIKE 'a@%' THEN '+31611111111' ELSE '+31622222222' END) FROM dcpf.person" \
        "SELECT dcpf.set_address(id, 'home', 'Kerkstraat', 1, '7511 JA', 'Enschede') FROM dcpf.person"; then
    echo "not ok - setup of $db_live"; scrub "$work/out" 20; exit 1
fi
person_a=$(value "$db_live" "SELECT id FROM dcpf.person WHERE email = 'a@backup.example.nl'")
person_b=$(value "$db_live" "SELECT id FROM dcpf.person WHERE email = 'b@backup.example.nl'")
# read_person DB ID: "big phone street" of a person, decrypted
read_person_sql() {
    echo "SELECT p.big_number || ' ' || ph.number || ' ' || a.street FROM dcpf.person_decrypted p
            JOIN dcpf.person_phone_decrypted ph ON ph.person_id = p.id JOIN dcpf.person_address_decrypted a ON a.person_id = p.id
           WHERE p.id = '$1'"
}
expect_value "d: live: A and B are wrapped by generation 1" "$db_live" \
    "SELECT string_agg(generation::text, ',') FROM dcpf.data_key" "1,1"
if pg_dump -Fc -d "$db_live" -f "$work/old.dump" 2>"$work/dump.err"; then
    ok "d: pg_dump -Fc of the live database (the old backup, generation 1)"
else
    notok "d: pg_dump -Fc of the live database"; scrub "$work/dump.err"
fi
# in the live database: A is erased, generation 2 replaces 1
expect_value "d: live: A's key is shredded" "$db_live" \
    "SELECT dcpf.shred_person_key('$person_a', 'erasure request 2024-117') IS NOT NULL" "t"
printf '# dcpf master keys\nmaster 1 %s\nmaster 2 %s\nblind %s\n' "$k1" "$k2_live" "$blind" | put_keys
reload
if sql "$db_live" "CALL dcpf.rotate_master_key()"; then
    ok "d: live: rotated into generation 2"
else
    notok "d: live: rotated into generation 2"; scrub "$work/out"
fi
expect_value "d: live: B is on generation 2, A has no key left" "$db_live" "$status_sql" "1:true:false:false:0 2:true:true:false:1"
# the honest gap: restored while generation 1 is still in the key file, the old backup reads A
if tools/restore-dump "$work/old.dump" "$db_gap" >"$work/restore.out" 2>&1; then
    ok "d: the old backup restores (gap: before generation 1 is retired)"
else
    notok "d: the old backup restores (gap)"; scrub "$work/restore.out"
fi
expect_value "d: gap: the old backup, restored before generation 1 is retired and removed, still reads A" "$db_gap" \
    "$(read_person_sql "$person_a")" "89012345601 +31611111111 Kerkstraat"
# retire generation 1 and remove it from the key file
expect_value "d: live: generation 1 retired" "$db_live" "SELECT dcpf.retire_master_key(1) IS NOT NULL" "t"
printf '# dcpf master keys\nmaster 2 %s\nblind %s\n' "$k2_live" "$blind" | put_keys
reload
if tools/restore-dump "$work/old.dump" "$db_old" >"$work/restore.out" 2>&1; then
    ok "d: the old backup restores after generation 1 is gone"
else
    notok "d: the old backup restores after generation 1 is gone"; scrub "$work/restore.out"
fi
for what in "A's BIG number|SELECT dcpf.decrypt_text(big_number_encrypted, 'person', 'big_number', id, id) FROM dcpf.person WHERE id = '$person_a'" \
            "A's phone|SELECT number FROM dcpf.person_phone_decrypted WHERE person_id = '$person_a'" \
            "A's address|SELECT street FROM dcpf.person_address_decrypted WHERE person_id = '$person_a'" \
            "B's BIG number (also wrapped by generation 1)|SELECT big_number FROM dcpf.person_decrypted WHERE id = '$person_b'" \
            "B's phone|SELECT number FROM dcpf.person_phone_decrypted WHERE person_id = '$person_b'"; do
    expect_error "d: old backup restored after generation 1 is gone: ${what%%|*} does not decrypt (55000)" "$db_old" 55000 \
        "master key generation 1 is not available" "${what#*|}"
done
expect_error "d: the copy restored in the gap no longer reads A either" "$db_gap" 55000 \
    "master key generation 1 is not available" "$(read_person_sql "$person_a")"
expect_value "d: live: B reads" "$db_live" "$(read_person_sql "$person_b")" "09996030824 +31622222222 Kerkstraat"
expect_error "d: live: A's BIG number was erased (DCP01)" "$db_live" DCP01 "the data was erased" \
    "SELECT dcpf.decrypt_text(big_number_encrypted, 'person', 'big_number', id, id) FROM dcpf.person WHERE id = '$person_a'"
expect_in_output "d: live: the detail names A" "The key of subject $person_a was destroyed (crypto-shredding) at"
expect_error "d: live: A's phone was erased (DCP01)" "$db_live" DCP01 "the data was erased" \
    "SELECT dcpf.decrypt_text(number_encrypted, 'person_phone', 'number', id, person_id) FROM dcpf.person_phone WHERE person_id = '$person_a'"

# ---------------------------------------------------------------------------
# e. a wrong key under a registered generation
# ---------------------------------------------------------------------------
printf '# dcpf master keys\nmaster 2 %s\nblind %s\n' "$k_wrong" "$blind" | put_keys
reload
expect_error "e: a wrong key for generation 2: decrypting is refused (F0000)" "$db_live" F0000 \
    "master key generation 2 does not match the one in use" "$(read_person_sql "$person_b")"
if grep -Eiq '[0-9a-f]{32}' "$work/out"; then notok "e: no key echoed"; else ok "e: no key echoed"; fi
expect_error "e: a wrong key for generation 2: encrypting for a new subject is refused (F0000)" "$db_live" F0000 \
    "master key generation 2 does not match the one in use" \
    "SELECT dcpf.create_person('c@backup.example.nl', 'Claes', initials => 'C.', big_number => '29012345604')"
expect_value "e: nothing was written" "$db_live" "SELECT count(*) || ' ' || (SELECT count(*) FROM dcpf.data_key) FROM dcpf.person" "2 2"
printf '# dcpf master keys\nmaster 2 %s\nblind %s\n' "$k2_live" "$blind" | put_keys
reload
expect_value "e: the right key again: B reads" "$db_live" "$(read_person_sql "$person_b")" "09996030824 +31622222222 Kerkstraat"
# a session that loaded the right key notices when the key file is rewritten
# in place (same size) within the same second: its next transaction more
# than half a second later must use the file as it is now
printf '# dcpf master keys\nmaster 2 %s\nblind %s\n' "$k2_live" "$blind" >"$work/keys.right"
printf '# dcpf master keys\nmaster 2 %s\nblind %s\n' "$k_wrong" "$blind" >"$work/keys.wrong"
cat >"$work/session.sql" <<SQL
\\set VERBOSITY verbose
\\! sh -c 'while [ "\$(date +%N | cut -c1)" -gt 1 ]; do sleep 0.01; done; cat "$work/keys.right" > "$keyfile"'
SELECT 'before: ' || big_number FROM dcpf.person_decrypted WHERE id = '$person_b';
\\! cat "$work/keys.wrong" > "$keyfile"
-- the file is checked at most every half second
SELECT pg_sleep(0.6);
SELECT 'after: ' || big_number FROM dcpf.person_decrypted WHERE id = '$person_b';
SQL
"${psql[@]}" -At -d "$db_live" -f "$work/session.sql" >"$work/out" 2>&1
cat "$work/out" >>"$work/all.out"
if grep -qx 'before: 09996030824' "$work/out" && ! grep -q '^after:' "$work/out" \
   && grep -qF 'ERROR:  F0000: master key generation 2 does not match the one in use' "$work/out"; then
    ok "e: a session notices the key file rewritten in place (same size, same second) and refuses the wrong key"
else
    notok "e: a session notices the key file rewritten in place (same size, same second) and refuses the wrong key"; scrub "$work/out"
fi
put_keys <"$work/keys.right"
expect_value "e: the right key again: B reads in a new session" "$db_live" "$(read_person_sql "$person_b")" "09996030824 +31622222222 Kerkstraat"
# another blind-index key is refused too: its indexes would find nobody and let duplicates in
printf '# dcpf master keys\nmaster 2 %s\nblind %s\n' "$k2_live" "$blind_wrong" | put_keys
reload
expect_error "e: another blind-index key: a lookup by BIG number is refused (F0000)" "$db_live" F0000 \
    "the blind-index key does not match the one in use" "SELECT dcpf.person_by_big_number('09996030824')"
expect_error "e: another blind-index key: a duplicate BIG number cannot slip in (F0000)" "$db_live" F0000 \
    "the blind-index key does not match the one in use" \
    "SELECT dcpf.create_person('d@backup.example.nl', 'Dekker', initials => 'D.', big_number => '09996030824')"
expect_value "e: nothing was written" "$db_live" "SELECT count(*) FROM dcpf.person" "2"
put_keys <"$work/keys.right"
reload
expect_value "e: the right blind key again: the lookup finds B" "$db_live" \
    "SELECT dcpf.person_by_big_number('09996030824') = '$person_b'" "t"

# ---------------------------------------------------------------------------
# no key ever shown: not in any output of this test, not in the server log
# ---------------------------------------------------------------------------
no_key_leaked "$work/all_keys" "$work/all.out"

echo "# $checks checks, $failures failed"
[ "$failures" -eq 0 ]
