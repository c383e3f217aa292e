#!/usr/bin/env bash
# run_not_found: a path that does not exist in the image exits 127 with one
# error line naming it.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/no_such_program
expect_status 127
expect_err_contains "/bin/no_such_program"
expect_err_lines 1
