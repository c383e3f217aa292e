/* mt_sig_suspend: sigsuspend swaps the mask atomically, EINTR after a handler, mask restored. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include "mt_util.h"

static volatile sig_atomic_t got, blocked_in_handler;

static void on_usr1(int sig)
{
    (void)sig;
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    blocked_in_handler = sigismember(&cur, SIGUSR2); /* the sigsuspend mask applies */
    got++;
}

static void *killer(void *arg)
{
    (void)arg;
    mt_sleep_ms(30);
    kill(getpid(), SIGUSR1); /* process-directed: only main has it unblocked (in sigsuspend) */
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    sigset_t block, waitmask, cur;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &block, NULL), 0);

    /* 1. already pending: sigsuspend returns at once */
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(got, 0);
    sigemptyset(&waitmask);
    sigaddset(&waitmask, SIGUSR2);
    CHECK_ERRNO(sigsuspend(&waitmask), EINTR);
    CHECK_EQ(got, 1);
    CHECK_EQ(blocked_in_handler, 1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    CHECK_EQ(sigismember(&cur, SIGUSR1), 1); /* restored */
    CHECK_EQ(sigismember(&cur, SIGUSR2), 0);

    /* 2. sent later by another thread (which inherited the blocked mask) */
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, killer, NULL), 0);
    double t0 = mt_now_ms();
    CHECK_ERRNO(sigsuspend(&waitmask), EINTR);
    CHECK(mt_now_ms() - t0 >= 25);
    CHECK_EQ(got, 2);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    CHECK_EQ(sigismember(&cur, SIGUSR1), 1);

    /* 3. an ignored signal does not end sigsuspend; a caught one does */
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    sigemptyset(&waitmask);
    CHECK_EQ(pthread_create(&t, NULL, killer, NULL), 0);
    kill(getpid(), SIGUSR2);
    CHECK_ERRNO(sigsuspend(&waitmask), EINTR);
    CHECK_EQ(got, 3);
    CHECK_EQ(pthread_join(t, NULL), 0);
    return 0;
}
