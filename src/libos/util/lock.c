/* lock: the classic three-state futex mutex (Drepper, "Futexes Are Tricky").
 * Shared futex operations (no FUTEX_PRIVATE_FLAG): the LibOS state lives in
 * memory shared by the host processes of an instance (util/kheap.h). */
#include "util/lock.h"
#include "pal/pal.h"

#include <linux/futex.h>

/* LibOS critical sections are short (a pipe's copy, a table update): a
 * holder on another CPU is usually done within a microsecond, sooner than
 * a futex sleep and wake-up (two host calls and a context switch). */
#define MUTEX_SPINS 100

void mutex_lock(struct mutex *m)
{
    uint32_t c = 0;
    if (__atomic_compare_exchange_n(&m->state, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return;
    for (int i = 0; i < MUTEX_SPINS && c == 1; i++) { /* held, nobody asleep yet */
        __builtin_ia32_pause();
        c = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
        if (c == 0 &&
            __atomic_compare_exchange_n(&m->state, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
    }
    if (c != 2) c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        pal_futex(&m->state, FUTEX_WAIT, 2, NULL, NULL, 0);
        c = __atomic_exchange_n(&m->state, 2, __ATOMIC_ACQUIRE);
    }
}

void mutex_unlock(struct mutex *m)
{
    if (__atomic_exchange_n(&m->state, 0, __ATOMIC_RELEASE) == 2)
        pal_futex(&m->state, FUTEX_WAKE, 1, NULL, NULL, 0);
}
