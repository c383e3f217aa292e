/* mmap_anon: anonymous mappings are aligned, zero-filled, writable; MAP_FIXED and hints. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"

#define PG 4096ul

int main(void)
{
    size_t len = 64 * PG;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ((uintptr_t)p % PG, 0);
    for (size_t i = 0; i < len; i++)
        if (p[i] != 0) {
            fprintf(stderr, "byte %zu is %d\n", i, p[i]);
            CHECK(0);
        }
    for (size_t i = 0; i < len; i += 97)
        p[i] = (unsigned char)(i * 13);
    for (size_t i = 0; i < len; i += 97)
        CHECK_EQ(p[i], (unsigned char)(i * 13));

    /* a non-page-multiple length is rounded up: the whole last page is usable */
    unsigned char *q = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q != MAP_FAILED);
    q[PG - 1] = 1;
    CHECK_EQ(q[PG - 1], 1);
    CHECK_EQ(munmap(q, 100), 0);

    /* MAP_FIXED replaces part of an existing mapping with fresh zero pages */
    unsigned char *r = mmap(p + 8 * PG, 2 * PG, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(r == p + 8 * PG);
    for (size_t i = 0; i < 2 * PG; i++)
        CHECK_EQ(r[i], 0);
    CHECK_EQ(p[7 * PG + 0], (unsigned char)0); /* neighbours keep their data */
    size_t k = 10 * PG + (97 - (10 * PG) % 97) % 97;
    CHECK_EQ(p[k], (unsigned char)(k * 13));

    /* MAP_FIXED_NOREPLACE refuses an occupied range */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
    void *s = mmap(p, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(s == MAP_FAILED);
    CHECK_EQ(errno, EEXIST);

    /* munmap a hole in the middle, then map it again with a hint */
    CHECK_EQ(munmap(p + 20 * PG, 4 * PG), 0);
    void *t = mmap(p + 20 * PG, 4 * PG, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(t == p + 20 * PG);
    CHECK_EQ(((unsigned char *)t)[0], 0);

    /* MAP_SHARED|MAP_ANONYMOUS is also zero-filled and writable */
    unsigned char *sh =
        mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(sh != MAP_FAILED);
    CHECK_EQ(sh[3 * PG + 5], 0);
    sh[3 * PG + 5] = 7;
    CHECK_EQ(sh[3 * PG + 5], 7);
    CHECK_EQ(munmap(sh, 4 * PG), 0);

    /* many small mappings are distinct and non-overlapping */
    unsigned char *m[64];
    for (int i = 0; i < 64; i++) {
        m[i] = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(m[i] != MAP_FAILED);
        memset(m[i], i, PG);
    }
    for (int i = 0; i < 64; i++) {
        CHECK_EQ(m[i][0], i);
        CHECK_EQ(m[i][PG - 1], i);
        CHECK_EQ(munmap(m[i], PG), 0);
    }

    CHECK_EQ(munmap(p, len), 0);
    return 0;
}
