/* unit-sources: tests/unit/fs_sources.c src/common/usercopy.S src/libos/util/lock.c */
/*
 * test_unionfs: the union of a read-only lower and a writable upper file
 * system (fs/unionfs.c), both ramfs instances here, driven through the
 * inode operations as the VFS drives them, on the host under ASan/UBSan:
 * lookups, copy-up (the lower layer never changes), whiteouts, opaque
 * directories, merged listings, renames and the reserved ".wh." names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/vfs.h"
#include "pal/pal.h"

/* ---- stubs for what these sources use from the rest of the LibOS ---- */

#include "process/process.h"

/* ---- stubs for what these sources use from the rest of the LibOS ---- */

int pal_clock_gettime(clockid_t clk, struct timespec *ts)
{
    return clock_gettime(clk, ts) < 0 ? -errno : 0;
}

long pal_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout,
               uint32_t *uaddr2, uint32_t val3)
{
    return 0; /* single-threaded test: never contended */
}

/* mount.c's writable layer (fs/sefs_rw.c, tested in test_sefs_rw.c) */
struct inode *sefs_rw_mount(struct mount *m, const char *hostdir, char *err, size_t errlen)
{
    snprintf(err, errlen, "sefs_rw not in this test");
    return NULL;
}
void sefs_rw_set_cache_size(uint64_t bytes) {}

/* ---- fixture: lower {a.txt, d/{x,y}, e/z}, upper empty ---- */

static struct mount lower_mnt, upper_mnt, union_mnt;
static struct inode *lower, *root; /* kept for the whole run */

static struct inode *get(struct inode *dir, const char *path)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", path);
    inode_get(dir);
    for (char *c = strtok_r(buf, "/", &save); c && dir; c = strtok_r(NULL, "/", &save)) {
        struct inode *next = NULL;
        if (dir->iops->lookup(dir, c, &next) < 0) next = NULL;
        inode_put(dir);
        dir = next;
    }
    return dir;
}

static int err_of(struct inode *dir, const char *path)
{
    struct inode *x = get(dir, path);
    inode_put(x);
    return x ? 0 : -ENOENT;
}

static void put_file(struct inode *dir, const char *name, const char *data)
{
    struct inode *ino;
    struct file *f;
    assert_int_equal(dir->iops->create(dir, name, 0644, &ino), 0);
    assert_int_equal(vfs_open_inode(ino, name, O_WRONLY, &f), 0);
    assert_int_equal(vfs_pwrite(f, data, strlen(data), 0), (ssize_t)strlen(data));
    file_put(f);
    inode_put(ino);
}

static void expect_content(struct inode *top, const char *path, const char *want)
{
    struct inode *ino = get(top, path);
    assert_non_null(ino);
    struct file *f;
    char buf[256] = "";
    assert_int_equal(vfs_open_inode(ino, path, O_RDONLY, &f), 0);
    assert_int_equal(vfs_pread(f, buf, sizeof(buf) - 1, 0), (ssize_t)strlen(want));
    assert_string_equal(buf, want);
    file_put(f);
    inode_put(ino);
}

static int setup_once(void **state)
{
    lower = ramfs_mount(&lower_mnt);
    struct inode *upper = ramfs_mount(&upper_mnt), *d;
    if (!lower || !upper) return -1;
    put_file(lower, "a.txt", "lower a\n");
    lower->iops->mkdir(lower, "d", 0755);
    lower->iops->mkdir(lower, "e", 0755);
    d = get(lower, "d");
    put_file(d, "x", "x\n");
    put_file(d, "y", "y\n");
    inode_put(d);
    d = get(lower, "e");
    put_file(d, "z", "z\n");
    inode_put(d);
    lower_mnt.flags = MNT_RDONLY; /* filled: now the image */
    inode_get(lower);
    root = unionfs_mount(&union_mnt, lower, upper);
    return root ? 0 : -1;
}

struct d64 {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* The names of a union directory, each followed by a space, in order. */
static const char *listing(const char *path)
{
    static char out[512];
    struct inode *dir = get(root, path);
    struct file *f;
    char buf[64]; /* one entry or so per call */
    assert_non_null(dir);
    assert_int_equal(vfs_open_inode(dir, path, O_RDONLY | O_DIRECTORY, &f), 0);
    out[0] = 0;
    for (;;) {
        ssize_t n = f->fops->getdents64(f, buf, sizeof(buf));
        assert_true(n >= 0);
        if (n == 0) break;
        for (ssize_t o = 0; o < n; o += ((struct d64 *)(buf + o))->reclen) {
            strcat(out, ((struct d64 *)(buf + o))->name);
            strcat(out, " ");
        }
    }
    file_put(f);
    inode_put(dir);
    return out;
}

static void test_lookup_and_listing(void **state)
{
    expect_content(root, "a.txt", "lower a\n");
    assert_string_equal(listing(""), ". .. a.txt d e ");
    put_file(root, "new", "n\n");
    assert_string_equal(listing(""), ". .. a.txt d e new ");
    assert_int_equal(root->iops->unlink(root, "new"), 0);
}

static void test_copy_up(void **state)
{
    struct inode *a = get(root, "a.txt"), *d = get(root, "d");
    struct stat before, after;
    assert_int_equal(inode_stat(a, &before), 0);
    struct file *f;
    assert_int_equal(vfs_open_inode(a, "a.txt", O_RDWR, &f), 0);
    assert_int_equal(vfs_pwrite(f, "UPPER", 5, 0), 5);
    file_put(f);
    expect_content(root, "a.txt", "UPPER a\n");
    expect_content(lower, "a.txt", "lower a\n"); /* the lower layer never changes */
    assert_int_equal(inode_stat(a, &after), 0);
    assert_int_equal(after.st_ino, before.st_ino);
    assert_int_equal(after.st_mode, before.st_mode);
    /* chmod of a lower directory copies it up; a union inode of it taken
     * earlier (d) sees the change */
    struct iattr ia = {.valid = ATTR_MODE, .mode = 0700};
    struct inode *d2 = get(root, "d");
    assert_int_equal(d2->iops->setattr(d2, &ia), 0);
    assert_int_equal(inode_stat(d, &after), 0);
    assert_int_equal(after.st_mode & 07777, 0700);
    struct inode *x;
    assert_int_equal(root->iops->create(root, "a.txt", 0644, &x), -EEXIST);
    inode_put(d2);
    inode_put(d);
    inode_put(a);
}

static void test_whiteout_opaque(void **state)
{
    struct inode *d = get(root, "d");
    assert_int_equal(d->iops->unlink(d, "x"), 0);
    assert_int_equal(err_of(root, "d/x"), -ENOENT);
    assert_int_equal(err_of(lower, "d/x"), 0);
    assert_string_equal(listing("d"), ". .. y ");
    assert_int_equal(root->iops->rmdir(root, "d"), -ENOTEMPTY);
    struct inode *y = get(root, "d/y"); /* held across its removal, as an open fd */
    struct stat st;
    assert_int_equal(inode_stat(y, &st), 0);
    assert_int_equal(st.st_nlink, 1);
    assert_int_equal(d->iops->unlink(d, "y"), 0);
    assert_int_equal(inode_stat(y, &st), 0);
    assert_int_equal(st.st_nlink, 0);
    assert_string_equal(listing("d"), ". .. ");
    assert_int_equal(root->iops->rmdir(root, "d"), 0);
    assert_int_equal(err_of(root, "d"), -ENOENT);
    assert_int_equal(inode_stat(d, &st), 0);
    assert_int_equal(st.st_nlink, 0); /* getcwd in it: ENOENT */
    inode_put(y);
    assert_string_equal(listing(""), ". .. a.txt e ");
    assert_int_equal(root->iops->mkdir(root, "d", 0755), 0);
    assert_string_equal(listing("d"), ". .. "); /* opaque: x and y stay hidden */
    assert_int_equal(err_of(root, "d/y"), -ENOENT);
    assert_string_equal(listing(""), ". .. a.txt d e ");
    inode_put(d);
}

static void test_rename(void **state)
{
    /* a lower file: copied up and moved, a whiteout left behind */
    assert_int_equal(root->iops->rename(root, "a.txt", root, "b.txt", 0), 0);
    assert_int_equal(err_of(root, "a.txt"), -ENOENT);
    expect_content(root, "b.txt", "UPPER a\n");
    /* a lower directory: EXDEV (no redirect_dir) */
    assert_int_equal(root->iops->rename(root, "e", root, "e2", 0), -EXDEV);
    /* an upper directory moves, and over the lower-backed name "e" once
     * that is empty it becomes opaque */
    struct inode *e = get(root, "e");
    assert_int_equal(e->iops->unlink(e, "z"), 0);
    inode_put(e);
    assert_int_equal(root->iops->mkdir(root, "n", 0755), 0);
    struct inode *n = get(root, "n");
    put_file(n, "inside", "i\n");
    inode_put(n);
    assert_int_equal(root->iops->rename(root, "n", root, "e", RENAME_NOREPLACE), -EEXIST);
    assert_int_equal(root->iops->rename(root, "n", root, "e", 0), 0);
    assert_string_equal(listing("e"), ". .. inside ");
    assert_string_equal(listing(""), ". .. d e b.txt ");
}

static void test_reserved_names(void **state)
{
    struct inode *x;
    assert_int_equal(root->iops->create(root, ".wh.foo", 0644, &x), -EPERM);
    assert_int_equal(err_of(root, ".wh.a.txt"), -ENOENT);
    assert_int_equal(err_of(root, ".wh..wh..opq"), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_and_listing), cmocka_unit_test(test_copy_up),
        cmocka_unit_test(test_whiteout_opaque),    cmocka_unit_test(test_rename),
        cmocka_unit_test(test_reserved_names),
    };
    return cmocka_run_group_tests(tests, setup_once, NULL);
}
