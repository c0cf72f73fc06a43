#!/usr/bin/env bash
# test/shell/dump_restore.sh: pg_dump/pg_restore keeps everything.
#
# Loads demo/sample.sql into a fresh database, dumps it (custom format),
# restores it into a second database, and compares every table of schema
# dcpf: the set of tables, row counts, and an md5 of each table's rows in a
# fixed order. The builtin roles must come back exactly once (CREATE EXTENSION
# recreates them; the dump must not carry them). Fails on any difference;
# A role added by the site (not builtin) must survive. Drops its databases
# at the end.
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
SQL

pg_dump -Fc -d "$src" -f "$work/dcpf.dump" 2>"$work/dump.err" || { cat "$work/dump.err"; die "pg_dump failed"; }
if ! pg_restore -d "$dst" "$work/dcpf.dump" >"$work/restore.out" 2>&1; then
    cat "$work/restore.out"
    die "pg_restore reported errors"
fi
if [ -s "$work/restore.out" ]; then
    echo "pg_restore said:"; cat "$work/restore.out"
fi

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
           dcpf.role_agreement_acceptance dcpf.policy_document dcpf.policy_acknowledgement; do
    n=$(awk -v t="$tab" '$1 == t { print $2 }' "$work/dst.txt")
    [ "${n:-0}" -gt 0 ] || fail "$tab is empty after restore"
done

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
dumped=$(pg_restore -a -t role -f - "$work/dcpf.dump" 2>/dev/null | grep -cE "^(professional|medical_trainee|licensee_admin)[[:space:]]" || true)
[ "$dumped" -eq 0 ] || fail "the dump carries builtin role rows ($dumped)"

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
echo "dump and restore kept all $(wc -l <"$work/src.txt") tables of schema dcpf identical (extension $v_dst)"
