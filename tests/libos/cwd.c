/* cwd: getcwd/chdir/fchdir, relative paths after chdir, ERANGE/ENOENT/ENOTDIR cases. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"

int main(void)
{
    char buf[PATH_MAX], dir[64], sub[96], tmpcwd[PATH_MAX - 128];

    CHECK_EQ(chdir("/"), 0);
    CHECK(getcwd(buf, sizeof(buf)) == buf);
    CHECK_STR(buf, "/");

    CHECK_EQ(chdir("/tmp"), 0);
    CHECK(getcwd(tmpcwd, sizeof(tmpcwd)) != NULL); /* /tmp, resolved */
    CHECK_EQ(tmpcwd[0], '/');

    tmp_path(dir, sizeof(dir), "cwd");
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    CHECK_EQ(mkdir(dir, 0755), 0);
    CHECK_EQ(mkdir(sub, 0755), 0);
    CHECK_EQ(chdir(sub), 0);
    CHECK(getcwd(buf, sizeof(buf)) != NULL);
    char want[PATH_MAX];
    snprintf(want, sizeof(want), "%s/%s/sub", tmpcwd, base_name(dir));
    CHECK_STR(buf, want);

    /* relative creation lands in the cwd */
    int fd = open("rel.txt", O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(close(fd), 0);
    char abs[160];
    snprintf(abs, sizeof(abs), "%s/rel.txt", sub);
    struct stat st;
    CHECK_EQ(stat(abs, &st), 0);

    /* chdir("..") */
    CHECK_EQ(chdir(".."), 0);
    CHECK(getcwd(buf, sizeof(buf)) != NULL);
    snprintf(want, sizeof(want), "%s/%s", tmpcwd, base_name(dir));
    CHECK_STR(buf, want);
    CHECK_EQ(stat("sub/rel.txt", &st), 0);

    /* ERANGE: buffer too small; size 0 with a buffer is EINVAL */
    CHECK(getcwd(buf, 3) == NULL);
    CHECK_EQ(errno, ERANGE);
    CHECK(getcwd(buf, 0) == NULL);
    CHECK_EQ(errno, EINVAL);

    /* errors leave the cwd unchanged */
    CHECK_ERRNO(chdir("sub/rel.txt"), ENOTDIR);
    CHECK_ERRNO(chdir("missing"), ENOENT);
    CHECK_ERRNO(chdir(""), ENOENT);
    CHECK(getcwd(buf, sizeof(buf)) != NULL);
    CHECK_STR(buf, want);

    /* fchdir */
    int dfd = open(sub, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    CHECK_EQ(fchdir(dfd), 0);
    CHECK_EQ(close(dfd), 0);
    CHECK_EQ(access("rel.txt", F_OK), 0);
    fd = open(abs, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(fchdir(fd), ENOTDIR);
    CHECK_EQ(close(fd), 0);
    CHECK_ERRNO(fchdir(9999), EBADF);

    /* the cwd can be removed from under us: getcwd then fails with ENOENT */
    CHECK_EQ(unlink("rel.txt"), 0);
    CHECK_EQ(rmdir(sub), 0);
    CHECK(getcwd(buf, sizeof(buf)) == NULL);
    CHECK_EQ(errno, ENOENT);
    CHECK_EQ(chdir("/"), 0);
    CHECK_EQ(rmdir(dir), 0);
    return 0;
}
