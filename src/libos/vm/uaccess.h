/*
 * uaccess: checked access to application memory.
 *
 * The application and the LibOS share an address space. Nothing the
 * application passes may crash the LibOS, so every access to its memory
 * is two steps: the range is checked against the calling process's areas
 * (a pointer into LibOS memory is mapped on the host, yet EFAULT), and the
 * bytes move only through the instructions of usercopy.S, whose faults
 * the trap handler turns into a short copy: another thread may unmap or
 * protect the memory at any time, even between the check and the copy,
 * or while the call sleeps. Code that holds a user pointer (file
 * operations given the application's buffer) copies with uaccess_copy,
 * never with memcpy.
 */
#ifndef LIBOS_UACCESS_H
#define LIBOS_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usercopy.h"

/* For the trap handler: the resume address for a fault at rip inside
 * usercopy.S, or 0 when rip is not one of its instructions. */
unsigned long uaccess_fixup(unsigned long rip);

/* True when [p, p+len) is mapped readable (write=false) or writable (write=true). */
bool user_ok(const void *p, size_t len, bool write);

/* 0 or -EFAULT. */
int copy_from_user(void *dst, const void *usrc, size_t len);
int copy_to_user(void *udst, const void *src, size_t len);

/* Copy a NUL-terminated string of at most max-1 bytes. Returns its length,
 * -EFAULT, or -ENAMETOOLONG when it does not fit. */
long strncpy_from_user(char *dst, const char *usrc, size_t max);

/* The length of a NUL-terminated string, NUL excluded: -EFAULT, or
 * -ENAMETOOLONG when the first max bytes hold no NUL. */
long strnlen_user(const char *usrc, size_t max);

#endif
