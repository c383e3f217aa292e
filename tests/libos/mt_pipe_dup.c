/* mt_pipe_dup: dup/dup2/dup3/F_DUPFD(_CLOEXEC) on pipes: numbers, cloexec, EINVAL/EBADF. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include "mt_util.h"

int main(void)
{
    int p[2];
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    /* dup: lowest free number, FD_CLOEXEC cleared */
    int lowest = open("/dev/null", O_RDONLY);
    CHECK(lowest >= 0);
    close(lowest);
    int d = dup(p[1]);
    CHECK_EQ(d, lowest);
    CHECK_EQ(fcntl(d, F_GETFD), 0);
    CHECK_EQ(write(d, "ab", 2), 2);
    char buf[16] = {0};
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
    CHECK_STR(buf, "ab");

    /* dup2 onto a chosen number, replacing whatever was there */
    int target = 50;
    int other = open("/dev/null", O_RDONLY);
    CHECK_EQ(dup2(other, target), target);
    CHECK_EQ(dup2(p[1], target), target); /* silently closes the /dev/null copy */
    CHECK_EQ(fcntl(target, F_GETFD), 0);
    CHECK_EQ(fcntl(target, F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK_EQ(write(target, "cd", 2), 2);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);
    /* dup2(fd, fd): returns fd, flags untouched */
    CHECK_EQ(dup2(p[1], p[1]), p[1]);
    CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
    CHECK_ERRNO(dup2(1000000, 60), EBADF);
    CHECK_ERRNO(dup2(other + 100, other + 100), EBADF); /* closed fd onto itself */
    CHECK_ERRNO(dup2(p[1], -1), EBADF);

    /* dup3 */
    CHECK_ERRNO(dup3(p[1], p[1], 0), EINVAL);
    CHECK_ERRNO(dup3(p[1], p[1], O_CLOEXEC), EINVAL);
    CHECK_ERRNO(syscall(SYS_dup3, p[1], 61, O_NONBLOCK),
                EINVAL); /* raw: musl's dup3 drops unknown flags */
    CHECK_EQ(dup3(p[1], 61, O_CLOEXEC), 61);
    CHECK_EQ(fcntl(61, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(dup3(p[1], 62, 0), 62);
    CHECK_EQ(fcntl(62, F_GETFD), 0);

    /* F_DUPFD / F_DUPFD_CLOEXEC: lowest number >= arg */
    CHECK_EQ(fcntl(p[0], F_DUPFD, 61), 63);
    CHECK_EQ(fcntl(63, F_GETFD), 0);
    CHECK_EQ(fcntl(p[0], F_DUPFD_CLOEXEC, 70), 70);
    CHECK_EQ(fcntl(70, F_GETFD), FD_CLOEXEC);
    CHECK_ERRNO(fcntl(p[0], F_DUPFD, -1), EINVAL);

    /* all the copies are one pipe: closing all write copies gives EOF */
    close(other);
    int writers[] = {p[1], d, target, 61, 62};
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(write(writers[i], "x", 1), 1);
    }
    CHECK_EQ(read(63, buf, sizeof(buf)), 5); /* via a read-end dup */
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
        CHECK_ERRNO(read(70, buf, 1), EAGAIN); /* O_NONBLOCK is shared by the dups */
        CHECK_EQ(close(writers[i]), 0);
    }
    CHECK_EQ(read(p[0], buf, 1), 0);
    CHECK_ERRNO(close(61), EBADF);
    close(p[0]);
    close(63);
    close(70);
    return 0;
}
