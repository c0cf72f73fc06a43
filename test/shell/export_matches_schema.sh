#!/usr/bin/env bash
# test/shell/export_matches_schema.sh: the document of dcpf.export_person
# matches its JSON Schema (doc/reference/export.schema.json), and the
# streaming form gives exactly its rows. Loads the demo (tools/demo) into a
# database of its own, adds an attachment and a supervisor's comment to the
# trainee's week, and exports, each as themself: the trainee Fatima El
# Amrani, her supervisor Pieter de Jong, and C. Bakker, who has no
# portfolio. For each: the document is valid against the schema (python3's
# jsonschema, with strict uuid, date and date-time formats); it holds every
# row the registry's tables have of the person, counted by the table owner,
# and no one else's; and dcpf.export_person_rows, read through a cursor in
# the same repeatable-read transaction, returns the same rows, references
# and facts (save the document's own disclosure). Then broken copies of the
# trainee's document (a required key deleted, a hidden column or a
# ciphertext added, a bad uuid or time, ...) must each be rejected, so the
# schema check can fail. The checks are in test/shell/lib/export_check.py.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

db=dcpf_export_test_$$
work=$(mktemp -d /tmp/dcpf-export-test.XXXXXX)
psql=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off)
cleanup() {
    "${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
    rm -rf "$work"
}
# KEEP_WORK=1 keeps the database and the files (documents, streams, counts) to inspect
if [ "${KEEP_WORK:-0}" = 1 ]; then echo "# keeping database $db and $work"; else trap cleanup EXIT; fi

if ! python3 -c 'import jsonschema' 2>/dev/null; then
    echo "FAIL: python3 cannot import jsonschema (Debian: python3-jsonschema; tools/install-deps installs it)"
    exit 1
fi
if ! DCPF_DEMO_DB=$db tools/demo >"$work/demo.out" 2>&1; then
    echo "FAIL: tools/demo exited non-zero; last lines:"
    tail -n 30 "$work/demo.out"
    exit 1
fi

# The trainee's week, completed: a PDF attached to her reflection (longer than
# one base64 line), and De Jong's comment on it (it was shared with him to comment).
"${psql[@]}" -d "$db" >"$work/setup.out" 2>&1 <<'SQL' || { echo "FAIL: setting up the attachment and the comment"; cat "$work/setup.out"; exit 1; }
SELECT p.id AS fatima FROM dcpf.person p WHERE p.email = 'f.elamrani@umc-oostnederland.nl' \gset
SELECT p.id AS dejong FROM dcpf.person p WHERE p.email = 'p.dejong@umc-oostnederland.nl' \gset
SELECT l.id AS umc FROM dcpf.licensee l WHERE l.name LIKE 'Universitair%' \gset
SELECT i.id AS reflection FROM dcpf.portfolio_item i WHERE i.owner_id = :'fatima' AND i.item_type = 'reflection' \gset
SET ROLE dcpf_demo_backoffice;
SELECT dcpf.act_as(:'fatima', :'umc', 'medical_trainee', 'export test', true) IS NOT NULL AS acting \g /dev/null
SELECT dcpf.attach_file(:'reflection', 'intervisie.pdf', 'application/pdf',
                        convert_to('%PDF-1.4' || E'\n' || repeat('Verslag intervisie slecht-nieuwsgesprek. ', 4), 'UTF8')) IS NOT NULL;
SELECT dcpf.act_as(:'dejong', :'umc', 'supervisor', 'export test', true) IS NOT NULL AS acting \g /dev/null
SELECT dcpf.comment_item(:'reflection', 'Goed dat je de stilte benoemt; bespreek het in de volgende intervisie.') IS NOT NULL;
SQL
pdf=$(printf '%%PDF-1.4\n%s' "$(printf 'Verslag intervisie slecht-nieuwsgesprek. %.0s' 1 2 3 4)" | base64 -w 0)

# export NAME EMAIL: as the person, in their first current membership, the
# stream through a cursor (psql's FETCH_COUNT: DECLARE ... CURSOR, FETCH 25 at
# a time) and then the document, in one repeatable-read transaction; then the
# registry's counts of the person's rows, by the table owner
export_as() {
    local name=$1 email=$2
    "${psql[@]}" -d "$db" -v email="$email" -v out="$work/$name" >"$work/$name.out" 2>&1 <<'SQL'
\set person_file :out .person
\set stream_file :out .stream
\set doc_file :out .json
\set counts_file :out .counts
\pset format unaligned
\pset tuples_only on
SELECT p.id AS who FROM dcpf.person p WHERE p.email = :'email' \gset
SELECT m.licensee_id AS lic, m.role_code AS role FROM dcpf.membership m
 WHERE m.person_id = :'who' AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now())
 ORDER BY m.valid_from, m.role_code LIMIT 1 \gset
SELECT :'who' \g :person_file
SET ROLE dcpf_demo_backoffice;
SELECT dcpf.act_as(:'who', :'lic', :'role', 'export test', true) IS NOT NULL AS acting \g /dev/null
BEGIN ISOLATION LEVEL REPEATABLE READ;
\set FETCH_COUNT 25
SELECT json_build_array(r.section, r.table_name, r.row_key, r.data) FROM dcpf.export_person_rows(:'who') r \g :stream_file
\unset FETCH_COUNT
SELECT dcpf.export_person(:'who') \g :doc_file
COMMIT;
SELECT dcpf.clear_identity() \g /dev/null
RESET ROLE;
\o :counts_file
SELECT format('SELECT %L, %L, count(*) FROM dcpf.%I t WHERE t.%I = %L', d.table_name, d.subject_column, d.table_name, d.subject_column, :'who')
  FROM dcpf.personal_data_table d WHERE d.exported ORDER BY d.table_name \gexec
\o
SQL
    local rc=$?
    sed -i 's/|/ /g' "$work/$name.counts" 2>/dev/null
    if [ $rc -ne 0 ]; then
        echo "FAIL: exporting $email as themself:"
        cat "$work/$name.out"
        exit 1
    fi
}

export_as fatima f.elamrani@umc-oostnederland.nl
export_as dejong p.dejong@umc-oostnederland.nl
export_as bakker c.bakker@umc-oostnederland.nl

cat >"$work/fatima.expect" <<EOF
has Ik merkte dat ik te snel naar het behandelplan ging
has Twee KPB's per maand op EPA-3
has Gestructureerde anamnese; heldere overdracht aan de zaalarts.
has Goed dat je de stilte benoemt
has intervisie.pdf
has El Amrani
table portfolio_item
table assessment
table conversation
table entrustment_decision
table portfolio_attachment
table item_comment
table share
table disclosure
table consent_event
attachment $pdf
EOF
# De Jong assessed her KPB, was shared her reflection and commented on it:
# that he did, not her content
cat >"$work/dejong.expect" <<EOF
has Jong
reference assessment.assessor_id
reference share.grantee_person_id
reference item_comment.author_id
reference portfolio_item.signed_by
lacks Ik merkte dat ik te snel naar het behandelplan ging
lacks Goed dat je de stilte benoemt
lacks Gestructureerde anamnese
lacks El Amrani
EOF
cat >"$work/bakker.expect" <<EOF
has Bakker
no-table portfolio_item
no-table assessment
no-table share
EOF

python3 test/shell/lib/export_check.py doc/reference/export.schema.json "$work" fatima dejong bakker
