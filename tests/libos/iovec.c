/* iovec: writev/readv/pwritev/preadv gather and scatter in order; EINVAL/EBADF. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <limits.h>

#include "check.h"

static void body(void)
{
    char path[PATH_MAX];
    tmp_path(path, sizeof(path), "iovec");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);

    char a[] = "Hello", b[] = ", ", c[] = "World", d[] = "!\n";
    struct iovec w[5] = {{a, 5}, {b, 2}, {NULL, 0}, {c, 5}, {d, 2}};
    CHECK_EQ(writev(fd, w, 5), 14);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 14);

    char x[3], y[4], z[20];
    memset(z, 0, sizeof(z));
    struct iovec r[3] = {{x, 3}, {y, 4}, {z, sizeof(z)}};
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(readv(fd, r, 3), 14);
    CHECK(memcmp(x, "Hel", 3) == 0);
    CHECK(memcmp(y, "lo, ", 4) == 0);
    CHECK(memcmp(z, "World!\n", 7) == 0);
    CHECK_EQ(readv(fd, r, 3), 0); /* EOF */

    /* positional variants leave the offset alone */
    struct iovec pw[2] = {{"AB", 2}, {"CD", 2}};
    CHECK_EQ(pwritev(fd, pw, 2, 7), 4);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 14);
    char p1[5] = {0}, p2[5] = {0};
    struct iovec pr[2] = {{p1, 4}, {p2, 4}};
    CHECK_EQ(preadv(fd, pr, 2, 5), 8);
    CHECK_STR(p1, ", AB");
    CHECK_STR(p2, "CDd!");

    /* errors */
    volatile int neg = -1; /* volatile: no compile-time warning */
    CHECK_ERRNO(writev(fd, w, neg), EINVAL);
    static struct iovec many[1025];
    CHECK_ERRNO(writev(fd, many, 1025), EINVAL); /* more than UIO_MAXIOV (1024) */
    CHECK_ERRNO(writev(9999, w, 1), EBADF);
    CHECK_EQ(writev(fd, w, 0), 0);

    /* writev to stdout-like fds works: /dev/null */
    int null = open("/dev/null", O_WRONLY);
    CHECK(null >= 0);
    CHECK_EQ(writev(null, w, 5), 14);
    close(null);

    /* a pipe: one writev is one atomic chunk */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(writev(p[1], w, 5), 14);
    char buf[32] = {0};
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 14);
    CHECK_STR(buf, "Hello, World!\n");
    close(p[0]);
    close(p[1]);

    CHECK_EQ(close(fd), 0);
    CHECK_EQ(unlink(path), 0);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
