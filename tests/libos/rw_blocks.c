/*
 * rw_blocks: file data on the writable layer block by block. Inside the
 * LibOS it works under the image's data dir (argv[1]), whose new files
 * live in the persistent writable layer (a 40 MiB file is larger than its
 * default 32 MiB block cache, so blocks are written back and read again);
 * natively in a fresh /tmp directory. Every read is compared with a model
 * kept in memory: random pwrites across block boundaries, holes (sparse
 * writes and ftruncate up read as zeros), ftruncate down into a block and
 * up again (the cut tail reads as zeros), O_APPEND, two fds, fsync.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "union_util.h"

#define SIZE (40L << 20)

static unsigned char *model;
static long msize;

static void mwrite(int fd, const void *p, size_t n, long off)
{
    CHECK_EQ(pwrite(fd, p, n, off), (ssize_t)n);
    memcpy(model + off, p, n);
    if (off + (long)n > msize) msize = off + (long)n;
}

static void mtruncate(int fd, long size)
{
    CHECK_EQ(ftruncate(fd, size), 0);
    if (size > msize) memset(model + msize, 0, size - msize);
    msize = size;
}

/* The whole file equals the model (read with an odd I/O size). */
static void verify(const char *p)
{
    int fd = open(p, O_RDONLY);
    CHECK(fd >= 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, msize);
    static unsigned char buf[300007];
    long off = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        CHECK(n >= 0);
        if (n == 0) break;
        if (memcmp(buf, model + off, n) != 0) {
            for (ssize_t k = 0; k < n; k++)
                if (buf[k] != model[off + k]) {
                    fprintf(stderr, "byte %ld: %d, expected %d\n", off + k, buf[k], model[off + k]);
                    break;
                }
            CHECK(0);
        }
        off += n;
    }
    CHECK_EQ(off, msize);
    CHECK_EQ(close(fd), 0);
}

int main(int argc, char **argv)
{
    CHECK(argc > 1);
    char dir[PATH_MAX], p[PATH_MAX + 16];
    if (in_libos()) {
        snprintf(dir, sizeof(dir), "%s/rw_blocks", argv[1]);
        CHECK(mkdir(dir, 0755) == 0 || errno == EEXIST);
    } else {
        temp_dir(dir, sizeof(dir), "libos-rw-blocks");
    }
    snprintf(p, sizeof(p), "%s/big", dir);
    unlink(p);
    model = calloc(1, SIZE + (1 << 20));
    CHECK(model != NULL);
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    /* Sequential, then sparse beyond a hole, then random writes. */
    static unsigned char buf[1 << 20];
    for (long off = 0; off < SIZE / 2; off += sizeof(buf)) {
        for (size_t k = 0; k < sizeof(buf); k++)
            buf[k] = (unsigned char)((off + k) * 7 + 3);
        mwrite(fd, buf, sizeof(buf), off);
    }
    mwrite(fd, "tail", 4, SIZE - 4);
    unsigned seed = 42;
    for (int i = 0; i < 3000; i++) {
        long off = rand_r(&seed) % (SIZE - 9000);
        size_t n = 1 + rand_r(&seed) % 9000;
        for (size_t k = 0; k < n; k++)
            buf[k] = (unsigned char)rand_r(&seed);
        mwrite(fd, buf, n, off);
    }
    CHECK_EQ(fsync(fd), 0);
    verify(p);
    /* Down into the middle of a block, up again: the cut tail is zeros. */
    mtruncate(fd, 12345);
    mtruncate(fd, 3 * 4096 + 17);
    verify(p);
    mtruncate(fd, SIZE / 4);
    /* O_APPEND through a second fd, and a read through the first. */
    int fa = open(p, O_WRONLY | O_APPEND);
    CHECK(fa >= 0);
    CHECK_EQ(write(fa, "appended", 8), 8);
    memcpy(model + msize, "appended", 8);
    msize += 8;
    CHECK_EQ(close(fa), 0);
    char got[8];
    CHECK_EQ(pread(fd, got, 8, msize - 8), 8);
    CHECK(memcmp(got, "appended", 8) == 0);
    CHECK_EQ(close(fd), 0);
    verify(p);
    CHECK_EQ(unlink(p), 0);
    if (!in_libos()) CHECK_EQ(rmdir(dir), 0);
    free(model);
    printf("rw_blocks ok\n");
    return 0;
}
