#!/usr/bin/env bash
# test/shell/audit_nodes_offline.sh: the audit trail of a cluster, a chain
# per node (doc/reference/audit.md, "A trail per node"). Citus cannot be
# installed here, so two servers of the test's own play its nodes, a
# coordinator and a worker, each with its own audit signing key and
# dcpf.audit_node; the registry dcpf.audit_node_key, a reference table on
# Citus, is written on both as Citus would copy it. Checked:
#
#   - a single server that joins as a node: its trail, sealed in format 1,
#     goes on in format 2 under its name, and verifies whole
#   - each node's seals name it and list the registered nodes and keys;
#     dcpf.audit_verify passes on each; tools/audit-verify, given every
#     node's export and key, verifies them together
#   - attacks on the exports: a node's trail left out (missing node), a
#     trail given twice (node twice), a node renamed in a statement (bad
#     signature), a key not given (bad signature), a single server's trail
#     among the nodes' (unnamed node), a key a node registered in its own
#     copy of the registry alone (key not registered)
#   - attacks on the sealer: a node sealing with a key not registered for
#     it, a node renamed, a node without a name while nodes are registered:
#     each refused (55000), nothing sealed
#   - a new key for a node, registered on every node, and a node retired:
#     the trails verify again, without the retired node's
#   - the worker's last seal recorded by the coordinator (a forged one, its
#     own and one of format 1 refused), listed in the coordinator's seals:
#     the worker's trail cut short below it is found; the end of the
#     worker's trail rewritten and sealed again with its key passes the
#     worker's own dcpf.audit_verify, is refused by the coordinator (XX001)
#     and found by tools/audit-verify
#
# The servers are made like the one of tools/with-cluster (its settings and
# key files copied from $DCPF_CLUSTER_DIR) in a folder of their own, removed
# at the end. Prints one "ok - ..." or "not ok - ..." line per check; exits
# non-zero when any check fails. Never prints a private key.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. test/shell/lib/keys_tap.sh
. test/shell/lib/own_servers.sh

own_servers_setup nodes-test
db=dcpf_nodes
declare -A port

cleanup() {
    local rc=$? n
    for n in coordinator worker-1; do
        if [ -f "$work/$n/data/postmaster.pid" ]; then
            "${runas[@]}" "$bindir/pg_ctl" -D "$work/$n/data" -m immediate -w stop >/dev/null 2>&1
        fi
        if [ $rc -ne 0 ] && [ -f "$work/$n/server.log" ]; then
            echo "# the last lines of the server log of $n:"
            tail -n 10 "$work/$n/server.log" | sed -E 's/[0-9A-Fa-f]{32,}/<hex masked>/g; s/^/#   /'
        fi
    done
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT INT TERM

# own_key FILE: a fresh Ed25519 key, the server user's only
own_key() {
    ( umask 077 && openssl genpkey -algorithm ed25519 -out "$1" 2>/dev/null ) || return 1
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$1"; fi
}

# node NAME [unnamed]: a server of its own, with the settings of
# tools/with-cluster, its own socket, port and audit signing key, and
# dcpf.audit_node = NAME (unless "unnamed": a single server, named later)
node() {
    local n=$1 d=$work/$1 name=$1
    [ "${2:-}" = unnamed ] && name=
    port[$n]=$(( 20000 + (RANDOM % 20000) ))
    mkdir -p "$d" && chmod 700 "$d"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$d"
    "${runas[@]}" "$bindir/initdb" -D "$d/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
        >"$d/initdb.log" 2>&1 || { sed 's/^/#   /' "$d/initdb.log"; return 1; }
    cp -p "$shared/platform_key.pem" "$shared/master_keys" "$d/" || return 1
    own_key "$d/audit_key.pem" || return 1
    {
        sed -n '/^# --- dcpf (tools\/with-cluster) ---$/,$p' "$shared/data/postgresql.conf"
        cat <<CONF
# --- test/shell/audit_nodes_offline.sh: node $n ---
port = ${port[$n]}
unix_socket_directories = '$d'
cron.host = '$d'
dcpf.platform_key_file = '$d/platform_key.pem'
dcpf.audit_signing_key_file = '$d/audit_key.pem'
dcpf.master_key_file = '$d/master_keys'
dcpf.audit_node = '$name'
CONF
    } >>"$d/data/postgresql.conf"
    "${runas[@]}" env ${DCPF_SERVER_LD_PRELOAD:+LD_PRELOAD="$DCPF_SERVER_LD_PRELOAD"} \
        "$bindir/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 start >/dev/null || return 1
    on_db "$n" postgres "CREATE DATABASE $db" >/dev/null && on "$n" "CREATE EXTENSION dcpf CASCADE" >/dev/null
}
unset PGSERVICE PGPASSWORD PGOPTIONS
psql=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off -At -U postgres)
# on NAME SQL: a statement on that node (errors, scrubbed, in $work/err)
on_db() { "${psql[@]}" -h "$work/$1" -p "${port[$1]}" -d "$2" -c "$3" 2>"$work/err"; }
on() { on_db "$1" "$db" "$2"; }
# expect DESC NODE SQL WANTED
expect() {
    local got
    got=$(on "$2" "$3")
    if [ "$got" = "$4" ]; then ok "$1"; else notok "$1"; echo "#   wanted: $4"; echo "#   got: $got"; scrub "$work/err"; fi
}
# refused DESC NODE SQL SQLSTATE PATTERN: the statement fails with that
# SQLSTATE and a message matching PATTERN
refused() {
    local out
    out=$("${psql[@]}" -h "$work/$2" -p "${port[$2]}" -d "$db" -v VERBOSITY=verbose -c "$3" 2>&1)
    if [ $? -ne 0 ] && grep -q "ERROR:  $4:" <<<"$out" && grep -Eq -- "$5" <<<"$out"; then
        ok "$1"
    else
        notok "$1"; echo "#   wanted: $4 matching $5"; sed -E 's/[0-9A-Fa-f]{32,}/<hex masked>/g; s/^/#   /' <<<"$out" | head -n 6
    fi
}
# reload NAME SETTING VALUE: ALTER SYSTEM on that node, then reload; waits
# until a new session sees it
reload() {
    local _
    on_db "$1" postgres "ALTER SYSTEM SET $2 = '$3'" && on_db "$1" postgres "SELECT pg_reload_conf()" >/dev/null
    for _ in $(seq 1 100); do
        [ "$(on_db "$1" postgres "SHOW $2")" = "$3" ] && return 0
        sleep 0.1
    done
    return 1
}
export_trail() { on "$1" "SELECT * FROM dcpf.audit_export(now() - interval '1 hour', now() + interval '1 hour')" >"$2"; }
# offline WANTED_EXIT DESC ARGS...: tools/audit-verify exits so; its output
# in $work/offline.out
offline() {
    local want=$1 desc=$2 rc
    shift 2
    tools/audit-verify "$@" >"$work/offline.out" 2>&1
    rc=$?
    if [ $rc -eq "$want" ]; then ok "$desc"; else notok "$desc (exit $rc)"; scrub "$work/offline.out"; fi
}
# says DESC PATTERN: the last run of tools/audit-verify printed PATTERN
says() { if grep -Eq -- "$2" "$work/offline.out"; then ok "$1"; else notok "$1"; scrub "$work/offline.out"; fi; }
seals() { on "$1" "SELECT count(*) FROM dcpf.audit_seal"; }

check "two servers play a coordinator and a worker, each with dcpf" node coordinator
[ "$failures" -eq 0 ] || exit 1
check "(the worker, a single server until it joins)" node worker-1 unnamed
[ "$failures" -eq 0 ] || exit 1
# a single server that becomes a node: its trail goes on under its name
# passing NODE: something for that node to seal, two events: a node
# registered and retired at once, with a fresh key of no one's
passing() {
    openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout >"$work/passing.pem"
    on "$1" "SELECT dcpf.audit_register_node('passing', \$k\$$(cat "$work/passing.pem")\$k\$); SELECT dcpf.audit_retire_node('passing')" >/dev/null
}
passing worker-1
expect "the worker seals as a single server (format 1)" worker-1 \
    "SELECT seal_no IS NOT NULL AND (SELECT count(*) FROM dcpf.audit_seal) = 0 FROM dcpf.audit_seal()" t
expect "(its first seal has no node)" worker-1 \
    "SELECT concat_ws(' ', statement::jsonb ->> 'v', coalesce(statement::jsonb ->> 'node', 'none')) FROM dcpf.audit_seal ORDER BY seal_no LIMIT 1" "1 none"
check "the worker joins the cluster: dcpf.audit_node set (reload)" reload worker-1 dcpf.audit_node worker-1
for n in coordinator worker-1; do on "$n" "SELECT dcpf.audit_public_key()" >"$work/$n.pem"; done
fp_c=$(on coordinator "SELECT dcpf.audit_key_fingerprint(dcpf.audit_public_key())")
fp_w=$(on worker-1 "SELECT dcpf.audit_key_fingerprint(dcpf.audit_public_key())")

# --- the registry, as Citus would copy it to every node --------------------
register_everywhere() {
    local n
    for n in coordinator worker-1; do
        on "$n" "SELECT dcpf.audit_register_node('$1', \$k\$$(cat "$2")\$k\$)" >/dev/null || return 1
    done
}
check "both nodes' keys are registered on both nodes" \
    eval 'register_everywhere coordinator "$work/coordinator.pem" && register_everywhere worker-1 "$work/worker-1.pem"'
for n in coordinator worker-1; do
    expect "$n seals" "$n" "SELECT seal_no IS NOT NULL FROM dcpf.audit_seal()" t
done
nodes_json="[[\"coordinator\", \"$fp_c\"], [\"worker-1\", \"$fp_w\"]]"
for n in coordinator worker-1; do
    expect "$n's seal names it (format 2) and lists both nodes with their keys" "$n" \
        "SELECT concat_ws(' ', statement::jsonb ->> 'v', statement::jsonb ->> 'node', statement::jsonb -> 'nodes', key_fingerprint = dcpf.audit_key_fingerprint(dcpf.audit_public_key()))
           FROM dcpf.audit_seal ORDER BY seal_no DESC LIMIT 1" \
        "2 $n $nodes_json t"
    expect "dcpf.audit_verify passes on $n" "$n" \
        "SELECT verified, problem IS NULL FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour')" "t|t"
done

# --- offline, the trails together ------------------------------------------
export_trail coordinator "$work/c.txt"
export_trail worker-1 "$work/w.txt"
offline 0 "tools/audit-verify verifies both trails with both keys" \
    --key "$work/coordinator.pem" --key "$work/worker-1.pem" "$work/c.txt" "$work/w.txt"
says "it names each node and the whole" '^verified: 2 node\(s\), [0-9]+ seals, [0-9]+ events$'
says "(the worker's line)" '^node worker-1: [0-9]+ seals, [0-9]+ events$'

offline 1 "attack: the worker's trail left out is found" \
    --key "$work/coordinator.pem" --key "$work/worker-1.pem" "$work/c.txt"
says "(as a missing node)" '^NOT VERIFIED: missing node$'
says "(named)" '^Node "worker-1" is registered \(seal [0-9]+ of node "(coordinator|worker-1)"'
offline 1 "attack: the coordinator's trail given twice (for the worker's) is found" \
    --key "$work/coordinator.pem" --key "$work/worker-1.pem" "$work/c.txt" "$work/c.txt"
says "(as a node twice)" '^NOT VERIFIED: node twice$'
sed 's/"node":"worker-1"/"node":"coordinator"/' "$work/w.txt" >"$work/w-renamed.txt"
offline 1 "attack: the worker's trail renamed to the coordinator is found" \
    --key "$work/coordinator.pem" --key "$work/worker-1.pem" "$work/w-renamed.txt"
says "(as a bad signature, at its first named seal)" '^NOT VERIFIED: bad signature \(seal 2\)$'
offline 1 "attack: without the worker's key its trail does not verify" \
    --key "$work/coordinator.pem" "$work/c.txt" "$work/w.txt"
says "(a bad signature, naming the key not given)" "is not signed by a key given \\($fp_w\\)"
# a single server's trail (the shared cluster's, no dcpf.audit_node) among them
"${psql[@]}" -d postgres -c "CREATE DATABASE dcpf_nodes_single" >/dev/null 2>&1
PGDATABASE=dcpf_nodes_single "${psql[@]}" -c "CREATE EXTENSION dcpf CASCADE" -c "SELECT dcpf.audit_seal()" >/dev/null 2>"$work/err"
PGDATABASE=dcpf_nodes_single "${psql[@]}" -c "SELECT * FROM dcpf.audit_export(now() - interval '1 hour', now() + interval '1 hour')" >"$work/single.txt" 2>>"$work/err"
PGDATABASE=dcpf_nodes_single "${psql[@]}" -c "SELECT dcpf.audit_public_key()" >"$work/single.pem" 2>>"$work/err"
"${psql[@]}" -d postgres -c "DROP DATABASE dcpf_nodes_single" >/dev/null 2>&1
offline 0 "a single server's trail verifies alone, as before" --key "$work/single.pem" "$work/single.txt"
says "(one line, as before)" '^verified: [0-9]+ seals, [0-9]+ events$'
offline 1 "attack: a single server's trail among the nodes' is found" \
    --key "$work/coordinator.pem" --key "$work/worker-1.pem" --key "$work/single.pem" "$work/c.txt" "$work/w.txt" "$work/single.txt"
says "(as an unnamed node)" '^NOT VERIFIED: unnamed node$'

# --- the sealer ------------------------------------------------------------
before=$(seals worker-1)
own_key "$work/worker-1/audit_key_2.pem"
check "the worker gets a new key (reload)" reload worker-1 dcpf.audit_signing_key_file "$work/worker-1/audit_key_2.pem"
refused "attack: the worker seals with a key not registered for it: refused" worker-1 \
    "SELECT dcpf.audit_seal()" 55000 'the audit signing key of node "worker-1" is not registered'
check "reload, rename the worker" reload worker-1 dcpf.audit_node worker-2
refused "attack: the worker renamed: refused" worker-1 \
    "SELECT dcpf.audit_seal()" 55000 'the audit trail of this database is sealed as node "worker-1"'
check "reload, the worker without a name" reload worker-1 dcpf.audit_node ''
refused "attack: the worker without a name: refused" worker-1 \
    "SELECT dcpf.audit_seal()" 55000 'the audit trail of this database is sealed as node "worker-1"'
check "reload, the worker named again" reload worker-1 dcpf.audit_node worker-1
expect "none of those sealed anything" worker-1 "SELECT count(*) FROM dcpf.audit_seal" "$before"

# the new key in the worker's own copy of the registry only: its seals list
# it, the coordinator's do not
on worker-1 "SELECT dcpf.audit_public_key()" >"$work/worker-1.new.pem"
on worker-1 "SELECT dcpf.audit_register_node('worker-1', \$k\$$(cat "$work/worker-1.new.pem")\$k\$)" >/dev/null
expect "registered in its own copy, the worker seals with the new key" worker-1 \
    "SELECT seal_no IS NOT NULL FROM dcpf.audit_seal()" t
expect "the coordinator seals" coordinator "SELECT seal_no IS NOT NULL FROM dcpf.audit_seal()" t
export_trail coordinator "$work/c2.txt"
export_trail worker-1 "$work/w2.txt"
offline 1 "attack: a key only the node itself listed is found" \
    --key "$work/coordinator.pem" --key "$work/worker-1.pem" --key "$work/worker-1.new.pem" "$work/c2.txt" "$work/w2.txt"
says "(as a key not registered)" '^NOT VERIFIED: key not registered$'

# the new key registered on the coordinator too: the trails verify
on coordinator "SELECT dcpf.audit_register_node('worker-1', \$k\$$(cat "$work/worker-1.new.pem")\$k\$)" >/dev/null
expect "a new key for a node retires its old one" coordinator \
    "SELECT string_agg(format('%s %s', node_name, retired_at IS NULL), ',' ORDER BY node_name, retired_at IS NULL) FROM dcpf.audit_node_key" \
    "coordinator t,worker-1 f,worker-1 t"
expect "the coordinator seals, listing the new key" coordinator \
    "SELECT seal_no IS NOT NULL FROM dcpf.audit_seal()" t
export_trail coordinator "$work/c3.txt"
offline 0 "with the new key registered by the coordinator, both trails verify (old and new key)" \
    --key "$work/coordinator.pem" --key "$work/worker-1.pem" --key "$work/worker-1.new.pem" "$work/c3.txt" "$work/w2.txt"

# the worker leaves: retired, the coordinator's trail verifies alone
on coordinator "SELECT dcpf.audit_retire_node('worker-1')" >/dev/null
expect "the coordinator seals" coordinator "SELECT seal_no IS NOT NULL FROM dcpf.audit_seal()" t
expect "its seal lists the nodes without the retired one" coordinator \
    "SELECT statement::jsonb -> 'nodes' FROM dcpf.audit_seal ORDER BY seal_no DESC LIMIT 1" "[[\"coordinator\", \"$fp_c\"]]"
export_trail coordinator "$work/c4.txt"
offline 0 "after the worker retired, the coordinator's trail verifies alone" --key "$work/coordinator.pem" "$work/c4.txt"
says "(one node)" '^verified: 1 node\(s\), '
offline 0 "and the retired worker's trail may still be given with it" \
    --key "$work/coordinator.pem" --key "$work/worker-1.pem" --key "$work/worker-1.new.pem" "$work/c4.txt" "$work/w2.txt"

# --- the other nodes' seals, recorded: a trail rewritten or cut short -----
passing worker-1
expect "the worker seals again" worker-1 "SELECT seal_no IS NOT NULL FROM dcpf.audit_seal()" t
last_w=$(on worker-1 "SELECT max(seal_no) FROM dcpf.audit_seal")
head=$(on worker-1 "SELECT dcpf.audit_last_seal()")
expect "the coordinator records the worker's last seal" coordinator \
    "SELECT format('%s %s', node_name, seal_no) FROM dcpf.audit_record_node_head(\$s\$$head\$s\$)" "worker-1 $last_w"
expect "the same seal again changes nothing" coordinator \
    "SELECT count(*) FROM dcpf.audit_record_node_head(\$s\$$head\$s\$) h WHERE h.recorded_at < now()" 1
refused "attack: a recorded seal changed (a count raised) is refused" coordinator \
    "SELECT dcpf.audit_record_node_head(\$s\$$(sed 's/"range_events":/"range_events":1/' <<<"$head")\$s\$)" 22023 \
    'the seal is not signed by the key of audit node "worker-1"'
refused "a node does not record its own seal" coordinator \
    "SELECT dcpf.audit_record_node_head(dcpf.audit_last_seal())" 22023 'a node records the seals of other nodes'
refused "a seal of a single server (format 1) is not recorded" coordinator \
    "SELECT dcpf.audit_record_node_head(\$s\$$(on worker-1 "SELECT encode(signature, 'hex') || ' ' || statement FROM dcpf.audit_seal WHERE seal_no = 1")\$s\$)" \
    22023 'not the seal of a node of a cluster'
passing coordinator
expect "the coordinator seals" coordinator "SELECT seal_no IS NOT NULL FROM dcpf.audit_seal()" t
expect "its seal lists the worker's recorded seal (heads)" coordinator \
    "SELECT (statement::jsonb -> 'heads') = jsonb_build_array(jsonb_build_array('worker-1', $last_w, '$(on worker-1 "SELECT statement::jsonb ->> 'chain' FROM dcpf.audit_seal WHERE seal_no = $last_w")'))
       FROM dcpf.audit_seal ORDER BY seal_no DESC LIMIT 1" t
export_trail coordinator "$work/c5.txt"
export_trail worker-1 "$work/w5.txt"
keys=(--key "$work/coordinator.pem" --key "$work/worker-1.pem" --key "$work/worker-1.new.pem")
offline 0 "the trails verify with the worker's seal recorded by the coordinator" "${keys[@]}" "$work/c5.txt" "$work/w5.txt"
# the worker's trail without its last seal and the events it covered
awk -v n="$(grep -c '^S ' "$work/w5.txt")" '/^S / { s++ } { buf = buf $0 "\n" } /^S / && s < n { printf "%s", buf; buf = "" }' \
    "$work/w5.txt" >"$work/w5-cut.txt"
offline 1 "attack: the worker's trail cut short below the seal the coordinator recorded is found" \
    "${keys[@]}" "$work/c5.txt" "$work/w5-cut.txt"
says "(as a trail cut short)" '^NOT VERIFIED: trail cut short$'
# a superuser on the worker, with its key, rewrites the end of its trail:
# the last event its last seal covered and that seal deleted (triggers
# off), sealed again
on worker-1 "SET session_replication_role = replica;
             DELETE FROM dcpf.audit_event WHERE id = (SELECT max(e.id) FROM dcpf.audit_event e
                 WHERE e.id <= (SELECT (s.statement::jsonb ->> 'high_id')::bigint FROM dcpf.audit_seal s WHERE s.seal_no = $last_w));
             DELETE FROM dcpf.audit_seal WHERE seal_no = $last_w" >/dev/null
expect "attack: the worker's rewritten trail is sealed again under the same number" worker-1 \
    "SELECT seal_no FROM dcpf.audit_seal()" "$last_w"
refused "the coordinator refuses the second seal of that number (XX001)" coordinator \
    "SELECT dcpf.audit_record_node_head(\$s\$$(on worker-1 "SELECT dcpf.audit_last_seal()")\$s\$)" XX001 \
    "audit node \"worker-1\" signed two different seals numbered $last_w"
export_trail worker-1 "$work/w6.txt"
expect "(on the worker itself the rewritten trail verifies: dcpf.audit_verify)" worker-1 \
    "SELECT verified FROM dcpf.audit_verify((SELECT sealed_at FROM dcpf.audit_seal WHERE seal_no = $last_w), now() + interval '1 hour')" t
offline 1 "attack: with the coordinator's trail, the rewrite is found" "${keys[@]}" "$work/c5.txt" "$work/w6.txt"
says "(as a trail rewritten)" "^NOT VERIFIED: trail rewritten \\(seal $last_w\\)$"

echo "1..$checks"
[ "$failures" -eq 0 ]
