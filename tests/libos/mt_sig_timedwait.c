/* mt_sig_timedwait: sigtimedwait EAGAIN timeout, siginfo (SI_USER/SI_TKILL), EINVAL; sigwait. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include "mt_util.h"

static void *sender(void *arg)
{
    (void)arg;
    mt_sleep_ms(30);
    kill(getpid(), SIGUSR2);
    return NULL;
}

int main(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
    siginfo_t si;

    /* timeout */
    struct timespec ts = {0, 50 * 1000000L};
    double t0 = mt_now_ms();
    CHECK_ERRNO(sigtimedwait(&set, &si, &ts), EAGAIN);
    double el = mt_now_ms() - t0;
    CHECK(el >= 49 && el < 1000);
    /* zero timeout: a poll */
    struct timespec zero = {0, 0};
    CHECK_ERRNO(sigtimedwait(&set, &si, &zero), EAGAIN);
    struct timespec bad = {0, 1000000000L};
    CHECK_ERRNO(sigtimedwait(&set, &si, &bad), EINVAL);

    /* kill(): SI_USER with our pid and uid */
    CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigtimedwait(&set, &si, &ts), SIGUSR1);
    CHECK_EQ(si.si_signo, SIGUSR1);
    CHECK_EQ(si.si_code, SI_USER);
    CHECK_EQ(si.si_pid, getpid());
    CHECK_EQ(si.si_uid, getuid());
    /* consumed */
    CHECK_ERRNO(sigtimedwait(&set, &si, &zero), EAGAIN);

    /* tgkill(): SI_TKILL from the raw rt_sigtimedwait (glibc's wrapper
     * rewrites SI_TKILL to SI_USER, musl's does not) */
    CHECK_EQ(syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), SIGUSR2), 0);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(syscall(SYS_rt_sigtimedwait, &set, &si, NULL, _NSIG / 8), SIGUSR2);
    CHECK_EQ(si.si_code, SI_TKILL);
    CHECK_EQ(si.si_pid, getpid());
    /* raise() through sigwaitinfo */
    CHECK_EQ(raise(SIGUSR2), 0);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigwaitinfo(&set, &si), SIGUSR2);
    CHECK(si.si_code == SI_TKILL || si.si_code == SI_USER);
    CHECK_EQ(si.si_pid, getpid());

    /* a signal arriving while we wait (from another thread) */
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, sender, NULL), 0);
    struct timespec longer = {5, 0};
    t0 = mt_now_ms();
    CHECK_EQ(sigtimedwait(&set, &si, &longer), SIGUSR2);
    CHECK(mt_now_ms() - t0 < 4000);
    CHECK_EQ(pthread_join(t, NULL), 0);

    /* sigwait */
    CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    int sig = 0;
    CHECK_EQ(sigwait(&set, &sig), 0);
    CHECK_EQ(sig, SIGUSR1);

    /* a signal outside the set stays pending */
    sigset_t only1;
    sigemptyset(&only1);
    sigaddset(&only1, SIGUSR1);
    CHECK_EQ(raise(SIGUSR2), 0);
    CHECK_ERRNO(sigtimedwait(&only1, &si, &zero), EAGAIN);
    sigset_t pend;
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGUSR2), 1);
    CHECK_EQ(sigtimedwait(&set, NULL, &zero), SIGUSR2); /* info may be NULL */
    return 0;
}
