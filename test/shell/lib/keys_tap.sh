# test/shell/lib/keys_tap.sh: sourced by the shell tests that handle keys
# (not run by itself: tools/run-tests runs test/shell/*.sh only). One
# "ok - ..." or "not ok - ..." line per check, counted in $checks and
# $failures; nothing shown may reveal a key.

failures=0
checks=0
ok() { checks=$((checks + 1)); echo "ok - $*"; }
notok() { checks=$((checks + 1)); failures=$((failures + 1)); echo "not ok - $*"; }
# a shown output never shows a key: 32 or more hex digits in a row are masked
scrub() { sed -E 's/[0-9A-Fa-f]{32,}/<hex masked>/g' "$1" | sed 's/^/#   /' | head -n "${2:-8}"; }
# check DESC COMMAND...: ok when the command succeeds
check() { local desc=$1; shift; if "$@"; then ok "$desc"; else notok "$desc"; fi; }

# no_key_in DESC KEYS FILE...: ok when none of the keys (one per line in the
# file KEYS) appears, in any case, in the files
no_key_in() {
    local desc=$1 keys=$2 k leaks=0
    shift 2
    while read -r k; do
        [ -n "$k" ] || continue
        if grep -qi -- "$k" "$@"; then leaks=$((leaks + 1)); fi
    done <"$keys"
    check "$desc" test "$leaks" -eq 0
}

# no_key_leaked KEYS FILE...: no key in the test's outputs, nor in the
# server log of tools/with-cluster when there is one
no_key_leaked() {
    local keys=$1
    shift
    no_key_in "no key appears in any output of the statements run" "$keys" "$@"
    if [ -n "${DCPF_CLUSTER_DIR:-}" ] && [ -f "$DCPF_CLUSTER_DIR/server.log" ]; then
        no_key_in "no key appears in the server log" "$keys" "$DCPF_CLUSTER_DIR/server.log"
    fi
}
