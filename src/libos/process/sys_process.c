/*
 * sys_process: identity, exit, per-thread registrations (tid address,
 * rseq, TLS), resource limits and scheduling calls.
 *
 * Inside the enclave every process runs as root (uid 0), as in Occlum.
 */
#include "process/process.h"
#include "process/caps.h"
#include "syscall/list_core.h"

#include "pal/pal.h"
#include "signal/signal.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#include <asm/prctl.h>
#include <linux/futex.h>
#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>

static struct process *process_or_self(int pid)
{
    return pid == 0 ? current_process() : process_find(pid);
}

long sys_getpgid(int pid)
{
    struct process *p = process_or_self(pid);
    return p ? p->pgid : -ESRCH;
}

long sys_getsid(int pid)
{
    struct process *p = process_or_self(pid);
    return p ? p->sid : -ESRCH;
}

long sys_setpgid(int pid, int pgid)
{
    if (pgid < 0 || pid < 0) return -EINVAL;
    struct process *p = process_or_self(pid);
    if (!p) return -ESRCH;
    struct process *self = current_process();
    if (p != self && p->ppid != self->pid) return -ESRCH;
    if (p != self && p->did_exec) return -EACCES;
    if (p->sid == p->pid) return -EPERM; /* a session leader */
    p->pgid = pgid ? pgid : p->pid;
    return 0;
}

long sys_setsid(void)
{
    struct process *p = current_process();
    if (p->pgid == p->pid) return -EPERM; /* already a group leader */
    p->sid = p->pgid = p->pid;
    return p->sid;
}

long vfork_child_exit(int status);

long sys_exit(int status)
{
    struct thread *t = current_thread();
    if (t->vfork) return vfork_child_exit((status & 0xff) << 8);
    struct process *p = t->proc;
    mutex_lock(&proc_lock);
    if (p->nthreads == 1 && !p->lent &&
        !p->exiting) { /* the last thread: its status is the process's */
        p->exiting = true;
        p->exit_status = (status & 0xff) << 8;
    }
    mutex_unlock(&proc_lock);
    thread_exit_current();
}

long sys_exit_group(int status)
{
    return process_exit_current((status & 0xff) << 8);
}

long sys_set_tid_address(int *tidptr)
{
    struct thread *t = current_thread();
    t->clear_child_tid = (uint64_t)tidptr;
    return t->tid;
}

long sys_rseq(void *rseq, uint32_t len, int flags, uint32_t sig)
{
    /* Restartable sequences would need the LibOS to abort them on
     * preemption; every libc treats ENOSYS as "not available". */
    return -ENOSYS;
}

#ifndef ARCH_GET_XCOMP_SUPP
#define ARCH_GET_XCOMP_SUPP 0x1021
#define ARCH_GET_XCOMP_PERM 0x1022
#define ARCH_REQ_XCOMP_PERM 0x1023
#endif
#ifndef ARCH_GET_XCOMP_GUEST_PERM
#define ARCH_GET_XCOMP_GUEST_PERM 0x1024
#define ARCH_REQ_XCOMP_GUEST_PERM 0x1025
#endif
#define XFEATURE_MASK_USER_DYNAMIC (1ULL << 18) /* AMX tile data */

/*
 * Dynamically enabled XSAVE state (AMX), as Linux's fpu_xstate_prctl: the
 * host decides what exists and grants it to the host process (its errors,
 * EINVAL and EOPNOTSUPP, are Linux's own); the LibOS keeps the grant per
 * process and checks the process's own sigaltstacks, which the host
 * cannot see. Once granted, the fast path saves tile data for every
 * process of the instance: the host's XFD no longer faults on AMX use in
 * any of them, a difference from Linux that only a program relying on
 * that fault could see.
 */
static long xcomp_prctl(struct thread *t, int code, unsigned long addr)
{
    struct process *p = t->proc;
    uint64_t supported;
    int r = pal_xcomp_supported(&supported);
    if (r < 0) return r;
    uint64_t permitted = supported & ~XFEATURE_MASK_USER_DYNAMIC;
    switch (code) {
    case ARCH_GET_XCOMP_SUPP:
        return copy_to_user((void *)addr, &supported, 8);
    case ARCH_GET_XCOMP_PERM:
        permitted |= p->xcomp_perm;
        return copy_to_user((void *)addr, &permitted, 8);
    case ARCH_GET_XCOMP_GUEST_PERM:
        permitted |= p->xcomp_guest_perm;
        return copy_to_user((void *)addr, &permitted, 8);
    default:
        break;
    }
    bool guest = code == ARCH_REQ_XCOMP_GUEST_PERM;
    r = pal_xcomp_request(addr, guest);
    if (r < 0) return r;
    uint64_t bit = 1ULL << addr; /* the host accepted addr: a valid feature */
    if (guest) {
        p->xcomp_guest_perm |= bit;
        return 0;
    }
    if (p->xcomp_perm & bit) return 0;
    size_t frame = signal_frame_size(pal_xsave_size());
    mutex_lock(&proc_lock);
    for (struct thread *u = p->threads; u; u = u->next_in_proc) {
        if (u->user_altstack.size && u->user_altstack.size < frame) r = -ENOSPC;
    }
    if (!r) p->xcomp_perm |= bit;
    mutex_unlock(&proc_lock);
    return r;
}

long sys_arch_prctl(int code, unsigned long addr)
{
    struct thread *t = current_thread();
    switch (code) {
    case ARCH_SET_FS:
        if (addr >= (1UL << 47)) return -EPERM;
        t->frame->fsbase = addr;
        return 0;
    case ARCH_GET_FS:
        return copy_to_user((void *)addr, &t->frame->fsbase, 8);
    case ARCH_SET_GS:
        /* %gs base is the LibOS's per-thread pointer */
        log_warn("%s: arch_prctl(ARCH_SET_GS) is not supported inside the LibOS",
                 t->proc->exe_path);
        return -EPERM;
    case ARCH_GET_GS: {
        uint64_t zero = 0;
        return copy_to_user((void *)addr, &zero, 8);
    }
    case ARCH_GET_XCOMP_SUPP:
    case ARCH_GET_XCOMP_PERM:
    case ARCH_GET_XCOMP_GUEST_PERM:
    case ARCH_REQ_XCOMP_PERM:
    case ARCH_REQ_XCOMP_GUEST_PERM:
        return xcomp_prctl(t, code, addr);
    default:
        return -EINVAL; /* includes the CET queries glibc makes */
    }
}

long sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)
{
    struct process *p = current_process();
    switch (option) {
    case PR_SET_NAME: {
        char name[16];
        long n = strncpy_from_user(name, (const char *)a2, sizeof(name));
        if (n == -EFAULT) return -EFAULT;
        if (n < 0) { /* longer names are truncated, as Linux does */
            if (copy_from_user(name, (const void *)a2, sizeof(name) - 1)) return -EFAULT;
            name[sizeof(name) - 1] = '\0';
        }
        memcpy(p->comm, name, sizeof(name));
        return 0;
    }
    case PR_GET_NAME:
        return copy_to_user((void *)a2, p->comm, sizeof(p->comm));
    case PR_GET_DUMPABLE:
        return p->dumpable;
    case PR_SET_DUMPABLE:
        if (a2 > 1) return -EINVAL; /* 2 (suid_dumpable's "root only") is not settable */
        p->dumpable = (int)a2;
        return 0;
    case PR_GET_NO_NEW_PRIVS:
        return 1;
    case PR_SET_NO_NEW_PRIVS:
        return a2 == 1 ? 0 : -EINVAL;
    default:
        return caps_prctl(option, a2, a3, a4, a5);
    }
}

long sys_prlimit64(int pid, int resource, const void *new_lim, void *old_lim)
{
    struct process *p = process_or_self(pid);
    if (!p) return -ESRCH;
    if (resource < 0 || resource >= 16) return -EINVAL;
    struct rlimit nl;
    if (new_lim && copy_from_user(&nl, new_lim, sizeof(nl))) return -EFAULT;
    if (new_lim && nl.rlim_cur > nl.rlim_max) return -EINVAL;
    if (old_lim) {
        struct rlimit ol = {p->rlimits[resource].cur, p->rlimits[resource].max};
        if (copy_to_user(old_lim, &ol, sizeof(ol))) return -EFAULT;
    }
    if (new_lim) {
        if (nl.rlim_max > p->rlimits[resource].max) return -EPERM;
        p->rlimits[resource].cur = nl.rlim_cur;
        p->rlimits[resource].max = nl.rlim_max;
    }
    return 0;
}

long sys_getrlimit(int resource, void *lim)
{
    if (!lim) return -EFAULT;
    return sys_prlimit64(0, resource, NULL, lim);
}

long sys_setrlimit(int resource, const void *lim)
{
    if (!lim) return -EFAULT;
    return sys_prlimit64(0, resource, lim, NULL);
}

static void ns_to_timeval(uint64_t ns, struct timeval *tv)
{
    tv->tv_sec = (time_t)(ns / 1000000000ULL);
    tv->tv_usec = (suseconds_t)(ns % 1000000000ULL / 1000);
}

/* CPU times are the host's per-thread clocks, all counted as user time
 * (the host does not split them for another thread); memory and I/O
 * counters are not tracked and read 0. */
long sys_getrusage(int who, void *usage)
{
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return -EINVAL;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    struct process *p = current_process();
    uint64_t ns = 0;
    if (who == RUSAGE_SELF) {
        ns = process_cpu_ns(p);
    } else if (who == RUSAGE_CHILDREN) {
        ns = __atomic_load_n(&p->cpu_ns_children, __ATOMIC_RELAXED);
    } else {
        struct timespec ts;
        pal_clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    }
    ns_to_timeval(ns, &ru.ru_utime);
    /* ru_maxrss: the peak of memory mapped (the LibOS cannot see which
     * pages the host made resident), in KiB */
    if (who == RUSAGE_CHILDREN)
        ru.ru_maxrss = (long)(p->children_peak / 1024);
    else
        ru.ru_maxrss = (long)((p->vm ? p->vm->peak : p->peak_mapped) / 1024);
    return copy_to_user(usage, &ru, sizeof(ru));
}

long sys_times(struct tms *ubuf)
{
    struct process *p = current_process();
    const uint64_t tick = 1000000000ULL / 100; /* USER_HZ */
    if (ubuf) {
        struct tms t = {
            .tms_utime = (clock_t)(process_cpu_ns(p) / tick),
            .tms_stime = 0,
            .tms_cutime = (clock_t)(__atomic_load_n(&p->cpu_ns_children, __ATOMIC_RELAXED) / tick),
            .tms_cstime = 0,
        };
        if (copy_to_user(ubuf, &t, sizeof(t))) return -EFAULT;
    }
    struct timespec now;
    pal_clock_gettime(CLOCK_BOOTTIME, &now);
    return (long)(((uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec) / tick);
}

long sys_sched_getaffinity(int pid, size_t len, void *mask)
{
    /* pid is a thread id (Java's pthread_getattr_np asks for its threads') */
    if (pid < 0 || (pid != 0 && !process_of_tid(pid))) return -ESRCH;
    if (len < 8 || (len & 7)) return -EINVAL;
    char buf[128];
    size_t n = len < sizeof(buf) ? len : sizeof(buf);
    memset(buf, 0, sizeof(buf));
    long r = pal_sched_getaffinity(n, buf);
    if (r < 0) return r;
    if (copy_to_user(mask, buf, (size_t)r)) return -EFAULT;
    return r;
}

long sys_sched_setaffinity(int pid, size_t len, const void *mask)
{
    /* Each application thread is a host thread: its affinity is the host's. */
    if (pid != 0 && pid != current_thread()->tid) {
        log_warn("sched_setaffinity of another thread (%d) is not supported", pid);
        return thread_signal_tid(-1, pid, 0, NULL) == 0 ? -EPERM : -ESRCH;
    }
    char buf[128];
    if (len > sizeof(buf)) len = sizeof(buf);
    if (copy_from_user(buf, mask, len)) return -EFAULT;
    return pal_sched_setaffinity(len, buf);
}

long sys_sched_yield(void)
{
    return pal_sched_yield();
}

/*
 * The host kernel does the futex work on the application's words, so
 * every pointer it will touch must be the application's: the host would
 * read and write the LibOS's own memory as readily (FUTEX_WAKE_OP writes
 * *uaddr2, the waits read the timeout). The fourth argument is a timeout pointer only for the
 * waits; for the others it is a number (val2).
 *
 * The priority-inheritance operations are refused as a kernel without
 * them refuses them (ENOSYS; libcs then report PTHREAD_PRIO_INHERIT as
 * unsupported): their words hold thread ids, which the host would read as
 * its own, and FUTEX_LOCK_PI sleeps where no signal can end it, so a
 * process exiting would wait for it forever (found by
 * tests/fuzz/syscall_fuzz).
 */
long sys_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout,
               uint32_t *uaddr2, uint32_t val3)
{
    int cmd = op & FUTEX_CMD_MASK;
    bool reads = false, writes2 = false, timed = false;
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
        reads = timed = true;
        break;
    case FUTEX_CMP_REQUEUE:
        reads = true;
        break;
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
    case FUTEX_REQUEUE:
        break; /* the addresses are only keys: Linux reads no word */
    case FUTEX_WAKE_OP:
        writes2 = true;
        break;
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_UNLOCK_PI:
    case FUTEX_TRYLOCK_PI:
    case FUTEX_WAIT_REQUEUE_PI:
    case FUTEX_CMP_REQUEUE_PI:
        return -ENOSYS;
    default:
        return -ENOSYS; /* as Linux for an unknown command (FUTEX_FD is gone) */
    }
    if (reads && !user_ok(uaddr, 4, false)) return -EFAULT;
    if (writes2 && !user_ok(uaddr2, 4, true)) return -EFAULT;
    if (timed && timeout && !user_ok(timeout, sizeof(*timeout), false)) return -EFAULT;
    if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) /* a kill must end the wait */
        return thread_futex_wait(uaddr, op, val, timeout, uaddr2, val3);
    return pal_futex(uaddr, op, val, timeout, uaddr2, val3);
}

long sys_membarrier(int cmd, unsigned flags, int cpu_id)
{
    /* Every application thread is a host thread of this one process, so
     * the host's barrier over this process is exactly the right one. */
    return pal_membarrier(cmd, flags);
}
