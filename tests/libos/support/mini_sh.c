/* mini_sh: a tiny /bin/sh for the LibOS test image, enough for system() and popen():
 *   sh -c "word word ..."     words split on blanks, no quoting or expansion
 * The command runs through posix_spawnp (no fork), the shell exits with its
 * status; a command killed by a signal makes the shell die of the same
 * signal, as dash does when it execs the last command of -c. Built-ins:
 * `exec cmd args` (replaces the shell), `exit [N]`, `true`, `:`, `false`.
 * "not found" exits 127, a file that cannot be run exits 126. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAXW 256

static int split(char *s, char **w)
{
    int n = 0;
    for (char *t = strtok(s, " \t\n"); t != NULL && n < MAXW - 1; t = strtok(NULL, " \t\n"))
        w[n++] = t;
    w[n] = NULL;
    return n;
}

static int failed(const char *cmd, int err)
{
    if (err == ENOENT) {
        fprintf(stderr, "sh: %s: not found\n", cmd);
        return 127;
    }
    fprintf(stderr, "sh: %s: %s\n", cmd, strerror(err));
    return 126;
}

int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "-c") != 0) {
        fprintf(stderr,
                "usage: sh -c \"command [args...]\" (mini_sh: nothing else is supported)\n");
        return 2;
    }
    char *line = strdup(argv[2]);
    char *w[MAXW];
    if (line == NULL) return 2;
    int n = split(line, w);
    if (n == 0 || strcmp(w[0], "true") == 0 || strcmp(w[0], ":") == 0) return 0;
    if (strcmp(w[0], "false") == 0) return 1;
    if (strcmp(w[0], "exit") == 0) return n > 1 ? atoi(w[1]) & 0xff : 0;
    if (strcmp(w[0], "exec") == 0) {
        if (n == 1) return 0;
        execvp(w[1], &w[1]);
        return failed(w[1], errno);
    }
    pid_t pid;
    int r = posix_spawnp(&pid, w[0], NULL, NULL, w, environ);
    if (r != 0) return failed(w[0], r);
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            perror("sh: waitpid");
            return 126;
        }
    }
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        signal(sig, SIG_DFL);
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, sig);
        sigprocmask(SIG_UNBLOCK, &m, NULL);
        kill(getpid(), sig);
        return 128 + sig;
    }
    return 126;
}
