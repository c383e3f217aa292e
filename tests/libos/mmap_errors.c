/* mmap_errors: mmap/munmap/mprotect/msync/madvise reject bad arguments as Linux does. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "check.h"

#define PG 4096ul

/* raw mmap so the libc cannot pre-filter arguments */
static long rmmap(void *a, size_t l, int prot, int flags, int fd, long off)
{
    return syscall(SYS_mmap, a, l, prot, flags, fd, off);
}

int main(void)
{
    int anon = MAP_PRIVATE | MAP_ANONYMOUS;
    /* a mapped area to play with */
    unsigned char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, anon, -1, 0);
    CHECK(p != MAP_FAILED);

    /* mmap */
    CHECK_ERRNO(rmmap(NULL, 0, PROT_READ, anon, -1, 0), EINVAL);               /* len 0 */
    CHECK_ERRNO(rmmap(p + 1, PG, PROT_READ, anon | MAP_FIXED, -1, 0), EINVAL); /* unaligned fixed */
    CHECK_ERRNO(rmmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0),
                EINVAL); /* neither PRIVATE nor SHARED */
    CHECK_ERRNO(rmmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, -1, 0),
                EINVAL);
    CHECK_ERRNO(rmmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0), EBADF); /* file map, bad fd */
    CHECK_ERRNO(rmmap(NULL, PG, PROT_READ, MAP_PRIVATE, 9999, 0), EBADF);
    CHECK_ERRNO(rmmap(NULL, PG, PROT_READ, anon, -1, 1), EINVAL);          /* unaligned offset */
    CHECK_ERRNO(rmmap(NULL, (size_t)-PG, PROT_READ, anon, -1, 0), ENOMEM); /* absurd length */
    /* an unaligned hint without MAP_FIXED is only a hint */
    long h = rmmap(p + 1, PG, PROT_READ, anon, -1, 0);
    CHECK(h != -1 && h % PG == 0);
    CHECK_EQ(munmap((void *)h, PG), 0);

    int fd = open("/dev/null", O_WRONLY);
    CHECK(fd >= 0);
    CHECK_ERRNO(rmmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0), EACCES); /* write-only fd */
    CHECK_EQ(close(fd), 0);

    /* munmap */
    CHECK_ERRNO(munmap(p + 1, PG), EINVAL);
    CHECK_ERRNO(munmap(p, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_munmap, (void *)(uintptr_t)0xffffffffffff0000ull, 2 * PG), EINVAL);
    /* unmapping a range that holds no mapping succeeds */
    CHECK_EQ(munmap(p + 3 * PG, PG), 0);
    CHECK_EQ(munmap(p + 3 * PG, PG), 0);

    /* mprotect */
    /* raw: musl's mprotect() rounds the start down itself */
    CHECK_ERRNO(syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL);
    CHECK_ERRNO(mprotect(p + 3 * PG, PG, PROT_READ), ENOMEM);     /* unmapped */
    CHECK_ERRNO(mprotect(p + 2 * PG, 2 * PG, PROT_READ), ENOMEM); /* partly unmapped */
    CHECK_ERRNO(mprotect(p, PG, PROT_READ | 0x1000), EINVAL);     /* bad prot bits */

    /* msync */
    CHECK_ERRNO(msync(p + 1, PG, MS_SYNC), EINVAL);
    CHECK_ERRNO(msync(p, PG, MS_SYNC | MS_ASYNC), EINVAL);
    CHECK_ERRNO(msync(p + 3 * PG, PG, MS_SYNC), ENOMEM);
    CHECK_EQ(msync(p, PG, MS_SYNC), 0);

    /* madvise on a mapping is fine; MADV_DONTNEED zero-fills anonymous pages */
    p[5] = 9;
    CHECK_EQ(madvise(p, PG, MADV_DONTNEED), 0);
    CHECK_EQ(p[5], 0);
    CHECK_ERRNO(madvise(p + 1, PG, MADV_DONTNEED), EINVAL);

    CHECK_EQ(munmap(p, 3 * PG), 0);
    return 0;
}
