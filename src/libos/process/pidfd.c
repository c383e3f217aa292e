/*
 * pidfd: see pidfd.h.
 *
 * A pidfd holds a reference to a `struct pidref` (Linux's struct pid),
 * made for a process the first time one is asked for and kept by the
 * process until it is reaped. The reap clears its process pointer (under
 * proc_lock), so a pidfd never reaches another process later, whatever
 * becomes of the pid or the recycled process object. Everything is in the
 * kernel heap: a pidfd inherited by a fork or passed over SCM_RIGHTS
 * works from any host process, and its pollers are woken from whichever
 * one the process ends in.
 */
#include "process/pidfd.h"

#include "fs/vfs.h"
#include "net/poll.h"
#include "process/process.h"
#include "signal/signal.h"
#include "util/kheap.h"
#include "util/text.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>

enum { PIDREF_LIVE, PIDREF_EXITED, PIDREF_REAPED };

struct pidref {
    int refs; /* the process's (until reaped) and each pidfd's */
    int pid;
    struct process *proc; /* NULL once reaped; under proc_lock */
    struct mutex lock;    /* state and pollers */
    int state;
    struct waitq pollers;
};

static void pidref_put(struct pidref *r)
{
    if (__atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0) kfree(r);
}

void pidfd_process_gone_locked(struct process *p, bool reaped)
{
    struct pidref *r = p->pidref;
    if (!r) return;
    mutex_lock(&r->lock);
    r->state = reaped ? PIDREF_REAPED : PIDREF_EXITED;
    waitq_wake_all(&r->pollers);
    mutex_unlock(&r->lock);
    if (!reaped) return;
    r->proc = NULL;
    p->pidref = NULL;
    pidref_put(r);
}

/* p's pidref with a reference for the caller (spare: a fresh one to use
 * when p has none, which is then consumed). proc_lock held. */
static struct pidref *pidref_get_locked(struct process *p, struct pidref **spare)
{
    if (!p->pidref) {
        struct pidref *r = *spare;
        *spare = NULL;
        r->refs = 1;
        r->pid = p->pid;
        r->proc = p;
        r->state = p->zombie ? PIDREF_EXITED : PIDREF_LIVE;
        p->pidref = r;
    }
    __atomic_add_fetch(&p->pidref->refs, 1, __ATOMIC_RELAXED);
    return p->pidref;
}

/* ---- the file ---- */

/* Linux's pidfd has no read or write: EINVAL. */
static ssize_t pidfd_rw(struct file *f, struct uio *u)
{
    return -EINVAL;
}

/* POLLIN once the process has exited, POLLHUP too once it is reaped. */
static unsigned pidfd_poll(struct file *f, struct poll_table *pt)
{
    struct pidref *r = f->priv;
    mutex_lock(&r->lock);
    unsigned m = r->state == PIDREF_REAPED   ? POLLIN | POLLRDNORM | POLLHUP
                 : r->state == PIDREF_EXITED ? POLLIN | POLLRDNORM
                                             : 0;
    poll_wait(pt, &r->pollers, &r->lock);
    mutex_unlock(&r->lock);
    return m;
}

static int pidfd_fstat(struct file *f, struct stat *st)
{
    struct pidref *r = f->priv;
    memset(st, 0, sizeof(*st));
    st->st_mode = 0600; /* an anonymous inode, as before Linux 6.9's pidfs */
    st->st_ino = (ino_t)r->pid;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    st->st_dev = 0xd; /* anon_inodefs */
    return 0;
}

/* Linux's pidfd_show_fdinfo: the pid, -1 once reaped. */
static int pidfd_fdinfo(struct file *f, struct text *t)
{
    struct pidref *r = f->priv;
    mutex_lock(&r->lock);
    int pid = r->state == PIDREF_REAPED ? -1 : r->pid;
    mutex_unlock(&r->lock);
    return text_printf(t, "Pid:\t%d\nNSpid:\t%d\n", pid, pid);
}

static void pidfd_release(struct file *f)
{
    pidref_put(f->priv);
}

static const struct file_ops pidfd_fops = {
    .read = pidfd_rw,
    .write = pidfd_rw,
    .poll = pidfd_poll,
    .fstat = pidfd_fstat,
    .fdinfo = pidfd_fdinfo,
    .release = pidfd_release,
};

/* A pidfd file for r (whose reference it takes over), installed in the
 * caller's table close-on-exec: the fd, or -EMFILE / -ENOMEM. */
static int pidfd_install(struct pidref *r, int oflags)
{
    struct file *f =
        file_alloc_anon(&pidfd_fops, r, O_RDWR | (oflags & O_NONBLOCK), "anon_inode:[pidfd]");
    if (!f) {
        pidref_put(r);
        return -ENOMEM;
    }
    int fd = fd_install(current_process(), f, O_CLOEXEC);
    if (fd < 0) file_put(f);
    return fd;
}

/* The pidref behind a pidfd, with a reference, or NULL (not a pidfd). */
static struct pidref *pidref_of_fd(int fd, int *flags)
{
    struct file *f = fd >= 0 ? fdtable_get(current_process()->files, fd) : NULL;
    struct pidref *r = NULL;
    if (f && f->fops == &pidfd_fops) {
        r = f->priv;
        __atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
        if (flags) *flags = f->flags;
    }
    if (f) file_put(f);
    return r;
}

int pidfd_fd_pid(int fd, int *flags)
{
    struct pidref *r = pidref_of_fd(fd, flags);
    if (!r) return -EBADF;
    int pid = r->pid;
    pidref_put(r);
    return pid;
}

/* ---- pidfd_open ---- */

struct open_scan {
    int pid;
    struct pidref *spare, *ref;
    bool thread; /* pid is a thread of a process, not its leader */
};

/* Under proc_lock (process_for_each): the reference is taken before any
 * reap can clear it. */
static int open_scan_cb(struct process *p, void *arg)
{
    struct open_scan *s = arg;
    if (p->pid == s->pid) {
        s->ref = pidref_get_locked(p, &s->spare);
        return 1;
    }
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        if (t->tid == s->pid && p->pid > 0) s->thread = true;
    return s->thread;
}

long sys_pidfd_open(int pid, unsigned flags)
{
    if (flags & ~(unsigned)O_NONBLOCK) return -EINVAL; /* PIDFD_NONBLOCK */
    if (pid <= 0) return -EINVAL;
    struct open_scan s = {pid, kcalloc(1, sizeof(struct pidref)), NULL, false};
    if (!s.spare) return -ENOMEM;
    process_for_each(open_scan_cb, &s);
    kfree(s.spare);
    /* a thread that is not its process's leader: ENOENT, as Linux 6.18 answers (its
     * man page, older kernels: EINVAL) */
    if (!s.ref) return s.thread ? -ENOENT : -ESRCH;
    return pidfd_install(s.ref, (int)flags);
}

int pidfd_clone_install(struct process *c, int *upidfd)
{
    struct pidref *spare = kcalloc(1, sizeof(*spare));
    if (!spare) return -ENOMEM;
    mutex_lock(&proc_lock);
    struct pidref *r = pidref_get_locked(c, &spare);
    mutex_unlock(&proc_lock);
    kfree(spare);
    int fd = pidfd_install(r, 0);
    if (fd >= 0 && copy_to_user(upidfd, &fd, sizeof(fd))) {
        fdtable_close(current_process()->files, fd);
        return -EFAULT;
    }
    return fd;
}

void pidfd_clone_abort(int fd)
{
    if (fd >= 0) fdtable_close(current_process()->files, fd);
}

/* ---- pidfd_send_signal ---- */

long sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *uinfo, unsigned flags)
{
    if (flags) return -EINVAL;
    struct pidref *r = pidref_of_fd(pidfd, NULL);
    if (!r) return -EBADF;
    struct process *self = current_process();
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    long ret = 0;
    if (uinfo) {
        if (copy_from_user(&si, uinfo, sizeof(si)))
            ret = -EFAULT;
        else if (si.si_signo != sig)
            ret = -EINVAL;
        /* only a process signalling itself may claim a kernel origin */
        else if (r->pid != self->pid && (si.si_code >= 0 || si.si_code == SI_TKILL))
            ret = -EPERM;
    } else {
        si.si_signo = sig;
        si.si_code = SI_USER;
        si.si_pid = self->pid;
        si.si_uid = self->cred.ruid;
    }
    if (ret == 0) {
        mutex_lock(&proc_lock);
        struct process *p = r->proc;
        if (!p)
            ret = -ESRCH;
        else if (sig < 0 || sig > 64)
            ret = -EINVAL;
        else if (!cred_may_signal(self, p, sig))
            ret = -EPERM;
        else if (sig && !p->zombie)
            ret = signal_send_process_locked(p, sig, &si);
        mutex_unlock(&proc_lock);
    }
    pidref_put(r);
    return ret;
}

/* ---- pidfd_getfd ---- */

long sys_pidfd_getfd(int pidfd, int targetfd, unsigned flags)
{
    if (flags) return -EINVAL;
    struct pidref *r = pidref_of_fd(pidfd, NULL);
    if (!r) return -EBADF;
    struct process *self = current_process();
    struct file *f = NULL;
    long ret = 0;
    mutex_lock(&proc_lock);
    struct process *p = r->proc;
    if (!p)
        ret = -ESRCH;
    else if (!cred_may_ptrace(self, p))
        ret = -EPERM;
    else if (!p->files || targetfd < 0 || !(f = fdtable_get(p->files, targetfd)))
        ret = -EBADF;
    mutex_unlock(&proc_lock);
    pidref_put(r);
    if (ret < 0) return ret;
    int fd = fd_install(self, f, O_CLOEXEC);
    if (fd < 0) file_put(f);
    return fd;
}
