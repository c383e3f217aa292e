/* waitq: per-thread futex words and object wait queues (see waitq.h). */
#include "process/waitq.h"

#include "pal/pal.h"
#include "process/process.h"
#include "signal/signal.h"

#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <time.h>

void thread_prepare_sleep(void)
{
    __atomic_store_n(&current_thread()->wake, 0, __ATOMIC_SEQ_CST);
}

void waitq_add(struct waitq *q, struct waiter *w)
{
    w->t = current_thread();
    w->wake = NULL;
    w->next = q->head;
    q->head = w;
}

void waitq_add_callback(struct waitq *q, struct waiter *w, void (*wake)(struct waiter *w))
{
    w->t = NULL;
    w->wake = wake;
    w->next = q->head;
    q->head = w;
}

void waitq_remove(struct waitq *q, struct waiter *w)
{
    for (struct waiter **pp = &q->head; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            return;
        }
    }
}

void thread_wake(struct thread *t)
{
    /* A wake-up already posted (and not yet consumed by a new
     * thread_prepare_sleep) was, or is being, delivered by its poster:
     * another futex call would only cost the waker a host call, once
     * per write to a pipe whose reader has not run yet. */
    if (__atomic_exchange_n(&t->wake, 1, __ATOMIC_SEQ_CST)) return;
    /* Only a thread that is (about to be) in the futex needs the host
     * call; one still spinning sees the word. Pairs with thread_sleep. */
    if (__atomic_load_n(&t->in_futex, __ATOMIC_SEQ_CST))
        pal_futex(&t->wake, FUTEX_WAKE, 1, NULL, NULL, 0);
    if (__atomic_load_n(&t->in_host_wait, __ATOMIC_SEQ_CST)) {
        uint64_t one = 1;
        pal_host_write(t->wake_efd - 1, &one, sizeof(one));
    }
}

int thread_wake_fd(struct thread *t)
{
    if (!t->wake_efd) {
        int fd = pal_host_eventfd();
        if (fd < 0) return fd;
        t->wake_efd = fd + 1;
    }
    return t->wake_efd - 1;
}

void thread_drain_wake_fd(struct thread *t)
{
    uint64_t v;
    if (t->wake_efd) pal_host_read(t->wake_efd - 1, &v, sizeof(v)); /* non-blocking */
}

void waitq_wake(struct waitq *q, bool threads)
{
    for (struct waiter *w = q->head; w; w = w->next) {
        if (w->wake)
            w->wake(w);
        else if (threads)
            thread_wake(w->t);
    }
}

void waitq_wake_all(struct waitq *q)
{
    waitq_wake(q, true);
}

bool thread_interrupted(void)
{
    struct thread *t = current_thread();
    return t->must_exit || signal_pending(t);
}

/* Spins before sleeping: a pipe's other end on the other CPU usually
 * answers within a few microseconds, and a futex sleep and wake-up cost
 * more than that. */
#define SPIN_ROUNDS 128

static int futex_sleep(struct thread *t, const struct timespec *deadline, bool signals)
{
    for (;;) {
        if (signals ? thread_interrupted() : t->must_exit) return -EINTR;
        __atomic_store_n(&t->in_futex, true, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&t->wake, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(&t->in_futex, false, __ATOMIC_RELAXED);
            return 0;
        }
        long r = pal_futex(&t->wake, FUTEX_WAIT_BITSET, 0, deadline, NULL, FUTEX_BITSET_MATCH_ANY);
        __atomic_store_n(&t->in_futex, false, __ATOMIC_RELAXED);
        if (__atomic_load_n(&t->wake, __ATOMIC_ACQUIRE)) return 0;
        if (r == -ETIMEDOUT) return -ETIMEDOUT;
    }
}

/* signals: a pending signal ends the sleep (else only an exit request).
 * sync: see thread_sleep_sync. */
static int sleep_on_word(const struct timespec *deadline, bool signals, bool sync)
{
    struct thread *t = current_thread();
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        if (__atomic_load_n(&t->wake, __ATOMIC_ACQUIRE)) return 0;
        __builtin_ia32_pause();
    }
    /* Only a sleep that really goes to the futex pays the two host calls. */
    bool batch = sync && pal_sched_batch(true) == 0;
    int r = futex_sleep(t, deadline, signals);
    if (batch) pal_sched_batch(false);
    return r;
}

int thread_sleep(const struct timespec *deadline)
{
    return sleep_on_word(deadline, true, false);
}

int thread_sleep_sync(const struct timespec *deadline)
{
    return sleep_on_word(deadline, true, true);
}

int thread_sleep_stopped(void)
{
    return sleep_on_word(NULL, false, false);
}

int thread_wait_host_fd(int fd, short events)
{
    return thread_wait_host_fd_ms(fd, events, -1);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    pal_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int thread_wait_host_fd_ms(int fd, short events, int timeout_ms)
{
    struct thread *t = current_thread();
    int efd = thread_wake_fd(t);
    if (efd < 0) return 0; /* no eventfd: fall back to the host call's own EINTR */
    int64_t end = timeout_ms >= 0 ? mono_ms() + timeout_ms : -1;
    for (;;) {
        struct pollfd pfd[2] = {{fd, events, 0}, {efd, POLLIN, 0}};
        thread_prepare_sleep();
        __atomic_store_n(&t->in_host_wait, true, __ATOMIC_SEQ_CST);
        int r = 0;
        int left = end < 0 ? -1 : (int)(end > mono_ms() ? end - mono_ms() : 0);
        bool drain = true;
        if (!thread_interrupted()) {
            r = pal_host_poll(pfd, 2, left);
            drain = r < 0 || pfd[1].revents; /* an unread wake-up: the next poll sees it */
        }
        __atomic_store_n(&t->in_host_wait, false, __ATOMIC_SEQ_CST);
        if (drain) thread_drain_wake_fd(t);
        if (thread_interrupted()) return -EINTR;
        if (r > 0 && pfd[0].revents) return 0; /* ready, hung up or in error: the call says */
        if (r < 0 && r != -EINTR) return 0;
        if (end >= 0 && mono_ms() >= end) return -ETIMEDOUT;
    }
}

long thread_futex_wait(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout,
                       uint32_t *uaddr2, uint32_t val3)
{
    struct thread *t = current_thread();
    thread_prepare_sleep(); /* every signal and exit request sets it, then interrupts */
    if (thread_interrupted()) return -EINTR;
    long r = pal_futex_interruptible(&t->wake, uaddr, op, val, timeout, uaddr2, val3);
    /* A wake-up meant for another sleep of ours: futex(2) lets a wait return 0 early. */
    if (r == -EINTR && !thread_interrupted()) return 0;
    return r;
}

int thread_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
    struct thread *t = current_thread();
    struct timespec left = *req;
    for (;;) {
        *rem = left; /* nothing slept yet, when cancelled before the host call */
        thread_prepare_sleep();
        if (thread_interrupted()) return -EINTR;
        int r = pal_nanosleep_interruptible(&t->wake, clk, flags, &left, rem);
        if (r != -EINTR || thread_interrupted()) return r;
        if (!(flags & TIMER_ABSTIME)) left = *rem; /* a stray wake-up: sleep on */
    }
}
