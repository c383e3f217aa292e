/*
 * vfs: inode and file lifetimes, the generic read/write/seek paths that
 * enforce read(2)/write(2) semantics for every file system, directory
 * entry packing, and two small helpers shared by the synthetic file
 * systems (directory snapshots, files generated at open time).
 */
#include "fs/lease.h"
#include "fs/locks.h"
#include "fs/permission.h"
#include "fs/pipe.h"
#include "fs/vfs.h"
#include "fs/fasync.h"
#include "fs/fsnotify.h"
#include "vm/shared_map.h"
#include "pal/pal.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Linux caps a single read/write at INT_MAX rounded down to a page. */
#define MAX_RW_COUNT ((size_t)(INT_MAX & ~4095))

struct inode *inode_new(struct mount *mnt, const struct inode_ops *iops, mode_t mode)
{
    struct inode *ino = kcalloc(1, sizeof(*ino));
    if (!ino) return NULL;
    ino->refcount = 1;
    ino->mode = mode;
    ino->nlink = 1;
    ino->iops = iops;
    ino->mnt = mnt;
    vfs_now(&ino->mtime);
    ino->atime = ino->ctime = ino->mtime;
    return ino;
}

void inode_get(struct inode *ino)
{
    __atomic_add_fetch(&ino->refcount, 1, __ATOMIC_RELAXED);
}

void inode_put(struct inode *ino)
{
    if (!ino || __atomic_sub_fetch(&ino->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (ino->iops && ino->iops->evict) ino->iops->evict(ino);
    kfree(ino);
}

/* Fallback stat from the cached attributes. */
static void inode_fill_stat(struct inode *ino, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_mode = ino->mode;
    st->st_ino = ino->ino;
    st->st_nlink = ino->nlink;
    st->st_uid = ino->uid;
    st->st_gid = ino->gid;
    st->st_size = ino->size;
    st->st_rdev = ino->rdev;
    st->st_blksize = 4096;
    st->st_blocks = (ino->size + 511) / 512;
    st->st_atim = ino->atime;
    st->st_mtim = ino->mtime;
    st->st_ctim = ino->ctime;
}

int inode_stat(struct inode *ino, struct stat *st)
{
    if (ino->iops && ino->iops->getattr) {
        int r = ino->iops->getattr(ino, st);
        if (r < 0) return r;
    } else {
        inode_fill_stat(ino, st);
    }
    if (ino->mnt) st->st_dev = ino->mnt->dev;
    return 0;
}

bool inode_readonly(const struct inode *ino)
{
    return ino->mnt && (ino->mnt->flags & MNT_RDONLY);
}

struct file *file_immutable_source(struct file *f)
{
    if (f->fops && f->fops->data_source) f = f->fops->data_source(f);
    struct inode *ino = f->inode;
    return ino && ino->mnt && (ino->mnt->flags & MNT_IMMUTABLE) ? f : NULL;
}

void vfs_now(struct timespec *ts)
{
    if (pal_clock_gettime(CLOCK_REALTIME, ts) < 0) ts->tv_sec = ts->tv_nsec = 0;
}

static int fmode_of(int flags)
{
    if (flags & O_PATH) return FMODE_PATH;
    /* Linux: (flags + 1) & O_ACCMODE; access mode 3 allows neither. */
    switch (flags & O_ACCMODE) {
    case O_RDONLY:
        return FMODE_READ;
    case O_WRONLY:
        return FMODE_WRITE;
    case O_RDWR:
        return FMODE_READ | FMODE_WRITE;
    default:
        return 0;
    }
}

static struct file *file_alloc(const char *path, int flags)
{
    struct file *f = kcalloc(1, sizeof(*f));
    if (!f) return NULL;
    f->path = kstrdup(path ? path : "");
    if (!f->path) {
        kfree(f);
        return NULL;
    }
    f->refcount = 1;
    f->flags = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
    f->fmode = fmode_of(flags);
    return f;
}

struct file *file_new(struct inode *ino, const char *path, int flags)
{
    struct file *f = file_alloc(path, flags);
    if (!f) return NULL;
    inode_get(ino);
    f->inode = ino;
    return f;
}

struct file *file_alloc_anon(const struct file_ops *fops, void *priv, int flags, const char *name)
{
    struct file *f = file_alloc(name, flags);
    if (!f) return NULL;
    f->fops = fops;
    f->priv = priv;
    return f;
}

void file_get(struct file *f)
{
    __atomic_add_fetch(&f->refcount, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
    if (!f || __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
    /* A description that was opened (not one whose open failed) */
    if (f->fops) fsnotify_file(f, (f->fmode & FMODE_WRITE) ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE);
    locks_on_file_release(f);
    lease_on_file_release(f);
    epoll_on_file_release(f);
    fasync_on_file_release(f);
    if (f->fops && f->fops->release) f->fops->release(f);
    inode_put(f->inode);
    kfree(f->path);
    kfree(f);
}

int file_access_mode(struct file *f)
{
    return f->flags & O_ACCMODE;
}

int file_fstat(struct file *f, struct stat *st)
{
    if (f->fops && f->fops->fstat) {
        int r = f->fops->fstat(f, st);
        if (r < 0 || !f->inode) return r;
        if (f->inode->mnt) st->st_dev = f->inode->mnt->dev;
        return r;
    }
    if (!f->inode) return -EBADF;
    return inode_stat(f->inode, st);
}

static bool is_dir_file(struct file *f)
{
    return f->inode && S_ISDIR(f->inode->mode);
}

static ssize_t vfs_write_data(struct file *f, struct uio *from, off_t *at);

/* A write or truncate by an unprivileged process takes a file's set-ID
 * bits away (Linux's file_remove_privs), so that nobody can plant code
 * in a set-user-ID program. */
void vfs_kill_privs(struct inode *ino)
{
    mode_t kill = ino ? fs_privs_to_kill(ino) : 0;
    if (!kill || !ino->iops || !ino->iops->setattr || inode_readonly(ino)) return;
    struct iattr a = {.valid = ATTR_MODE, .mode = ino->mode & 07777 & ~kill};
    ino->iops->setattr(ino, &a);
}

ssize_t vfs_read_uio(struct file *f, struct uio *to)
{
    if (!(f->fmode & FMODE_READ)) return -EBADF;
    if (is_dir_file(f)) return -EISDIR;
    uio_truncate(to, MAX_RW_COUNT);
    bool mapped = shared_map_count && f->inode;
    ssize_t r;
    if (f->fops->read) {
        if (mapped) shared_map_before_read(f, -1, 0);
        r = f->fops->read(f, to);
    } else {
        if (!f->fops->pread) return -EINVAL;
        mutex_lock(&f->pos_lock);
        if (mapped) shared_map_before_read(f, f->pos, uio_resid(to));
        r = f->fops->pread(f, to, f->pos);
        if (r > 0) f->pos += r;
        mutex_unlock(&f->pos_lock);
    }
    if (r > 0) fsnotify_file(f, IN_ACCESS);
    return r;
}

ssize_t vfs_write_uio(struct file *f, struct uio *from)
{
    if (!(f->fmode & FMODE_WRITE)) return -EBADF;
    uio_truncate(from, MAX_RW_COUNT);
    off_t at = -1;
    vfs_kill_privs(f->inode);
    ssize_t r = vfs_write_data(f, from, &at);
    /* MAP_SHARED mappings see the write */
    if (r > 0 && shared_map_count && f->inode) shared_map_after_write(f, at, (size_t)r);
    if (r > 0) fsnotify_file(f, IN_MODIFY);
    return r;
}

/* *at: where the bytes went, when known. */
static ssize_t vfs_write_data(struct file *f, struct uio *from, off_t *at)
{
    if (f->fops->write) return f->fops->write(f, from);
    if (!f->fops->pwrite) return -EINVAL;
    mutex_lock(&f->pos_lock);
    off_t off = f->pos;
    if ((f->flags & O_APPEND) && f->inode) {
        struct stat st;
        int r = file_fstat(f, &st);
        if (r < 0) {
            mutex_unlock(&f->pos_lock);
            return r;
        }
        off = st.st_size;
    }
    ssize_t r = f->fops->pwrite(f, from, off);
    if (r > 0) f->pos = off + r;
    *at = off;
    mutex_unlock(&f->pos_lock);
    return r;
}

ssize_t vfs_pread_uio(struct file *f, struct uio *to, off_t off)
{
    if (!(f->fmode & FMODE_READ)) return -EBADF;
    if (is_dir_file(f)) return -EISDIR;
    if (off < 0) return -EINVAL;
    if (!f->fops->pread) return -ESPIPE;
    uio_truncate(to, MAX_RW_COUNT);
    if (shared_map_count && f->inode) shared_map_before_read(f, off, uio_resid(to));
    ssize_t r = f->fops->pread(f, to, off);
    if (r > 0) fsnotify_file(f, IN_ACCESS);
    return r;
}

ssize_t vfs_pwrite_uio(struct file *f, struct uio *from, off_t off)
{
    if (!(f->fmode & FMODE_WRITE)) return -EBADF;
    if (off < 0) return -EINVAL;
    if (!f->fops->pwrite) return -ESPIPE;
    uio_truncate(from, MAX_RW_COUNT);
    vfs_kill_privs(f->inode);
    ssize_t r = f->fops->pwrite(f, from, off);
    if (r > 0 && shared_map_count && f->inode) shared_map_after_write(f, off, (size_t)r);
    if (r > 0) fsnotify_file(f, IN_MODIFY);
    return r;
}

ssize_t vfs_read(struct file *f, void *buf, size_t len)
{
    struct uio u;
    uio_init(&u, buf, len);
    return vfs_read_uio(f, &u);
}

ssize_t vfs_write(struct file *f, const void *buf, size_t len)
{
    struct uio u;
    uio_init(&u, (void *)buf, len);
    return vfs_write_uio(f, &u);
}

ssize_t vfs_pread(struct file *f, void *buf, size_t len, off_t off)
{
    struct uio u;
    uio_init(&u, buf, len);
    return vfs_pread_uio(f, &u, off);
}

ssize_t vfs_pwrite(struct file *f, const void *buf, size_t len, off_t off)
{
    struct uio u;
    uio_init(&u, (void *)buf, len);
    return vfs_pwrite_uio(f, &u, off);
}

off_t vfs_lseek(struct file *f, off_t off, int whence)
{
    if (f->fmode & FMODE_PATH) return -EBADF;
    if (f->fops->lseek) return f->fops->lseek(f, off, whence);
    if (!f->inode) return -ESPIPE;
    bool dir = S_ISDIR(f->inode->mode);
    mutex_lock(&f->pos_lock);
    off_t base, r;
    struct stat st;
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = f->pos;
        break;
    case SEEK_END:
    case SEEK_DATA:
    case SEEK_HOLE:
        if (dir) {
            base = -1;
            break;
        }
        r = file_fstat(f, &st);
        if (r < 0) goto out;
        base = st.st_size;
        break;
    default:
        base = -1;
        break;
    }
    r = -EINVAL;
    if (base < 0) goto out;
    if (whence == SEEK_DATA || whence == SEEK_HOLE) {
        /* No holes are tracked: data everywhere up to the end. */
        r = -ENXIO;
        if (off < 0 || off >= base) goto out;
        r = f->pos = (whence == SEEK_DATA) ? off : base;
        goto out;
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0) goto out;
    r = f->pos = base + off;
out:
    mutex_unlock(&f->pos_lock);
    return r;
}

ssize_t file_pread(struct file *f, void *buf, size_t len, off_t off)
{
    size_t done = 0;
    if (!f->fops || !f->fops->pread) return -ESPIPE;
    while (done < len) {
        struct uio u;
        uio_init(&u, (char *)buf + done, len - done);
        ssize_t r = f->fops->pread(f, &u, off + (off_t)done);
        if (r < 0) return done ? (ssize_t)done : r;
        if (r == 0) break;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

int vfs_truncate_inode(struct inode *ino, off_t len)
{
    if (S_ISDIR(ino->mode)) return -EISDIR;
    if (!S_ISREG(ino->mode)) return -EINVAL;
    if (inode_readonly(ino)) return -EROFS;
    if (!ino->iops->setattr) return -EPERM;
    struct iattr a = {.valid = ATTR_SIZE, .size = len};
    int r = ino->iops->setattr(ino, &a);
    if (r == 0) shared_map_truncated(ino, len);
    if (r == 0) vfs_kill_privs(ino);
    return r;
}

int vfs_open_inode(struct inode *ino, const char *path, int flags, struct file **out)
{
    mode_t m = ino->mode;
    int acc = flags & O_ACCMODE;
    if (!(flags & O_PATH)) {
        if (S_ISLNK(m)) return -ELOOP; /* O_NOFOLLOW on a symlink */
        if (S_ISDIR(m) && (acc != O_RDONLY || (flags & O_TRUNC) || (flags & O_CREAT)))
            return -EISDIR;
        bool writes = acc != O_RDONLY || (flags & O_TRUNC);
        if (writes && inode_readonly(ino) && (S_ISREG(m) || S_ISDIR(m))) return -EROFS;
    }
    if ((flags & O_DIRECTORY) && !S_ISDIR(m)) return -ENOTDIR;
    struct file *f = file_new(ino, path, flags);
    if (!f) return -ENOMEM;
    static const struct file_ops path_fops = {0};
    if (flags & O_PATH) {
        f->fops = &path_fops;
    } else {
        /* The open op sees O_TRUNC (only meaningful on regular files). */
        if (!S_ISREG(m))
            f->flags &= ~O_TRUNC;
        else if (flags & O_TRUNC)
            f->flags |= O_TRUNC;
        int r;
        if (S_ISFIFO(m) && ino->mnt) /* not /proc/N/fd/M's proxy of an existing pipe */
            r = fifo_open(ino, f);   /* the pipe is the LibOS's, whatever the fs */
        else if (S_ISSOCK(m) || !ino->iops->open)
            r = -ENXIO;
        else
            r = ino->iops->open(ino, f);
        bool truncated = r == 0 && (f->flags & O_TRUNC);
        if (truncated) shared_map_truncated(ino, 0);
        f->flags &= ~O_TRUNC;
        if (r < 0) {
            f->fops = NULL;
            file_put(f);
            return r;
        }
        fsnotify_file(f, IN_OPEN);
        if (truncated) fsnotify_file(f, IN_MODIFY);
    }
    *out = f;
    return 0;
}

/* ---- directory entries ---- */

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

size_t dirent_emit(void *buf, size_t len, uint64_t ino, int64_t off, unsigned char type,
                   const char *name)
{
    size_t nl = strlen(name);
    size_t reclen = (offsetof(struct linux_dirent64, d_name) + nl + 1 + 7) & ~(size_t)7;
    if (reclen > len) return 0;
    struct linux_dirent64 d = {
        .d_ino = ino, .d_off = off, .d_reclen = (unsigned short)reclen, .d_type = type};
    char *p = buf;
    memcpy(p, &d, offsetof(struct linux_dirent64, d_name));
    memcpy(p + offsetof(struct linux_dirent64, d_name), name, nl);
    memset(p + offsetof(struct linux_dirent64, d_name) + nl, 0,
           reclen - offsetof(struct linux_dirent64, d_name) - nl);
    return reclen;
}

int dir_snapshot_add(struct dir_snapshot *s, uint64_t ino, unsigned char type, const char *name)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        void *e = krealloc(s->ents, cap * sizeof(*s->ents));
        if (!e) return -ENOMEM;
        s->ents = e;
        s->cap = cap;
    }
    struct dir_snapshot_ent *e = &s->ents[s->n++];
    e->ino = ino;
    e->type = type;
    snprintf(e->name, sizeof(e->name), "%s", name);
    return 0;
}

static ssize_t snap_getdents(struct file *f, void *buf, size_t len)
{
    struct dir_snapshot *s = f->priv;
    size_t done = 0;
    mutex_lock(&f->pos_lock);
    while (f->pos >= 0 && (size_t)f->pos < s->n) {
        struct dir_snapshot_ent *e = &s->ents[f->pos];
        size_t r =
            dirent_emit((char *)buf + done, len - done, e->ino, f->pos + 1, e->type, e->name);
        if (!r) break;
        done += r;
        f->pos++;
    }
    mutex_unlock(&f->pos_lock);
    if (done == 0 && f->pos >= 0 && (size_t)f->pos < s->n) return -EINVAL;
    return (ssize_t)done;
}

static off_t index_lseek(struct file *f, off_t off, int whence)
{
    off_t r = -EINVAL;
    mutex_lock(&f->pos_lock);
    if (whence == SEEK_SET && off >= 0)
        r = f->pos = off;
    else if (whence == SEEK_CUR && f->pos + off >= 0)
        r = f->pos += off;
    mutex_unlock(&f->pos_lock);
    return r;
}

static void snap_release(struct file *f)
{
    struct dir_snapshot *s = f->priv;
    if (!s) return;
    kfree(s->ents);
    kfree(s);
}

const struct file_ops dir_snapshot_fops = {
    .getdents64 = snap_getdents,
    .lseek = index_lseek,
    .release = snap_release,
};

/* ---- files generated at open time ---- */

int buf_file_open(struct file *f, char *data, size_t len)
{
    struct buf_file *b = kmalloc(sizeof(*b));
    if (!b) {
        kfree(data);
        return -ENOMEM;
    }
    b->data = data;
    b->len = len;
    f->priv = b;
    f->fops = &buf_file_fops;
    return 0;
}

static ssize_t buf_pread(struct file *f, struct uio *to, off_t off)
{
    struct buf_file *b = f->priv;
    if ((size_t)off >= b->len) return 0;
    size_t len = uio_resid(to) < b->len - (size_t)off ? uio_resid(to) : b->len - (size_t)off;
    uio_copy_to(to, b->data + off, len);
    return uio_result(to, 0);
}

static void buf_release(struct file *f)
{
    struct buf_file *b = f->priv;
    if (!b) return;
    kfree(b->data);
    kfree(b);
}

const struct file_ops buf_file_fops = {
    .pread = buf_pread,
    .lseek = index_lseek,
    .release = buf_release,
};
