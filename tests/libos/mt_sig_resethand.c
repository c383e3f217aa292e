/* mt_sig_resethand: SA_RESETHAND: SIG_DFL on entry, a second signal takes the default action;
 * with SA_SIGINFO the handler gets its siginfo and the flags stay. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static volatile int hits, dfl_in_handler, blocked_in_handler;

static void on_usr1(int sig)
{
    struct sigaction cur;
    sigaction(sig, NULL, &cur);
    dfl_in_handler = cur.sa_handler == SIG_DFL;
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    blocked_in_handler = sigismember(&m, sig);
    hits++;
}

static volatile int info_value, info_code;

static void on_usr2(int sig, siginfo_t *info, void *uc)
{
    info_value = info->si_value.sival_int;
    info_code = info->si_code;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESETHAND;
    if (argc == 2 && strcmp(argv[1], "twice") == 0) {
        CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
        raise(SIGUSR1);
        if (hits != 1) return 2;
        raise(SIGUSR1); /* default action: terminate */
        return 3;
    }
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    struct sigaction cur;
    CHECK_EQ(sigaction(SIGUSR1, NULL, &cur), 0);
    CHECK(cur.sa_handler == on_usr1);
    CHECK(cur.sa_flags & SA_RESETHAND);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(hits, 1);
    CHECK_EQ(dfl_in_handler, 1);
    CHECK_EQ(blocked_in_handler, 1); /* RESETHAND alone does not imply NODEFER on Linux */
    CHECK_EQ(sigaction(SIGUSR1, NULL, &cur), 0);
    CHECK(cur.sa_handler == SIG_DFL);

    pid_t pid = mt_spawn_self(NULL, NULL, "twice", (char *)NULL);
    int st = mt_wait_status(pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGUSR1);

    /* with SA_SIGINFO: the handler gets the queued siginfo, and only the
     * handler is reset (sigaction still reports SA_SIGINFO|SA_RESETHAND) */
    struct sigaction si;
    memset(&si, 0, sizeof(si));
    si.sa_sigaction = on_usr2;
    si.sa_flags = SA_SIGINFO | SA_RESETHAND;
    CHECK_EQ(sigaction(SIGUSR2, &si, NULL), 0);
    CHECK_EQ(sigqueue(getpid(), SIGUSR2, (union sigval){.sival_int = 42}), 0);
    CHECK_EQ(info_value, 42);
    CHECK_EQ(info_code, SI_QUEUE);
    CHECK_EQ(sigaction(SIGUSR2, NULL, &cur), 0);
    CHECK(cur.sa_handler == SIG_DFL);
    CHECK_EQ(cur.sa_flags & (SA_SIGINFO | SA_RESETHAND), SA_SIGINFO | SA_RESETHAND);

    /* SIGURG's default is to ignore: after the reset it is discarded */
    CHECK_EQ(sigaction(SIGURG, &sa, NULL), 0);
    CHECK_EQ(raise(SIGURG), 0);
    CHECK_EQ(hits, 2);
    CHECK_EQ(raise(SIGURG), 0); /* SIG_DFL for SIGURG: ignore */
    CHECK_EQ(hits, 2);
    return 0;
}
