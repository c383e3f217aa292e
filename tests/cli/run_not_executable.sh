#!/usr/bin/env bash
# run_not_executable: a valid ELF without execute permission exits 126 with
# one line naming it, as a shell would.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
add_hello
chmod 0644 image/bin/hello_world
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/hello_world
expect_status 126
expect_err_contains "/bin/hello_world"
expect_err_lines 1
[ -z "$OUT" ] || fail "the program ran: '$OUT'"
