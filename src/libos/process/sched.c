/*
 * sched: scheduling calls. Every LibOS thread is a host thread under the
 * host's normal policy (SCHED_OTHER), which the LibOS does not change:
 * the real-time policies need CAP_SYS_NICE, so they are refused with
 * EPERM as for an unprivileged process. Niceness is recorded per process
 * for get/setpriority and sched_getattr (raising it is allowed, lowering
 * it below what it was is EACCES, as without CAP_SYS_NICE) but does not
 * reach the host scheduler. I/O priorities likewise. personality(2)
 * records the persona (the LibOS has one ABI, so only the value changes).
 */
#include "process/sched.h"

#include "process/process.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <x86intrin.h>

#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_ATTR_SIZE_MAX 4096

struct sched_attr_v1 {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};

/* The process pid names (0: the caller), or NULL. A thread id names its
 * process here: per-thread niceness is not kept. */
static struct process *target(int pid)
{
    if (pid < 0) return NULL;
    if (pid == 0 || pid == current_thread()->tid) return current_process();
    return process_of_tid(pid);
}

static bool policy_valid(int policy)
{
    policy &= ~SCHED_RESET_ON_FORK;
    return policy >= SCHED_OTHER && policy <= 6 && policy != 4; /* 6: SCHED_DEADLINE */
}

static bool policy_rt(int policy)
{
    policy &= ~SCHED_RESET_ON_FORK;
    return policy == SCHED_FIFO || policy == SCHED_RR || policy == 6;
}

long sys_sched_get_priority_max(int policy)
{
    if (!policy_valid(policy) || (policy & SCHED_RESET_ON_FORK)) return -EINVAL;
    return (policy == SCHED_FIFO || policy == SCHED_RR) ? 99 : 0;
}

long sys_sched_get_priority_min(int policy)
{
    if (!policy_valid(policy) || (policy & SCHED_RESET_ON_FORK)) return -EINVAL;
    return (policy == SCHED_FIFO || policy == SCHED_RR) ? 1 : 0;
}

long sys_sched_getscheduler(int pid)
{
    if (pid < 0) return -EINVAL;
    return target(pid) ? SCHED_OTHER : -ESRCH;
}

long sys_sched_getparam(int pid, void *uparam)
{
    if (pid < 0 || !uparam) return -EINVAL;
    if (!target(pid)) return -ESRCH;
    struct sched_param sp = {0};
    return copy_to_user(uparam, &sp, sizeof(sp)) ? -EFAULT : 0;
}

static long set_policy(int pid, int policy, int prio)
{
    if (!target(pid)) return -ESRCH;
    if (!policy_valid(policy)) return -EINVAL;
    if (policy_rt(policy)) {
        if ((policy & ~SCHED_RESET_ON_FORK) != 6 && (prio < 1 || prio > 99)) return -EINVAL;
        return -EPERM; /* RLIMIT_RTPRIO is 0 and there is no CAP_SYS_NICE */
    }
    return prio ? -EINVAL : 0;
}

long sys_sched_setscheduler(int pid, int policy, const void *uparam)
{
    if (pid < 0 || !uparam) return -EINVAL;
    struct sched_param sp;
    if (copy_from_user(&sp, uparam, sizeof(sp))) return -EFAULT;
    return set_policy(pid, policy, sp.sched_priority);
}

long sys_sched_setparam(int pid, const void *uparam)
{
    if (pid < 0 || !uparam) return -EINVAL;
    struct sched_param sp;
    if (copy_from_user(&sp, uparam, sizeof(sp))) return -EFAULT;
    if (!target(pid)) return -ESRCH;
    return sp.sched_priority ? -EINVAL : 0; /* SCHED_OTHER takes priority 0 only */
}

long sys_sched_rr_get_interval(int pid, void *uts)
{
    if (pid < 0) return -EINVAL;
    if (!target(pid)) return -ESRCH;
    struct timespec ts = {0, 100 * 1000 * 1000}; /* RR_TIMESLICE: 100 ms */
    return copy_to_user(uts, &ts, sizeof(ts)) ? -EFAULT : 0;
}

static int nice_of(struct process *p)
{
    return __atomic_load_n(&p->nice, __ATOMIC_RELAXED);
}

/* Linux's nice rules for an unprivileged process: up is fine, down to
 * below RLIMIT_NICE's floor is EACCES (the default limit 0 allows none). */
static long set_nice(struct process *p, int nice)
{
    if (nice < -20) nice = -20;
    if (nice > 19) nice = 19;
    uint64_t lim = current_process()->rlimits[RLIMIT_NICE].cur;
    if (nice < nice_of(p) && 20 - nice > (int64_t)(lim > 40 ? 40 : lim)) return -EACCES;
    __atomic_store_n(&p->nice, nice, __ATOMIC_RELAXED);
    return 0;
}

long sys_sched_setattr(int pid, void *uattr, unsigned flags)
{
    if (!uattr || pid < 0 || flags) return -EINVAL;
    uint32_t size;
    if (copy_from_user(&size, uattr, sizeof(size))) return -EFAULT;
    if (size == 0) size = SCHED_ATTR_SIZE_VER0;
    struct sched_attr_v1 a;
    memset(&a, 0, sizeof(a));
    if (size < SCHED_ATTR_SIZE_VER0 || size > SCHED_ATTR_SIZE_MAX) goto e2big;
    if (copy_from_user(&a, uattr, size < sizeof(a) ? size : sizeof(a))) return -EFAULT;
    for (uint32_t off = sizeof(a); off < size; off++) { /* unknown fields must be zero */
        unsigned char c;
        if (copy_from_user(&c, (char *)uattr + off, 1)) return -EFAULT;
        if (c) goto e2big;
    }
    struct process *p = target(pid);
    if (!p) return -ESRCH;
    if (a.sched_flags & ~0x7fULL) return -EINVAL;
    long r = set_policy(pid, (int)a.sched_policy, (int)a.sched_priority);
    if (r < 0) return r;
    if (a.sched_policy == SCHED_OTHER || a.sched_policy == SCHED_BATCH)
        return set_nice(p, a.sched_nice);
    return 0;
e2big:
    size = sizeof(a);
    if (copy_to_user(uattr, &size, sizeof(size))) return -EFAULT;
    return -E2BIG;
}

long sys_sched_getattr(int pid, void *uattr, unsigned size, unsigned flags)
{
    if (!uattr || pid < 0 || size > SCHED_ATTR_SIZE_MAX || size < SCHED_ATTR_SIZE_VER0 || flags)
        return -EINVAL;
    struct process *p = target(pid);
    if (!p) return -ESRCH;
    struct sched_attr_v1 a;
    memset(&a, 0, sizeof(a));
    a.size = size < sizeof(a) ? size : sizeof(a);
    a.sched_policy = SCHED_OTHER;
    a.sched_nice = nice_of(p);
    a.sched_util_max = 1024; /* SCHED_CAPACITY_SCALE: no clamp */
    return copy_to_user(uattr, &a, a.size) ? -EFAULT : 0;
}

long sys_getpriority(int which, int who)
{
    if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER) return -EINVAL;
    struct process *p = which == PRIO_PROCESS ? target(who) : who == 0 ? current_process() : NULL;
    if (which == PRIO_USER && (unsigned)who == 0)
        p = current_process(); /* every process is uid 0 */
    if (which == PRIO_PGRP && who == current_process()->pgid) p = current_process();
    if (!p) return -ESRCH;
    return 20 - nice_of(p); /* the raw call's 40..1 */
}

long sys_setpriority(int which, int who, int prio)
{
    if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER) return -EINVAL;
    struct process *p = which == PRIO_PROCESS ? target(who) : who == 0 ? current_process() : NULL;
    if (which == PRIO_USER && (unsigned)who == 0) p = current_process();
    if (which == PRIO_PGRP && who == current_process()->pgid) p = current_process();
    if (!p) return -ESRCH;
    return set_nice(p, prio);
}

#define IOPRIO_CLASS(v) ((v) >> 13)
long sys_ioprio_get(int which, int who)
{
    if (which < 1 || which > 3) return -EINVAL;
    if (which == 1 && !target(who)) return -ESRCH;
    return (2 << 13) | 4; /* IOPRIO_CLASS_BE, level 4: what an unset priority reads as */
}

long sys_ioprio_set(int which, int who, int ioprio)
{
    if (which < 1 || which > 3) return -EINVAL;
    int cls = IOPRIO_CLASS(ioprio), data = ioprio & 0x1fff;
    if (cls > 3 || (cls != 0 && data >= 8)) return -EINVAL;
    if (cls == 1) return -EPERM; /* IOPRIO_CLASS_RT needs CAP_SYS_NICE/ADMIN */
    if (which == 1 && !target(who)) return -ESRCH;
    return 0;
}

/* The CPU and node the thread runs on, from TSC_AUX as Linux's vDSO
 * reads them (Linux sets it to node << 12 | cpu on every CPU). */
long sys_getcpu(unsigned *ucpu, unsigned *unode, void *cache)
{
    unsigned aux;
    __rdtscp(&aux);
    unsigned cpu = aux & 0xfff, node = aux >> 12;
    if (ucpu && copy_to_user(ucpu, &cpu, sizeof(cpu))) return -EFAULT;
    if (unode && copy_to_user(unode, &node, sizeof(node))) return -EFAULT;
    return 0;
}

long sys_personality(unsigned long persona)
{
    struct process *p = current_process();
    unsigned old = __atomic_load_n(&p->personality, __ATOMIC_RELAXED);
    if (persona != 0xffffffffUL)
        __atomic_store_n(&p->personality, (unsigned)persona, __ATOMIC_RELAXED);
    return old;
}
