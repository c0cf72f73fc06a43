#!/usr/bin/env bash
# test/shell/citus_keys_demo.sh: the demo's whole walk (tools/demo, checked
# fact by fact by demo_runs.sh) on the keys of the person group as Citus
# needs them. dcpf.citus_key_commands() appends the owner to every key and
# foreign key of the group right after CREATE EXTENSION; every row the walk
# then writes (items, assessments, shares, conversations, exports, an
# erasure, retention, a licence's end) must point only at rows of the same
# person, and every function must work without the one-column keys. Also
# checks that dcpf.distribution_findings() finds nothing afterwards.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
DCPF_DEMO_KEYS=citus exec test/shell/demo_runs.sh
