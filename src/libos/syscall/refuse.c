/*
 * refuse: the calls that need a privilege no LibOS process has (a LibOS
 * process acts on the host through the LibOS only: it can neither set the
 * host's clocks, load modules, reboot, trace, nor mount), answered as
 * Linux answers an unprivileged process after the same argument checks,
 * and the calls of features Linux can be built or booted without,
 * answered as such a kernel does. The reasons are in refuse.h.
 */
#include "syscall/refuse.h"

#include "fs/fs_core.h"
#include "fs/sys_common.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "process/process.h"
#include "syscall/list_core.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

long sys_clock_settime(long clk, const void *uts)
{
    struct timespec ts;
    if (copy_from_user(&ts, uts, sizeof(ts))) return -EFAULT;
    switch (clk) {
    case CLOCK_REALTIME:
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L) return -EINVAL;
        return -EPERM;
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        return -EPERM; /* Linux's posix_cpu_clock_set */
    default:           /* the other clocks cannot be set at all */
        return -EINVAL;
    }
}

long sys_settimeofday(const void *utv, const void *utz)
{
    if (utv) {
        struct timeval tv;
        if (copy_from_user(&tv, utv, sizeof(tv))) return -EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000) return -EINVAL;
    }
    if (utz) {
        struct timezone tz;
        if (copy_from_user(&tz, utz, sizeof(tz))) return -EFAULT;
        if (tz.tz_minuteswest > 15 * 60 || tz.tz_minuteswest < -15 * 60) return -EINVAL;
    }
    return -EPERM;
}

/* The state of an undisciplined clock: reading it is allowed to anyone. */
long sys_adjtimex(void *utx)
{
    struct timex tx;
    if (copy_from_user(&tx, utx, sizeof(tx))) return -EFAULT;
    if (tx.modes) return (tx.modes & ~ADJ_OFFSET_SS_READ) ? -EPERM : -EINVAL;
    memset(&tx, 0, sizeof(tx));
    struct timespec now;
    pal_clock_gettime(CLOCK_REALTIME, &now);
    tx.time.tv_sec = now.tv_sec;
    tx.time.tv_usec = now.tv_nsec / 1000;
    tx.status = STA_UNSYNC;
    tx.maxerror = 16000000; /* NTP_PHASE_LIMIT, in us */
    tx.esterror = 16000000;
    tx.constant = 2;
    tx.precision = 1;
    tx.tolerance = 500 << 16; /* MAXFREQ, 500 ppm */
    tx.tick = 10000;          /* us per USER_HZ tick */
    if (copy_to_user(utx, &tx, sizeof(tx))) return -EFAULT;
    return TIME_ERROR; /* unsynchronized */
}

long sys_clock_adjtime(long clk, void *utx)
{
    if (clk != CLOCK_REALTIME) return clk == CLOCK_MONOTONIC ? -EOPNOTSUPP : -EINVAL;
    return sys_adjtimex(utx);
}

long sys_reboot(long a, long b, long c, long d)
{
    return -EPERM; /* checked before the magic numbers */
}

long sys_init_module(long a, long b, long c)
{
    return -EPERM;
}

long sys_finit_module(long a, long b, long c)
{
    return -EPERM;
}

long sys_delete_module(long a, long b)
{
    return -EPERM;
}

long sys_kexec_load(long a, long b, long c, long d)
{
    return -EPERM;
}

long sys_kexec_file_load(long a, long b, long c, long d, long e)
{
    return -EPERM;
}

long sys_swapon(long a, long b)
{
    return -EPERM;
}

long sys_swapoff(long a)
{
    return -EPERM;
}

long sys_sethostname(long a, long b)
{
    return -EPERM;
}

long sys_setdomainname(long a, long b)
{
    return -EPERM;
}

long sys_acct(long a)
{
    return -EPERM;
}

/* The path is looked up first (ENOENT, ENOTDIR...), then the capability. */
long sys_chroot(const char *path)
{
    struct nameidata nd = {0};
    long r = fs_walk_user(AT_FDCWD, path, WALK_FOLLOW, &nd);
    if (r < 0) return r;
    bool dir = S_ISDIR(nd.inode->mode);
    nd_release(&nd);
    return dir ? -EPERM : -ENOTDIR;
}

long sys_pivot_root(long a, long b)
{
    return -EPERM;
}

long sys_vhangup(void)
{
    return -EPERM;
}

long sys_syslog(long type, long buf, long len)
{
    if (type == 0 || type == 1) return 0; /* SYSLOG_ACTION_CLOSE, _OPEN */
    if (type < 0 || type > 10) return -EINVAL;
    return -EPERM;
}

long sys_bpf(long a, long b, long c)
{
    return -EPERM;
}

long sys_userfaultfd(long flags)
{
    return -EPERM;
}

long sys_ptrace(long a, long b, long c, long d)
{
    return -EPERM;
}

long sys_process_vm_readv(long a, long b, long c, long d, long e, long f)
{
    return f ? -EINVAL : -EPERM;
}

long sys_process_vm_writev(long a, long b, long c, long d, long e, long f)
{
    return f ? -EINVAL : -EPERM;
}

long sys_fanotify_init(long a, long b)
{
    return -EPERM;
}

/* Any fd given is not a fanotify group: EBADF when it is no fd at all. */
long sys_fanotify_mark(long fd, long b, long c, long d, long e)
{
    struct file *f = fd_get(current_process(), (int)fd);
    if (!f) return -EBADF;
    file_put(f);
    return -EINVAL;
}

long sys_name_to_handle_at(long a, long b, long c, long d, long e)
{
    return -EOPNOTSUPP;
}

long sys_open_by_handle_at(long a, long b, long c)
{
    return -EPERM;
}

long sys_open_tree(long a, long b, long c)
{
    return -EPERM;
}

long sys_move_mount(long a, long b, long c, long d, long e)
{
    return -EPERM;
}

long sys_fsopen(long a, long b)
{
    return -EPERM;
}

long sys_fsconfig(long a, long b, long c, long d, long e)
{
    return -EPERM;
}

long sys_fsmount(long a, long b, long c)
{
    return -EPERM;
}

long sys_fspick(long a, long b, long c)
{
    return -EPERM;
}

long sys_mount_setattr(long a, long b, long c, long d, long e)
{
    return -EPERM;
}

long sys_landlock_create_ruleset(long a, long b, long c)
{
    return -EOPNOTSUPP;
}

long sys_landlock_add_rule(long a, long b, long c, long d)
{
    return -EOPNOTSUPP;
}

long sys_landlock_restrict_self(long a, long b)
{
    return -EOPNOTSUPP;
}

long sys_process_madvise(long fd, long b, long c, long d, long e)
{
    return -EBADF;
}

long sys_process_mrelease(long fd, long b)
{
    return -EBADF;
}

long sys_pkey_alloc(long flags, long rights)
{
    if (flags || (rights & ~3L)) return -EINVAL; /* PKEY_DISABLE_ACCESS | _WRITE */
    return -ENOSPC;
}

long sys_pkey_free(long key)
{
    return -EINVAL;
}

long sys_pkey_mprotect(unsigned long addr, unsigned long len, unsigned long prot, long key)
{
    if (key != -1) return -EINVAL;
    return sys_mprotect(addr, len, prot);
}

long sys_restart_syscall(void)
{
    return -EINTR;
}
