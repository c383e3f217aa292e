/* clock: clock_gettime/clock_getres are sane, monotonic; nanosleep(10 ms) takes >= 10 ms. */
#define _GNU_SOURCE
#include <time.h>

#include "check.h"

static long long ns(const struct timespec *t)
{
    return t->tv_sec * 1000000000ll + t->tv_nsec;
}

int main(void)
{
    struct timespec a, b, r;
    static const clockid_t clocks[] = {CLOCK_REALTIME,           CLOCK_MONOTONIC,
                                       CLOCK_MONOTONIC_RAW,      CLOCK_BOOTTIME,
                                       CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                                       CLOCK_REALTIME_COARSE,    CLOCK_MONOTONIC_COARSE};
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        CHECK_EQ(clock_gettime(clocks[i], &a), 0);
        CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
        CHECK_EQ(clock_getres(clocks[i], &r), 0);
        CHECK(ns(&r) > 0 && ns(&r) <= 10000000); /* coarse clocks: one tick */
    }
    CHECK_EQ(clock_getres(CLOCK_MONOTONIC, &r), 0);
    CHECK_EQ(ns(&r), 1); /* hrtimers */

    /* monotonic never goes back */
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
    for (int i = 0; i < 100000; i++) {
        CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &b), 0);
        CHECK(ns(&b) >= ns(&a));
        a = b;
    }
    /* boottime >= monotonic */
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
    CHECK_EQ(clock_gettime(CLOCK_BOOTTIME, &b), 0);
    CHECK(ns(&b) >= ns(&a));
    /* realtime is after 2020-01-01 */
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &a), 0);
    CHECK(a.tv_sec > 1577836800);

    /* nanosleep 10 ms: at least 10 ms pass, and not absurdly more */
    struct timespec req = {0, 10 * 1000 * 1000}, rem = {9, 9};
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
    CHECK_EQ(nanosleep(&req, &rem), 0);
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &b), 0);
    long long slept = ns(&b) - ns(&a);
    CHECK(slept >= 10000000);
    CHECK(slept < 500000000);

    /* clock_nanosleep, relative and absolute */
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0);
    struct timespec until = a;
    until.tv_nsec += 20 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL), 0);
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &b), 0);
    CHECK(ns(&b) >= ns(&until));

    /* CPU time advances with work */
    CHECK_EQ(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a), 0);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 20000000ul; i++)
        x += i;
    CHECK_EQ(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b), 0);
    CHECK(ns(&b) > ns(&a));

    /* errors */
    struct timespec bad = {0, 1000000000};
    CHECK_ERRNO(nanosleep(&bad, NULL), EINVAL);
    bad.tv_nsec = -1;
    CHECK_ERRNO(nanosleep(&bad, NULL), EINVAL);
    bad = (struct timespec){-1, 0};
    CHECK_ERRNO(nanosleep(&bad, NULL), EINVAL);
    CHECK_ERRNO(clock_gettime((clockid_t)12345, &a), EINVAL);
    CHECK_ERRNO(clock_getres((clockid_t)12345, &a), EINVAL);
    /* a zero sleep returns at once */
    req = (struct timespec){0, 0};
    CHECK_EQ(nanosleep(&req, NULL), 0);
    return 0;
}
