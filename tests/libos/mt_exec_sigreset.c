/* mt_exec_sigreset: execve: handlers->SIG_DFL, SIG_IGN/mask/pending kept, altstack dropped. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static void handler(int sig)
{
    (void)sig;
}

static void *disp(int sig)
{
    struct sigaction sa;
    CHECK_EQ(sigaction(sig, NULL, &sa), 0);
    return (void *)sa.sa_handler;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "after") == 0) {
        CHECK(disp(SIGUSR1) == (void *)SIG_DFL);
        CHECK(disp(SIGINT) == (void *)SIG_DFL);
        CHECK(disp(SIGUSR2) == (void *)SIG_IGN);
        CHECK(disp(SIGPIPE) == (void *)SIG_IGN);
        CHECK(disp(SIGRTMIN + 2) == (void *)SIG_DFL);
        sigset_t m, p;
        CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &m), 0);
        CHECK_EQ(sigismember(&m, SIGTERM), 1);
        CHECK_EQ(sigismember(&m, SIGHUP), 1);
        CHECK_EQ(sigismember(&m, SIGUSR1), 0);
        CHECK_EQ(sigpending(&p), 0);
        CHECK_EQ(sigismember(&p, SIGHUP), 1); /* still pending after exec */
        CHECK_EQ(sigismember(&p, SIGTERM), 0);
        stack_t ss;
        CHECK_EQ(sigaltstack(NULL, &ss), 0);
        CHECK(ss.ss_flags & SS_DISABLE);
        /* consume the pending SIGHUP */
        siginfo_t si;
        struct timespec zero = {0, 0};
        sigset_t hup;
        sigemptyset(&hup);
        sigaddset(&hup, SIGHUP);
        CHECK_EQ(sigtimedwait(&hup, &si, &zero), SIGHUP);
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    CHECK_EQ(sigaction(SIGINT, &sa, NULL), 0);
    CHECK_EQ(sigaction(SIGRTMIN + 2, &sa, NULL), 0);
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    static char altstack[64 * 1024];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0};
    CHECK_EQ(sigaltstack(&ss, NULL), 0);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGTERM);
    sigaddset(&m, SIGHUP);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
    CHECK_EQ(raise(SIGHUP), 0); /* pending across exec */
    char *av[] = {(char *)"mt", (char *)"after", NULL};
    execve("/proc/self/exe", av, environ);
    perror("execve");
    return 1;
}
