/* munmap: unmapped memory is gone (EFAULT/ENOMEM), partial unmaps split mappings. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "check.h"

#define PG 4096ul

int main(void)
{
    int sink = sink_fd(), zero = open("/dev/zero", O_RDONLY);
    CHECK(sink >= 0 && zero >= 0);
    unsigned char *p =
        mmap(NULL, 6 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 0x11, 6 * PG);

    /* unmap the whole thing: no longer accessible */
    CHECK_EQ(munmap(p, 6 * PG), 0);
    CHECK_ERRNO(write(sink, p, 10), EFAULT);
    CHECK_ERRNO(read(zero, p + 5 * PG, 10), EFAULT);
    CHECK_ERRNO(mprotect(p, PG, PROT_READ), ENOMEM);
    CHECK_ERRNO(msync(p, PG, MS_ASYNC), ENOMEM);

    /* map again, punch holes: head, middle, tail */
    p = mmap(NULL, 6 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    for (int i = 0; i < 6; i++)
        memset(p + i * PG, i + 1, PG);
    CHECK_EQ(munmap(p, PG), 0);          /* head */
    CHECK_EQ(munmap(p + 3 * PG, PG), 0); /* middle */
    CHECK_EQ(munmap(p + 5 * PG, PG), 0); /* tail */
    static const int mapped[6] = {0, 1, 1, 0, 1, 0};
    for (int i = 0; i < 6; i++) {
        if (mapped[i]) {
            CHECK_EQ(p[i * PG], i + 1);
            CHECK_EQ(p[i * PG + PG - 1], i + 1);
            CHECK_EQ(write(sink, p + i * PG, PG), PG);
        } else {
            CHECK_ERRNO(write(sink, p + i * PG, 1), EFAULT);
        }
    }
    /* a range spanning mapped and unmapped pages can be unmapped in one call */
    CHECK_EQ(munmap(p, 6 * PG), 0);
    for (int i = 0; i < 6; i++)
        CHECK_ERRNO(write(sink, p + i * PG, 1), EFAULT);

    /* the address range can be reused */
    unsigned char *q =
        mmap(p, 6 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p);
    CHECK_EQ(q[2 * PG], 0); /* fresh zero pages, not the old content */
    CHECK_EQ(munmap(q, 6 * PG), 0);
    return 0;
}
