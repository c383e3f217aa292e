/*
 * rw_util.h: what the writable layer's unit tests (test_sefs_rw.c,
 * test_sefs_rw_journal.c) share: the PAL's host calls as plain POSIX (with
 * a switch that makes fsync fail), stubs for the rest of the LibOS, and
 * helpers that drive the layer through the inode and file operations as
 * the VFS does. Included once per test binary.
 */
#ifndef TESTS_UNIT_RW_UTIL_H
#define TESTS_UNIT_RW_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fs/sefs_rw.h"
#include "fs/sefs_rw_int.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "util/log.h"

/* ---- stubs: the PAL's host calls are plain POSIX here ---- */

/* Raw-syscall style results: -errno on failure. */
static long neg(long r)
{
    return r < 0 ? -errno : r;
}
#define NEG(x) neg(x)
int pal_clock_gettime(clockid_t clk, struct timespec *ts)
{
    return clock_gettime(clk, ts) < 0 ? -errno : 0;
}
long pal_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout,
               uint32_t *uaddr2, uint32_t val3)
{
    return 0; /* single-threaded test: never contended */
}
int pal_random(void *buf, size_t len)
{
    return RAND_bytes(buf, (int)len) == 1 ? 0 : -EIO;
}
int pal_host_open(const char *path, int flags, mode_t mode)
{
    return NEG(open(path, flags, mode));
}
int pal_host_close(int fd)
{
    return NEG(close(fd));
}
ssize_t pal_host_pread(int fd, void *buf, size_t len, off_t off)
{
    return NEG(pread(fd, buf, len, off));
}
ssize_t pal_host_pwrite(int fd, const void *buf, size_t len, off_t off)
{
    return NEG(pwrite(fd, buf, len, off));
}
int pal_host_fstat(int fd, struct stat *st)
{
    return NEG(fstat(fd, st));
}
ssize_t pal_host_getdents64(int fd, void *buf, size_t len)
{
    return NEG(syscall(SYS_getdents64, fd, buf, len));
}
int pal_host_mkdir(const char *path, mode_t mode)
{
    return NEG(mkdir(path, mode));
}
int pal_host_unlink(const char *path)
{
    return NEG(unlink(path));
}
int pal_host_rename(const char *from, const char *to)
{
    return NEG(rename(from, to));
}
int pal_host_ftruncate(int fd, off_t len)
{
    return NEG(ftruncate(fd, len));
}
static int fail_fsyncs; /* that many next fsyncs fail (a full or failing disk) */
int pal_host_fsync(int fd, int datasync)
{
    if (fail_fsyncs > 0) {
        fail_fsyncs--;
        return -EIO;
    }
    return NEG(datasync ? fdatasync(fd) : fsync(fd));
}
static int log_lines;
void log_printf(enum log_level lvl, const char *fmt, ...)
{
    log_lines++;
}

/* ---- helpers ---- */

static char dir[256];
static struct mount mnt;
static const uint8_t key1[32] = {1, 2, 3}, key2[32] = {9, 9, 9};

static struct inode *mount_ok(void)
{
    char err[512] = "";
    struct inode *r = sefs_rw_mount(&mnt, dir, err, sizeof(err));
    if (!r) fprintf(stderr, "mount: %s\n", err);
    assert_non_null(r);
    return r;
}

static struct inode *get(struct inode *d, const char *path)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", path);
    inode_get(d);
    for (char *c = strtok_r(buf, "/", &save); c && d; c = strtok_r(NULL, "/", &save)) {
        struct inode *next = NULL;
        if (d->iops->lookup(d, c, &next) < 0) next = NULL;
        inode_put(d);
        d = next;
    }
    return d;
}

static void put_file(struct inode *d, const char *name, const char *data, size_t len)
{
    struct inode *ino;
    struct file *f;
    assert_int_equal(d->iops->create(d, name, 0640, &ino), 0);
    assert_int_equal(vfs_open_inode(ino, name, O_WRONLY, &f), 0);
    assert_int_equal(vfs_pwrite(f, data, len, 0), (ssize_t)len);
    file_put(f); /* the close commits */
    inode_put(ino);
}

/* Reads a file whole; returns the length or a negative errno. */
static ssize_t read_file(struct inode *top, const char *path, char *buf, size_t len)
{
    struct inode *ino = get(top, path);
    if (!ino) return -ENOENT;
    struct file *f;
    int r = vfs_open_inode(ino, path, O_RDONLY, &f);
    inode_put(ino);
    if (r < 0) return r;
    ssize_t n = vfs_pread(f, buf, len, 0);
    file_put(f);
    return n;
}

/* The one data file in dir (there is one in the tamper tests). */
static void data_file(char *out, size_t len)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    out[0] = 0;
    while ((e = readdir(d)))
        if (strlen(e->d_name) == 32) snprintf(out, len, "%s/%s", dir, e->d_name);
    closedir(d);
    assert_true(out[0]);
}

static void flip(const char *path, off_t off)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, off), 1);
    c ^= 0x20;
    assert_int_equal(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

static int setup(void **state)
{
    int n = snprintf(dir, sizeof(dir), "/tmp/test_sefs_rw.");
    memset(dir + n, 'X', 6); /* mkdtemp's template suffix */
    dir[n + 6] = '\0';
    if (!mkdtemp(dir)) return -1;
    strcat(dir, "/run/mount/__ROOT"); /* the parents are created by the mount */
    sefs_rw_set_key(key1);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    *strstr(dir, "/run/mount/__ROOT") = 0;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

static void fresh(void **state)
{
    teardown(state);
    setup(state);
}

#endif
