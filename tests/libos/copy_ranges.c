/*
 * copy_ranges: sendfile (file to file, file to pipe, with and without an
 * offset pointer) and copy_file_range (offsets, short copies at EOF, the
 * file offsets it moves or not, its errors), in /tmp, on hostfs and in the
 * union's writable layer (argv: the directories).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "check.h"

#define SIZE 100000

static unsigned char byte_at(long i)
{
    return (unsigned char)((i * 13 + 5) % 251);
}

static int make_source(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    static unsigned char buf[SIZE];
    for (long i = 0; i < SIZE; i++)
        buf[i] = byte_at(i);
    CHECK_EQ(write(fd, buf, SIZE), SIZE);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* The bytes of fd from off, compared with the source's from src_off. */
static void expect_bytes(int fd, off_t off, long src_off, long n)
{
    static unsigned char buf[SIZE];
    CHECK_EQ(pread(fd, buf, (size_t)n, off), n);
    for (long i = 0; i < n; i++)
        if (buf[i] != byte_at(src_off + i)) CHECK_EQ(buf[i], byte_at(src_off + i));
}

/* musl before 1.2.3 has no copy_file_range wrapper. */
static ssize_t cfr(int in, loff_t *ioff, int out, loff_t *ooff, size_t len, unsigned flags)
{
    return syscall(SYS_copy_file_range, in, ioff, out, ooff, len, flags);
}

static void body(void)
{
    char src[PATH_MAX], dst[PATH_MAX];
    tmp_path(src, sizeof(src), "copy-src");
    tmp_path(dst, sizeof(dst), "copy-dst");
    int in = make_source(src);
    int out = open(dst, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(out >= 0);

    /* sendfile with the file offset: it moves */
    CHECK_EQ(sendfile(out, in, NULL, 30000), 30000);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 30000);
    CHECK_EQ(lseek(out, 0, SEEK_CUR), 30000);
    /* with an offset pointer: the file offset stays, the pointer moves */
    off_t o = 90000;
    CHECK_EQ(sendfile(out, in, &o, 50000), 10000); /* short: EOF */
    CHECK_EQ(o, SIZE);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 30000);
    CHECK_EQ(sendfile(out, in, &o, 10), 0); /* at EOF */
    struct stat st;
    CHECK_EQ(fstat(out, &st), 0);
    CHECK_EQ(st.st_size, 40000);
    expect_bytes(out, 0, 0, 30000);
    expect_bytes(out, 30000, 90000, 10000);
    /* to a pipe */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    o = 5;
    CHECK_EQ(sendfile(p[1], in, &o, 1000), 1000);
    unsigned char buf[1000];
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1000);
    for (int i = 0; i < 1000; i++)
        CHECK_EQ(buf[i], byte_at(5 + i));
    CHECK_ERRNO(sendfile(out, p[0], NULL, 10), EINVAL); /* input must be mmap-able */
    CHECK_EQ(close(p[0]), 0);
    CHECK_EQ(close(p[1]), 0);
    int ro = open(dst, O_RDONLY);
    CHECK(ro >= 0);
    CHECK_ERRNO(sendfile(ro, in, NULL, 10), EBADF); /* output not open for writing */

    /* copy_file_range: explicit offsets leave the file offsets alone */
    CHECK_EQ(ftruncate(out, 0), 0);
    loff_t io = 1000, oo = 0;
    CHECK_EQ(lseek(out, 0, SEEK_SET), 0);
    ssize_t done = 0, r;
    while (done < 20000 && (r = cfr(in, &io, out, &oo, (size_t)(20000 - done), 0)) > 0)
        done += r;
    CHECK_EQ(done, 20000);
    CHECK_EQ(io, 21000);
    CHECK_EQ(oo, 20000);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 30000);
    CHECK_EQ(lseek(out, 0, SEEK_CUR), 0);
    expect_bytes(out, 0, 1000, 20000);
    /* NULL offsets use and move the file offsets */
    CHECK_EQ(lseek(in, SIZE - 100, SEEK_SET), SIZE - 100);
    CHECK_EQ(lseek(out, 20000, SEEK_SET), 20000);
    CHECK_EQ(cfr(in, NULL, out, NULL, 1000, 0), 100); /* short at EOF */
    CHECK_EQ(lseek(in, 0, SEEK_CUR), SIZE);
    CHECK_EQ(lseek(out, 0, SEEK_CUR), 20100);
    CHECK_EQ(cfr(in, NULL, out, NULL, 1000, 0), 0); /* at EOF */
    expect_bytes(out, 20000, SIZE - 100, 100);
    /* errors */
    CHECK_ERRNO(cfr(in, NULL, out, NULL, 10, 1), EINVAL); /* no flags defined */
    CHECK_ERRNO(cfr(in, NULL, ro, NULL, 10, 0), EBADF);
    io = 0;
    oo = 10;
    CHECK_ERRNO(cfr(in, &io, in, &oo, 100, 0), EINVAL); /* overlapping ranges of one file */
    CHECK_EQ(close(ro), 0);
    CHECK_EQ(close(in), 0);
    CHECK_EQ(close(out), 0);
    CHECK_EQ(unlink(src), 0);
    CHECK_EQ(unlink(dst), 0);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
