/* mt_util.h: helpers shared by the multitasking tests (tests/libos/mt_*.c). */
#ifndef LIBOS_TEST_MT_UTIL_H
#define LIBOS_TEST_MT_UTIL_H

#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

extern char **environ;

/* Monotonic time in milliseconds. */
static inline double mt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Sleep ms milliseconds (restarted after signals). */
static inline void mt_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The absolute path of the running binary (readlink of /proc/self/exe);
 * needed when a shell (system, popen) must run this binary: its own
 * /proc/self/exe would name the shell. */
static inline const char *mt_self_path(void)
{
    static char buf[PATH_MAX];
    if (buf[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
        CHECK(n > 0);
        buf[n] = '\0';
    }
    return buf;
}

/* posix_spawn this binary ("/proc/self/exe") with argv {"mt", role, args...,
 * NULL} (the variadic list ends with NULL); fa and at may be NULL.
 * Returns the child's pid; any spawn error fails the test. */
static inline pid_t mt_spawn_self(const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
                                  const char *role, ...)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *)"mt";
    argv[n++] = (char *)role;
    va_list ap;
    va_start(ap, role);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < 31)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    pid_t pid = -1;
    int r = posix_spawn(&pid, "/proc/self/exe", fa, at, argv, environ);
    if (r != 0) {
        fprintf(stderr, "posix_spawn(/proc/self/exe %s): %s\n", role, strerror(r));
        exit(1);
    }
    CHECK(pid > 0);
    return pid;
}

/* waitpid(pid) (restarting on EINTR); returns the raw status. */
static inline int mt_wait_status(pid_t pid)
{
    int st = 0;
    pid_t r;
    do {
        r = waitpid(pid, &st, 0);
    } while (r < 0 && errno == EINTR);
    CHECK_EQ(r, pid);
    return st;
}

/* Wait for pid and require a normal exit with status `code`. */
#define MT_WAIT_EXIT(pid, code)                                                                    \
    do {                                                                                           \
        int st_ = mt_wait_status(pid);                                                             \
        if (!WIFEXITED(st_) || WEXITSTATUS(st_) != (code)) {                                       \
            fprintf(stderr, "%s:%d: child %d: status 0x%x (%s %d), expected exit %d\n", __FILE__,  \
                    __LINE__, (int)(pid), st_, WIFEXITED(st_) ? "exit" : "signal",                 \
                    WIFEXITED(st_) ? WEXITSTATUS(st_) : WTERMSIG(st_), (int)(code));               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* Read exactly n bytes unless EOF comes first; returns the count read. */
static inline size_t mt_readn(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        CHECK(r >= 0);
        if (r == 0) break;
        got += (size_t)r;
    }
    return got;
}

/* Write all n bytes. */
static inline void mt_writen(int fd, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = write(fd, (const char *)buf + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        CHECK(r > 0);
        done += (size_t)r;
    }
}

#endif
