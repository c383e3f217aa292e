/*
 * sys_fcntl: fcntl and ioctl.
 *
 * The VFS handles the descriptor-level commands itself (dup, close-on-exec,
 * status flags, FIONBIO, FIOCLEX, FIOASYNC); owners and signals of
 * signal-driven I/O go to fs/fasync.c; record locks, POSIX and OFD, to
 * fs/locks.c; anything else goes to the file's own fcntl/ioctl operation.
 * Leases go to fs/lease.c. What none of them knows (notify, seals) gives
 * EINVAL and one warning line, so the gap is visible.
 */
#include "fs/fasync.h"
#include "fs/fs_syscalls.h"
#include "fs/lease.h"
#include "fs/locks.h"
#include "fs/sys_common.h"
#include "util/log.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>

#define KERNEL_O_LARGEFILE 0100000 /* always set on x86-64; glibc defines O_LARGEFILE as 0 */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

static long set_status_flags(struct file *f, int flags)
{
    mutex_lock(&f->pos_lock);
    int newflags = (f->flags & ~SETFL_MASK) | (flags & SETFL_MASK);
    long r = 0;
    if (f->fops && f->fops->setfl && newflags != f->flags) r = f->fops->setfl(f, newflags);
    if (r == 0) f->flags = newflags;
    mutex_unlock(&f->pos_lock);
    return r;
}

static void warn_once(int cmd)
{
    static unsigned char warned[64];
    if (cmd >= 0 && cmd < 64 && __atomic_exchange_n(&warned[cmd], 1, __ATOMIC_RELAXED)) return;
    log_warn("fcntl command %d is not supported yet (notify, seals): returning EINVAL", cmd);
}

static long do_fcntl(struct process *p, struct file *f, int fd, int cmd, unsigned long arg)
{
    bool path_only = f->fmode & FMODE_PATH;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        if (arg >= (unsigned long)fd_limit(p)) return -EINVAL;
        file_get(f);
        long r = fdtable_install(p->files, f, (int)arg, fd_limit(p), cmd == F_DUPFD_CLOEXEC);
        if (r < 0) file_put(f);
        return r;
    case F_GETFD: {
        int c = fdtable_get_cloexec(p->files, fd);
        return c < 0 ? c : (c ? FD_CLOEXEC : 0);
    }
    case F_SETFD:
        return fdtable_set_cloexec(p->files, fd, arg & FD_CLOEXEC);
    case F_GETFL:
        return f->flags | KERNEL_O_LARGEFILE;
    case F_SETFL: {
        if (path_only) return -EBADF;
        bool async = arg & O_ASYNC;
        if (async != !!(f->flags & O_ASYNC)) {
            long r = fasync_set(f, fd, async, false);
            if (r < 0) return r;
        }
        return set_status_flags(f, (int)arg);
    }
    case F_SETOWN:
        if (path_only) return -EBADF;
        return fasync_set_owner(f, (int)arg);
    case F_GETOWN:
        if (path_only) return -EBADF;
        return __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
    case F_SETOWN_EX: {
        if (path_only) return -EBADF;
        struct f_owner_ex o;
        if (copy_from_user(&o, (void *)arg, sizeof(o)) < 0) return -EFAULT;
        if (o.type == F_OWNER_PGRP) return fasync_set_owner(f, -o.pid);
        if (o.type == F_OWNER_PID || o.type == F_OWNER_TID) return fasync_set_owner(f, o.pid);
        return -EINVAL;
    }
    case F_GETOWN_EX: {
        if (path_only) return -EBADF;
        int owner = __atomic_load_n(&f->owner, __ATOMIC_RELAXED);
        struct f_owner_ex o = {owner < 0 ? F_OWNER_PGRP : F_OWNER_PID, owner < 0 ? -owner : owner};
        return copy_to_user((void *)arg, &o, sizeof(o));
    }
    case F_SETSIG:
        if (path_only) return -EBADF;
        if (arg > 64) return -EINVAL;
        __atomic_store_n(&f->async_sig, (int)arg, __ATOMIC_RELAXED);
        return 0;
    case F_GETSIG:
        if (path_only) return -EBADF;
        return __atomic_load_n(&f->async_sig, __ATOMIC_RELAXED);
    default:
        if (path_only) return -EBADF;
        if (locks_is_fcntl_cmd(cmd)) return locks_fcntl(p, f, cmd, arg);
        if (cmd == F_SETLEASE || cmd == F_GETLEASE) return lease_fcntl(p, f, fd, cmd, arg);
        if (f->fops && f->fops->fcntl) return f->fops->fcntl(f, cmd, arg);
        if (cmd == F_GETPIPE_SZ || cmd == F_SETPIPE_SZ) return -EBADF; /* not a pipe */
        if (cmd == F_ADD_SEALS || cmd == F_GET_SEALS) return -EINVAL;  /* not tmpfs: no seals */
        warn_once(cmd);
        return -EINVAL;
    }
}

long sys_fcntl(int fd, int cmd, unsigned long arg)
{
    struct process *p = fs_caller();
    struct file *f = fd_get(p, fd);
    if (!f) return -EBADF;
    long r = do_fcntl(p, f, fd, cmd, arg);
    file_put(f);
    return r;
}

static long do_ioctl(struct process *p, struct file *f, int fd, unsigned long req,
                     unsigned long arg)
{
    int v;
    switch (req) {
    case FIOCLEX:
        return fdtable_set_cloexec(p->files, fd, true);
    case FIONCLEX:
        return fdtable_set_cloexec(p->files, fd, false);
    case FIONBIO:
        if (copy_from_user(&v, (void *)arg, sizeof(v)) < 0) return -EFAULT;
        return set_status_flags(f, v ? (f->flags | O_NONBLOCK) : (f->flags & ~O_NONBLOCK));
    case FIOASYNC:
        if (copy_from_user(&v, (void *)arg, sizeof(v)) < 0) return -EFAULT;
        return fasync_set(f, fd, v != 0, true);
    case FIONREAD:
        if (f->inode && S_ISREG(f->inode->mode) && !f->fops->ioctl) {
            struct stat st;
            long r = file_fstat(f, &st);
            if (r < 0) return r;
            v = (int)(st.st_size - f->pos);
            return copy_to_user((void *)arg, &v, sizeof(v));
        }
        break;
    }
    return f->fops && f->fops->ioctl ? f->fops->ioctl(f, req, arg) : -ENOTTY;
}

long sys_ioctl(int fd, unsigned long req, unsigned long arg)
{
    struct process *p = fs_caller();
    struct file *f = fd_get(p, fd);
    if (!f) return -EBADF;
    long r = (f->fmode & FMODE_PATH) ? -EBADF : do_ioctl(p, f, fd, req, arg);
    file_put(f);
    return r;
}
