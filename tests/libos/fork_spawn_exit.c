/*
 * fork_spawn_exit: a forked child whose own children are spawned into its
 * address space (posix_spawn: the same host process inside) and outlive
 * it, all ending at about the same time, over and over. The host process of that
 * address space must end only after every one of them is done: once, a
 * worker that saw the last user gone ended it while another worker was
 * still finishing a process with the process table's lock held, and every
 * process of the instance then waited for that lock forever (a shell
 * running pipelines in subshells hung one run in ten).
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"

#define ROUNDS 40
#define KIDS 4

extern char **environ;

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--kid") == 0) {
        usleep(2000); /* their parent is gone by then: they end together */
        return 3;
    }
    for (int r = 0; r < ROUNDS; r++) {
        pid_t c = fork();
        CHECK(c >= 0);
        if (c == 0) {
            pid_t kid;
            char *args[] = {"/proc/self/exe", "--kid", NULL};
            for (int i = 0; i < KIDS; i++)
                if (posix_spawn(&kid, "/proc/self/exe", NULL, NULL, args, environ) != 0) _exit(10);
            _exit(0); /* the kids end after it, orphans */
        }
        int st;
        CHECK_EQ(waitpid(c, &st, 0), c);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    puts("fork_spawn_exit: ok");
    return 0;
}
