/*
 * tmpfile: open(O_TMPFILE) makes a file without a name in a directory of
 * ramfs (/tmp) and of the union over the image (argv[1]): st_nlink 0,
 * invisible to readdir, named later by linkat through /proc/self/fd
 * (unless O_EXCL), gone with its last close otherwise; its errors.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/stat.h>

#include "union_util.h"

static void tmpfile_in(const char *dir)
{
    int before = count_entries(dir);
    int fd = open(dir, O_TMPFILE | O_RDWR, 0640);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "unnamed data", 12), 12);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(st.st_size, 12);
    CHECK_EQ(st.st_mode & 07777, 0640 & ~022);
    CHECK_EQ(count_entries(dir), before);
    char fdpath[64], link[PATH_MAX] = {0};
    snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(fdpath, link, sizeof(link) - 1);
    CHECK(n > 0);
    CHECK(strncmp(link, dir, strlen(dir)) == 0 && strcmp(link + n - 10, " (deleted)") == 0);
    char buf[64] = {0};
    CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 12);
    CHECK_STR(buf, "unnamed data");

    /* give it a name */
    char named[PATH_MAX];
    CHECK(snprintf(named, sizeof(named), "%s/named", dir) < (int)sizeof(named));
    CHECK_EQ(linkat(AT_FDCWD, fdpath, AT_FDCWD, named, AT_SYMLINK_FOLLOW), 0);
    struct stat ns;
    CHECK_EQ(stat(named, &ns), 0);
    CHECK_EQ(ns.st_ino, st.st_ino);
    CHECK_EQ(ns.st_nlink, 1);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(count_entries(dir), before + 1);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(read_file(named, buf, sizeof(buf)), 12);
    CHECK_STR(buf, "unnamed data");
    CHECK_EQ(unlink(named), 0);

    /* O_EXCL: never linkable */
    fd = open(dir, O_TMPFILE | O_WRONLY | O_EXCL, 0600);
    CHECK(fd >= 0);
    snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
    CHECK_ERRNO(linkat(AT_FDCWD, fdpath, AT_FDCWD, named, AT_SYMLINK_FOLLOW), ENOENT);
    CHECK_ERRNO(read(fd, buf, 1), EBADF); /* opened write-only */
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(count_entries(dir), before);

    /* errors */
    CHECK_ERRNO(open(dir, O_TMPFILE | O_RDONLY, 0600), EINVAL);
    CHECK_ERRNO(open(dir, O_TMPFILE | O_RDWR | O_CREAT, 0600), EINVAL);
    char p[PATH_MAX];
    CHECK(snprintf(p, sizeof(p), "%s/missing", dir) < (int)sizeof(p));
    CHECK_ERRNO(open(p, O_TMPFILE | O_RDWR, 0600), ENOENT);
    write_file(p, "x");
    CHECK_ERRNO(open(p, O_TMPFILE | O_RDWR, 0600), ENOTDIR);
    CHECK_EQ(unlink(p), 0);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    umask(022);
    char tmp[PATH_MAX];
    temp_dir(tmp, sizeof(tmp), "tmpfile-test");
    tmpfile_in(tmp);
    CHECK_EQ(rmdir(tmp), 0);
    char work[PATH_MAX];
    work_dir(argv[1], work, sizeof(work));
    tmpfile_in(work);
    char sub[PATH_MAX];
    CHECK(snprintf(sub, sizeof(sub), "%s/sub", work) < (int)sizeof(sub));
    tmpfile_in(sub); /* an image directory: copied up first */
    if (!in_libos()) remove_tree(work);
    return 0;
}
