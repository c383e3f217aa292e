/*
 * sys_mount: mount(2) and umount2(2) at run time, for the file systems the
 * LibOS can create on the fly: ramfs ("ramfs" or "tmpfs", in memory) and
 * hostfs (a host directory, unprotected as the /host mount is). Binds,
 * moves, remounts and propagation changes are not supported (EINVAL and
 * one warning), nor stacking a mount on a mount point (EBUSY).
 */
#include "fs/sys_mount.h"

#include "fs/sys_common.h"
#include "fs/vfs.h"
#include "process/process.h"
#include "util/log.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#define MS_KEPT                                                                                    \
    (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SILENT | MS_NOATIME | MS_NODIRATIME |       \
     MS_RELATIME | MS_STRICTATIME | MS_LAZYTIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK)

long sys_mount(const char *usource, const char *utarget, const char *ufstype, unsigned long flags,
               const void *data)
{
    char source[LIBOS_PATH_MAX] = "", target[LIBOS_PATH_MAX], fstype[64];
    long r = strncpy_from_user(target, utarget, sizeof(target));
    if (r < 0) return r;
    if (flags &
        (MS_REMOUNT | MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
        log_warn("mount(%s): bind, move, remount and propagation changes are not supported",
                 target);
        return -EINVAL;
    }
    r = ufstype ? strncpy_from_user(fstype, ufstype, sizeof(fstype)) : -EFAULT;
    if (r < 0) return r == -ENAMETOOLONG ? -ENODEV : r;
    if (usource && (r = strncpy_from_user(source, usource, sizeof(source))) < 0) return r;
    const char *type;
    if (strcmp(fstype, "ramfs") == 0 || strcmp(fstype, "tmpfs") == 0)
        type = "ramfs";
    else if (strcmp(fstype, "hostfs") == 0)
        type = "hostfs";
    else
        return -ENODEV;
    if (strcmp(type, "hostfs") == 0 && source[0] != '/') return -EINVAL; /* a host path */

    struct nameidata nd;
    r = namei_at(current_process(), AT_FDCWD, target, WALK_FOLLOW | WALK_DIRECTORY, &nd);
    if (r < 0) return r;
    int mflags = (flags & MS_RDONLY) ? MNT_RDONLY : 0;
    if (strcmp(type, "hostfs") == 0) mflags |= MNT_NOEXEC; /* as the configured /host */
    r = mount_runtime_add(nd.path, type, strcmp(type, "hostfs") == 0 ? source : NULL, mflags);
    nd_release(&nd);
    return r;
}

struct busy_scan {
    struct mount *m;
    bool busy;
};

static int busy_in(struct process *p, void *arg)
{
    struct busy_scan *b = arg;
    if (!p->fs || !p->files) return 0;
    if (p->fs->cwd_inode && p->fs->cwd_inode->mnt == b->m) b->busy = true;
    int fds[FD_MAX];
    size_t n = fdtable_list(p->files, fds, FD_MAX);
    for (size_t i = 0; i < n && !b->busy; i++) {
        struct file *f = fdtable_get(p->files, fds[i]);
        if (f && f->inode && f->inode->mnt == b->m) b->busy = true;
        file_put(f);
    }
    return b->busy;
}

long sys_umount2(const char *utarget, int flags)
{
    if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) return -EINVAL;
    if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH))) return -EINVAL;
    char target[LIBOS_PATH_MAX];
    long r = strncpy_from_user(target, utarget, sizeof(target));
    if (r < 0) return r;
    struct nameidata nd;
    r = namei_at(current_process(), AT_FDCWD, target, (flags & UMOUNT_NOFOLLOW) ? 0 : WALK_FOLLOW,
                 &nd);
    if (r < 0) return r;
    struct mount *m = mount_find(nd.path);
    if (!m || m->root != nd.inode) {
        r = -EINVAL; /* not a mount point */
    } else if (strcmp(m->target, "/") == 0) {
        r = -EBUSY;
    } else {
        struct busy_scan b = {m, false};
        if (!(flags & MNT_DETACH)) {
            /* a mount below it, a cwd in it or a file open on it */
            size_t len = strlen(m->target);
            struct mount *q;
            for (size_t i = 0; (q = mount_at(i)); i++)
                if (q != m && strncmp(q->target, m->target, len) == 0 && q->target[len] == '/')
                    b.busy = true;
            nd_release(&nd); /* our own walk holds the root */
            if (!b.busy) process_for_each(busy_in, &b);
            return b.busy ? -EBUSY : mount_runtime_remove(m);
        }
        r = mount_runtime_remove(m);
    }
    nd_release(&nd);
    return r;
}
