/* log: level filter and formatting of the LibOS's diagnostics. */
#include "util/log.h"
#include "pal/pal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum log_level log_level = LOG_WARN;

static const char *const level_names[] = {"off", "error", "warn", "info", "debug", "trace"};

int log_set_level_name(const char *name)
{
    for (int i = 0; i <= LOG_TRACE; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            log_level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_printf(enum log_level lvl, const char *fmt, ...)
{
    if (lvl > log_level || lvl == LOG_OFF) return;
    char buf[1024];
    int n = snprintf(buf, sizeof(buf), "[occlum %s] ", level_names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) m = 0;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof(buf) - 2) len = sizeof(buf) - 2;
    buf[len++] = '\n';
    pal_log_write(buf, len);
}
