/* mt_pipe_size: F_GETPIPE_SZ/F_SETPIPE_SZ (rounding, EBUSY, EINVAL), FIONREAD, pipe2 flags. */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include "mt_util.h"

int main(void)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
    CHECK_EQ(fcntl(p[1], F_GETPIPE_SZ), 65536);
    CHECK_EQ(fcntl(p[0], F_GETFD), 0);
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    CHECK_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);

    /* FIONREAD follows the buffered byte count */
    int n = -1;
    CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0);
    CHECK_EQ(n, 0);
    char buf[8192];
    memset(buf, 'q', sizeof(buf));
    CHECK_EQ(write(p[1], buf, 1000), 1000);
    CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0);
    CHECK_EQ(n, 1000);
    CHECK_EQ(read(p[0], buf, 300), 300);
    CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0);
    CHECK_EQ(n, 700);
    CHECK_EQ(ioctl(p[1], FIONREAD, &n), 0); /* the write end too */
    CHECK_EQ(n, 700);

    /* sizes round up to a power-of-two number of pages; both ends share it */
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 100000), 131072);
    CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 131072);
    CHECK_EQ(fcntl(p[1], F_SETPIPE_SZ, 1), 4096);
    CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 4096);
    CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0); /* data survived the resizes */
    CHECK_EQ(n, 700);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 700);
    CHECK_EQ(fcntl(p[0], F_SETPIPE_SZ, 65536), 65536);
    /* shrinking below the data held: EBUSY */
    CHECK_EQ(write(p[1], buf, 8192), 8192);
    CHECK_ERRNO(fcntl(p[0], F_SETPIPE_SZ, 4096), EBUSY);
    CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
    CHECK_EQ(read(p[0], buf, 8192), 8192);
    CHECK_ERRNO(fcntl(p[0], F_SETPIPE_SZ, -1), EINVAL);
    /* a 4096-byte pipe holds 4096 bytes */
    CHECK_EQ(fcntl(p[0], F_SETPIPE_SZ, 4096), 4096);
    CHECK_EQ(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
    CHECK_EQ(write(p[1], buf, 8192), 4096);
    CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);
    close(p[0]);
    close(p[1]);

    /* not a pipe */
    int fd = open("/dev/null", O_RDONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(fcntl(fd, F_GETPIPE_SZ), EBADF);
    close(fd);

    /* pipe2 flags */
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    close(p[0]);
    close(p[1]);
    CHECK_EQ(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    close(p[0]);
    close(p[1]);
    CHECK_EQ(pipe2(p, 0), 0);
    CHECK_EQ(fcntl(p[1], F_GETFD), 0);
    close(p[0]);
    close(p[1]);
    CHECK_ERRNO(pipe2(p, O_APPEND), EINVAL);
    CHECK_ERRNO(pipe2(p, 0x7fff0000), EINVAL);
    return 0;
}
