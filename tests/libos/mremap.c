/* mremap: grow, shrink, move (MREMAP_FIXED) keep the content; EINVAL/ENOMEM/EFAULT. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"

#define PG 4096ul

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i += 64)
        p[i] = (unsigned char)(seed + i / 64);
}

static void verify(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i += 64)
        if (p[i] != (unsigned char)(seed + i / 64)) {
            fprintf(stderr, "offset %zu differs\n", i);
            CHECK(0);
        }
}

int main(void)
{
    int sink = sink_fd();
    CHECK(sink >= 0);
    int anon = MAP_PRIVATE | MAP_ANONYMOUS;

    /* grow with MREMAP_MAYMOVE: content kept, new part zero */
    unsigned char *p = mmap(NULL, 5 * PG, PROT_READ | PROT_WRITE, anon, -1, 0);
    CHECK(p != MAP_FAILED);
    fill(p, 4 * PG, 1);
    /* block growing in place: the page right after is a separate mapping */
    unsigned char *blocker = p + 4 * PG;
    CHECK_EQ(mprotect(blocker, PG, PROT_READ), 0);
    CHECK(mremap(p, 4 * PG, 64 * PG, 0) == MAP_FAILED); /* can't grow in place */
    CHECK_EQ(errno, ENOMEM);
    unsigned char *q = mremap(p, 4 * PG, 64 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED);
    CHECK(q != p); /* had to move */
    verify(q, 4 * PG, 1);
    for (size_t i = 4 * PG; i < 64 * PG; i += PG)
        CHECK_EQ(q[i], 0);
    q[64 * PG - 1] = 5;
    CHECK_ERRNO(write(sink, p, 1), EFAULT); /* the old range is gone */
    CHECK_EQ(munmap(blocker, PG), 0);

    /* shrink: stays in place, the tail is unmapped */
    unsigned char *r = mremap(q, 64 * PG, 16 * PG, 0);
    CHECK(r == q);
    verify(r, 4 * PG, 1);
    CHECK_ERRNO(write(sink, q + 16 * PG, 1), EFAULT);
    CHECK_EQ(write(sink, q + 15 * PG, PG), PG);

    /* grow in place when the space after is free */
    CHECK_EQ(munmap(q + 16 * PG, 16 * PG), 0); /* make sure */
    void *g = mremap(q, 16 * PG, 24 * PG, 0);
    if (g == MAP_FAILED) { /* something else may live there; then move */
        CHECK_EQ(errno, ENOMEM);
        g = mremap(q, 16 * PG, 24 * PG, MREMAP_MAYMOVE);
        CHECK(g != MAP_FAILED);
    }
    q = g;
    verify(q, 4 * PG, 1);

    /* MREMAP_FIXED moves to a chosen address, replacing what was there */
    unsigned char *dst = mmap(NULL, 32 * PG, PROT_READ | PROT_WRITE, anon, -1, 0);
    CHECK(dst != MAP_FAILED);
    memset(dst, 0xee, 32 * PG);
    unsigned char *m = mremap(q, 24 * PG, 24 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 4 * PG);
    CHECK(m == dst + 4 * PG);
    verify(m, 4 * PG, 1);
    CHECK_EQ(dst[0], 0xee);       /* before the target: untouched */
    CHECK_EQ(dst[28 * PG], 0xee); /* after the target: untouched */
    CHECK_ERRNO(write(sink, q, 1), EFAULT);

    /* errors */
    CHECK(mremap(m + 1, PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED); /* unaligned */
    CHECK_EQ(errno, EINVAL);
    CHECK(mremap(m, PG, 0, MREMAP_MAYMOVE) == MAP_FAILED); /* new_len 0 */
    CHECK_EQ(errno, EINVAL);
    CHECK(mremap(m, PG, PG, MREMAP_FIXED, dst) == MAP_FAILED); /* FIXED without MAYMOVE */
    CHECK_EQ(errno, EINVAL);
    CHECK(mremap(m, PG, PG, 0x80) == MAP_FAILED); /* unknown flag */
    CHECK_EQ(errno, EINVAL);
    CHECK(mremap(m, 4 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, m + 2 * PG) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);                                    /* overlapping move */
    CHECK(mremap(q, PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED); /* not mapped */
    CHECK_EQ(errno, EFAULT);

    /* growing a part that is not the end of its mapping without moving */
    unsigned char *w = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, anon, -1, 0);
    CHECK(w != MAP_FAILED);
    CHECK(mremap(w, 2 * PG, 3 * PG, 0) == MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);

    CHECK_EQ(munmap(w, 4 * PG), 0);
    CHECK_EQ(munmap(dst, 32 * PG), 0);
    return 0;
}
