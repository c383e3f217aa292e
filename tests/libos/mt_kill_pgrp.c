/* mt_kill_pgrp: kill(-pgid, SIGTERM) reaches every member of a process group; then ESRCH. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

#define N 3

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "member") == 0) {
        /* report readiness on stdout, then wait to be killed */
        CHECK_EQ(write(1, "r", 1), 1);
        for (;;)
            pause();
    }
    int p[2];
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    posix_spawnattr_t at;
    CHECK_EQ(posix_spawnattr_init(&at), 0);
    CHECK_EQ(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP), 0);
    CHECK_EQ(posix_spawnattr_setpgroup(&at, 0), 0);
    pid_t pids[N];
    pids[0] = mt_spawn_self(&fa, &at, "member", (char *)NULL);
    CHECK_EQ(posix_spawnattr_setpgroup(&at, pids[0]), 0);
    for (int i = 1; i < N; i++)
        pids[i] = mt_spawn_self(&fa, &at, "member", (char *)NULL);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    char buf[N];
    CHECK_EQ(mt_readn(p[0], buf, N), N); /* all running */
    for (int i = 0; i < N; i++)
        CHECK_EQ(getpgid(pids[i]), pids[0]);
    CHECK_EQ(kill(-pids[0], 0), 0);
    CHECK_EQ(kill(-pids[0], SIGTERM), 0);
    int seen = 0;
    for (int i = 0; i < N; i++) {
        int st;
        pid_t r = waitpid(-1, &st, 0);
        int k;
        for (k = 0; k < N && pids[k] != r; k++) {
        }
        CHECK(k < N);
        CHECK(!(seen & (1 << k)));
        seen |= 1 << k;
        CHECK(WIFSIGNALED(st));
        CHECK_EQ(WTERMSIG(st), SIGTERM);
    }
    CHECK_ERRNO(kill(-pids[0], 0), ESRCH);
    CHECK_ERRNO(kill(-pids[0], SIGTERM), ESRCH);
    CHECK_ERRNO(kill(pids[1], 0), ESRCH);
    close(p[0]);
    return 0;
}
