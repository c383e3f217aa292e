/* brk: the break grows zero-filled, shrinks, refuses bad values; brk(0) reports it. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "check.h"

/* Raw brk: musl's sbrk() refuses non-zero increments, and the libc may
 * cache the break; the system call returns the new (or unchanged) break. */
static uintptr_t rbrk(uintptr_t addr)
{
    return (uintptr_t)syscall(SYS_brk, addr);
}

int main(void)
{
    uintptr_t start = rbrk(0);
    CHECK(start != 0);
    CHECK_EQ(rbrk(0), start);

    /* grow by 1 MiB + a bit: the new break is exactly what we asked */
    uintptr_t want = start + (1u << 20) + 123;
    CHECK_EQ(rbrk(want), want);
    CHECK_EQ(rbrk(0), want);
    unsigned char *m = (unsigned char *)start;
    for (uintptr_t i = 0; i < want - start; i += 4096)
        CHECK_EQ(m[i], 0);
    CHECK_EQ(m[want - start - 1], 0);
    memset(m, 0xab, want - start);
    CHECK_EQ(m[want - start - 1], 0xab);

    /* grow again: old data stays */
    uintptr_t want2 = want + (4u << 20);
    CHECK_EQ(rbrk(want2), want2);
    CHECK_EQ(m[12345], 0xab);
    unsigned char *m2 = (unsigned char *)((want + 4095) & ~(uintptr_t)4095);
    CHECK_EQ(m2[0], 0);
    m2[(4u << 20) - 4096] = 7;

    /* shrink back */
    CHECK_EQ(rbrk(want), want);
    CHECK_EQ(rbrk(0), want);
    CHECK_EQ(m[100], 0xab);

    /* shrink, then grow again: the re-grown pages are zero */
    uintptr_t half = start + 8192;
    CHECK_EQ(rbrk(half), half);
    CHECK_EQ(rbrk(start + 3 * 4096 * 4), start + 3 * 4096 * 4);
    unsigned char *z = (unsigned char *)((half + 4095) & ~(uintptr_t)4095);
    CHECK_EQ(z[0], 0);

    /* below the start of the heap: refused, break unchanged */
    uintptr_t cur = rbrk(0);
    CHECK_EQ(rbrk(start - 4096 * 1024), cur);
    CHECK_EQ(rbrk(0), cur);
    /* absurdly large: refused, break unchanged */
    CHECK_EQ(rbrk(start + (1ull << 46)), cur);
    CHECK_EQ(rbrk(0), cur);

    CHECK_EQ(rbrk(start), start);
    CHECK_EQ(rbrk(0), start);

    /* glibc's sbrk works on top of it; musl's sbrk(0) only reports */
    void *s = sbrk(0);
    CHECK(s != (void *)-1);
    CHECK_EQ((uintptr_t)s, start);
    return 0;
}
