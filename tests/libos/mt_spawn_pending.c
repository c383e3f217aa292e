/*
 * mt_spawn_pending: a new process starts with no pending signals
 * (fork(2): "The child's set of pending signals is initially empty"),
 * whether made by posix_spawn or vfork; the parent keeps its own.
 */
#define _GNU_SOURCE
#include "mt_util.h"

#include <signal.h>

static void check_none_pending(void)
{
    sigset_t s;
    CHECK(sigpending(&s) == 0);
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(&s, sig) == 1) {
            fprintf(stderr, "signal %d is pending in the child\n", sig);
            exit(1);
        }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0) {
        /* posix_spawn unblocked everything: an inherited signal would kill us */
        check_none_pending();
        mt_sleep_ms(50);
        return 0;
    }

    sigset_t block, pend;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGIO);
    CHECK(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
    CHECK(raise(SIGUSR1) == 0);        /* pending for this thread */
    CHECK(kill(getpid(), SIGIO) == 0); /* pending for the process */

    posix_spawnattr_t at;
    sigset_t none;
    sigemptyset(&none);
    CHECK(posix_spawnattr_init(&at) == 0);
    CHECK(posix_spawnattr_setsigmask(&at, &none) == 0);
    CHECK(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK) == 0);
    for (int i = 0; i < 3; i++) {
        pid_t pid = mt_spawn_self(NULL, &at, "child", NULL);
        MT_WAIT_EXIT(pid, 0);
    }
    CHECK(posix_spawnattr_destroy(&at) == 0);

    /* vfork: the child unblocks everything and must survive */
    pid_t pid = vfork();
    if (pid == 0) {
        sigset_t s;
        if (sigpending(&s) != 0 || sigismember(&s, SIGUSR1) || sigismember(&s, SIGIO)) _exit(10);
        sigprocmask(SIG_SETMASK, &none, NULL);
        _exit(0);
    }
    CHECK(pid > 0);
    MT_WAIT_EXIT(pid, 0);

    /* ours are still pending, and still blocked */
    CHECK(sigpending(&pend) == 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 1);
    CHECK_EQ(sigismember(&pend, SIGIO), 1);
    sigset_t cur;
    CHECK(sigprocmask(SIG_BLOCK, NULL, &cur) == 0);
    CHECK_EQ(sigismember(&cur, SIGUSR1), 1);
    CHECK_EQ(sigismember(&cur, SIGIO), 1);

    /* taking them proves they were real */
    int sig = 0;
    CHECK(sigwait(&block, &sig) == 0);
    CHECK(sig == SIGUSR1 || sig == SIGIO);
    CHECK(sigwait(&block, &sig) == 0);
    CHECK(sig == SIGUSR1 || sig == SIGIO);
    CHECK(sigpending(&pend) == 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 0);
    CHECK_EQ(sigismember(&pend, SIGIO), 0);
    return 0;
}
