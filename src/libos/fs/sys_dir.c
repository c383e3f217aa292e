/*
 * sys_dir: the namespace calls: getcwd, chdir, fchdir, mkdir(at),
 * rmdir, unlink(at), rename(at/at2), link(at), symlink(at), getdents64.
 *
 * Each walks to the parent of the last component (WALK_PARENT) and
 * applies Linux's checks in Linux's order: the kind of last component
 * (".", ".."), then read-only mounts, then existence and types, then the
 * file system's own operation.
 */
#include "fs/fs_syscalls.h"
#include "fs/fsnotify.h"
#include "fs/permission.h"
#include "fs/sys_common.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long sys_getcwd(char *ubuf, size_t size)
{
    struct fs_struct *fs = fs_caller()->fs;
    mutex_lock(&fs->lock);
    char *cwd = kstrdup(fs->cwd);
    struct inode *ino = fs->cwd_inode;
    inode_get(ino);
    mutex_unlock(&fs->lock);
    /* Linux gives ENOENT once the cwd has been removed; ask the fs afresh
     * (hostfs: the host may have removed it). */
    struct stat st;
    int sr = inode_stat(ino, &st);
    bool gone = sr == -ENOENT || (sr == 0 && S_ISDIR(st.st_mode) && st.st_nlink == 0);
    inode_put(ino);
    if (!cwd) return -ENOMEM;
    long n = (long)strlen(cwd) + 1, r = n;
    if (gone)
        r = -ENOENT; /* removed directory, as Linux */
    else if (size < (size_t)n)
        r = -ERANGE;
    else if (copy_to_user(ubuf, cwd, (size_t)n) < 0)
        r = -EFAULT;
    kfree(cwd);
    return r;
}

long sys_chdir(const char *path)
{
    struct nameidata nd = {0};
    long r = fs_walk_user(AT_FDCWD, path, WALK_FOLLOW | WALK_DIRECTORY, &nd);
    if (r < 0) return r;
    r = inode_permission(nd.inode, MAY_EXEC);
    if (r == 0) r = fs_struct_set_cwd(fs_caller()->fs, nd.inode, nd.path);
    nd_release(&nd);
    return r;
}

long sys_fchdir(int fd)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r;
    if (!f->inode || !S_ISDIR(f->inode->mode))
        r = -ENOTDIR;
    else if ((r = inode_permission(f->inode, MAY_EXEC)) == 0)
        r = fs_struct_set_cwd(fs_caller()->fs, f->inode, f->path);
    file_put(f);
    return r;
}

/* Walk to the parent of a path that names something to create: the last
 * component must be a plain name that does not exist yet. */
static long walk_create(int dirfd, const char *upath, bool dir_ok_trailing, struct nameidata *nd)
{
    long r = fs_walk_user(dirfd, upath, WALK_PARENT, nd);
    if (r < 0) return r;
    struct inode *child;
    if (nd->last_type != LAST_NORM)
        r = -EEXIST;
    else if ((r = nd_lookup_last(nd, &child)) == 0) {
        inode_put(child);
        r = -EEXIST;
    } else if (r == -ENOENT) {
        /* A trailing slash only makes sense on a directory being made. */
        if (nd->trailing && !dir_ok_trailing)
            r = -ENOENT;
        else if (inode_readonly(nd->inode))
            r = -EROFS;
        else
            r = may_create(nd->inode);
    }
    if (r < 0) nd_release(nd);
    return r;
}

long sys_mkdirat(int dirfd, const char *path, mode_t mode)
{
    struct nameidata nd = {0};
    long r = walk_create(dirfd, path, true, &nd);
    if (r < 0) return r;
    if (!nd.inode->iops->mkdir)
        r = -EPERM;
    else
        r = nd.inode->iops->mkdir(nd.inode, nd.last, mode & 01777 & ~fs_caller()->fs->umask);
    if (r == 0) fsnotify_name(nd.inode, nd.last, IN_CREATE, 0, true);
    nd_release(&nd);
    return r;
}

long sys_mkdir(const char *path, mode_t mode)
{
    return sys_mkdirat(AT_FDCWD, path, mode);
}

/* mknod: regular files, FIFOs and sockets. Device nodes need CAP_MKNOD
 * and a device behind them; the LibOS has neither (EPERM, as for an
 * unprivileged Linux process). */
long sys_mknodat(int dirfd, const char *path, mode_t mode, unsigned dev)
{
    mode_t type = mode & S_IFMT;
    if (type == 0) type = S_IFREG;
    if (type == S_IFCHR || type == S_IFBLK) return -EPERM;
    if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK) return -EINVAL;
    struct nameidata nd = {0};
    long r = walk_create(dirfd, path, false, &nd);
    if (r < 0) return r;
    mode_t perm = mode & 07777 & ~fs_caller()->fs->umask;
    struct inode *dir = nd.inode;
    if (type == S_IFREG) {
        struct inode *ino;
        r = dir->iops->create ? dir->iops->create(dir, nd.last, perm, &ino) : -EPERM;
        if (r == 0) inode_put(ino);
    } else {
        r = dir->iops->mknod ? dir->iops->mknod(dir, nd.last, type | perm) : -EPERM;
    }
    if (r == 0) fsnotify_name(dir, nd.last, IN_CREATE, 0, false);
    nd_release(&nd);
    return r;
}

long sys_mknod(const char *path, mode_t mode, unsigned dev)
{
    return sys_mknodat(AT_FDCWD, path, mode, dev);
}

long sys_symlinkat(const char *utarget, int newdirfd, const char *linkpath)
{
    char *target;
    long r = fs_getname(utarget, &target);
    if (r < 0) return r;
    if (r == 0) {
        kfree(target);
        return -ENOENT;
    }
    struct nameidata nd = {0};
    r = walk_create(newdirfd, linkpath, false, &nd);
    if (r == 0) {
        if (!nd.inode->iops->symlink)
            r = -EPERM;
        else
            r = nd.inode->iops->symlink(nd.inode, nd.last, target);
        if (r == 0) fsnotify_name(nd.inode, nd.last, IN_CREATE, 0, false);
        nd_release(&nd);
    }
    kfree(target);
    return r;
}

long sys_symlink(const char *target, const char *linkpath)
{
    return sys_symlinkat(target, AT_FDCWD, linkpath);
}

long sys_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
    int wf = ((flags & AT_SYMLINK_FOLLOW) ? WALK_FOLLOW : 0) |
             ((flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
    struct nameidata old = {0}, nd = {0};
    long r = fs_walk_user(olddirfd, oldpath, wf, &old);
    if (r < 0) return r;
    r = walk_create(newdirfd, newpath, false, &nd);
    if (r == 0) {
        if (old.inode->mnt != nd.inode->mnt)
            r = -EXDEV;
        else if (S_ISDIR(old.inode->mode) || !nd.inode->iops->link)
            r = -EPERM;
        else if ((r = may_link(old.inode)) == 0)
            r = nd.inode->iops->link(old.inode, nd.inode, nd.last);
        if (r == 0) { /* the link count is an attribute */
            fsnotify_inode(old.inode, NULL, IN_ATTRIB);
            fsnotify_name(nd.inode, nd.last, IN_CREATE, 0, false);
        }
        nd_release(&nd);
    }
    nd_release(&old);
    return r;
}

long sys_link(const char *oldpath, const char *newpath)
{
    return sys_linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

/* Walk to the parent of something to remove; *child gets the victim. */
static long walk_remove(int dirfd, const char *upath, bool dir, struct nameidata *nd,
                        struct inode **child)
{
    long r = fs_walk_user(dirfd, upath, WALK_PARENT, nd);
    if (r < 0) return r;
    char *full = NULL;
    if (nd->last_type == LAST_DOT)
        r = dir ? -EINVAL : -EISDIR;
    else if (nd->last_type == LAST_DOTDOT)
        r = dir ? -ENOTEMPTY : -EISDIR;
    else if (nd->last_type == LAST_ROOT)
        r = dir ? -EBUSY : -EISDIR;
    else if (inode_readonly(nd->inode))
        r = -EROFS;
    else if ((r = nd_lookup_last(nd, child)) == 0) {
        mode_t m = (*child)->mode;
        if (dir && !S_ISDIR(m))
            r = -ENOTDIR;
        else if (!dir && S_ISDIR(m))
            r = -EISDIR;
        else if (!dir && nd->trailing)
            r = -ENOTDIR;
        else if ((full = nd_last_path(nd)) && fs_is_mountpoint(full))
            r = -EBUSY;
        else
            r = may_delete(nd->inode, *child);
        if (r < 0) inode_put(*child);
    }
    kfree(full);
    if (r < 0) nd_release(nd);
    return r;
}

/* A name went: Linux's order of events (the file's link count, its
 * end when that was its last name, then the directory's IN_DELETE). The
 * count is the one seen before the removal (a union's lower file keeps
 * its own). */
static void notify_removed(struct nameidata *nd, struct inode *child, nlink_t nlink)
{
    bool dir = S_ISDIR(child->mode);
    if (dir) fsnotify_namespace_changed();
    if (!dir) fsnotify_inode(child, NULL, IN_ATTRIB);
    if (dir || nlink <= 1) fsnotify_gone(child);
    fsnotify_name(nd->inode, nd->last, IN_DELETE, 0, dir);
}

static long do_remove(int dirfd, const char *path, bool dir)
{
    struct nameidata nd = {0};
    struct inode *child;
    long r = walk_remove(dirfd, path, dir, &nd, &child);
    if (r < 0) return r;
    nlink_t nlink = child->nlink;
    int (*op)(struct inode *, const char *) = dir ? nd.inode->iops->rmdir : nd.inode->iops->unlink;
    r = op ? op(nd.inode, nd.last) : -EPERM;
    if (r == 0) notify_removed(&nd, child, nlink);
    inode_put(child);
    nd_release(&nd);
    return r;
}

static long do_rmdir(int dirfd, const char *path)
{
    return do_remove(dirfd, path, true);
}

static long do_unlink(int dirfd, const char *path)
{
    return do_remove(dirfd, path, false);
}

long sys_unlinkat(int dirfd, const char *path, int flags)
{
    if (flags & ~AT_REMOVEDIR) return -EINVAL;
    return (flags & AT_REMOVEDIR) ? do_rmdir(dirfd, path) : do_unlink(dirfd, path);
}

long sys_unlink(const char *path)
{
    return do_unlink(AT_FDCWD, path);
}

long sys_rmdir(const char *path)
{
    return do_rmdir(AT_FDCWD, path);
}

/* Linux's vfs_rename checks: the source may leave its directory, the
 * target may be replaced or made, and a directory moving to another
 * parent must be writable itself (its ".." changes). */
static long rename_permission(struct nameidata *o, struct inode *src, struct nameidata *n,
                              struct inode *dst, unsigned flags)
{
    long r = may_delete(o->inode, src);
    if (r == 0) r = dst ? may_delete(n->inode, dst) : may_create(n->inode);
    if (r == 0 && o->inode->ino != n->inode->ino) {
        if (S_ISDIR(src->mode)) r = inode_permission(src, MAY_WRITE);
        if (r == 0 && dst && (flags & RENAME_EXCHANGE) && S_ISDIR(dst->mode))
            r = inode_permission(dst, MAY_WRITE);
    }
    return r;
}

/* On success *srcp and *dstp (NULL when nothing is replaced) hold
 * references, for the events. */
static long rename_checks(struct nameidata *o, struct nameidata *n, unsigned flags,
                          struct inode **srcp, struct inode **dstp)
{
    if (o->inode->mnt != n->inode->mnt) return -EXDEV;
    if (o->last_type != LAST_NORM) return -EBUSY;
    if (n->last_type != LAST_NORM) return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
    if (inode_readonly(o->inode)) return -EROFS;
    struct inode *src;
    long r = nd_lookup_last(o, &src);
    if (r < 0) return r;
    bool dir = S_ISDIR(src->mode);
    struct inode *dst = NULL;
    if (flags & RENAME_EXCHANGE) {
        /* Both must exist; each trailing slash asks for a directory. */
        if ((r = nd_lookup_last(n, &dst)) < 0) {
            inode_put(src);
            return r;
        }
        if ((o->trailing && !dir) || (n->trailing && !S_ISDIR(dst->mode))) r = -ENOTDIR;
    } else if ((o->trailing || n->trailing) && !dir) {
        r = -ENOTDIR;
    } else if (nd_lookup_last(n, &dst) < 0) {
        dst = NULL;
    }
    if (r == 0 && dst && (flags & RENAME_NOREPLACE)) r = -EEXIST;
    if (r == 0) r = rename_permission(o, src, n, dst, flags);
    if (r < 0) {
        inode_put(src);
        inode_put(dst);
        return r;
    }
    *srcp = src;
    *dstp = dst;
    char *of = nd_last_path(o), *nf = nd_last_path(n);
    if (!of || !nf)
        r = -ENAMETOOLONG;
    else if (fs_is_mountpoint(of) || fs_is_mountpoint(nf))
        r = -EBUSY;
    kfree(of);
    kfree(nf);
    if (r == 0 && !o->inode->iops->rename) r = -EPERM;
    if (r < 0) {
        inode_put(src);
        inode_put(dst);
    }
    return r;
}

/* Linux's fsnotify_move, for each object that moved, then the end of the
 * one replaced. */
static void notify_rename(struct nameidata *o, struct inode *src, struct nameidata *n,
                          struct inode *dst, nlink_t dst_nlink, unsigned flags)
{
    fsnotify_namespace_changed();
    if (dst && dst->ino == src->ino && dst->mnt == src->mnt) return; /* a no-op, as Linux */
    uint32_t c = fsnotify_cookie();
    fsnotify_name(o->inode, o->last, IN_MOVED_FROM, c, S_ISDIR(src->mode));
    fsnotify_name(n->inode, n->last, IN_MOVED_TO, c, S_ISDIR(src->mode));
    if (dst && !(flags & RENAME_EXCHANGE) && !S_ISDIR(dst->mode))
        fsnotify_inode(dst, NULL, IN_ATTRIB);
    fsnotify_inode(src, NULL, IN_MOVE_SELF);
    if (!dst) return;
    if (flags & RENAME_EXCHANGE) {
        c = fsnotify_cookie();
        fsnotify_name(n->inode, n->last, IN_MOVED_FROM, c, S_ISDIR(dst->mode));
        fsnotify_name(o->inode, o->last, IN_MOVED_TO, c, S_ISDIR(dst->mode));
        fsnotify_inode(dst, NULL, IN_MOVE_SELF);
    } else if (S_ISDIR(dst->mode) || dst_nlink <= 1) {
        fsnotify_gone(dst);
    }
}

long sys_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                   unsigned int flags)
{
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) return -EINVAL;
    /* Whiteout objects (overlayfs's char 0:0 devices) need CAP_MKNOD and
     * a file system that stores devices: none here. */
    if (flags & RENAME_WHITEOUT) return -EINVAL;
    struct nameidata o = {0}, n = {0};
    long r = fs_walk_user(olddirfd, oldpath, WALK_PARENT, &o);
    if (r < 0) return r;
    r = fs_walk_user(newdirfd, newpath, WALK_PARENT, &n);
    if (r < 0) {
        nd_release(&o);
        return r;
    }
    struct inode *src, *dst;
    r = rename_checks(&o, &n, flags, &src, &dst);
    if (r == 0) {
        nlink_t dst_nlink = dst ? dst->nlink : 0;
        r = o.inode->iops->rename(o.inode, o.last, n.inode, n.last, flags);
        if (r == 0) notify_rename(&o, src, &n, dst, dst_nlink, flags);
        inode_put(src);
        inode_put(dst);
    }
    nd_release(&o);
    nd_release(&n);
    return r;
}

long sys_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
    return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

long sys_rename(const char *oldpath, const char *newpath)
{
    return sys_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

#define GETDENTS_MAX (64 * 1024)

/* The records of getdents64 as the old getdents(2) lays them out, in
 * place: the same lengths (both are 8-aligned name + 20 bytes), the name
 * one byte earlier and the type in the record's last byte. */
static void to_old_dirents(char *buf, size_t len)
{
    for (size_t o = 0; o + 19 < len;) {
        unsigned short reclen;
        memcpy(&reclen, buf + o + 16, sizeof(reclen));
        if (reclen < 20 || o + reclen > len) break;
        char type = buf[o + 18];
        memmove(buf + o + 18, buf + o + 19, strnlen(buf + o + 19, reclen - 19u) + 1);
        buf[o + reclen - 1] = type;
        o += reclen;
    }
}

static long getdents_common(int fd, void *dirp, unsigned int count, bool old)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r;
    if (f->fmode & FMODE_PATH)
        r = -EBADF;
    else if (!f->inode || !S_ISDIR(f->inode->mode) || !f->fops->getdents64)
        r = -ENOTDIR;
    else if (!user_ok(dirp, count, true))
        r = -EFAULT;
    else {
        /* The file systems fill a LibOS buffer, copied out fault-safely
         * (the application may unmap dirp meanwhile); a call returns at
         * most GETDENTS_MAX bytes of entries, which getdents allows. */
        size_t n = count < GETDENTS_MAX ? count : GETDENTS_MAX;
        void *kbuf = kmalloc(n);
        r = kbuf ? f->fops->getdents64(f, kbuf, n) : -ENOMEM;
        if (r > 0 && old) to_old_dirents(kbuf, (size_t)r);
        if (r > 0 && copy_to_user(dirp, kbuf, (size_t)r)) r = -EFAULT;
        if (r >= 0) fsnotify_file(f, IN_ACCESS); /* Linux's iterate_dir, even at the end */
        kfree(kbuf);
    }
    file_put(f);
    return r;
}

long sys_getdents64(int fd, void *dirp, unsigned int count)
{
    return getdents_common(fd, dirp, count, false);
}

long sys_getdents(int fd, void *dirp, unsigned int count)
{
    return getdents_common(fd, dirp, count, true);
}
