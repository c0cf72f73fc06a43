# test/shell/lib/own_servers.sh: sourced by the shell tests that start
# servers of their own beside the shared one of tools/with-cluster (not run
# by itself). own_servers_setup NAME sets:
#   shared  the folder of tools/with-cluster ($DCPF_CLUSTER_DIR), whose
#           settings and key files the test's servers copy
#   bindir  the server's programs (initdb, pg_ctl, postgres)
#   runas   the prefix that runs them as the server user when root
#   work    a fresh folder /tmp/dcpf-NAME.XXXXXX for the server user alone
# or prints "not ok" and exits when there is no shared cluster.
own_servers_setup() {
    shared=${DCPF_CLUSTER_DIR:-}
    if [ -z "$shared" ] || [ ! -f "$shared/data/postgresql.conf" ]; then
        echo "not ok - DCPF_CLUSTER_DIR names no cluster (run inside tools/with-cluster)"
        exit 1
    fi
    bindir=$(pg_config --bindir 2>/dev/null || true)
    if [ ! -x "$bindir/initdb" ]; then
        bindir=/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -n 1)/bin
    fi
    work=$(mktemp -d "/tmp/dcpf-$1.XXXXXX")
    runas=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$work"
        runas=(runuser -u postgres --)
    fi
    chmod 700 "$work"
}
