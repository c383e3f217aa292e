#!/usr/bin/env bash
# run_wrong_arch: an ELF for another machine (AArch64) exits 126 with one
# line naming it.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
add_hello
cp image/bin/hello_world image/bin/arm_prog
# e_machine is the 16-bit field at offset 18: EM_AARCH64 = 183 = 0xb7.
printf '\267\000' | dd of=image/bin/arm_prog bs=1 seek=18 conv=notrunc status=none
[ "$(od -An -tu2 -j18 -N2 image/bin/arm_prog | tr -d ' ')" = 183 ] || fail "could not patch"
occlum build >/dev/null || fail "occlum build failed"
run occlum run /bin/arm_prog
expect_status 126
expect_err_contains "/bin/arm_prog"
expect_err_lines 1
