/* mt_spawn_seq: 200 sequential posix_spawn + waitpid, each child with its own exit code. */
#define _GNU_SOURCE
#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0) return atoi(argv[2]);
    CHECK_EQ(argc, 1);
    pid_t prev = 0;
    for (int i = 0; i < 200; i++) {
        char code[16];
        snprintf(code, sizeof(code), "%d", (i * 7) % 256);
        pid_t pid = mt_spawn_self(NULL, NULL, "child", code, (char *)NULL);
        CHECK(pid != prev && pid != getpid());
        int st = 0;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFEXITED(st));
        CHECK_EQ(WEXITSTATUS(st), (i * 7) % 256);
        prev = pid;
    }
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return 0;
}
