#!/usr/bin/env bash
# test/shell/demo_runs.sh: `tools/demo` runs against the current cluster (PG*)
# and its output shows what the sample and dcpf promise: both licensees, the
# IBAN in paper form, Dutch names filed under the surname without
# tussenvoegsel, the EURA gate, the scanners, every bad input refused
# with its own error, and encryption at rest: ciphertext in the tables, plain
# text only for whoever may see the row, copied ciphertexts refused,
# crypto-shredding, and no master key anywhere in the output. Exits non-zero
# on the first missing fact (after listing all of them).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. test/shell/lib/demo_cleanup.sh

db=dcpf_demo_test_$$
work=$(mktemp -d /tmp/dcpf-demo-test.XXXXXX)
out=$work/demo.out
cleanup() {
    demo_cleanup "$db"
    rm -rf "$work"
}
trap cleanup EXIT

start=$(date +%s)
if ! DCPF_DEMO_DB=$db tools/demo >"$out" 2>&1; then
    echo "FAIL: tools/demo exited non-zero; last lines:"
    tail -n 40 "$out"
    exit 1
fi
elapsed=$(( $(date +%s) - start ))

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# the output contains this text literally
has() {
    grep -qF -- "$1" "$out" || fail "output lacks: $1"
}
# the output does not contain this text
lacks() {
    if grep -qF -- "$1" "$out"; then fail "output contains: $1"; fi
}
# the first line containing $1 comes before the first line containing $2
before() {
    local a b
    a=$(grep -nF -- "$1" "$out" | head -n 1 | cut -d: -f1)
    b=$(grep -nF -- "$2" "$out" | head -n 1 | cut -d: -f1)
    if [ -z "$a" ] || [ -z "$b" ] || [ "$a" -ge "$b" ]; then
        fail "expected \"$1\" (line ${a:-none}) before \"$2\" (line ${b:-none})"
    fi
}

# 1. licensees and billing
has 'Universitair Medisch Centrum Oost-Nederland'
has 'Hogeschool Twente, Academie Verpleegkunde'
has 'academic_hospital'
has 'nursing_school'
has 'NL03 RABO 0312 4567 89'           # IBAN shown with dcpf.iban_display
has 'DCPF-UMCON-2021-001'              # ... together with its mandate
grep -qE '\| card +\| - +\| - +\| - +\| mastercard \| Rabobank' "$out" \
    || fail 'the card-paying school shows card type and bank but no IBAN or mandate'

# 2. people: display styles and filing order
has 'Berg, Th. van den'                # sorted style
has 'Th. van den Berg'                 # initials style
has 'Thomas van den Berg'              # full style
has "Veld, N. in 't"
has 'Wijk, IJ. van'
has 'Bos-van Dijk, A.'                 # name use V
has 'Visser-de Boer, E.'               # name use N
has 'E. Brouwer'                       # name use P
has 's.devries@umc-oostnederland.nl'   # typed as S.deVries@UMC-OostNederland.nl
has '+31622334455'                     # phone typed as +31 (0)6 2233 4455
has '7521 AG'                          # postcode typed as 7521ag
# rows of the people table ("| <sorted> |"), filed without tussenvoegsel
before '| Bakker, C. ' '| Beek, L. van '
before '| Beek, L. van ' '| Berg, Th. van den '
before '| Berg, Th. van den ' '| Braak, W. ter '
before '| Hoekstra, A. ' "| Hof, M. van 't "
before "| Hof, M. van 't " '| Horst, M. ter '
before '| Veenstra, G.J. ' "| Veld, N. in 't "
before '| Vries, S. de ' '| Wessels, L. '
before '| Wolters, I. ' '| Yılmaz, N. '

# 3 and 4. memberships and accounts created on someone's behalf
grep -qE 'Medical trainee \(resident\) \| t +\| +19 \|' "$out" \
    || fail 'the medical centre has 19 current medical trainees, flagged as needing a BIG number'
grep -qE 'P\. de Jong +\| Hogeschool Twente' "$out" \
    || fail 'a person holding memberships in both licensees is shown'
grep -qE 'I\. Wolters +\| Universitair Medisch Centrum Oost-Nederland \| +10 \|' "$out" \
    || fail 'I. Wolters created 10 accounts on behalf of the medical centre'
grep -qE 'M\. Nijhuis +\| Hogeschool Twente, Academie Verpleegkunde +\| +12 \|' "$out" \
    || fail 'M. Nijhuis created 12 accounts on behalf of the school'

# 5. the EURA gate and the privacy statement
grep -qE 'Jansen, D\. .*\| medical_trainee \| +2 \| +1 \| accepted an older version only' "$out" \
    || fail 'D. Jansen accepted EURA v1 only while v2 is in force'
grep -qE 'Peters, S\. .*\| medical_trainee \| +2 \| +- \| never accepted' "$out" \
    || fail 'S. Peters never accepted the trainee EURA'
if grep -qE '^ Berg, Th\. van den +\| Universitair' "$out"; then   # accepted: not in the closed-gate list
    fail 'Th. van den Berg accepted the trainee EURA in force but is listed as gated'
fi
has 'VREST privacyverklaring'
grep -qE 'privacy_statement \| 2020\.1 +\| VREST privacyverklaring \| 2020-09-13 +\| t ' "$out" \
    || fail 'privacy statement 2020.1, effective 2020-09-13, material change'
has 'Deze privacyverklaring is in werking getreden op 13 september 2020.'

# 6. validators
grep -qE '^ 89012345601 +\| t ' "$out"   || fail 'BIG 89012345601 is valid'
grep -qE '^ 89012345602 +\| f ' "$out"   || fail 'BIG 89012345602 is invalid'
grep -qE '^ NL04RABO0312456789 +\| f ' "$out" || fail 'IBAN NL04RABO0312456789 is invalid'
has 'DE89 3704 0044 0532 0130 00'
has 'sophie.devries@umc-oostnederland.nl'
grep -qE '^ card_number +\| +68 \| +19 \| \*\*\*\* \*\*\*\* \*\*\*\* 1111' "$out" \
    || fail 'find_sensitive_numbers finds the card number at 68, masked'
grep -qE '^ bsn +\| +29 \| +11 \| ' "$out" \
    || fail 'find_sensitive_numbers finds the BSN at 29'
lacks '4111 1111 1111 1111 |'              # the card number itself is never echoed in a result column

# 7. refused input, each with its own SQLSTATE and message
has 'billing text must not contain a payment card number'
has 'an IBAN is kept only with a direct-debit mandate'
has 'invalid IBAN: "NL04RABO0312456789"'
has 'role "medical_trainee" requires a BIG number'
has 'cannot remove the BIG number of a person holding role "medical_trainee"'
has 'e-mail address or BIG number already registered'
has 'Another person already uses e-mail address i.wolters@umc-oostnederland.nl'
has 'invalid BIG number: "89012345602"'
has "only a licensee administrator can create an account on someone's behalf"
has 'membership overlaps an existing one'
has 'invalid e-mail address: "jan@@example.nl"'
has 'invalid Dutch postcode: "7547 SS"'
has 'role_agreement rows cannot be changed'
# 8. verified identity
has '8. Verified identity: tokens, the EURA gate, licensee isolation'
has 'token refused: bad_signature'
has 'token refused: unsupported_alg'
has 'token refused: expired'
has 'token refused: wrong_client'
has 'requires accepting its End User Role Agreement'
has ' medical_trainee | token  | transaction'
# 9. password login
has '9. dcpf as its own identity provider: password login'
has '$scrypt$ln=17,r=8,p=1$'
has ' wrong_password  | M. Nijhuis   | 192.0.2.44'
has ' unknown_account | (no account) | 192.0.2.44'
has ' success         | M. Nijhuis   | 192.0.2.44'

# 10. encryption at rest
has '10. Encryption at rest: ciphertext in the tables, plain text for who may see it'
# the table holds a 57-byte ciphertext (46 bytes overhead + 11 digits) under the person's own data key, wrapped by generation 1
grep -qE '^ Th\. van den Berg \| 0101[0-9a-f]{20}\.\.\. \| +57 \| +1 \| AES-256-GCM \| +11 \| t +\| +65 \| +1$' "$out" \
    || fail 'dcpf.ciphertext_info shows the trainee''s BIG number as a 57-byte AES-256-GCM ciphertext under their own data key'
# the owner reads their own values in plain text, through the decrypted views
grep -qE '^ Th\. van den Berg \| [0-9]{11} \| \+31622334455 \| Oldenzaalsestraat 15-2, 7511 DL Enschede$' "$out" \
    || fail 'the trainee reads their BIG number, phone and address decrypted'
has 'the trainee stores his BIG number ciphertext in his phone row'
has 'permission denied for table data_key'
# the UMC admin: 30 BIG numbers of the UMC's people, none of their phones or addresses, the UMC's IBAN
grep -qE '^ +32 \| +30 \| +0 \| +0 \| NL03 RABO 0312 4567 89$' "$out" \
    || fail 'the UMC admin decrypts 30 BIG numbers and the IBAN, and sees no one else''s phone or address'
has 'the administrator presents the trainee'"'"'s BIG ciphertext as a colleague'"'"'s'
has 'ciphertext does not authenticate'
# the school's admin: its 18 people, not the UMC trainee, no IBAN (the school pays by card)
grep -qE '^ +18 \| +0 \| +0$' "$out" \
    || fail 'the school''s admin sees 18 people, not the UMC trainee, and no IBAN'
has 'permission denied to decrypt person data of this subject'
grep -qE '^ +1 \| t +\| t +\| t +\| - +\| +42$' "$out" \
    || fail 'dcpf.master_key_status: generation 1 in the key file, current, registered, wrapping 42 data keys'
# crypto-shredding: S. de Vries's values are erased, the others readable
has 'erasure request (art. 17 AVG), demo | t             |                                57'
grep -qE '^ S\. de Vries +\| \(erased\) +\| \(erased\) +\| \(erased\)$' "$out" \
    || fail 'after shredding, the views show nothing of S. de Vries''s BIG number, phones and address'
has 'the data was erased'
grep -qE '^ Th\. van den Berg +\| [0-9]{11} +\| \+31622334455 +\| Oldenzaalsestraat 15-2, Enschede$' "$out" \
    || fail 'after shredding S. de Vries, the trainee''s values are still readable'
grep -qE '^ +32 \| +1$' "$out" || fail '32 BIG numbers still readable, 1 erased'
has 'The key of subject '
# the master keys never appear (the key file of tools/with-cluster, when this test can read it)
if [ -r "${DCPF_MASTER_KEY_FILE:-}" ]; then
    keys=$(awk '$1 == "master" { print $3 } $1 == "blind" { print $2 }' "$DCPF_MASTER_KEY_FILE")
    [ -n "$keys" ] || fail "no keys found in $DCPF_MASTER_KEY_FILE"
    for key in $keys; do
        if grep -qiF -- "$key" "$out" || grep -qiF -- "${key:0:16}" "$out"; then
            fail 'a master or blind-index key appears in the demo output'
        fi
    done
fi

lacks 'NOT EXPECTED'
refused=$(grep -cE '^outcome +\| refused$' "$out")
[ "$refused" -eq 29 ] || fail "29 attempts refused in the expanded listings (12 bad inputs, 5 bad tokens, 5 encryption, 1 audit, 1 portfolio, 1 consent, 1 erasure, 3 retention and licence end), saw $refused"
# the audit trail: a rolled-back read logged, the views, the seal, tampering caught, the offline verifier
has '== The audit trail (NEN 7513) =='
# a bulk statement: one event for the 120 rows, naming them all
grep -qE '^ create +\| portfolio_item +\| - +\| +120 \| \{"rows": 120\} +\| Th\. van den Berg' "$out" \
    || fail 'the trainee'"'"'s import of 120 items is one event naming 120 rows'
has 'i.wolters@umc-oostnederland.nl | token       | licensee_admin   | person       | Th. van den Berg'
has 'audit events cannot be deleted'
grep -qE '^ t +\| +1 \| +[0-9]+$' "$out" || fail 'the seal does not verify'
grep -qE '^ f +\| changed +\| +1 \| +[0-9]+$' "$out" || fail 'the rewritten event is not caught and named'
grep -qE '^verified: 1 seals, [0-9]+ events$' "$out" || fail 'the offline verifier does not accept the export'
before '== The audit trail (NEN 7513) ==' '== end of the dcpf demo =='
for state in 23514 22P02 23505 42501 23P01 55000 28000 XX001 DCP01; do
    grep -qE "^sqlstate +\| $state\$" "$out" || fail "no refusal with SQLSTATE $state"
done
grep -qE '^ +49 \| +68 \| card +\| +16$' "$out" \
    || fail 'after the refusals: still 49 people, 68 memberships, the school still pays by card'

# a trainee's week: a KPB asked (a notice) and signed at level 3, a reflection
# shared with her supervisor, a conversation signed by both, an entrustment
# decision, an item with a BSN refused, her progress and who read her data
has " 12. A trainee's week in her portfolio"
grep -qE '^ feedback_request \| P\. de Jong +\| KPB acute opname SEH \| F\. El Amrani$' "$out" \
    || fail 'the KPB request is not queued as a notice to the assessor'
grep -qE '^ KPB acute opname SEH \| submitted \| assess *$' "$out" || fail 'the assessor does not see the submitted KPB to assess'
has 'De Jong changes his level afterwards | refused | 55000'
has 'Ik merkte dat ik te snel naar het behandelplan ging'
grep -qE '^ signed by both$' "$out" || fail 'the progress conversation is not signed by both'
has "De Jong opens Fatima's progress conversation | refused | P0002"
grep -qE '^detail +\| The title or body of item .* holds a citizen service number \(BSN\)\.$' "$out" \
    || fail 'the reflection with a BSN is not refused'
grep -qE '^ EPA-3 \| Acute opname van een patiënt op de SEH \| +4 \| +1 \| +3 \| +3 \| observations at level 4$' "$out" \
    || fail 'her progress on EPA-3 (one observation at level 3, decided at 3, target 4) is not shown'
grep -qE '^ P\. de Jong +\| assessor +\| portfolio_item \| success +\| +1$' "$out" || fail 'the assessor''s read is not in her trail'
grep -qE '^ P\. de Jong +\| supervisor +\| conversation +\| denied +\| +1$' "$out" || fail 'the refused read is not in her trail'
grep -qE '^ W\.F\. van der Meulen \| trainer +\| conversation +\| success +\| +1$' "$out" || fail 'the director''s read is not in her trail'
before ' 12. A trainee' '== end of the dcpf demo =='
# consent: given (in the audience), withdrawn (gone in the same transaction), an objection overriding it
has ' 13. Consent: given and withdrawn, with the same effort'
awk '/^ in the marketing audience *$/ { getline; getline; print; exit }' "$out" | grep -qE '^ F\. El Amrani$' \
    || fail 'the consenting trainee is not in the marketing audience'
awk '/^ audience in the same transaction *$/ { getline; getline; print; exit }' "$out" | grep -qE '^ +0$' \
    || fail 'the withdrawal does not take her out of the audience in the same transaction'
has 'you objected to direct marketing'
for a in given withdrawn objected; do
    grep -qE "^ $a +\| marketing +\| web +\| t$" "$out" || fail "no $a consent event with a receipt"
done
before ' 12. A trainee' ' 13. Consent'
# access and erasure: the export by table, decrypted; an erasure refused under a legal hold, then done
has ' 14. Access and erasure'
grep -qE '^ portfolio_item +\| +3$' "$out" || fail 'the export does not hold her three items'
grep -qE '^ access_log +\| +[1-9][0-9]*$' "$out" || fail 'the export holds no access log'
has 'Man, 67 jaar, koorts en verwardheid'
has 'cannot be erased now'
has 'legal hold: Legal hold'
grep -qE '^ erasure +\| completed +\| t$' "$out" || fail 'the erasure request is not completed without his words'
grep -qE '^ erased +\| t +\| +0$' "$out" || fail 'the erased person row still holds personal values'
before ' 13. Consent' ' 14. Access and erasure'
# a breach: recorded with its 48- and 72-hour deadlines, the affected found in the trail, the UMC told
has ' 15. A data breach: deadlines and who was affected'
has 'Gestolen laptop met ingelogde sessie'
grep -qE '^ F\. El Amrani +\| +[1-9][0-9]* \| \{' "$out" || fail 'the trainee is not among the persons the stolen account touched'
grep -qE '^ breach_controller \| ' "$out" || fail 'no breach notice to the UMC'
before ' 14. Access and erasure' ' 15. A data breach'

# retention: a licensee's own policy, one below the legal minimum refused, a
# legal hold and what it keeps, a dry run that changes nothing, a run, a
# second run that finds nothing, every batch under 100 ms
has ' 16. Retention, legal holds, the end of a licence, scheduled maintenance'
grep -qE '^ memberships +\| membership_end +\| 1 year +\| delete +\| licensee +\| licensee$' "$out" \
    || fail 'the UMC''s own membership policy is not in force'
has 'retention term below the minimum of category access_log'
grep -qE '^ login_attempts \| login_attempt +\| +12 \| [0-9]{4}-' "$out" || fail 'the hold report does not show the 12 login records it keeps'
grep -qE '^ login_attempts \| login_attempt \| +36 \| +0 \| +12 \| +24 \| +0 \| +0$' "$out" \
    || fail 'the dry run does not say it would delete 24 login records and keep 12 held'
grep -qE '^ dry run changed nothing *$' "$out" && awk '/^ dry run changed nothing *$/ { getline; getline; print; exit }' "$out" | grep -qE '^ t$' \
    || fail 'the dry run changed data'
for row in 'login_attempts \| login_attempt \| +36 \| +0 \| +12 \| +24 \| +24' 'web_visits +\| web_visit +\| +60 \| +0 \| +0 \| +60 \| +60' \
           'notices +\| notice +\| +8 \| +0 \| +0 \| +8 \| +8' 'memberships +\| membership +\| +1 \| +0 \| +0 \| +1 \| +1'; do
    grep -qE "^ $row \\| +0\$" "$out" || fail "the run did not remove: $row"
done
grep -qE '^ t +\| completed \| +0 \| +[0-9]+ \| t$' "$out" || fail 'no completed dry run'
grep -qE '^ f +\| completed \| +93 \| +[0-9]+ \| t$' "$out" || fail 'the run did not remove 93 rows in batches under 100 ms'
[ "$(grep -cE '^ f +\| completed \| +0 \| +[0-9]+ \| t$' "$out")" -eq 1 ] || fail 'the second run removed something'
grep -qE '^ +12 \| +12 \| +0 \| +93$' "$out" || fail 'after the runs: 12 held logins stay, no visit of 2024, 93 removals audited'
# the end of the school's licence, completed by pg_cron
has 'identity refused: the licensee holds no licence in force'
grep -qE '^ dcpf-seal-dcpf_demo_test_[0-9]+ +\| \* \* \* \* \* +\| CALL dcpf.run_seal\(\) +\| not scheduled$' "$out" \
    || fail 'schedule_maintenance does not say the seal job is to be scheduled where pg_cron runs'
for job in licence-ends seal; do
    grep -qE "^ dcpf-$job-dcpf_demo_test_[0-9]+ +\| dcpf_demo_cron \| succeeded \|" "$out" \
        || fail "pg_cron did not run the $job job as dcpf_demo_cron"
done
grep -qE '^ terminated \| [0-9-]{10} +\| t +\| [0-9-]{10}$' "$out" || fail 'the school''s licence is not terminated and handed over'
grep -qE '^ portfolio_handed_over \| L\. Wessels \| Hogeschool Twente, Academie Verpleegkunde \| 1$' "$out" \
    || fail 'Lisa is not offered an export of her handed-over portfolio'
grep -qE '^ Reflectie: eerste nachtdienst \| Ik durfde pas laat .* \| t +\| t$' "$out" \
    || fail 'Lisa does not read her handed-over reflection'
awk '/^attempt +\| De Jong opens Lisa'"'"'s reflection$/ { getline; o = $0; getline; print o " " $0; exit }' "$out" \
    | grep -qE '^outcome +\| refused sqlstate +\| P0002$' || fail 'De Jong, at the UMC, is not refused Lisa''s handed-over reflection'
awk '/^attempt +\| De Jong acts as the school'"'"'s supervisor$/ { getline; o = $0; getline; print o " " $0; exit }' "$out" \
    | grep -qE '^outcome +\| refused sqlstate +\| 28000$' || fail 'De Jong still acts as the school''s supervisor after its licence ended'

awk '/^ verified \| problem *$/ { getline; getline; print; exit }' "$out" | grep -qE '^ t +\| -$' || fail 'the seals made by the job do not verify'
before ' 15. A data breach' ' 16. Retention'

# DCPF_DEMO_KEYS=citus (test/shell/citus_keys_demo.sh): the walk above ran on
# the keys rewritten for Citus, and nothing of the plan was left to find
if [ "${DCPF_DEMO_KEYS:-}" = citus ]; then
    grep -qE '^[1-9][0-9]* statements run$' "$out" || fail 'the keys were not rewritten for Citus'
    awk '/^ findings_left *$/ { getline; getline; print; exit }' "$out" | grep -qE '^ +0$' \
        || fail 'dcpf.distribution_findings() still finds something after the keys were rewritten'
fi

# the demo is meant to take well under a minute and a half (not under
# valgrind): its last section waits for pg_cron's next minute
if [ "${DCPF_VALGRIND:-0}" != 1 ] && [ "$elapsed" -gt 100 ]; then
    fail "tools/demo took ${elapsed}s (limit 100s)"
fi

if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed; tools/demo output was:"
    cat "$out"
    exit 1
fi
echo "tools/demo ran in ${elapsed}s; all expected facts present"
