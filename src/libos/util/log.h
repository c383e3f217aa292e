/*
 * log: the LibOS's own diagnostics, on the host's stderr.
 *
 * The level comes from OCCLUM_LOG_LEVEL (off|error|warn|info|debug|trace),
 * default warn. A program that uses only supported features must print
 * nothing but its own output, so warn is reserved for things the user
 * should act on (an unsupported system call, an exhausted limit).
 */
#ifndef LIBOS_LOG_H
#define LIBOS_LOG_H

enum log_level { LOG_OFF, LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

extern enum log_level log_level;

/* Returns 0, or -1 when `name` is not a level. */
int log_set_level_name(const char *name);
void log_printf(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_printf(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)                                                                              \
    do {                                                                                           \
        if (log_level >= LOG_WARN) log_printf(LOG_WARN, __VA_ARGS__);                              \
    } while (0)
#define log_info(...)                                                                              \
    do {                                                                                           \
        if (log_level >= LOG_INFO) log_printf(LOG_INFO, __VA_ARGS__);                              \
    } while (0)
#define log_debug(...)                                                                             \
    do {                                                                                           \
        if (log_level >= LOG_DEBUG) log_printf(LOG_DEBUG, __VA_ARGS__);                            \
    } while (0)
#define log_trace(...)                                                                             \
    do {                                                                                           \
        if (log_level >= LOG_TRACE) log_printf(LOG_TRACE, __VA_ARGS__);                            \
    } while (0)

#endif
