/*
 * signalfd: signals read from a file descriptor. A signalfd holds only a
 * mask; read takes the reading thread's pending signals in it (its own
 * first, then its process's, synchronous signals first as delivery
 * does), whether they are blocked or not, and turns each siginfo into a
 * struct signalfd_siginfo as Linux's signalfd_copyinfo does. Sleepers
 * and pollers wait on the process's signalfd_wait queue, which every
 * signal queued to the process or one of its threads wakes
 * (signal.c, as Linux's signalfd_notify).
 */
#include "util/kheap.h"
#include "signal/signalfd.h"

#include "fs/sys_common.h"
#include "fs/vfs.h"
#include "net/poll.h"
#include "process/process.h"
#include "process/waitq.h"
#include "signal/signal.h"
#include "signal/sigpending.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define LIBOS_SFD_FLAGS (O_CLOEXEC | O_NONBLOCK)

struct signalfd {
    uint64_t mask; /* read and written atomically: a read sees one mask */
    ino_t ino;
};

static const struct file_ops signalfd_fops;

/* Take one signal of mask pending for t (p->sig_lock held); 0 if none. */
static int take_locked(struct thread *t, uint64_t mask, siginfo_t *si)
{
    struct process *p = t->proc;
    const uint64_t sync = SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) |
                          SIGBIT(SIGFPE) | SIGBIT(SIGSYS);
    uint64_t mine = t->pending.set & mask, shared = p->shared.set & mask;
    uint64_t pick = (mine & sync) ? (mine & sync) : mine ? mine : shared;
    if (!pick) return 0;
    int sig = __builtin_ctzll(pick) + 1;
    sigpending_take((mine & SIGBIT(sig)) ? &t->pending : &p->shared, sig, si);
    return sig;
}

/* Which union member of siginfo is meaningful, as Linux's siginfo_layout. */
static void copyinfo(const siginfo_t *si, struct signalfd_siginfo *o)
{
    memset(o, 0, sizeof(*o));
    o->ssi_signo = (uint32_t)si->si_signo;
    o->ssi_errno = si->si_errno;
    o->ssi_code = si->si_code;
    int sig = si->si_signo, code = si->si_code;
    if (code == SI_TIMER) {
        o->ssi_tid = (uint32_t)si->si_timerid;
        o->ssi_overrun = (uint32_t)si->si_overrun;
        o->ssi_ptr = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
        o->ssi_int = si->si_value.sival_int;
    } else if (code == SI_SIGIO || (code > 0 && code < SI_KERNEL && sig == SIGPOLL)) {
        o->ssi_band = (uint32_t)si->si_band;
        o->ssi_fd = si->si_fd;
    } else if (code < 0) { /* sigqueue, tgkill, mq_notify...: SIL_RT */
        o->ssi_pid = (uint32_t)si->si_pid;
        o->ssi_uid = si->si_uid;
        o->ssi_ptr = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
        o->ssi_int = si->si_value.sival_int;
    } else if (code > 0 && code < SI_KERNEL &&
               (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
                sig == SIGTRAP)) {
        o->ssi_addr = (uint64_t)(uintptr_t)si->si_addr;
        if (sig == SIGBUS && (code == BUS_MCEERR_AR || code == BUS_MCEERR_AO))
            o->ssi_addr_lsb = si->si_addr_lsb;
    } else if (code > 0 && code < SI_KERNEL && sig == SIGCHLD) {
        o->ssi_pid = (uint32_t)si->si_pid;
        o->ssi_uid = si->si_uid;
        o->ssi_status = si->si_status;
        o->ssi_utime = (uint64_t)si->si_utime;
        o->ssi_stime = (uint64_t)si->si_stime;
    } else if (code > 0 && code < SI_KERNEL && sig == SIGSYS) {
        o->ssi_call_addr = (uint64_t)(uintptr_t)si->si_call_addr;
        o->ssi_syscall = si->si_syscall;
        o->ssi_arch = si->si_arch;
    } else { /* SI_USER, SI_KERNEL: SIL_KILL */
        o->ssi_pid = (uint32_t)si->si_pid;
        o->ssi_uid = si->si_uid;
    }
}

static ssize_t sfd_read(struct file *f, struct uio *to)
{
    struct signalfd *s = f->priv;
    struct thread *t = current_thread();
    struct process *p = t->proc;
    size_t room = uio_resid(to) / sizeof(struct signalfd_siginfo);
    if (!room) return -EINVAL;
    ssize_t done = 0;
    while ((size_t)done < room) {
        uint64_t mask = __atomic_load_n(&s->mask, __ATOMIC_RELAXED);
        siginfo_t si;
        mutex_lock(&p->sig_lock);
        int sig = take_locked(t, mask, &si);
        if (!sig) {
            if (done || (f->flags & O_NONBLOCK)) { /* block only for the first */
                mutex_unlock(&p->sig_lock);
                break;
            }
            struct waiter *w = &current_thread()->sleep_waiter;
            thread_prepare_sleep();
            waitq_add(&p->signalfd_wait, w);
            mutex_unlock(&p->sig_lock);
            int r = thread_sleep(NULL);
            mutex_lock(&p->sig_lock);
            waitq_remove(&p->signalfd_wait, w);
            mutex_unlock(&p->sig_lock);
            /* a signal of the mask also interrupts the sleep when it is
             * unblocked: read it; any other deliverable one ends the read */
            if (r == -EINTR &&
                (t->must_exit || (signal_pending(t) && !((t->pending.set | p->shared.set) & mask))))
                return -EINTR;
            continue;
        }
        mutex_unlock(&p->sig_lock);
        struct signalfd_siginfo o;
        copyinfo(&si, &o);
        if (uio_copy_to(to, &o, sizeof(o)) != sizeof(o)) /* consumed, as Linux */
            return done ? done * (ssize_t)sizeof(o) : -EFAULT;
        done++;
    }
    if (!done) return -EAGAIN;
    return done * (ssize_t)sizeof(struct signalfd_siginfo);
}

static unsigned sfd_poll(struct file *f, struct poll_table *pt)
{
    struct signalfd *s = f->priv;
    struct thread *t = current_thread();
    struct process *p = t->proc;
    uint64_t mask = __atomic_load_n(&s->mask, __ATOMIC_RELAXED);
    mutex_lock(&p->sig_lock);
    unsigned m = ((t->pending.set | p->shared.set) & mask) ? POLLIN | POLLRDNORM : 0;
    poll_wait(pt, &p->signalfd_wait, &p->sig_lock);
    mutex_unlock(&p->sig_lock);
    return m;
}

static off_t sfd_lseek(struct file *f, off_t off, int whence)
{
    return 0;
}

static int sfd_fstat(struct file *f, struct stat *st)
{
    struct signalfd *s = f->priv;
    memset(st, 0, sizeof(*st));
    st->st_mode = 0600; /* an anonymous inode, as Linux */
    st->st_ino = s->ino;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    st->st_dev = 0xd;
    return 0;
}

static void sfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops signalfd_fops = {
    .read = sfd_read,
    .poll = sfd_poll,
    .lseek = sfd_lseek,
    .fstat = sfd_fstat,
    .release = sfd_release,
};

long sys_signalfd4(int fd, const void *umask, size_t sizemask, int flags)
{
    uint64_t mask;
    if (sizemask != sizeof(mask)) return -EINVAL;
    if (copy_from_user(&mask, umask, sizeof(mask))) return -EFAULT;
    if (flags & ~LIBOS_SFD_FLAGS) return -EINVAL;
    mask &= ~SIG_UNBLOCKABLE;
    if (fd != -1) { /* a new mask for an existing signalfd; flags are not applied */
        struct file *f = fs_fd(fd);
        if (!f) return -EBADF;
        if (f->fops != &signalfd_fops) {
            file_put(f);
            return -EINVAL;
        }
        struct signalfd *s = f->priv;
        __atomic_store_n(&s->mask, mask, __ATOMIC_RELAXED);
        /* sleepers and pollers look again with the new mask */
        struct process *p = current_process();
        mutex_lock(&p->sig_lock);
        if (!waitq_empty(&p->signalfd_wait)) waitq_wake_all(&p->signalfd_wait);
        mutex_unlock(&p->sig_lock);
        file_put(f);
        return fd;
    }
    static ino_t next_ino = 9000;
    struct signalfd *s = kcalloc(1, sizeof(*s));
    if (!s) return -ENOMEM;
    s->mask = mask;
    s->ino = __atomic_add_fetch(&next_ino, 1, __ATOMIC_RELAXED);
    struct file *f =
        file_alloc_anon(&signalfd_fops, s, O_RDWR | (flags & O_NONBLOCK), "anon_inode:[signalfd]");
    if (!f) {
        kfree(s);
        return -ENOMEM;
    }
    int nfd = fd_install(current_process(), f, flags & O_CLOEXEC ? O_CLOEXEC : 0);
    if (nfd < 0) file_put(f);
    return nfd;
}

long sys_signalfd(int fd, const void *mask, size_t sizemask)
{
    return sys_signalfd4(fd, mask, sizemask, 0);
}
