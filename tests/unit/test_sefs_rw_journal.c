/* unit-sources: tests/unit/fs_sources.c tests/unit/rw_sources.c src/libos/util/lock.c
 * src/common/usercopy.S */
/*
 * test_sefs_rw_journal: the writable layer's journal and blocks: replay,
 * a torn last record, records reordered, dropped or taken from another
 * layer, checkpoints and a stale journal after a checkpoint's crash,
 * copy-on-write blocks across a simulated crash, the cache bound, and
 * commits that fail.
 *
 * A crash is simulated by copying the layer's host directory while the
 * layer is mounted and has written data that no commit names yet, and
 * mounting the copy.
 */
#include "rw_util.h"

/* ---- journal and blocks ---- */

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
 * of the old snapshot, which is ignored. (100 files with data: more than
 * the layer keeps host fds open for.) */
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
    for (int i = 1; i < 100; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        put_file(root, name, name, strlen(name));
        if (i == 20) sh("cp '%s' '%s.old'", j, j);
    }
    assert_int_equal(stat(meta, &m1), 0);
    assert_int_equal(stat(j, &js), 0);
    assert_true(m1.st_ino != m0.st_ino); /* a new snapshot was renamed in */
    /* and the journal started again: never much longer than the snapshot */
    assert_true(js.st_size < (m1.st_size > 2048 ? m1.st_size : 2048) + 1024);
    assert_int_equal(sefs_rw_unmount(root), 0);
    rw_checkpoint_min = saved;
    char buf[8];
    root = mount_ok();
    for (int i = 0; i < 100; i++) {
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

/* An O_TMPFILE file written and committed unnamed, a checkpoint (whose
 * snapshot holds only named files), then linked: all its data is there
 * after a remount. */
static void test_tmpfile_linked_after_checkpoint(void **state)
{
    fresh(state);
    struct inode *root = mount_ok(), *ino;
    struct file *f;
    static char data[64 * 1024], got[sizeof(data)];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 31 + 1);
    put_file(root, "first", "1", 1); /* a fresh layer's first commit: the snapshot */
    assert_int_equal(root->iops->tmpfile(root, 0600, true, &ino), 0);
    assert_int_equal(vfs_open_inode(ino, "tmp", O_RDWR, &f), 0);
    assert_int_equal(vfs_pwrite(f, data, sizeof(data), 0), (ssize_t)sizeof(data));
    assert_int_equal(f->fops->fsync(f, 0), 0); /* a record of its blocks */
    rw_set_need_snapshot(layer_of(root), true);
    assert_int_equal(rw_commit(layer_of(root)), 0); /* the checkpoint drops it */
    assert_int_equal(root->iops->link(ino, root, "linked"), 0);
    assert_int_equal(f->fops->fsync(f, 0), 0);
    file_put(f);
    inode_put(ino);
    assert_int_equal(sefs_rw_unmount(root), 0);
    root = mount_ok();
    assert_int_equal(read_file(root, "linked", got, sizeof(got)), (ssize_t)sizeof(got));
    assert_memory_equal(got, data, sizeof(data));
    assert_int_equal(sefs_rw_unmount(root), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_replay),
        cmocka_unit_test(test_journal_torn_tail),
        cmocka_unit_test(test_journal_reorder_drop_splice),
        cmocka_unit_test(test_checkpoint),
        cmocka_unit_test(test_cow_crash),
        cmocka_unit_test(test_cache_bound),
        cmocka_unit_test(test_commit_failure),
        cmocka_unit_test(test_tmpfile_linked_after_checkpoint),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
