/*
 * shared_globals: remaps the LibOS core's globals (the .libos_shared
 * section, pal/sim/libos_shared.ld) as a memfd MAP_SHARED at the same
 * address, contents kept, so that host processes forked from this one
 * share them as they share the kernel heap. Runs first in main, before
 * any LibOS code or thread.
 */
#include "pal/pal.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

extern char __libos_shared_start[], __libos_shared_end[];

/* A plain copy (n a multiple of 8), not seen by AddressSanitizer: the
 * section holds the redzones of instrumented globals, which a pwrite of
 * it (or an intercepted memcpy) reports as an overflow. volatile keeps
 * the compiler from making it a memcpy call. */
__attribute__((no_sanitize_address)) static void copy_raw(volatile uint64_t *dst,
                                                          const uint64_t *src, size_t n)
{
    for (size_t i = 0; i < n / 8; i++)
        dst[i] = src[i];
}

int pal_share_globals(void)
{
    char *start = __libos_shared_start;
    size_t len = (size_t)(__libos_shared_end - start);
    if (len == 0) return 0;
    if ((uintptr_t)start % 4096 || len % 4096) return -EINVAL;
    int fd = memfd_create("occlum-globals", MFD_CLOEXEC);
    if (fd < 0) return -errno;
    int r = 0;
    char *copy = MAP_FAILED;
    if (ftruncate(fd, (off_t)len) < 0 ||
        (copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED)
        r = -errno;
    if (r == 0) {
        copy_raw((volatile uint64_t *)copy, (const uint64_t *)start, len);
        munmap(copy, len);
    }
    if (r == 0 &&
        mmap(start, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
        r = -errno;
    close(fd);
    return r;
}
