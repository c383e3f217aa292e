/* unit-sources: tests/unit/fs_sources.c src/common/usercopy.S src/libos/util/lock.c */
/*
 * test_vfs: the path walk (symlinks, "..", mount crossing, limits), ramfs
 * semantics (namespace operations, stable getdents offsets, file data)
 * and the fd table, on the host under ASan/UBSan. The mount table is
 * built by the real vfs_init() from a config of ramfs mounts; the PAL
 * and the host-backed file systems are stubbed below.
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
#include <sys/resource.h>
#include <time.h>

#include "common/config.h"
#include "fs/vfs.h"
#include "pal/pal.h"
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

/* ---- fixture ---- */

static struct process proc;

static int setup_once(void **state)
{
    static struct occlum_config cfg;
    cfg.mounts[0] = (struct config_mount){.target = "/", .type = "ramfs"};
    cfg.mounts[1] = (struct config_mount){.target = "/mnt", .type = "ramfs"};
    cfg.mounts[2] = (struct config_mount){.target = "/ro", .type = "ramfs", .readonly = true};
    cfg.n_mounts = 3;
    char err[256];
    if (vfs_init(&cfg, "/instance", err, sizeof(err)) < 0) {
        fprintf(stderr, "vfs_init: %s\n", err);
        return -1;
    }
    proc.pid = 1;
    proc.fs = fs_struct_new();
    proc.files = fdtable_new_stdio(NULL);
    proc.rlimits[RLIMIT_NOFILE].cur = 1024;
    return proc.fs && proc.files ? 0 : -1;
}

static int teardown_once(void **state)
{
    fs_struct_put(proc.fs);
    fdtable_put(proc.files);
    return 0;
}

/* Walk and return the canonical path (static buffer) or the errno. */
static const char *walk(const char *path, int flags, int *err)
{
    static char out[LIBOS_PATH_MAX];
    struct nameidata nd = {0};
    *err = namei_at(&proc, AT_FDCWD, path, flags, &nd);
    if (*err) return NULL;
    snprintf(out, sizeof(out), "%s", nd.path);
    nd_release(&nd);
    return out;
}

static void expect_path(const char *path, int flags, const char *want)
{
    int err;
    const char *got = walk(path, flags, &err);
    if (!got) fail_msg("%s: errno %d, want %s", path, -err, want);
    assert_string_equal(got, want);
}

static void expect_err(const char *path, int flags, int want)
{
    int err;
    walk(path, flags, &err);
    if (err != want) fail_msg("%s: got %d, want %d", path, err, want);
}

static struct inode *lookup(const char *path, int flags)
{
    struct nameidata nd = {0};
    if (namei_at(&proc, AT_FDCWD, path, flags, &nd)) return NULL;
    struct inode *ino = nd.inode;
    inode_get(ino);
    nd_release(&nd);
    return ino;
}

/* mkdir/create/symlink/unlink... through the parent walk, as the
 * syscall layer does. */
static int parent_op(const char *path, int (*op)(struct nameidata *nd, const void *arg),
                     const void *arg)
{
    struct nameidata nd = {0};
    int r = namei_at(&proc, AT_FDCWD, path, WALK_PARENT, &nd);
    if (r) return r;
    r = op(&nd, arg);
    nd_release(&nd);
    return r;
}

static int op_mkdir(struct nameidata *nd, const void *arg)
{
    return nd->inode->iops->mkdir(nd->inode, nd->last, 0755);
}

static int op_create(struct nameidata *nd, const void *arg)
{
    struct inode *ino;
    int r = nd->inode->iops->create(nd->inode, nd->last, 0644, &ino);
    if (r == 0) inode_put(ino);
    return r;
}

static int op_symlink(struct nameidata *nd, const void *arg)
{
    return nd->inode->iops->symlink(nd->inode, nd->last, arg);
}

static int op_unlink(struct nameidata *nd, const void *arg)
{
    return nd->inode->iops->unlink(nd->inode, nd->last);
}

static int op_rmdir(struct nameidata *nd, const void *arg)
{
    return nd->inode->iops->rmdir(nd->inode, nd->last);
}

static void build_tree(void)
{
    static bool done;
    if (done) return;
    done = true;
    assert_int_equal(parent_op("/a", op_mkdir, NULL), 0);
    assert_int_equal(parent_op("/a/b", op_mkdir, NULL), 0);
    assert_int_equal(parent_op("/a/b/f", op_create, NULL), 0);
    assert_int_equal(parent_op("/l", op_symlink, "a/b"), 0);
    assert_int_equal(parent_op("/abs", op_symlink, "/a"), 0);
    assert_int_equal(parent_op("/a/up", op_symlink, "../mnt"), 0);
    assert_int_equal(parent_op("/loop", op_symlink, "loop"), 0);
    assert_int_equal(parent_op("/dangling", op_symlink, "nowhere"), 0);
    assert_int_equal(parent_op("/flink", op_symlink, "a/b/f"), 0);
    assert_int_equal(parent_op("/mnt/m", op_mkdir, NULL), 0);
}

/* ---- the walk ---- */

static void test_walk_basic(void **state)
{
    build_tree();
    expect_path("/", 0, "/");
    expect_path("//a///b//", 0, "/a/b");
    expect_path("/a/./b/.", 0, "/a/b");
    expect_path("/a/b/f", 0, "/a/b/f");
    expect_path("/..", 0, "/");
    expect_path("/a/b/../../a", 0, "/a");
    expect_err("", 0, -ENOENT);
    expect_path("", WALK_EMPTY, "/");
    expect_err("/nonexistent", 0, -ENOENT);
    expect_err("/a/b/f/", 0, -ENOTDIR);
    expect_err("/a/b/f/x", 0, -ENOTDIR);
    expect_err("/a/b/f/.", 0, -ENOTDIR);
    expect_err("/a/b/f", WALK_DIRECTORY, -ENOTDIR);
}

static void test_walk_symlinks(void **state)
{
    build_tree();
    expect_path("/l", WALK_FOLLOW, "/a/b");
    expect_path("/l", 0, "/l");    /* the link itself */
    expect_path("/l/", 0, "/a/b"); /* a trailing slash follows */
    expect_path("/l/f", 0, "/a/b/f");
    expect_path("/l/..", 0, "/a"); /* ".." of the target, not of the link */
    expect_path("/abs/b", 0, "/a/b");
    expect_path("/flink", WALK_FOLLOW, "/a/b/f");
    expect_err("/flink/", 0, -ENOTDIR);
    expect_err("/loop", WALK_FOLLOW, -ELOOP);
    expect_err("/loop/x", 0, -ELOOP);
    expect_path("/loop", 0, "/loop");
    expect_err("/dangling", WALK_FOLLOW, -ENOENT);
    expect_path("/dangling", 0, "/dangling");
}

static void test_walk_mounts(void **state)
{
    build_tree();
    struct inode *root = lookup("/", 0), *mnt = lookup("/mnt", 0), *m = lookup("/a/up/m", 0);
    assert_non_null(mnt);
    assert_non_null(m);
    assert_ptr_not_equal(root->mnt, mnt->mnt);
    assert_ptr_equal(m->mnt, mnt->mnt);
    expect_path("/a/up", WALK_FOLLOW, "/mnt");
    expect_path("/mnt/m/../..", 0, "/");
    expect_path("/tmp", 0, "/tmp"); /* added by vfs_init: the config has no /tmp */
    assert_non_null(mount_find("/tmp"));
    assert_true(inode_readonly(mount_find("/ro")->root));
    inode_put(root);
    inode_put(mnt);
    inode_put(m);
}

static void test_walk_relative_and_limits(void **state)
{
    build_tree();
    struct inode *b = lookup("/a/b", 0);
    assert_int_equal(fs_struct_set_cwd(proc.fs, b, "/a/b"), 0);
    inode_put(b);
    expect_path("f", 0, "/a/b/f");
    expect_path("..", 0, "/a");
    expect_path("../../l/f", 0, "/a/b/f");
    expect_path("../../../../..", 0, "/");
    expect_path(".", 0, "/a/b");
    struct inode *root = lookup("/", 0);
    assert_int_equal(fs_struct_set_cwd(proc.fs, root, "/"), 0);
    inode_put(root);

    char name[LIBOS_NAME_MAX + 3];
    memset(name, 'n', sizeof(name) - 1);
    name[0] = '/';
    name[sizeof(name) - 1] = 0; /* "/" + 256 bytes */
    expect_err(name, 0, -ENAMETOOLONG);
    static char big[LIBOS_PATH_MAX + 1];
    memset(big, '/', LIBOS_PATH_MAX);
    big[LIBOS_PATH_MAX] = 0; /* 4096 bytes */
    expect_err(big, 0, -ENAMETOOLONG);
    big[LIBOS_PATH_MAX - 1] = 0; /* 4095 slashes: fine */
    expect_path(big, 0, "/");
}

static void test_walk_parent(void **state)
{
    build_tree();
    struct nameidata nd = {0};
    assert_int_equal(namei_at(&proc, AT_FDCWD, "/a/b/new", WALK_PARENT, &nd), 0);
    assert_string_equal(nd.path, "/a/b");
    assert_string_equal(nd.last, "new");
    assert_int_equal(nd.last_type, LAST_NORM);
    assert_false(nd.trailing);
    nd_release(&nd);
    assert_int_equal(namei_at(&proc, AT_FDCWD, "/l/x/", WALK_PARENT, &nd), 0);
    assert_string_equal(nd.path, "/a/b");
    assert_true(nd.trailing);
    nd_release(&nd);
    assert_int_equal(namei_at(&proc, AT_FDCWD, "/a/..", WALK_PARENT, &nd), 0);
    assert_int_equal(nd.last_type, LAST_DOTDOT);
    nd_release(&nd);
    assert_int_equal(namei_at(&proc, AT_FDCWD, "///", WALK_PARENT, &nd), 0);
    assert_int_equal(nd.last_type, LAST_ROOT);
    nd_release(&nd);
    assert_int_equal(namei_at(&proc, AT_FDCWD, "/mnt", WALK_PARENT, &nd), 0);
    struct inode *child;
    assert_int_equal(nd_lookup_last(&nd, &child), 0); /* crosses the mount */
    assert_ptr_equal(child, mount_find("/mnt")->root);
    inode_put(child);
    nd_release(&nd);
    assert_int_equal(namei_at(&proc, AT_FDCWD, "/a/b/f/x", WALK_PARENT, &nd), -ENOTDIR);
}

/* ---- ramfs ---- */

static void test_ramfs_namespace(void **state)
{
    build_tree();
    assert_int_equal(parent_op("/r", op_mkdir, NULL), 0);
    assert_int_equal(parent_op("/r", op_mkdir, NULL), -EEXIST);
    assert_int_equal(parent_op("/r/d", op_mkdir, NULL), 0);
    assert_int_equal(parent_op("/r/file", op_create, NULL), 0);
    assert_int_equal(parent_op("/r", op_rmdir, NULL), -ENOTEMPTY);
    assert_int_equal(parent_op("/r/file", op_rmdir, NULL), -ENOTDIR);
    assert_int_equal(parent_op("/r/d", op_unlink, NULL), -EISDIR);
    struct inode *r = lookup("/r", 0), *d = lookup("/r/d", 0), *f = lookup("/r/file", 0);
    assert_int_equal(r->nlink, 3);
    const struct inode_ops *ops = r->iops;
    assert_int_equal(ops->rename(r, "d", d, "x", 0), -EINVAL); /* into itself */
    assert_int_equal(ops->rename(r, "file", r, "d", 0), -EISDIR);
    assert_int_equal(ops->rename(r, "d", r, "file", 0), -ENOTDIR);
    assert_int_equal(ops->rename(r, "file", r, "file", RENAME_NOREPLACE), -EEXIST);
    assert_int_equal(ops->rename(r, "file", d, "moved", 0), 0);
    expect_path("/r/d/moved", 0, "/r/d/moved");
    expect_err("/r/file", 0, -ENOENT);
    assert_int_equal(ops->link(f, r, "hard"), 0);
    assert_int_equal(f->nlink, 2);
    assert_int_equal(parent_op("/r/d/moved", op_unlink, NULL), 0);
    assert_int_equal(f->nlink, 1);
    assert_int_equal(parent_op("/r/hard", op_unlink, NULL), 0);
    assert_int_equal(f->nlink, 0);
    /* a removed directory accepts nothing new */
    assert_int_equal(parent_op("/r/d", op_rmdir, NULL), 0);
    assert_int_equal(d->nlink, 0);
    assert_int_equal(ops->mkdir(d, "x", 0755), -ENOENT);
    assert_int_equal(r->nlink, 2);
    inode_put(r);
    inode_put(d);
    inode_put(f);
    assert_int_equal(parent_op("/r", op_rmdir, NULL), 0);
}

static void test_ramfs_data(void **state)
{
    build_tree();
    struct inode *f = lookup("/a/b/f", 0);
    struct file *fp;
    assert_int_equal(vfs_open_inode(f, "/a/b/f", O_RDWR, &fp), 0);
    assert_int_equal(vfs_write(fp, "hello", 5), 5);
    assert_int_equal(vfs_pwrite(fp, "Z", 1, 9), 1);
    char buf[32] = {0};
    assert_int_equal(vfs_pread(fp, buf, sizeof(buf), 0), 10);
    assert_memory_equal(buf, "hello\0\0\0\0Z", 10);
    assert_int_equal(vfs_lseek(fp, 0, SEEK_END), 10);
    assert_int_equal(vfs_read(fp, buf, 4), 0);
    assert_int_equal(vfs_lseek(fp, -1, SEEK_SET), -EINVAL);
    assert_int_equal(vfs_truncate_inode(f, 2), 0);
    struct stat st;
    assert_int_equal(file_fstat(fp, &st), 0);
    assert_int_equal(st.st_size, 2);
    assert_int_equal(st.st_dev, mount_find("/")->dev);
    file_put(fp);
    /* O_APPEND writes at the end even with pwrite, as Linux */
    assert_int_equal(vfs_open_inode(f, "/a/b/f", O_WRONLY | O_APPEND, &fp), 0);
    assert_int_equal(vfs_pwrite(fp, "xy", 2, 0), 2);
    assert_int_equal(vfs_read(fp, buf, 1), -EBADF);
    file_put(fp);
    assert_int_equal(vfs_open_inode(f, "/a/b/f", O_RDONLY | O_TRUNC, &fp), 0);
    assert_int_equal(vfs_pread(fp, buf, sizeof(buf), 0), 0);
    assert_int_equal(vfs_write(fp, "x", 1), -EBADF);
    file_put(fp);
    assert_int_equal(vfs_open_inode(f, "/a/b/f", O_RDONLY | O_DIRECTORY, &fp), -ENOTDIR);
    struct inode *dir = lookup("/a", 0);
    assert_int_equal(vfs_open_inode(dir, "/a", O_WRONLY, &fp), -EISDIR);
    assert_int_equal(vfs_open_inode(dir, "/a", O_RDONLY, &fp), 0);
    assert_int_equal(vfs_read(fp, buf, 1), -EISDIR);
    file_put(fp);
    inode_put(dir);
    inode_put(f);
    struct inode *ro = lookup("/ro", 0);
    assert_int_equal(vfs_open_inode(ro, "/ro", O_RDONLY, &fp), 0);
    file_put(fp);
    inode_put(ro);
}

struct d64 {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static void test_ramfs_getdents_stable(void **state)
{
    build_tree();
    assert_int_equal(parent_op("/g", op_mkdir, NULL), 0);
    char p[64];
    for (int i = 0; i < 50; i++) {
        snprintf(p, sizeof(p), "/g/x%d", i);
        assert_int_equal(parent_op(p, op_create, NULL), 0);
    }
    struct inode *g = lookup("/g", 0);
    struct file *fp;
    assert_int_equal(vfs_open_inode(g, "/g", O_RDONLY | O_DIRECTORY, &fp), 0);
    char buf[96]; /* a few entries per call */
    assert_int_equal(fp->fops->getdents64(fp, buf, 10), -EINVAL);
    int seen[50] = {0}, dots = 0;
    for (;;) {
        ssize_t n = fp->fops->getdents64(fp, buf, sizeof(buf));
        assert_true(n >= 0);
        if (n == 0) break;
        for (ssize_t o = 0; o < n;) {
            struct d64 *d = (void *)(buf + o);
            if (d->name[0] == '.')
                dots++;
            else {
                int i = atoi(d->name + 1);
                seen[i]++;
                /* remove this one and its partner (which may already be in
                 * this buffer, and so be gone when its turn comes) */
                snprintf(p, sizeof(p), "/g/x%d", i);
                int r = parent_op(p, op_unlink, NULL);
                assert_true(r == 0 || r == -ENOENT);
                snprintf(p, sizeof(p), "/g/x%d", 49 - i);
                parent_op(p, op_unlink, NULL);
            }
            o += d->reclen;
        }
    }
    assert_int_equal(dots, 2);
    for (int i = 0; i < 50; i++)
        assert_true(seen[i] <= 1);
    /* Every pair shows up at least once: removing entries never makes the
     * listing skip one that is still there. */
    for (int i = 0; i < 25; i++)
        assert_true(seen[i] + seen[49 - i] >= 1);
    /* rewinding lists "." and ".." again and nothing else */
    assert_int_equal(vfs_lseek(fp, 0, SEEK_SET), 0);
    assert_true(fp->fops->getdents64(fp, buf, sizeof(buf)) > 0);
    assert_int_equal(fp->fops->getdents64(fp, buf, sizeof(buf)), 0);
    file_put(fp);
    inode_put(g);
    assert_int_equal(parent_op("/g", op_rmdir, NULL), 0);
}

/* ---- fd table ---- */

static void test_fdtable(void **state)
{
    build_tree();
    struct inode *f = lookup("/a/b/f", 0);
    struct fdtable *t = proc.files;
    struct file *fp;
    assert_int_equal(vfs_open_inode(f, "/a/b/f", O_RDONLY, &fp), 0);
    assert_int_equal(fdtable_install(t, fp, 0, 1024, false), 0); /* stdio stubbed out: 0 is free */
    file_get(fp);
    assert_int_equal(fdtable_install(t, fp, 0, 1024, true), 1);
    file_get(fp);
    assert_int_equal(fdtable_install(t, fp, 10, 1024, false), 10);
    assert_int_equal(fdtable_get_cloexec(t, 1), 1);
    assert_int_equal(fdtable_close(t, 0), 0);
    assert_int_equal(fdtable_close(t, 0), -EBADF);
    file_get(fp);
    assert_int_equal(fdtable_install(t, fp, 0, 1024, false), 0);
    file_get(fp);
    assert_int_equal(fdtable_install(t, fp, 5, 5, false), -EINVAL);
    assert_int_equal(fdtable_install(t, fp, 2, 3, false), 2);
    file_get(fp);
    assert_int_equal(fdtable_install(t, fp, 0, 3, false), -EMFILE);
    file_put(fp);
    struct fdtable *c = fdtable_clone(t);
    int fds[8];
    assert_int_equal(fdtable_list(c, fds, 8), 4);
    fdtable_close_on_exec(c);
    assert_int_equal(fdtable_list(c, fds, 8), 3);
    assert_null(fdtable_get(c, 1));
    file_get(fp);
    assert_int_equal(fdtable_install_at(c, 2, fp, false), 2); /* replaces */
    struct file *g = fd_get(&proc, 10);
    assert_ptr_equal(g, fp);
    file_put(g);
    fdtable_put(c);
    for (int fd = 0; fd < 11; fd++)
        fdtable_close(t, fd);
    assert_null(fd_get(&proc, 10));
    inode_put(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_basic),  cmocka_unit_test(test_walk_symlinks),
        cmocka_unit_test(test_walk_mounts), cmocka_unit_test(test_walk_relative_and_limits),
        cmocka_unit_test(test_walk_parent), cmocka_unit_test(test_ramfs_namespace),
        cmocka_unit_test(test_ramfs_data),  cmocka_unit_test(test_ramfs_getdents_stable),
        cmocka_unit_test(test_fdtable),
    };
    return cmocka_run_group_tests(tests, setup_once, teardown_once);
}
