/*
 * sys_signal: the application's signal dispositions and masks.
 *
 * They are virtual: recorded per process and thread, never passed to the
 * host, whose signals belong to the LibOS. Delivery is the signal issue's
 * work; until then handlers are recorded and reported back faithfully.
 */
#include "syscall/list_core.h"

#include "pal/pal.h"
#include "process/process.h"
#include "process/waitq.h"
#include "signal/signal.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

#define UNBLOCKABLE SIG_UNBLOCKABLE

long sys_rt_sigaction(int sig, const void *act, void *oact, size_t sigsetsize)
{
    if (sigsetsize != 8) return -EINVAL;
    if (sig < 1 || sig > 64) return -EINVAL;
    struct process *p = current_process();
    struct k_sigaction na;
    if (act && copy_from_user(&na, act, sizeof(na))) return -EFAULT;
    if (act && (sig == SIGKILL || sig == SIGSTOP)) return -EINVAL;
    mutex_lock(&p->sig_lock);
    struct k_sigaction old;
    memcpy(&old, &p->sigactions[sig], sizeof(old));
    if (act) {
        na.mask &= ~UNBLOCKABLE;
        memcpy(&p->sigactions[sig], &na, sizeof(na));
        /* Setting SIG_IGN discards what is pending (POSIX). */
        if (na.handler == (uint64_t)SIG_IGN) {
            sigpending_discard(&p->shared, sig);
            for (struct thread *t = p->threads; t; t = t->next_in_proc)
                sigpending_discard(&t->pending, sig);
        }
    }
    mutex_unlock(&p->sig_lock);
    if (oact && copy_to_user(oact, &old, sizeof(old))) return -EFAULT;
    return 0;
}

long sys_rt_sigprocmask(int how, const void *set, void *oset, size_t sigsetsize)
{
    if (sigsetsize != 8) return -EINVAL;
    struct thread *t = current_thread();
    uint64_t ns = 0, old = t->sigmask;
    if (set) {
        if (copy_from_user(&ns, set, 8)) return -EFAULT;
        switch (how) {
        case SIG_BLOCK:
            ns = old | ns;
            break;
        case SIG_UNBLOCK:
            ns = old & ~ns;
            break;
        case SIG_SETMASK:
            break;
        default:
            return -EINVAL;
        }
    }
    if (oset && copy_to_user(oset, &old, 8)) return -EFAULT;
    if (set) t->sigmask = ns & ~UNBLOCKABLE;
    return 0;
}

long sys_sigaltstack(const void *ss, void *oss)
{
    struct thread *t = current_thread();
    uint64_t sp = (uint64_t)((ucontext_t *)t->uc)->uc_mcontext.gregs[REG_RSP];
    bool on = t->user_altstack.size && sp > t->user_altstack.sp &&
              sp <= t->user_altstack.sp + t->user_altstack.size;
    stack_t cur = {.ss_sp = (void *)t->user_altstack.sp,
                   .ss_size = t->user_altstack.size,
                   .ss_flags = !t->user_altstack.size ? SS_DISABLE
                               : on                   ? SS_ONSTACK
                                                      : 0};
    stack_t n;
    if (ss && copy_from_user(&n, ss, sizeof(n))) return -EFAULT;
    if (oss && copy_to_user(oss, &cur, sizeof(cur))) return -EFAULT;
    if (ss) {
        if (on) return -EPERM;
        if (n.ss_flags & ~(SS_DISABLE | SS_AUTODISARM | SS_ONSTACK)) return -EINVAL;
        if (n.ss_flags & SS_DISABLE) {
            t->user_altstack.sp = 0;
            t->user_altstack.size = 0;
        } else {
            /* Linux's rule: its MINSIGSTKSZ constant (not the libc's, which
             * is sysconf's on glibc >= 2.34), or a whole frame once the
             * process may use AMX state. */
            size_t min =
                t->proc->xcomp_perm ? signal_frame_size(pal_xsave_size()) : LINUX_MINSIGSTKSZ;
            if (n.ss_size < min) return -ENOMEM;
            t->user_altstack.sp = (uint64_t)n.ss_sp;
            t->user_altstack.size = n.ss_size;
        }
    }
    return 0;
}

/* kill(2): pid > 0 one process, 0 the caller's group, -1 every process
 * but init and the caller, < -1 the group -pid. */
#define KILL_MAX_TARGETS 1024
struct kill_scan {
    int pid, self_pid, self_pgid;
    size_t n;
    int pids[KILL_MAX_TARGETS];
};

static int kill_collect(struct process *p, void *arg)
{
    struct kill_scan *k = arg;
    if (p->pid < 0) return 0;
    bool match;
    if (k->pid > 0)
        match = p->pid == k->pid;
    else if (k->pid == 0)
        match = p->pgid == k->self_pgid && !p->zombie;
    else if (k->pid == -1)
        match = p->pid != 1 && p->pid != k->self_pid && !p->zombie;
    else
        match = p->pgid == -k->pid && !p->zombie;
    if (match && k->n < KILL_MAX_TARGETS) k->pids[k->n++] = p->pid;
    return 0;
}

long sys_kill(int pid, int sig)
{
    if (sig < 0 || sig > 64) return -EINVAL;
    if (pid == INT32_MIN) return -ESRCH;
    struct process *self = current_process();
    struct kill_scan *k = kmalloc(sizeof(*k));
    if (!k) return -ENOMEM;
    k->pid = pid;
    k->self_pid = self->pid;
    k->self_pgid = self->pgid;
    k->n = 0;
    process_for_each(kill_collect, k);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = SI_USER;
    si.si_pid = self->pid;
    si.si_uid = self->cred.ruid;
    long r = k->n ? 0 : -ESRCH;
    size_t sent = 0;
    for (size_t i = 0; i < k->n; i++) {
        struct process *p = process_find(k->pids[i]);
        if (!p || !cred_may_signal(self, p, sig)) continue;
        sent++;
        if (!p->zombie) signal_send_process(p, sig, &si);
    }
    /* EPERM when none could be signalled (kill(-1, sig) ignores them, as Linux) */
    if (k->n && !sent && pid != -1) r = -EPERM;
    kfree(k);
    return r;
}

static long send_to_tid(int tgid, int tid, int sig)
{
    if (sig < 0 || sig > 64 || tid <= 0 || (tgid != -1 && tgid <= 0)) return -EINVAL;
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = SI_TKILL;
    si.si_pid = current_process()->pid;
    si.si_uid = current_process()->cred.ruid;
    struct process *p = process_of_tid(tid);
    if (p && (tgid == -1 || p->pid == tgid) && !cred_may_signal(current_process(), p, sig))
        return -EPERM;
    return thread_signal_tid(tgid, tid, sig, &si);
}

long sys_tkill(int tid, int sig)
{
    return send_to_tid(-1, tid, sig);
}

long sys_tgkill(int tgid, int tid, int sig)
{
    return send_to_tid(tgid, tid, sig);
}

long sys_rt_sigqueueinfo(int pid, int sig, siginfo_t *uinfo)
{
    siginfo_t si;
    if (copy_from_user(&si, uinfo, sizeof(si))) return -EFAULT;
    if (sig < 0 || sig > 64) return -EINVAL;
    struct process *p = process_find(pid);
    if (!p) return -ESRCH;
    /* only to itself may a process claim a kernel or kill() origin */
    if ((si.si_code >= 0 || si.si_code == SI_TKILL) && p != current_process()) return -EPERM;
    if (!cred_may_signal(current_process(), p, sig)) return -EPERM;
    si.si_signo = sig;
    return sig ? signal_send_process(p, sig, &si) : 0;
}

long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, siginfo_t *uinfo)
{
    siginfo_t si;
    if (copy_from_user(&si, uinfo, sizeof(si))) return -EFAULT;
    if (sig < 0 || sig > 64) return -EINVAL;
    if (si.si_code >= 0 || si.si_code == SI_TKILL) return -EPERM;
    si.si_signo = sig;
    return thread_signal_tid(tgid, tid, sig, &si);
}

long sys_rt_sigpending(void *uset, size_t sigsetsize)
{
    if (sigsetsize > 8) return -EINVAL;
    struct thread *t = current_thread();
    uint64_t pend = (t->pending.set | t->proc->shared.set) & t->sigmask;
    return copy_to_user(uset, &pend, sigsetsize);
}

long sys_rt_sigsuspend(const void *umask, size_t sigsetsize)
{
    if (sigsetsize != 8) return -EINVAL;
    uint64_t mask;
    if (copy_from_user(&mask, umask, 8)) return -EFAULT;
    struct thread *t = current_thread();
    t->saved_sigmask = t->sigmask;
    t->has_saved_sigmask = true;
    t->sigmask = mask & ~UNBLOCKABLE;
    for (;;) {
        __atomic_store_n(&t->wake, 0, __ATOMIC_RELAXED);
        if (thread_sleep(NULL) == -EINTR) return -EINTR;
    }
}

long sys_pause(void)
{
    struct thread *t = current_thread();
    for (;;) {
        __atomic_store_n(&t->wake, 0, __ATOMIC_RELAXED);
        if (thread_sleep(NULL) == -EINTR) return -EINTR;
    }
}

long sys_rt_sigtimedwait(const void *uset, siginfo_t *uinfo, const struct timespec *utimeout,
                         size_t sigsetsize)
{
    if (sigsetsize != 8) return -EINVAL;
    uint64_t set;
    if (copy_from_user(&set, uset, 8)) return -EFAULT;
    set &= ~UNBLOCKABLE;
    struct timespec deadline, *dl = NULL;
    if (utimeout) {
        struct timespec to;
        if (copy_from_user(&to, utimeout, sizeof(to))) return -EFAULT;
        if (to.tv_sec < 0 || to.tv_nsec < 0 || to.tv_nsec >= 1000000000L) return -EINVAL;
        pal_clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += to.tv_sec;
        deadline.tv_nsec += to.tv_nsec;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        dl = &deadline;
    }
    struct thread *t = current_thread();
    struct process *p = t->proc;
    /* Like Linux, unblock the awaited signals meanwhile so that a signal
     * sent to the process picks this thread. */
    uint64_t saved = t->sigmask;
    long ret;
    t->real_blocked = saved;
    t->in_sigwait = true;
    t->sigmask &= ~set;
    for (;;) {
        mutex_lock(&p->sig_lock);
        uint64_t mine = t->pending.set & set, shared = p->shared.set & set;
        int sig = mine ? __builtin_ctzll(mine) + 1 : shared ? __builtin_ctzll(shared) + 1 : 0;
        siginfo_t si;
        if (sig) sigpending_take(mine ? &t->pending : &p->shared, sig, &si);
        __atomic_store_n(&t->wake, 0, __ATOMIC_RELAXED);
        mutex_unlock(&p->sig_lock);
        if (sig) {
            ret = (uinfo && copy_to_user(uinfo, &si, sizeof(si))) ? -EFAULT : sig;
            break;
        }
        int r = thread_sleep(dl);
        if (r == -ETIMEDOUT) {
            ret = -EAGAIN;
            break;
        }
        if (r == -EINTR) {
            uint64_t other = (t->pending.set | p->shared.set) & ~t->sigmask & ~set;
            if (other || t->must_exit) {
                ret = -EINTR;
                break;
            }
        }
    }
    t->sigmask = saved;
    t->in_sigwait = false;
    t->real_blocked = 0;
    return ret;
}
