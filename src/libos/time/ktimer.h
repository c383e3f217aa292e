/*
 * ktimer: one-shot LibOS timers that call a function on the LibOS timer
 * thread at a CLOCK_MONOTONIC deadline. They wake wait queues of objects
 * whose readiness depends on time (a timerfd being polled), where no
 * application thread is sleeping with a deadline of its own.
 */
#ifndef LIBOS_TIME_KTIMER_H
#define LIBOS_TIME_KTIMER_H

#include <stdbool.h>
#include <stdint.h>

struct ktimer {
    void (*fn)(void *arg); /* runs on the timer thread, no ktimer lock held */
    void *arg;
    uint64_t at; /* CLOCK_MONOTONIC ns */
    bool armed;
    struct ktimer *next;
};

/* At boot, in the root host process: a thread that fires them (the
 * itimers' too, itimer.c), or (ktimer_serve_here) the calling thread,
 * which then fires them while it waits in ktimer_wait, and must wait there
 * soon and often (the boot thread of `occlum run`, waiting for the
 * program). ktimer_serve_here falls back to a thread when the host's
 * futex_waitv does not work. */
int ktimer_start(void);
int ktimer_serve_here(void);
/* Sleep until *word (a shared futex word) may differ from val, firing
 * the due ktimers meanwhile on the thread of ktimer_serve_here; spurious
 * returns are possible. */
void ktimer_wait(uint32_t *word, uint32_t val);
/* Arm (or move) t to fire once at `at`; 0. */
int ktimer_arm(struct ktimer *t, uint64_t at, void (*fn)(void *), void *arg);
/* Disarm t and wait until a call of its function in progress has
 * returned: afterwards t may be freed. Call with no lock fn takes. */
void ktimer_cancel_sync(struct ktimer *t);
/* The CLOCK_MONOTONIC time in ns. */
uint64_t ktimer_now(void);

#endif
