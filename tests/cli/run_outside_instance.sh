#!/usr/bin/env bash
# run_outside_instance: `occlum run` and `occlum build` outside an instance
# name the directory and the fix, and exit 1.
. "$(dirname "$0")/_lib.sh"
for cmd in "run /bin/hello_world" "build" "status"; do
    sub=${cmd%% *}
    run occlum $cmd
    expect_status 1
    expect_err_contains "occlum $sub: not an Occlum instance (no Occlum.json in $WORK); run 'occlum new <dir>' or 'occlum init' first"
    expect_err_lines 1
done
