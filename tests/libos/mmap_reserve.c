/* mmap_reserve: address space reserved with PROT_NONE is not memory (as
 * V8 reserves its code range and Go its heap arenas): a reservation far
 * larger than the instance's user_space_size (1 GB for these tests)
 * succeeds, and pages made accessible with mprotect count from then on. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>
#include "check.h"

int main(void)
{
    size_t big = 8UL << 30;
    char *r = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(r != MAP_FAILED);
    /* Use two pieces of it, 64 MiB apart. */
    CHECK(mprotect(r + (64 << 20), 1 << 20, PROT_READ | PROT_WRITE) == 0);
    CHECK(mprotect(r + (4UL << 30), 1 << 20, PROT_READ | PROT_WRITE) == 0);
    memset(r + (64 << 20), 0xab, 1 << 20);
    memset(r + (4UL << 30), 0xcd, 1 << 20);
    CHECK((unsigned char)r[(64 << 20) + 4095] == 0xab);
    CHECK((unsigned char)r[(4UL << 30) + 12345] == 0xcd);
    /* Back to PROT_NONE, then to use again: the contents stay. */
    CHECK(mprotect(r + (64 << 20), 1 << 20, PROT_NONE) == 0);
    CHECK(mprotect(r + (64 << 20), 1 << 20, PROT_READ) == 0);
    CHECK((unsigned char)r[(64 << 20) + 1] == 0xab);
    CHECK(munmap(r, big) == 0);
    /* and again, many times: nothing leaks from the reservation count */
    for (int i = 0; i < 16; i++) {
        char *q = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        CHECK(q != MAP_FAILED);
        CHECK(mprotect(q, 1 << 20, PROT_READ | PROT_WRITE) == 0);
        q[0] = 1;
        CHECK(munmap(q, big) == 0);
    }
    return 0;
}
