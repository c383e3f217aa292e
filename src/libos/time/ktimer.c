/*
 * ktimer: the one-shot LibOS timers of ktimer.h and the host thread that
 * fires them. The list is short (one entry per timerfd being polled or
 * POSIX timer armed), so it is unsorted and scanned at each wake-up.
 *
 * The thread runs in the root host process: a forked host process ends
 * when its last process does, and a timer thread there would end with it.
 * In `occlum run` it is the boot thread, which has nothing else to do than
 * wait for the program (ktimer_serve_here, ktimer_wait): every host thread
 * of the root is one more for each fork to copy. A server starts one of
 * its own (ktimer_start). Its wake-ups are shared futexes, so that a
 * process in any host process can move the earliest deadline.
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

static __thread bool serving; /* this host thread fires them (ktimer_serve_here) */

/* Fire what is due; the next deadline (0: none), with *s the value of seq
 * once nothing was due. */
static uint64_t fire_due(uint32_t *s)
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
        *s = seq;
        mutex_unlock(&lock);
        return next;
    }
}

static struct timespec deadline_of(uint64_t at)
{
    return (struct timespec){(time_t)(at / 1000000000ULL), (long)(at % 1000000000ULL)};
}

static void *ktimer_main(void *arg)
{
    for (;;) {
        uint32_t s;
        uint64_t next = fire_due(&s);
        struct timespec abs = deadline_of(next);
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

int ktimer_serve_here(void)
{
    /* futex_waitv works when a wait on words that differ returns EAGAIN at
     * once; anything else (ENOSYS before Linux 5.16, a seccomp filter's
     * refusal) would make every wait return at once: a thread instead */
    uint32_t probe[2] = {1, 1};
    if (pal_futex_wait2(&probe[0], 0, &probe[1], 0, NULL) != -EAGAIN) return ktimer_start();
    serving = true;
    return 0;
}

void ktimer_wait(uint32_t *word, uint32_t val)
{
    if (!serving) {
        pal_futex(word, FUTEX_WAIT, val, NULL, NULL, 0);
        return;
    }
    uint32_t s;
    uint64_t next = fire_due(&s);
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != val) return;
    struct timespec abs = deadline_of(next);
    pal_futex_wait2(&seq, s, word, val, next ? &abs : NULL);
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
