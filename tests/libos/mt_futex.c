/* mt_futex: raw futex: EAGAIN on wrong value, ETIMEDOUT (relative, BITSET absolute), WAKE. */
#define _GNU_SOURCE
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include "mt_util.h"

static long futex(atomic_int *uaddr, int op, int val, const struct timespec *ts, int val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, NULL, val3);
}

static atomic_int word, entered, woken;

static void *waiter(void *arg)
{
    int priv = (int)(intptr_t)arg;
    atomic_fetch_add(&entered, 1);
    while (atomic_load(&word) == 0) {
        long r = futex(&word, FUTEX_WAIT | priv, 0, NULL, 0);
        if (r != 0 && errno != EAGAIN && errno != EINTR) abort();
    }
    atomic_fetch_add(&woken, 1);
    return NULL;
}

int main(void)
{
    atomic_int f = 5;
    /* wrong expected value */
    CHECK_ERRNO(futex(&f, FUTEX_WAIT, 4, NULL, 0), EAGAIN);
    CHECK_ERRNO(futex(&f, FUTEX_WAIT_PRIVATE, 4, NULL, 0), EAGAIN);
    /* timeout, relative */
    struct timespec ts = {0, 50 * 1000000L};
    double t0 = mt_now_ms();
    CHECK_ERRNO(futex(&f, FUTEX_WAIT_PRIVATE, 5, &ts, 0), ETIMEDOUT);
    double el = mt_now_ms() - t0;
    CHECK(el >= 49 && el < 1000);
    /* timeout, absolute (BITSET uses CLOCK_MONOTONIC by default) */
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 30 * 1000000L;
    if (abs.tv_nsec >= 1000000000L) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000L;
    }
    CHECK_ERRNO(futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    CHECK(now.tv_sec > abs.tv_sec || (now.tv_sec == abs.tv_sec && now.tv_nsec >= abs.tv_nsec));
    /* an absolute time in the past: immediately */
    abs.tv_sec -= 10;
    CHECK_ERRNO(futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
    /* invalid timeout */
    struct timespec bad = {0, 1000000000L};
    CHECK_ERRNO(futex(&f, FUTEX_WAIT_PRIVATE, 5, &bad, 0), EINVAL);
    CHECK_ERRNO(futex(&f, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, 0), EINVAL); /* bitset 0 */
    /* wake with nobody waiting */
    CHECK_EQ(futex(&f, FUTEX_WAKE, 1, NULL, 0), 0);
    CHECK_EQ(futex(&f, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, 0), 0);

    /* 4 waiters; WAKE 1, then WAKE 1, then WAKE all */
    for (int priv = 0; priv <= FUTEX_PRIVATE_FLAG; priv += FUTEX_PRIVATE_FLAG) {
        atomic_store(&word, 0);
        atomic_store(&entered, 0);
        atomic_store(&woken, 0);
        pthread_t t[4];
        for (int i = 0; i < 4; i++)
            CHECK_EQ(pthread_create(&t[i], NULL, waiter, (void *)(intptr_t)priv), 0);
        while (atomic_load(&entered) < 4)
            mt_sleep_ms(1);
        mt_sleep_ms(30); /* let them block in FUTEX_WAIT */
        /* wake 1 without changing the word: the woken one waits again */
        long total = 0;
        for (int k = 0; k < 200 && total == 0; k++) {
            total += futex(&word, FUTEX_WAKE | priv, 1, NULL, 0);
            if (total == 0) mt_sleep_ms(1);
        }
        CHECK_EQ(total, 1);
        CHECK_EQ(atomic_load(&woken), 0);
        mt_sleep_ms(20);
        atomic_store(&word, 1);
        long n = 0;
        for (int k = 0; k < 2000 && atomic_load(&woken) < 4; k++) {
            long r = futex(&word, FUTEX_WAKE | priv, INT_MAX, NULL, 0);
            CHECK(r >= 0 && r <= 4);
            n += r;
            if (atomic_load(&woken) < 4) mt_sleep_ms(1);
        }
        for (int i = 0; i < 4; i++)
            CHECK_EQ(pthread_join(t[i], NULL), 0);
        CHECK_EQ(atomic_load(&woken), 4);
        CHECK(n >= 1 && n <= 4);
    }
    return 0;
}
