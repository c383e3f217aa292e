/* mt_sig_mask_pending: sigprocmask/sigpending: blocked signals pend, coalesce, come on unblock. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static volatile int hits[65];
static volatile int order[16], norder;

static void on_sig(int sig)
{
    hits[sig]++;
    if (norder < 16) order[norder++] = sig;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sig;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    CHECK_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
    CHECK_EQ(sigaction(SIGHUP, &sa, NULL), 0);

    sigset_t m, old, pend;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, &old), 0);
    CHECK_EQ(sigismember(&old, SIGUSR1), 0);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 0);

    CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    CHECK_EQ(kill(getpid(), SIGUSR1), 0); /* coalesces */
    CHECK_EQ(raise(SIGUSR2), 0);
    CHECK_EQ(raise(SIGHUP), 0); /* not blocked: delivered now */
    CHECK_EQ(hits[SIGHUP], 1);
    CHECK_EQ(hits[SIGUSR1], 0);
    CHECK_EQ(hits[SIGUSR2], 0);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 1);
    CHECK_EQ(sigismember(&pend, SIGUSR2), 1);
    CHECK_EQ(sigismember(&pend, SIGHUP), 0);

    /* unblock one: only it is delivered, before sigprocmask returns */
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, SIGUSR2);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &one, NULL), 0);
    CHECK_EQ(hits[SIGUSR2], 1);
    CHECK_EQ(hits[SIGUSR1], 0);
    /* SIG_SETMASK to the old mask delivers the rest exactly once */
    CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);
    CHECK_EQ(hits[SIGUSR1], 1);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 0);

    /* several pending standard signals: all delivered on unblock, once each
     * (their order is unspecified, see signal(7)) */
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
    sigaddset(&m, SIGHUP);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
    norder = 0;
    raise(SIGUSR2); /* 12 */
    raise(SIGUSR1); /* 10 */
    raise(SIGHUP);  /* 1 */
    CHECK_EQ(norder, 0);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &m, NULL), 0);
    CHECK_EQ(norder, 3);
    CHECK_EQ(order[0] + order[1] + order[2], SIGHUP + SIGUSR1 + SIGUSR2);
    CHECK(order[0] != order[1] && order[1] != order[2] && order[0] != order[2]);

    /* SIGKILL and SIGSTOP cannot be blocked (silently dropped from the set) */
    sigset_t ks, cur;
    sigemptyset(&ks);
    sigaddset(&ks, SIGKILL);
    sigaddset(&ks, SIGSTOP);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &ks, NULL), 0);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    CHECK_EQ(sigismember(&cur, SIGKILL), 0);
    CHECK_EQ(sigismember(&cur, SIGSTOP), 0);
    CHECK_ERRNO(sigprocmask(12345, &ks, NULL), EINVAL);
    /* and their dispositions cannot be changed */
    CHECK_ERRNO(sigaction(SIGKILL, &sa, NULL), EINVAL);
    CHECK_ERRNO(sigaction(SIGSTOP, &sa, NULL), EINVAL);
    CHECK_ERRNO(sigaction(0, &sa, NULL), EINVAL);
    CHECK_ERRNO(sigaction(65, &sa, NULL), EINVAL);
    /* an ignored pending signal is discarded */
    sigemptyset(&one);
    sigaddset(&one, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &one, NULL), 0);
    raise(SIGUSR1);
    CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 0);
    return 0;
}
