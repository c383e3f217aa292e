/*
 * unionfs_dir: listing union directories (merged, each name once, stable
 * offsets; see unionfs.c for the rules) and the directory walks the
 * namespace operations need (emptiness, removing markers).
 */
#include "fs/unionfs.h"
#include "util/kheap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

struct ldirent {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Call fn on each entry of a layer directory (not "." and ".."); stops at
 * fn's first non-zero answer and returns it. fn may remove the entry it is
 * given: the layers' offsets survive removals. */
static int for_each_entry(struct inode *dir, int (*fn)(void *ctx, const char *name), void *ctx)
{
    struct file *f;
    int r = vfs_open_inode(dir, "", O_RDONLY | O_DIRECTORY, &f);
    if (r < 0) return r;
    char *buf = kmalloc(4096);
    if (!buf) r = -ENOMEM;
    while (r == 0) {
        ssize_t n = f->fops->getdents64 ? f->fops->getdents64(f, buf, 4096) : -ENOTDIR;
        if (n <= 0) {
            r = (int)n;
            break;
        }
        for (ssize_t o = 0; o < n && r == 0;) {
            struct ldirent *d = (void *)(buf + o);
            o += d->d_reclen;
            if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) r = fn(ctx, d->d_name);
        }
    }
    kfree(buf);
    file_put(f);
    return r;
}

static int purge_one(void *ctx, const char *name)
{
    struct inode *udir = ctx;
    return is_wh_name(name) ? udir->iops->unlink(udir, name) : 0;
}

/* Remove the markers of an (otherwise empty) upper directory. */
int unionfs_purge_markers(struct inode *udir)
{
    return for_each_entry(udir, purge_one, udir);
}

struct empty_ctx {
    struct inode *udir; /* the upper side, or NULL */
    bool lower_pass;
};

static int nonempty_one(void *ctx, const char *name)
{
    struct empty_ctx *c = ctx;
    if (!c->lower_pass) return is_wh_name(name) ? 0 : 1;
    return unionfs_has_whiteout(c->udir, name) ? 0 : 1;
}

/* Is the union directory empty (sb lock held)? 0, -ENOTEMPTY, or an error. */
int unionfs_empty(struct inode *dir)
{
    unionfs_revalidate(dir);
    struct empty_ctx c = {UN(dir)->upper, false};
    int r = c.udir ? for_each_entry(c.udir, nonempty_one, &c) : 0;
    c.lower_pass = true;
    if (r == 0 && UN(dir)->lower) r = for_each_entry(UN(dir)->lower, nonempty_one, &c);
    return r == 1 ? -ENOTEMPTY : r;
}

/* ---- directories ---- */

struct dir_walk {
    struct file *f; /* the union directory */
    char *buf;      /* the user's buffer */
    size_t len, done;
    bool full;
};

/* Emit one entry; false when the buffer is full. */
static bool walk_emit(struct dir_walk *w, uint64_t ino, off_t next, unsigned char type,
                      const char *name)
{
    size_t r = dirent_emit(w->buf + w->done, w->len - w->done, ino, next, type, name);
    if (!r) {
        w->full = true;
        return false;
    }
    w->done += r;
    w->f->pos = next;
    return true;
}

/* Decide how a layer entry shows (sb lock held): false to skip it; else
 * *ino and *type (preset from the layer) are what the union lists. */
static bool show_entry(struct inode *dir, bool lower_phase, const char *name, uint64_t *ino,
                       unsigned char *type)
{
    struct unode *d = UN(dir);
    if (!strcmp(name, ".") || !strcmp(name, "..") || is_wh_name(name)) return false;
    if (lower_phase && unionfs_has_whiteout(d->upper, name)) return false;
    if (!lower_phase && unionfs_lower_shows(dir, name))
        return false; /* listed with the lower ones */
    struct inode *u;
    if (unionfs_layer_lookup(d->upper, name, &u) ==
        0) { /* upper object: copied up, replaced or new */
        *ino = unionfs_ino(d->sb, u, NULL);
        *type = IFTODT(u->mode);
        inode_put(u);
    }
    return true;
}

/* List one layer's directory from f->pos; base is the phase's first union
 * offset (union offset = base + the layer's own offset). */
static int walk_layer(struct dir_walk *w, struct inode *dir, struct file *lf, bool lower_phase,
                      off_t base)
{
    char *tmp = kmalloc(4096);
    if (!tmp) return -ENOMEM;
    int r = 0;
    while (!w->full) {
        lf->pos = w->f->pos - base;
        ssize_t n = lf->fops->getdents64 ? lf->fops->getdents64(lf, tmp, 4096) : -ENOTDIR;
        if (n <= 0) {
            r = (int)n;
            break;
        }
        for (ssize_t o = 0; o < n;) {
            struct ldirent *d = (void *)(tmp + o);
            o += d->d_reclen;
            uint64_t ino = d->d_ino;
            unsigned char type = d->d_type;
            if (!show_entry(dir, lower_phase, d->d_name, &ino, &type)) {
                w->f->pos = base + d->d_off;
                continue;
            }
            if (!walk_emit(w, ino, base + d->d_off, type, d->d_name)) break;
        }
    }
    kfree(tmp);
    return r;
}

struct union_dir {
    struct file *lower, *upper; /* the layers' directories, when present */
};

static ssize_t union_dir_getdents64(struct file *f, void *buf, size_t len)
{
    struct inode *dir = f->inode;
    struct unode *d = UN(dir);
    struct union_dir *ud = f->priv;
    struct dir_walk w = {f, buf, len, 0, false};
    int r = 0;
    mutex_lock(&f->pos_lock);
    mutex_lock(&d->sb->lock);
    if (f->pos == 0) walk_emit(&w, dir->ino, 1, DT_DIR, ".");
    if (!w.full && f->pos == 1)
        walk_emit(&w, d->parent ? d->parent->ino : dir->ino, 2, DT_DIR, "..");
    if (!w.full && f->pos >= 2 && f->pos < UPPER_POS) {
        if (ud->lower) r = walk_layer(&w, dir, ud->lower, true, 2);
        if (!w.full && r == 0) f->pos = UPPER_POS;
    }
    /* A directory copied up since it was opened gets its upper side now. */
    unionfs_revalidate(dir);
    if (!w.full && r == 0 && !ud->upper && d->upper)
        r = vfs_open_inode(d->upper, f->path, O_RDONLY | O_DIRECTORY, &ud->upper);
    if (!w.full && r == 0 && f->pos >= UPPER_POS && ud->upper)
        r = walk_layer(&w, dir, ud->upper, false, UPPER_POS);
    mutex_unlock(&d->sb->lock);
    mutex_unlock(&f->pos_lock);
    if (w.done) return (ssize_t)w.done;
    return r < 0 ? r : w.full ? -EINVAL : 0;
}

static off_t union_dir_lseek(struct file *f, off_t off, int whence)
{
    off_t r = -EINVAL;
    mutex_lock(&f->pos_lock);
    if (whence == SEEK_SET && off >= 0)
        r = f->pos = off;
    else if (whence == SEEK_CUR && off == 0)
        r = f->pos;
    mutex_unlock(&f->pos_lock);
    return r;
}

static void union_dir_release(struct file *f)
{
    struct union_dir *ud = f->priv;
    if (!ud) return;
    if (ud->lower) file_put(ud->lower);
    if (ud->upper) file_put(ud->upper);
    kfree(ud);
}

/* The writable layer's part makes the layer durable (sefs_rw commits);
 * an image-only directory has nothing to write. */
static int union_dir_fsync(struct file *f, int datasync)
{
    struct union_dir *ud = f->priv;
    struct file *u = ud ? ud->upper : NULL;
    return u && u->fops && u->fops->fsync ? u->fops->fsync(u, datasync) : 0;
}

static const struct file_ops union_dir_fops = {
    .getdents64 = union_dir_getdents64,
    .lseek = union_dir_lseek,
    .fsync = union_dir_fsync,
    .release = union_dir_release,
};

int unionfs_dir_open(struct inode *ino, struct file *f)
{
    struct unode *n = UN(ino);
    struct union_dir *ud = kcalloc(1, sizeof(*ud));
    if (!ud) return -ENOMEM;
    int r = 0;
    struct inode *u = upper_of(ino);
    if (n->lower) r = vfs_open_inode(n->lower, f->path, O_RDONLY | O_DIRECTORY, &ud->lower);
    if (r == 0 && u) r = vfs_open_inode(u, f->path, O_RDONLY | O_DIRECTORY, &ud->upper);
    f->priv = ud;
    f->fops = &union_dir_fops;
    if (r < 0) {
        union_dir_release(f);
        f->priv = NULL;
    }
    return r;
}
