/*
 * ktimer: the one-shot LibOS timers of ktimer.h and the host thread that
 * fires them. The list is short (one entry per timerfd being polled or
 * POSIX timer armed), so it is unsorted and scanned at each wake-up.
 *
 * The thread runs in the root host process, started at boot: a forked
 * host process ends when its last process does, and a timer thread there
 * would end with it. Its wake-ups are shared futexes, so that a process in
 * any host process can move the earliest deadline.
 */
#include "time/ktimer.h"

#include "pal/pal.h"
#include "util/lock.h"
#include "util/log.h"

#include <errno.h>
#include <linux/futex.h>
#include <stddef.h>
#include <time.h>

static struct mutex lock = MUTEX_INIT;
static struct ktimer *armed_list;
static struct ktimer *running; /* whose function runs now, outside the lock */
static uint32_t seq;           /* futex word: bumped when the earliest deadline may move */

uint64_t ktimer_now(void)
{
    struct timespec ts;
    pal_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void unlink_locked(struct ktimer *t)
{
    for (struct ktimer **pp = &armed_list; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = NULL;
}

static void *ktimer_main(void *arg)
{
    for (;;) {
        mutex_lock(&lock);
        uint64_t now = ktimer_now(), next = 0;
        struct ktimer *due = NULL;
        for (struct ktimer *t = armed_list; t; t = t->next) {
            if (t->at <= now) {
                due = t;
                break;
            }
            if (!next || t->at < next) next = t->at;
        }
        if (due) {
            unlink_locked(due);
            running = due;
            mutex_unlock(&lock);
            due->fn(due->arg);
            mutex_lock(&lock);
            running = NULL;
            mutex_unlock(&lock);
            continue;
        }
        uint32_t s = seq;
        mutex_unlock(&lock);
        struct timespec abs = {(time_t)(next / 1000000000ULL), (long)(next % 1000000000ULL)};
        pal_futex(&seq, FUTEX_WAIT_BITSET, s, next ? &abs : NULL, NULL, FUTEX_BITSET_MATCH_ANY);
    }
    return arg;
}

int ktimer_arm(struct ktimer *t, uint64_t at, void (*fn)(void *), void *arg)
{
    mutex_lock(&lock);
    if (t->armed) unlink_locked(t);
    t->fn = fn;
    t->arg = arg;
    t->at = at;
    t->armed = true;
    t->next = armed_list;
    armed_list = t;
    __atomic_add_fetch(&seq, 1, __ATOMIC_RELEASE);
    mutex_unlock(&lock);
    pal_futex(&seq, FUTEX_WAKE, 1, NULL, NULL, 0);
    return 0;
}

int ktimer_start(void)
{
    return pal_thread_create(ktimer_main, NULL, 64 * 1024);
}

void ktimer_cancel_sync(struct ktimer *t)
{
    mutex_lock(&lock);
    if (t->armed) unlink_locked(t);
    while (running == t) { /* its function is short: wait it out */
        mutex_unlock(&lock);
        pal_sched_yield();
        mutex_lock(&lock);
    }
    mutex_unlock(&lock);
}
