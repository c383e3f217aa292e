#!/usr/bin/env bash
# run-cli.sh: runs every tests/cli/<name>.sh (files starting with '_' are
# helpers) and prints "PASS cli/<name>" or "FAIL cli/<name>" for each, then
# "cli: N passed, N failed". A failing test's log is shown indented below
# its line. Exits non-zero if any failed. Needs out/bin (run 'make' first).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOGS="$ROOT/tests/work/cli"
mkdir -p "$LOGS"
passed=0
failed=0
for t in "$ROOT"/tests/cli/*.sh; do
    name=$(basename "$t" .sh)
    case "$name" in _*) continue ;; esac
    log="$LOGS/$name.log"
    if timeout 300 bash "$t" >"$log" 2>&1; then
        echo "PASS cli/$name"
        passed=$((passed + 1))
    else
        echo "FAIL cli/$name"
        tail -n 25 "$log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
