/*
 * union_util.h: helpers for the union_*.c tests, which change files of the
 * image's data directory (argv[1]). Inside the LibOS (OCCLUM=yes) they work
 * on the image itself: "/" is a union whose writes live in memory for the
 * run. Natively argv[1] is the repository's tests/libos/data, which must
 * not change, so they work on a copy in a fresh /tmp directory.
 */
#ifndef LIBOS_TEST_UNION_UTIL_H
#define LIBOS_TEST_UNION_UTIL_H

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "check.h"

static inline bool in_libos(void)
{
    return getenv("OCCLUM") != NULL;
}

static inline void copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_EXCL, mode);
    CHECK(in >= 0 && out >= 0);
    char buf[4096];
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0)
        CHECK(write(out, buf, (size_t)n) == n);
    CHECK(n == 0);
    close(in);
    close(out);
}

static inline void copy_tree(const char *from, const char *to)
{
    DIR *d = opendir(from);
    CHECK(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char a[PATH_MAX], b[PATH_MAX];
        struct stat st;
        CHECK(snprintf(a, sizeof(a), "%s/%s", from, e->d_name) < (int)sizeof(a));
        CHECK(snprintf(b, sizeof(b), "%s/%s", to, e->d_name) < (int)sizeof(b));
        CHECK(lstat(a, &st) == 0);
        if (S_ISDIR(st.st_mode)) {
            CHECK(mkdir(b, st.st_mode & 07777) == 0);
            copy_tree(a, b);
        } else if (S_ISREG(st.st_mode)) {
            copy_file(a, b, st.st_mode & 07777);
        }
    }
    closedir(d);
}

/* The directory to work in: the image's data dir in the LibOS, else a
 * copy of it (out receives the path). */
static inline void work_dir(const char *data, char *out, size_t n)
{
    if (in_libos()) {
        snprintf(out, n, "%s", data);
        return;
    }
    snprintf(out, n, "/tmp/libos-union-%d-XXXXXX", (int)getpid());
    CHECK(mkdtemp(out) != NULL);
    copy_tree(data, out);
}

/* How often name appears in directory dir (readdir). */
static inline int count_entry(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *e;
    int k = 0;
    while ((e = readdir(d)) != NULL)
        k += strcmp(e->d_name, name) == 0;
    closedir(d);
    return k;
}

/* Entries of dir besides "." and "..". */
static inline int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    struct dirent *e;
    int k = 0;
    while ((e = readdir(d)) != NULL)
        k += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return k;
}

static inline void write_file(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
    CHECK(close(fd) == 0);
}

/* The whole content of path, NUL-terminated, in buf. */
static inline ssize_t read_file(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t got = 0, r;
    while ((r = read(fd, buf + got, n - 1 - (size_t)got)) > 0)
        got += r;
    close(fd);
    buf[got] = 0;
    return got;
}

/* rm -r (for the native copy). */
static inline void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char p[PATH_MAX];
            if (snprintf(p, sizeof(p), "%s/%s", path, e->d_name) < (int)sizeof(p)) remove_tree(p);
        }
        if (d) closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

#endif
