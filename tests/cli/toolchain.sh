#!/usr/bin/env bash
# toolchain: occlum-gcc gives dynamic PIEs on musl's loader (with Linux UAPI
# headers available), -static-pie gives no interpreter, occlum-g++ gives a
# glibc PIE, occlum-ld links for musl; all of them run natively.
. "$(dirname "$0")/_lib.sh"
cat >uapi.c <<'C'
#include <linux/futex.h>
#include <linux/limits.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    printf("futex %d path_max %d pid_ok %d\n", FUTEX_WAKE, PATH_MAX, syscall(SYS_getpid) > 0);
    return 0;
}
C
interp() { readelf -l "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p'; }
is_pie() { readelf -h "$1" | grep -q 'DYN (Position-Independent Executable'; }

run occlum-gcc uapi.c -o uapi
expect_status 0
is_pie uapi || fail "occlum-gcc output is not PIE"
[ "$(interp uapi)" = /lib/ld-musl-x86_64.so.1 ] || fail "interpreter is '$(interp uapi)'"
run ./uapi
expect_out_contains "futex 1 path_max 4096 pid_ok 1"

run occlum-gcc -static-pie uapi.c -o uapi_static
expect_status 0
is_pie uapi_static || fail "-static-pie output is not PIE"
[ -z "$(interp uapi_static)" ] || fail "-static-pie output has an interpreter"
run ./uapi_static
expect_out_contains "pid_ok 1"

printf '#include <iostream>\nint main() { std::cout << "hi c++" << std::endl; }\n' >h.cc
run occlum-g++ h.cc -o hcc
expect_status 0
is_pie hcc || fail "occlum-g++ output is not PIE"
[ "$(interp hcc)" = /lib64/ld-linux-x86-64.so.2 ] || fail "occlum-g++ interpreter '$(interp hcc)'"
run ./hcc
expect_out_contains "hi c++"

run occlum-gcc -c uapi.c -o uapi.o
expect_status 0
m=/usr/lib/x86_64-linux-musl
run occlum-ld $m/Scrt1.o $m/crti.o uapi.o -lc $m/crtn.o -o uapi_ld
expect_status 0
is_pie uapi_ld || fail "occlum-ld output is not PIE"
[ "$(interp uapi_ld)" = /lib/ld-musl-x86_64.so.1 ] || fail "occlum-ld interpreter"
run ./uapi_ld
expect_out_contains "pid_ok 1"
