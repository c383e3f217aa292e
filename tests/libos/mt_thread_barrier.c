/* mt_thread_barrier: pthread_barrier: 100 rounds of 8 threads, one SERIAL_THREAD per round. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include "mt_util.h"

#define N 8
#define ROUNDS 100

static pthread_barrier_t bar;
static int slot[N];
static atomic_int serial[ROUNDS];
static atomic_int errors;

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    for (int r = 0; r < ROUNDS; r++) {
        slot[id] = r;
        int w = pthread_barrier_wait(&bar);
        if (w == PTHREAD_BARRIER_SERIAL_THREAD)
            atomic_fetch_add(&serial[r], 1);
        else if (w != 0)
            atomic_fetch_add(&errors, 1);
        for (int k = 0; k < N; k++)
            if (slot[k] != r) atomic_fetch_add(&errors, 1);
        pthread_barrier_wait(&bar); /* nobody starts r+1 before all checked r */
    }
    return NULL;
}

int main(void)
{
    CHECK_EQ(pthread_barrier_init(&bar, NULL, N), 0);
    pthread_t t[N - 1];
    for (long i = 1; i < N; i++)
        CHECK_EQ(pthread_create(&t[i - 1], NULL, worker, (void *)i), 0);
    worker((void *)0L);
    for (int i = 0; i < N - 1; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(atomic_load(&errors), 0);
    for (int r = 0; r < ROUNDS; r++)
        CHECK_EQ(atomic_load(&serial[r]), 1);
    CHECK_EQ(pthread_barrier_destroy(&bar), 0);
    pthread_barrier_t b0;
    CHECK_EQ(pthread_barrier_init(&b0, NULL, 0), EINVAL);
    return 0;
}
