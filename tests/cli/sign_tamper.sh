#!/usr/bin/env bash
# sign_tamper: one changed byte in build/Occlum.json.protected, in
# build/occlum.sig or in the runtime binary makes `occlum run` refuse with
# its own one-line message and exit 1, before the program runs; a
# rebuild (which re-signs when only the runtime changed, and rebuilds a
# changed config rather than signing it) runs again.
. "$(dirname "$0")/_lib.sh"
. "$ROOT/tests/cli/_sign.sh"
need_runtime
private_prefix "$WORK/prefix"
OCC="$WORK/prefix/bin/occlum"
"$OCC" new inst >/dev/null || fail "occlum new failed"
cd inst || fail "no instance"
add_hello
run "$OCC" build
expect_status 0
run "$OCC" run /bin/hello_world
expect_status 0
expect_out_contains "Hello World!"

cp build/Occlum.json.protected "$WORK/cfg"
flip_byte build/Occlum.json.protected 5
run "$OCC" run /bin/hello_world
expect_status 1
expect_err_contains "build/Occlum.json.protected does not match the signed measurement; run 'occlum build'"
expect_err_lines 1
[ -z "$OUT" ] || fail "the program ran"
# `occlum build` rebuilds a changed config rather than signing it.
run "$OCC" build
expect_status 0
expect_out_contains "Built the Occlum instance"
cmp -s build/Occlum.json.protected "$WORK/cfg" || fail "the changed config was kept"

cp build/occlum.sig "$WORK/sig"
for off in 0 20 60 200 500 880; do
    flip_byte build/occlum.sig "$off"
    run "$OCC" run /bin/hello_world
    expect_status 1
    expect_err_contains "build/occlum.sig does not verify"
    expect_err_contains "run 'occlum build'"
    expect_err_lines 1
    run "$OCC" print mrsigner
    expect_status 1
    expect_err_contains "occlum print: the signature"
    cp "$WORK/sig" build/occlum.sig
done
head -c 100 "$WORK/sig" >build/occlum.sig
run "$OCC" run /bin/hello_world
expect_status 1
expect_err_contains "not 884 bytes long"
rm build/occlum.sig
run "$OCC" run /bin/hello_world
expect_status 1
expect_err_contains "build/occlum.sig is missing: the build is not signed; run 'occlum build'"
cp "$WORK/sig" build/occlum.sig

# A byte of the runtime's .comment section: the binary still works, so the
# refusal can only come from the measurement.
rt="$WORK/prefix/lib/occlum/occlum-libos"
off=$(objdump -h "$rt" | awk '$2 == ".comment" {print $6}')
[ -n "$off" ] || fail "no .comment section in the runtime"
off=$((16#$off))
flip_byte "$rt" "$off"
run "$OCC" run /bin/hello_world
expect_status 1
expect_err_contains "occlum run: the runtime binary does not match the signed measurement; run 'occlum build'"
expect_err_lines 1
run "$OCC" print mrenclave
old_mr=$OUT
run "$OCC" build
expect_status 0
expect_out_contains "re-signed"
run "$OCC" print mrenclave
[ "$OUT" != "$old_mr" ] || fail "mrenclave did not change with the runtime"
run "$OCC" run /bin/hello_world
expect_status 0
expect_out_contains "Hello World!"
