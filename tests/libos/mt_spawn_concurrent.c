/* mt_spawn_concurrent: 50 children alive at once, then waited in any order, each pid once. */
#define _GNU_SOURCE
#include "mt_util.h"

#define N 50

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        char c;
        /* fd 0 is the read end of the gate pipe: EOF releases us */
        CHECK_EQ(read(0, &c, 1), 0);
        return atoi(argv[2]);
    }
    CHECK_EQ(argc, 1);
    int gate[2];
    CHECK_EQ(pipe2(gate, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, gate[0], 0), 0);
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        char code[16];
        snprintf(code, sizeof(code), "%d", i + 1);
        pids[i] = mt_spawn_self(&fa, NULL, "child", code, (char *)NULL);
        for (int j = 0; j < i; j++)
            CHECK(pids[j] != pids[i]);
    }
    posix_spawn_file_actions_destroy(&fa);
    /* all 50 are alive: none can have exited yet */
    CHECK_EQ(waitpid(-1, NULL, WNOHANG), 0);
    CHECK_EQ(close(gate[1]), 0);
    int seen[N] = {0};
    for (int k = 0; k < N; k++) {
        int st;
        pid_t p = waitpid(-1, &st, 0);
        CHECK(p > 0);
        int i;
        for (i = 0; i < N && pids[i] != p; i++) {
        }
        CHECK(i < N);
        CHECK_EQ(seen[i], 0);
        seen[i] = 1;
        CHECK(WIFEXITED(st));
        CHECK_EQ(WEXITSTATUS(st), i + 1);
    }
    CHECK_ERRNO(waitpid(-1, NULL, 0), ECHILD);
    return 0;
}
