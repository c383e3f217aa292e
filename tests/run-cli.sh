#!/usr/bin/env bash
# run-cli.sh: runs every tests/cli/<name>.sh (files starting with '_' are
# helpers), or only the names given as arguments (run-cli.sh mount_lock
# run_hello), and prints "PASS cli/<name>", "FAIL cli/<name>" or
# "SKIP cli/<name> (<reason>)" for each, then "cli: N passed, N failed"
# (", N skipped" when any). A failing test's log is shown indented below
# its line. A test skips by exiting with status 77 after printing
# "SKIP: <reason>" (tests/cli/_lib.sh: skip). Exits non-zero if any failed.
# Needs out/bin (run 'make' first). SUITE=apps runs tests/apps/ the same
# way (tests/run-apps.sh).
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUITE=${SUITE:-cli}
export WORK_SUITE=$SUITE
LOGS="$ROOT/tests/work/$SUITE"
mkdir -p "$LOGS"
passed=0
failed=0
skipped=0
tests=()
if [ $# -gt 0 ]; then
    for n in "$@"; do tests+=("$ROOT/tests/$SUITE/${n%.sh}.sh"); done
else
    tests=("$ROOT"/tests/"$SUITE"/*.sh)
fi
for t in "${tests[@]}"; do
    name=$(basename "$t" .sh)
    case "$name" in _*) continue ;; esac
    log="$LOGS/$name.log"
    timeout 300 bash "$t" >"$log" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "PASS $SUITE/$name"
        passed=$((passed + 1))
    elif [ "$rc" -eq 77 ]; then
        reason=$(sed -n 's/^SKIP: //p' "$log" | tail -n 1)
        echo "SKIP $SUITE/$name (${reason:-no reason given})"
        skipped=$((skipped + 1))
    else
        echo "FAIL $SUITE/$name"
        tail -n 25 "$log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
line="$SUITE: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
