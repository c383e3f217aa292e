#!/usr/bin/env bash
# run_empty_file: an empty executable file exits 126 with one line naming it.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
: >image/bin/empty
chmod 0755 image/bin/empty
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/empty
expect_status 126
expect_err_contains "/bin/empty"
expect_err_lines 1
