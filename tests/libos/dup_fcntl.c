/* dup_fcntl: dup/dup2/dup3/F_DUPFD semantics, shared offsets and flags, errno cases. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <limits.h>

#include "check.h"

static void body(void)
{
    char path[PATH_MAX], buf[16];
    tmp_path(path, sizeof(path), "dup_fcntl");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "abcdefgh", 8), 8);

    /* dup: lowest free fd, shares the offset, does not copy FD_CLOEXEC */
    CHECK_EQ(fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
    int d = dup(fd);
    CHECK_EQ(d, fd + 1);
    CHECK_EQ(fcntl(d, F_GETFD), 0);
    CHECK_EQ(lseek(fd, 2, SEEK_SET), 2);
    CHECK_EQ(lseek(d, 0, SEEK_CUR), 2);
    CHECK_EQ(read(d, buf, 3), 3);
    CHECK(memcmp(buf, "cde", 3) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
    /* status flags are shared, descriptor flags are not */
    CHECK_EQ(fcntl(d, F_SETFL, O_APPEND), 0);
    CHECK(fcntl(fd, F_GETFL) & O_APPEND);
    CHECK_EQ(fcntl(fd, F_SETFL, 0), 0);
    CHECK(!(fcntl(d, F_GETFL) & O_APPEND));
    /* closing one leaves the other usable */
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(pread(d, buf, 2, 0), 2);
    CHECK(memcmp(buf, "ab", 2) == 0);

    /* dup2 onto a free fd, onto itself, onto an open fd (closes it) */
    CHECK_EQ(dup2(d, 50), 50);
    CHECK_EQ(pread(50, buf, 1, 7), 1);
    CHECK_EQ(buf[0], 'h');
    CHECK_EQ(dup2(50, 50), 50);
    int other = open("/dev/null", O_RDONLY);
    CHECK(other >= 0);
    CHECK_EQ(dup2(d, other), other);
    CHECK_EQ(pread(other, buf, 1, 0), 1); /* now the file, not /dev/null */
    CHECK_EQ(buf[0], 'a');
    CHECK_ERRNO(dup2(9999, 51), EBADF);
    CHECK_ERRNO(dup2(d, -1), EBADF);
    CHECK_ERRNO(dup2(d, 1 << 30), EBADF); /* beyond RLIMIT_NOFILE */
    CHECK_ERRNO(dup2(1234, 1234), EBADF);

    /* dup3 */
    CHECK_EQ(dup3(d, 60, O_CLOEXEC), 60);
    CHECK_EQ(fcntl(60, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(dup3(d, 61, 0), 61);
    CHECK_EQ(fcntl(61, F_GETFD), 0);
    CHECK_ERRNO(syscall(SYS_dup3, d, d, 0), EINVAL); /* raw: musl checks these itself */
    CHECK_ERRNO(syscall(SYS_dup3, d, 62, 0x4000000), EINVAL);

    /* F_DUPFD / F_DUPFD_CLOEXEC: lowest free fd >= arg */
    CHECK_EQ(fcntl(d, F_DUPFD, 50), 51);
    CHECK_EQ(fcntl(51, F_GETFD), 0);
    CHECK_EQ(fcntl(d, F_DUPFD_CLOEXEC, 50), 52);
    CHECK_EQ(fcntl(52, F_GETFD), FD_CLOEXEC);
    CHECK_ERRNO(fcntl(d, F_DUPFD, -1), EINVAL);
    CHECK_ERRNO(fcntl(9999, F_GETFD), EBADF);
    CHECK_ERRNO(fcntl(9999, F_DUPFD, 0), EBADF);

    /* closed fds are really closed */
    CHECK_EQ(close(50), 0);
    CHECK_ERRNO(fcntl(50, F_GETFD), EBADF);
    CHECK_ERRNO(close(50), EBADF);
    CHECK_ERRNO(close(-1), EBADF);

    /* dup of the std streams works too */
    int o = dup(1);
    CHECK(o >= 0);
    CHECK_EQ(close(o), 0);

    for (int i = 51; i <= 52; i++)
        CHECK_EQ(close(i), 0);
    CHECK_EQ(close(60), 0);
    CHECK_EQ(close(61), 0);
    CHECK_EQ(close(other), 0);
    CHECK_EQ(close(d), 0);
    CHECK_EQ(unlink(path), 0);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
