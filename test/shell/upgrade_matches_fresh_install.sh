#!/usr/bin/env bash
# test/shell/upgrade_matches_fresh_install.sh: a database updated from any
# released version is, object for object, a fresh install of default_version,
# and a populated database keeps its data and its verifiable audit trail
# through the update.
#
#   - tools/check-releases: no released script edited, every release has an
#     upgrade path to default_version (also stops `make install`);
#   - every version pg_available_extension_versions lists installs, updates
#     with ALTER EXTENSION dcpf UPDATE to default_version, and then describes
#     exactly as a fresh CREATE EXTENSION dcpf: test/shell/lib/
#     catalog_description.sql (members, columns, constraints, indexes,
#     policies, triggers, functions, views, types, comments, privileges,
#     owners, the extension's configuration tables and the rows it ships) and
#     psql's \dx+ listing. Any difference fails, with the diff;
#   - the comparison can fail: each of a list of small changes (a comment, a
#     revoked grant, a policy, ...) made after the update, in a transaction
#     rolled back, must show in the diff;
#   - populated: a licensee, a person with a BIG number, a membership, a
#     portfolio item with an encrypted body and a sealed audit trail, made
#     under 1.0.0 with 1.0.0's functions, survive the update row for row,
#     still decrypt, and dcpf.audit_verify passes after it (and after a seal
#     of what the update and later writes logged).
# Prints one "ok - ..." or "not ok - ..." line per check; drops its
# databases at the end.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

prefix=dcpf_upgrade_$$
fresh=${prefix}_fresh
populated=${prefix}_populated
work=$(mktemp -d /tmp/dcpf-upgrade-test.XXXXXX)
psql=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off)
databases=("$fresh" "$populated")

cleanup() {
    local db
    for db in "${databases[@]}"; do
        "${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

failures=0
checks=0
ok() { checks=$((checks + 1)); echo "ok - $*"; }
notok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok - $*"; }
shown() { sed 's/^/#   /' "$1" | head -n "${2:-60}"; }

# describe DB FILE: the catalog description and the \dx / \dx+ listings;
# without the audit trail's monthly partitions, which the audit worker makes
# when it likes (they are not members of the extension)
describe() {
    "${psql[@]}" -At -F $'\t' -v skip_run_time_partitions=1 -d "$1" -f test/shell/lib/catalog_description.sql >"$2" 2>"$2.err" &&
        "${psql[@]}" -d "$1" -c '\dx dcpf' -c '\dx+ dcpf' >"$2.dx" 2>>"$2.err"
}

# compare WHAT FILE_A FILE_B: ok when the descriptions and the listings match
compare() {
    local what=$1 a=$2 b=$3
    if diff -u --label "fresh install" --label "$what" "$a" "$b" >"$b.diff" &&
        diff -u --label "fresh install (\\dx+)" --label "$what (\\dx+)" "$a.dx" "$b.dx" >>"$b.diff"; then
        ok "$what: the same as a fresh install ($(wc -l <"$a") facts, and \\dx+)"
    else
        notok "$what: differs from a fresh install ($(grep -c '^[-+][^-+]' "$b.diff") lines of the diff):"
        shown "$b.diff" 120
    fi
}

# --- the released scripts, and the versions the server offers ---------------
if out=$(tools/check-releases 2>&1); then ok "$out"; else notok "tools/check-releases:"; echo "$out" | sed 's/^/#   /'; fi

default=$("${psql[@]}" -At -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'dcpf'")
control=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" dcpf.control)
if [ -n "$default" ] && [ "$default" = "$control" ]; then
    ok "the server offers dcpf $default, the default_version of dcpf.control"
else
    notok "the server offers dcpf [$default], dcpf.control says [$control] (make install?)"
fi
mapfile -t versions < <("${psql[@]}" -At -d postgres -c "SELECT version FROM pg_available_extension_versions
                                                          WHERE name = 'dcpf' AND version <> '$default'" | sort -V)
case " ${versions[*]} " in
    *" 1.0.0 "*) ok "the server offers the released versions: ${versions[*]}" ;;
    *) notok "the server does not offer 1.0.0, the first release (offers: ${versions[*]:-none})" ;;
esac
paths=$("${psql[@]}" -At -F ' ' -d postgres -c "SELECT source, coalesce(path, 'none') FROM pg_extension_update_paths('dcpf')
                                                 WHERE target = '$default' AND source <> '$default' ORDER BY 1")
if [ -n "$paths" ] && ! grep -q ' none$' <<<"$paths"; then
    ok "every version has an update path to $default: $(tr '\n' ';' <<<"$paths" | sed 's/;$//; s/;/; /g')"
else
    notok "a version without an update path to $default (a script left in $(pg_config --sharedir)/extension by an older install?): $(tr '\n' ';' <<<"$paths")"
fi

# --- a fresh install ----------------------------------------------------------
"${psql[@]}" -d postgres -c "CREATE DATABASE \"$fresh\"" >/dev/null || { notok "cannot create $fresh"; exit 1; }
if "${psql[@]}" -d "$fresh" -c "SET client_min_messages = warning" -c "CREATE EXTENSION dcpf" 2>"$work/fresh.err" &&
    describe "$fresh" "$work/fresh.txt"; then
    ok "fresh install of $default described: $(cut -f1 "$work/fresh.txt" | uniq -c | awk '{ n = $1; $1 = ""; printf "%s%s%s", sep, n, $0; sep = ", " }')"
else
    notok "fresh install of $default failed:"; shown "$work/fresh.err"; shown "$work/fresh.txt.err" 2>/dev/null
    exit 1
fi

# --- every other version, updated -------------------------------------------
first_updated=
for v in "${versions[@]}"; do
    db=${prefix}_from_${v//[^0-9a-zA-Z]/_}
    databases+=("$db")
    "${psql[@]}" -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null || { notok "cannot create $db"; continue; }
    if ! "${psql[@]}" -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION dcpf VERSION '$v'" \
            -c "ALTER EXTENSION dcpf UPDATE" >"$work/$v.out" 2>&1; then
        notok "$v: CREATE EXTENSION dcpf VERSION '$v' then ALTER EXTENSION dcpf UPDATE failed:"; shown "$work/$v.out"
        continue
    fi
    now=$("${psql[@]}" -At -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'dcpf'")
    if [ "$now" = "$default" ]; then ok "$v: installs with the current library and updates to $default"
    else notok "$v: after ALTER EXTENSION dcpf UPDATE the version is [$now], not $default"; fi
    if describe "$db" "$work/from_$v.txt"; then
        compare "updated from $v" "$work/fresh.txt" "$work/from_$v.txt"
    else
        notok "$v: cannot describe the updated database:"; shown "$work/from_$v.txt.err"
    fi
    [ -n "$first_updated" ] || first_updated=$db
done

# --- the comparison can fail --------------------------------------------------
# Each change, made in the database updated from the first release inside a
# transaction that is rolled back, must show in the diff, on a line that
# holds the text after the second @@.
mutations=(
    "a column's comment@@COMMENT ON COLUMN dcpf.person.email IS 'changed by the upgrade test'@@comment	column email of table dcpf.person	"
    "a revoked grant@@REVOKE EXECUTE ON FUNCTION dcpf.current_person() FROM dcpf_app@@function	dcpf.current_person()	owner"
    "a revoked column grant@@REVOKE UPDATE (email) ON dcpf.person FROM dcpf_app@@column	dcpf.person.email	"
    "a function's cost@@ALTER FUNCTION dcpf.current_person() COST 7@@function	dcpf.current_person()	CREATE OR REPLACE"
    "a dropped policy@@DO \$\$ BEGIN EXECUTE (SELECT format('DROP POLICY %I ON dcpf.portfolio_item', polname) FROM pg_policy WHERE polrelid = 'dcpf.portfolio_item'::regclass ORDER BY polname LIMIT 1); END \$\$@@policy	dcpf.portfolio_item "
    "row security no longer forced@@ALTER TABLE dcpf.person NO FORCE ROW LEVEL SECURITY@@relation	dcpf.person	"
    "disabled triggers@@ALTER TABLE dcpf.person DISABLE TRIGGER USER@@trigger	dcpf.person "
    "a column default@@ALTER TABLE dcpf.person ALTER COLUMN created_at SET DEFAULT clock_timestamp()@@column	dcpf.person.created_at	"
    "an extra index@@CREATE INDEX upgrade_test_extra ON dcpf.person (surname)@@index	dcpf.upgrade_test_extra	"
    "an extra constraint@@ALTER TABLE dcpf.licensee ADD CONSTRAINT upgrade_test_extra CHECK (true)@@constraint	dcpf.licensee upgrade_test_extra	"
    "an object no longer a member@@ALTER EXTENSION dcpf DROP FUNCTION dcpf.current_person()@@member	dcpf	function dcpf.current_person()"
    "a view's owner@@ALTER VIEW dcpf.person_decrypted OWNER TO dcpf_maintenance@@relation	dcpf.person_decrypted	"
    "a view's option@@ALTER VIEW dcpf.person_decrypted RESET (security_invoker)@@relation	dcpf.person_decrypted	"
    "a shipped row@@UPDATE dcpf.role SET name_en = name_en || ' (changed)' WHERE code = 'professional'@@row	dcpf.role	"
    "a configuration table's dump condition@@UPDATE pg_catalog.pg_extension SET extcondition[array_position(extconfig, 'dcpf.role'::regclass::oid)] = '' WHERE extname = 'dcpf'@@extension	dcpf	"
    "default privileges@@ALTER DEFAULT PRIVILEGES IN SCHEMA dcpf GRANT SELECT ON TABLES TO dcpf_reporting@@default privileges	"
    "a domain@@ALTER DOMAIN dcpf.portfolio_text SET NOT NULL@@type	dcpf.portfolio_text	"
    "a sequence@@ALTER SEQUENCE dcpf.audit_event_id_seq CACHE 10@@sequence	dcpf.audit_event_id_seq	"
    "an event trigger@@CREATE FUNCTION public.upgrade_test_event() RETURNS event_trigger LANGUAGE plpgsql AS \$\$ BEGIN END \$\$; CREATE EVENT TRIGGER upgrade_test_event ON ddl_command_end EXECUTE FUNCTION public.upgrade_test_event()@@event trigger	upgrade_test_event	"
)
if [ -z "$first_updated" ]; then
    notok "no updated database to change (no released version was updated)"
else
    for m in "${mutations[@]}"; do
        what=${m%%@@*}; sql=${m#*@@}; pattern=${sql#*@@}; sql=${sql%%@@*}
        if { echo "BEGIN;"; echo "$sql;"; echo '\i test/shell/lib/catalog_description.sql'; echo "ROLLBACK;"; } |
            "${psql[@]}" -At -F $'\t' -v skip_run_time_partitions=1 -d "$first_updated" >"$work/mutated.txt" 2>"$work/mutated.err"; then
            diff "$work/fresh.txt" "$work/mutated.txt" | sed -n 's/^[<>] //p' >"$work/mutated.diff"
            if grep -qF -- "$pattern" "$work/mutated.diff"; then
                ok "the comparison reports $what ($(wc -l <"$work/mutated.diff") line(s) differ)"
            else
                notok "the comparison misses $what ($sql): no line matching [$pattern] differs; differing lines:"
                shown "$work/mutated.diff" 10
            fi
        else
            notok "cannot make the change for $what ($sql):"; shown "$work/mutated.err"
        fi
    done
fi

# --- a populated database, updated -------------------------------------------
# Made with 1.0.0's functions, so that this keeps working however later
# versions change the sources.
"${psql[@]}" -d postgres -c "CREATE DATABASE \"$populated\"" >/dev/null || { notok "cannot create $populated"; exit 1; }
if ! "${psql[@]}" -d "$populated" >"$work/populate.out" 2>&1 <<'SQL'; then
SET client_min_messages = warning;
CREATE EXTENSION dcpf VERSION '1.0.0';
BEGIN;
SELECT dcpf.create_licensee('UMC Oost', 'academic_hospital', '09183745') AS licensee \gset
SELECT dcpf.create_product('dcpf', 'DCPF portfolio', 'career portfolio') \g /dev/null
SELECT dcpf.create_licence(:'licensee', 'dcpf', DATE '2021-01-01', NULL, 100) \g /dev/null
SELECT dcpf.create_person('a.jansen@example.nl', 'Jansen', given_names => 'Anna', initials => 'A.',
                          big_number => '89012345601') AS person \gset
SELECT dcpf.grant_membership(:'person', :'licensee', 'professional', TIMESTAMPTZ '2024-01-01 00:00+01') AS membership \gset
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted)
VALUES ('00000000-0000-4000-8000-00000000f001', :'person', :'membership', 'reflection', 'Reflectie nachtdienst',
        dcpf.encrypt('Een drukke nacht; ik leerde veel over de overdracht.', 'portfolio_item', 'body',
                     '00000000-0000-4000-8000-00000000f001', :'person'));
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind)
VALUES ('00000000-0000-4000-8000-00000000c001', :'licensee', 'INT', 'Opleiding Interne Geneeskunde', 'specialty');
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level)
VALUES ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-00000000c001', :'licensee',
        'EPA-1', 'Opname en behandeling van een acuut zieke patiënt', 4);
INSERT INTO dcpf.epa_competency (epa_id, competency_id)
SELECT '00000000-0000-4000-8000-00000000d001', c.id FROM dcpf.competency c WHERE c.licensee_id IS NULL
 ORDER BY c.code LIMIT 2;
COMMIT;
SQL
    notok "cannot populate a database under 1.0.0:"; shown "$work/populate.out"
    exit 1
fi
for _ in $(seq 1 600); do
    queued=$("${psql[@]}" -At -d "$populated" -c "SELECT queued_here FROM dcpf.audit_queue_status()")
    [ "$queued" = "0" ] && break
    sleep 0.1
done
sealed=$("${psql[@]}" -At -d "$populated" -c "SELECT seal_no FROM dcpf.audit_seal()")
if [ -n "$sealed" ]; then ok "1.0.0, populated: the audit trail sealed (seal $sealed)"
else notok "1.0.0, populated: nothing was sealed"; fi

# The site's rows, as text of the columns they have under 1.0.0: every row
# of a table the extension registers for pg_dump (whole, or those its
# condition selects) and of the audit trail's monthly partitions (made at run
# time, not members), kept in a table of schema public to find them all
# after the update.
"${psql[@]}" -d "$populated" >"$work/rows.out" 2>&1 <<'SQL' || { notok "cannot keep the rows made under 1.0.0:"; shown "$work/rows.out"; }
CREATE TABLE public.rows_before (tab text, cols text, row_text text);
DO $$
DECLARE
    rel regclass;
    cond text;
    cols text;
BEGIN
    FOR rel, cond IN SELECT u.rel, u.cond FROM pg_extension e, unnest(e.extconfig, e.extcondition) u(rel, cond)
                      WHERE e.extname = 'dcpf' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = u.rel) = 'r'
                      UNION ALL
                      SELECT i.inhrelid::regclass, '' FROM pg_inherits i
                       WHERE i.inhparent = 'dcpf.audit_event'::regclass
                         AND i.inhrelid <> 'dcpf.audit_event_default'::regclass LOOP
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
          FROM pg_attribute a WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped;
        EXECUTE format('INSERT INTO public.rows_before SELECT %L, %L, ROW(%s)::text FROM ONLY %s %s', rel::text, cols, cols, rel, cond);
    END LOOP;
END
$$;
SQL
before=$("${psql[@]}" -At -F ' ' -d "$populated" -c "SELECT count(*), count(DISTINCT tab) FROM public.rows_before")
read -r rows_before tables_before <<<"$before"
if [ "${rows_before:-0}" -ge 20 ] && [ "${tables_before:-0}" -ge 8 ]; then
    ok "1.0.0, populated: $rows_before rows of the site in $tables_before tables kept for comparison"
else
    notok "1.0.0, populated: only [$before] rows and tables of the site (the check would mean little)"
fi

if "${psql[@]}" -d "$populated" -c "SET client_min_messages = warning" -c "ALTER EXTENSION dcpf UPDATE" >"$work/update.out" 2>&1; then
    ok "populated: ALTER EXTENSION dcpf UPDATE to $default"
else
    notok "populated: ALTER EXTENSION dcpf UPDATE failed:"; shown "$work/update.out"
fi

# every row is still there, unchanged in the columns it had
"${psql[@]}" -At -F ' ' -d "$populated" >"$work/rows_lost.txt" 2>&1 <<'SQL'
CREATE TEMP TABLE rows_lost (tab text, lost bigint);
DO $$
DECLARE
    t text;
    c text;
    lost bigint;
BEGIN
    FOR t, c IN SELECT DISTINCT tab, cols FROM public.rows_before ORDER BY 1 LOOP
        EXECUTE format('SELECT count(*) FROM (SELECT row_text FROM public.rows_before WHERE tab = %L
                                              EXCEPT ALL SELECT ROW(%s)::text FROM ONLY %s) x', t, c, t) INTO lost;
        INSERT INTO rows_lost VALUES (t, lost);
    END LOOP;
END
$$;
SELECT tab, lost FROM rows_lost WHERE lost > 0 ORDER BY tab;
SQL
if [ ! -s "$work/rows_lost.txt" ]; then
    ok "populated: after the update every one of the $rows_before rows is there, unchanged"
else
    notok "populated: rows lost or changed by the update (table, rows):"; shown "$work/rows_lost.txt"
fi

# 1.1.0 copies an EPA's programme and licensee into its competency links
links=$("${psql[@]}" -At -d "$populated" -c "
    SELECT count(*) FILTER (WHERE ec.programme_id = e.programme_id AND ec.licensee_id = e.licensee_id) || '/' || count(*)
      FROM dcpf.epa_competency ec JOIN dcpf.epa e ON e.id = ec.epa_id" 2>&1)
if [ "$links" = "2/2" ]; then
    ok "populated: the EPA's 2 competency links carry its programme and licensee after the update"
else
    notok "populated: the EPA's competency links after the update: [$links], expected [2/2]"
fi

plain=$("${psql[@]}" -At -d "$populated" <<'SQL' 2>&1
SELECT big_number FROM dcpf.person_decrypted WHERE email = 'a.jansen@example.nl';
SELECT dcpf.decrypt_text(body_encrypted, 'portfolio_item', 'body', id, owner_id) FROM dcpf.portfolio_item
 WHERE id = '00000000-0000-4000-8000-00000000f001';
SQL
)
if [ "$plain" = $'89012345601\nEen drukke nacht; ik leerde veel over de overdracht.' ]; then
    ok "populated: the BIG number and the item's body encrypted under 1.0.0 decrypt after the update"
else
    notok "populated: encrypted values do not decrypt after the update: [$plain]"
fi

verdict() {
    "${psql[@]}" -At -d "$populated" -c "SELECT verified || ' ' || seals_checked || ' ' || coalesce(problem, '-')
                                           FROM dcpf.audit_verify('-infinity', 'infinity')"
}
v=$(verdict)
if [ "$v" = "true ${sealed:-?} -" ]; then ok "populated: dcpf.audit_verify passes after the update ($v)"
else notok "populated: dcpf.audit_verify after the update: [$v], expected [true ${sealed:-?} -]"; fi

# the updated database goes on working: a new item encrypts, the trail seals
# what the update and the new writes logged, and verifies
new_item=$("${psql[@]}" -At -d "$populated" <<'SQL' 2>&1
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted)
SELECT '00000000-0000-4000-8000-00000000f002', m.person_id, m.id, 'reflection', 'Na de update',
       dcpf.encrypt('Geschreven na de update.', 'portfolio_item', 'body', '00000000-0000-4000-8000-00000000f002', m.person_id)
  FROM dcpf.membership m \g /dev/null
SELECT dcpf.decrypt_text(body_encrypted, 'portfolio_item', 'body', id, owner_id) FROM dcpf.portfolio_item
 WHERE id = '00000000-0000-4000-8000-00000000f002';
SQL
)
[ "$new_item" = "Geschreven na de update." ] && ok "populated: a new item encrypts and decrypts after the update" \
    || notok "populated: a new item after the update: [$new_item]"
sealed_after=$("${psql[@]}" -At -d "$populated" -c "SELECT seal_no FROM dcpf.audit_seal()")
v=$(verdict)
if [ -n "$sealed_after" ] && [ "$v" = "true $sealed_after -" ]; then
    ok "populated: sealed again after the update (seal $sealed_after), dcpf.audit_verify passes over both seals"
else
    notok "populated: after a new seal [$sealed_after] dcpf.audit_verify says [$v]"
fi

# and the populated, updated database has the objects of a fresh install too
"${psql[@]}" -d "$populated" -c "DROP TABLE public.rows_before" >/dev/null
if describe "$populated" "$work/populated.txt"; then
    compare "populated, updated from 1.0.0" "$work/fresh.txt" "$work/populated.txt"
else
    notok "cannot describe the populated database:"; shown "$work/populated.txt.err"
fi

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
