/*
 * fork_bomb: forking without end is bounded, never a crash. Inside the
 * LibOS the bound is resource_limits.max_num_of_threads (RLIMIT_NPROC
 * there) or user_space_size (each child's copy of the memory counts);
 * natively, as root, there may be none below the test's own cap. Either
 * way every failing fork gives EAGAIN or ENOMEM (fork(2)), every child is
 * reaped, and fork works again once they are gone:
 *  1. a flat bomb: up to 1000 children blocked on a pipe;
 *  2. a tree: every process forks two children, 9 levels deep (up to
 *     1023 processes), each stopping where fork fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/wait.h>

#include "check.h"

#define FLAT_CAP 1000
#define TREE_DEPTH 9

static pid_t kids[FLAT_CAP];

static int flat(void)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    int n = 0, bound = 0;
    for (; n < FLAT_CAP; n++) {
        pid_t pid = fork();
        if (pid < 0) {
            CHECK(errno == EAGAIN || errno == ENOMEM);
            bound = errno;
            break;
        }
        if (pid == 0) {
            char c;
            close(p[1]);
            _exit(read(p[0], &c, 1) == 0 ? 0 : 1); /* until the parent lets go */
        }
        kids[n] = pid;
    }
    CHECK(n > 0);
    CHECK_EQ(close(p[1]), 0);
    for (int i = 0; i < n; i++) {
        int st;
        CHECK_EQ(waitpid(kids[i], &st, 0), kids[i]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    CHECK_EQ(close(p[0]), 0);
    return bound;
}

/* Exit status: 0, or 1 when a fork failed with anything but EAGAIN or
 * ENOMEM or a descendant reported that. */
static int tree(int depth)
{
    pid_t mine[2];
    int n = 0, bad = 0;
    for (int i = 0; depth > 0 && i < 2; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            bad |= errno != EAGAIN && errno != ENOMEM;
            break;
        }
        if (pid == 0) _exit(tree(depth - 1));
        mine[n++] = pid;
    }
    for (int i = 0; i < n; i++) {
        int st;
        if (waitpid(mine[i], &st, 0) != mine[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0) bad = 1;
    }
    return bad;
}

int main(void)
{
    int bound = flat();
    CHECK_EQ(tree(TREE_DEPTH), 0);
    /* all gone: fork works again */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(7);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    CHECK_ERRNO(waitpid(-1, &st, WNOHANG), ECHILD);
    printf("fork_bomb: ok (%s)\n", bound == EAGAIN   ? "bounded with EAGAIN"
                                   : bound == ENOMEM ? "bounded with ENOMEM"
                                                     : "no bound below the cap");
    return 0;
}
