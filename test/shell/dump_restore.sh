#!/usr/bin/env bash
# test/shell/dump_restore.sh: pg_dump/pg_restore keeps everything.
#
# Loads demo/sample.sql into a fresh database, dumps it (custom format),
# restores it into a second database, and compares every table of schema
# dcpf: the set of tables, row counts, and an md5 of each table's rows in a
# fixed order. The builtin roles must come back exactly once (CREATE EXTENSION
# recreates them; the dump must not carry them). Fails on any difference;
# A role added by the site (not builtin) must survive, and so must a DBA's
# change of a shipped attachment media type (a row of the site's own), and
# a DBA's change of the privileges on a shipped function.
#
# The audit trail comes back event for event, in its monthly partitions (made
# at run time, so not members of the extension) and the default one. Restore
# runs through tools/restore-dump (doc/reference/audit.md).
#
# The objects too: the restored database must describe exactly as its source
# (test/shell/lib/catalog_description.sql), its sequences at the same values
# (the audit trail numbers on after its last event).
#
# Encryption at rest: the wrapped data keys and the master key generations
# travel with the dump (pg_extension_config_dump); the master key does not,
# it is the same key file because both databases are in this cluster. So
# after the restore every encrypted value must decrypt to what it was
# (compared through the *_decrypted views), the blind index must still find
# a person by BIG number, new values must encrypt under the restored keys, and
# a person whose key was shredded before the dump must stay erased. Drops its
# databases at the end.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

src=dcpf_dump_src_$$
dst=dcpf_dump_dst_$$
work=$(mktemp -d /tmp/dcpf-dump-test.XXXXXX)
psql=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off)

cleanup() {
    "${psql[@]}" -d postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS \"$src\"" -c "DROP DATABASE IF EXISTS \"$dst\"" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

die() { echo "FAIL: $*"; exit 1; }

"${psql[@]}" -d postgres -c "CREATE DATABASE \"$src\"" -c "CREATE DATABASE \"$dst\"" || die "cannot create databases"
"${psql[@]}" -d "$src" -c "SET client_min_messages = warning" -c "CREATE EXTENSION dcpf" || die "CREATE EXTENSION dcpf failed"
"${psql[@]}" -d "$src" -f demo/sample.sql >"$work/sample.out" 2>&1 || { cat "$work/sample.out"; die "demo/sample.sql failed"; }
# a role the site added (not builtin) must be dumped and restored, with a
# membership that uses it
"${psql[@]}" -d "$src" <<'SQL' || die "cannot add a site role"
INSERT INTO dcpf.role (code, name_nl, name_en, description)
VALUES ('practice_educator', 'Praktijkbegeleider', 'Practice educator',
        'guides nursing students during placements and gives feedback');
SELECT dcpf.grant_membership(p.id, l.id, 'practice_educator', TIMESTAMPTZ '2024-09-01 00:00+02')
  FROM dcpf.person p, dcpf.licensee l
 WHERE p.email = 'j.wolbers@hogeschooltwente.nl' AND l.name LIKE 'Hogeschool Twente%' \g /dev/null
-- a DBA's larger limit for PDF attachments: the site's row beside the shipped one
SELECT dcpf.set_attachment_media_type('application/pdf', max_bytes => 20971520) \g /dev/null
-- a DBA's narrower privilege on a shipped function (pg_init_privs: the dump
-- carries the change)
REVOKE EXECUTE ON FUNCTION dcpf.current_person() FROM dcpf_reporting;
-- an erasure carried out before the backup: this person's data key is destroyed
SELECT dcpf.shred_person_key(p.id, 'erasure request before the backup (dump_restore.sh)')
  FROM dcpf.person p WHERE p.email = 's.devries@umc-oostnederland.nl' \g /dev/null
SQL

# the audit trail, with a monthly partition made at run time (not a member of
# the extension: dumped as an ordinary partition with its rows)
"${psql[@]}" -d "$src" -c "SELECT count(*) FROM dcpf.audit_create_partitions(1)" >/dev/null || die "cannot make audit partitions"
# reads queued for the audit worker land before the dump, not between dump and comparison
for _ in $(seq 1 600); do
    queued=$("${psql[@]}" -At -d "$src" -c "SELECT queued_here FROM dcpf.audit_queue_status()")
    [ "$queued" = "0" ] && break
    sleep 0.1
done
[ "$queued" = "0" ] || die "the audit queue did not drain ($queued events left)"
# sealed before the dump: the restored copy must verify
sealed=$("${psql[@]}" -At -d "$src" -c "SELECT seal_no FROM dcpf.audit_seal()") || die "cannot seal the audit trail"
[ -n "$sealed" ] || die "nothing was sealed"

pg_dump -Fc -d "$src" -f "$work/dcpf.dump" 2>"$work/dump.err" || { cat "$work/dump.err"; die "pg_dump failed"; }
# the documented restore (tools/restore-dump): rows load with triggers
# disabled, or the audit triggers would log every restored row as a new event
if ! tools/restore-dump "$work/dcpf.dump" "$dst" >"$work/restore.out" 2>&1; then
    cat "$work/restore.out"
    die "pg_restore reported errors"
fi
if [ -s "$work/restore.out" ]; then
    echo "pg_restore said:"; cat "$work/restore.out"
fi
# the sequences go on where they were (read before anything runs in the
# restored copy, which audits): the audit trail numbers on after its last event
sequences() {
    "${psql[@]}" -At -F ' ' -d "$1" -c "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences
                                         WHERE schemaname = 'dcpf' ORDER BY 1"
}
seq_src=$(sequences "$src")
seq_dst=$(sequences "$dst")

# One line per table of schema dcpf: name, row count, md5 of the rows'
# text forms in text order (the empty string's md5 for an empty table).
fingerprint() {
    "${psql[@]}" -At -F ' ' -d "$1" <<'SQL'
DO $$
DECLARE
    t regclass;
    n bigint;
    h text;
BEGIN
    CREATE TEMP TABLE fingerprint (tab text, n bigint, h text);
    FOR t IN SELECT c.oid::regclass FROM pg_catalog.pg_class c
              WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'p')
              ORDER BY c.relname LOOP
        EXECUTE format('SELECT count(*), coalesce(md5(string_agg(x::text, ''|'' ORDER BY x::text)), md5(''''))
                          FROM %s x', t) INTO n, h;
        INSERT INTO fingerprint VALUES (t::text, n, h);
    END LOOP;
END
$$;
SELECT tab, n, h FROM fingerprint ORDER BY tab;
SQL
}

fingerprint "$src" >"$work/src.txt" || die "cannot fingerprint $src"
fingerprint "$dst" >"$work/dst.txt" || die "cannot fingerprint $dst"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if [ "$seq_src" = "$seq_dst" ] && grep -q '^dcpf.audit_event_id_seq [1-9]' <<<"$seq_dst"; then
    echo "sequences restored at their values: $(tr '\n' ' ' <<<"$seq_dst")"
else
    fail "sequences differ after restore: before [$seq_src], after [$seq_dst]"
fi

echo "table                                 rows(src) rows(dst)  content"
while read -r tab n h; do
    read -r n2 h2 < <(awk -v t="$tab" '$1 == t { print $2, $3 }' "$work/dst.txt")
    if [ -z "${n2:-}" ]; then
        fail "$tab missing after restore"; continue
    fi
    same=same; [ "$h" = "$h2" ] || same=DIFFERENT
    printf '%-37s %9s %9s  %s\n' "$tab" "$n" "$n2" "$same"
    [ "$n" = "$n2" ] || fail "$tab: $n rows before, $n2 after restore"
    [ "$h" = "$h2" ] || fail "$tab: content differs after restore"
done <"$work/src.txt"
while read -r tab _; do
    grep -q "^$tab " "$work/src.txt" || fail "$tab exists only after restore"
done <"$work/dst.txt"

# the sample must really have been carried: a dump that lost the data
# (e.g. a table not registered with pg_extension_config_dump) restores empty
for tab in dcpf.licensee dcpf.billing_profile dcpf.product dcpf.licence dcpf.person dcpf.person_phone \
           dcpf.person_address dcpf.person_preference dcpf.membership dcpf.role_agreement \
           dcpf.role_agreement_acceptance dcpf.policy_document dcpf.policy_acknowledgement \
           dcpf.data_key dcpf.master_key_generation; do
    n=$(awk -v t="$tab" '$1 == t { print $2 }' "$work/dst.txt")
    [ "${n:-0}" -gt 0 ] || fail "$tab is empty after restore"
done

# decrypted values: per view, the rows, how many values decrypt, and an md5
# of the rows in plain text, read by the owner (who may decrypt everything).
# The shredded person is left out here (reading it raises) and checked below.
decrypted() {
    "${psql[@]}" -At -F ' ' -d "$1" <<'SQL'
CREATE TEMP TABLE erased AS SELECT subject_id FROM dcpf.data_key WHERE shredded_at IS NOT NULL;
SELECT 'person_decrypted', count(*), count(big_number), md5(coalesce(string_agg(v::text, '|' ORDER BY v::text), ''))
  FROM dcpf.person_decrypted v WHERE v.id NOT IN (SELECT subject_id FROM erased)
UNION ALL
SELECT 'person_phone_decrypted', count(*), count(number), md5(coalesce(string_agg(v::text, '|' ORDER BY v::text), ''))
  FROM dcpf.person_phone_decrypted v WHERE v.person_id NOT IN (SELECT subject_id FROM erased)
UNION ALL
SELECT 'person_address_decrypted', count(*), count(street), md5(coalesce(string_agg(v::text, '|' ORDER BY v::text), ''))
  FROM dcpf.person_address_decrypted v WHERE v.person_id NOT IN (SELECT subject_id FROM erased)
UNION ALL
SELECT 'billing_profile_decrypted', count(*), count(iban), md5(coalesce(string_agg(v::text, '|' ORDER BY v::text), ''))
  FROM dcpf.billing_profile_decrypted v WHERE v.licensee_id NOT IN (SELECT subject_id FROM erased);
SQL
}
decrypted "$src" >"$work/src_plain.txt" || die "cannot read the decrypted views of $src"
decrypted "$dst" >"$work/dst_plain.txt" || { cat "$work/dst_plain.txt"; die "cannot read the decrypted views of $dst"; }
echo "decrypted view                        rows(src) rows(dst)  values(src) values(dst)  plain text"
while read -r view n v h; do
    read -r n2 v2 h2 < <(awk -v t="$view" '$1 == t { print $2, $3, $4 }' "$work/dst_plain.txt")
    same=same; [ "$h" = "${h2:-}" ] || same=DIFFERENT
    printf '%-37s %9s %9s  %11s %11s  %s\n' "$view" "$n" "${n2:-}" "$v" "${v2:-}" "$same"
    [ "$v" -gt 0 ] || fail "$view: no value decrypts in $src (the check would mean nothing)"
    [ "$n" = "${n2:-}" ] && [ "$v" = "${v2:-}" ] && [ "$h" = "${h2:-}" ] \
        || fail "$view: decrypted values differ after restore"
done <"$work/src_plain.txt"

# the restored database works with its keys: the blind index finds a person
# by BIG number, a new phone number encrypts and decrypts, the generation is
# the same, and the erased person stays erased
big_src=$("${psql[@]}" -At -d "$src" -c "SELECT id || ' ' || big_number FROM dcpf.person_decrypted
                                            WHERE big_number IS NOT NULL AND email = 't.vandenberg@umc-oostnederland.nl'")
read -r big_id big_number <<<"$big_src"
[ -n "${big_number:-}" ] || fail "no BIG number for t.vandenberg@umc-oostnederland.nl in $src"
found=$("${psql[@]}" -At -d "$dst" -c "SELECT dcpf.person_by_big_number('${big_number:-0}')")
[ "$found" = "${big_id:-}" ] || fail "after restore, dcpf.person_by_big_number finds [$found], not the person [$big_id]"
new_phone=$("${psql[@]}" -At -d "$dst" <<'SQL' 2>&1
SELECT dcpf.add_phone((SELECT id FROM dcpf.person WHERE email = 't.vandenberg@umc-oostnederland.nl'), 'work', '053 487 4444') AS new_id \gset
SELECT ph.number FROM dcpf.person_phone_decrypted ph WHERE ph.id = :'new_id';
SQL
)
[ "$new_phone" = "+31534874444" ] || fail "after restore, a new phone number of a restored person does not encrypt and decrypt: [$new_phone]"
gen=$("${psql[@]}" -At -F ' ' -d "$dst" -c "SELECT generation, is_current, registered_at IS NOT NULL, data_keys > 0
                                               FROM dcpf.master_key_status ORDER BY generation")
[ "$gen" = "1 t t t" ] || fail "after restore, dcpf.master_key_status is [$gen], not generation 1 current and registered"
erased=$("${psql[@]}" -At -d "$dst" <<'SQL' 2>&1
DO $$
BEGIN
    PERFORM dcpf.decrypt_text(p.big_number_encrypted, 'person', 'big_number', p.id, p.id)
       FROM dcpf.person p WHERE p.email = 's.devries@umc-oostnederland.nl';
    RAISE NOTICE 'readable';
EXCEPTION WHEN SQLSTATE 'DCP01' THEN
    RAISE NOTICE 'erased: %', SQLERRM;
END
$$;
SQL
)
grep -q 'erased: the data was erased' <<<"$erased" || fail "the person shredded before the dump is not erased after restore: [$erased]"

# builtin roles: present once each, and as many as CREATE EXTENSION makes
roles() {
    "${psql[@]}" -At -d "$1" -c "SELECT count(*) FILTER (WHERE builtin), count(*), count(DISTINCT code),
                                        string_agg(code, ',' ORDER BY code) FROM dcpf.role"
}
r_src=$(roles "$src") || die "cannot read roles of $src"
r_dst=$(roles "$dst") || die "cannot read roles of $dst"
IFS='|' read -r b_dst all_dst distinct_dst _ <<<"$r_dst"
[ "$r_src" = "$r_dst" ] || fail "roles differ: before [$r_src], after [$r_dst]"
[ "$all_dst" = "$distinct_dst" ] || fail "duplicate role codes after restore: [$r_dst]"
[ "${b_dst:-0}" -gt 0 ] || fail "no builtin roles after restore"
grep -q 'practice_educator' <<<"$r_dst" || fail "the site-added role practice_educator was lost"
pdf_limit=$("${psql[@]}" -At -d "$dst" -c "SELECT max_bytes FROM dcpf.attachment_media_type
                                             WHERE media_type = 'application/pdf' ORDER BY builtin LIMIT 1")
[ "$pdf_limit" = "20971520" ] || fail "the site's limit for PDF attachments was lost in the dump: [$pdf_limit]"
dumped=$(pg_restore -a -t role -f - "$work/dcpf.dump" 2>/dev/null | grep -cE "^(professional|medical_trainee|licensee_admin)[[:space:]]" || true)
[ "$dumped" -eq 0 ] || fail "the dump carries builtin role rows ($dumped)"

# the objects: the restored database describes exactly as its source
# (test/shell/lib/catalog_description.sql: definitions, privileges, owners,
# comments, the extension's configuration and the rows it ships, and the
# audit trail's monthly partitions with their indexes and comments). The
# audit worker may add next months' partitions to either at any moment:
# both get them first.
for db in "$src" "$dst"; do
    "${psql[@]}" -d "$db" -c "SELECT count(*) FROM dcpf.audit_create_partitions(3)" >/dev/null ||
        fail "cannot make the audit partitions of $db"
    "${psql[@]}" -At -F $'\t' -d "$db" -f test/shell/lib/catalog_description.sql >"$work/$db.catalog" 2>&1 ||
        { sed 's/^/    /' "$work/$db.catalog" | head -n 20; fail "cannot describe the objects of $db"; }
done
if diff -u --label "$src (source)" --label "$dst (restored)" "$work/$src.catalog" "$work/$dst.catalog" >"$work/catalog.diff"; then
    echo "objects: the restored database describes as its source ($(wc -l <"$work/$dst.catalog") facts)"
else
    head -n 80 "$work/catalog.diff"
    fail "the restored database's objects differ from the source's ($(grep -c '^[-+][^-+]' "$work/catalog.diff") lines of the diff above)"
fi
grep -P '^function\tdcpf.current_person\(\)\towner' "$work/$dst.catalog" | grep -q 'dcpf_maintenance=EXECUTE' &&
    ! grep -P '^function\tdcpf.current_person\(\)\towner' "$work/$dst.catalog" | grep -q 'dcpf_reporting=' ||
    fail "the DBA's revoked EXECUTE on dcpf.current_person() from dcpf_reporting did not come back as it was"

# the restored trail verifies against its seals (xact_id travels as a column)
verdict=$("${psql[@]}" -At -d "$dst" -c "SELECT verified || ' ' || seals_checked || ' ' || coalesce(problem, '-')
                                           FROM dcpf.audit_verify('-infinity', 'infinity')")
[ "$verdict" = "true $sealed -" ] || fail "the restored audit trail does not verify: [$verdict]"

# the extension itself came back at the same version
v_src=$("${psql[@]}" -At -d "$src" -c "SELECT extversion FROM pg_extension WHERE extname = 'dcpf'")
v_dst=$("${psql[@]}" -At -d "$dst" -c "SELECT extversion FROM pg_extension WHERE extname = 'dcpf'")
if [ -z "$v_src" ] || [ "$v_src" != "$v_dst" ]; then
    fail "extension version before [$v_src], after [$v_dst]"
fi

if [ "$failures" -gt 0 ]; then
    echo "$failures difference(s) after dump and restore"
    exit 1
fi
echo "dump and restore kept all $(wc -l <"$work/src.txt") tables of schema dcpf identical, and every encrypted value readable (extension $v_dst)"
