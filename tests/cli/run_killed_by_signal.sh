#!/usr/bin/env bash
# run_killed_by_signal: an application that dies of a fault or an abort is
# said at the default log level, in one line naming the program, the
# signal and (for a fault) where, as a shell would show it; the exit
# status is the shell's 128 + signal. Without this, a crash is silent.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
cat >"$WORK/segv.c" <<'C'
int main(void) { *(volatile int *)16 = 1; return 0; }
C
cat >"$WORK/abrt.c" <<'C'
#include <stdlib.h>
int main(void) { abort(); }
C
occlum-gcc "$WORK/segv.c" -o image/bin/segv || fail "occlum-gcc failed"
occlum-gcc "$WORK/abrt.c" -o image/bin/abrt || fail "occlum-gcc failed"
occlum build >/dev/null || fail "occlum build failed"

run occlum run /bin/segv
expect_status 139
expect_err_contains "/bin/segv: killed by SIGSEGV at 0x"
expect_err_contains "fault address 0x10"
expect_err_lines 1

run occlum run /bin/abrt
expect_status 134
expect_err_contains "/bin/abrt: killed by SIGABRT"
expect_err_lines 1
