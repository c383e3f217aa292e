/*
 * fsutil.c: the CLI's host file-system helpers: mkdir -p, rm -rf, copying
 * files and trees (as `cp -a` would for what an image may hold), small
 * whole-file reads and writes.
 */
#include "cli/cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pathf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= len) {
        if (len) buf[0] = '\0';
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(buf, &st) < 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

/* nftw has no user pointer: the failing path goes through these. */
static char *rm_failed;
static size_t rm_failed_len;

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    int rc = (flag == FTW_DP || flag == FTW_D) ? rmdir(path) : unlink(path);
    if (rc < 0 && errno != ENOENT) {
        if (rm_failed) snprintf(rm_failed, rm_failed_len, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int remove_tree(const char *path, char *failed, size_t flen)
{
    struct stat st;
    if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : -1;
    rm_failed = failed;
    rm_failed_len = flen;
    int rc = nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
    rm_failed = NULL;
    return rc == 0 ? 0 : -1;
}

static int copy_fd(int in, int out)
{
    /* copy_file_range shares extents on reflink file systems; read/write
     * is the fallback where it is not supported (EXDEV, ENOSYS, EINVAL). */
    for (;;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
        if (n == 0) return 0;
        if (n < 0) break;
    }
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return -1;
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n == 0) return 0;
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR) continue;
                return -1;
            }
            off += w;
        }
    }
}

int copy_file_times(const char *src, const char *dst, mode_t mode, const struct timespec *times)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    /* Unlink first: dst may be read-only from an earlier copy. */
    if (unlink(dst) < 0 && errno != ENOENT) {
        close(in);
        return -1;
    }
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        int e = errno;
        close(in);
        errno = e;
        return -1;
    }
    int rc = copy_fd(in, out);
    /* fchmod after the umask-filtered create: the image keeps exact modes. */
    if (rc == 0) rc = fchmod(out, mode & 07777);
    if (rc == 0 && times) {
        struct timespec ts[2] = {times[0], times[1]};
        rc = futimens(out, ts);
    }
    int e = errno;
    close(in);
    if (close(out) < 0 && rc == 0) return -1;
    errno = e;
    return rc;
}

int copy_file(const char *src, const char *dst, mode_t mode)
{
    return copy_file_times(src, dst, mode, NULL);
}

static int copy_err(char *err, size_t errlen, const char *path)
{
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
}

static int copy_symlink(const char *src, const char *dst, char *err, size_t errlen)
{
    char target[PATH_MAX];
    ssize_t n = readlink(src, target, sizeof(target) - 1);
    if (n < 0) return copy_err(err, errlen, src);
    target[n] = '\0';
    if (unlink(dst) < 0 && errno != ENOENT) return copy_err(err, errlen, dst);
    if (symlink(target, dst) < 0) return copy_err(err, errlen, dst);
    return 0;
}

static int copy_dir(const char *cmd, const char *src, const char *dst, const struct stat *st,
                    struct copy_stats *cs, char *err, size_t errlen);

static int copy_entry(const char *cmd, const char *src, const char *dst, struct copy_stats *cs,
                      char *err, size_t errlen)
{
    struct stat st;
    if (lstat(src, &st) < 0) return copy_err(err, errlen, src);
    if (S_ISDIR(st.st_mode)) return copy_dir(cmd, src, dst, &st, cs, err, errlen);
    if (S_ISLNK(st.st_mode)) {
        cs->symlinks++;
        return copy_symlink(src, dst, err, errlen);
    }
    if (S_ISREG(st.st_mode)) {
        struct timespec times[2] = {st.st_atim, st.st_mtim};
        if (copy_file_times(src, dst, st.st_mode, times) < 0) return copy_err(err, errlen, src);
        cs->files++;
        return 0;
    }
    cli_warn(cmd, "skipping %s: sockets, devices and FIFOs cannot be put in the image", src);
    cs->skipped++;
    return 0;
}

static int copy_dir(const char *cmd, const char *src, const char *dst, const struct stat *st,
                    struct copy_stats *cs, char *err, size_t errlen)
{
    /* Writable while we fill it; the real mode is set once it is full. */
    if (mkdir(dst, 0700) < 0 && errno != EEXIST) return copy_err(err, errlen, dst);
    DIR *d = opendir(src);
    if (!d) return copy_err(err, errlen, src);
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char s[PATH_MAX], t[PATH_MAX];
        if (snprintf(s, sizeof(s), "%s/%s", src, e->d_name) >= (int)sizeof(s) ||
            snprintf(t, sizeof(t), "%s/%s", dst, e->d_name) >= (int)sizeof(t)) {
            errno = ENAMETOOLONG;
            rc = copy_err(err, errlen, s);
            break;
        }
        rc = copy_entry(cmd, s, t, cs, err, errlen);
    }
    closedir(d);
    if (rc < 0) return -1;
    if (chmod(dst, st->st_mode & 07777) < 0) return copy_err(err, errlen, dst);
    cs->dirs++;
    return 0;
}

int copy_tree(const char *cmd, const char *src, const char *dst, struct copy_stats *st, char *err,
              size_t errlen)
{
    memset(st, 0, sizeof(*st));
    return copy_entry(cmd, src, dst, st, err, errlen);
}

int write_text(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return -1;
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t n = write(fd, text + off, len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        off += (size_t)n;
    }
    return close(fd);
}

char *read_text(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) {
                buf[n] = '\0';
                if (len) *len = n;
                close(fd);
                return buf;
            }
            break;
        }
        n += (size_t)r;
    }
    int e = errno;
    free(buf);
    close(fd);
    errno = e;
    return NULL;
}

static long nfiles;

static int count_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    if (flag != FTW_D && flag != FTW_DP && flag != FTW_DNR) nfiles++;
    return 0;
}

long count_files(const char *path)
{
    nfiles = 0;
    if (nftw(path, count_one, 32, FTW_PHYS) < 0) return -1;
    return nfiles;
}
