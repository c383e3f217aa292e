/*
 * procfs_sys: the text of the system-wide files of /proc (meminfo,
 * cpuinfo, version, mounts, mountinfo, filesystems, sys/{fs,kernel,vm});
 * procfs.c makes their inodes.
 */
#ifndef LIBOS_FS_PROCFS_SYS_H
#define LIBOS_FS_PROCFS_SYS_H

#include "util/text.h"

#define PROCFS_SYS_NDIRS 5
/* The directories of /proc/sys ("fs", "fs/inotify"...), NULL-terminated. */
extern const char *const procfs_sys_dirs[];
/* The name of directory i in directory dir (-1: /proc/sys itself) when it
 * is one of its entries, else NULL. */
const char *procfs_sys_child(int dir, int i);
/* The directory holding directory dir, or -1 for /proc/sys. */
int procfs_sys_parent(int dir);
/* The i-th file of /proc/sys/<procfs_sys_dirs[dir]>, or NULL past the end. */
const char *procfs_sys_name(int dir, int i);
/* Its text: 0, -ENOENT or -ENOMEM. */
int procfs_sys_gen(int dir, int i, struct text *t);
int procfs_meminfo(struct text *t);
int procfs_version(struct text *t);
int procfs_cpuinfo(struct text *t);
int procfs_mounts(struct text *t);
int procfs_mountinfo(struct text *t);
int procfs_filesystems(struct text *t);

#endif
