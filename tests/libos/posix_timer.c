/* posix_timer: timer_create/settime/gettime/getoverrun/delete through the
 * raw system calls (the kernel's timer ids, as both libcs pass them):
 * SIGEV_SIGNAL with its value and SI_TIMER info, the NULL sigevent
 * (SIGALRM, sival_int = id), periodic timers whose missed expiries count as
 * overruns while the signal is pending, TIMER_ABSTIME on CLOCK_REALTIME,
 * SIGEV_THREAD_ID to one thread, SIGEV_NONE, a CPU-time clock, a fork's
 * child without its parent's timers, and the errors. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

struct k_sigevent { /* the kernel's struct sigevent */
    uint64_t value;
    int32_t signo, notify, tid;
    int32_t pad[11];
};

static long t_create(clockid_t c, struct k_sigevent *ev, int *id)
{
    return syscall(SYS_timer_create, c, ev, id);
}

static long t_set(int id, int flags, long value_ns, long interval_ns, struct itimerspec *old)
{
    struct itimerspec v = {{interval_ns / 1000000000L, interval_ns % 1000000000L},
                           {value_ns / 1000000000L, value_ns % 1000000000L}};
    return syscall(SYS_timer_settime, id, flags, &v, old);
}

static long t_get(int id, struct itimerspec *cur)
{
    return syscall(SYS_timer_gettime, id, cur);
}

static sigset_t only(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    return s;
}

static int wait_sig(int sig, siginfo_t *si, int seconds)
{
    sigset_t s = only(sig);
    struct timespec ts = {seconds, 0};
    return sigtimedwait(&s, si, &ts);
}

static int thread_tid;
static siginfo_t thread_si;
static void *waiter(void *arg)
{
    thread_tid = (int)syscall(SYS_gettid);
    sigset_t s = only(SIGUSR2);
    __atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
    struct timespec ts = {10, 0};
    return (void *)(intptr_t)sigtimedwait(&s, &thread_si, &ts);
}

int main(void)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGALRM);
    sigaddset(&block, SIGRTMIN + 1);
    CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);

    /* SIGEV_SIGNAL: one shot, with the value and the timer's id */
    struct k_sigevent ev = {.value = 42, .signo = SIGUSR1, .notify = SIGEV_SIGNAL};
    int id = -1;
    CHECK(t_create(CLOCK_MONOTONIC, &ev, &id) == 0 && id >= 0);
    CHECK(t_set(id, 0, 20 * 1000000L, 0, NULL) == 0);
    siginfo_t si;
    CHECK(wait_sig(SIGUSR1, &si, 10) == SIGUSR1);
    CHECK(si.si_code == SI_TIMER && si.si_value.sival_int == 42 && si.si_timerid == id);
    CHECK(si.si_overrun == 0);
    struct itimerspec cur;
    CHECK(t_get(id, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    CHECK(syscall(SYS_timer_getoverrun, id) == 0);

    /* armed for 10 s: what is left, and the interval; disarmed again */
    struct itimerspec old;
    CHECK(t_set(id, 0, 10000000000L, 250000000L, NULL) == 0);
    CHECK(t_get(id, &cur) == 0);
    CHECK(cur.it_value.tv_sec <= 10 && (cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0));
    CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 250000000L);
    CHECK(t_set(id, 0, 0, 0, &old) == 0);
    CHECK(old.it_value.tv_sec <= 10 && old.it_interval.tv_nsec == 250000000L);
    CHECK(t_get(id, &cur) == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

    /* periodic, its signal blocked: the expiries while it is pending are
     * overruns, reported with it and by timer_getoverrun */
    CHECK(t_set(id, 0, 5 * 1000000L, 5 * 1000000L, NULL) == 0);
    struct timespec nap = {0, 80 * 1000000L};
    CHECK(nanosleep(&nap, NULL) == 0);
    CHECK(wait_sig(SIGUSR1, &si, 10) == SIGUSR1);
    CHECK(si.si_code == SI_TIMER && si.si_overrun > 0);
    CHECK(syscall(SYS_timer_getoverrun, id) == si.si_overrun);
    CHECK(syscall(SYS_timer_delete, id) == 0);
    CHECK_ERRNO(syscall(SYS_timer_delete, id), EINVAL);
    CHECK_ERRNO(t_get(id, &cur), EINVAL);
    CHECK(sigpending(&block) == 0);
    if (sigismember(&block, SIGUSR1)) CHECK(wait_sig(SIGUSR1, &si, 1) == SIGUSR1);

    /* no sigevent: SIGALRM, sival_int = the id */
    int id2 = -1;
    CHECK(t_create(CLOCK_REALTIME, NULL, &id2) == 0);
    struct timespec now;
    CHECK(clock_gettime(CLOCK_REALTIME, &now) == 0);
    long abs_ns = 30 * 1000000L + now.tv_nsec;
    struct itimerspec at = {{0, 0}, {now.tv_sec + abs_ns / 1000000000L, abs_ns % 1000000000L}};
    CHECK(syscall(SYS_timer_settime, id2, TIMER_ABSTIME, &at, NULL) == 0);
    CHECK(wait_sig(SIGALRM, &si, 10) == SIGALRM);
    CHECK(si.si_code == SI_TIMER && si.si_value.sival_int == id2 && si.si_timerid == id2);
    struct timespec after;
    CHECK(clock_gettime(CLOCK_REALTIME, &after) == 0);
    CHECK(after.tv_sec > at.it_value.tv_sec ||
          (after.tv_sec == at.it_value.tv_sec && after.tv_nsec >= at.it_value.tv_nsec));
    /* an absolute time already past fires at once */
    CHECK(t_set(id2, TIMER_ABSTIME, 1, 0, NULL) == 0);
    CHECK(wait_sig(SIGALRM, &si, 10) == SIGALRM);

    /* SIGEV_THREAD_ID: the signal goes to that thread */
    int ready = 0;
    pthread_t th;
    CHECK(pthread_create(&th, NULL, waiter, &ready) == 0);
    while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
        sched_yield();
    struct k_sigevent tev = {
        .value = 7, .signo = SIGUSR2, .notify = SIGEV_SIGNAL | 4, .tid = thread_tid};
    int id3 = -1;
    CHECK(t_create(CLOCK_MONOTONIC, &tev, &id3) == 0);
    CHECK(t_set(id3, 0, 10 * 1000000L, 0, NULL) == 0);
    void *got;
    CHECK(pthread_join(th, &got) == 0);
    CHECK((intptr_t)got == SIGUSR2);
    CHECK(thread_si.si_code == SI_TIMER && thread_si.si_value.sival_int == 7);
    CHECK(sigpending(&block) == 0 && !sigismember(&block, SIGUSR2)); /* not the process's */
    tev.tid = getpid() + 100000; /* no such thread in this process */
    int bad;
    CHECK_ERRNO(t_create(CLOCK_MONOTONIC, &tev, &bad), EINVAL);

    /* SIGEV_NONE: it counts down, nothing is sent */
    struct k_sigevent none = {.notify = SIGEV_NONE};
    int id4 = -1;
    CHECK(t_create(CLOCK_MONOTONIC, &none, &id4) == 0);
    CHECK(t_set(id4, 0, 5000000000L, 0, NULL) == 0);
    CHECK(t_get(id4, &cur) == 0 && cur.it_value.tv_sec < 5 && cur.it_value.tv_sec >= 0);

    /* a real-time signal and the process's CPU-time clock */
    struct k_sigevent cev = {.value = 9, .signo = SIGRTMIN + 1, .notify = SIGEV_SIGNAL};
    int id5 = -1;
    CHECK(t_create(CLOCK_PROCESS_CPUTIME_ID, &cev, &id5) == 0);
    CHECK(t_set(id5, 0, 20 * 1000000L, 0, NULL) == 0);
    sigset_t rt = only(SIGRTMIN + 1);
    struct timespec zero = {0, 0}, start, now2;
    CHECK(clock_gettime(CLOCK_MONOTONIC, &start) == 0);
    int s = -1;
    volatile unsigned long spin = 0;
    do { /* burn CPU time until it fires (at most 30 s of wall time) */
        for (int i = 0; i < 100000; i++)
            spin++;
        s = sigtimedwait(&rt, &si, &zero);
        CHECK(clock_gettime(CLOCK_MONOTONIC, &now2) == 0);
    } while (s < 0 && now2.tv_sec - start.tv_sec < 30);
    CHECK(s == SIGRTMIN + 1 && si.si_code == SI_TIMER && si.si_value.sival_int == 9);

    /* a fork's child has none of them */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        errno = 0;
        _exit(t_get(id4, &cur) == -1 && errno == EINVAL ? 0 : 1);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(t_get(id4, &cur) == 0);

    /* errors */
    int id6;
    CHECK_ERRNO(t_create(123, NULL, &id6), EINVAL);
    CHECK_ERRNO(t_create(CLOCK_MONOTONIC_RAW, NULL, &id6), ENOTSUP);
    struct k_sigevent badsig = {.signo = 65, .notify = SIGEV_SIGNAL};
    CHECK_ERRNO(t_create(CLOCK_MONOTONIC, &badsig, &id6), EINVAL);
    struct k_sigevent badnotify = {.signo = SIGUSR1, .notify = 77};
    CHECK_ERRNO(t_create(CLOCK_MONOTONIC, &badnotify, &id6), EINVAL);
    CHECK_ERRNO(t_create(CLOCK_MONOTONIC, (void *)8, &id6), EFAULT);
    struct itimerspec bad_ns = {{0, 0}, {0, 1000000000L}}; /* tv_nsec of a whole second */
    CHECK_ERRNO(syscall(SYS_timer_settime, id4, 0, &bad_ns, NULL), EINVAL);
    CHECK_ERRNO(syscall(SYS_timer_settime, id4, 0, (void *)8, NULL), EFAULT);
    CHECK_ERRNO(syscall(SYS_timer_settime, 9999, 0, &at, NULL), EINVAL);
    CHECK_ERRNO(t_get(id4, (void *)8), EFAULT);
    CHECK_ERRNO(syscall(SYS_timer_getoverrun, 9999), EINVAL);
    CHECK(syscall(SYS_timer_delete, id2) == 0 && syscall(SYS_timer_delete, id3) == 0);
    CHECK(syscall(SYS_timer_delete, id4) == 0 && syscall(SYS_timer_delete, id5) == 0);
    puts("posix_timer: ok");
    return 0;
}
