/*
 * sys_open: open, openat, creat, close, dup, dup2, dup3, and
 * vfs_open_exec (the loader's open).
 *
 * Opening with O_CREAT walks to the parent and looks the last name up
 * itself, because Linux follows a final symlink even then (creating the
 * link's target when it is dangling) and the created file needs its
 * parent directory.
 */
#include "fs/fs_syscalls.h"
#include "fs/fsnotify.h"
#include "fs/lease.h"
#include "fs/locks.h"
#include "fs/permission.h"
#include "fs/sys_common.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KERNEL_O_TMPFILE_BIT 020000000 /* __O_TMPFILE */
#define MAXSYMLINKS 40

/* Open an existing inode for the application: Linux's may_open checks
 * (a symlink, a directory opened for writing, a read-only mount, then the
 * mode bits for the access mode, O_TRUNC asking for write), then the
 * break of conflicting leases, before the open itself. */
static int open_existing(struct inode *ino, const char *path, int flags, struct file **out)
{
    if (!(flags & O_PATH) && !S_ISLNK(ino->mode) && !S_ISDIR(ino->mode)) {
        int acc = flags & O_ACCMODE;
        int mask = acc == O_RDONLY ? MAY_READ : acc == O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
        if ((flags & O_TRUNC) && S_ISREG(ino->mode)) mask |= MAY_WRITE;
        bool rofs = (mask & MAY_WRITE) && inode_readonly(ino) && S_ISREG(ino->mode);
        int r = rofs ? -EROFS : inode_permission(ino, mask);
        if (r == 0 && lease_count) r = lease_break(ino, mask & MAY_WRITE, flags & O_NONBLOCK);
        if (r < 0) return r;
    } else if (!(flags & O_PATH) && S_ISDIR(ino->mode) && (flags & O_ACCMODE) == O_RDONLY &&
               !(flags & (O_TRUNC | O_CREAT))) {
        int r = inode_permission(ino, MAY_READ);
        if (r < 0) return r;
    }
    return vfs_open_inode(ino, path, flags, out);
}

/* O_CREAT: nd is the parent walk; returns the opened file in *out, or
 * sets *next to a new path to retry with (a symlink was met). */
static int create_last(struct process *p, struct nameidata *nd, int flags, mode_t mode,
                       struct file **out, char **next)
{
    struct inode *child;
    char *full = nd_last_path(nd);
    if (!full) return -ENAMETOOLONG;
    int r = nd_lookup_last(nd, &child);
    if (r == -ENOENT) {
        if (inode_readonly(nd->inode))
            r = -EROFS;
        else if (!nd->inode->iops->create)
            r = -EACCES;
        else if ((r = may_create(nd->inode)) == 0) {
            mode_t um = p && p->fs ? p->fs->umask : 022;
            r = nd->inode->iops->create(nd->inode, nd->last, (mode & 07777) & ~um, &child);
            if (r == 0) {
                fsnotify_name(nd->inode, nd->last, IN_CREATE, 0, false);
                /* A new file is opened without re-checking its mode (as Linux). */
                r = vfs_open_inode(child, full, flags & ~O_TRUNC, out);
                inode_put(child);
            }
        }
    } else if (r == 0) {
        if (flags & O_EXCL)
            r = -EEXIST;
        else if (S_ISLNK(child->mode) && (flags & O_NOFOLLOW))
            r = -ELOOP;
        else if (S_ISLNK(child->mode) && ++nd->nlinks > MAXSYMLINKS)
            r = -ELOOP;
        else if (S_ISLNK(child->mode) && child->iops->get_link) {
            struct inode *t;
            char *tp;
            if ((r = child->iops->get_link(child, &t, &tp)) == 0) {
                r = open_existing(t, tp, flags, out);
                inode_put(t);
                kfree(tp);
            }
        } else if (S_ISLNK(child->mode)) {
            char *link = kmalloc(LIBOS_PATH_MAX), *np = kmalloc(LIBOS_PATH_MAX);
            ssize_t n =
                link && np ? child->iops->readlink(child, link, LIBOS_PATH_MAX - 1) : -ENOMEM;
            if (n == 0) n = -ENOENT;
            if (n > 0) {
                link[n] = 0;
                n = link[0] == '/' ? path_join("/", link, np, LIBOS_PATH_MAX)
                                   : path_join(nd->path, link, np, LIBOS_PATH_MAX);
            }
            kfree(link);
            if (n < 0) {
                kfree(np);
                r = (int)n;
            } else {
                *next = np;
            }
        } else {
            r = open_existing(child, full, flags, out);
        }
        inode_put(child);
    }
    kfree(full);
    return r;
}

static int open_creat(struct process *p, int dirfd, const char *path, int flags, mode_t mode,
                      struct file **out)
{
    struct nameidata nd = {0};
    char *cur = NULL;
    int r;
    for (;;) {
        r = namei_at(p, dirfd, cur ? cur : path, WALK_PARENT, &nd);
        if (r < 0) break;
        char *next = NULL;
        if (nd.last_type != LAST_NORM || nd.trailing)
            r = -EISDIR;
        else
            r = create_last(p, &nd, flags, mode, out, &next);
        nd_release(&nd);
        kfree(cur);
        cur = next;
        if (r < 0 || !next) break;
    }
    kfree(cur);
    return r;
}

/* O_TMPFILE: path is a directory; the new file has no name there. */
static int open_tmpfile(struct process *p, int dirfd, const char *path, int flags, mode_t mode,
                        struct file **out)
{
    int acc = flags & O_ACCMODE;
    /* Linux's O_TMPFILE is __O_TMPFILE|O_DIRECTORY, without O_CREAT. */
    if ((flags & (KERNEL_O_TMPFILE_BIT | O_DIRECTORY | O_CREAT)) !=
        (KERNEL_O_TMPFILE_BIT | O_DIRECTORY))
        return -EINVAL;
    if (acc != O_WRONLY && acc != O_RDWR) return -EINVAL;
    struct nameidata nd = {0};
    int r = namei_at(p, dirfd, path, WALK_FOLLOW | WALK_DIRECTORY, &nd);
    if (r < 0) return r;
    struct inode *dir = nd.inode, *ino;
    mode_t um = p && p->fs ? p->fs->umask : 022;
    char name[LIBOS_PATH_MAX];
    if (!S_ISDIR(dir->mode))
        r = -ENOTDIR;
    else if (inode_readonly(dir))
        r = -EROFS;
    else if (!dir->iops->tmpfile)
        r = -EOPNOTSUPP; /* hostfs: the host's unnamed files are not LibOS inodes */
    else if ((r = may_create(dir)) == 0 &&
             (r = dir->iops->tmpfile(dir, (mode & 07777) & ~um, !(flags & O_EXCL), &ino)) == 0) {
        /* /proc/self/fd/N reads as Linux shows such a file. */
        snprintf(name, sizeof(name), "%s/#%lu (deleted)", strcmp(nd.path, "/") ? nd.path : "",
                 (unsigned long)ino->ino);
        r = vfs_open_inode(ino, name, flags & ~(KERNEL_O_TMPFILE_BIT | O_DIRECTORY | O_EXCL), out);
        inode_put(ino);
    }
    nd_release(&nd);
    return r;
}

static int do_open(struct process *p, int dirfd, const char *path, int flags, mode_t mode,
                   struct file **out)
{
    if (flags & KERNEL_O_TMPFILE_BIT) return open_tmpfile(p, dirfd, path, flags, mode, out);
    if ((flags & O_CREAT) && (flags & O_DIRECTORY)) return -EINVAL;
    if (flags & O_PATH) flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    if ((flags & O_CREAT) && !(flags & O_PATH)) return open_creat(p, dirfd, path, flags, mode, out);
    struct nameidata nd = {0};
    int wf =
        ((flags & O_NOFOLLOW) ? 0 : WALK_FOLLOW) | ((flags & O_DIRECTORY) ? WALK_DIRECTORY : 0);
    int r = namei_at(p, dirfd, path, wf, &nd);
    if (r < 0) return r;
    r = open_existing(nd.inode, nd.path, flags, out);
    nd_release(&nd);
    return r;
}

long sys_openat(int dirfd, const char *upath, int flags, mode_t mode)
{
    char *path;
    long r = fs_getname(upath, &path);
    if (r < 0) return r;
    struct file *f = NULL;
    if (r == 0)
        r = -ENOENT;
    else
        r = do_open(fs_caller(), dirfd, path, flags, mode, &f);
    kfree(path);
    if (r < 0) return r;
    r = fd_install(fs_caller(), f, flags);
    if (r < 0) file_put(f);
    return r;
}

long sys_open(const char *path, int flags, mode_t mode)
{
    return sys_openat(AT_FDCWD, path, flags, mode);
}

long sys_creat(const char *path, mode_t mode)
{
    return sys_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

long sys_close(int fd)
{
    struct process *p = fs_caller();
    if (locks_count) { /* closing any fd of a file drops the process's record locks on it */
        struct file *f = fd_get(p, fd);
        if (f) {
            locks_on_close(p, f);
            file_put(f);
        }
    }
    return fdtable_close(p->files, fd);
}

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

long sys_close_range(unsigned first, unsigned last, unsigned flags)
{
    if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) return -EINVAL;
    if (first > last) return -EINVAL;
    struct process *p = fs_caller();
    /* The fd table belongs to the process; with one thread nobody shares
     * it, so CLOSE_RANGE_UNSHARE has nothing to do. */
    if ((flags & CLOSE_RANGE_UNSHARE) && p->nthreads > 1) return -EINVAL;
    int *fds = kmalloc(FD_MAX * sizeof(int)); /* 16 KiB: too much for the LibOS's stack */
    if (!fds) return -ENOMEM;
    size_t n = fdtable_list(p->files, fds, FD_MAX);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)fds[i] < first || (unsigned)fds[i] > last) continue;
        if (flags & CLOSE_RANGE_CLOEXEC)
            fdtable_set_cloexec(p->files, fds[i], true);
        else
            fdtable_close(p->files, fds[i]);
    }
    kfree(fds);
    return 0;
}

long sys_dup(int fd)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r = fdtable_install(fs_caller()->files, f, 0, fd_limit(fs_caller()), false);
    if (r < 0) file_put(f);
    return r;
}

static long do_dup3(int oldfd, int newfd, int flags)
{
    struct file *f = fs_fd(oldfd);
    if (!f) return -EBADF;
    if (newfd < 0 || newfd >= fd_limit(fs_caller())) {
        file_put(f);
        return -EBADF;
    }
    long r = fdtable_install_at(fs_caller()->files, newfd, f, (flags & O_CLOEXEC) != 0);
    if (r < 0) file_put(f);
    return r;
}

long sys_dup2(int oldfd, int newfd)
{
    if (oldfd == newfd) {
        struct file *f = fs_fd(oldfd);
        if (!f) return -EBADF;
        file_put(f);
        return newfd;
    }
    return do_dup3(oldfd, newfd, 0);
}

long sys_dup3(int oldfd, int newfd, int flags)
{
    if (flags & ~O_CLOEXEC) return -EINVAL;
    if (oldfd == newfd) return -EINVAL;
    return do_dup3(oldfd, newfd, flags);
}

int vfs_open_exec(struct process *p, const char *path, struct file **out, char *abspath,
                  size_t abslen)
{
    struct nameidata nd = {0};
    if (!path[0]) return -ENOENT;
    int r = namei_at(p, AT_FDCWD, path, WALK_FOLLOW, &nd);
    if (r < 0) return r;
    struct inode *ino = nd.inode;
    if (!S_ISREG(ino->mode) || (ino->mnt && (ino->mnt->flags & MNT_NOEXEC)))
        r = -EACCES;
    else if ((r = inode_permission(ino, MAY_EXEC)) == 0 && strlen(nd.path) >= abslen)
        r = -ENAMETOOLONG;
    else if (r == 0)
        r = vfs_open_inode(ino, nd.path, O_RDONLY, out);
    if (r == 0) strcpy(abspath, nd.path);
    nd_release(&nd);
    return r;
}
