/*
 * text: a growing text buffer in the kernel heap, filled printf-style,
 * for the LibOS's generated files (/proc, /proc/sysvipc).
 */
#ifndef LIBOS_UTIL_TEXT_H
#define LIBOS_UTIL_TEXT_H

#include <stddef.h>

struct text {
    char *buf; /* kmalloc'ed; the caller frees it */
    size_t len, cap;
};

/* Append, growing buf as needed: 0, -ENOMEM or -EINVAL. */
int text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
