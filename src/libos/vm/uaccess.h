/*
 * uaccess: checked access to application memory.
 *
 * The application and the LibOS share an address space, so a user pointer
 * can be dereferenced directly once it is known to lie in mapped areas of
 * the calling process with the right protection. Nothing the application
 * passes may crash the LibOS: every user pointer is checked with these
 * functions, and a bad one becomes -EFAULT.
 */
#ifndef LIBOS_UACCESS_H
#define LIBOS_UACCESS_H

#include <stdbool.h>
#include <stddef.h>

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
