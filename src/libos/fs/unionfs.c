/*
 * unionfs: the writable "/" -- a read-only lower layer (the SEFS image)
 * under a writable upper layer, with the semantics of Occlum's unionfs and
 * Linux's overlayfs.
 *
 * Both layers are ordinary VFS file systems given by their root inodes.
 * For "/" (fs/mount.c) and for unionfs mounts made with mount(2)
 * (fs/sys_mount.c) the upper one is the encrypted writable SEFS layer
 * (fs/sefs_rw.c) in a host directory, so writes outlive the run; the code
 * here relies on nothing of it but the VFS operations (the unit tests put
 * a ramfs there).
 *
 * - Lookup: the upper entry if there is one, else the lower one. An upper
 *   directory over a lower directory is "merged" (both are listed) unless
 *   it is opaque.
 * - Whiteouts and opaque directories use the aufs convention that Occlum's
 *   unionfs also uses, so that they are plain files any upper file system
 *   can store: ".wh.NAME" in an upper directory hides the lower NAME, and
 *   ".wh..wh..opq" makes the directory opaque (a directory removed and made
 *   again does not show the lower one's entries). Names starting with
 *   ".wh." are therefore reserved: they are never listed or found, and
 *   creating one gives EPERM.
 * - Copy-up: a lower file (with its parent directories) is copied to the
 *   upper layer, keeping mode, owner and times, before it is opened for
 *   writing, truncated, or has its attributes changed. A file opened
 *   read-only before another opener copied it up keeps reading the lower
 *   copy (as overlayfs before Linux 4.19).
 * - Inode numbers: the lower inode number while a lower object exists at
 *   the path, and after copy-up the lower number it was copied from (an
 *   in-memory origin map, also consulted for hard links and renames);
 *   objects born in the upper layer get 2^32 + their upper number. So
 *   st_ino stays the same for a path as long as the file is not replaced.
 * - Renaming a directory that has a lower side gives EXDEV, as overlayfs
 *   without redirect_dir (mv then copies and deletes); files are copied up
 *   and moved, leaving a whiteout behind.
 * - readdir: ".", "..", then the lower entries (not whited out, each shown
 *   with the upper one's type and number when copied up), then the upper
 *   entries that have no visible lower namesake. Offsets are the layers'
 *   own (lower: 2 + its offset, upper: UPPER_POS + its offset), and both
 *   layers resume from any offset they handed out (ramfs cookies, SEFS
 *   snapshots), so entries added or removed while listing never make an
 *   entry repeat or disappear.
 *
 * Locking: one mutex per union serialises lookups, namespace changes and
 * copy-ups (the layers take their own locks below it; they never call
 * back into the union).
 */
#include "fs/unionfs.h"
#include "util/kheap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct inode_ops union_iops;
static const struct file_ops union_file_fops;

/* The layer object that currently represents ino. */
static struct inode *real_of(struct inode *ino)
{
    struct inode *u = upper_of(ino);
    return u ? u : UN(ino)->lower;
}

/* ---- origin map (sb lock held) ---- */

static void origin_add(struct union_sb *sb, uint64_t upper_ino, uint64_t ino)
{
    struct origin *o = kmalloc(sizeof(*o));
    if (!o) return; /* only the inode number changes then */
    o->upper_ino = upper_ino;
    o->ino = ino;
    o->next = sb->origins[upper_ino % ORIGIN_BUCKETS];
    sb->origins[upper_ino % ORIGIN_BUCKETS] = o;
}

uint64_t unionfs_ino(struct union_sb *sb, struct inode *upper, struct inode *lower)
{
    if (lower) return lower->ino;
    for (struct origin *o = sb->origins[upper->ino % ORIGIN_BUCKETS]; o; o = o->next)
        if (o->upper_ino == upper->ino) return o->ino;
    return UPPER_INO_BASE + upper->ino;
}

/* ---- helpers on layer directories ---- */

int unionfs_layer_lookup(struct inode *dir, const char *name, struct inode **out)
{
    *out = NULL;
    if (!dir || !dir->iops->lookup) return -ENOENT;
    return dir->iops->lookup(dir, name, out);
}

static bool layer_has(struct inode *dir, const char *name)
{
    struct inode *x;
    if (unionfs_layer_lookup(dir, name, &x) < 0) return false;
    inode_put(x);
    return true;
}

static int wh_name(char *buf, const char *name)
{
    int n = snprintf(buf, LIBOS_NAME_MAX + 1, WH_PREFIX "%s", name);
    return n > LIBOS_NAME_MAX ? -ENAMETOOLONG : 0;
}

bool unionfs_has_whiteout(struct inode *udir, const char *name)
{
    char wh[LIBOS_NAME_MAX + 1];
    return udir && wh_name(wh, name) == 0 && layer_has(udir, wh);
}

/* A marker file (whiteout or opaque mark) in an upper directory. */
static int make_marker(struct inode *udir, const char *wh)
{
    struct inode *x;
    int r = udir->iops->create(udir, wh, 0, &x);
    if (r == 0) inode_put(x);
    return r == -EEXIST ? 0 : r;
}

static int add_whiteout(struct inode *udir, const char *name)
{
    char wh[LIBOS_NAME_MAX + 1];
    int r = wh_name(wh, name);
    return r < 0 ? r : make_marker(udir, wh);
}

static void drop_whiteout(struct inode *udir, const char *name)
{
    char wh[LIBOS_NAME_MAX + 1];
    if (wh_name(wh, name) == 0 && layer_has(udir, wh)) udir->iops->unlink(udir, wh);
}

static bool is_opaque(struct inode *udir)
{
    return layer_has(udir, WH_OPAQUE);
}

/* ---- union inodes ---- */

/* Refresh the cached attributes from the layer object. */
static void refresh(struct inode *ino)
{
    struct stat st;
    if (inode_stat(real_of(ino), &st) < 0) return;
    ino->mode = st.st_mode;
    ino->nlink = st.st_nlink;
    ino->uid = st.st_uid;
    ino->gid = st.st_gid;
    ino->size = st.st_size;
    ino->atime = st.st_atim;
    ino->mtime = st.st_mtim;
    ino->ctime = st.st_ctim;
}

/* A union inode; takes over the references on upper and lower. */
static int node_new(struct inode *parent, const char *name, struct inode *upper,
                    struct inode *lower, struct inode **out)
{
    struct union_sb *sb = UN(parent)->sb;
    struct unode *n = kcalloc(1, sizeof(*n));
    struct inode *ino = n ? inode_new(parent->mnt, &union_iops, 0) : NULL;
    char *nm = kstrdup(name);
    if (!n || !ino || !nm) {
        kfree(n);
        kfree(ino);
        kfree(nm);
        inode_put(upper);
        inode_put(lower);
        return -ENOMEM;
    }
    n->sb = sb;
    n->upper = upper;
    n->lower = lower;
    n->name = nm;
    inode_get(parent);
    n->parent = parent;
    ino->priv = n;
    ino->ino = unionfs_ino(sb, upper, lower);
    refresh(ino);
    *out = ino;
    return 0;
}

/*
 * Each lookup makes its own union inode, so one held longer (a cwd, an
 * open directory) may not know that another one copied the object up:
 * adopt that copy (sb lock held). The origin map tells a copy of this
 * object from a new object that replaced it.
 */
void unionfs_revalidate(struct inode *ino)
{
    struct unode *n = UN(ino);
    struct inode *u;
    if (n->upper || !n->parent) return;
    unionfs_revalidate(n->parent);
    if (unionfs_layer_lookup(UN(n->parent)->upper, n->name, &u) < 0) return;
    if (unionfs_ino(n->sb, u, NULL) == ino->ino && (u->mode & S_IFMT) == (ino->mode & S_IFMT))
        __atomic_store_n(&n->upper, u, __ATOMIC_RELEASE);
    else
        inode_put(u);
}

/* unionfs_revalidate() for callers without the lock. */
static void revalidate_unlocked(struct inode *ino)
{
    if (upper_of(ino) || !UN(ino)->parent) return;
    mutex_lock(&UN(ino)->sb->lock);
    unionfs_revalidate(ino);
    mutex_unlock(&UN(ino)->sb->lock);
}

/* Look name up in the union directory dir (sb lock held). */
static int do_lookup(struct inode *dir, const char *name, struct inode **out)
{
    struct unode *d = UN(dir);
    struct inode *u = NULL, *l = NULL;
    if (is_wh_name(name)) return -ENOENT;
    unionfs_revalidate(dir);
    int r = unionfs_layer_lookup(d->upper, name, &u);
    if (r < 0 && r != -ENOENT) return r;
    if (!u && unionfs_has_whiteout(d->upper, name)) return -ENOENT;
    /* The lower side counts for a missing upper entry and for an upper
     * directory that is neither opaque nor over a lower non-directory. */
    if (d->lower && (!u || (S_ISDIR(u->mode) && !is_opaque(u)))) {
        r = unionfs_layer_lookup(d->lower, name, &l);
        if (r < 0 && r != -ENOENT) {
            inode_put(u);
            return r;
        }
        if (u && l && !S_ISDIR(l->mode)) {
            inode_put(l);
            l = NULL;
        }
    }
    if (!u && !l) return -ENOENT;
    return node_new(dir, name, u, l, out);
}

/* Does the lower side of dir show name (sb lock held)? */
bool unionfs_lower_shows(struct inode *dir, const char *name)
{
    struct unode *d = UN(dir);
    return d->lower && !unionfs_has_whiteout(d->upper, name) && layer_has(d->lower, name);
}

static int copy_data(struct inode *from, struct inode *to, const char *name)
{
    struct file *in, *out;
    int r = vfs_open_inode(from, name, O_RDONLY, &in);
    if (r < 0) return r;
    if ((r = vfs_open_inode(to, name, O_WRONLY, &out)) < 0) {
        file_put(in);
        return r;
    }
    char *buf = kmalloc(COPY_CHUNK);
    off_t off = 0;
    if (!buf) r = -ENOMEM;
    while (r == 0) {
        struct uio u;
        uio_init(&u, buf, COPY_CHUNK);
        ssize_t n = in->fops->pread(in, &u, off);
        if (n <= 0) {
            r = (int)n;
            break;
        }
        for (ssize_t done = 0; done < n && r == 0;) {
            uio_init(&u, buf + done, (size_t)(n - done));
            ssize_t w = out->fops->pwrite(out, &u, off + done);
            if (w < 0) r = (int)w;
            if (w == 0) r = -EIO;
            if (w > 0) done += w;
        }
        off += n;
    }
    kfree(buf);
    file_put(in);
    file_put(out);
    return r;
}

/* Make the copy of lower (stat st) named name in upper directory pu. */
static int copy_object(struct inode *pu, const char *name, struct inode *lower,
                       const struct stat *st, bool data, struct inode **out)
{
    mode_t perm = st->st_mode & 07777;
    int r;
    *out = NULL;
    if (S_ISDIR(st->st_mode)) {
        if ((r = pu->iops->mkdir(pu, name, perm)) == 0) r = unionfs_layer_lookup(pu, name, out);
    } else if (S_ISLNK(st->st_mode)) {
        char *t = kcalloc(1, LIBOS_PATH_MAX + 1);
        ssize_t n = t ? lower->iops->readlink(lower, t, LIBOS_PATH_MAX) : -ENOMEM;
        r = n < 0 ? (int)n : pu->iops->symlink(pu, name, t);
        kfree(t);
        if (r == 0) r = unionfs_layer_lookup(pu, name, out);
    } else if (S_ISREG(st->st_mode)) {
        r = pu->iops->create(pu, name, perm, out);
        if (r == 0 && data) r = copy_data(lower, *out, name);
    } else {
        return -EOPNOTSUPP; /* the image holds no device nodes or fifos */
    }
    if (r == 0) { /* owner first: changing it clears set-ID bits */
        struct iattr a = {.valid = ATTR_UID | ATTR_GID, .uid = st->st_uid, .gid = st->st_gid};
        (*out)->iops->setattr(*out, &a);
        a.valid = ATTR_ATIME | ATTR_MTIME | (S_ISLNK(st->st_mode) ? 0 : ATTR_MODE);
        a.mode = perm;
        a.atime = st->st_atim;
        a.mtime = st->st_mtim;
        r = (*out)->iops->setattr(*out, &a);
    }
    if (r < 0 && *out) {
        S_ISDIR(st->st_mode) ? pu->iops->rmdir(pu, name) : pu->iops->unlink(pu, name);
        inode_put(*out);
        *out = NULL;
    }
    return r;
}

/*
 * Give ino an upper object (sb lock held), copying its parents first.
 * data: copy a regular file's content (not when it is about to be
 * truncated to 0).
 */
static int copy_up(struct inode *ino, bool data)
{
    struct unode *n = UN(ino);
    unionfs_revalidate(ino);
    if (n->upper) return 0;
    if (!n->parent) return -EIO; /* the root always has an upper side */
    int r = copy_up(n->parent, true);
    if (r < 0) return r;
    struct inode *pu = UN(n->parent)->upper, *u;
    /* Something else under the name, or a whiteout: this object was
     * removed (or replaced) since ino was looked up. */
    if (layer_has(pu, n->name) || unionfs_has_whiteout(pu, n->name)) return -ENOENT;
    struct stat st;
    if ((r = inode_stat(n->lower, &st)) < 0) return r;
    if ((r = copy_object(pu, n->name, n->lower, &st, data, &u)) < 0) return r;
    origin_add(n->sb, u->ino, ino->ino);
    __atomic_store_n(&n->upper, u, __ATOMIC_RELEASE);
    return 0;
}

/* ---- inode operations ---- */

static int union_lookup(struct inode *dir, const char *name, struct inode **out)
{
    struct union_sb *sb = UN(dir)->sb;
    mutex_lock(&sb->lock);
    int r = do_lookup(dir, name, out);
    mutex_unlock(&sb->lock);
    return r;
}

enum mk_kind { MK_FILE, MK_DIR, MK_SYMLINK, MK_LINK, MK_NODE };

/* create, mkdir, symlink, link: the new name goes to the upper layer,
 * replacing a whiteout; a directory made there becomes opaque. */
static int make(struct inode *dir, const char *name, enum mk_kind kind, mode_t mode,
                const char *target, struct inode *old, struct inode **out)
{
    struct union_sb *sb = UN(dir)->sb;
    struct inode *x = NULL;
    if (is_wh_name(name)) return -EPERM;
    mutex_lock(&sb->lock);
    int r = do_lookup(dir, name, &x);
    if (r == 0) {
        inode_put(x);
        r = -EEXIST;
    } else if (r == -ENOENT) {
        r = copy_up(dir, true);
        if (r == 0 && old) r = copy_up(old, true);
    }
    if (r < 0) goto out;
    struct inode *pu = UN(dir)->upper;
    bool wh = unionfs_has_whiteout(pu, name);
    switch (kind) {
    case MK_FILE:
        r = pu->iops->create(pu, name, mode, &x);
        if (r == 0) r = node_new(dir, name, x, NULL, out);
        break;
    case MK_DIR:
        r = pu->iops->mkdir(pu, name, mode);
        if (r == 0 && wh && (r = unionfs_layer_lookup(pu, name, &x)) == 0) {
            r = make_marker(x, WH_OPAQUE);
            inode_put(x);
            if (r < 0) pu->iops->rmdir(pu, name);
        }
        break;
    case MK_SYMLINK:
        r = pu->iops->symlink(pu, name, target);
        break;
    case MK_LINK:
        r = pu->iops->link(UN(old)->upper, pu, name);
        break;
    case MK_NODE:
        r = pu->iops->mknod ? pu->iops->mknod(pu, name, mode) : -EPERM;
        break;
    }
    if (r == 0 && wh) drop_whiteout(pu, name);
out:
    mutex_unlock(&sb->lock);
    return r;
}

static int union_create(struct inode *dir, const char *name, mode_t mode, struct inode **out)
{
    return make(dir, name, MK_FILE, S_IFREG | mode, NULL, NULL, out);
}

static int union_mkdir(struct inode *dir, const char *name, mode_t mode)
{
    return make(dir, name, MK_DIR, mode, NULL, NULL, NULL);
}

static int union_symlink(struct inode *dir, const char *name, const char *target)
{
    return make(dir, name, MK_SYMLINK, 0777, target, NULL, NULL);
}

/* O_TMPFILE: the file is born in the upper layer's copy of dir. */
static int union_tmpfile(struct inode *dir, mode_t mode, bool linkable, struct inode **out)
{
    struct union_sb *sb = UN(dir)->sb;
    struct inode *u;
    mutex_lock(&sb->lock);
    int r = copy_up(dir, true);
    struct inode *pu = r == 0 ? UN(dir)->upper : NULL;
    if (r == 0) r = pu->iops->tmpfile ? pu->iops->tmpfile(pu, mode, linkable, &u) : -EOPNOTSUPP;
    if (r == 0) r = node_new(dir, "", u, NULL, out);
    mutex_unlock(&sb->lock);
    return r;
}

static int union_mknod(struct inode *dir, const char *name, mode_t mode)
{
    return make(dir, name, MK_NODE, mode, NULL, NULL, NULL);
}

static int union_link(struct inode *old, struct inode *dir, const char *name)
{
    return make(dir, name, MK_LINK, 0, NULL, old, NULL);
}

/* unlink and rmdir: remove the upper object, whiteout the lower one. */
static int remove_entry(struct inode *dir, const char *name, bool isdir)
{
    struct union_sb *sb = UN(dir)->sb;
    struct inode *v = NULL;
    mutex_lock(&sb->lock);
    int r = do_lookup(dir, name, &v);
    if (r < 0) goto out;
    if (isdir && !S_ISDIR(v->mode))
        r = -ENOTDIR;
    else if (!isdir && S_ISDIR(v->mode))
        r = -EISDIR;
    else if (isdir)
        r = unionfs_empty(v);
    if (r < 0) goto out;
    bool wh = unionfs_lower_shows(dir, name);
    if (wh && (r = copy_up(dir, true)) == 0) r = add_whiteout(UN(dir)->upper, name);
    if (r < 0) goto out;
    struct inode *pu = UN(dir)->upper, *vu = UN(v)->upper;
    if (vu && isdir && (r = unionfs_purge_markers(vu)) == 0) r = pu->iops->rmdir(pu, name);
    if (vu && !isdir) r = pu->iops->unlink(pu, name);
    if (r < 0 && wh) drop_whiteout(pu, name);
out:
    mutex_unlock(&sb->lock);
    inode_put(v);
    return r;
}

static int union_unlink(struct inode *dir, const char *name)
{
    return remove_entry(dir, name, false);
}

static int union_rmdir(struct inode *dir, const char *name)
{
    return remove_entry(dir, name, true);
}

static bool same_object(struct inode *a, struct inode *b)
{
    struct unode *x = UN(a), *y = UN(b);
    if (x->upper || y->upper) return x->upper == y->upper;
    return x->lower->ino == y->lower->ino;
}

static int rename_locked(struct inode *odir, const char *oname, struct inode *ndir,
                         const char *nname, unsigned flags, struct inode *src, struct inode *dst)
{
    bool sdir = S_ISDIR(src->mode);
    int r;
    if (dst && same_object(src, dst)) return (flags & RENAME_NOREPLACE) ? -EEXIST : 0;
    if (dst && (flags & RENAME_NOREPLACE)) return -EEXIST;
    if (sdir && dst && !S_ISDIR(dst->mode)) return -ENOTDIR;
    if (!sdir && dst && S_ISDIR(dst->mode)) return -EISDIR;
    if (sdir && dst && (r = unionfs_empty(dst)) < 0) return r;
    /* A directory with a lower side would need its whole tree copied (or
     * overlayfs's redirect_dir): refuse as overlayfs does; mv copies. */
    if (sdir && UN(src)->lower) return -EXDEV;
    if ((r = copy_up(src, true)) < 0 || (r = copy_up(odir, true)) < 0 ||
        (r = copy_up(ndir, true)) < 0)
        return r;
    struct inode *ou = UN(odir)->upper, *nu = UN(ndir)->upper;
    if (dst && UN(dst)->upper && sdir && (r = unionfs_purge_markers(UN(dst)->upper)) < 0) return r;
    if (sdir && UN(ndir)->lower) { /* would merge with a lower directory there */
        struct inode *l;
        if (unionfs_layer_lookup(UN(ndir)->lower, nname, &l) == 0) {
            if (S_ISDIR(l->mode)) r = make_marker(UN(src)->upper, WH_OPAQUE);
            inode_put(l);
            if (r < 0) return r;
        }
    }
    /* The whiteout first: with it and the upper entry both present the
     * upper one wins, so a failed rename only needs it taken back. */
    bool wh = unionfs_lower_shows(odir, oname);
    if (wh && (r = add_whiteout(ou, oname)) < 0) return r;
    r = ou->iops->rename(ou, oname, nu, nname, 0);
    if (r < 0) {
        if (wh) drop_whiteout(ou, oname);
        return r;
    }
    drop_whiteout(nu, nname);
    return 0;
}

/* A directory moving to name in dir must hide a lower directory there
 * (an opaque mark), or it would show that directory's entries. */
static int hide_lower_dir_at(struct inode *dir, const char *name, struct inode *moving)
{
    struct inode *l;
    int r = 0;
    if (!S_ISDIR(moving->mode) || !UN(dir)->lower) return 0;
    if (unionfs_layer_lookup(UN(dir)->lower, name, &l) == 0) {
        if (S_ISDIR(l->mode)) r = make_marker(UN(moving)->upper, WH_OPAQUE);
        inode_put(l);
    }
    return r;
}

/* RENAME_EXCHANGE (sb lock held): both names stay, so no whiteout changes;
 * both objects are copied up and traded in the upper layer. */
static int exchange_locked(struct inode *odir, const char *oname, struct inode *ndir,
                           const char *nname, struct inode *src, struct inode *dst)
{
    int r;
    if (!dst) return -ENOENT;
    if (same_object(src, dst)) return 0;
    /* As for rename: a directory with a lower side cannot move. */
    if ((S_ISDIR(src->mode) && UN(src)->lower) || (S_ISDIR(dst->mode) && UN(dst)->lower))
        return -EXDEV;
    if ((r = copy_up(src, true)) < 0 || (r = copy_up(dst, true)) < 0 ||
        (r = copy_up(odir, true)) < 0 || (r = copy_up(ndir, true)) < 0)
        return r;
    if ((r = hide_lower_dir_at(ndir, nname, src)) < 0 ||
        (r = hide_lower_dir_at(odir, oname, dst)) < 0)
        return r;
    struct inode *ou = UN(odir)->upper, *nu = UN(ndir)->upper;
    return ou->iops->rename(ou, oname, nu, nname, RENAME_EXCHANGE);
}

static int union_rename(struct inode *odir, const char *oname, struct inode *ndir,
                        const char *nname, unsigned flags)
{
    struct union_sb *sb = UN(odir)->sb;
    struct inode *src = NULL, *dst = NULL;
    if (is_wh_name(nname)) return -EPERM;
    mutex_lock(&sb->lock);
    int r = do_lookup(odir, oname, &src);
    if (r == 0) {
        r = do_lookup(ndir, nname, &dst);
        if (r == -ENOENT) r = 0;
    }
    if (r == 0 && (flags & RENAME_EXCHANGE))
        r = exchange_locked(odir, oname, ndir, nname, src, dst);
    else if (r == 0)
        r = rename_locked(odir, oname, ndir, nname, flags, src, dst);
    mutex_unlock(&sb->lock);
    inode_put(src);
    inode_put(dst);
    return r;
}

static ssize_t union_readlink(struct inode *ino, char *buf, size_t len)
{
    struct inode *r = real_of(ino);
    return r->iops->readlink ? r->iops->readlink(r, buf, len) : -EINVAL;
}

/*
 * Has a lower-only object lost its name (sb lock held, after revalidate)?
 * Its lower inode cannot say: a whiteout, or another object, now stands
 * at the name in the parent, or a directory above it was removed.
 */
static bool lower_unlinked(struct inode *ino)
{
    struct unode *n = UN(ino);
    if (!n->parent) return false;
    if (n->upper) return n->upper->nlink == 0; /* a removed directory above */
    struct inode *pu = UN(n->parent)->upper;
    return lower_unlinked(n->parent) || unionfs_has_whiteout(pu, n->name) || layer_has(pu, n->name);
}

static int union_getattr(struct inode *ino, struct stat *st)
{
    bool gone = false;
    if (!upper_of(ino) && UN(ino)->parent) {
        mutex_lock(&UN(ino)->sb->lock);
        unionfs_revalidate(ino);
        gone = lower_unlinked(ino);
        mutex_unlock(&UN(ino)->sb->lock);
    }
    int r = inode_stat(real_of(ino), st);
    if (r == 0) {
        if (gone) st->st_nlink = 0; /* as an unlinked file (getcwd: ENOENT) */
        st->st_ino = ino->ino;
        ino->mode = st->st_mode; /* the VFS checks types and exec bits here */
        ino->size = st->st_size;
    }
    return r;
}

static int union_setattr(struct inode *ino, const struct iattr *a)
{
    struct union_sb *sb = UN(ino)->sb;
    mutex_lock(&sb->lock);
    int r = copy_up(ino, !((a->valid & ATTR_SIZE) && a->size == 0));
    mutex_unlock(&sb->lock);
    if (r < 0) return r;
    struct inode *u = upper_of(ino);
    r = u->iops->setattr ? u->iops->setattr(u, a) : -EPERM;
    refresh(ino);
    return r;
}

int unionfs_dir_open(struct inode *ino, struct file *f);

/* A file's priv is the file opened on the layer object; a directory's
 * is struct union_dir. */
static int union_open(struct inode *ino, struct file *f)
{
    bool writes = (f->flags & O_ACCMODE) != O_RDONLY || (f->flags & O_TRUNC);
    if (S_ISREG(ino->mode) && writes) {
        struct union_sb *sb = UN(ino)->sb;
        mutex_lock(&sb->lock);
        int r = copy_up(ino, !(f->flags & O_TRUNC));
        mutex_unlock(&sb->lock);
        if (r < 0) return r;
    }
    revalidate_unlocked(ino);
    if (S_ISDIR(ino->mode)) return unionfs_dir_open(ino, f);
    struct file *rf;
    int r = vfs_open_inode(real_of(ino), f->path, f->flags, &rf);
    if (r < 0) return r;
    f->priv = rf;
    f->fops = &union_file_fops;
    if (f->flags & O_TRUNC) refresh(ino);
    return 0;
}

static void union_evict(struct inode *ino)
{
    struct unode *n = UN(ino);
    if (!n) return;
    inode_put(n->upper);
    inode_put(n->lower);
    inode_put(n->parent);
    kfree(n->name);
    kfree(n);
}

static const struct inode_ops union_iops = {
    .lookup = union_lookup,
    .create = union_create,
    .mkdir = union_mkdir,
    .unlink = union_unlink,
    .rmdir = union_rmdir,
    .rename = union_rename,
    .mknod = union_mknod,
    .tmpfile = union_tmpfile,
    .link = union_link,
    .symlink = union_symlink,
    .readlink = union_readlink,
    .getattr = union_getattr,
    .setattr = union_setattr,
    .open = union_open,
    .evict = union_evict,
};

/* ---- files: forwarded to the layer's file ---- */

static struct file *RF(struct file *f)
{
    return f->priv;
}

static ssize_t union_pread(struct file *f, struct uio *to, off_t off)
{
    struct file *rf = RF(f);
    return rf->fops->pread ? rf->fops->pread(rf, to, off) : -EINVAL;
}

static ssize_t union_pwrite(struct file *f, struct uio *from, off_t off)
{
    struct file *rf = RF(f);
    rf->flags = f->flags; /* O_APPEND may have changed with F_SETFL */
    return rf->fops->pwrite ? rf->fops->pwrite(rf, from, off) : -EBADF;
}

static int union_fsync(struct file *f, int datasync)
{
    struct file *rf = RF(f);
    return rf->fops->fsync ? rf->fops->fsync(rf, datasync) : 0;
}

static long union_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
    struct file *rf = RF(f);
    return rf->fops->ioctl ? rf->fops->ioctl(rf, req, arg) : -ENOTTY;
}

static void union_release(struct file *f)
{
    file_put(RF(f));
}

static const struct file_ops union_file_fops = {
    .data_source = RF,
    .pread = union_pread,
    .pwrite = union_pwrite,
    .ioctl = union_ioctl,
    .fsync = union_fsync,
    .release = union_release,
};

struct inode *unionfs_mount(struct mount *m, struct inode *lower, struct inode *upper)
{
    struct union_sb *sb = kcalloc(1, sizeof(*sb));
    struct unode *n = kcalloc(1, sizeof(*n));
    struct inode *root = sb && n ? inode_new(m, &union_iops, S_IFDIR | 0755) : NULL;
    if (!root) {
        kfree(sb);
        kfree(n);
        inode_put(lower);
        inode_put(upper);
        return NULL;
    }
    /* The upper root stands for the image's root: same mode, owner, times.
     * Set only what differs: a change is a commit of the writable layer
     * (a journal record and an fdatasync) at the end of every run. */
    struct stat st, ust;
    if (inode_stat(lower, &st) == 0 && inode_stat(upper, &ust) == 0 && upper->iops->setattr) {
        struct iattr a = {.mode = st.st_mode & 07777,
                          .uid = st.st_uid,
                          .gid = st.st_gid,
                          .atime = st.st_atim,
                          .mtime = st.st_mtim};
        if ((ust.st_mode & 07777) != a.mode) a.valid |= ATTR_MODE;
        if (ust.st_uid != a.uid) a.valid |= ATTR_UID;
        if (ust.st_gid != a.gid) a.valid |= ATTR_GID;
        if (ust.st_atim.tv_sec != st.st_atim.tv_sec || ust.st_atim.tv_nsec != st.st_atim.tv_nsec)
            a.valid |= ATTR_ATIME;
        if (ust.st_mtim.tv_sec != st.st_mtim.tv_sec || ust.st_mtim.tv_nsec != st.st_mtim.tv_nsec)
            a.valid |= ATTR_MTIME;
        if (a.valid) upper->iops->setattr(upper, &a);
    }
    n->sb = sb;
    n->upper = upper;
    n->lower = lower;
    root->priv = n;
    root->ino = lower->ino;
    refresh(root);
    return root;
}
