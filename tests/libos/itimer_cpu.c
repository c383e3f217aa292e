/*
 * itimer_cpu: ITIMER_VIRTUAL and ITIMER_PROF count the process's CPU time:
 * a computing process gets SIGVTALRM / SIGPROF (periodic ones again and
 * again), a sleeping one does not; getitimer shows what is left, setitimer
 * returns the old value; a bad `which` is EINVAL.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "check.h"

static volatile sig_atomic_t vt, prof;
static void on_vt(int s)
{
    (void)s;
    vt++;
}
static void on_prof(int s)
{
    (void)s;
    prof++;
}

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Compute until *flag reaches n or 10 s of wall time pass. */
static void spin_until(volatile sig_atomic_t *flag, int n)
{
    volatile unsigned long x = 0;
    double end = wall_ms() + 10000;
    while (*flag < n && wall_ms() < end)
        for (int i = 0; i < 100000; i++)
            x += (unsigned long)i;
}

int main(void)
{
    struct sigaction sa = {.sa_handler = on_vt};
    CHECK_EQ(sigaction(SIGVTALRM, &sa, NULL), 0);
    sa.sa_handler = on_prof;
    CHECK_EQ(sigaction(SIGPROF, &sa, NULL), 0);

    /* one-shot ITIMER_PROF: fires while we compute; then it is disarmed */
    struct itimerval it = {.it_value = {0, 30000}}, old, cur;
    CHECK_EQ(setitimer(ITIMER_PROF, &it, NULL), 0);
    CHECK_EQ(getitimer(ITIMER_PROF, &cur), 0);
    /* Linux counts CPU timers in ticks: a little more than asked may show */
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 40000);
    spin_until(&prof, 1);
    CHECK_EQ(prof, 1);
    CHECK_EQ(getitimer(ITIMER_PROF, &cur), 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

    /* one-shot ITIMER_VIRTUAL likewise */
    CHECK_EQ(setitimer(ITIMER_VIRTUAL, &it, NULL), 0);
    spin_until(&vt, 1);
    CHECK_EQ(vt, 1);

    /* sleeping uses no CPU time: a 50 ms virtual timer does not fire in 300 ms of sleep */
    it.it_value.tv_usec = 50000;
    CHECK_EQ(setitimer(ITIMER_VIRTUAL, &it, NULL), 0);
    struct timespec nap = {0, 300 * 1000 * 1000};
    while (nanosleep(&nap, &nap) != 0 && errno == EINTR) {
    }
    CHECK_EQ(vt, 1);
    /* setitimer hands back the old value: still armed, nearly all of it left */
    struct itimerval off = {{0, 0}, {0, 0}};
    CHECK_EQ(setitimer(ITIMER_VIRTUAL, &off, &old), 0);
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_usec > 20000);
    CHECK_EQ(getitimer(ITIMER_VIRTUAL, &cur), 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

    /* periodic ITIMER_PROF: keeps firing while we compute */
    struct itimerval per = {.it_value = {0, 10000}, .it_interval = {0, 10000}};
    CHECK_EQ(setitimer(ITIMER_PROF, &per, NULL), 0);
    spin_until(&prof, 6);
    CHECK(prof >= 6);
    CHECK_EQ(getitimer(ITIMER_PROF, &cur), 0);
    CHECK_EQ(cur.it_interval.tv_usec, 10000);
    CHECK_EQ(setitimer(ITIMER_PROF, &off, NULL), 0);

    CHECK_ERRNO(setitimer(5, &it, NULL), EINVAL);
    CHECK_ERRNO(getitimer(5, &cur), EINVAL);
    return 0;
}
