#!/usr/bin/env bash
# build_missing_field: a required field missing from Occlum.json is named.
. "$(dirname "$0")/_lib.sh"
new_instance inst
sed -i '/"default_heap_size"/d' Occlum.json
run occlum build
expect_status 1
expect_err_contains 'occlum build: Occlum.json: missing required field "process.default_heap_size"'
expect_err_lines 1
[ ! -e build ] || fail "build/ was created by a failed build"
