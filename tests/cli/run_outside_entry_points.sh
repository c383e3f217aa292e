#!/usr/bin/env bash
# run_outside_entry_points: a program outside Occlum.json's entry_points
# (only /bin in the template) is refused with 126 and one line naming it.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
add_hello
cp image/bin/hello_world image/opt/hello_world
occlum build >/dev/null || fail "occlum build failed"
run occlum run /opt/hello_world
expect_status 126
expect_err_contains "/opt/hello_world"
expect_err_lines 1
[ -z "$OUT" ] || fail "the program ran: '$OUT'"
