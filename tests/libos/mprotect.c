/* mprotect: protections change, are enforced on kernel copies (EFAULT), keep the data. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "check.h"

#define PG 4096ul

int main(void)
{
    int zero = open("/dev/zero", O_RDONLY), sink = sink_fd();
    CHECK(zero >= 0 && sink >= 0);
    unsigned char *p =
        mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 0x5a, 8 * PG);

    /* read-only: data stays, a read() into it fails with EFAULT */
    CHECK_EQ(mprotect(p, 8 * PG, PROT_READ), 0);
    CHECK_EQ(p[100], 0x5a);
    CHECK_EQ(write(sink, p, PG), PG); /* kernel can read it */
    CHECK_ERRNO(read(zero, p, 16), EFAULT);
    CHECK_EQ(p[0], 0x5a);

    /* back to read-write */
    CHECK_EQ(mprotect(p, 8 * PG, PROT_READ | PROT_WRITE), 0);
    CHECK_EQ(read(zero, p, 16), 16);
    CHECK_EQ(p[0], 0);
    p[1] = 1;

    /* PROT_NONE on the middle pages only: the kernel can't read them, neighbours fine */
    CHECK_EQ(mprotect(p + 2 * PG, 2 * PG, PROT_NONE), 0);
    CHECK_ERRNO(write(sink, p + 2 * PG, 16), EFAULT);
    CHECK_ERRNO(write(sink, p + 3 * PG + 100, 16), EFAULT);
    CHECK_EQ(write(sink, p + PG, PG), PG);
    CHECK_EQ(write(sink, p + 4 * PG, PG), PG);
    CHECK_EQ(read(zero, p + 4 * PG, 8), 8);
    /* a copy that runs into the PROT_NONE page stops there */
    ssize_t n = write(sink, p + PG, 2 * PG);
    CHECK(n == -1 || n == (ssize_t)PG);

    /* restore: the data under PROT_NONE survived */
    CHECK_EQ(mprotect(p + 2 * PG, 2 * PG, PROT_READ | PROT_WRITE), 0);
    CHECK_EQ(p[2 * PG], 0x5a);
    CHECK_EQ(p[4 * PG - 1], 0x5a);
    CHECK_EQ(p[1], 1);

    /* unaligned start, length rounded up, zero length */
    CHECK_ERRNO(syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL); /* raw: musl rounds */
    CHECK_EQ(mprotect(p, 1, PROT_READ), 0); /* len rounds up to one page */
    CHECK_ERRNO(read(zero, p + PG - 1, 1), EFAULT);
    CHECK_EQ(read(zero, p + PG, 1), 1);
    CHECK_EQ(mprotect(p, 0, PROT_NONE), 0);
    /* unknown protection bits */
    CHECK_ERRNO(mprotect(p, PG, 0x100), EINVAL);
    /* PROT_EXEC on anonymous memory is allowed */
    CHECK_EQ(mprotect(p, PG, PROT_READ | PROT_EXEC), 0);
    CHECK_EQ(p[100], 0x5a);

    /* mmap with PROT_NONE then enable */
    unsigned char *q = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q != MAP_FAILED);
    CHECK_ERRNO(write(sink, q, 1), EFAULT);
    CHECK_EQ(mprotect(q, PG, PROT_READ | PROT_WRITE), 0);
    q[0] = 3;
    CHECK_EQ(q[0], 3);

    CHECK_EQ(munmap(q, PG), 0);
    CHECK_EQ(munmap(p, 8 * PG), 0);
    return 0;
}
