/*
 * sys_stat: stat, lstat, fstat, newfstatat, statx, access, faccessat,
 * faccessat2, readlink, readlinkat.
 *
 * access and faccessat check with the caller's real ids, faccessat2's
 * AT_EACCESS with its fs ids (fs/permission.c); writing to a read-only
 * mount is EROFS first.
 */
#include "fs/fs_syscalls.h"
#include "fs/permission.h"
#include "fs/sys_common.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/stat.h>

/* stat of (dirfd, path) with AT_* flags, into LibOS memory. A NULL path
 * with AT_EMPTY_PATH means "" (Linux 6.11+). */
static long stat_at(int dirfd, const char *upath, int flags, struct stat *st)
{
    int wf = ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW) |
             ((flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
    char *path = NULL;
    long r = 0;
    if (upath || !(flags & AT_EMPTY_PATH)) {
        r = fs_getname(upath, &path);
        if (r < 0) return r;
    }
    if (r == 0 && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
        /* The fd itself: works for files without an inode too (pipes). */
        kfree(path);
        struct file *f = fs_fd(dirfd);
        if (!f) return -EBADF;
        r = file_fstat(f, st);
        file_put(f);
        return r;
    }
    if (r == 0 && !(flags & AT_EMPTY_PATH)) {
        kfree(path);
        return -ENOENT;
    }
    struct nameidata nd = {0};
    r = namei_at(fs_caller(), dirfd, path ? path : "", wf, &nd);
    kfree(path);
    if (r < 0) return r;
    r = inode_stat(nd.inode, st);
    nd_release(&nd);
    return r;
}

long sys_newfstatat(int dirfd, const char *path, struct stat *ust, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) return -EINVAL;
    struct stat st;
    long r = stat_at(dirfd, path, flags, &st);
    if (r < 0) return r;
    return copy_to_user(ust, &st, sizeof(st));
}

long sys_stat(const char *path, struct stat *st)
{
    return sys_newfstatat(AT_FDCWD, path, st, 0);
}

long sys_lstat(const char *path, struct stat *st)
{
    return sys_newfstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

long sys_fstat(int fd, struct stat *ust)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    struct stat st;
    long r = file_fstat(f, &st);
    file_put(f);
    if (r < 0) return r;
    return copy_to_user(ust, &st, sizeof(st));
}

static struct statx_timestamp stx_time(struct timespec ts)
{
    return (struct statx_timestamp){.tv_sec = ts.tv_sec, .tv_nsec = (uint32_t)ts.tv_nsec};
}

long sys_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *ustx)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE))
        return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) return -EINVAL;
    if (mask & STATX__RESERVED) return -EINVAL;
    struct stat st;
    long r = stat_at(dirfd, path, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), &st);
    if (r < 0) return r;
    struct statx x;
    memset(&x, 0, sizeof(x));
    x.stx_mask = STATX_BASIC_STATS;
    x.stx_blksize = (uint32_t)st.st_blksize;
    x.stx_nlink = (uint32_t)st.st_nlink;
    x.stx_uid = st.st_uid;
    x.stx_gid = st.st_gid;
    x.stx_mode = (uint16_t)st.st_mode;
    x.stx_ino = st.st_ino;
    x.stx_size = (uint64_t)st.st_size;
    x.stx_blocks = (uint64_t)st.st_blocks;
    x.stx_atime = stx_time(st.st_atim);
    x.stx_mtime = stx_time(st.st_mtim);
    x.stx_ctime = stx_time(st.st_ctim);
    x.stx_rdev_major = major(st.st_rdev);
    x.stx_rdev_minor = minor(st.st_rdev);
    x.stx_dev_major = major(st.st_dev);
    x.stx_dev_minor = minor(st.st_dev);
    return copy_to_user(ustx, &x, sizeof(x));
}

long sys_faccessat2(int dirfd, const char *path, int mode, int flags)
{
    if (mode & ~(R_OK | W_OK | X_OK)) return -EINVAL;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) return -EINVAL;
    int wf = ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW) |
             ((flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
    /* Without AT_EACCESS the whole check, path walk included, is made with
     * the real ids. */
    struct fs_ids ids;
    fs_current_ids(&ids, !(flags & AT_EACCESS));
    struct thread *t = current_thread();
    t->fs_ids_override = &ids;
    struct nameidata nd = {0};
    long r = fs_walk_user(dirfd, path, wf, &nd);
    t->fs_ids_override = NULL;
    if (r < 0) return r;
    mode_t m = nd.inode->mode;
    if ((mode & W_OK) && inode_readonly(nd.inode) && (S_ISREG(m) || S_ISDIR(m) || S_ISLNK(m)))
        r = -EROFS;
    else /* R_OK, W_OK and X_OK are MAY_READ, MAY_WRITE and MAY_EXEC */
        r = inode_permission_ids(nd.inode, mode, &ids);
    nd_release(&nd);
    return r;
}

long sys_faccessat(int dirfd, const char *path, int mode)
{
    return sys_faccessat2(dirfd, path, mode, 0);
}

long sys_access(const char *path, int mode)
{
    return sys_faccessat2(AT_FDCWD, path, mode, 0);
}

long sys_readlinkat(int dirfd, const char *upath, char *ubuf, int bufsiz)
{
    if (bufsiz <= 0) return -EINVAL;
    char *path;
    long r = fs_getname(upath, &path);
    if (r < 0) return r;
    bool empty = r == 0;
    struct nameidata nd = {0};
    /* An empty path names dirfd itself (a symlink opened O_PATH|O_NOFOLLOW). */
    r = namei_at(fs_caller(), dirfd, path, WALK_EMPTY, &nd);
    kfree(path);
    if (r < 0) return r;
    char *buf = kmalloc(LIBOS_PATH_MAX);
    if (!buf)
        r = -ENOMEM;
    else if (!S_ISLNK(nd.inode->mode) || !nd.inode->iops->readlink)
        r = empty ? -ENOENT : -EINVAL;
    else
        r = nd.inode->iops->readlink(nd.inode, buf, LIBOS_PATH_MAX);
    nd_release(&nd);
    if (r > bufsiz) r = bufsiz;
    if (r > 0 && copy_to_user(ubuf, buf, (size_t)r) < 0) r = -EFAULT;
    kfree(buf);
    return r;
}

long sys_readlink(const char *path, char *buf, int bufsiz)
{
    return sys_readlinkat(AT_FDCWD, path, buf, bufsiz);
}
