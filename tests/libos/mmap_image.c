/* mmap_image: private mappings of one file of the image (argv[1], read
 * only) stay independent of each other and of the file, as ld.so relies
 * on: copy-on-write per mapping, MAP_FIXED over part of one (ld.so maps the
 * whole span, then each segment over it), mremap, fork, munmap and a fresh
 * anonymous mapping at the same place, mprotect; pages past EOF read 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "check.h"

#define PG 4096l
#define SIZE 20000l /* pattern.bin's size: 5 pages, the last one partly */

static unsigned char pattern_byte(long i)
{
    return (unsigned char)((i * 7 + 3) % 251);
}

/* p shows the file from byte off for len bytes (zeros past EOF). */
static void check_view(const unsigned char *p, long off, long len)
{
    for (long i = 0; i < len; i++) {
        unsigned char want = off + i < SIZE ? pattern_byte(off + i) : 0;
        if (p[i] != want) {
            fprintf(stderr, "byte %ld of a view at %ld is %u, want %u\n", i, off, p[i], want);
            CHECK(0);
        }
    }
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/pattern.bin", argv[1]);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);

    /* two private writable mappings: a write to one shows in neither the
     * other nor the file */
    unsigned char *a = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    unsigned char *b = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(a != MAP_FAILED && b != MAP_FAILED && a != b);
    memset(a + PG, 0xAB, PG);
    check_view(b, 0, 5 * PG);
    unsigned char c;
    CHECK_EQ(pread(fd, &c, 1, PG), 1);
    CHECK_EQ(c, pattern_byte(PG));
    CHECK_EQ(a[PG - 1], pattern_byte(PG - 1));
    CHECK_EQ(a[2 * PG], pattern_byte(2 * PG));
    /* the tail past EOF is writable private memory too */
    a[SIZE + 5] = 7;
    CHECK_EQ(b[SIZE + 5], 0);

    /* ld.so's way: the whole span read-only, then part of it again, fixed,
     * from another offset */
    unsigned char *span = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(span != MAP_FAILED);
    CHECK(mmap(span + PG, 2 * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 3 * PG) ==
          span + PG);
    check_view(span, 0, PG);
    check_view(span + PG, 3 * PG, 2 * PG); /* EOF falls inside its second page */
    check_view(span + 3 * PG, 3 * PG, PG);
    CHECK_EQ(mprotect(span, 4 * PG, PROT_READ | PROT_WRITE), 0);
    span[0] = 1;
    CHECK_EQ(span[0], 1);
    check_view(span + 1, 1, PG - 1);

    /* a fresh anonymous mapping where a file view was reads zeros */
    CHECK(mmap(span, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
               0) == span);
    for (long i = 0; i < 4 * PG; i++)
        CHECK_EQ(span[i], 0);
    CHECK_EQ(munmap(span, 4 * PG), 0);

    /* mremap moves a view with its private changes */
    unsigned char *m = mremap(a, 5 * PG, 10 * PG, MREMAP_MAYMOVE);
    CHECK(m != MAP_FAILED);
    check_view(m, 0, PG);
    CHECK_EQ(m[PG], 0xAB);
    CHECK_EQ(m[SIZE + 5], 7);
    check_view(m + 2 * PG, 2 * PG, 2 * PG);

    /* a forked child gets a copy: its writes stay its own */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        check_view(b, 0, 5 * PG);
        memset(b, 0x5A, 5 * PG);
        _exit(b[PG] == 0x5A ? 0 : 1);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    check_view(b, 0, 5 * PG);

    CHECK_EQ(munmap(m, 10 * PG), 0);
    CHECK_EQ(munmap(b, SIZE), 0);
    /* after all that, a new view shows the file again */
    unsigned char *n = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 3 * PG);
    CHECK(n != MAP_FAILED);
    check_view(n, 3 * PG, 2 * PG);
    CHECK_EQ(close(fd), 0);
    printf("ok\n");
    return 0;
}
