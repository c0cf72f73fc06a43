#!/usr/bin/env bash
# test/shell/fuzz_corpus_replays.sh: every input kept in test/fuzz (each
# harness's corpus, and every input that once made a harness fail) runs
# once more through its libFuzzer harness, built with AddressSanitizer and
# UndefinedBehaviorSanitizer: no crash, leak, undefined behaviour, timeout
# or unexpected error. A defect the fuzzers found and that was fixed cannot
# come back unnoticed. (tools/fuzz --replay; fuzzing itself, for minutes per
# harness, is `make fuzz`: doc/guides/hardening.md.)
set -euo pipefail
cd "$(dirname "$0")/../.."

out=$(tools/fuzz --replay 2>&1) || { printf '%s\n' "$out"; exit 1; }
printf '%s\n' "$out"
# every harness replayed, none skipped
replayed=$(printf '%s\n' "$out" | grep -c ': ok: .*(replayed)$' || true)
if [ "$replayed" -ne 10 ]; then
    echo "expected 10 harnesses replayed, saw $replayed" >&2
    exit 1
fi
# the inputs that found defects are among those replayed
kept=$(printf '%s\n' "$out" | sed -n 's/.* and \([0-9]*\) kept failures (replayed)$/\1/p' | awk '{ s += $1 } END { print s + 0 }')
files=$(find test/fuzz/crashes -type f ! -name '*.md' | wc -l)
if [ "$kept" -ne "$files" ] || [ "$files" -lt 1 ]; then
    echo "replayed $kept kept failures, test/fuzz/crashes holds $files" >&2
    exit 1
fi
echo "ok: $replayed harnesses replayed their corpus and the $kept inputs that once failed"
