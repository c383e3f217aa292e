/* file_rw: write/read/lseek/pread/pwrite/ftruncate/stat/fstat on a file in /tmp,
 * hostfs and the union's writable layer (argv: the directories). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>

#include "check.h"

static void body(void)
{
    char path[PATH_MAX];
    tmp_path(path, sizeof(path), "file_rw");
    umask(027);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0666);
    CHECK(fd >= 0);

    static const char msg[] = "0123456789abcdef";
    CHECK_EQ(write(fd, msg, 16), 16);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 16);

    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 16);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_uid, geteuid());

    /* read at EOF returns 0 */
    char buf[PATH_MAX];
    CHECK_EQ(read(fd, buf, sizeof(buf)), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(read(fd, buf, 10), 10);
    CHECK(memcmp(buf, "0123456789", 10) == 0);
    CHECK_EQ(read(fd, buf, sizeof(buf)), 6);
    CHECK(memcmp(buf, "abcdef", 6) == 0);

    CHECK_EQ(lseek(fd, -4, SEEK_END), 12);
    CHECK_EQ(read(fd, buf, 4), 4);
    CHECK(memcmp(buf, "cdef", 4) == 0);
    CHECK_EQ(lseek(fd, -2, SEEK_CUR), 14);
    CHECK_ERRNO(lseek(fd, -100, SEEK_SET), EINVAL);
    CHECK_ERRNO(lseek(fd, 0, 12345), EINVAL);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 14); /* failed seeks leave the offset */

    /* pread/pwrite do not move the offset */
    CHECK_EQ(pwrite(fd, "XY", 2, 4), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 14);
    CHECK_EQ(pread(fd, buf, 6, 2), 6);
    CHECK(memcmp(buf, "23XY67", 6) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 14);
    CHECK_ERRNO(pread(fd, buf, 1, -1), EINVAL);

    /* seeking past the end and writing leaves a hole of zeros */
    CHECK_EQ(lseek(fd, 100, SEEK_SET), 100);
    CHECK_EQ(write(fd, "Z", 1), 1);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 101);
    CHECK_EQ(pread(fd, buf, 4, 50), 4);
    CHECK(memcmp(buf, "\0\0\0\0", 4) == 0);

    /* ftruncate shrinks and grows (zero-filled) */
    CHECK_EQ(ftruncate(fd, 8), 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 8);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 8);
    CHECK_EQ(ftruncate(fd, 12), 0);
    memset(buf, 'q', sizeof(buf));
    CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 12);
    CHECK(memcmp(buf, "0123XY67\0\0\0\0", 12) == 0);
    CHECK_ERRNO(ftruncate(fd, -1), EINVAL);

    /* stat by path agrees with fstat */
    struct stat st2;
    CHECK_EQ(stat(path, &st2), 0);
    CHECK_EQ(st2.st_size, 12);
    CHECK_EQ(st2.st_ino, st.st_ino);
    CHECK_EQ(st2.st_dev, st.st_dev);
    CHECK_EQ(st2.st_mode & 07777, 0640);

    /* truncate() by path */
    CHECK_EQ(truncate(path, 3), 0);
    CHECK_EQ(stat(path, &st2), 0);
    CHECK_EQ(st2.st_size, 3);

    CHECK_EQ(close(fd), 0);
    CHECK_ERRNO(close(fd), EBADF);
    CHECK_ERRNO(read(fd, buf, 1), EBADF);

    /* reopen: data persisted */
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(read(fd, buf, sizeof(buf)), 3);
    CHECK(memcmp(buf, "012", 3) == 0);
    CHECK_ERRNO(write(fd, "x", 1), EBADF);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(unlink(path), 0);
    CHECK_ERRNO(stat(path, &st2), ENOENT);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
