/*
 * lock: a small mutex for LibOS objects, built on pal_futex so that the
 * core needs no host threading library.
 */
#ifndef LIBOS_LOCK_H
#define LIBOS_LOCK_H

#include <stdint.h>

struct mutex {
    uint32_t state; /* 0 free, 1 locked, 2 locked with waiters */
};

#define MUTEX_INIT                                                                                 \
    {                                                                                              \
        0                                                                                          \
    }

void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

#endif
