/*
 * namei: the path walk, and the per-process fs context (cwd, umask).
 *
 * A walk keeps the current directory inode and the canonical absolute
 * path that leads to it. Components are taken one at a time: "." stays,
 * ".." pops (symlinks are resolved as they are met, so the canonical path
 * is the real one), a name is first checked against the mount table (a
 * mount's root replaces the name's inode) and otherwise looked up in the
 * current directory. A symlink met in the middle, or at the end when
 * following, splices its text in front of the rest of the path; magic
 * links (/proc/[pid]/fd/N) jump straight to their object.
 */
#include "fs/permission.h"
#include "fs/vfs.h"
#include "process/process.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define MAXSYMLINKS 40
#define PEND_MAX (2 * LIBOS_PATH_MAX) /* link text + rest of the path */

struct walk {
    struct inode *cur;
    char *canon; /* LIBOS_PATH_MAX bytes */
    size_t clen;
    struct inode **anc; /* ancestors of cur, innermost last, each referenced */
    size_t nanc, cap;
    int nlinks;
    bool trusted; /* a LibOS re-walk of a known path: no search checks */
};

static void walk_drop_ancestors(struct walk *w)
{
    while (w->nanc)
        inode_put(w->anc[--w->nanc]);
}

/* Make ino (reference taken over) with canonical path `path` the current
 * directory, forgetting the ancestors. */
static int walk_jump(struct walk *w, struct inode *ino, const char *path)
{
    size_t n = strlen(path);
    if (n >= LIBOS_PATH_MAX) {
        inode_put(ino);
        return -ENAMETOOLONG;
    }
    walk_drop_ancestors(w);
    inode_put(w->cur);
    w->cur = ino;
    memcpy(w->canon, path, n + 1);
    w->clen = n;
    return 0;
}

static int walk_to_root(struct walk *w)
{
    struct inode *root = vfs_root();
    inode_get(root);
    return walk_jump(w, root, "/");
}

static int walk_descend(struct walk *w, struct inode *child)
{
    if (w->nanc == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        struct inode **a = krealloc(w->anc, cap * sizeof(*a));
        if (!a) {
            inode_put(child);
            return -ENOMEM;
        }
        w->anc = a;
        w->cap = cap;
    }
    w->anc[w->nanc++] = w->cur;
    w->cur = child;
    return 0;
}

static int walk_up(struct walk *w)
{
    if (w->clen == 1) return 0; /* "/.." is "/" */
    path_pop(w->canon, &w->clen);
    if (w->nanc) {
        inode_put(w->cur);
        w->cur = w->anc[--w->nanc];
        return 0;
    }
    /* Started below the root (cwd, dirfd, magic link): the ancestors are
     * not known, so find the parent again from the root. */
    struct inode *ino = NULL;
    int r = namei_canonical_dir(w->canon, &ino);
    if (r < 0) return r;
    inode_put(w->cur);
    w->cur = ino;
    return 0;
}

/* Child `name` of the current directory, crossing mounts; pushes the
 * name onto canon on success. */
static int walk_child(struct walk *w, const char *name, size_t n, struct inode **out)
{
    size_t save = w->clen;
    int r = path_push(w->canon, &w->clen, LIBOS_PATH_MAX, name, n);
    if (r < 0) return r;
    struct mount *m = mount_find(w->canon);
    if (m) {
        inode_get(m->root);
        *out = m->root;
        return 0;
    }
    r = w->cur->iops->lookup ? w->cur->iops->lookup(w->cur, name, out) : -ENOTDIR;
    if (r < 0) {
        w->clen = save;
        w->canon[save] = 0;
    }
    return r;
}

/* Follow the symlink `link` met before `rest`. The buffers behind pend
 * and tmp are swapped when the path is rewritten. Returns 0 and sets *p to the next place to
 * scan. */
static int walk_follow(struct walk *w, struct inode *link, const char *rest, char **pend,
                       char **tmp, const char **p)
{
    int r;
    if (++w->nlinks > MAXSYMLINKS) {
        inode_put(link);
        return -ELOOP;
    }
    path_pop(w->canon, &w->clen); /* the link's name is not part of the result */
    if (link->iops->get_link) {
        struct inode *t;
        char *tp;
        r = link->iops->get_link(link, &t, &tp);
        inode_put(link);
        if (r < 0) return r;
        r = walk_jump(w, t, tp);
        kfree(tp);
        *p = rest;
        return r;
    }
    ssize_t n = link->iops->readlink ? link->iops->readlink(link, *tmp, LIBOS_PATH_MAX) : -EINVAL;
    inode_put(link);
    if (n < 0) return (int)n;
    if (n == 0) return -ENOENT;
    size_t rl = strlen(rest);
    if ((size_t)n + rl + 1 > PEND_MAX) return -ENAMETOOLONG;
    memcpy(*tmp + n, rest, rl + 1);
    char *x = *pend;
    *pend = *tmp;
    *tmp = x;
    *p = *pend;
    if (**p == '/') return walk_to_root(w);
    return 0;
}

static int walk_run(struct walk *w, const char *path, int flags, struct nameidata *nd)
{
    size_t plen = strlen(path);
    if (plen >= LIBOS_PATH_MAX) return -ENAMETOOLONG;
    char *pend = kmalloc(PEND_MAX), *tmp = kmalloc(PEND_MAX);
    int r = -ENOMEM;
    if (!pend || !tmp) goto out;
    memcpy(pend, path, plen + 1);
    const char *p = pend;
    bool want_dir = false;
    r = 0;
    if (*p == '/' && (r = walk_to_root(w)) < 0) goto out;
    for (;;) {
        size_t n, rn;
        const char *c = path_next(p, &n);
        if (!c) break;
        const char *after = c + n;
        want_dir = *after == '/';
        bool last = path_next(after, &rn) == NULL;
        if (n > LIBOS_NAME_MAX) {
            r = -ENAMETOOLONG;
            goto out;
        }
        if (!S_ISDIR(w->cur->mode)) {
            r = -ENOTDIR;
            goto out;
        }
        /* search permission on every directory a component is looked up
         * in, the last one's parent included (Linux's may_lookup) */
        if (!w->trusted && (r = inode_permission(w->cur, MAY_EXEC)) < 0) goto out;
        if (last && (flags & WALK_PARENT)) {
            memcpy(nd->last, c, n);
            nd->last[n] = 0;
            nd->last_type = path_is_dot(c, n)      ? LAST_DOT
                            : path_is_dotdot(c, n) ? LAST_DOTDOT
                                                   : LAST_NORM;
            nd->trailing = want_dir;
            goto out;
        }
        p = after;
        if (path_is_dot(c, n)) continue;
        if (path_is_dotdot(c, n)) {
            if ((r = walk_up(w)) < 0) goto out;
            continue;
        }
        char name[LIBOS_NAME_MAX + 1];
        memcpy(name, c, n);
        name[n] = 0;
        struct inode *child;
        if ((r = walk_child(w, name, n, &child)) < 0) goto out;
        if (S_ISLNK(child->mode) && (!last || want_dir || (flags & WALK_FOLLOW))) {
            if ((r = walk_follow(w, child, after, &pend, &tmp, &p)) < 0) goto out;
            continue;
        }
        if ((r = walk_descend(w, child)) < 0) goto out;
    }
    if (flags & WALK_PARENT) {
        nd->last[0] = 0;
        nd->last_type = LAST_ROOT;
        nd->trailing = false;
    } else if ((want_dir || (flags & WALK_DIRECTORY)) && !S_ISDIR(w->cur->mode)) {
        r = -ENOTDIR;
    } else {
        nd->trailing = want_dir;
    }
out:
    kfree(pend);
    kfree(tmp);
    return r;
}

static int walk_init(struct walk *w, struct inode *start, const char *path)
{
    memset(w, 0, sizeof(*w));
    w->canon = kmalloc(LIBOS_PATH_MAX);
    if (!w->canon) {
        inode_put(start);
        return -ENOMEM;
    }
    w->canon[0] = 0;
    return walk_jump(w, start, path);
}

static void walk_free(struct walk *w)
{
    walk_drop_ancestors(w);
    kfree(w->anc);
    inode_put(w->cur);
    kfree(w->canon);
}

int namei_canonical_dir(const char *path, struct inode **out)
{
    struct walk w;
    struct inode *root = vfs_root();
    inode_get(root);
    int r = walk_init(&w, root, "/");
    if (r < 0) return r;
    w.trusted = true;
    struct nameidata nd = {0};
    r = walk_run(&w, path, WALK_FOLLOW | WALK_DIRECTORY, &nd);
    if (r == 0) {
        *out = w.cur;
        w.cur = NULL;
    }
    walk_free(&w);
    return r;
}

/* The starting point of a relative walk: the cwd or dirfd's file. */
static int walk_start(struct process *p, int dirfd, struct inode **ino, char **path)
{
    if (dirfd == AT_FDCWD) {
        struct fs_struct *fs = p ? p->fs : NULL;
        if (!fs) {
            *ino = vfs_root();
            inode_get(*ino);
            *path = kstrdup("/");
        } else {
            mutex_lock(&fs->lock);
            *ino = fs->cwd_inode;
            inode_get(*ino);
            *path = kstrdup(fs->cwd);
            mutex_unlock(&fs->lock);
        }
    } else {
        struct file *f = fd_get(p, dirfd);
        if (!f) return -EBADF;
        if (!f->inode) {
            file_put(f);
            return -ENOTDIR;
        }
        *ino = f->inode;
        inode_get(*ino);
        *path = kstrdup(f->path);
        file_put(f);
    }
    if (!*path) {
        inode_put(*ino);
        return -ENOMEM;
    }
    return 0;
}

int namei_at(struct process *p, int dirfd, const char *path, int flags, struct nameidata *nd)
{
    struct inode *start;
    char *spath;
    int r;
    nd->inode = NULL;
    nd->path = NULL;
    if (!vfs_root()) return -ENOENT;
    if (path[0] == '/') {
        start = vfs_root();
        inode_get(start);
        spath = kstrdup("/");
        if (!spath) {
            inode_put(start);
            return -ENOMEM;
        }
    } else {
        if (!path[0] && (!(flags & WALK_EMPTY) || (flags & WALK_PARENT))) return -ENOENT;
        if ((r = walk_start(p, dirfd, &start, &spath)) < 0) return r;
        if (path[0] && !S_ISDIR(start->mode)) {
            inode_put(start);
            kfree(spath);
            return -ENOTDIR;
        }
    }
    struct walk w;
    r = walk_init(&w, start, spath);
    kfree(spath);
    if (r < 0) return r;
    w.nlinks = nd->nlinks;
    r = walk_run(&w, path, flags, nd);
    nd->nlinks = w.nlinks;
    if (r == 0) {
        nd->inode = w.cur;
        nd->path = w.canon;
        w.cur = NULL;
        w.canon = NULL;
    }
    walk_free(&w);
    return r;
}

void nd_release(struct nameidata *nd)
{
    inode_put(nd->inode);
    kfree(nd->path);
    nd->inode = NULL;
    nd->path = NULL;
}

char *nd_last_path(const struct nameidata *nd)
{
    char *s = kmalloc(LIBOS_PATH_MAX);
    if (s && path_join(nd->path, nd->last, s, LIBOS_PATH_MAX) < 0) {
        kfree(s);
        return NULL;
    }
    return s;
}

int nd_lookup_last(struct nameidata *nd, struct inode **child)
{
    char *full = nd_last_path(nd);
    if (!full) return -ENAMETOOLONG;
    struct mount *m = mount_find(full);
    kfree(full);
    if (m) {
        inode_get(m->root);
        *child = m->root;
        return 0;
    }
    if (!nd->inode->iops->lookup) return -ENOTDIR;
    return nd->inode->iops->lookup(nd->inode, nd->last, child);
}

/* ---- fs_struct ---- */

struct fs_struct *fs_struct_new(void)
{
    struct fs_struct *fs = kcalloc(1, sizeof(*fs));
    struct inode *root = vfs_root();
    if (!fs || !root) {
        kfree(fs);
        return NULL;
    }
    fs->cwd = kstrdup("/");
    if (!fs->cwd) {
        kfree(fs);
        return NULL;
    }
    fs->refcount = 1;
    inode_get(root);
    fs->cwd_inode = root;
    fs->umask = 022;
    return fs;
}

struct fs_struct *fs_struct_clone(const struct fs_struct *src)
{
    struct fs_struct *s = (struct fs_struct *)src;
    struct fs_struct *fs = kcalloc(1, sizeof(*fs));
    if (!fs) return NULL;
    mutex_lock(&s->lock);
    fs->cwd = kstrdup(s->cwd);
    fs->cwd_inode = s->cwd_inode;
    inode_get(fs->cwd_inode);
    fs->umask = s->umask;
    mutex_unlock(&s->lock);
    if (!fs->cwd) {
        inode_put(fs->cwd_inode);
        kfree(fs);
        return NULL;
    }
    fs->refcount = 1;
    return fs;
}

struct fs_struct *fs_struct_share(struct fs_struct *fs)
{
    __atomic_add_fetch(&fs->refcount, 1, __ATOMIC_RELAXED);
    return fs;
}

void fs_struct_put(struct fs_struct *fs)
{
    if (!fs || __atomic_sub_fetch(&fs->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
    inode_put(fs->cwd_inode);
    kfree(fs->cwd);
    kfree(fs);
}

int fs_struct_set_cwd(struct fs_struct *fs, struct inode *ino, const char *path)
{
    char *copy = kstrdup(path);
    if (!copy) return -ENOMEM;
    inode_get(ino);
    mutex_lock(&fs->lock);
    struct inode *old = fs->cwd_inode;
    char *oldp = fs->cwd;
    fs->cwd_inode = ino;
    fs->cwd = copy;
    mutex_unlock(&fs->lock);
    inode_put(old);
    kfree(oldp);
    return 0;
}
