#!/usr/bin/env bash
# help_output: `occlum --help` lists the commands; `occlum <cmd> --help`
# documents one; no command or an unknown one prints the usage and exits 1.
. "$(dirname "$0")/_lib.sh"
run occlum --help
expect_status 0
for c in "new <dir>" "init" "build [-f] [--sign-key <pem>]" "run [--strace[=FILE]] [--stats] <path> [args...]" "start [--image-key <file>] [--strace[=FILE]] [--stats]" "exec <path> [args...]" "stop" "status"; do
    expect_out_contains "  $c"
done
for c in new init build run start exec stop status; do
    run occlum "$c" --help
    expect_status 0
    expect_out_contains "Usage: occlum $c"
    run occlum help "$c"
    expect_status 0
    expect_out_contains "Usage: occlum $c"
done
run occlum
expect_status 1
expect_err_contains "Usage: occlum <command>"
run occlum frobnicate
expect_status 1
expect_err_contains "occlum: unknown command 'frobnicate'"
expect_err_contains "Usage: occlum <command>"
run occlum run
expect_status 1
expect_err_contains "occlum run: expected a program"
