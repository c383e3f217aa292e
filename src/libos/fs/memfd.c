/*
 * memfd: memfd_create(2), an anonymous file in memory.
 *
 * As on Linux, a memfd is a tmpfs file with no name: here a ramfs file
 * made unlinked (an O_TMPFILE that can never be linked) on an internal
 * ramfs that is in no directory and has its own device number, made at
 * the first call. Everything else is a ramfs file's: read/write, mmap
 * (MAP_SHARED maps are shared memory between processes, after fork too,
 * and over SCM_RIGHTS), ftruncate, /proc/self/fd/N reading
 * "/memfd:NAME (deleted)". Seals (F_ADD_SEALS, F_GET_SEALS) are ramfs's
 * (fs/ramfs.c): tmpfs files start sealed with F_SEAL_SEAL, which
 * MFD_ALLOW_SEALING lifts.
 */
#include "fs/fs_core.h"
#include "fs/fs_syscalls.h"
#include "fs/vfs.h"

#include "process/process.h"
#include "util/lock.h"
#include "util/log.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <stdio.h>
#include <string.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define MEMFD_NAME_MAX 249 /* NAME_MAX minus "memfd:" */

static struct mount *memfd_mount;
static struct mutex memfd_lock = MUTEX_INIT;

static struct mount *mount_get(void)
{
    mutex_lock(&memfd_lock);
    if (!memfd_mount) memfd_mount = mount_internal_ramfs("memfd:");
    struct mount *m = memfd_mount;
    mutex_unlock(&memfd_lock);
    return m;
}

long sys_memfd_create(const char *uname, unsigned flags)
{
    const unsigned known = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL |
                           MFD_EXEC | (MFD_HUGE_MASK << MFD_HUGE_SHIFT);
    if (flags & ~known) return -EINVAL;
    if (!(flags & MFD_HUGETLB) && (flags & (MFD_HUGE_MASK << MFD_HUGE_SHIFT))) return -EINVAL;
    if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL)) return -EINVAL;
    if (flags & MFD_HUGETLB) { /* as a Linux without hugetlbfs pages to give */
        log_warn("memfd_create with MFD_HUGETLB: the LibOS has no huge pages; returning EINVAL");
        return -EINVAL;
    }
    char name[MEMFD_NAME_MAX + 2];
    long len = strncpy_from_user(name, uname, sizeof(name));
    if (len == -ENAMETOOLONG || len > MEMFD_NAME_MAX) return -EINVAL;
    if (len < 0) return len;
    struct mount *m = mount_get();
    if (!m) return -ENOMEM;
    struct inode *ino;
    mode_t mode = (flags & MFD_NOEXEC_SEAL) ? 0666 : 0777;
    long r = m->root->iops->tmpfile(m->root, mode, false, &ino);
    if (r < 0) return r == -ENOSPC ? -ENOMEM : r;
    if (flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL)) ramfs_allow_sealing(ino);
    char path[MEMFD_NAME_MAX + 32];
    snprintf(path, sizeof(path), "/memfd:%s (deleted)", name);
    struct file *f = NULL;
    r = vfs_open_inode(ino, path, O_RDWR | O_LARGEFILE, &f);
    inode_put(ino);
    if (r < 0) return r;
    r = fd_install(current_process(), f, (flags & MFD_CLOEXEC) ? O_CLOEXEC : 0);
    if (r < 0) file_put(f);
    return r;
}
