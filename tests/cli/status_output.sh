#!/usr/bin/env bash
# status_output: `occlum status` reports built / up to date / file count /
# user_space_size as the instance changes.
. "$(dirname "$0")/_lib.sh"
new_instance inst
run occlum status
expect_status 0
expect_out_contains "instance:        $WORK/inst"
expect_out_contains "built:           no"
expect_out_contains "user_space_size: 300MB (314572800 bytes)"
n=$(find image ! -type d | wc -l)
expect_out_contains "image files:     $n"
occlum build >/dev/null || fail "occlum build failed"
run occlum status
expect_out_contains "built:           yes"
expect_out_contains "up to date:      yes"
touch image/bin/new_file
run occlum status
expect_out_contains "up to date:      no"
