# bench/pin.sh: sourced by benchmarks that pin processes to CPUs. On a
# small, noisy virtual machine two processes that wake each other up cost
# more when they share a vCPU with a third (the audit worker, another
# client), and a run's throughput moves by tens of percent from round to
# round. Pinned, the client and its backend share CPU 0 and the server's
# other processes (the audit worker among them) the last CPU: "a server with
# a core to spare". Needs the array psql (a psql command line) in the caller.
#
#   pin_init                      sets last_cpu, postmaster, can_pin (1: pinning works here)
#   pin_server CPUS               moves the postmaster and its children to CPUS (e.g. "1" or "0-1")
#   pin_backend USER              waits for the backend of USER's pgbench connection, moves it to CPU 0
#   trimmed_mean_latency N FILE...  mean latency (µs) of the fastest 99% of the
#                                 transactions of script N in pgbench -l logs
pin_init() {
    last_cpu=$(( $(nproc) - 1 ))
    postmaster=$("${psql[@]}" -At -d postgres -c "SELECT split_part(pg_read_file('postmaster.pid'), E'\n', 1)")
    can_pin=0
    if [ "$last_cpu" -ge 1 ] && command -v taskset >/dev/null && taskset -p -c "0-$last_cpu" "$postmaster" >/dev/null 2>&1; then
        can_pin=1
    fi
}
pin_server() {
    local p
    for p in "$postmaster" $(pgrep -P "$postmaster" || true); do taskset -p -c "$1" "$p" >/dev/null 2>&1 || true; done
}
pin_backend() {
    local pid i
    for i in $(seq 1 200); do
        pid=$("${psql[@]}" -At -d postgres -c "SELECT pid FROM pg_stat_activity WHERE usename = '$1' AND application_name = 'pgbench' LIMIT 1" 2>/dev/null || true)
        if [ -n "$pid" ]; then taskset -p -c 0 "$pid" >/dev/null 2>&1 || true; return; fi
        sleep 0.01
    done
}
# (a stall of the host, milliseconds now and then, lands on one run or
# another at random and would move a plain mean by a few percent)
trimmed_mean_latency() {
    local k=$1
    shift
    awk -v k="$k" '$4 == k { print $3 }' "$@" | sort -n \
        | awk '{ v[NR] = $1 } END { m = int(NR * 0.99); for (i = 1; i <= m; i++) t += v[i]; if (m > 0) printf "%.2f", t / m }'
}
