/* efault: bad pointers passed to system calls give EFAULT, never a crash. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include "check.h"

/* Raw system calls: the libc must not touch the bad pointer first. */
#define BAD ((void *)1)
#define KERNEL_ADDR ((void *)0xffffffff81000000ul)

int main(void)
{
    int zero = open("/dev/zero", O_RDONLY);
    CHECK(zero >= 0);
    CHECK_ERRNO(syscall(SYS_write, 1, BAD, 10), EFAULT);
    CHECK_ERRNO(syscall(SYS_write, 2, KERNEL_ADDR, 10), EFAULT);
    CHECK_ERRNO(syscall(SYS_write, 1, NULL, 10), EFAULT);
    CHECK_ERRNO(syscall(SYS_read, zero, BAD, 10), EFAULT);
    CHECK_ERRNO(syscall(SYS_read, zero, KERNEL_ADDR, 10), EFAULT);
    CHECK_ERRNO(syscall(SYS_pread64, zero, BAD, 10, 0), EFAULT);
    CHECK_ERRNO(syscall(SYS_stat, BAD, BAD), EFAULT);
    CHECK_ERRNO(syscall(SYS_stat, "/", BAD), EFAULT);
    CHECK_ERRNO(syscall(SYS_stat, BAD, &(struct stat){0}), EFAULT);
    CHECK_ERRNO(syscall(SYS_fstat, zero, BAD), EFAULT);
    CHECK_ERRNO(syscall(SYS_lstat, "/", KERNEL_ADDR), EFAULT);
    CHECK_ERRNO(syscall(SYS_newfstatat, AT_FDCWD, "/", BAD, 0), EFAULT);
    CHECK_ERRNO(syscall(SYS_open, BAD, O_RDONLY), EFAULT);
    CHECK_ERRNO(syscall(SYS_openat, AT_FDCWD, KERNEL_ADDR, O_RDONLY), EFAULT);
    CHECK_ERRNO(syscall(SYS_access, BAD, F_OK), EFAULT);
    CHECK_ERRNO(syscall(SYS_uname, BAD), EFAULT);
    CHECK_ERRNO(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD), EFAULT);
    CHECK_ERRNO(syscall(SYS_pipe, BAD), EFAULT);
    CHECK_ERRNO(syscall(SYS_getcwd, BAD, 100), EFAULT);
    CHECK_ERRNO(syscall(SYS_readlink, "/proc/self/exe", BAD, 100), EFAULT);
    CHECK_ERRNO(syscall(SYS_nanosleep, BAD, NULL), EFAULT);
    struct iovec bad_iov[1] = {{BAD, 10}};
    CHECK_ERRNO(syscall(SYS_writev, 1, bad_iov, 1), EFAULT);
    CHECK_ERRNO(syscall(SYS_writev, 1, BAD, 1), EFAULT);
    CHECK_ERRNO(syscall(SYS_readv, zero, bad_iov, 1), EFAULT);
    /* a buffer that starts valid and runs into unmapped memory: a partial
     * copy or EFAULT, never a crash. */
    char ok[8] = "abcdefg";
    CHECK_EQ(syscall(SYS_write, 1, ok, 0), 0); /* zero length: no access */
    CHECK_EQ(syscall(SYS_read, zero, BAD, 0), 0);
    CHECK_EQ(close(zero), 0);
    return 0;
}
