/* check.h: tiny assertion helpers shared by the tests in tests/libos/. */
#ifndef LIBOS_TEST_CHECK_H
#define LIBOS_TEST_CHECK_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* CHECK(cond): on failure print file:line and the expression, exit 1. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            int e_ = errno;                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s (errno %d: %s)\n", __FILE__, __LINE__, #cond, \
                    e_, strerror(e_));                                                             \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* CHECK_ERRNO(expr, err): expr must return -1 (or MAP_FAILED-like value
 * compared by the caller) with errno == err. Works for int and ssize_t
 * returning calls. */
#define CHECK_ERRNO(expr, err)                                                                     \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(expr);                                                                    \
        int e_ = errno;                                                                            \
        if (r_ != -1 || e_ != (err)) {                                                             \
            fprintf(stderr,                                                                        \
                    "%s:%d: CHECK_ERRNO failed: %s returned %ld, errno %d "                        \
                    "(%s), expected -1 with errno %d (%s)\n",                                      \
                    __FILE__, __LINE__, #expr, r_, e_, strerror(e_), (int)(err), strerror(err));   \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* CHECK_STR(a, b): two C strings are equal. */
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {                                     \
            fprintf(stderr,                                                                        \
                    "%s:%d: CHECK_STR failed: %s == %s (\"%s\" vs "                                \
                    "\"%s\")\n",                                                                   \
                    __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* CHECK_EQ(a, b): two integers are equal (printed on failure). */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            int e_ = errno;                                                                        \
            fprintf(stderr,                                                                        \
                    "%s:%d: CHECK_EQ failed: %s == %s (%lld vs "                                   \
                    "%lld) (errno %d: %s)\n",                                                      \
                    __FILE__, __LINE__, #a, #b, a_, b_, e_, strerror(e_));                         \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* The directory tmp_path() puts files in: /tmp, or each of the directories
 * a test is given in turn (run_in_dirs). */
static const char *test_dir = "/tmp";

/* A private path "<test_dir>/libos-<tag>-<pid>". Tests run concurrently
 * (two libc variants, several users), so names are unique. buf must hold
 * it (PATH_MAX does). */
static inline const char *tmp_path(char *buf, size_t n, const char *tag)
{
    if ((size_t)snprintf(buf, n, "%s/libos-%s-%d", test_dir, tag, (int)getpid()) >= n) {
        fprintf(stderr, "tmp_path: %s/libos-%s-... does not fit in %zu bytes\n", test_dir, tag, n);
        exit(1);
    }
    return buf;
}

/* Run body in each directory of argv[1..] (ramfs /tmp, hostfs, the
 * union's writable layer: see NAME.args and run-libos.sh's @HOST@ and
 * @UNION@), or in /tmp when there are none. */
static inline int run_in_dirs(int argc, char **argv, void (*body)(void))
{
    if (argc < 2) {
        body();
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        test_dir = argv[i];
        body();
    }
    return 0;
}

/* A new empty directory "/tmp/<prefix>-" plus mkdtemp's six random
 * characters, in buf (PATH_MAX). */
static inline char *temp_dir(char *buf, size_t n, const char *prefix)
{
    int len = snprintf(buf, n, "/tmp/%s-", prefix);
    if (len < 0 || (size_t)len + 7 > n) exit(1);
    memset(buf + len, 'X', 6); /* the template mkdtemp fills in */
    buf[len + 6] = '\0';
    if (!mkdtemp(buf)) {
        perror("mkdtemp");
        exit(1);
    }
    return buf;
}

/* A descriptor whose write() really copies from the buffer (an unlinked
 * file in /tmp), to probe whether memory is readable without touching it
 * from user space: write(sink, p, n) fails with EFAULT when p is not
 * readable. (/dev/null would not do: it never reads the buffer.) */
static inline int sink_fd(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/libos-sink-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || unlink(path) != 0) {
        perror("sink_fd");
        exit(1);
    }
    return fd;
}

/* Does s end with suffix? */
static inline int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* The last path component of p (no allocation). */
static inline const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

#endif
