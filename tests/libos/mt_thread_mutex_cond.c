/* mt_thread_mutex_cond: 32 threads, one mutex + two condvars, bounded queue: sums must match. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include "mt_util.h"

#define NPROD 16
#define NCONS 15 /* + main = 16 consumers, 32 threads in all */
#define ITEMS 2000
#define QCAP 8

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static uint64_t q[QCAP];
static int qhead, qlen, producers_left = NPROD;
static uint64_t counter; /* incremented under the lock by everyone */

static void *producer(void *arg)
{
    uint64_t id = (uintptr_t)arg;
    for (uint64_t i = 0; i < ITEMS; i++) {
        pthread_mutex_lock(&mu);
        while (qlen == QCAP)
            pthread_cond_wait(&not_full, &mu);
        q[(qhead + qlen) % QCAP] = id * 1000003u + i * i;
        qlen++;
        counter++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    if (--producers_left == 0) pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&mu);
    return NULL;
}

struct cres {
    uint64_t sum, count;
};

static void *consumer(void *arg)
{
    struct cres *r = arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (qlen == 0 && producers_left > 0)
            pthread_cond_wait(&not_empty, &mu);
        if (qlen == 0) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        uint64_t v = q[qhead];
        qhead = (qhead + 1) % QCAP;
        qlen--;
        counter++;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&mu);
        r->sum += v;
        r->count++;
    }
}

int main(void)
{
    pthread_t prod[NPROD], cons[NCONS];
    struct cres res[NCONS + 1];
    memset(res, 0, sizeof(res));
    for (int i = 0; i < NCONS; i++)
        CHECK_EQ(pthread_create(&cons[i], NULL, consumer, &res[i]), 0);
    for (int i = 0; i < NPROD; i++)
        CHECK_EQ(pthread_create(&prod[i], NULL, producer, (void *)(uintptr_t)(i + 1)), 0);
    consumer(&res[NCONS]); /* main consumes too */
    for (int i = 0; i < NPROD; i++)
        CHECK_EQ(pthread_join(prod[i], NULL), 0);
    for (int i = 0; i < NCONS; i++)
        CHECK_EQ(pthread_join(cons[i], NULL), 0);

    uint64_t want = 0, got = 0, n = 0;
    for (uint64_t id = 1; id <= NPROD; id++)
        for (uint64_t i = 0; i < ITEMS; i++)
            want += id * 1000003u + i * i;
    for (int i = 0; i <= NCONS; i++) {
        got += res[i].sum;
        n += res[i].count;
    }
    CHECK_EQ(n, (uint64_t)NPROD * ITEMS);
    CHECK_EQ(got, want);
    CHECK_EQ(counter, 2ull * NPROD * ITEMS);
    CHECK_EQ(qlen, 0);

    /* trylock / timedwait on the same mutex */
    CHECK_EQ(pthread_mutex_trylock(&mu), 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    CHECK_EQ(pthread_cond_timedwait(&not_empty, &mu, &ts), ETIMEDOUT);
    CHECK_EQ(pthread_mutex_unlock(&mu), 0);
    return 0;
}
