/* huge_alloc: impossible allocations (mmap 2^47 bytes, malloc, brk) fail with ENOMEM. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "check.h"

int main(void)
{
    /* 2^47 bytes: the whole x86-64 user half; can never fit */
    size_t huge = (size_t)1 << 47;
    void *p = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p == MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);
    p = mmap(NULL, huge, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(p == MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);

    volatile size_t max = SIZE_MAX; /* volatile: no compile-time warnings */
    errno = 0;
    void *m = malloc(huge);
    CHECK(m == NULL);
    CHECK_EQ(errno, ENOMEM);
    m = calloc((size_t)1 << 24, (size_t)1 << 24); /* 2^48 bytes */
    CHECK(m == NULL);
    m = calloc(max / 2, 4); /* n * size overflows */
    CHECK(m == NULL);
    m = malloc(max);
    CHECK(m == NULL);
    char *ok = malloc(1 << 20);
    CHECK(ok != NULL);
    void *r = realloc(ok, huge);
    CHECK(r == NULL);
    ok[0] = 'x'; /* the old block is still valid after a failed realloc */
    free(ok);

    /* brk to an impossible address leaves the break where it was */
    uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
    CHECK_EQ((uintptr_t)syscall(SYS_brk, cur + huge), cur);

    /* after all these failures, normal allocation still works */
    char *s = malloc(4096);
    CHECK(s != NULL);
    memset(s, 1, 4096);
    free(s);
    void *q = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q != MAP_FAILED);
    CHECK_EQ(munmap(q, 1 << 20), 0);
    return 0;
}
