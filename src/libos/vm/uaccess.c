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
    return uaccess_copy(dst, usrc, len) ? -EFAULT : 0;
}

int copy_to_user(void *udst, const void *src, size_t len)
{
    if (!user_ok(udst, len, true)) return -EFAULT;
    return uaccess_copy(udst, src, len) ? -EFAULT : 0;
}

/* The string at usrc, one readable area at a time: copied into dst, or
 * only measured when dst is NULL. */
static long user_string(char *dst, const char *usrc, size_t max)
{
    struct process *p = current_process();
    uint64_t addr = (uint64_t)usrc;
    size_t n = 0;
    while (n < max) {
        uint64_t end;
        int prot = vm_prot_at(p, addr + n, &end);
        if (prot < 0 || !(prot & PROT_READ)) return -EFAULT;
        size_t chunk = end - (addr + n) < max - n ? end - (addr + n) : max - n;
        long r = dst ? uaccess_strncpy(dst + n, usrc + n, chunk) : uaccess_strnlen(usrc + n, chunk);
        if (r == -1) return -EFAULT;
        if (r >= 0) return (long)(n + (size_t)r);
        n += chunk;
    }
    return -ENAMETOOLONG;
}

long strncpy_from_user(char *dst, const char *usrc, size_t max)
{
    return user_string(dst, usrc, max);
}

long strnlen_user(const char *usrc, size_t max)
{
    return user_string(NULL, usrc, max);
}

unsigned long uaccess_fixup(unsigned long rip)
{
    for (unsigned long i = 0; i < uaccess_nfixups; i++)
        if (uaccess_fixups[i].insn == rip) return uaccess_fixups[i].resume;
    return 0;
}
