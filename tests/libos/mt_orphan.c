/* mt_orphan: a child exits before its own child: the grandchild's getppid changes. */
#define _GNU_SOURCE
#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "middle") == 0) {
        /* stdout is the report pipe: the grandchild inherits it */
        char me[16];
        snprintf(me, sizeof(me), "%d", (int)getpid());
        mt_spawn_self(NULL, NULL, "grandchild", me, (char *)NULL);
        _exit(0); /* exit without waiting: the grandchild is orphaned */
    }
    if (argc == 3 && strcmp(argv[1], "grandchild") == 0) {
        pid_t orig = (pid_t)atoi(argv[2]);
        pid_t pp = getppid();
        for (int i = 0; i < 2000 && pp == orig; i++) {
            mt_sleep_ms(1);
            pp = getppid();
        }
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "%s %d\n", pp != orig ? "reparented" : "still", (int)pp);
        mt_writen(1, msg, (size_t)n);
        return 0;
    }
    int p[2];
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    pid_t mid = mt_spawn_self(&fa, NULL, "middle", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    MT_WAIT_EXIT(mid, 0);
    /* the grandchild is not our child */
    char buf[64] = {0};
    size_t n = mt_readn(p[0], buf, sizeof(buf) - 1); /* EOF when the grandchild exits */
    CHECK(n > 0);
    if (strncmp(buf, "reparented ", 11) != 0) {
        fprintf(stderr, "grandchild: %s", buf);
        return 1;
    }
    pid_t newp = (pid_t)atoi(buf + 11);
    CHECK(newp != mid);
    /* natively the new parent is a subreaper or init; in a pid namespace it
     * may be us (pid 1) -- reap it then, ignore otherwise */
    if (newp == getpid()) {
        int st;
        CHECK(waitpid(-1, &st, 0) > 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    return 0;
}
