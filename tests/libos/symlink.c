/* symlink: symlink/readlink/lstat in /tmp, hostfs and the union's
 * writable layer (argv); dangling links, O_NOFOLLOW, errno cases. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"

static void body(void)
{
    char dir[PATH_MAX], target[PATH_MAX], link1[PATH_MAX], link2[PATH_MAX], buf[PATH_MAX];
    struct stat st;
    tmp_path(dir, sizeof(dir), "symlink");
    CHECK_EQ(mkdir(dir, 0755), 0);
    CHECK(snprintf(target, sizeof(target), "%s/target", dir) < (int)sizeof(target));
    CHECK(snprintf(link1, sizeof(link1), "%s/abs-link", dir) < (int)sizeof(link1));
    CHECK(snprintf(link2, sizeof(link2), "%s/rel-link", dir) < (int)sizeof(link2));

    int fd = open(target, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "data", 4), 4);
    CHECK_EQ(close(fd), 0);

    /* absolute link: readlink returns the exact text, unterminated */
    CHECK_EQ(symlink(target, link1), 0);
    memset(buf, 'X', sizeof(buf));
    CHECK_EQ(readlink(link1, buf, sizeof(buf)), (long)strlen(target));
    CHECK_EQ(buf[strlen(target)], 'X');
    CHECK(memcmp(buf, target, strlen(target)) == 0);
    /* truncation to bufsiz */
    CHECK_EQ(readlink(link1, buf, 5), 5);
    CHECK(memcmp(buf, target, 5) == 0);

    /* relative link resolves against the link's directory */
    CHECK_EQ(symlink("target", link2), 0);
    CHECK_EQ(readlink(link2, buf, sizeof(buf)), 6);
    CHECK(memcmp(buf, "target", 6) == 0);

    /* stat follows, lstat does not */
    struct stat ts;
    CHECK_EQ(stat(target, &ts), 0);
    CHECK_EQ(stat(link2, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_ino, ts.st_ino);
    CHECK_EQ(st.st_size, 4);
    CHECK_EQ(lstat(link2, &st), 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK_EQ(st.st_size, 6); /* a symlink's size is its text length */
    CHECK(st.st_ino != ts.st_ino);

    /* open through the link reads the target */
    fd = open(link1, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(read(fd, buf, sizeof(buf)), 4);
    CHECK(memcmp(buf, "data", 4) == 0);
    CHECK_EQ(close(fd), 0);
    CHECK_ERRNO(open(link1, O_RDONLY | O_NOFOLLOW), ELOOP);

    /* error cases */
    CHECK_ERRNO(symlink("whatever", link1), EEXIST);
    CHECK_ERRNO(readlink(target, buf, sizeof(buf)), EINVAL);
    CHECK_ERRNO(readlink(dir, buf, sizeof(buf)), EINVAL);
    CHECK(snprintf(buf, sizeof(buf), "%s/missing", dir) < (int)sizeof(buf));
    CHECK_ERRNO(readlink(buf, link1, sizeof(link1)), ENOENT);

    /* a link through a directory symlink */
    char dlink[PATH_MAX], via[PATH_MAX];
    CHECK(snprintf(dlink, sizeof(dlink), "%s/dir-link", dir) < (int)sizeof(dlink));
    CHECK_EQ(symlink(".", dlink), 0);
    CHECK(snprintf(via, sizeof(via), "%s/dir-link/target", dir) < (int)sizeof(via));
    CHECK_EQ(stat(via, &st), 0);
    CHECK_EQ(st.st_ino, ts.st_ino);

    /* dangling link: lstat works, stat and open give ENOENT */
    CHECK_EQ(unlink(target), 0);
    CHECK_EQ(lstat(link1, &st), 0);
    CHECK_ERRNO(stat(link1, &st), ENOENT);
    CHECK_ERRNO(open(link1, O_RDONLY), ENOENT);
    /* O_CREAT through a dangling link creates the target */
    fd = open(link2, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(stat(target, &st), 0);
    CHECK(S_ISREG(st.st_mode));

    /* unlink removes the link, not the target */
    CHECK_EQ(unlink(link1), 0);
    CHECK_EQ(unlink(link2), 0);
    CHECK_EQ(unlink(dlink), 0);
    CHECK_EQ(stat(target, &st), 0);
    CHECK_EQ(unlink(target), 0);
    CHECK_EQ(rmdir(dir), 0);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
