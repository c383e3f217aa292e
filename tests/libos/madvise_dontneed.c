/*
 * madvise_dontneed: MADV_DONTNEED over private anonymous pages of several
 * protections (read-write, read-only, none) makes every one of them read
 * back as zero, as on Linux. The LibOS cleared the range through the first
 * page's protection: a read-only page after a writable one crashed it.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "check.h"

int main(void)
{
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 'x', 3 * 4096);
    CHECK(mprotect(p + 4096, 4096, PROT_READ) == 0);
    CHECK(mprotect(p + 8192, 4096, PROT_NONE) == 0);
    CHECK(madvise(p, 3 * 4096, MADV_DONTNEED) == 0);
    CHECK(p[0] == 0 && p[4095] == 0 && p[4096] == 0 && p[8191] == 0);
    CHECK(mprotect(p + 8192, 4096, PROT_READ) == 0);
    CHECK(p[8192] == 0 && p[3 * 4096 - 1] == 0);
    /* the protections are as they were: the first page still writable */
    p[0] = 'y';
    CHECK(p[0] == 'y');
    /* a read-only range alone, from its start */
    CHECK(mprotect(p, 4096, PROT_READ) == 0);
    CHECK(madvise(p, 4096, MADV_DONTNEED) == 0);
    CHECK(p[0] == 0);
    puts("madvise_dontneed: ok");
    return 0;
}
