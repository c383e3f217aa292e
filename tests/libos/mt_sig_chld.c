/* mt_sig_chld: SIGCHLD per exiting child with CLD_EXITED/CLD_KILLED, si_pid, si_status. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static volatile int hits, last_code, last_status;
static volatile pid_t last_pid;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    hits++;
    last_code = si->si_code;
    last_pid = si->si_pid;
    last_status = si->si_status;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
    if (argc == 2 && strcmp(argv[1], "term") == 0) {
        raise(SIGTERM);
        return 100;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);

    for (int i = 0; i < 5; i++) {
        char code[8];
        snprintf(code, sizeof(code), "%d", i + 3);
        pid_t pid = mt_spawn_self(NULL, NULL, "exit", code, (char *)NULL);
        /* SIGCHLD is generated before the child becomes waitable; it is
         * delivered at the latest when waitpid returns to us */
        MT_WAIT_EXIT(pid, i + 3);
        for (int k = 0; k < 1000 && hits < i + 1; k++)
            mt_sleep_ms(1);
        CHECK_EQ(hits, i + 1);
        CHECK_EQ(last_code, CLD_EXITED);
        CHECK_EQ(last_pid, pid);
        CHECK_EQ(last_status, i + 3);
    }
    pid_t pid = mt_spawn_self(NULL, NULL, "term", (char *)NULL);
    int st = mt_wait_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    for (int k = 0; k < 1000 && hits < 6; k++)
        mt_sleep_ms(1);
    CHECK_EQ(hits, 6);
    CHECK_EQ(last_code, CLD_KILLED);
    CHECK_EQ(last_pid, pid);
    CHECK_EQ(last_status, SIGTERM);

    /* sigsuspend woken by SIGCHLD while the child runs */
    sigset_t m, old;
    sigemptyset(&m);
    sigaddset(&m, SIGCHLD);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, &old), 0);
    pid = mt_spawn_self(NULL, NULL, "exit", "9", (char *)NULL);
    while (hits < 7)
        sigsuspend(&old);
    CHECK_EQ(last_pid, pid);
    CHECK_EQ(sigprocmask(SIG_SETMASK, &old, NULL), 0);
    MT_WAIT_EXIT(pid, 9);
    return 0;
}
