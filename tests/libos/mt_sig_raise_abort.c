/* mt_sig_raise_abort: raise() is synchronous; abort() kills with SIGABRT even if caught/blocked. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include "mt_util.h"

static volatile int hits;
static void on_sig(int sig)
{
    (void)sig;
    hits++;
}

static void no_core(void)
{
    struct rlimit rl = {0, 0};
    CHECK_EQ(setrlimit(RLIMIT_CORE, &rl), 0);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "abort") == 0) {
        no_core();
        abort();
    }
    if (argc == 2 && strcmp(argv[1], "abort-caught") == 0) {
        no_core();
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_sig; /* returns: abort still terminates */
        CHECK_EQ(sigaction(SIGABRT, &sa, NULL), 0);
        abort();
    }
    if (argc == 2 && strcmp(argv[1], "abort-blocked") == 0) {
        no_core();
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGABRT);
        CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
        abort();
    }
    if (argc == 2 && strcmp(argv[1], "abort-ignored") == 0) {
        no_core();
        CHECK(signal(SIGABRT, SIG_IGN) != SIG_ERR);
        abort();
    }
    if (argc == 2 && strcmp(argv[1], "raise-term") == 0) {
        raise(SIGTERM);
        return 3;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sig;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(hits, 1); /* synchronous */
    CHECK_EQ(raise(0), 0);
    CHECK_EQ(raise(SIGCONT), 0); /* default: continue, nothing to do */
    CHECK(raise(12345) != 0);

    const char *roles[] = {"abort", "abort-caught", "abort-blocked", "abort-ignored"};
    for (int i = 0; i < 4; i++) {
        pid_t pid = mt_spawn_self(NULL, NULL, roles[i], (char *)NULL);
        int st = mt_wait_status(pid);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT) {
            fprintf(stderr, "%s: status 0x%x\n", roles[i], st);
            return 1;
        }
    }
    pid_t pid = mt_spawn_self(NULL, NULL, "raise-term", (char *)NULL);
    int st = mt_wait_status(pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    return 0;
}
