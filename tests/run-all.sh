#!/usr/bin/env bash
# run-all.sh: run every test suite (unit, libos, cli, apps, fuzz), keep their output
# visible, count their PASS/FAIL/SKIP lines and print the overall closing line
# "N passed, N failed" (", N skipped" when any) last. Exits non-zero when
# anything failed. A missing suite script counts as a failure.
set -u
cd "$(dirname "$0")/.." || exit 2

SUITES=(tests/run-unit.sh tests/run-libos.sh tests/run-cli.sh tests/run-apps.sh tests/run-fuzz.sh)
log=$(mktemp "${TMPDIR:-/tmp}/run-all.XXXXXX")
trap 'rm -f "$log"' EXIT

pass=0
fail=0
skip=0
for s in "${SUITES[@]}"; do
    echo "=== $s"
    if [ ! -f "$s" ]; then
        echo "FAIL $s (missing: the suite script does not exist)"
        fail=$((fail + 1))
        continue
    fi
    bash "$s" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    p=$(grep -c '^PASS ' "$log")
    f=$(grep -c '^FAIL ' "$log")
    k=$(grep -c '^SKIP ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $s (exited with status $rc without reporting a failed case)"
        f=1
    fi
    if [ "$rc" -eq 0 ] && [ $((p + f + k)) -eq 0 ]; then
        echo "FAIL $s (reported no cases)"
        f=1
    fi
    pass=$((pass + p))
    fail=$((fail + f))
    skip=$((skip + k))
done

line="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && line="$line, $skip skipped"
echo "$line"
[ "$fail" -eq 0 ]
