#!/usr/bin/env bash
# run_before_build: `occlum run` in an instance that was never built says so.
. "$(dirname "$0")/_lib.sh"
new_instance inst
add_hello
run occlum run /bin/hello_world
expect_status 1
expect_err_contains "occlum run: the instance is not built; run 'occlum build' first"
expect_err_lines 1
