/*
 * robust_mutex: a robust mutex whose owner thread ends while holding it
 * goes to the next locker with EOWNERDEAD, whether that locker was
 * already waiting (it must be woken) or comes later; after
 * pthread_mutex_consistent it is an ordinary mutex again.
 */
#define _GNU_SOURCE
#include "check.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t m;
static pthread_mutex_t m2;
static volatile int locked;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Lock m (and m2), let the main thread start waiting, end holding them. */
static void *owner(void *arg)
{
    (void)arg;
    CHECK_EQ(pthread_mutex_lock(&m), 0);
    CHECK_EQ(pthread_mutex_lock(&m2), 0);
    __atomic_store_n(&locked, 1, __ATOMIC_RELEASE);
    sleep_ms(100);
    return NULL; /* ends holding both */
}

static void init_robust(pthread_mutex_t *mx)
{
    pthread_mutexattr_t a;
    CHECK_EQ(pthread_mutexattr_init(&a), 0);
    CHECK_EQ(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST), 0);
    CHECK_EQ(pthread_mutex_init(mx, &a), 0);
    CHECK_EQ(pthread_mutexattr_destroy(&a), 0);
}

int main(void)
{
    init_robust(&m);
    init_robust(&m2);
    for (int round = 0; round < 3; round++) {
        __atomic_store_n(&locked, 0, __ATOMIC_RELEASE);
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, owner, NULL), 0);
        while (!__atomic_load_n(&locked, __ATOMIC_ACQUIRE))
            sleep_ms(1);
        /* blocks until the owner ends: the end must wake us */
        CHECK_EQ(pthread_mutex_lock(&m), EOWNERDEAD);
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK_EQ(pthread_mutex_consistent(&m), 0);
        CHECK_EQ(pthread_mutex_unlock(&m), 0);
        CHECK_EQ(pthread_mutex_lock(&m), 0);
        CHECK_EQ(pthread_mutex_unlock(&m), 0);

        /* nobody was waiting on m2: the next locker learns it all the same */
        CHECK_EQ(pthread_mutex_trylock(&m2), EOWNERDEAD);
        CHECK_EQ(pthread_mutex_consistent(&m2), 0);
        CHECK_EQ(pthread_mutex_unlock(&m2), 0);
        CHECK_EQ(pthread_mutex_trylock(&m2), 0);
        CHECK_EQ(pthread_mutex_unlock(&m2), 0);
    }

    /* unlocked without pthread_mutex_consistent: unusable for good */
    pthread_t t;
    __atomic_store_n(&locked, 0, __ATOMIC_RELEASE);
    CHECK_EQ(pthread_create(&t, NULL, owner, NULL), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(pthread_mutex_lock(&m), EOWNERDEAD);
    CHECK_EQ(pthread_mutex_unlock(&m), 0);
    CHECK_EQ(pthread_mutex_lock(&m), ENOTRECOVERABLE);
    return 0;
}
