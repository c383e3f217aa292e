/*
 * waitq: blocking inside the LibOS without lost wake-ups.
 *
 * Every thread sleeps on its own futex word (thread->wake). An object
 * (pipe, child list...) keeps a queue of the threads waiting on it, under
 * the object's own lock; waking a thread sets its word and wakes its
 * futex. A signal or an exit request wakes the thread the same way, so a
 * sleeper never misses either, whatever the order of events.
 *
 * Usage, with the object's lock held around the check and waitq_add:
 *     struct waiter *w = &current_thread()->sleep_waiter;  (never on the stack:
 *                                        waiters are walked by other host processes)
 *     for (;;) {
 *         lock; thread_prepare_sleep(); if (ready) {...; unlock; break;}
 *         waitq_add(&q, &w); unlock;
 *         r = thread_sleep(deadline);
 *         lock; waitq_remove(&q, &w); unlock;
 *         if (r < 0) return r;   // -EINTR or -ETIMEDOUT
 *     }
 */
#ifndef LIBOS_WAITQ_H
#define LIBOS_WAITQ_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct thread;

struct waiter {
    struct thread *t;
    /* Instead of waking t: called by waitq_wake_all, with the object's
     * lock held (signal-driven I/O, fs/fasync.c); NULL for a thread. */
    void (*wake)(struct waiter *w);
    struct waiter *next;
};

struct waitq {
    struct waiter *head;
};

/* Clear the current thread's wake word: call before checking the
 * conditions it will sleep on (under the object's lock for one object). */
void thread_prepare_sleep(void);
/* Queue the current thread (its wake word is left as it is). */
void waitq_add(struct waitq *q, struct waiter *w);
void waitq_remove(struct waitq *q, struct waiter *w);
/* Queue a waiter whose wake-up is a call of wake (it must not sleep or
 * take locks other than leaf ones: the object's lock is held). */
void waitq_add_callback(struct waitq *q, struct waiter *w, void (*wake)(struct waiter *w));
/* Wake every queued thread (they stay queued until they remove themselves). */
void waitq_wake_all(struct waitq *q);
/* Call every callback waiter, and wake the queued threads only when
 * `threads` (an object that knows its sleepers cannot go on yet spares
 * them a wake-up, while poll tables and fasync still see every event). */
void waitq_wake(struct waitq *q, bool threads);
static inline bool waitq_empty(const struct waitq *q)
{
    return q->head == NULL;
}

/* Sleep until woken (0), interrupted by a signal or an exit request
 * (-EINTR), or past the CLOCK_MONOTONIC deadline (-ETIMEDOUT; NULL: none). */
int thread_sleep(const struct timespec *deadline);
/* The same for a wait whose waker goes on working after the wake-up (a
 * pipe's other end): the wake-up does not preempt the waker when both
 * share a CPU, as Linux's "sync" wake-ups of pipes (WF_SYNC): the sleeper
 * runs when the waker blocks or its time slice ends, and then finds a
 * batch of work instead of one write. A futex wake-up has no such hint,
 * so the sleep itself is made non-preempting (SCHED_BATCH) while it lasts. */
int thread_sleep_sync(const struct timespec *deadline);
/* The same for a stopped thread (SIGSTOP): signals arriving meanwhile do
 * not end it (they wait for SIGCONT); only a wake-up or an exit request. */
int thread_sleep_stopped(void);
void thread_wake(struct thread *t);
/* A signal or exit request is waiting for the current thread. */
bool thread_interrupted(void);

/* For sleeps in a host poll (poll/select with host fds): a host eventfd
 * that thread_wake writes while t->in_host_wait is set. Lazily created. */
int thread_wake_fd(struct thread *t);
/* Wait until host fd has `events` ready (0), or a signal or exit request
 * for the current thread (-EINTR). */
int thread_wait_host_fd(int fd, short events);
/* The same for at most timeout_ms (< 0: no limit): -ETIMEDOUT then. */
int thread_wait_host_fd_ms(int fd, short events, int timeout_ms);
void thread_drain_wake_fd(struct thread *t);

/* The application's own host waits (futex FUTEX_WAIT*, clock_nanosleep)
 * made so that a signal or an exit request for the current thread ends
 * them whenever it comes: -EINTR. A futex wait may also return 0 early
 * (futex(2) allows it); a sleep goes on after a stray wake-up. */
long thread_futex_wait(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout,
                       uint32_t *uaddr2, uint32_t val3);
int thread_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem);

#endif
