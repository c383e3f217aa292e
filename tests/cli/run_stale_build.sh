#!/usr/bin/env bash
# run_stale_build: after Occlum.json or image/ changes, `occlum run` refuses
# the old build until `occlum build` runs again.
. "$(dirname "$0")/_lib.sh"
new_instance inst
add_hello
run occlum build
expect_status 0
echo extra >image/etc/extra
run occlum run /bin/hello_world
expect_status 1
expect_err_contains "occlum run: the build is stale (Occlum.json or image/ changed); run 'occlum build'"
expect_err_lines 1
run occlum build
expect_status 0
sed -i 's/"OCCLUM=yes"/"OCCLUM=yes", "X=1"/' Occlum.json
run occlum run /bin/hello_world
expect_status 1
expect_err_contains "the build is stale"
