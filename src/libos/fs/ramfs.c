/*
 * ramfs: an in-memory file system (/tmp, /dev/shm): directories, regular
 * files in growable buffers, symlinks, hard links.
 *
 * Locking: one mutex per file system instance guards the namespace
 * (directory entries, link counts, parents); each inode's own mutex
 * guards its data, size and times. Namespace lock first, then an inode's.
 *
 * getdents64 offsets are stable: each entry gets a cookie (2, 3, ...) when
 * it is inserted and keeps it, so entries added or removed during a
 * listing never make it skip or repeat others. Offsets 0 and 1 are "."
 * and "..".
 *
 * A ramfs can carry persistence hooks (fs/ramfs_int.h): the writable
 * layer of the union (fs/sefs_rw.c) is a ramfs whose tree is committed
 * to encrypted host files. touch() sees every modification and directory
 * entries are added and removed in one place each, so the hooks learn
 * what the next commit must record; a persistent file's data lives with
 * the hooks (block by block on the host), not here.
 */
#include "common/usercopy.h"
#include "fs/permission.h"
#include "fs/vfs.h"
#include "fs/ramfs_int.h"
#include "vm/shared_map.h"
#include "util/kheap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct inode_ops ramfs_iops;
static const struct file_ops ramfs_reg_fops, ramfs_dir_fops;

struct inode *ramfs_node_new(struct mount *m, struct ramfs_sb *sb, mode_t mode)
{
    struct inode *ino = inode_new(m, &ramfs_iops, mode);
    struct rnode *n = kcalloc(1, sizeof(*n));
    if (!ino || !n) {
        kfree(ino);
        kfree(n);
        return NULL;
    }
    n->sb = sb;
    n->next_cookie = 2;
    n->seals = F_SEAL_SEAL; /* as tmpfs: only memfd_create's MFD_ALLOW_SEALING lifts it */
    ino->priv = n;
    ino->ino = __atomic_fetch_add(&sb->next_ino, 1, __ATOMIC_RELAXED);
    if (S_ISDIR(mode)) ino->nlink = 2;
    return ino;
}

void ramfs_touch(struct inode *ino, bool data)
{
    /* Every change passes here: remember it for the next commit. */
    struct ramfs_sb *sb = RN(ino)->sb;
    if (sb->loading) return;
    __atomic_store_n(&sb->dirty, true, __ATOMIC_RELAXED);
    if (sb->persist && !RN(ino)->evicting) sb->persist->changed(sb->pctx, ino);
    struct timespec now;
    vfs_now(&now);
    ino->ctime = now;
    if (data) ino->mtime = now;
}

/* An attribute change that keeps ctime as the caller set it. */
static void touch_attr(struct inode *ino)
{
    struct ramfs_sb *sb = RN(ino)->sb;
    __atomic_store_n(&sb->dirty, true, __ATOMIC_RELAXED);
    if (sb->persist) sb->persist->changed(sb->pctx, ino);
}

/* ---- inode operations ---- */

static int ramfs_lookup(struct inode *dir, const char *name, struct inode **out)
{
    struct ramfs_sb *sb = RN(dir)->sb;
    int r = -ENOENT;
    mutex_lock(&sb->lock);
    struct rdirent *d = RN(dir)->dead ? NULL : ramfs_dir_find(dir, name);
    if (d) {
        inode_get(d->inode);
        *out = d->inode;
        r = 0;
    }
    mutex_unlock(&sb->lock);
    return r;
}

/* Create a child of type mode; *out (if non-NULL) gets a reference. */
static int make_child(struct inode *dir, const char *name, mode_t mode, const char *target,
                      struct inode **out)
{
    struct ramfs_sb *sb = RN(dir)->sb;
    int r;
    mutex_lock(&sb->lock);
    if (RN(dir)->dead) {
        r = -ENOENT;
        goto out;
    }
    if (ramfs_dir_find(dir, name)) {
        r = -EEXIST;
        goto out;
    }
    struct inode *ino = ramfs_node_new(dir->mnt, sb, mode);
    r = -ENOSPC;
    if (!ino) goto out;
    fs_new_owner(dir, &ino->mode, &ino->uid, &ino->gid);
    if (target) {
        RN(ino)->target = kstrdup(target);
        if (!RN(ino)->target) {
            inode_put(ino);
            goto out;
        }
        ino->size = (off_t)strlen(target);
    }
    if (S_ISDIR(mode)) RN(ino)->parent = dir;
    if ((r = ramfs_dir_add(dir, name, ino)) < 0) {
        inode_put(ino);
        goto out;
    }
    if (S_ISDIR(mode)) dir->nlink++;
    if (out) {
        inode_get(ino);
        *out = ino;
    }
out:
    mutex_unlock(&sb->lock);
    return r;
}

static int ramfs_create(struct inode *dir, const char *name, mode_t mode, struct inode **out)
{
    return make_child(dir, name, S_IFREG | (mode & 07777), NULL, out);
}

static int ramfs_mkdir(struct inode *dir, const char *name, mode_t mode)
{
    return make_child(dir, name, S_IFDIR | (mode & 07777), NULL, NULL);
}

static int ramfs_symlink(struct inode *dir, const char *name, const char *target)
{
    return make_child(dir, name, S_IFLNK | 0777, target, NULL);
}

static int ramfs_tmpfile(struct inode *dir, mode_t mode, bool linkable, struct inode **out)
{
    struct ramfs_sb *sb = RN(dir)->sb;
    if (RN(dir)->dead) return -ENOENT;
    struct inode *ino = ramfs_node_new(dir->mnt, sb, S_IFREG | (mode & 07777));
    if (!ino) return -ENOSPC;
    fs_new_owner(dir, &ino->mode, &ino->uid, &ino->gid);
    ino->nlink = 0;
    RN(ino)->linkable = linkable;
    *out = ino;
    return 0;
}

static int ramfs_mknod(struct inode *dir, const char *name, mode_t mode)
{
    return make_child(dir, name, mode, NULL, NULL);
}

static int ramfs_link(struct inode *old, struct inode *dir, const char *name)
{
    struct ramfs_sb *sb = RN(dir)->sb;
    int r;
    mutex_lock(&sb->lock);
    if (RN(dir)->dead)
        r = -ENOENT;
    else if (old->nlink == 0 && !RN(old)->linkable)
        r = -ENOENT; /* already unlinked (linkat on an fd), or O_TMPFILE|O_EXCL */
    else if (ramfs_dir_find(dir, name))
        r = -EEXIST;
    else {
        inode_get(old);
        r = ramfs_dir_add(dir, name, old);
        if (r < 0)
            inode_put(old);
        else {
            old->nlink++;
            RN(old)->linkable = false;
            ramfs_touch(old, false);
        }
    }
    mutex_unlock(&sb->lock);
    return r;
}

static bool dir_empty(struct inode *dir)
{
    return RN(dir)->head == NULL;
}

/* Drop a name of ino (sb lock held): link counts, a removed dir's state. */
static void forget_name(struct inode *parent, struct inode *ino)
{
    if (S_ISDIR(ino->mode)) {
        RN(ino)->dead = true;
        ino->nlink = 0;
        parent->nlink--;
    } else {
        ino->nlink--;
    }
    ramfs_touch(ino, false);
}

static int ramfs_unlink(struct inode *dir, const char *name)
{
    struct ramfs_sb *sb = RN(dir)->sb;
    struct inode *victim = NULL;
    int r = 0;
    mutex_lock(&sb->lock);
    struct rdirent *d = ramfs_dir_find(dir, name);
    if (!d)
        r = -ENOENT;
    else if (S_ISDIR(d->inode->mode))
        r = -EISDIR;
    else {
        victim = ramfs_dir_remove(dir, d);
        forget_name(dir, victim);
    }
    mutex_unlock(&sb->lock);
    inode_put(victim);
    return r;
}

static int ramfs_rmdir(struct inode *dir, const char *name)
{
    struct ramfs_sb *sb = RN(dir)->sb;
    struct inode *victim = NULL;
    int r = 0;
    mutex_lock(&sb->lock);
    struct rdirent *d = ramfs_dir_find(dir, name);
    if (!d)
        r = -ENOENT;
    else if (!S_ISDIR(d->inode->mode))
        r = -ENOTDIR;
    else if (!dir_empty(d->inode))
        r = -ENOTEMPTY;
    else {
        victim = ramfs_dir_remove(dir, d);
        forget_name(dir, victim);
    }
    mutex_unlock(&sb->lock);
    inode_put(victim);
    return r;
}

/* True when dir is ino or lies below it (sb lock held). */
static bool is_within(struct inode *dir, struct inode *ino)
{
    for (struct inode *d = dir; d; d = RN(d)->parent)
        if (d == ino) return true;
    return false;
}

static int rename_check(struct inode *ndir, struct inode *src, struct rdirent *dst, unsigned flags)
{
    if (RN(ndir)->dead) return -ENOENT;
    if (dst && (flags & RENAME_NOREPLACE)) return -EEXIST;
    if (S_ISDIR(src->mode)) {
        if (is_within(ndir, src)) return -EINVAL;
        if (dst && !S_ISDIR(dst->inode->mode)) return -ENOTDIR;
        if (dst && !dir_empty(dst->inode)) return -ENOTEMPTY;
    } else if (dst && S_ISDIR(dst->inode->mode)) {
        return -EISDIR;
    }
    return 0;
}

/* Move a directory's ".." from one parent to another (sb lock held). */
static void reparent(struct inode *ino, struct inode *from, struct inode *to)
{
    if (!S_ISDIR(ino->mode) || from == to) return;
    from->nlink--;
    to->nlink++;
    RN(ino)->parent = to;
}

/* RENAME_EXCHANGE (sb lock held): the two entries trade objects in place,
 * so both keep their readdir positions. */
static int exchange(struct inode *odir, struct rdirent *s, struct inode *ndir, struct rdirent *d)
{
    if (!d) return -ENOENT;
    if (RN(odir)->dead || RN(ndir)->dead) return -ENOENT;
    struct inode *a = s->inode, *b = d->inode;
    if (a == b) return 0;
    /* Either one an ancestor of the other's new place: a loop. */
    if (S_ISDIR(a->mode) && is_within(ndir, a)) return -EINVAL;
    if (S_ISDIR(b->mode) && is_within(odir, b)) return -EINVAL;
    s->inode = b;
    d->inode = a;
    /* For the persistence hooks: two names removed, then given back. */
    ramfs_note_dirent(odir, s->name, a, false);
    ramfs_note_dirent(ndir, d->name, b, false);
    ramfs_note_dirent(odir, s->name, b, true);
    ramfs_note_dirent(ndir, d->name, a, true);
    reparent(a, odir, ndir);
    reparent(b, ndir, odir);
    ramfs_touch(a, false);
    ramfs_touch(b, false);
    ramfs_touch(odir, true);
    if (ndir != odir) ramfs_touch(ndir, true);
    return 0;
}

static int ramfs_rename(struct inode *odir, const char *oname, struct inode *ndir,
                        const char *nname, unsigned flags)
{
    struct ramfs_sb *sb = RN(odir)->sb;
    struct inode *victim = NULL;
    int r;
    mutex_lock(&sb->lock);
    struct rdirent *s = ramfs_dir_find(odir, oname);
    if (!s) {
        r = -ENOENT;
        goto out;
    }
    struct rdirent *dst = ramfs_dir_find(ndir, nname);
    if (flags & RENAME_EXCHANGE) {
        r = exchange(odir, s, ndir, dst);
        goto out;
    }
    if (dst && dst->inode == s->inode) { /* two names of one file: nothing to do */
        r = (flags & RENAME_NOREPLACE) ? -EEXIST : 0;
        goto out;
    }
    struct inode *src = s->inode;
    if ((r = rename_check(ndir, src, dst, flags)) < 0) goto out;
    /* Insert the new name first so that running out of memory changes nothing. */
    inode_get(src);
    if ((r = ramfs_dir_add(ndir, nname, src)) < 0) {
        inode_put(src);
        goto out;
    }
    if (dst) {
        victim = ramfs_dir_remove(ndir, dst);
        forget_name(ndir, victim);
    }
    inode_put(ramfs_dir_remove(odir, s)); /* the old name's reference; src stays alive */
    reparent(src, odir, ndir);
    ramfs_touch(src, false);
out:
    mutex_unlock(&sb->lock);
    inode_put(victim);
    return r;
}

static ssize_t ramfs_readlink(struct inode *ino, char *buf, size_t len)
{
    const char *t = RN(ino)->target;
    size_t n = strlen(t);
    if (n > len) n = len;
    memcpy(buf, t, n);
    return (ssize_t)n;
}

static int ramfs_getattr(struct inode *ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    mutex_lock(&ino->lock);
    st->st_mode = ino->mode;
    st->st_ino = ino->ino;
    st->st_nlink = ino->nlink;
    st->st_uid = ino->uid;
    st->st_gid = ino->gid;
    st->st_size = ino->size;
    st->st_blksize = 4096;
    size_t bytes = RN(ino)->sb->persist ? ((size_t)ino->size + 4095) & ~(size_t)4095 : RN(ino)->cap;
    st->st_blocks = S_ISREG(ino->mode) ? (blkcnt_t)((bytes + 511) / 512) : 0;
    st->st_atim = ino->atime;
    st->st_mtim = ino->mtime;
    st->st_ctim = ino->ctime;
    mutex_unlock(&ino->lock);
    return 0;
}

/* Resize file data (inode lock held); new bytes read as zero. */
static int resize(struct inode *ino, size_t size)
{
    struct rnode *n = RN(ino);
    if (n->sb->persist) return n->sb->persist->resize(n->sb->pctx, ino, (off_t)size);
    if (size > n->cap || (size < n->cap / 4 && n->cap > 65536)) {
        size_t cap = size < 64 ? 64 : size;
        if (size > n->cap && cap < n->cap * 2) cap = n->cap * 2;
        char *d = krealloc(n->data, cap);
        if (!d) return -ENOSPC;
        n->data = d;
        n->cap = cap;
    }
    if (size > (size_t)ino->size) memset(n->data + ino->size, 0, size - (size_t)ino->size);
    ino->size = (off_t)size;
    return 0;
}

/* Under ino->lock: a change of the size to `size` the file's seals forbid. */
static bool sealed_against_size(struct inode *ino, off_t size)
{
    unsigned seals = RN(ino)->seals;
    return (size < ino->size && (seals & F_SEAL_SHRINK)) ||
           (size > ino->size && (seals & F_SEAL_GROW));
}

static int ramfs_setattr(struct inode *ino, const struct iattr *a)
{
    int r = 0;
    mutex_lock(&ino->lock);
    if ((a->valid & ATTR_SIZE) && sealed_against_size(ino, a->size)) r = -EPERM;
    if (r == 0 && (a->valid & ATTR_SIZE)) {
        r = resize(ino, (size_t)a->size);
        if (r == 0) ramfs_touch(ino, true);
    }
    if (r == 0 && (a->valid & ATTR_MODE)) {
        ino->mode = (ino->mode & S_IFMT) | (a->mode & 07777);
        ramfs_touch(ino, false);
    }
    if (r == 0 && (a->valid & ATTR_UID)) ino->uid = a->uid;
    if (r == 0 && (a->valid & ATTR_GID)) ino->gid = a->gid;
    /* chown clears set-user/group-ID bits, as Linux does for files */
    if (r == 0 && (a->valid & (ATTR_UID | ATTR_GID)) && !S_ISDIR(ino->mode)) {
        ino->mode &= ~(mode_t)S_ISUID;
        if (ino->mode & S_IXGRP) ino->mode &= ~(mode_t)S_ISGID;
        ramfs_touch(ino, false);
    }
    if (r == 0 && (a->valid & ATTR_ATIME)) ino->atime = a->atime;
    if (r == 0 && (a->valid & ATTR_MTIME)) ino->mtime = a->mtime;
    if (r == 0 && (a->valid & (ATTR_ATIME | ATTR_MTIME))) vfs_now(&ino->ctime);
    if (r == 0) touch_attr(ino);
    mutex_unlock(&ino->lock);
    return r;
}

static int ramfs_open(struct inode *ino, struct file *f)
{
    if (S_ISDIR(ino->mode)) {
        f->fops = &ramfs_dir_fops;
        return 0;
    }
    if (!S_ISREG(ino->mode)) return -ENXIO;
    f->fops = &ramfs_reg_fops;
    if (f->flags & O_TRUNC) {
        struct iattr a = {.valid = ATTR_SIZE, .size = 0};
        return ramfs_setattr(ino, &a);
    }
    return 0;
}

static void ramfs_evict(struct inode *ino)
{
    struct rnode *n = RN(ino);
    if (!n) return;
    n->evicting = true;
    while (n->head)
        inode_put(ramfs_dir_remove(ino, n->head));
    if (n->sb->persist) n->sb->persist->forget(n->sb->pctx, ino);
    kfree(n->buckets);
    kfree(n->data);
    kfree(n->target);
    kfree(n);
}

static const struct inode_ops ramfs_iops = {
    .lookup = ramfs_lookup,
    .create = ramfs_create,
    .mkdir = ramfs_mkdir,
    .unlink = ramfs_unlink,
    .rmdir = ramfs_rmdir,
    .rename = ramfs_rename,
    .mknod = ramfs_mknod,
    .tmpfile = ramfs_tmpfile,
    .link = ramfs_link,
    .symlink = ramfs_symlink,
    .readlink = ramfs_readlink,
    .getattr = ramfs_getattr,
    .setattr = ramfs_setattr,
    .open = ramfs_open,
    .evict = ramfs_evict,
};

/* ---- regular files ---- */

static ssize_t ramfs_pread(struct file *f, struct uio *to, off_t off)
{
    size_t len = uio_resid(to);
    struct inode *ino = f->inode;
    struct ramfs_sb *sb = RN(ino)->sb;
    mutex_lock(&ino->lock);
    size_t size = (size_t)ino->size;
    size_t n = (size_t)off >= size ? 0 : size - (size_t)off;
    if (n > len) n = len;
    ssize_t r = (ssize_t)n;
    if (n && sb->persist)
        r = sb->persist->read(sb->pctx, ino, to, n, off, f->path);
    else if (n)
        r = uio_copy_to(to, RN(ino)->data + off, n) ? (ssize_t)uio_moved(to) : -EFAULT;
    mutex_unlock(&ino->lock);
    return r;
}

/* Write at off, or at the end with O_APPEND (as Linux does even for
 * pwrite); *end receives the offset after the data. */
static ssize_t do_write(struct file *f, struct uio *from, off_t off, off_t *end)
{
    size_t len = uio_resid(from);
    struct inode *ino = f->inode;
    mutex_lock(&ino->lock);
    if (f->flags & O_APPEND) off = ino->size;
    ssize_t r = (ssize_t)len;
    struct ramfs_sb *sb = RN(ino)->sb;
    if ((uint64_t)off + len > (uint64_t)INT64_MAX)
        r = -EFBIG;
    else if (len && ((RN(ino)->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) ||
                     (off + (off_t)len > ino->size && (RN(ino)->seals & F_SEAL_GROW))))
        r = -EPERM;
    else if (len && sb->persist)
        r = sb->persist->write(sb->pctx, ino, from, len, off, f->path); /* sets the size */
    else if (len && (size_t)off + len > (size_t)ino->size)
        r = resize(ino, (size_t)off + len);
    if (r >= 0 && len && !sb->persist) {
        /* at a fault the size may have grown: zeros, as a fault after
         * extending on Linux */
        size_t got = uio_copy_from(from, RN(ino)->data + off, len);
        r = got ? (ssize_t)got : -EFAULT;
    }
    if (r >= 0) {
        ramfs_touch(ino, true);
        *end = off + (off_t)r;
    }
    mutex_unlock(&ino->lock);
    return r;
}

static ssize_t ramfs_pwrite(struct file *f, struct uio *from, off_t off)
{
    off_t end;
    return do_write(f, from, off, &end);
}

static ssize_t ramfs_write(struct file *f, struct uio *from)
{
    off_t end;
    mutex_lock(&f->pos_lock);
    ssize_t r = do_write(f, from, f->pos, &end);
    if (r >= 0) f->pos = end;
    mutex_unlock(&f->pos_lock);
    return r;
}

static int ramfs_fsync(struct file *f, int datasync)
{
    struct ramfs_sb *sb = RN(f->inode)->sb;
    if (sb->persist) return sb->persist->commit(sb->pctx);
    return 0; /* memory is as durable as it gets */
}

/* Closing a modified file of a persistent ramfs commits (as the brief of
 * the writable layer promises: see docs/sefs-format.md). */
static void ramfs_release(struct file *f)
{
    struct ramfs_sb *sb = RN(f->inode)->sb;
    if (sb->persist && (f->fmode & FMODE_WRITE) && __atomic_load_n(&sb->dirty, __ATOMIC_RELAXED))
        (void)sb->persist->commit(sb->pctx); /* failures are logged by the committer */
}

/* F_ADD_SEALS and F_GET_SEALS, as tmpfs (memfd_create's files are ramfs
 * files); a file of the writable layer, like one of ext4, has none. */
static long ramfs_fcntl(struct file *f, int cmd, unsigned long arg)
{
    struct inode *ino = f->inode;
    if (cmd == F_GETPIPE_SZ || cmd == F_SETPIPE_SZ) return -EBADF; /* not a pipe */
    if (cmd != F_ADD_SEALS && cmd != F_GET_SEALS) return -EINVAL;
    if (RN(ino)->sb->persist) return -EINVAL;
    const unsigned known =
        F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
    long r = 0;
    mutex_lock(&ino->lock);
    unsigned *seals = &RN(ino)->seals;
    if (cmd == F_GET_SEALS)
        r = (long)*seals;
    else if (arg & ~(unsigned long)known)
        r = -EINVAL;
    else if (!(f->fmode & FMODE_WRITE))
        r = -EPERM; /* Linux: sealing needs a writable descriptor */
    else if (*seals & F_SEAL_SEAL)
        r = -EPERM;
    else if ((arg & F_SEAL_WRITE) && !(*seals & F_SEAL_WRITE) && shared_map_writable(ino))
        r = -EBUSY;
    else
        *seals |= (unsigned)arg;
    mutex_unlock(&ino->lock);
    return r;
}

void ramfs_allow_sealing(struct inode *ino)
{
    RN(ino)->seals &= ~(unsigned)F_SEAL_SEAL;
}

static const struct file_ops ramfs_reg_fops = {
    .fcntl = ramfs_fcntl,
    .pread = ramfs_pread,
    .pwrite = ramfs_pwrite,
    .write = ramfs_write,
    .fsync = ramfs_fsync,
    .release = ramfs_release,
};

/* ---- directories ---- */

static ssize_t ramfs_getdents64(struct file *f, void *buf, size_t len)
{
    struct inode *dir = f->inode;
    struct ramfs_sb *sb = RN(dir)->sb;
    size_t done = 0, r;
    bool full = false;
    mutex_lock(&f->pos_lock);
    mutex_lock(&sb->lock);
    if (RN(dir)->dead) { /* Linux: listing a removed directory gives ENOENT */
        mutex_unlock(&sb->lock);
        mutex_unlock(&f->pos_lock);
        return -ENOENT;
    }
    if (f->pos == 0) {
        if ((r = dirent_emit(buf, len, dir->ino, 1, DT_DIR, "."))) {
            done += r;
            f->pos = 1;
        } else {
            full = true;
        }
    }
    if (!full && f->pos == 1) {
        struct inode *parent = RN(dir)->parent ? RN(dir)->parent : dir;
        if ((r = dirent_emit((char *)buf + done, len - done, parent->ino, 2, DT_DIR, ".."))) {
            done += r;
            f->pos = 2;
        } else {
            full = true;
        }
    }
    for (struct rdirent *d = RN(dir)->head; d && !full; d = d->next) {
        if (d->cookie < (uint64_t)f->pos) continue;
        r = dirent_emit((char *)buf + done, len - done, d->inode->ino, (int64_t)d->cookie + 1,
                        IFTODT(d->inode->mode), d->name);
        if (!r) {
            full = true;
            break;
        }
        done += r;
        f->pos = (off_t)d->cookie + 1;
    }
    mutex_unlock(&sb->lock);
    mutex_unlock(&f->pos_lock);
    if (done == 0 && full) return -EINVAL;
    return (ssize_t)done;
}

static const struct file_ops ramfs_dir_fops = {
    .getdents64 = ramfs_getdents64,
    .fsync = ramfs_fsync,
};

struct inode *ramfs_mount(struct mount *m)
{
    return ramfs_mount_persist(m, NULL, NULL);
}

struct inode *ramfs_mount_persist(struct mount *m, const struct ramfs_persist *persist, void *pctx)
{
    struct ramfs_sb *sb = kcalloc(1, sizeof(*sb));
    if (!sb) return NULL;
    sb->next_ino = 1;
    sb->persist = persist;
    sb->pctx = pctx;
    struct inode *root = ramfs_node_new(m, sb, S_IFDIR | 01777);
    if (!root) kfree(sb);
    return root;
}
