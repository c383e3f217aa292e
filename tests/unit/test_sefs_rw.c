/* unit-sources: tests/unit/fs_sources.c tests/unit/rw_sources.c src/libos/util/lock.c */
/*
 * test_sefs_rw: the persistent encrypted writable layer (fs/sefs_rw.c)
 * on a temporary host directory, driven through the inode and file
 * operations as the VFS drives them: round trips, persistence across an
 * unmount and a new mount, hard links and symlinks, tampering with a data
 * file and with the metadata (EIO / refusal), a wrong key, and the
 * host side revealing no names.
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
int pal_host_fsync(int fd, int datasync)
{
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_persist),         cmocka_unit_test(test_tamper_data),
        cmocka_unit_test(test_replay_block),    cmocka_unit_test(test_tamper_meta_and_key),
        cmocka_unit_test(test_crash_leftovers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
