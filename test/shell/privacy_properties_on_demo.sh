#!/usr/bin/env bash
# test/shell/privacy_properties_on_demo.sh: properties of export and erasure
# over the demo's data (tools/demo: the sample plus a trainee's week), found
# from the catalog rather than from the registry that drives both:
#  1. for every person, dcpf.export_person's content holds every row that a
#     scan of the catalog finds naming them (every column referencing
#     dcpf.person, every table's subject column): as a row of theirs, or as a
#     reference to a record of someone else's they took part in; the only
#     rows left out are those of tables and columns the registry declares
#     hidden, with its reason;
#  2. after dcpf.erase_person of the trainee and of her supervisor, no column
#     of any table, the audit trail included, decrypted where it can be,
#     holds either person's name, e-mail address, BIG number or phone number.
# Exits non-zero on the first failed property (after listing all findings).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. test/shell/lib/demo_cleanup.sh

db=dcpf_props_test_$$
work=$(mktemp -d /tmp/dcpf-props-test.XXXXXX)
cleanup() {
    demo_cleanup "$db"
    rm -rf "$work"
}
trap cleanup EXIT

if ! DCPF_DEMO_DB=$db tools/demo >"$work/demo.out" 2>&1; then
    echo "FAIL: tools/demo exited non-zero; last lines:"
    tail -n 20 "$work/demo.out"
    exit 1
fi

psql=(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db")
failures=0

# --- 1. the export holds every row the catalog finds naming the person -----
"${psql[@]}" >"$work/export.out" 2>&1 <<'SQL'
SET client_min_messages = warning;
-- every (table, column) that names a person: foreign keys to dcpf.person and
-- the subject columns of the audit triggers (which every table has)
CREATE TEMP TABLE naming AS
SELECT DISTINCT c.relname::text AS tbl, a.attname::text AS col
  FROM pg_constraint k
  JOIN pg_class c ON c.oid = k.conrelid
  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
 WHERE k.contype = 'f' AND k.confrelid = 'dcpf.person'::regclass AND cardinality(k.conkey) = 1
UNION
SELECT DISTINCT c.relname::text, split_part(encode(t.tgargs, 'escape'), E'\\000', 1)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE t.tgfoid = 'dcpf.audit_trigger()'::regprocedure AND split_part(encode(t.tgargs, 'escape'), E'\\000', 1) <> '-';
CREATE TEMP TABLE found (person uuid, tbl text, col text, row_key text);
DO $$
DECLARE n record; k text;
BEGIN
    FOR n IN SELECT * FROM naming ORDER BY 1, 2 LOOP
        SELECT d.row_key INTO k FROM dcpf.personal_data_table d WHERE d.table_name = n.tbl;
        EXECUTE format('INSERT INTO found SELECT t.%I, %L, %L, t.%I::text FROM dcpf.%I t WHERE t.%I IS NOT NULL',
                       n.col, n.tbl, n.col, coalesce(k, 'id'), n.tbl, n.col);
    END LOOP;
END $$;
CREATE TEMP TABLE exported (person uuid, tbl text, row_key text);
INSERT INTO exported
SELECT p.id, r.table_name, r.row_key FROM dcpf.person p, dcpf.export_rows(p.id) r WHERE r.section IN ('rows', 'references');
-- rows the registry hides, with its reason
CREATE TEMP TABLE hidden AS
SELECT f.* FROM found f
 WHERE NOT EXISTS (SELECT FROM exported e WHERE e.person = f.person AND e.tbl = f.tbl AND e.row_key = f.row_key)
   AND (EXISTS (SELECT FROM dcpf.personal_data_table d WHERE d.table_name = f.tbl AND NOT d.exported)
        OR EXISTS (SELECT FROM dcpf.personal_data_column c WHERE c.table_name = f.tbl AND c.column_name = f.col AND NOT c.exported));
SELECT 'persons ' || count(DISTINCT person) || ', rows naming them ' || count(*) || ', hidden by the registry ' || (SELECT count(*) FROM hidden)
  FROM found;
SELECT 'hidden: ' || tbl || '.' || col || ' (' || count(*) || ')' FROM hidden GROUP BY tbl, col ORDER BY 1;
SELECT 'MISSING ' || f.tbl || '.' || f.col || ' row ' || f.row_key || ' of person ' || f.person
  FROM found f
 WHERE NOT EXISTS (SELECT FROM hidden h WHERE h.person = f.person AND h.tbl = f.tbl AND h.col = f.col AND h.row_key = f.row_key)
   AND NOT EXISTS (SELECT FROM exported e WHERE e.person = f.person AND e.tbl = f.tbl AND e.row_key = f.row_key)
 ORDER BY 1;
SQL
if [ $? -ne 0 ]; then
    echo "FAIL: the export property could not run:"; cat "$work/export.out"; failures=$((failures + 1))
else
    sed -n '1p' "$work/export.out"
    grep '^hidden: ' "$work/export.out" | sed 's/^/  /'
    if ! grep -q '^persons [1-9]' "$work/export.out"; then
        echo "FAIL: the catalog scan found no person's rows"; failures=$((failures + 1))
    fi
    if grep -q '^MISSING ' "$work/export.out"; then
        echo "FAIL: rows naming a person that their export lacks:"
        grep '^MISSING ' "$work/export.out" | head -n 20
        failures=$((failures + 1))
    fi
fi

# --- 2. after erasure, nothing anywhere names the erased ---------------------
"${psql[@]}" >"$work/erase.out" 2>&1 <<'SQL'
SET client_min_messages = warning;
SELECT l.id AS umc FROM dcpf.licensee l WHERE l.name LIKE 'Universitair Medisch Centrum%' \gset
SELECT m.person_id AS officer FROM dcpf.membership m WHERE m.licensee_id = :'umc' AND m.role_code = 'privacy_officer' LIMIT 1 \gset
CREATE TEMP TABLE victim AS
SELECT p.id, p.email FROM dcpf.person p
 WHERE p.email IN ('f.elamrani@umc-oostnederland.nl', 'p.dejong@umc-oostnederland.nl');
-- what identifies them, read before the erasure (the BIG number and phones decrypted)
CREATE TEMP TABLE needle (person uuid, what text, value text);
INSERT INTO needle
SELECT v.id, x.what, x.value
  FROM victim v JOIN dcpf.person_decrypted p ON p.id = v.id,
       LATERAL (VALUES ('e-mail', p.email::text), ('surname', p.surname), ('given names', p.given_names),
                       ('BIG number', p.big_number::text)) x(what, value)
 WHERE x.value IS NOT NULL;
INSERT INTO needle
SELECT v.id, 'phone', right(ph.number::text, 9) FROM victim v JOIN dcpf.person_phone_decrypted ph ON ph.person_id = v.id;
-- names match as words; numbers in any notation (spaces, dots, dashes, a +31 prefix: a Dutch phone number ends in its 9 digits)
CREATE FUNCTION pg_temp.holds(hay text, n needle) RETURNS boolean LANGUAGE sql IMMUTABLE
RETURN CASE WHEN n.what IN ('phone', 'BIG number') THEN strpos(regexp_replace(hay, '[[:space:]().+-]', '', 'g'), n.value) > 0
            ELSE hay ~* ('\m' || regexp_replace(n.value, '([.+*?()\[\]{}|^$\\])', '\\\1', 'g') || '\M') END;
SELECT 'needles ' || count(*) FROM needle;
-- every value of every column of every table (the audit trail's partitions
-- included), as text; ciphertexts decrypted under the registry's labels where
-- their key still opens them
CREATE TEMP TABLE hay (tbl text, col text, value text);
CREATE FUNCTION pg_temp.scan() RETURNS void LANGUAGE plpgsql AS $$
DECLARE c record; expr text; d record;
BEGIN
    TRUNCATE hay;
    FOR c IN SELECT cl.relname::text AS tbl, a.attname::text AS col, a.atttypid
               FROM pg_class cl JOIN pg_attribute a ON a.attrelid = cl.oid AND a.attnum > 0 AND NOT a.attisdropped
              WHERE cl.relnamespace = 'dcpf'::regnamespace AND cl.relkind = 'r'
              ORDER BY 1, 2 LOOP
        -- the labels: from the column's sealing trigger, else from the registry
        SELECT split_part(encode(tg.tgargs, 'escape'), E'\\000', 3) AS row_key,
               split_part(encode(tg.tgargs, 'escape'), E'\\000', 4) AS subject_column INTO d
          FROM pg_trigger tg
         WHERE tg.tgrelid = ('dcpf.' || quote_ident(c.tbl))::regclass AND tg.tgfoid = 'dcpf.sealed_column()'::regprocedure
           AND split_part(encode(tg.tgargs, 'escape'), E'\\000', 2) = c.col;
        IF d.row_key IS NULL THEN
            SELECT pt.row_key, pt.subject_column INTO d FROM dcpf.personal_data_table pt
             WHERE pt.table_name = c.tbl AND pt.subject_column IS NOT NULL;
        END IF;
        IF c.col LIKE '%\_encrypted' AND d.row_key IS NOT NULL THEN
            expr := format('CASE WHEN t.%1$I IS NOT NULL THEN convert_from(dcpf.decrypt(t.%1$I, %2$L, %3$L, t.%4$I, t.%5$I, true), ''UTF8'') END',
                           c.col, c.tbl, left(c.col, -10), d.row_key, d.subject_column);
        ELSIF c.atttypid = 'bytea'::regtype THEN
            CONTINUE;   -- hashes, keys, signatures, photos: no text in them
        ELSE
            expr := format('t.%I::text', c.col);
        END IF;
        BEGIN
            EXECUTE format('INSERT INTO hay SELECT %L, %L, v FROM (SELECT %s AS v FROM dcpf.%I t) x WHERE v IS NOT NULL',
                           c.tbl, c.col, expr, c.tbl);
        EXCEPTION WHEN OTHERS THEN
            -- a ciphertext that is not text (an attachment's bytes): skip it, say so
            RAISE NOTICE 'not scanned: %.% (%)', c.tbl, c.col, SQLERRM;
        END;
    END LOOP;
END $$;
-- control: before the erasure the scan finds every kind of value it looks for
SELECT pg_temp.scan();
SELECT 'control: ' || n.what || ' ' || CASE WHEN EXISTS (SELECT FROM hay h WHERE pg_temp.holds(h.value, n))
       THEN 'found' ELSE 'NOT FOUND' END
  FROM needle n ORDER BY 1;
-- each asks to be erased; the UMC's privacy officer carries it out (memberships
-- of other licensees end first: they are controllers too)
DO $$
DECLARE v record; req uuid; lic uuid := (SELECT l.id FROM dcpf.licensee l WHERE l.name LIKE 'Universitair Medisch Centrum%');
        officer uuid := (SELECT m.person_id FROM dcpf.membership m WHERE m.licensee_id = lic AND m.role_code = 'privacy_officer' LIMIT 1);
BEGIN
    FOR v IN SELECT * FROM victim ORDER BY email LOOP
        UPDATE dcpf.membership m SET valid_until = now() - interval '1 second'
         WHERE m.person_id = v.id AND m.licensee_id <> lic AND (m.valid_until IS NULL OR m.valid_until > now());
        PERFORM dcpf.act_as(v.id, lic, (SELECT m.role_code FROM dcpf.membership m WHERE m.person_id = v.id AND m.licensee_id = lic
                                          AND (m.valid_until IS NULL OR m.valid_until > now()) ORDER BY 1 LIMIT 1), 'property test');
        req := dcpf.submit_subject_request('erasure');
        PERFORM dcpf.act_as(officer, lic, 'privacy_officer', 'property test');
        PERFORM dcpf.verify_subject_request(req, 'in_person');
        PERFORM dcpf.erase_person(v.id, req);
    END LOOP;
    PERFORM dcpf.clear_identity();
END $$;
SELECT 'erased ' || count(*) FROM dcpf.person p JOIN victim v ON v.id = p.id WHERE p.status = 'erased';
SELECT pg_temp.scan();
SELECT 'values scanned ' || count(*) FROM hay;
SELECT 'FOUND ' || n.what || ' of an erased person in ' || h.tbl || '.' || h.col || ': ' || left(h.value, 120)
  FROM hay h JOIN needle n ON pg_temp.holds(h.value, n)
 ORDER BY 1;
SQL
if [ $? -ne 0 ]; then
    echo "FAIL: the erasure property could not run:"; cat "$work/erase.out"; failures=$((failures + 1))
else
    grep -E '^(needles|erased|values scanned) ' "$work/erase.out"
    if grep -q '^control: .* NOT FOUND' "$work/erase.out"; then
        echo "FAIL: before the erasure, the scan misses what identifies them:"; grep '^control: ' "$work/erase.out"
        failures=$((failures + 1))
    fi
    grep -q '^needles [1-9]' "$work/erase.out" || { echo "FAIL: nothing identifying was read before the erasure"; failures=$((failures + 1)); }
    grep -q '^erased 2$' "$work/erase.out" || { echo "FAIL: the two persons were not erased"; failures=$((failures + 1)); }
    if grep -q '^FOUND ' "$work/erase.out"; then
        echo "FAIL: an erased person is still named:"
        grep '^FOUND ' "$work/erase.out" | head -n 20
        failures=$((failures + 1))
    fi
fi

[ "$failures" -eq 0 ] && echo "ok: export complete for every person; nothing names the erased"
exit $(( failures > 0 ))
