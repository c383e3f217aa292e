/* unit-sources: tests/unit/fs_sources.c tests/unit/rw_sources.c src/libos/util/lock.c
 * src/common/usercopy.S */
/*
 * test_sefs_rw: the persistent encrypted writable layer (fs/sefs_rw*.c)
 * on a temporary host directory, driven through the inode and file
 * operations as the VFS drives them: round trips, persistence across an
 * unmount and a new mount, hard links and symlinks, tampering with a data
 * file and with the metadata (EIO / refusal), a wrong key, and the host
 * side revealing no names. The journal and the blocks:
 * test_sefs_rw_journal.c.
 */
#include "rw_util.h"

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
