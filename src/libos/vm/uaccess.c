/*
 * uaccess: user pointers are checked against the calling process's areas
 * before the LibOS touches them (see uaccess.h).
 */
#include "vm/uaccess.h"

#include "process/process.h"
#include "vm/vm.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

bool user_ok(const void *p, size_t len, bool write)
{
    return vm_check(current_process(), (uint64_t)p, len, write ? PROT_WRITE : PROT_READ);
}

int copy_from_user(void *dst, const void *usrc, size_t len)
{
    if (!user_ok(usrc, len, false)) return -EFAULT;
    memcpy(dst, usrc, len);
    return 0;
}

int copy_to_user(void *udst, const void *src, size_t len)
{
    if (!user_ok(udst, len, true)) return -EFAULT;
    memcpy(udst, src, len);
    return 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
    struct process *p = current_process();
    uint64_t addr = (uint64_t)usrc, end = 0;
    size_t n = 0;
    while (n < max) {
        if (addr + n >= end) { /* entering a new area: check it is readable */
            int prot = vm_prot_at(p, addr + n, &end);
            if (prot < 0 || !(prot & PROT_READ)) return -EFAULT;
        }
        char c = usrc[n];
        dst[n] = c;
        if (c == '\0') return (long)n;
        n++;
    }
    return -ENAMETOOLONG;
}

long strnlen_user(const char *usrc, size_t max)
{
    struct process *p = current_process();
    uint64_t addr = (uint64_t)usrc, end = 0;
    for (size_t n = 0; n < max; n++) {
        if (addr + n >= end) { /* entering a new area: check it is readable */
            int prot = vm_prot_at(p, addr + n, &end);
            if (prot < 0 || !(prot & PROT_READ)) return -EFAULT;
        }
        if (usrc[n] == '\0') return (long)n;
    }
    return -ENAMETOOLONG;
}
