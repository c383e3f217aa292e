/* waitq: per-thread futex words and object wait queues (see waitq.h). */
#include "process/waitq.h"

#include "pal/pal.h"
#include "process/process.h"
#include "signal/signal.h"

#include <errno.h>
#include <linux/futex.h>

void waitq_add(struct waitq *q, struct waiter *w)
{
    w->t = current_thread();
    __atomic_store_n(&w->t->wake, 0, __ATOMIC_RELAXED);
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
    __atomic_store_n(&t->wake, 1, __ATOMIC_RELEASE);
    pal_futex(&t->wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void waitq_wake_all(struct waitq *q)
{
    for (struct waiter *w = q->head; w; w = w->next)
        thread_wake(w->t);
}

bool thread_interrupted(void)
{
    struct thread *t = current_thread();
    return t->must_exit || signal_pending(t);
}

int thread_sleep(const struct timespec *deadline)
{
    struct thread *t = current_thread();
    for (;;) {
        if (__atomic_load_n(&t->wake, __ATOMIC_ACQUIRE)) return 0;
        if (thread_interrupted()) return -EINTR;
        long r = pal_futex(&t->wake, FUTEX_WAIT_BITSET_PRIVATE, 0, deadline, NULL,
                           FUTEX_BITSET_MATCH_ANY);
        if (r == -ETIMEDOUT) return -ETIMEDOUT;
    }
}
