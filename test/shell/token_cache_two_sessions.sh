#!/usr/bin/env bash
# test/shell/token_cache_two_sessions.sh: a token cached by one backend is
# refused there as soon as another session commits a change that makes it
# invalid: a retired key, a removed identity link, an ended membership, a
# deactivated person, a new agreement version for the role; and as soon as
# the clock passes the end of the membership the token's identity uses.
#
# Session A is one psql process (one backend) for the whole script; session B
# is a second psql started from inside A with \! between A's statements, so
# B's commit happens while A's backend keeps its token cache. That the cache
# was in use is shown by A's second authenticate of the same token writing no
# authentication_event (only a full verification records one); that it was
# emptied is shown by the third attempt being refused with the reason the
# change implies. A control token, untouched by B, stays accepted.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

db=dcpf_cache_test_$$
work=$(mktemp -d /tmp/dcpf-cache-test.XXXXXX)
psql=(psql -X -q --pset=pager=off)
cleanup() {
    "${psql[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
die() { echo "FAIL: $*"; exit 1; }

"${psql[@]}" -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$db\"" >/dev/null || die "cannot create a database"
"${psql[@]}" -v ON_ERROR_STOP=1 -d "$db" >"$work/setup.out" 2>&1 <<'SQL' || { cat "$work/setup.out"; die "setup failed"; }
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000b001', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
VALUES ('00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-00000000b001', '2020-01-01');
-- seven professionals: one per case below, one as a control
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT ('00000000-0000-4000-8000-00000000010' || i)::uuid, 'trainee' || i || '@example.nl', 'Jansen', 'T.'
  FROM generate_series(1, 7) i;
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
SELECT ('00000000-0000-4000-8000-00000000020' || i)::uuid, ('00000000-0000-4000-8000-00000000010' || i)::uuid,
       '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'
  FROM generate_series(1, 7) i;
INSERT INTO dcpf.role_agreement (id, product_id, role_code, version, title, body, effective_from)
VALUES ('00000000-0000-4000-8000-00000000e001', '00000000-0000-4000-8000-00000000b001', 'professional', 1,
        'EURA professional', 'Ik accepteer de rolgebonden rechten van de professional.', '2024-01-01');
SELECT dcpf.accept_role_agreement(('00000000-0000-4000-8000-00000000010' || i)::uuid, '00000000-0000-4000-8000-00000000e001')
  FROM generate_series(1, 7) i;
-- test-only keys: two EC P-256 keys of one issuer (never use outside tests)
SELECT dcpf.register_issuer('https://sso.umc.example', '{"keys": [
  {"kty":"EC","kid":"key-a","crv":"P-256","x":"pD1ZIRsBmrjym9WsM601kFW0zg_5b4g98anDoDOAH_U","y":"mxCZts_Gji1fyUNKiF5mlaW_kEQA3hkr9UEJ6vNi1EQ"},
  {"kty":"oct","kid":"key-b","alg":"HS256","k":"dGVzdC1vbmx5LWhtYWMta2V5LWZvci1kY3BmLXRlc3RzIQ"}]}', '{dcpf}');
SELECT dcpf.link_identity(('00000000-0000-4000-8000-00000000010' || i)::uuid, 'https://sso.umc.example', 'sub-' || i)
  FROM generate_series(1, 7) i;
SQL

b="psql -X -q -v ON_ERROR_STOP=1 -d $db"
cat >"$work/session_a.sql" <<SQL
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\set key_a '{"kty":"EC","kid":"key-a","crv":"P-256","x":"pD1ZIRsBmrjym9WsM601kFW0zg_5b4g98anDoDOAH_U","y":"mxCZts_Gji1fyUNKiF5mlaW_kEQA3hkr9UEJ6vNi1EQ","d":"6yYXJot7D7OnCViKBUiB9duFvI188Mp_EQUTE99q-SQ"}'
\set key_b '{"kty":"oct","kid":"key-b","alg":"HS256","k":"dGVzdC1vbmx5LWhtYWMta2V5LWZvci1kY3BmLXRlc3RzIQ"}'
CREATE FUNCTION pg_temp.token(n int, jwk jsonb, alg text) RETURNS text LANGUAGE sql VOLATILE
RETURN dcpf.jws_sign(jsonb_build_object('iss', 'https://sso.umc.example', 'sub', 'sub-' || n, 'aud', 'dcpf',
                     'iat', floor(extract(epoch FROM now())), 'exp', floor(extract(epoch FROM now())) + 300,
                     'dcpf_licensee', '00000000-0000-4000-8000-00000000a001', 'dcpf_role', 'professional'), jwk, alg);
-- one attempt: 'accepted events=N' (N = authentication events recorded so far), or the refusal
CREATE FUNCTION pg_temp.attempt(tok text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
    PERFORM dcpf.authenticate(tok);
    RETURN 'accepted events=' || (SELECT count(*) FROM dcpf.authentication_event);
EXCEPTION WHEN OTHERS THEN
    RETURN 'refused ' || SQLSTATE || ': ' || SQLERRM;
END
\$\$;
SELECT pg_temp.token(1, :'key_a', 'ES256') AS t1, pg_temp.token(2, :'key_b', 'HS256') AS t2,
       pg_temp.token(3, :'key_b', 'HS256') AS t3, pg_temp.token(4, :'key_b', 'HS256') AS t4,
       pg_temp.token(5, :'key_b', 'HS256') AS t5, pg_temp.token(6, :'key_b', 'HS256') AS t6,
       pg_temp.token(7, :'key_b', 'HS256') AS t7 \gset
\pset tuples_only on
\pset format unaligned
SELECT 'backend ' || pg_backend_pid();
SELECT 'control first: ' || pg_temp.attempt(:'t6');
SQL
# one case: the token is accepted and verified, accepted again from the cache,
# session B commits the change, the token is tried once more
attempts() { # label token [psql arguments for session B]
    local label=$1 tok=$2
    shift 2
    printf "SELECT '%s first: ' || pg_temp.attempt(:'%s');\n" "$label" "$tok"
    printf "SELECT '%s cached: ' || pg_temp.attempt(:'%s');\n" "$label" "$tok"
    if [ $# -gt 0 ]; then printf '\\! %s' "$b"; printf ' %q' "$@"; printf '\n'; fi
}
after() { printf "SELECT '%s after: ' || pg_temp.attempt(:'%s');\n" "$1" "$2"; }
{
    attempts 'retired key' t1 -c "SELECT dcpf.retire_issuer_key('https://sso.umc.example', 'key-a')"
    after 'retired key' t1
    attempts unlinked t2 -c "DELETE FROM dcpf.identity_link WHERE subject = 'sub-2'"
    after unlinked t2
    attempts membership t3 -c "UPDATE dcpf.membership SET valid_until = now() WHERE id = '00000000-0000-4000-8000-000000000203'"
    after membership t3
    attempts deactivated t4 \
        -c "UPDATE dcpf.person SET status = 'deactivated', deactivated_at = now() WHERE id = '00000000-0000-4000-8000-000000000104'"
    after deactivated t4
    after control t6
    # (arguments for session B stay on one line: \! hands them to sh)
    attempts agreement t5 -c "INSERT INTO dcpf.role_agreement (id, product_id, role_code, version, title, body, effective_from) $(
        )VALUES ('00000000-0000-4000-8000-00000000e002', '00000000-0000-4000-8000-00000000b001', 'professional', 2, $(
        )'EURA professional', 'Versie 2 van de rolgebonden rechten van de professional.', now() - interval '1 minute')"
    after agreement t5
    # no row changes, only the clock: the membership in use ends in 2 seconds
    printf '\\! %s' "$b"
    printf ' %q' -c "SELECT dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000107', '00000000-0000-4000-8000-00000000e002')" \
        -c "UPDATE dcpf.membership SET valid_until = clock_timestamp() + interval '2 seconds' WHERE id = '00000000-0000-4000-8000-000000000207'"
    printf '\n'
    attempts clock t7
    echo "SELECT pg_sleep(2.5);"
    after clock t7
    echo "SELECT 'backend ' || pg_backend_pid();"
} >>"$work/session_a.sql"
"${psql[@]}" -d "$db" -f "$work/session_a.sql" >"$work/a.out" 2>&1 || { cat "$work/a.out"; die "session A failed"; }

fails=0
expect() { # label pattern
    local line
    line=$(grep -m1 "^$1: " "$work/a.out")
    if printf '%s\n' "$line" | grep -Eq -- "^$1: $2\$"; then
        echo "ok: $line"
    else
        echo "FAIL: $1: expected /$2/, got: ${line:-nothing}"; fails=$((fails + 1))
    fi
}
# one backend throughout: the two pid lines are equal
[ "$(grep -c '^backend ' "$work/a.out")" = 2 ] && [ "$(grep '^backend ' "$work/a.out" | sort -u | wc -l)" = 1 ] \
    || { cat "$work/a.out"; die "session A did not stay in one backend"; }
expect 'control first' 'accepted events=1'
expect 'retired key first' 'accepted events=2'
expect 'retired key cached' 'accepted events=2'
expect 'retired key after' 'refused 28000: token refused: unknown_kid'
expect 'unlinked first' 'accepted events=3'
expect 'unlinked cached' 'accepted events=3'
expect 'unlinked after' 'refused 28000: token refused: unknown_subject'
expect 'membership first' 'accepted events=4'
expect 'membership cached' 'accepted events=4'
expect 'membership after' 'refused 28000: identity refused: no current membership in role "professional"'
expect 'deactivated first' 'accepted events=5'
expect 'deactivated cached' 'accepted events=5'
expect 'deactivated after' 'refused 28000: identity refused: account deactivated'
# the control token is untouched by all of it: accepted, verified afresh (every
# invalidation empties the whole cache)
expect 'control after' 'accepted events=6'
expect 'agreement first' 'accepted events=7'
expect 'agreement cached' 'accepted events=7'
expect 'agreement after' 'refused 42501: role "professional" requires accepting its End User Role Agreement'
# the cache would keep it for dcpf.token_cache_seconds (30); the gate's end caps it
expect 'clock first' 'accepted events=8'
expect 'clock cached' 'accepted events=8'
expect 'clock after' 'refused 28000: identity refused: no current membership in role "professional"'
[ $fails -eq 0 ] || { echo "--- session A output:"; cat "$work/a.out"; exit 1; }
echo "token cache invalidation across sessions: all cases hold"
