#!/usr/bin/env bash
# build_incremental: an unchanged instance is not rebuilt; -f forces it; the
# build holds the image copy, the config and the writable layer directory.
. "$(dirname "$0")/_lib.sh"
new_instance inst
add_hello
ln -s hello_world image/bin/hello_link
chmod 0750 image/opt
run occlum build
expect_status 0
expect_out_contains "Built the Occlum instance in $WORK/inst/build"
[ -x build/mount/__ROOT/bin/hello_world ] || fail "image not copied"
[ "$(readlink build/mount/__ROOT/bin/hello_link)" = hello_world ] || fail "symlink not kept"
[ "$(stat -c %a build/mount/__ROOT/opt)" = 750 ] || fail "directory mode not kept"
[ "$(readlink build/mount/__ROOT/lib/libc.so)" = ld-musl-x86_64.so.1 ] || fail "libc.so link"
cmp -s build/Occlum.json.protected Occlum.json || fail "build/Occlum.json.protected differs"
[ -d run/mount/__ROOT ] || fail "run/mount/__ROOT missing"
echo data >run/mount/__ROOT/kept
run occlum build
expect_status 0
expect_out_contains "occlum build: up to date"
run occlum build -f
expect_status 0
expect_out_contains "Built the Occlum instance"
[ -f run/mount/__ROOT/kept ] || fail "the writable layer was wiped by a rebuild"
run occlum build --bogus
expect_status 1
expect_err_contains "unknown option '--bogus'"
