/*
 * sys_attr: attribute changes and flushes: chmod, fchmod, fchmodat,
 * chown family, truncate, ftruncate, utimensat, umask, fsync, fdatasync,
 * statfs, fstatfs, and the xattr calls (unsupported: EOPNOTSUPP).
 */
#include "vm/shared_map.h"
#include "fs/fs_syscalls.h"
#include "fs/fsnotify.h"
#include "fs/lease.h"
#include "fs/permission.h"
#include "fs/sys_common.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <sys/time.h>
#include <utime.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/statfs.h>

/* The event a change makes, as Linux's fsnotify_change: times alone are
 * an access or a modification, anything else an attribute change. */
static uint32_t change_event(unsigned valid)
{
    uint32_t m = (valid & (ATTR_UID | ATTR_GID | ATTR_MODE)) ? IN_ATTRIB : 0;
    if (valid & ATTR_SIZE) m |= IN_MODIFY;
    if ((valid & (ATTR_ATIME | ATTR_MTIME)) == (ATTR_ATIME | ATTR_MTIME))
        m |= IN_ATTRIB;
    else if (valid & ATTR_ATIME)
        m |= IN_ACCESS;
    else if (valid & ATTR_MTIME)
        m |= IN_MODIFY;
    return m;
}

/* path: the object's canonical path, for its directory's watches. */
static long setattr(struct inode *ino, const char *path, const struct iattr *a)
{
    if (inode_readonly(ino)) return -EROFS;
    if (!ino->iops || !ino->iops->setattr) return -EPERM;
    long r = ino->iops->setattr(ino, a);
    if (r == 0 && change_event(a->valid)) fsnotify_inode(ino, path, change_event(a->valid));
    return r;
}

/* chmod by the owner or root; EROFS first, as Linux's notify_change. */
static long chmod_inode(struct inode *ino, const char *path, mode_t mode)
{
    struct iattr a = {.valid = ATTR_MODE, .mode = mode & 07777};
    if (inode_readonly(ino)) return -EROFS;
    long r = may_chmod(ino, &a.mode);
    return r < 0 ? r : setattr(ino, path, &a);
}

long sys_fchmodat(int dirfd, const char *path, mode_t mode)
{
    struct nameidata nd = {0};
    long r = fs_walk_user(dirfd, path, WALK_FOLLOW, &nd);
    if (r < 0) return r;
    r = chmod_inode(nd.inode, nd.path, mode);
    nd_release(&nd);
    return r;
}

long sys_chmod(const char *path, mode_t mode)
{
    return sys_fchmodat(AT_FDCWD, path, mode);
}

long sys_fchmod(int fd, mode_t mode)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r = (f->fmode & FMODE_PATH) ? -EBADF
             : !f->inode             ? -EPERM
                                     : chmod_inode(f->inode, f->path, mode);
    file_put(f);
    return r;
}

long sys_truncate(const char *path, off_t length)
{
    if (length < 0) return -EINVAL;
    struct nameidata nd = {0};
    long r = fs_walk_user(AT_FDCWD, path, WALK_FOLLOW, &nd);
    if (r < 0) return r;
    /* EISDIR, EINVAL and EROFS before the mode bits, as Linux's vfs_truncate */
    if (S_ISDIR(nd.inode->mode))
        r = -EISDIR;
    else if (!S_ISREG(nd.inode->mode))
        r = -EINVAL;
    else if (inode_readonly(nd.inode))
        r = -EROFS;
    else
        r = inode_permission(nd.inode, MAY_WRITE);
    if (r == 0 && lease_count) r = lease_break(nd.inode, true, false);
    if (r == 0) r = vfs_truncate_inode(nd.inode, length);
    if (r == 0) fsnotify_inode(nd.inode, nd.path, IN_MODIFY);
    nd_release(&nd);
    return r;
}

long sys_ftruncate(int fd, off_t length)
{
    if (length < 0) return -EINVAL;
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r;
    if (f->fmode & FMODE_PATH)
        r = -EBADF;
    else if (!f->inode || !S_ISREG(f->inode->mode) || !(f->fmode & FMODE_WRITE))
        r = -EINVAL;
    else if (inode_readonly(f->inode))
        r = -EROFS;
    else if (f->fops->ftruncate) {
        r = f->fops->ftruncate(f, length);
        if (r == 0) shared_map_truncated(f->inode, length);
        if (r == 0) vfs_kill_privs(f->inode);
    } else
        r = vfs_truncate_inode(f->inode, length);
    if (r == 0) fsnotify_file(f, IN_MODIFY);
    file_put(f);
    return r;
}

static bool nsec_valid(long ns)
{
    return (ns >= 0 && ns < 1000000000L) || ns == UTIME_NOW || ns == UTIME_OMIT;
}

/* times (LibOS copy, or NULL for "now") -> iattr. */
static void times_to_iattr(const struct timespec *t, struct iattr *a)
{
    struct timespec now;
    vfs_now(&now);
    a->valid = 0;
    for (int i = 0; i < 2; i++) {
        struct timespec v = t ? t[i] : now;
        if (v.tv_nsec == UTIME_OMIT) continue;
        if (v.tv_nsec == UTIME_NOW) v = now;
        a->valid |= i == 0 ? ATTR_ATIME : ATTR_MTIME;
        if (i == 0)
            a->atime = v;
        else
            a->mtime = v;
    }
}

/* Who may set them: explicit times need the owner, "now" (no times, or
 * both UTIME_NOW) the owner or write permission; a mix of UTIME_NOW and
 * UTIME_OMIT asks nothing, as in Linux's vfs_utimes. */
static long times_setattr(struct inode *ino, const char *path, const struct timespec *t,
                          const struct iattr *a)
{
    if (inode_readonly(ino)) return -EROFS;
    bool now = !t || (t[0].tv_nsec == UTIME_NOW && t[1].tv_nsec == UTIME_NOW);
    bool explicit_times = t && ((t[0].tv_nsec != UTIME_NOW && t[0].tv_nsec != UTIME_OMIT) ||
                                (t[1].tv_nsec != UTIME_NOW && t[1].tv_nsec != UTIME_OMIT));
    if (now || explicit_times) {
        long r = may_set_times(ino, explicit_times);
        if (r < 0) return r;
    }
    return setattr(ino, path, a);
}

/* utimensat on LibOS timespecs (NULL: now), validated. */
static long do_utimes(int dirfd, const char *path, const struct timespec *t, int flags)
{
    if (t && t[0].tv_nsec == UTIME_OMIT && t[1].tv_nsec == UTIME_OMIT)
        return 0; /* Linux does not even look at the path */
    if (t && (!nsec_valid(t[0].tv_nsec) || !nsec_valid(t[1].tv_nsec))) return -EINVAL;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
    struct iattr a;
    times_to_iattr(t, &a);
    long r;
    if (!path && dirfd != AT_FDCWD) { /* futimens(): the fd itself */
        if (flags) return -EINVAL;
        struct file *f = fs_fd(dirfd);
        if (!f) return -EBADF;
        r = f->inode ? times_setattr(f->inode, f->path, t, &a) : -EPERM;
        file_put(f);
        return r;
    }
    struct nameidata nd = {0};
    int wf = ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW) |
             ((flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
    r = fs_walk_user(dirfd, path, wf, &nd);
    if (r < 0) return r;
    r = times_setattr(nd.inode, nd.path, t, &a);
    nd_release(&nd);
    return r;
}

long sys_utimensat(int dirfd, const char *path, const struct timespec *utimes, int flags)
{
    struct timespec t[2];
    if (utimes && copy_from_user(t, utimes, sizeof(t)) < 0) return -EFAULT;
    return do_utimes(dirfd, path, utimes ? t : NULL, flags);
}

/* futimesat(2), utimes(2): microseconds, checked as Linux's do_futimesat. */
long sys_futimesat(int dirfd, const char *path, const struct timeval *utv)
{
    struct timeval tv[2];
    struct timespec t[2];
    if (utv) {
        if (copy_from_user(tv, utv, sizeof(tv)) < 0) return -EFAULT;
        for (int i = 0; i < 2; i++) {
            if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000) return -EINVAL;
            t[i].tv_sec = tv[i].tv_sec;
            t[i].tv_nsec = tv[i].tv_usec * 1000;
        }
    }
    return do_utimes(dirfd, path, utv ? t : NULL, 0);
}

long sys_utimes(const char *path, const struct timeval *utv)
{
    return sys_futimesat(AT_FDCWD, path, utv);
}

long sys_utime(const char *path, const struct utimbuf *ubuf)
{
    struct utimbuf b;
    struct timespec t[2];
    if (ubuf) {
        if (copy_from_user(&b, ubuf, sizeof(b)) < 0) return -EFAULT;
        t[0] = (struct timespec){b.actime, 0};
        t[1] = (struct timespec){b.modtime, 0};
    }
    return do_utimes(AT_FDCWD, path, ubuf ? t : NULL, 0);
}

long sys_umask(mode_t mask)
{
    struct fs_struct *fs = fs_caller()->fs;
    mutex_lock(&fs->lock);
    mode_t old = fs->umask;
    fs->umask = mask & 0777;
    mutex_unlock(&fs->lock);
    return old;
}

static long do_fsync(int fd, int datasync)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r;
    if (f->fmode & FMODE_PATH)
        r = -EBADF;
    else if (f->fops->fsync)
        r = f->fops->fsync(f, datasync);
    else
        r = -EINVAL; /* Linux: the file does not support syncing */
    file_put(f);
    return r;
}

long sys_fsync(int fd)
{
    return do_fsync(fd, 0);
}

long sys_fdatasync(int fd)
{
    return do_fsync(fd, 1);
}

/* sync_file_range(2): the range's data, durable, as fdatasync makes the
 * whole file's (more than Linux promises, never less). Pipes and sockets
 * are ESPIPE. */
long sys_sync_file_range(int fd, long off, long nbytes, unsigned flags)
{
    const unsigned known =
        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    if (flags & ~known) return -EINVAL;
    if (off < 0 || nbytes < 0 || off > INT64_MAX - nbytes) return -EINVAL;
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r = 0;
    if (f->fmode & FMODE_PATH)
        r = -EBADF;
    else if (!f->inode || (!S_ISREG(f->inode->mode) && !S_ISDIR(f->inode->mode) &&
                           !S_ISBLK(f->inode->mode) && !S_ISLNK(f->inode->mode)))
        r = -ESPIPE;
    file_put(f);
    if (r == 0 && (flags & SYNC_FILE_RANGE_WRITE)) r = do_fsync(fd, 1);
    return r == -EINVAL ? 0 : r; /* a file with nothing to sync */
}

/* readahead(2): a hint; the LibOS's files are read on demand. EINVAL for
 * what has no pages to read ahead (pipes, sockets), as Linux. */
long sys_readahead(int fd, long off, size_t count)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r = 0;
    if (!(f->fmode & FMODE_READ) || (f->fmode & FMODE_PATH))
        r = -EBADF;
    else if (!f->inode || !S_ISREG(f->inode->mode) || off < 0)
        r = -EINVAL;
    file_put(f);
    return r;
}

long sys_statfs(const char *path, struct statfs *ubuf)
{
    struct nameidata nd = {0};
    long r = fs_walk_user(AT_FDCWD, path, WALK_FOLLOW, &nd);
    if (r < 0) return r;
    struct statfs st;
    r = vfs_statfs(nd.inode->mnt, &st);
    nd_release(&nd);
    if (r < 0) return r;
    return copy_to_user(ubuf, &st, sizeof(st));
}

long sys_fstatfs(int fd, struct statfs *ubuf)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    struct statfs st;
    long r = vfs_statfs(f->inode ? f->inode->mnt : NULL, &st);
    file_put(f);
    if (r < 0) return r;
    return copy_to_user(ubuf, &st, sizeof(st));
}

/* ---- owners ---- */

static long chown_inode(struct inode *ino, const char *path, uid_t uid, gid_t gid)
{
    struct iattr a = {.uid = uid, .gid = gid};
    if (uid != (uid_t)-1) a.valid |= ATTR_UID;
    if (gid != (gid_t)-1) a.valid |= ATTR_GID;
    if (inode_readonly(ino)) return -EROFS;
    long r = may_chown(ino, uid, gid);
    if (r < 0 || !a.valid) return r;
    return setattr(ino, path, &a);
}

long sys_fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
    int wf = ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW) |
             ((flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
    struct nameidata nd = {0};
    long r = fs_walk_user(dirfd, path, wf, &nd);
    if (r < 0) return r;
    r = chown_inode(nd.inode, nd.path, uid, gid);
    nd_release(&nd);
    return r;
}

long sys_chown(const char *path, uid_t uid, gid_t gid)
{
    return sys_fchownat(AT_FDCWD, path, uid, gid, 0);
}

long sys_lchown(const char *path, uid_t uid, gid_t gid)
{
    return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

long sys_fchown(int fd, uid_t uid, gid_t gid)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r = (f->fmode & FMODE_PATH) ? -EBADF
             : !f->inode             ? -EPERM
                                     : chown_inode(f->inode, f->path, uid, gid);
    file_put(f);
    return r;
}

/* ---- extended attributes ----
 * None of these file systems stores xattrs: after the path or fd checks,
 * every call answers EOPNOTSUPP, which is what Linux gives for such file
 * systems and what ls, cp -a and tar expect. */

/* A name must be 1..255 bytes (ERANGE otherwise), checked after the path. */
static long xattr_name(const char *name)
{
    char *kname = NULL;
    long n = fs_getname(name, &kname);
    kfree(kname);
    if (n < 0) return n == -ENAMETOOLONG ? -ERANGE : n;
    return (n == 0 || n > 255) ? -ERANGE : 0;
}

static long xattr_path(const char *path, const char *name, bool follow, bool need_name)
{
    struct nameidata nd = {0};
    long r = fs_walk_user(AT_FDCWD, path, follow ? WALK_FOLLOW : 0, &nd);
    if (r < 0) return r;
    nd_release(&nd);
    if (need_name && (r = xattr_name(name)) < 0) return r;
    return -EOPNOTSUPP;
}

static long xattr_fd(int fd)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r = (f->fmode & FMODE_PATH) ? -EBADF : -EOPNOTSUPP;
    file_put(f);
    return r;
}

long sys_getxattr(const char *path, const char *name, void *value, size_t size)
{
    return xattr_path(path, name, true, true);
}

long sys_lgetxattr(const char *path, const char *name, void *value, size_t size)
{
    return xattr_path(path, name, false, true);
}

long sys_fgetxattr(int fd, const char *name, void *value, size_t size)
{
    return xattr_fd(fd);
}

long sys_listxattr(const char *path, char *list, size_t size)
{
    return xattr_path(path, NULL, true, false);
}

long sys_llistxattr(const char *path, char *list, size_t size)
{
    return xattr_path(path, NULL, false, false);
}

long sys_flistxattr(int fd, char *list, size_t size)
{
    return xattr_fd(fd);
}

long sys_setxattr(const char *path, const char *name, const void *value, size_t size, int flags)
{
    return xattr_path(path, name, true, true);
}

long sys_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)
{
    return xattr_path(path, name, false, true);
}

long sys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)
{
    return xattr_fd(fd);
}

long sys_removexattr(const char *path, const char *name)
{
    return xattr_path(path, name, true, true);
}

long sys_lremovexattr(const char *path, const char *name)
{
    return xattr_path(path, name, false, true);
}

long sys_fremovexattr(int fd, const char *name)
{
    return xattr_fd(fd);
}
