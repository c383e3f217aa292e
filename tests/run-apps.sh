#!/usr/bin/env bash
# run-apps.sh: real Debian programs packaged as a user would (occlum add or
# a BOM file) and run inside the LibOS, each tests/apps/<name>.sh asserting
# the program's real output. Prints "PASS apps/<name>" or "FAIL apps/<name>"
# per program, then "apps: N passed, N failed" and the suite's wall time.
# The programs come from `make deps`; run 'make' first.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
start=$(date +%s)
SUITE=apps bash "$ROOT/tests/run-cli.sh" "$@"
rc=$?
echo "apps: suite took $(($(date +%s) - start)) s"
exit "$rc"
