/*
 * sys_common: helpers shared by the file-system system call handlers
 * (sys_*.c): copying path names in from the application and the
 * conversions between *at() flags and path-walk flags.
 */
#ifndef LIBOS_FS_SYS_COMMON_H
#define LIBOS_FS_SYS_COMMON_H

#include "fs/vfs.h"
#include "process/process.h"
#include "util/kheap.h"

/*
 * Copy the application's path into a new LibOS buffer (*out, kfree()).
 * Returns its length, -EFAULT (also for NULL), -ENAMETOOLONG, -ENOMEM.
 * An empty path is returned as such: callers decide (ENOENT or
 * AT_EMPTY_PATH).
 */
long fs_getname(const char *upath, char **out);

/* Walk an application path: fs_getname + namei_at for the caller. An
 * empty path gives -ENOENT unless flags has WALK_EMPTY. */
long fs_walk_user(int dirfd, const char *upath, int flags, struct nameidata *nd);

/* The caller's process (system calls run on application threads). */
static inline struct process *fs_caller(void)
{
    return current_process();
}

/* The caller's file at fd, with a reference, or NULL. */
static inline struct file *fs_fd(int fd)
{
    return fd_get(current_process(), fd);
}

/* True when the canonical path is a mount target (EBUSY to remove or
 * rename it). */
static inline bool fs_is_mountpoint(const char *canon)
{
    return canon && mount_find(canon) != NULL;
}

#endif
