/* mt_close_range: raw close_range syscall: close a range, CLOSE_RANGE_CLOEXEC, EINVAL. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include "mt_util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static long close_range_(unsigned a, unsigned b, unsigned flags)
{
    return syscall(SYS_close_range, a, b, flags);
}

int main(void)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    for (int fd = 20; fd < 30; fd++)
        CHECK_EQ(dup2(p[1], fd), fd);
    /* mark 20..24 close-on-exec */
    CHECK_EQ(close_range_(20, 24, CLOSE_RANGE_CLOEXEC), 0);
    for (int fd = 20; fd < 30; fd++)
        CHECK_EQ(fcntl(fd, F_GETFD), fd <= 24 ? FD_CLOEXEC : 0);
    /* close 22..27 */
    CHECK_EQ(close_range_(22, 27, 0), 0);
    for (int fd = 20; fd < 30; fd++) {
        if (fd >= 22 && fd <= 27)
            CHECK_ERRNO(fcntl(fd, F_GETFD), EBADF);
        else
            CHECK(fcntl(fd, F_GETFD) >= 0);
    }
    /* holes and an open-ended range are fine */
    CHECK_EQ(close_range_(21, ~0U, 0), 0);
    CHECK(fcntl(20, F_GETFD) >= 0);
    for (int fd = 21; fd < 30; fd++)
        CHECK_ERRNO(fcntl(fd, F_GETFD), EBADF);
    /* the pipe is still intact through fd 20 */
    CHECK_EQ(write(20, "z", 1), 1);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'z');
    CHECK_ERRNO(close_range_(10, 5, 0), EINVAL);
    CHECK_ERRNO(close_range_(0, 10, 0x80000000u), EINVAL);
    CHECK_EQ(close_range_(1000, 2000, 0), 0); /* nothing open there */
    close(20);
    close(p[0]);
    close(p[1]);
    return 0;
}
