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

int pal_share_globals(void)
{
    char *start = __libos_shared_start;
    size_t len = (size_t)(__libos_shared_end - start);
    if (len == 0) return 0;
    if ((uintptr_t)start % 4096 || len % 4096) return -EINVAL;
    int fd = memfd_create("occlum-globals", MFD_CLOEXEC);
    if (fd < 0) return -errno;
    int r = 0;
    for (size_t done = 0; done < len && r == 0;) {
        ssize_t n = pwrite(fd, start + done, len - done, (off_t)done);
        if (n > 0)
            done += (size_t)n;
        else if (n < 0 && errno != EINTR)
            r = -errno;
    }
    if (r == 0 &&
        mmap(start, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
        r = -errno;
    close(fd);
    return r;
}
