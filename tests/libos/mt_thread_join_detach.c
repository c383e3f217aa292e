/* mt_thread_join_detach: pthread_join values (return, pthread_exit); detached threads complete. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "mt_util.h"

static void *ret_value(void *arg)
{
    return (void *)((uintptr_t)arg * 3 + 1);
}

static void nested_exit(uintptr_t v)
{
    pthread_exit((void *)(v * 5));
}

static void *exit_value(void *arg)
{
    nested_exit((uintptr_t)arg);
    return NULL; /* not reached */
}

static atomic_int detached_done;

static void *detached(void *arg)
{
    (void)arg;
    atomic_fetch_add(&detached_done, 1);
    return NULL;
}

static void *late_join_target(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)0xabcdef;
}

int main(void)
{
    pthread_t t[16];
    for (uintptr_t i = 0; i < 16; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, (i & 1) ? exit_value : ret_value, (void *)i), 0);
    for (uintptr_t i = 16; i-- > 0;) { /* join in reverse order */
        void *v = NULL;
        CHECK_EQ(pthread_join(t[i], &v), 0);
        CHECK_EQ((uintptr_t)v, (i & 1) ? i * 5 : i * 3 + 1);
    }

    /* a thread that finished long before the join */
    pthread_t lt;
    CHECK_EQ(pthread_create(&lt, NULL, late_join_target, NULL), 0);
    mt_sleep_ms(30);
    void *v;
    CHECK_EQ(pthread_join(lt, &v), 0);
    CHECK_EQ((uintptr_t)v, 0xabcdef);

    /* detached: created detached, and detached after creation */
    pthread_attr_t at;
    CHECK_EQ(pthread_attr_init(&at), 0);
    CHECK_EQ(pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED), 0);
    int ds;
    CHECK_EQ(pthread_attr_getdetachstate(&at, &ds), 0);
    CHECK_EQ(ds, PTHREAD_CREATE_DETACHED);
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 10; i++) {
            pthread_t d;
            if (i & 1) {
                CHECK_EQ(pthread_create(&d, &at, detached, NULL), 0);
            } else {
                CHECK_EQ(pthread_create(&d, NULL, detached, NULL), 0);
                CHECK_EQ(pthread_detach(d), 0);
            }
        }
        /* wait for this batch (bounded): detached threads free their slot */
        for (int k = 0; k < 2000 && atomic_load(&detached_done) < (round + 1) * 10; k++)
            mt_sleep_ms(1);
        CHECK_EQ(atomic_load(&detached_done), (round + 1) * 10);
    }
    pthread_attr_destroy(&at);
    CHECK(pthread_equal(pthread_self(), pthread_self()));
    return 0;
}
