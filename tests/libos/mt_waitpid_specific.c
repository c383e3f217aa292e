/* mt_waitpid_specific: waitpid for one pid among several, for -pgid and for 0 (own group). */
#define _GNU_SOURCE
#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "quick") == 0) return atoi(argv[2]);
    if (argc == 3 && strcmp(argv[1], "slow") == 0) {
        mt_sleep_ms(100);
        return atoi(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "gate") == 0) {
        char c;
        CHECK_EQ(read(0, &c, 1), 0);
        return atoi(argv[2]);
    }

    /* the slow child is waited for first while four quick ones become zombies */
    pid_t slow = mt_spawn_self(NULL, NULL, "slow", "77", (char *)NULL);
    pid_t q[4];
    for (int i = 0; i < 4; i++) {
        char c[8];
        snprintf(c, sizeof(c), "%d", 10 + i);
        q[i] = mt_spawn_self(NULL, NULL, "quick", c, (char *)NULL);
    }
    MT_WAIT_EXIT(slow, 77);
    /* the others, in reverse order */
    for (int i = 3; i >= 0; i--)
        MT_WAIT_EXIT(q[i], 10 + i);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);

    /* groups: a in a new group G, b joins G, c stays in ours */
    int gate[2];
    CHECK_EQ(pipe2(gate, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, gate[0], 0), 0);
    posix_spawnattr_t at;
    CHECK_EQ(posix_spawnattr_init(&at), 0);
    CHECK_EQ(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP), 0);
    CHECK_EQ(posix_spawnattr_setpgroup(&at, 0), 0);
    pid_t a = mt_spawn_self(&fa, &at, "gate", "1", (char *)NULL);
    CHECK_EQ(posix_spawnattr_setpgroup(&at, a), 0);
    pid_t b = mt_spawn_self(&fa, &at, "gate", "2", (char *)NULL);
    pid_t c = mt_spawn_self(&fa, NULL, "gate", "3", (char *)NULL);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    CHECK_EQ(close(gate[1]), 0);
    close(gate[0]);

    int st, seen = 0;
    for (int i = 0; i < 2; i++) { /* -G: exactly a and b */
        pid_t r = waitpid(-a, &st, 0);
        CHECK(r == a || r == b);
        CHECK(WIFEXITED(st));
        CHECK_EQ(WEXITSTATUS(st), r == a ? 1 : 2);
        seen |= r == a ? 1 : 2;
    }
    CHECK_EQ(seen, 3);
    CHECK_ERRNO(waitpid(-a, &st, 0), ECHILD);
    CHECK_EQ(waitpid(0, &st, 0), c); /* our own group */
    CHECK_EQ(WEXITSTATUS(st), 3);
    CHECK_ERRNO(waitpid(0, &st, 0), ECHILD);
    return 0;
}
