#!/usr/bin/env bash
# build_bad_size: a malformed size names its field and an example.
. "$(dirname "$0")/_lib.sh"
new_instance inst
sed -i 's/"user_space_size": "300MB"/"user_space_size": "30XB"/' Occlum.json
run occlum build
expect_status 1
expect_err_contains 'occlum build: Occlum.json: resource_limits.user_space_size: "30XB" is not a size (use e.g. "300MB")'
expect_err_lines 1
