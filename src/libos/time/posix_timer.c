/*
 * posix_timer: timer_create(2), timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete: POSIX per-process timers.
 *
 * A timer is a ktimer (time/ktimer.c) at its next expiry on the monotonic
 * clock. CLOCK_REALTIME deadlines are taken to the monotonic clock when
 * armed (the LibOS never sets the realtime clock, so the two differ by a
 * constant); CLOCK_PROCESS_CPUTIME_ID timers look at the process's CPU
 * time at each 4 ms tick, as the itimers' CPU-time timers do.
 *
 * Notification as Linux's: SIGEV_SIGNAL to the process, SIGEV_THREAD_ID to
 * one of its threads (libc's SIGEV_THREAD is built on it), SIGEV_NONE; a
 * timer has at most one signal pending: an expiry while it is still
 * pending, or a period missed, counts an overrun (si_overrun,
 * timer_getoverrun). Timers are the process's: a fork's child has none,
 * exec and exit delete them.
 *
 * Locks: ptimer_lock (the lists and timers), then proc_lock, then a
 * process's sig_lock, under which are a timer's overrun counts (with the
 * pending signal they describe). A timer fires on the ktimer thread, which
 * delete waits for without ptimer_lock held.
 */
#include "syscall/list_core.h"
#include "time/posix_timer.h"

#include "process/process.h"
#include "signal/signal.h"
#include "signal/sigpending.h"
#include "time/ktimer.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "util/log.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#define PTIMER_MAX 1024 /* per process; Linux's bound is RLIMIT_SIGPENDING */
#define CPU_TICK_NS 4000000ULL
#define NS 1000000000ULL

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

/* The kernel's struct sigevent (64 bytes on x86-64). */
struct k_sigevent {
    uint64_t value;
    int32_t signo;
    int32_t notify;
    int32_t tid;
    int32_t pad[11];
};

struct ptimer {
    int id;
    clockid_t clock;
    int notify, signo, tid; /* tid: SIGEV_THREAD_ID's thread */
    uint64_t value;         /* sigev_value */
    struct process *proc;
    uint64_t at;          /* next expiry: monotonic ns, or process CPU ns; 0 disarmed */
    uint64_t interval_ns; /* 0: one-shot */
    int overrun_pending;  /* of the signal now pending (sig_lock) */
    int overrun_last;     /* of the last one delivered (sig_lock) */
    bool deleted;
    struct ktimer kt;
    struct ptimer *next;
};

static struct mutex ptimer_lock = MUTEX_INIT;

static bool cpu_clock(clockid_t c)
{
    return c == CLOCK_PROCESS_CPUTIME_ID;
}

static uint64_t clock_now(const struct ptimer *t)
{
    return cpu_clock(t->clock) ? process_cpu_ns(t->proc) : ktimer_now();
}

static int saturating_add(int a, uint64_t b)
{
    return b >= (uint64_t)(INT_MAX - a) ? INT_MAX : a + (int)b;
}

static void fire(void *arg);

/* Under ptimer_lock, t armed: the ktimer for its next expiry (or the next
 * tick). */
static void arm(struct ptimer *t)
{
    uint64_t when = cpu_clock(t->clock) ? ktimer_now() + CPU_TICK_NS : t->at;
    if (ktimer_arm(&t->kt, when, fire, t) < 0) log_error("timer %d cannot be armed", t->id);
}

/* The thread a SIGEV_THREAD_ID timer signals, under proc_lock. */
static struct thread *thread_of(struct process *p, int tid)
{
    for (struct thread *t = p->threads; t; t = t->next_in_proc)
        if (t->tid == tid) return t;
    return NULL;
}

static void notify(struct ptimer *t, int missed)
{
    mutex_lock(&proc_lock);
    struct process *p = t->proc; /* its exit deletes t first, waiting for this call */
    if (p->zombie || p->exiting) {
        mutex_unlock(&proc_lock);
        return;
    }
    struct thread *target =
        t->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) ? thread_of(p, t->tid) : NULL;
    if (t->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) && !target) { /* that thread is gone */
        mutex_unlock(&proc_lock);
        return;
    }
    mutex_lock(&p->sig_lock);
    siginfo_t *queued =
        sigpending_find_timer(target ? &target->pending : &p->shared, t->signo, t->id);
    if (queued) { /* still pending: one more overrun */
        t->overrun_pending = saturating_add(t->overrun_pending, (uint64_t)missed + 1);
        queued->si_overrun = t->overrun_pending;
        mutex_unlock(&p->sig_lock);
        mutex_unlock(&proc_lock);
        return;
    }
    t->overrun_last = t->overrun_pending;
    t->overrun_pending = missed;
    mutex_unlock(&p->sig_lock);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = t->signo;
    si.si_code = SI_TIMER;
    si.si_timerid = t->id;
    si.si_overrun = missed;
    si.si_value.sival_ptr = (void *)t->value;
    if (target)
        signal_send_thread_locked(target, t->signo, &si);
    else
        signal_send_process_locked(p, t->signo, &si);
    mutex_unlock(&proc_lock);
}

/* On the ktimer thread. delete waits for it (ktimer_cancel_sync), so t
 * stays valid throughout. */
static void fire(void *arg)
{
    struct ptimer *t = arg;
    mutex_lock(&ptimer_lock);
    if (t->deleted || !t->at) {
        mutex_unlock(&ptimer_lock);
        return;
    }
    uint64_t now = clock_now(t);
    if (now < t->at) { /* a CPU-time timer's tick before its time */
        arm(t);
        mutex_unlock(&ptimer_lock);
        return;
    }
    uint64_t missed = 0;
    if (t->interval_ns) { /* periods that passed unseen are overruns, as Linux's hrtimer_forward */
        missed = (now - t->at) / t->interval_ns;
        t->at += (missed + 1) * t->interval_ns;
    } else {
        t->at = 0;
    }
    bool signals = t->notify != SIGEV_NONE;
    if (t->at) arm(t);
    mutex_unlock(&ptimer_lock);
    if (signals) notify(t, missed > INT_MAX ? INT_MAX : (int)missed);
}

/* Under ptimer_lock. */
static struct ptimer *find(struct process *p, long id)
{
    for (struct ptimer *t = p->ptimers; t; t = t->next)
        if (t->id == id) return t;
    return NULL;
}

static long check_clock(clockid_t clock)
{
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
    case CLOCK_TAI:
    case CLOCK_PROCESS_CPUTIME_ID:
        return 0;
    case CLOCK_REALTIME_ALARM:
    case CLOCK_BOOTTIME_ALARM: /* no suspend inside: they behave as their plain clocks */
        return 0;
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
        return -ENOTSUP; /* as Linux: no timers on these */
    case CLOCK_THREAD_CPUTIME_ID:
        log_warn("timer_create on a thread's CPU-time clock is not supported: returning ENOTSUP");
        return -ENOTSUP;
    default:
        if (clock < 0) {
            log_warn("timer_create on another process's or thread's CPU-time clock (%d) is not "
                     "supported: returning ENOTSUP",
                     (int)clock);
            return -ENOTSUP;
        }
        return -EINVAL;
    }
}

long sys_timer_create(clockid_t clock, const void *usev, int *uid)
{
    long r = check_clock(clock);
    if (r < 0) return r;
    struct process *p = current_process();
    struct k_sigevent ev = {.signo = SIGALRM, .notify = SIGEV_SIGNAL};
    bool given = usev != NULL;
    if (given && copy_from_user(&ev, usev, sizeof(ev))) return -EFAULT;
    switch (ev.notify) {
    case SIGEV_SIGNAL | SIGEV_THREAD_ID: {
        mutex_lock(&proc_lock);
        bool mine = thread_of(p, ev.tid) != NULL;
        mutex_unlock(&proc_lock);
        if (!mine) return -EINVAL;
    } /* fall through */
    case SIGEV_SIGNAL:
    case SIGEV_THREAD:
        if (ev.signo <= 0 || ev.signo > 64) return -EINVAL;
        break;
    case SIGEV_NONE:
        break;
    default:
        return -EINVAL;
    }
    struct ptimer *t = kcalloc(1, sizeof(*t));
    if (!t) return -EAGAIN;
    t->clock = clock;
    t->notify = ev.notify == SIGEV_THREAD ? SIGEV_SIGNAL : ev.notify;
    t->signo = ev.signo;
    t->tid = ev.tid;
    t->proc = p;
    mutex_lock(&ptimer_lock);
    int n = 0, id = 0;
    for (struct ptimer *o = p->ptimers; o; o = o->next)
        n++;
    while (n < PTIMER_MAX && find(p, id))
        id++;
    if (n >= PTIMER_MAX) {
        mutex_unlock(&ptimer_lock);
        kfree(t);
        return -EAGAIN;
    }
    t->id = id;
    t->value = given ? ev.value : (uint64_t)id; /* NULL: sival_int is the timer's id */
    if (copy_to_user(uid, &id, sizeof(id))) {
        mutex_unlock(&ptimer_lock);
        kfree(t);
        return -EFAULT;
    }
    t->next = p->ptimers;
    p->ptimers = t;
    mutex_unlock(&ptimer_lock);
    return 0;
}

static bool valid_ts(const struct timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (long)NS;
}

static uint64_t ts_ns(const struct timespec *ts)
{
    if ((uint64_t)ts->tv_sec >= UINT64_MAX / NS / 2) return UINT64_MAX / 2; /* far enough */
    return (uint64_t)ts->tv_sec * NS + (uint64_t)ts->tv_nsec;
}

static void ns_ts(uint64_t ns, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ns / NS);
    ts->tv_nsec = (long)(ns % NS);
}

/* Under ptimer_lock. */
static void current(const struct ptimer *t, struct itimerspec *out)
{
    memset(out, 0, sizeof(*out));
    ns_ts(t->interval_ns, &out->it_interval);
    if (!t->at) return;
    uint64_t now = clock_now(t);
    ns_ts(t->at > now ? t->at - now : 1, &out->it_value); /* due: about to fire */
}

/* An absolute time on t's clock, on the clock the timer counts in. */
static uint64_t abs_deadline(const struct ptimer *t, uint64_t abs)
{
    if (cpu_clock(t->clock) || t->clock == CLOCK_MONOTONIC || t->clock == CLOCK_BOOTTIME ||
        t->clock == CLOCK_BOOTTIME_ALARM)
        return abs;
    struct timespec rt; /* REALTIME (and TAI): the same offset from the monotonic clock */
    pal_clock_gettime(t->clock == CLOCK_TAI ? CLOCK_TAI : CLOCK_REALTIME, &rt);
    uint64_t now_rt = ts_ns(&rt), now = ktimer_now();
    return abs > now_rt ? now + (abs - now_rt) : now;
}

long sys_timer_settime(long id, int flags, const struct itimerspec *unew, struct itimerspec *uold)
{
    struct itimerspec nv, ov;
    if (!unew || copy_from_user(&nv, unew, sizeof(nv))) return -EFAULT;
    if (!valid_ts(&nv.it_value) || !valid_ts(&nv.it_interval)) return -EINVAL;
    struct process *p = current_process();
    mutex_lock(&ptimer_lock);
    struct ptimer *t = find(p, id);
    if (!t) {
        mutex_unlock(&ptimer_lock);
        return -EINVAL;
    }
    current(t, &ov);
    uint64_t value = ts_ns(&nv.it_value);
    if (!value) {
        t->at = 0;
    } else if (flags & TIMER_ABSTIME) {
        t->at = abs_deadline(t, value);
        if (!t->at) t->at = 1;
    } else {
        t->at = clock_now(t) + value;
    }
    t->interval_ns = ts_ns(&nv.it_interval);
    t->overrun_pending = t->overrun_last = 0;
    if (t->at) {
        arm(t);
        mutex_unlock(&ptimer_lock);
    } else {
        mutex_unlock(&ptimer_lock);
        ktimer_cancel_sync(&t->kt); /* outside ptimer_lock: fire takes it */
    }
    if (uold && copy_to_user(uold, &ov, sizeof(ov))) return -EFAULT;
    return 0;
}

long sys_timer_gettime(long id, struct itimerspec *ucur)
{
    struct itimerspec v;
    mutex_lock(&ptimer_lock);
    struct ptimer *t = find(current_process(), id);
    if (t) current(t, &v);
    mutex_unlock(&ptimer_lock);
    if (!t) return -EINVAL;
    return copy_to_user(ucur, &v, sizeof(v)) ? -EFAULT : 0;
}

long sys_timer_getoverrun(long id)
{
    struct process *p = current_process();
    mutex_lock(&ptimer_lock);
    struct ptimer *t = find(p, id);
    long r = -EINVAL;
    if (t) {
        mutex_lock(&proc_lock);
        struct sigpending *sp = &p->shared;
        if (t->notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID)) {
            struct thread *th = thread_of(p, t->tid);
            sp = th ? &th->pending : NULL;
        }
        mutex_lock(&p->sig_lock);
        bool pending = sp && t->notify != SIGEV_NONE && sigpending_find_timer(sp, t->signo, t->id);
        /* the count the last delivered signal carried */
        r = pending ? t->overrun_last : t->overrun_pending;
        mutex_unlock(&p->sig_lock);
        mutex_unlock(&proc_lock);
    }
    mutex_unlock(&ptimer_lock);
    return r;
}

static void destroy(struct ptimer *t)
{
    ktimer_cancel_sync(&t->kt); /* a fire in progress returns first */
    kfree(t);
}

long sys_timer_delete(long id)
{
    struct process *p = current_process();
    mutex_lock(&ptimer_lock);
    struct ptimer **pp = &p->ptimers;
    while (*pp && (*pp)->id != id)
        pp = &(*pp)->next;
    struct ptimer *t = *pp;
    if (t) {
        *pp = t->next;
        t->deleted = true;
    }
    mutex_unlock(&ptimer_lock);
    if (!t) return -EINVAL;
    destroy(t);
    return 0;
}

void posix_timers_release(struct process *p)
{
    mutex_lock(&ptimer_lock);
    struct ptimer *list = p->ptimers;
    p->ptimers = NULL;
    for (struct ptimer *t = list; t; t = t->next)
        t->deleted = true;
    mutex_unlock(&ptimer_lock);
    while (list) {
        struct ptimer *t = list;
        list = t->next;
        destroy(t);
    }
}
