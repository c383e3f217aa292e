#!/usr/bin/env bash
# new_nonempty_dir: `occlum new` refuses a non-empty directory and leaves it
# alone; `occlum init` refuses an existing instance.
. "$(dirname "$0")/_lib.sh"
mkdir full && echo keep >full/file
run occlum new full
expect_status 1
expect_err_contains "occlum new: full already exists and is not empty; choose another directory"
expect_err_lines 1
[ "$(ls -A full)" = "file" ] || fail "occlum new touched the non-empty directory"
mkdir empty
run occlum new empty
expect_status 0
[ -f empty/Occlum.json ] || fail "occlum new did not fill an empty directory"
cd empty || fail "cd empty"
run occlum init
expect_status 1
expect_err_contains "occlum init: Occlum.json already exists in $WORK/empty"
