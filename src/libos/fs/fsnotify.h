/*
 * fsnotify: the hooks through which the VFS reports what happens to
 * files (Linux's fsnotify), and inotify's system calls (fs/inotify.c).
 *
 * Watches are keyed by (st_dev, st_ino), not by inode object: a union
 * inode is made per lookup, and hostfs makes one per walk. Each hook is
 * called once, where the operation succeeded (vfs.c for data and opens,
 * sys_dir.c for names, sys_attr.c for attributes, sys_mount.c for
 * unmounts); with no watch anywhere, a hook costs a load and a branch.
 * Changes that do not pass through the LibOS (a host process writing
 * under /host, /proc's contents changing) make no event.
 */
#ifndef LIBOS_FS_FSNOTIFY_H
#define LIBOS_FS_FSNOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/types.h>

#include "fs/vfs.h"

// clang-format off
#define INOTIFY_SYSCALLS(X)                                                                        \
    X(inotify_init, 0) X(inotify_init1, 1) X(inotify_add_watch, 3) X(inotify_rm_watch, 2)
// clang-format on

long sys_inotify_init(void);
long sys_inotify_init1(int flags);
long sys_inotify_add_watch(int fd, const char *path, uint32_t mask);
long sys_inotify_rm_watch(int fd, int wd);

/* Linux's defaults (max_user_watches: its floor, for small machines);
 * /proc/sys/fs/inotify shows them, read-only. */
#define INOTIFY_MAX_QUEUED_EVENTS 16384
#define INOTIFY_MAX_USER_INSTANCES 128
#define INOTIFY_MAX_USER_WATCHES 8192

/* Watches of every instance (0: every hook returns at once). */
extern int fsnotify_watches;

static inline bool fsnotify_on(void)
{
    return __atomic_load_n(&fsnotify_watches, __ATOMIC_RELAXED) != 0;
}

/* Something happened to ino (IN_ACCESS, IN_MODIFY, IN_ATTRIB, IN_OPEN,
 * IN_CLOSE_*, IN_MOVE_SELF): its watches hear it, and so do those of its
 * directory, with its name, when path (its canonical path) is given. */
void fsnotify_inode_slow(struct inode *ino, const char *path, uint32_t mask, struct file *by);
static inline void fsnotify_inode(struct inode *ino, const char *path, uint32_t mask)
{
    if (fsnotify_on() && ino) fsnotify_inode_slow(ino, path, mask, NULL);
}
/* The same for an open file (its inode and path; O_PATH files are never
 * reported); watches with IN_EXCL_UNLINK ignore it once the file has no
 * name left. */
static inline void fsnotify_file(struct file *f, uint32_t mask)
{
    if (fsnotify_on() && f->inode && !(f->fmode & FMODE_PATH))
        fsnotify_inode_slow(f->inode, f->path, mask, f);
}
/* A name changed in dir: IN_CREATE, IN_DELETE, IN_MOVED_FROM/TO (with
 * cookie); isdir: the entry is a directory. */
void fsnotify_name_slow(struct inode *dir, const char *name, uint32_t mask, uint32_t cookie,
                        bool isdir);
static inline void fsnotify_name(struct inode *dir, const char *name, uint32_t mask,
                                 uint32_t cookie, bool isdir)
{
    if (fsnotify_on()) fsnotify_name_slow(dir, name, mask, cookie, isdir);
}
/* ino lost its last name (unlink, rmdir, rename over it): IN_DELETE_SELF,
 * and its watches end (IN_IGNORED). Unlike Linux, this does not wait for
 * the last open file on it to close. */
void fsnotify_gone_slow(struct inode *ino);
static inline void fsnotify_gone(struct inode *ino)
{
    if (fsnotify_on() && ino) fsnotify_gone_slow(ino);
}
/* The mount with device number dev goes: IN_UNMOUNT on each of its
 * watches, which end. */
void fsnotify_unmount(dev_t dev);
/* A path may now lead elsewhere (rename, rmdir, mount, unmount): the
 * directories files remember are looked up again. */
void fsnotify_namespace_changed(void);
/* A fresh cookie pairing IN_MOVED_FROM with IN_MOVED_TO. */
uint32_t fsnotify_cookie(void);

#endif
