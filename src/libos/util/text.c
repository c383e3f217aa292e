/* text: see text.h. */
#include "util/text.h"

#include "util/kheap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int text_printf(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) return -EINVAL;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return 0;
        }
        size_t cap = (t->cap + (size_t)n) * 2;
        char *b = krealloc(t->buf, cap);
        if (!b) return -ENOMEM;
        t->buf = b;
        t->cap = cap;
    }
}
