/* mt_wait_nohang: WNOHANG gives 0 while a child runs; ECHILD without children; EINVAL. */
#define _GNU_SOURCE
#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0) {
        char c;
        CHECK_EQ(read(0, &c, 1), 0); /* until the parent closes the gate */
        return 9;
    }
    /* no children at all */
    int st = 0x1234;
    CHECK_ERRNO(waitpid(-1, &st, 0), ECHILD);
    CHECK_ERRNO(waitpid(-1, &st, WNOHANG), ECHILD);
    CHECK_ERRNO(wait(&st), ECHILD);
    CHECK_EQ(st, 0x1234);                                 /* untouched */
    CHECK_ERRNO(waitpid(getpid(), &st, WNOHANG), ECHILD); /* ourselves: not a child */
    CHECK_ERRNO(waitpid(-1, &st, 0x1000), EINVAL);        /* unknown option bit */

    int gate[2];
    CHECK_EQ(pipe2(gate, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, gate[0], 0), 0);
    pid_t pid = mt_spawn_self(&fa, NULL, "child", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);

    /* running child: WNOHANG gives 0, repeatedly, for -1, the pid and 0 (our group) */
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(waitpid(-1, &st, WNOHANG), 0);
        CHECK_EQ(waitpid(pid, &st, WNOHANG), 0);
        CHECK_EQ(waitpid(0, &st, WNOHANG), 0);
    }
    CHECK_ERRNO(waitpid(pid + 100000, &st, WNOHANG), ECHILD); /* no such child */

    CHECK_EQ(close(gate[1]), 0);
    /* poll with WNOHANG until it is reaped (bounded) */
    pid_t r = 0;
    for (int i = 0; i < 2000 && r == 0; i++) {
        r = waitpid(pid, &st, WNOHANG);
        if (r == 0) mt_sleep_ms(1);
    }
    CHECK_EQ(r, pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 9);
    CHECK_ERRNO(waitpid(pid, &st, WNOHANG), ECHILD); /* reaped once only */
    close(gate[0]);
    return 0;
}
