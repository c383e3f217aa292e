/*
 * sys_signal: the application's signal dispositions and masks.
 *
 * They are virtual: recorded per process and thread, never passed to the
 * host, whose signals belong to the LibOS. Delivery is the signal issue's
 * work; until then handlers are recorded and reported back faithfully.
 */
#include "syscall/list_core.h"

#include "process/process.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

#define UNBLOCKABLE ((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)))

long sys_rt_sigaction(int sig, const void *act, void *oact, size_t sigsetsize)
{
    if (sigsetsize != 8) return -EINVAL;
    if (sig < 1 || sig > 64) return -EINVAL;
    struct process *p = current_process();
    struct k_sigaction na;
    if (act && copy_from_user(&na, act, sizeof(na))) return -EFAULT;
    if (act && (sig == SIGKILL || sig == SIGSTOP)) return -EINVAL;
    if (oact && copy_to_user(oact, &p->sigactions[sig], sizeof(na))) return -EFAULT;
    if (act) {
        na.mask &= ~UNBLOCKABLE;
        memcpy(&p->sigactions[sig], &na, sizeof(na));
    }
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
    stack_t cur = {.ss_sp = (void *)t->user_altstack.sp,
                   .ss_size = t->user_altstack.size,
                   .ss_flags = t->user_altstack.size ? 0 : SS_DISABLE};
    stack_t n;
    if (ss && copy_from_user(&n, ss, sizeof(n))) return -EFAULT;
    if (oss && copy_to_user(oss, &cur, sizeof(cur))) return -EFAULT;
    if (ss) {
        if (n.ss_flags & ~(SS_DISABLE | SS_AUTODISARM)) return -EINVAL;
        if (n.ss_flags & SS_DISABLE) {
            t->user_altstack.sp = 0;
            t->user_altstack.size = 0;
        } else {
            if (n.ss_size < (size_t)MINSIGSTKSZ) return -ENOMEM;
            t->user_altstack.sp = (uint64_t)n.ss_sp;
            t->user_altstack.size = n.ss_size;
        }
    }
    return 0;
}
