/* fork_nopie: a non-PIE program (fixed address 0x400000) forks: the child
 * has its own copy of the fixed-address image, and execve's a fresh copy
 * of it over that range while the parent's stays where it is. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/wait.h>
#include "check.h"

static int counter = 5;

int main(int argc, char **argv)
{
    CHECK((uintptr_t)&counter < 0x80000000UL);
    if (argc == 2 && strcmp(argv[1], "again") == 0) return counter == 5 ? 11 : 12;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        counter = 6;
        char *again[] = {argv[0], "again", NULL};
        execv(argv[0], again);
        _exit(13);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 11);
    CHECK(counter == 5);
    return 0;
}
