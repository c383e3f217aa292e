/* fstat_std: fstat on stdin (/dev/null, 1:3), stdout and stderr; EBADF on closed fds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "check.h"

int main(void)
{
    struct stat st;
    /* the runner redirects stdin from /dev/null */
    CHECK_EQ(fstat(0, &st), 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 1);
    CHECK_EQ(minor(st.st_rdev), 3);

    /* stdout/stderr: whatever the runner connected, a valid file type */
    for (int fd = 1; fd <= 2; fd++) {
        CHECK_EQ(fstat(fd, &st), 0);
        CHECK(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) ||
              S_ISSOCK(st.st_mode));
        CHECK(st.st_blksize > 0);
    }
    /* stdout stays writable after fstat */
    CHECK_EQ(write(1, "", 0), 0);

    CHECK_EQ(fcntl(0, F_GETFL) & O_ACCMODE, O_RDONLY);
    CHECK(fcntl(1, F_GETFL) != -1);
    CHECK_ERRNO(fstat(9999, &st), EBADF);
    CHECK_ERRNO(fstat(-1, &st), EBADF);

    /* after close, the fd is gone */
    int d = dup(0);
    CHECK(d >= 0);
    CHECK_EQ(close(d), 0);
    CHECK_ERRNO(fstat(d, &st), EBADF);
    return 0;
}
