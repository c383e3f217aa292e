/*
 * mt_job_control: SIGSTOP/SIGTSTP stop every thread of a process and
 * SIGCONT resumes it; the parent sees it through waitpid(WUNTRACED /
 * WCONTINUED), waitid(WSTOPPED / WCONTINUED) and SIGCHLD (CLD_STOPPED,
 * CLD_CONTINUED; none with SA_NOCLDSTOP); a handled SIGTSTP does not stop;
 * SIGKILL ends a stopped process; signals sent while stopped wait for
 * SIGCONT.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>

#include "mt_util.h"

/* The child: two threads each write a byte to fd 1 (a pipe) every 2 ms. */
static void *ticker(void *arg)
{
    char c = *(char *)arg;
    for (;;) {
        if (write(1, &c, 1) != 1) _exit(3);
        mt_sleep_ms(2);
    }
    return NULL;
}

static volatile sig_atomic_t got_tstp, got_usr1;
static void on_tstp(int s)
{
    (void)s;
    got_tstp++;
}
static void on_usr1(int s)
{
    (void)s;
    got_usr1++;
    if (write(1, "U", 1) != 1) _exit(4);
}

static int child(const char *mode)
{
    if (strcmp(mode, "handle-tstp") == 0) {
        signal(SIGTSTP, on_tstp);
        puts("r");
        fflush(stdout);
        while (!got_tstp)
            mt_sleep_ms(1);
        return 7;
    }
    signal(SIGUSR1, on_usr1);
    static char a = 'a', b = 'b';
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, ticker, &a), 0);
    ticker(&b);
    return 0;
}

/* Bytes readable from the non-blocking pipe within ms milliseconds. */
static int drain(int fd, int ms, char *seen)
{
    int n = 0;
    double until = mt_now_ms() + ms;
    do {
        char buf[256];
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r > 0) {
            for (ssize_t i = 0; i < r && seen; i++)
                if (buf[i] == 'U') *seen = 'U';
            n += (int)r;
        } else {
            CHECK(r < 0 && errno == EAGAIN);
            mt_sleep_ms(1);
        }
    } while (mt_now_ms() < until);
    return n;
}

/* Output that must come (the child runs): read until some arrived (and,
 * with seen, the 'U' of the handler), for up to 10 s on a busy machine. */
static int await_output(int fd, char *seen)
{
    int n = 0;
    for (int tries = 0; tries < 100 && !(n > 0 && (!seen || *seen == 'U')); tries++)
        n += drain(fd, 100, seen);
    return n;
}

static pid_t spawn_into(int p[2], const char *mode)
{
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    pid_t c = mt_spawn_self(&fa, NULL, "child", mode, NULL);
    posix_spawn_file_actions_destroy(&fa);
    return c;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0) return child(argv[2]);
    int p[2];
    CHECK_EQ(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &chld, NULL), 0);
    struct timespec zero = {0, 0}, second = {1, 0};
    siginfo_t si;

    pid_t c = spawn_into(p, "tick");
    CHECK(await_output(p[0], NULL) > 0); /* it runs */

    /* SIGSTOP: waitpid(WUNTRACED) reports it, SIGCHLD says CLD_STOPPED, both threads stop */
    CHECK_EQ(kill(c, SIGSTOP), 0);
    int st;
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK_EQ(sigtimedwait(&chld, &si, &second), SIGCHLD);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_pid, c);
    CHECK_EQ(si.si_status, SIGSTOP);
    drain(p[0], 20, NULL); /* what was written before it stopped */
    CHECK_EQ(drain(p[0], 60, NULL), 0);
    CHECK_EQ(waitpid(c, &st, WUNTRACED | WNOHANG), 0); /* told once */
    /* a signal sent while stopped waits for SIGCONT */
    CHECK_EQ(kill(c, SIGUSR1), 0);
    char seen = 0;
    CHECK_EQ(drain(p[0], 30, &seen), 0);

    /* SIGCONT: it runs again, the pending SIGUSR1 is handled, WCONTINUED and CLD_CONTINUED */
    CHECK_EQ(kill(c, SIGCONT), 0);
    CHECK_EQ(waitpid(c, &st, WCONTINUED), c);
    CHECK(WIFCONTINUED(st));
    CHECK_EQ(sigtimedwait(&chld, &si, &second), SIGCHLD);
    CHECK_EQ(si.si_code, CLD_CONTINUED);
    CHECK_EQ(si.si_status, SIGCONT);
    CHECK(await_output(p[0], &seen) > 0);
    CHECK_EQ(seen, 'U');

    /* SIGTSTP (default action) through waitid(WSTOPPED), then WNOWAIT keeps the report */
    CHECK_EQ(kill(c, SIGTSTP), 0);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WSTOPPED | WNOWAIT), 0);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    CHECK_EQ(si.si_status, SIGTSTP);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WSTOPPED), 0);
    CHECK_EQ(si.si_code, CLD_STOPPED);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WSTOPPED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0); /* nothing more to tell */
    CHECK_EQ(sigtimedwait(&chld, &si, &second), SIGCHLD);
    CHECK_EQ(kill(c, SIGCONT), 0);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(waitid(P_PID, (id_t)c, &si, WCONTINUED), 0);
    CHECK_EQ(si.si_code, CLD_CONTINUED);
    CHECK_EQ(sigtimedwait(&chld, &si, &second), SIGCHLD);

    /* SA_NOCLDSTOP: no SIGCHLD for a stop or a continue, waitpid still tells */
    struct sigaction sa = {.sa_handler = SIG_DFL, .sa_flags = SA_NOCLDSTOP};
    CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);
    CHECK_EQ(kill(c, SIGSTOP), 0);
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK(WIFSTOPPED(st));
    CHECK_ERRNO(sigtimedwait(&chld, &si, &zero), EAGAIN);

    /* SIGKILL ends a stopped process */
    CHECK_EQ(kill(c, SIGKILL), 0);
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    sa.sa_flags = 0;
    CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);
    while (sigtimedwait(&chld, &si, &zero) == SIGCHLD) {
    }

    /* a handled SIGTSTP runs the handler and does not stop */
    CHECK_EQ(close(p[1]), 0);
    CHECK_EQ(close(p[0]), 0);
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    c = spawn_into(p, "handle-tstp");
    char r;
    CHECK_EQ(read(p[0], &r, 1), 1); /* ready */
    CHECK_EQ(kill(c, SIGTSTP), 0);
    CHECK_EQ(waitpid(c, &st, WUNTRACED), c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    return 0;
}
