/* spawn: posix_spawn + waitpid latency of a binary (median of N, microseconds). */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "bench_time.h"

extern char **environ;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: spawn <binary> <iterations>\n");
        return 2;
    }
    int n = atoi(argv[2]);
    double *t = malloc(sizeof(double) * n);
    char *child_argv[] = {argv[1], NULL};
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        pid_t pid;
        if (posix_spawn(&pid, argv[1], NULL, NULL, child_argv, environ) != 0) {
            perror("posix_spawn");
            return 1;
        }
        int st;
        waitpid(pid, &st, 0);
        t[i] = now_us() - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "child failed\n");
            return 1;
        }
    }
    printf("%.1f\n", median_of(t, n));
    return 0;
}
