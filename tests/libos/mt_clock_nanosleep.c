/* mt_clock_nanosleep: clock_nanosleep relative/TIMER_ABSTIME, past deadline, EINVAL, EINTR+rem. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>
#include "mt_util.h"

static void on_alrm(int sig)
{
    (void)sig;
}

static long long ns_of(const struct timespec *t)
{
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void)
{
    struct timespec req = {0, 30 * 1000000L}, a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK(ns_of(&b) - ns_of(&a) >= 30 * 1000000LL);

    /* absolute, monotonic */
    struct timespec target;
    clock_gettime(CLOCK_MONOTONIC, &target);
    target.tv_nsec += 40 * 1000000L;
    if (target.tv_nsec >= 1000000000L) {
        target.tv_sec++;
        target.tv_nsec -= 1000000000L;
    }
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK(ns_of(&b) >= ns_of(&target));

    /* absolute, realtime */
    clock_gettime(CLOCK_REALTIME, &target);
    target.tv_nsec += 20 * 1000000L;
    if (target.tv_nsec >= 1000000000L) {
        target.tv_sec++;
        target.tv_nsec -= 1000000000L;
    }
    CHECK_EQ(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &target, NULL), 0);
    clock_gettime(CLOCK_REALTIME, &b);
    CHECK(ns_of(&b) >= ns_of(&target));

    /* a deadline in the past returns at once */
    clock_gettime(CLOCK_MONOTONIC, &target);
    target.tv_sec -= 5;
    double t0 = mt_now_ms();
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
    CHECK(mt_now_ms() - t0 < 20);
    /* zero relative sleep */
    struct timespec zero = {0, 0};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &zero, NULL), 0);

    /* errors come back as the return value */
    struct timespec bad = {0, 1000000000L};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL), EINVAL);
    struct timespec neg = {-1, 0};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &neg, NULL), EINVAL);
    CHECK_EQ(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), EINVAL);
    CHECK_EQ(clock_nanosleep((clockid_t)1234, 0, &req, NULL), EINVAL);
    CHECK_ERRNO(nanosleep(&bad, NULL), EINVAL);

    /* interrupted by a signal: EINTR and the remaining time (relative only) */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alrm;
    CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval it = {{0, 0}, {0, 30000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    struct timespec one = {1, 0}, rem = {0, 0};
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &one, &rem), EINTR);
    CHECK(ns_of(&rem) > 500 * 1000000LL && ns_of(&rem) < 1000 * 1000000LL);
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    rem.tv_sec = rem.tv_nsec = 0;
    CHECK_ERRNO(nanosleep(&one, &rem), EINTR);
    CHECK(ns_of(&rem) > 500 * 1000000LL && ns_of(&rem) < 1000 * 1000000LL);
    /* absolute + EINTR: rem untouched */
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &target);
    target.tv_sec += 1;
    rem.tv_sec = 77;
    rem.tv_nsec = 0;
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, &rem), EINTR);
    CHECK_EQ(rem.tv_sec, 77);
    return 0;
}
