#!/usr/bin/env bash
# run_unsupported_syscall: a system call the LibOS does not implement gets
# ENOSYS and one warning, the first time, with its name and number (names
# come from the kernel's whole x86-64 list, not only the calls the LibOS
# knows) and the reason it is not implemented (list_enosys.h); a number
# that is no x86-64 system call is said to be none.
. "$(dirname "$0")/_lib.sh"
need_runtime
new_instance inst
cat >"$WORK/nosys.c" <<'EOF'
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
    for (int i = 0; i < 2; i++) {
        errno = 0;
        if (syscall(SYS_kcmp, 0, 0, 0, 0, 0) != -1 || errno != ENOSYS) return 1;
        errno = 0;
        if (syscall(SYS_io_destroy, 0) != -1 || errno != ENOSYS) return 2;
    }
    errno = 0;
    if (syscall(1000) != -1 || errno != ENOSYS) return 3;
    return 0;
}
EOF
occlum-gcc "$WORK/nosys.c" -o image/bin/nosys || fail "occlum-gcc failed"
run occlum build
expect_status 0
run occlum run /bin/nosys
expect_status 0
expect_err_contains "unsupported system call kcmp (312) from /bin/nosys: returning ENOSYS"
expect_err_contains "unsupported system call io_destroy (207) from /bin/nosys: returning ENOSYS (Linux AIO"
expect_err_contains "system call number 1000 from /bin/nosys is not an x86-64 system call"
n=$(grep -c "unsupported system call kcmp" "$WORK/.stderr")
[ "$n" -eq 1 ] || fail "the warning for kcmp came $n times, want once"
if grep -q "system call ?" "$WORK/.stderr"; then fail "a warning has no name"; fi
echo ok
