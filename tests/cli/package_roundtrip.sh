#!/usr/bin/env bash
# package_roundtrip: `occlum package` packs the signed build, Occlum.json
# and this installation's occlum and runtime, without image/, the signing
# key or run/; unpacked in another directory, its own occlum runs the
# program (occlum run, and start/exec/stop); a build changed after
# packaging is refused; a packaged instance cannot be packaged again.
source "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
add_hello
run occlum build
expect_status 0
run occlum package app.tar.gz
expect_status 0
expect_out_contains "app/occlum/bin/occlum run <path>"
tar tzf app.tar.gz >"$WORK/list" || fail "the package is not a tar.gz"
for f in app/Occlum.json app/build/occlum.sig app/build/Occlum.json.protected app/.occlum-package \
    app/occlum/bin/occlum app/occlum/lib/occlum/occlum-libos; do
    grep -qx "$f" "$WORK/list" || fail "the package lacks $f"
done
if grep -q "Occlum_sign_key.pem\|^app/image/\|^app/run/" "$WORK/list"; then
    fail "the package holds the signing key, image/ or run/"
fi
mkdir -p "$WORK/elsewhere"
tar xzf app.tar.gz -C "$WORK/elsewhere" || fail "cannot unpack"
cd "$WORK/elsewhere/app" || fail "no app/ in the package"
run ./occlum/bin/occlum run /bin/hello_world
expect_status 0
[ "$OUT" = "Hello World!" ] || fail "the unpacked instance printed '$OUT'"
run ./occlum/bin/occlum start
expect_status 0
run ./occlum/bin/occlum exec /bin/hello_world
expect_status 0
[ "$OUT" = "Hello World!" ] || fail "occlum exec in the unpacked instance printed '$OUT'"
run ./occlum/bin/occlum stop
expect_status 0
run ./occlum/bin/occlum package again.tar.gz
expect_status 1
expect_err_contains "this is a packaged instance already"
echo 0000000000000000000000000000000000000000000000000000000000000000 >build/.stamp
run ./occlum/bin/occlum run /bin/hello_world
expect_status 1
expect_err_contains "this packaged instance's build was changed after packaging"
echo ok
