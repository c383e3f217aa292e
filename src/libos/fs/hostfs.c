/*
 * hostfs: a host directory passed through (Occlum's /host), and for now
 * the plain image root. Each inode carries its host path; every operation
 * is one PAL call on that path, open files are host fds (stdio.c's host
 * fd files). Symlinks found on the host are resolved by the LibOS walk,
 * in the LibOS's namespace, never by the host.
 */
#include "fs/vfs.h"
#include "pal/pal.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct inode_ops hostfs_iops;

struct hnode {
    /* The fd that created the file, kept for the open that follows: the
     * new file's mode (say 0444) may not allow opening it again. */
    int created_fd;
    char path[]; /* the host path */
};

static const char *hpath(struct inode *ino)
{
    return ((struct hnode *)ino->priv)->path;
}

static char *child_path(struct inode *dir, const char *name)
{
    size_t n = strlen(hpath(dir)) + strlen(name) + 2;
    char *s = kmalloc(n);
    if (s) snprintf(s, n, "%s/%s", hpath(dir), name);
    return s;
}

static void fill_inode(struct inode *ino, const struct stat *st)
{
    ino->mode = st->st_mode;
    ino->ino = st->st_ino;
    ino->nlink = st->st_nlink;
    ino->uid = st->st_uid;
    ino->gid = st->st_gid;
    ino->size = st->st_size;
    ino->rdev = st->st_rdev;
    ino->atime = st->st_atim;
    ino->mtime = st->st_mtim;
    ino->ctime = st->st_ctim;
}

/* An inode for host path hp (freed here), or a negative errno. */
static int make_inode(struct mount *m, char *hp, bool follow, struct inode **out)
{
    struct stat st;
    int r = follow ? pal_host_stat(hp, &st) : pal_host_lstat(hp, &st);
    size_t n = strlen(hp) + 1;
    struct hnode *h = r < 0 ? NULL : kmalloc(sizeof(*h) + n);
    struct inode *ino = h ? inode_new(m, &hostfs_iops, st.st_mode) : NULL;
    if (h) memcpy(h->path, hp, n);
    kfree(hp);
    if (r < 0) return r;
    if (!ino) {
        kfree(h);
        return -ENOMEM;
    }
    h->created_fd = -1;
    fill_inode(ino, &st);
    ino->priv = h;
    *out = ino;
    return 0;
}

static int hostfs_lookup(struct inode *dir, const char *name, struct inode **out)
{
    char *hp = child_path(dir, name);
    if (!hp) return -ENOMEM;
    return make_inode(dir->mnt, hp, false, out);
}

static int hostfs_create(struct inode *dir, const char *name, mode_t mode, struct inode **out)
{
    char *hp = child_path(dir, name);
    if (!hp) return -ENOMEM;
    int fd = pal_host_open(hp, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        kfree(hp);
        return fd;
    }
    int r = make_inode(dir->mnt, hp, false, out);
    if (r < 0)
        pal_host_close(fd);
    else
        ((struct hnode *)(*out)->priv)->created_fd = fd;
    return r;
}

/* Run op on the host path of dir/name. */
static int with_child(struct inode *dir, const char *name, int (*op)(const char *, mode_t),
                      mode_t mode)
{
    char *hp = child_path(dir, name);
    if (!hp) return -ENOMEM;
    int r = op(hp, mode);
    kfree(hp);
    return r;
}

static int do_mkdir(const char *p, mode_t m)
{
    return pal_host_mkdir(p, m);
}
static int do_unlink(const char *p, mode_t m)
{
    return pal_host_unlink(p);
}
static int do_rmdir(const char *p, mode_t m)
{
    return pal_host_rmdir(p);
}

static int hostfs_mkdir(struct inode *dir, const char *name, mode_t mode)
{
    return with_child(dir, name, do_mkdir, mode);
}

static int hostfs_unlink(struct inode *dir, const char *name)
{
    return with_child(dir, name, do_unlink, 0);
}

static int hostfs_rmdir(struct inode *dir, const char *name)
{
    return with_child(dir, name, do_rmdir, 0);
}

static int hostfs_rename(struct inode *odir, const char *oname, struct inode *ndir,
                         const char *nname, unsigned flags)
{
    char *from = child_path(odir, oname), *to = child_path(ndir, nname);
    int r = -ENOMEM;
    if (from && to) r = pal_host_rename2(from, to, flags);
    kfree(from);
    kfree(to);
    return r;
}

static int hostfs_mknod(struct inode *dir, const char *name, mode_t mode)
{
    char *hp = child_path(dir, name);
    if (!hp) return -ENOMEM;
    int r = pal_host_mknod(hp, mode);
    kfree(hp);
    return r;
}

static int hostfs_link(struct inode *old, struct inode *dir, const char *name)
{
    char *to = child_path(dir, name);
    if (!to) return -ENOMEM;
    int r = pal_host_link(hpath(old), to);
    kfree(to);
    return r;
}

static int hostfs_symlink(struct inode *dir, const char *name, const char *target)
{
    char *hp = child_path(dir, name);
    if (!hp) return -ENOMEM;
    int r = pal_host_symlink(target, hp);
    kfree(hp);
    return r;
}

static ssize_t hostfs_readlink(struct inode *ino, char *buf, size_t len)
{
    return pal_host_readlink(hpath(ino), buf, len);
}

static int hostfs_getattr(struct inode *ino, struct stat *st)
{
    int r = pal_host_lstat(hpath(ino), st);
    if (r == 0) fill_inode(ino, st);
    return r;
}

static int hostfs_setattr(struct inode *ino, const struct iattr *a)
{
    int r = 0;
    if (a->valid & (ATTR_UID | ATTR_GID)) {
        /* The PAL has no chown: only a no-op change can succeed. */
        struct stat st;
        if ((r = pal_host_lstat(hpath(ino), &st)) < 0) return r;
        if (((a->valid & ATTR_UID) && a->uid != st.st_uid) ||
            ((a->valid & ATTR_GID) && a->gid != st.st_gid))
            return -EPERM;
    }
    if (a->valid & ATTR_MODE) r = pal_host_chmod(hpath(ino), a->mode & 07777);
    if (r == 0 && (a->valid & ATTR_SIZE)) {
        int fd = pal_host_open(hpath(ino), O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
        if (fd < 0) return fd;
        r = pal_host_ftruncate(fd, a->size);
        pal_host_close(fd);
    }
    if (r == 0 && (a->valid & (ATTR_ATIME | ATTR_MTIME))) {
        struct timespec t[2] = {a->atime, a->mtime};
        if (!(a->valid & ATTR_ATIME)) t[0].tv_nsec = UTIME_OMIT;
        if (!(a->valid & ATTR_MTIME)) t[1].tv_nsec = UTIME_OMIT;
        r = pal_host_utimensat(hpath(ino), t, AT_SYMLINK_NOFOLLOW);
    }
    return r;
}

static int hostfs_open(struct inode *ino, struct file *f)
{
    struct hnode *h = ino->priv;
    int cfd = __atomic_exchange_n(&h->created_fd, -1, __ATOMIC_ACQ_REL);
    if (cfd >= 0) { /* just created (O_RDWR, a superset of any access mode) */
        int fl = f->flags & (O_APPEND | O_NONBLOCK);
        if (fl) pal_host_fcntl(cfd, F_SETFL, fl);
        return hostfd_file_init(f, cfd);
    }
    int acc = f->flags & O_ACCMODE;
    int hflags = (acc == 3 ? O_RDONLY : acc) | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
                 (f->flags & (O_APPEND | O_NONBLOCK | O_TRUNC | O_SYNC | O_DSYNC | O_NOATIME));
    if (S_ISDIR(ino->mode)) hflags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
    int fd = pal_host_open(hpath(ino), hflags, 0);
    if (fd < 0) return fd;
    /* a file or directory as the lookup saw it: no host fstat to tell */
    if (S_ISREG(ino->mode) || S_ISDIR(ino->mode)) return hostfd_file_init_typed(f, fd, ino->mode);
    return hostfd_file_init(f, fd);
}

static void hostfs_evict(struct inode *ino)
{
    struct hnode *h = ino->priv;
    if (h && h->created_fd >= 0) pal_host_close(h->created_fd);
    kfree(h);
}

static const struct inode_ops hostfs_iops = {
    .lookup = hostfs_lookup,
    .create = hostfs_create,
    .mkdir = hostfs_mkdir,
    .unlink = hostfs_unlink,
    .rmdir = hostfs_rmdir,
    .rename = hostfs_rename,
    .mknod = hostfs_mknod,
    .link = hostfs_link,
    .symlink = hostfs_symlink,
    .readlink = hostfs_readlink,
    .getattr = hostfs_getattr,
    .setattr = hostfs_setattr,
    .open = hostfs_open,
    .evict = hostfs_evict,
};

struct inode *hostfs_mount(struct mount *m, const char *hostdir, char *err, size_t errlen)
{
    char *hp = kstrdup(hostdir);
    struct inode *root = NULL;
    int r = hp ? make_inode(m, hp, true, &root) : -ENOMEM;
    if (r == 0 && !S_ISDIR(root->mode)) {
        inode_put(root);
        r = -ENOTDIR;
    }
    if (r < 0) {
        bool image = strcmp(m->type, "unionfs") == 0;
        snprintf(err, errlen, "mount %s: %s directory %s: %s%s", m->target,
                 image ? "image" : "hostfs source", hostdir, strerror(-r),
                 image ? " (run `occlum build` first)" : "");
        return NULL;
    }
    return root;
}
