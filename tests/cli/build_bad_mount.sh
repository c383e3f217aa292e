#!/usr/bin/env bash
# build_bad_mount: an unknown mount type and a relative mount target are
# rejected with the mount's JSON path.
. "$(dirname "$0")/_lib.sh"
new_instance inst
cp Occlum.json Occlum.json.orig
sed -i 's/"type": "ramfs"/"type": "tmpfs"/' Occlum.json
run occlum build
expect_status 1
expect_err_contains 'mount[4].type: "tmpfs" is not a mount type (use one of sefs, unionfs, hostfs, ramfs, devfs, procfs)'
cp Occlum.json.orig Occlum.json
sed -i 's|"target": "/tmp"|"target": "tmp"|' Occlum.json
run occlum build
expect_status 1
expect_err_contains 'mount[4].target: "tmp" is not an absolute path'
