/* open_flags: O_CREAT|O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_CLOEXEC, access modes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>

#include "check.h"

static void body(void)
{
    char path[PATH_MAX], dir[PATH_MAX];
    struct stat st;
    char buf[32];
    tmp_path(path, sizeof(path), "open_flags");
    tmp_path(dir, sizeof(dir), "open_flags_dir");
    unlink(path);
    umask(022);

    /* O_CREAT|O_EXCL */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
    CHECK(fd >= 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_mode & 07777, 0640);
    CHECK_EQ(write(fd, "hello world", 11), 11);
    CHECK_EQ(close(fd), 0);
    CHECK_ERRNO(open(path, O_WRONLY | O_CREAT | O_EXCL, 0640), EEXIST);
    /* O_CREAT on an existing file opens it, mode ignored */
    fd = open(path, O_RDONLY | O_CREAT, 0777);
    CHECK(fd >= 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_mode & 07777, 0640);
    CHECK_EQ(st.st_size, 11);

    /* access modes and F_GETFL */
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
    CHECK_ERRNO(write(fd, "x", 1), EBADF);
    CHECK_EQ(close(fd), 0);
    fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK_ERRNO(read(fd, buf, 1), EBADF);
    CHECK_EQ(close(fd), 0);

    /* O_APPEND: writes go to the end regardless of the offset */
    fd = open(path, O_RDWR | O_APPEND);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFL) & O_APPEND);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(write(fd, "!", 1), 1);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 12);
    CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 12);
    CHECK(memcmp(buf, "hello world!", 12) == 0);
    CHECK_EQ(close(fd), 0);

    /* O_TRUNC */
    fd = open(path, O_RDWR | O_TRUNC);
    CHECK(fd >= 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(close(fd), 0);

    /* O_DIRECTORY */
    CHECK_ERRNO(open(path, O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_EQ(mkdir(dir, 0755), 0);
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK_ERRNO(read(fd, buf, 1), EISDIR);
    CHECK_EQ(close(fd), 0);
    CHECK_ERRNO(open(dir, O_WRONLY), EISDIR);
    CHECK_ERRNO(open(dir, O_RDWR), EISDIR);
    CHECK_EQ(rmdir(dir), 0);

    /* O_CLOEXEC shows in F_GETFD; F_SETFD changes it */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_SETFD, 0), 0);
    CHECK_EQ(fcntl(fd, F_GETFD), 0);
    CHECK_EQ(close(fd), 0);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD), 0);
    CHECK_EQ(fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(close(fd), 0);

    /* lowest free descriptor is used */
    int a = open(path, O_RDONLY), b = open(path, O_RDONLY);
    CHECK(a >= 3 && b == a + 1);
    CHECK_EQ(close(a), 0);
    int c = open(path, O_RDONLY);
    CHECK_EQ(c, a);
    close(b);
    close(c);

    /* openat relative to a directory fd */
    int dfd = open(test_dir, O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    fd = openat(dfd, path + strlen(test_dir) + 1, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(close(fd), 0);
    CHECK_ERRNO(openat(dfd, "libos-no-such-file", O_RDONLY), ENOENT);
    CHECK_ERRNO(openat(9999, "x", O_RDONLY), EBADF);
    CHECK_EQ(close(dfd), 0);

    CHECK_EQ(unlink(path), 0);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
