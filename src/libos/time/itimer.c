/*
 * itimer: alarm(2), setitimer/getitimer (ITIMER_REAL, ITIMER_VIRTUAL,
 * ITIMER_PROF).
 *
 * One ktimer (ktimer.h: a function the LibOS timer thread calls at a
 * deadline; no host thread of its own, since every host thread of the root
 * host process is one more to copy in each fork) fires at the earliest
 * deadline of all processes' real-time timers and sends SIGALRM when one
 * expires, re-arming periodic ones. While a CPU-time timer is armed it
 * also fires every tick (4 ms, as a 250 Hz kernel counts) to read the
 * process's CPU time and send SIGVTALRM or SIGPROF. The host counts a thread's time as one figure,
 * so ITIMER_VIRTUAL counts the LibOS's work for the process too, like ITIMER_PROF (Linux counts
 * only user time there): both fire for a process that computes, neither for one that sleeps.
 */
#include "syscall/list_core.h"
#include "time/ktimer.h"

#include "pal/pal.h"
#include "process/process.h"
#include "signal/signal.h"
#include "util/lock.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define NTIMERS 3 /* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
#define TICK_NS 4000000ULL

struct itimer_state {
    struct process *proc;
    int pid;
    struct {
        uint64_t at; /* REAL: CLOCK_MONOTONIC ns; others: process CPU ns; 0 = disarmed */
        uint64_t interval_ns;
    } t[NTIMERS];
    struct itimer_state *next;
};

static struct mutex timer_lock = MUTEX_INIT;
static struct itimer_state *timers;
static struct ktimer tick; /* scan()'s, at the earliest deadline */

static const int timer_signal[NTIMERS] = {SIGALRM, SIGVTALRM, SIGPROF};

static uint64_t now_ns(void)
{
    struct timespec ts;
    pal_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The clock timer `which` of p counts: monotonic time or its CPU time. */
static uint64_t clock_of(struct process *p, int which)
{
    return which == ITIMER_REAL ? now_ns() : process_cpu_ns(p);
}

/* On the LibOS timer thread: sends what is due, re-arms periodic timers,
 * and arms the next scan (under timer_lock, so that a timer set meanwhile,
 * whose set_timer asks for a scan once it has the lock, is not lost). */
static void scan(void *arg)
{
    (void)arg;
    mutex_lock(&timer_lock);
    uint64_t now = now_ns(), next = 0;
    for (struct itimer_state *it = timers; it; it = it->next) {
        struct process *p = process_find(it->pid);
        bool alive = p == it->proc && !p->zombie;
        for (int w = 0; w < NTIMERS; w++) {
            if (!it->t[w].at) continue;
            if (!alive) {
                it->t[w].at = 0;
                continue;
            }
            uint64_t c = w == ITIMER_REAL ? now : process_cpu_ns(p);
            if (it->t[w].at <= c) {
                siginfo_t si;
                memset(&si, 0, sizeof(si));
                si.si_signo = timer_signal[w];
                si.si_code = SI_TIMER;
                signal_send_process(p, timer_signal[w], &si);
                it->t[w].at = it->t[w].interval_ns ? c + it->t[w].interval_ns : 0;
            }
            /* CPU time has no deadline on the monotonic clock: check each tick */
            uint64_t wake = w == ITIMER_REAL ? it->t[w].at : now + TICK_NS;
            if (it->t[w].at && (!next || wake < next)) next = wake;
        }
    }
    if (next) ktimer_arm(&tick, next, scan, NULL);
    mutex_unlock(&timer_lock);
}

static struct itimer_state *timer_of(struct process *p)
{
    struct itimer_state *it = p->itimer;
    if (it && it->proc == p && it->pid == p->pid) return it;
    it = kcalloc(1, sizeof(*it));
    if (!it) return NULL;
    it->proc = p;
    it->pid = p->pid;
    it->next = timers;
    timers = it;
    p->itimer = it;
    return it;
}

static uint64_t tv_to_ns(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000ULL;
}

static void ns_to_tv(uint64_t ns, struct timeval *tv)
{
    tv->tv_sec = (time_t)(ns / 1000000000ULL);
    tv->tv_usec = (suseconds_t)((ns % 1000000000ULL + 999) / 1000);
    if (tv->tv_usec == 1000000) {
        tv->tv_sec++;
        tv->tv_usec = 0;
    }
}

/* Under timer_lock: the current value and interval of p's timer `which`. */
static void current_value(struct process *p, int which, struct itimerval *out)
{
    memset(out, 0, sizeof(*out));
    struct itimer_state *it = p->itimer;
    if (!it || it->proc != p || it->pid != p->pid || !it->t[which].at) return;
    uint64_t c = clock_of(p, which);
    ns_to_tv(it->t[which].at > c ? it->t[which].at - c : 1000, &out->it_value);
    ns_to_tv(it->t[which].interval_ns, &out->it_interval);
}

static long set_timer(struct process *p, int which, const struct itimerval *nv,
                      struct itimerval *old)
{
    mutex_lock(&timer_lock);
    if (old) current_value(p, which, old);
    struct itimer_state *it = timer_of(p);
    if (!it) {
        mutex_unlock(&timer_lock);
        return -ENOMEM;
    }
    uint64_t value = tv_to_ns(&nv->it_value);
    it->t[which].at = value ? clock_of(p, which) + value : 0;
    it->t[which].interval_ns = tv_to_ns(&nv->it_interval);
    mutex_unlock(&timer_lock);
    ktimer_arm(&tick, now_ns(), scan, NULL);
    return 0;
}

static bool valid_tv(const struct timeval *tv)
{
    return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < 1000000;
}

long sys_setitimer(int which, const struct itimerval *unew, struct itimerval *uold)
{
    if (which != ITIMER_REAL && which != ITIMER_VIRTUAL && which != ITIMER_PROF) return -EINVAL;
    struct itimerval nv, ov;
    if (unew) {
        if (copy_from_user(&nv, unew, sizeof(nv))) return -EFAULT;
        if (!valid_tv(&nv.it_value) || !valid_tv(&nv.it_interval)) return -EINVAL;
    } else {
        memset(&nv, 0, sizeof(nv)); /* Linux treats NULL as a zero timer */
    }
    long r = set_timer(current_process(), which, &nv, &ov);
    if (r == 0 && uold && copy_to_user(uold, &ov, sizeof(ov))) return -EFAULT;
    return r;
}

long sys_getitimer(int which, struct itimerval *uval)
{
    if (which != ITIMER_REAL && which != ITIMER_VIRTUAL && which != ITIMER_PROF) return -EINVAL;
    struct itimerval v;
    mutex_lock(&timer_lock);
    current_value(current_process(), which, &v);
    mutex_unlock(&timer_lock);
    return copy_to_user(uval, &v, sizeof(v));
}

long sys_alarm(unsigned seconds)
{
    struct itimerval nv, ov;
    memset(&nv, 0, sizeof(nv));
    nv.it_value.tv_sec = seconds;
    set_timer(current_process(), ITIMER_REAL, &nv, &ov);
    /* the seconds left, rounded to nearest, at least 1 when armed */
    long left = ov.it_value.tv_sec + (ov.it_value.tv_usec >= 500000);
    if (left == 0 && (ov.it_value.tv_sec || ov.it_value.tv_usec)) left = 1;
    return left;
}
