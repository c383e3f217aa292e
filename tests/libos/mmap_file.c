/* mmap_file: file mappings show file content; offsets, EOF zeros, COW, MAP_SHARED write-back;
 * an image file (argv[1]) and written files in the other directories given. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "check.h"

#define PG 4096l

static unsigned char pattern_byte(long i)
{
    return (unsigned char)((i * 7 + 3) % 251);
}

static void writable_file(void);

int main(int argc, char **argv)
{
    CHECK(argc >= 2);
    char path[PATH_MAX];

    /* 1. a read-only file from the image */
    snprintf(path, sizeof(path), "%s/pattern.bin", argv[1]);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    unsigned char *p = mmap(NULL, 20000, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    for (long i = 0; i < 20000; i++)
        if (p[i] != pattern_byte(i)) {
            fprintf(stderr, "byte %ld differs\n", i);
            CHECK(0);
        }
    /* the tail of the last page past EOF reads as zero */
    for (long i = 20000; i < 5 * PG; i++)
        CHECK_EQ(p[i], 0);
    CHECK_EQ(munmap(p, 20000), 0);
    /* with an offset */
    p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG);
    CHECK(p != MAP_FAILED);
    for (long i = 0; i < PG; i++)
        CHECK_EQ(p[i], pattern_byte(2 * PG + i));
    CHECK_EQ(munmap(p, PG), 0);
    /* MAP_PRIVATE + PROT_WRITE on a read-only fd is allowed; changes stay private */
    p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    p[0] = (unsigned char)~pattern_byte(0);
    unsigned char c;
    CHECK_EQ(pread(fd, &c, 1, 0), 1);
    CHECK_EQ(c, pattern_byte(0));
    CHECK_EQ(munmap(p, PG), 0);
    /* MAP_SHARED + PROT_WRITE needs a writable fd */
    CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    /* the mapping survives close() of the fd */
    p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(p[10], pattern_byte(PG + 10));
    CHECK_EQ(munmap(p, PG), 0);

    /* 2. a writable file in each of the other directories */
    for (int i = 2; i < argc; i++) {
        test_dir = argv[i];
        writable_file();
    }
    return 0;
}

/* Shared mappings of a file being written, in test_dir. */
static void writable_file(void)
{
    char path[PATH_MAX];
    tmp_path(path, sizeof(path), "mmap_file");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    char line[64];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(line, sizeof(line), "line %04d\n", i);
        CHECK_EQ(write(fd, line, n), n);
    }
    /* 10000 bytes */
    char *s = mmap(NULL, 10000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(s != MAP_FAILED);
    CHECK(memcmp(s + 10 * 500, "line 0500\n", 10) == 0);
    /* writes through a shared mapping reach the file */
    memcpy(s + 10 * 999, "LAST LINE\n", 10);
    CHECK_EQ(msync(s, 10000, MS_SYNC), 0);
    CHECK_EQ(pread(fd, line, 10, 9990), 10);
    CHECK(memcmp(line, "LAST LINE\n", 10) == 0);
    /* writes to the file show in the shared mapping */
    CHECK_EQ(pwrite(fd, "FIRST", 5, 0), 5);
    CHECK(memcmp(s, "FIRST0000\n", 10) == 0);
    CHECK_EQ(munmap(s, 10000), 0);
    /* and persist after unmapping */
    CHECK_EQ(pread(fd, line, 10, 9990), 10);
    CHECK(memcmp(line, "LAST LINE\n", 10) == 0);
    /* an offset that is not page aligned */
    CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(unlink(path), 0);

    /* a directory cannot be mapped; a closed fd is EBADF */
    fd = open(test_dir, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, ENODEV);
    CHECK_EQ(close(fd), 0);
    CHECK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EBADF);
}
