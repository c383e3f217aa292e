/* mt_sig_itimer: setitimer ITIMER_REAL periodic ticks, getitimer, cancel, EINVAL. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>
#include "mt_util.h"

static volatile sig_atomic_t ticks;
static void on_alrm(int sig)
{
    (void)sig;
    ticks++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alrm;
    CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    sigset_t m, old;
    sigemptyset(&m);
    sigaddset(&m, SIGALRM);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, &old), 0);

    struct itimerval it = {{0, 10000}, {0, 10000}}, prev, cur;
    CHECK_EQ(setitimer(ITIMER_REAL, &it, &prev), 0);
    CHECK_EQ(prev.it_value.tv_sec, 0);
    CHECK_EQ(prev.it_value.tv_usec, 0);
    double t0 = mt_now_ms();
    while (ticks < 10)
        sigsuspend(&old);
    double el = mt_now_ms() - t0;
    if (!(el >= 95 && el < 2000)) fprintf(stderr, "10 ticks of 10 ms took %.1f ms\n", el);
    CHECK(el >= 95 && el < 2000);
    CHECK_EQ(getitimer(ITIMER_REAL, &cur), 0);
    CHECK_EQ(cur.it_interval.tv_sec, 0);
    CHECK_EQ(cur.it_interval.tv_usec, 10000);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec <= 10000);
    /* cancel: returns the old setting */
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK_EQ(setitimer(ITIMER_REAL, &off, &prev), 0);
    CHECK_EQ(prev.it_interval.tv_usec, 10000);
    CHECK_EQ(getitimer(ITIMER_REAL, &cur), 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);
    /* drop a tick that may be pending */
    CHECK(signal(SIGALRM, SIG_IGN) != SIG_ERR);
    CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    int before = ticks;
    mt_sleep_ms(40);
    CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);
    CHECK_EQ(ticks, before); /* stopped */

    /* one-shot: value counts down, no interval */
    struct itimerval one = {{0, 0}, {2, 0}};
    CHECK_EQ(setitimer(ITIMER_REAL, &one, NULL), 0);
    mt_sleep_ms(20);
    CHECK_EQ(getitimer(ITIMER_REAL, &cur), 0);
    CHECK(cur.it_value.tv_sec == 1 && cur.it_value.tv_usec > 500000);
    CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_usec == 0);
    CHECK_EQ(alarm(0), 2u); /* alarm shares the timer */
    CHECK_EQ(getitimer(ITIMER_REAL, &cur), 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

    struct itimerval bad = {{0, 0}, {0, 1000000}};
    CHECK_ERRNO(setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
    CHECK_ERRNO(setitimer(42, &it, NULL), EINVAL);
    return 0;
}
