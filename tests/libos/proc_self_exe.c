/* proc_self_exe: readlink("/proc/self/exe") names the running binary; errno cases. */
#define _GNU_SOURCE
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "check.h"

int main(int argc, char **argv)
{
    char buf[PATH_MAX];
    memset(buf, 'X', sizeof(buf));
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf));
    CHECK(n > 0 && n < (ssize_t)sizeof(buf));
    CHECK_EQ(buf[n], 'X'); /* readlink does not NUL-terminate */
    buf[n] = '\0';
    CHECK_EQ(buf[0], '/');
    char want[PATH_MAX];
    snprintf(want, sizeof(want), "/%s", base_name(argv[0]));
    CHECK(ends_with(buf, want));

    /* the link target is the file we run from: same inode as argv[0] */
    struct stat a, b;
    CHECK_EQ(stat(buf, &a), 0);
    CHECK_EQ(stat(argv[0], &b), 0);
    CHECK_EQ(a.st_ino, b.st_ino);
    CHECK_EQ(a.st_dev, b.st_dev);

    char small[4];
    CHECK_EQ(readlink("/proc/self/exe", small, sizeof(small)), 4);
    CHECK(memcmp(small, buf, 4) == 0);
    CHECK_ERRNO(syscall(SYS_readlink, "/proc/self/exe", buf, 0), EINVAL); /* raw: musl avoids it */

    /* /proc/<pid>/exe is the same link */
    char path[64], buf2[PATH_MAX];
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)getpid());
    ssize_t m = readlink(path, buf2, sizeof(buf2) - 1);
    CHECK_EQ(m, n);
    buf2[m] = '\0';
    CHECK_STR(buf2, buf);
    (void)argc;
    return 0;
}
