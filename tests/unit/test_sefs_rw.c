/* unit-sources: tests/unit/fs_sources.c tests/unit/rw_sources.c src/libos/util/lock.c */
/*
 * test_sefs_rw: the persistent encrypted writable layer (fs/sefs_rw.c)
 * on a temporary host directory, driven through the inode and file
 * operations as the VFS drives them: round trips, persistence across an
 * unmount and a new mount, hard links and symlinks, tampering with a data
 * file and with the metadata (EIO / refusal), a wrong key, the host side
 * revealing no names; the journal (replay, a torn last record, records
 * reordered, dropped or taken from another layer, checkpoints, a stale
 * journal after a checkpoint's crash), copy-on-write blocks across a
 * simulated crash, and the cache bound.
 *
 * A crash is simulated by copying the layer's host directory while the
 * layer is mounted and has written data that no commit names yet, and
 * mounting the copy.
 */
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
struct inode *hostfs_mount(struct mount *m, const char *hostdir, char *err, size_t errlen)
{
    return NULL;
}
struct inode *sefs_mount(struct mount *m, const char *hostdir, const char *mac_hex,
                         uint64_t cache_bytes, char *err, size_t errlen)
{
    return NULL;
}
struct inode *devfs_mount(struct mount *m)
{
    return NULL;
}
struct inode *procfs_mount(struct mount *m)
{
    return NULL;
}
struct file *stdio_open(int fd)
{
    return NULL;
}

struct file *stdio_open_owned(int fd)
{
    (void)fd;
    return NULL;
}
int shared_map_count;
void shared_map_before_io(struct file *f) {}
void shared_map_after_write(struct file *f) {}

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
    snprintf(dir, sizeof(dir), "/tmp/test_sefs_rw.XXXXXX");
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

/* ---- cases ---- */

static void test_persist(void **state)
{
    static char big[3 * 4096 + 100];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)(i * 7);
    struct inode *root = mount_ok();
    assert_int_equal(root->iops->mkdir(root, "root", 0700), 0);
    struct inode *d = get(root, "root");
    put_file(d, "hello.txt", "hello\n", 6);
    put_file(d, "big", big, sizeof(big));
    put_file(d, ".wh.gone", "", 0);
    assert_int_equal(d->iops->symlink(d, "ln", "hello.txt"), 0);
    struct inode *h = get(d, "hello.txt");
    assert_int_equal(d->iops->link(h, d, "hard"), 0);
    inode_put(h);
    inode_put(d);
    assert_int_equal(sefs_rw_unmount(root), 0);

    root = mount_ok();
    char buf[sizeof(big) + 10];
    assert_int_equal(read_file(root, "root/hello.txt", buf, sizeof(buf)), 6);
    assert_memory_equal(buf, "hello\n", 6);
    assert_int_equal(read_file(root, "root/big", buf, sizeof(buf)), (ssize_t)sizeof(big));
    assert_memory_equal(buf, big, sizeof(big));
    assert_int_equal(read_file(root, "root/.wh.gone", buf, sizeof(buf)), 0);
    struct inode *l = get(root, "root/ln"), *a = get(root, "root/hello.txt"),
                 *b = get(root, "root/hard");
    assert_true(S_ISLNK(l->mode));
    assert_int_equal(l->iops->readlink(l, buf, sizeof(buf)), 9);
    assert_memory_equal(buf, "hello.txt", 9);
    assert_ptr_equal(a, b); /* still one file */
    assert_int_equal(a->nlink, 2);
    assert_int_equal(a->mode & 07777, 0640);
    inode_put(l);
    inode_put(a);
    inode_put(b);
    /* Changes after a remount: unlink, rewrite, rename; the old host files go. */
    d = get(root, "root");
    assert_int_equal(d->iops->unlink(d, "big"), 0);
    put_file(d, "new", "n", 1);
    assert_int_equal(d->iops->rename(d, "new", root, "moved", 0), 0);
    inode_put(d);
    assert_int_equal(sefs_rw_unmount(root), 0);
    root = mount_ok();
    assert_int_equal(read_file(root, "root/big", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(read_file(root, "moved", buf, sizeof(buf)), 1);
    int n = 0;
    DIR *dd = opendir(dir);
    struct dirent *e;
    while ((e = readdir(dd)))
        n += strlen(e->d_name) == 32; /* data files: hello.txt and moved */
    closedir(dd);
    assert_int_equal(n, 2);
    assert_int_equal(sefs_rw_unmount(root), 0);
}

static void test_tamper_data(void **state)
{
    teardown(state);
    setup(state);
    struct inode *root = mount_ok();
    put_file(root, "f", "secret content", 14);
    assert_int_equal(sefs_rw_unmount(root), 0);
    char path[512], buf[64];
    data_file(path, sizeof(path));
    /* The content is not in the clear on the host. */
    FILE *fp = fopen(path, "rb");
    static char raw[8192];
    size_t got = fread(raw, 1, sizeof(raw), fp);
    fclose(fp);
    assert_int_equal(got, 12 + 16 + 4096);
    assert_null(memmem(raw, got, "secret", 6));
    flip(path, 12 + 16 + 100); /* ciphertext */
    root = mount_ok();         /* the metadata still verifies */
    int before = log_lines;
    assert_int_equal(read_file(root, "f", buf, sizeof(buf)), -EIO);
    assert_true(log_lines > before);
    assert_int_equal(sefs_rw_unmount(root), 0);
    flip(path, 12 + 16 + 100); /* restored */
    flip(path, 3);             /* the nonce */
    root = mount_ok();
    assert_int_equal(read_file(root, "f", buf, sizeof(buf)), -EIO);
    assert_int_equal(sefs_rw_unmount(root), 0);
    flip(path, 3);
    /* Truncated: EIO as well. */
    assert_int_equal(truncate(path, 100), 0);
    root = mount_ok();
    assert_int_equal(read_file(root, "f", buf, sizeof(buf)), -EIO);
    assert_int_equal(sefs_rw_unmount(root), 0);
}

static void test_replay_block(void **state)
{
    teardown(state);
    setup(state);
    struct inode *root = mount_ok();
    put_file(root, "f", "version one", 11);
    char path[512], old[512], buf[64];
    data_file(path, sizeof(path));
    snprintf(old, sizeof(old), "%s/../saved", dir);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", path, old);
    assert_int_equal(system(cmd), 0);
    put_file(root->iops ? root : root, "g", "x", 1);
    struct inode *f = get(root, "f");
    struct file *fl;
    assert_int_equal(vfs_open_inode(f, "f", O_WRONLY, &fl), 0);
    assert_int_equal(vfs_pwrite(fl, "version two", 11, 0), 11);
    file_put(fl);
    inode_put(f);
    assert_int_equal(sefs_rw_unmount(root), 0);
    /* Put the old block in every slot of every data file: refused (an
     * older write of the same block, or another file's). */
    DIR *d = opendir(dir);
    struct dirent *e;
    static char rec[4124];
    FILE *op = fopen(old, "rb");
    assert_int_equal(fread(rec, 1, sizeof(rec), op), sizeof(rec));
    fclose(op);
    while ((e = readdir(d))) {
        if (strlen(e->d_name) != 32) continue;
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        int fd = open(p, O_WRONLY);
        for (off_t o = 0; o + 4124 <= st.st_size; o += 4124)
            assert_int_equal(pwrite(fd, rec, sizeof(rec), o), (ssize_t)sizeof(rec));
        close(fd);
    }
    closedir(d);
    root = mount_ok();
    ssize_t a = read_file(root, "f", buf, sizeof(buf)), b = read_file(root, "g", buf, sizeof(buf));
    assert_true(a == -EIO && b == -EIO);
    assert_int_equal(sefs_rw_unmount(root), 0);
}

static void test_tamper_meta_and_key(void **state)
{
    teardown(state);
    setup(state);
    struct inode *root = mount_ok();
    put_file(root, "f", "data", 4);
    assert_int_equal(sefs_rw_unmount(root), 0);
    char meta[512], err[512] = "";
    snprintf(meta, sizeof(meta), "%s/meta", dir);
    /* A wrong key: refused, and told apart from tampering. */
    sefs_rw_set_key(key2);
    assert_null(sefs_rw_mount(&mnt, dir, err, sizeof(err)));
    assert_non_null(strstr(err, "another key"));
    assert_non_null(strstr(err, "delete"));
    sefs_rw_set_key(key1);
    /* A flipped byte in the sealed tree, then in the header. */
    struct stat st;
    assert_int_equal(stat(meta, &st), 0);
    flip(meta, 64 + 5);
    assert_null(sefs_rw_mount(&mnt, dir, err, sizeof(err)));
    assert_non_null(strstr(err, "does not verify"));
    flip(meta, 64 + 5);
    flip(meta, st.st_size - 1); /* the tag */
    assert_null(sefs_rw_mount(&mnt, dir, err, sizeof(err)));
    flip(meta, st.st_size - 1);
    flip(meta, 33); /* the nonce */
    assert_null(sefs_rw_mount(&mnt, dir, err, sizeof(err)));
    flip(meta, 33);
    assert_int_equal(truncate(meta, 70), 0);
    assert_null(sefs_rw_mount(&mnt, dir, err, sizeof(err)));
    assert_non_null(strstr(err, dir));
}

static void test_crash_leftovers(void **state)
{
    teardown(state);
    setup(state);
    struct inode *root = mount_ok();
    put_file(root, "f", "kept", 4);
    assert_int_equal(sefs_rw_unmount(root), 0);
    /* A crash after data files and a meta.tmp were written, before the
     * rename: the old tree is what mounts, the leftovers go. */
    char p[600];
    snprintf(p, sizeof(p), "%s/0123456789abcdef0123456789abcdef", dir);
    FILE *fp = fopen(p, "w");
    fputs("junk", fp);
    fclose(fp);
    snprintf(p, sizeof(p), "%s/meta.tmp", dir);
    fp = fopen(p, "w");
    fputs("partial", fp);
    fclose(fp);
    root = mount_ok();
    char buf[16];
    assert_int_equal(read_file(root, "f", buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "kept", 4);
    snprintf(p, sizeof(p), "%s/0123456789abcdef0123456789abcdef", dir);
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(sefs_rw_unmount(root), 0);
}

/* ---- journal and blocks ---- */

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

/* Record offsets of dir's journal (n of them, with one past the end). */
static size_t records(const char *d, long *off, size_t max)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/journal", d);
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    static unsigned char raw[1 << 20];
    size_t len = fread(raw, 1, sizeof(raw), fp), n = 0;
    fclose(fp);
    long o = 32;
    while (o + 4 <= (long)len && n < max) {
        off[n++] = o;
        uint32_t l = raw[o] | raw[o + 1] << 8 | raw[o + 2] << 16 | (uint32_t)raw[o + 3] << 24;
        o += 4 + 12 + l + 16;
    }
    assert_int_equal(o, (long)len); /* whole records */
    off[n] = o;
    return n;
}

static void expect_refused(const char *what)
{
    char err[512] = "";
    assert_null(sefs_rw_mount(&mnt, dir, err, sizeof(err)));
    assert_non_null(strstr(err, what));
    assert_non_null(strstr(err, "delete"));
}

static void write_at(struct inode *top, const char *path, const void *data, size_t len, off_t off,
                     bool sync)
{
    struct inode *ino = get(top, path);
    struct file *f;
    assert_non_null(ino);
    assert_int_equal(vfs_open_inode(ino, path, O_RDWR, &f), 0);
    assert_int_equal(vfs_pwrite(f, data, len, off), (ssize_t)len);
    if (sync) assert_int_equal(f->fops->fsync(f, 0), 0);
    inode_put(ino);
    file_put(f);
}

/* Commits become journal records; the snapshot is not rewritten. */
static void test_journal_replay(void **state)
{
    fresh(state);
    struct inode *root = mount_ok();
    put_file(root, "first", "1", 1); /* the first commit: the snapshot */
    char meta[600], cmd[1400];
    snprintf(meta, sizeof(meta), "%s/meta", dir);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s.saved'", meta, meta);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(root->iops->mkdir(root, "d", 0755), 0);
    struct inode *d = get(root, "d");
    put_file(d, "a", "alpha", 5);
    put_file(d, "b", "beta", 4);
    assert_int_equal(d->iops->rename(d, "a", root, "a2", 0), 0);
    assert_int_equal(d->iops->unlink(d, "b"), 0);
    /* A rename over an existing name, of a directory across directories,
     * a hard link. */
    put_file(d, "x", "old x", 5);
    put_file(d, "y", "new", 3);
    assert_int_equal(d->iops->rename(d, "y", d, "x", 0), 0);
    assert_int_equal(d->iops->mkdir(d, "sub", 0700), 0);
    assert_int_equal(d->iops->rename(d, "sub", root, "sub2", 0), 0);
    struct inode *x = get(d, "x");
    assert_int_equal(root->iops->link(x, root, "xlink"), 0);
    inode_put(x);
    /* A FIFO (mknod), and two names exchanging their files. */
    assert_int_equal(root->iops->mknod(root, "fifo", S_IFIFO | 0600), 0);
    assert_int_equal(d->iops->rename(d, "x", root, "a2", RENAME_EXCHANGE), 0);
    inode_put(d);
    assert_int_equal(sefs_rw_unmount(root), 0);
    long off[16];
    assert_true(records(dir, off, 15) >= 3);
    snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s.saved'", meta, meta);
    assert_int_equal(system(cmd), 0); /* meta untouched: commits appended */
    root = mount_ok();
    char buf[16];
    assert_int_equal(read_file(root, "a2", buf, sizeof(buf)), 3); /* exchanged */
    assert_memory_equal(buf, "new", 3);
    assert_int_equal(read_file(root, "d/x", buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "alpha", 5);
    struct inode *fifo = get(root, "fifo");
    assert_non_null(fifo);
    assert_true(S_ISFIFO(fifo->mode));
    inode_put(fifo);
    assert_int_equal(read_file(root, "d/a", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(read_file(root, "d/b", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(read_file(root, "first", buf, sizeof(buf)), 1);
    assert_int_equal(read_file(root, "d/y", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(read_file(root, "xlink", buf, sizeof(buf)), 3);
    struct inode *s2 = get(root, "sub2"), *dd = get(root, "d");
    assert_non_null(s2);
    assert_ptr_equal(((struct rnode *)s2->priv)->parent, root);
    assert_int_equal(dd->nlink, 2); /* sub moved out */
    assert_int_equal(root->nlink, 4);
    inode_put(s2);
    inode_put(dd);
    assert_int_equal(sefs_rw_unmount(root), 0);
}

/* A torn last record is an append a crash interrupted: discarded. */
static void test_journal_torn_tail(void **state)
{
    fresh(state);
    struct inode *root = mount_ok();
    put_file(root, "a", "A", 1);
    put_file(root, "b", "B", 1);
    put_file(root, "c", "C", 1);
    assert_int_equal(sefs_rw_unmount(root), 0);
    long off[16];
    size_t n = records(dir, off, 15);
    assert_true(n >= 2);
    char j[600];
    snprintf(j, sizeof(j), "%s/journal", dir);
    /* Cut the last record in the middle. */
    assert_int_equal(truncate(j, off[n - 1] + 20), 0);
    root = mount_ok();
    char buf[4];
    assert_int_equal(read_file(root, "a", buf, sizeof(buf)), 1);
    assert_int_equal(read_file(root, "b", buf, sizeof(buf)), 1);
    assert_int_equal(read_file(root, "c", buf, sizeof(buf)), -ENOENT); /* its commit is lost */
    struct stat st;
    assert_int_equal(stat(j, &st), 0);
    assert_int_equal(st.st_size, off[n - 1]); /* the torn bytes went */
    put_file(root, "d", "D", 1);              /* appends where the good records end */
    assert_int_equal(sefs_rw_unmount(root), 0);
    root = mount_ok();
    assert_int_equal(read_file(root, "d", buf, sizeof(buf)), 1);
    assert_int_equal(sefs_rw_unmount(root), 0);
    /* A flipped byte in the last record: the same (indistinguishable). */
    n = records(dir, off, 15);
    flip(j, off[n - 1] + 20);
    root = mount_ok();
    assert_int_equal(read_file(root, "d", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(sefs_rw_unmount(root), 0);
}

/* Four records in a journal; returns their offsets. */
static size_t four_records(long *off)
{
    struct inode *root = mount_ok();
    put_file(root, "s", "snapshot", 8);
    put_file(root, "a", "A", 1);
    put_file(root, "b", "B", 1);
    put_file(root, "c", "C", 1);
    put_file(root, "e", "E", 1);
    assert_int_equal(sefs_rw_unmount(root), 0);
    size_t n = records(dir, off, 15);
    assert_true(n >= 4);
    return n;
}

static void test_journal_reorder_drop_splice(void **state)
{
    fresh(state);
    long off[16];
    size_t n = four_records(off);
    char j[600];
    snprintf(j, sizeof(j), "%s/journal", dir);
    sh("cp '%s' '%s.saved'", j, j);
    /* A middle record flipped: refused. */
    flip(j, off[1] + 30);
    expect_refused("journal does not verify");
    flip(j, off[1] + 30);
    struct inode *r0 = mount_ok();
    assert_int_equal(sefs_rw_unmount(r0), 0);
    /* Two records swapped. */
    sh("python3 -c \"import sys; d=open('%s','rb').read(); o=[%ld,%ld,%ld]; "
       "open('%s','wb').write(d[:o[0]]+d[o[1]:o[2]]+d[o[0]:o[1]]+d[o[2]:])\"",
       j, off[0], off[1], off[2], j);
    expect_refused("journal does not verify");
    sh("cp '%s.saved' '%s'", j, j);
    /* One dropped from the middle. */
    sh("python3 -c \"d=open('%s','rb').read(); open('%s','wb').write(d[:%ld]+d[%ld:])\"", j, j,
       off[1], off[2]);
    expect_refused("journal does not verify");
    sh("cp '%s.saved' '%s'", j, j);
    /* A record from another layer (same key) in the middle. */
    char other[300];
    snprintf(other, sizeof(other), "%s", dir);
    strcat(dir, "2");
    long off2[16];
    size_t n2 = four_records(off2);
    assert_true(n2 >= 2);
    char j2[600];
    snprintf(j2, sizeof(j2), "%s/journal", dir);
    snprintf(dir, sizeof(dir), "%s", other);
    sh("python3 -c \"d=open('%s','rb').read(); e=open('%s','rb').read(); "
       "open('%s','wb').write(d[:%ld]+e[%ld:%ld]+d[%ld:])\"",
       j, j2, j, off[1], off2[1], off2[2], off[2]);
    expect_refused("journal does not verify");
    sh("cp '%s.saved' '%s'", j, j);
    sh("rm -rf '%s2'", dir);
    /* Restored: it mounts, with every commit. */
    struct inode *root = mount_ok();
    char buf[4];
    assert_int_equal(read_file(root, "e", buf, sizeof(buf)), 1);
    assert_int_equal(sefs_rw_unmount(root), 0);
    (void)n;
}

/* A journal grown past the bound is folded into a new snapshot; a crash
 * between the snapshot's rename and the journal's reset leaves a journal
 * of the old snapshot, which is ignored. */
static void test_checkpoint(void **state)
{
    fresh(state);
    uint64_t saved = rw_checkpoint_min;
    rw_checkpoint_min = 2048;
    struct inode *root = mount_ok();
    char meta[600], j[600], name[32];
    snprintf(meta, sizeof(meta), "%s/meta", dir);
    snprintf(j, sizeof(j), "%s/journal", dir);
    put_file(root, "f0", "0", 1);
    struct stat m0, m1, js;
    assert_int_equal(stat(meta, &m0), 0);
    for (int i = 1; i < 40; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        put_file(root, name, name, strlen(name));
        if (i == 20) sh("cp '%s' '%s.old'", j, j);
    }
    assert_int_equal(stat(meta, &m1), 0);
    assert_int_equal(stat(j, &js), 0);
    assert_true(m1.st_ino != m0.st_ino);   /* a new snapshot was renamed in */
    assert_true(js.st_size < 2048 + 1024); /* and the journal started again */
    assert_int_equal(sefs_rw_unmount(root), 0);
    rw_checkpoint_min = saved;
    char buf[8];
    root = mount_ok();
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        assert_int_equal(read_file(root, name, buf, sizeof(buf)), i ? (ssize_t)strlen(name) : 1);
    }
    assert_int_equal(sefs_rw_unmount(root), 0);
    /* The old snapshot's journal under the new snapshot: ignored. */
    sh("cp '%s.old' '%s'", j, j);
    root = mount_ok();
    assert_int_equal(read_file(root, "f0", buf, sizeof(buf)), 1);
    assert_int_equal(sefs_rw_unmount(root), 0);
}

static struct layer *layer_of(struct inode *root)
{
    return ((struct rnode *)root->priv)->sb->pctx;
}

static off_t host_bytes(const char *d)
{
    DIR *dd = opendir(d);
    struct dirent *e;
    off_t n = 0;
    while ((e = readdir(dd))) {
        if (strlen(e->d_name) != 32) continue;
        char p[600];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
        assert_int_equal(stat(p, &st), 0);
        n += st.st_size;
    }
    closedir(dd);
    return n;
}

#define MB (1 << 20)

/* Overwritten blocks go to new slots: a crash after the data reached the
 * host but before a commit named it shows the committed content. */
static void test_cow_crash(void **state)
{
    fresh(state);
    sefs_rw_set_cache_size(256 * 1024); /* 64 blocks: the writes reach the host */
    static char a[2 * MB], b[2 * MB], got[2 * MB];
    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    struct inode *root = mount_ok();
    put_file(root, "f", a, sizeof(a));
    off_t committed = host_bytes(dir);
    /* Overwrite it whole and keep it open: a close would commit. */
    struct inode *ino = get(root, "f");
    struct file *fl;
    assert_int_equal(vfs_open_inode(ino, "f", O_RDWR, &fl), 0);
    assert_int_equal(vfs_pwrite(fl, b, sizeof(b), 0), (ssize_t)sizeof(b));
    assert_true(host_bytes(dir) > committed + MB); /* the data reached the host */
    char crash[300];
    snprintf(crash, sizeof(crash), "%s", dir);
    strcat(dir, ".crash");
    sh("cp -a '%s' '%s'", crash, dir);
    struct inode *r2 = mount_ok(); /* the crashed copy */
    assert_int_equal(read_file(r2, "f", got, sizeof(got)), (ssize_t)sizeof(got));
    assert_memory_equal(got, a, sizeof(a));
    assert_int_equal(sefs_rw_unmount(r2), 0);
    file_put(fl); /* commits */
    inode_put(ino);
    sh("rm -rf '%s'", dir);
    snprintf(dir, sizeof(dir), "%s", crash);
    /* Committed now: the new content, after a remount too. */
    write_at(root, "f", b, 10, 0, true);
    assert_int_equal(sefs_rw_unmount(root), 0);
    root = mount_ok();
    assert_int_equal(read_file(root, "f", got, sizeof(got)), (ssize_t)sizeof(got));
    assert_memory_equal(got, b, sizeof(b));
    /* Committed slots are reused once replaced: rewriting the file again
     * and again does not grow the host data without bound. */
    off_t before = host_bytes(dir);
    for (int i = 0; i < 4; i++)
        write_at(root, "f", i % 2 ? a : b, sizeof(a), 0, true);
    assert_true(host_bytes(dir) <= before + (off_t)(2 * MB / 4096 * 4124) + 64 * 4124);
    assert_int_equal(sefs_rw_unmount(root), 0);
    sefs_rw_set_cache_size(0);
}

/* The cache holds what its size allows; a file much larger goes to the
 * host before any commit and reads back whole. Truncation and holes. */
static void test_cache_bound(void **state)
{
    fresh(state);
    sefs_rw_set_cache_size(512 * 1024);
    struct inode *root = mount_ok();
    assert_int_equal(rw_cache_slots(layer_of(root)->cache), 128);
    static char data[8 * MB], got[8 * MB];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 13 + i / 4096);
    struct inode *ino;
    struct file *f;
    assert_int_equal(root->iops->create(root, "big", 0644, &ino), 0);
    assert_int_equal(vfs_open_inode(ino, "big", O_RDWR, &f), 0);
    assert_int_equal(vfs_pwrite(f, data, sizeof(data), 0), (ssize_t)sizeof(data));
    /* At most the cache's worth is not on the host yet. */
    assert_true(host_bytes(dir) >= (off_t)((sizeof(data) - 512 * 1024) / 4096 * 4124));
    assert_int_equal(vfs_pread(f, got, sizeof(got), 0), (ssize_t)sizeof(got));
    assert_memory_equal(got, data, sizeof(data));
    /* Shrink into a block, grow again: the tail reads as zeros. */
    struct iattr at = {.valid = ATTR_SIZE, .size = 5000};
    assert_int_equal(ino->iops->setattr(ino, &at), 0);
    at.size = 3 * MB;
    assert_int_equal(ino->iops->setattr(ino, &at), 0);
    assert_int_equal(vfs_pread(f, got, 3 * MB, 0), 3 * MB);
    assert_memory_equal(got, data, 5000);
    for (size_t i = 5000; i < 3 * MB; i++)
        if (got[i]) fail_msg("byte %zu is %d after truncate and grow", i, got[i]);
    assert_int_equal(f->fops->fsync(f, 0), 0);
    file_put(f);
    inode_put(ino);
    assert_int_equal(sefs_rw_unmount(root), 0);
    root = mount_ok();
    assert_int_equal(read_file(root, "big", got, sizeof(got)), 3 * MB);
    assert_memory_equal(got, data, 5000);
    for (size_t i = 5000; i < 3 * MB; i++)
        if (got[i]) fail_msg("byte %zu is %d after a remount", i, got[i]);
    assert_int_equal(sefs_rw_unmount(root), 0);
    sefs_rw_set_cache_size(0);
}

/* A commit that fails (the host's fsync fails) changes nothing on the
 * host that a mount would take, loses nothing in memory: the next commit
 * writes a whole snapshot with it. */
static void test_commit_failure(void **state)
{
    fresh(state);
    struct inode *root = mount_ok();
    put_file(root, "a", "A", 1);
    put_file(root, "b0", "b0", 2);
    int before = log_lines;
    fail_fsyncs = 1;
    put_file(root, "b", "B", 1); /* its commit fails (logged) */
    assert_int_equal(fail_fsyncs, 0);
    assert_true(log_lines > before);
    assert_int_equal(layer_of(root)->need_snapshot, true);
    char crash[300], buf[4];
    snprintf(crash, sizeof(crash), "%s", dir);
    strcat(dir, ".crash");
    sh("cp -a '%s' '%s'", crash, dir);
    struct inode *r2 = mount_ok(); /* as after a crash now: b was not committed */
    assert_int_equal(read_file(r2, "a", buf, sizeof(buf)), 1);
    assert_int_equal(read_file(r2, "b0", buf, sizeof(buf)), 2);
    assert_int_equal(sefs_rw_unmount(r2), 0);
    sh("rm -rf '%s'", dir);
    snprintf(dir, sizeof(dir), "%s", crash);
    /* The same when the journal's own fsync fails: the record is cut off. */
    assert_int_equal(rw_commit(layer_of(root)), 0); /* (the snapshot: journal restarted) */
    char j[600];
    struct stat js, js2;
    snprintf(j, sizeof(j), "%s/journal", dir);
    assert_int_equal(stat(j, &js), 0);
    fail_fsyncs = 1;
    put_file(root, "e", "", 0); /* no data: the first fsync is the journal's */
    assert_int_equal(fail_fsyncs, 0);
    assert_int_equal(stat(j, &js2), 0);
    assert_int_equal(js2.st_size, js.st_size);
    put_file(root, "c", "C", 1); /* a snapshot with b, e and c */
    assert_int_equal(layer_of(root)->need_snapshot, false);
    assert_int_equal(sefs_rw_unmount(root), 0);
    root = mount_ok();
    assert_int_equal(read_file(root, "a", buf, sizeof(buf)), 1);
    assert_int_equal(read_file(root, "b", buf, sizeof(buf)), 1);
    assert_memory_equal(buf, "B", 1);
    assert_int_equal(read_file(root, "c", buf, sizeof(buf)), 1);
    assert_int_equal(read_file(root, "e", buf, sizeof(buf)), 0);
    put_file(root, "d", "D", 1); /* and the journal goes on after it */
    assert_int_equal(sefs_rw_unmount(root), 0);
    root = mount_ok();
    assert_int_equal(read_file(root, "d", buf, sizeof(buf)), 1);
    assert_int_equal(sefs_rw_unmount(root), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_persist),
        cmocka_unit_test(test_tamper_data),
        cmocka_unit_test(test_replay_block),
        cmocka_unit_test(test_tamper_meta_and_key),
        cmocka_unit_test(test_crash_leftovers),
        cmocka_unit_test(test_journal_replay),
        cmocka_unit_test(test_journal_torn_tail),
        cmocka_unit_test(test_journal_reorder_drop_splice),
        cmocka_unit_test(test_checkpoint),
        cmocka_unit_test(test_cow_crash),
        cmocka_unit_test(test_cache_bound),
        cmocka_unit_test(test_commit_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
