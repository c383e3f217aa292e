/* mt_sig_pipe: SIGPIPE kills a writer by default; ignored, caught or blocked: EPIPE. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include "mt_util.h"

static volatile sig_atomic_t caught;
static void on_pipe(int sig)
{
    (void)sig;
    caught++;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "writer") == 0) {
        /* stdout is a pipe whose read end is closed */
        ssize_t r = write(1, "x", 1);
        fprintf(stderr, "write returned %zd (errno %d): not killed\n", r, errno);
        return 3;
    }
    int p[2];
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    close(p[0]);
    pid_t pid = mt_spawn_self(&fa, NULL, "writer", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);
    int st = mt_wait_status(pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGPIPE);

    /* ignored: EPIPE */
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
    /* caught: EPIPE and the handler runs once per write */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_pipe;
    CHECK_EQ(sigaction(SIGPIPE, &sa, NULL), 0);
    CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
    CHECK_EQ(caught, 1);
    CHECK_ERRNO(write(p[1], "xy", 2), EPIPE);
    CHECK_EQ(caught, 2);
    /* blocked: EPIPE and SIGPIPE pending (thread-directed) */
    sigset_t m, pend;
    sigemptyset(&m);
    sigaddset(&m, SIGPIPE);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
    CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGPIPE), 1);
    CHECK_EQ(caught, 2);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &m, NULL), 0);
    CHECK_EQ(caught, 3); /* delivered on unblock */
    close(p[1]);
    return 0;
}
