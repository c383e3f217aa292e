/* spawn: posix_spawn + waitpid latency of a binary (median of N, microseconds). */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

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
    qsort(t, n, sizeof(double), cmp);
    printf("%.1f\n", t[n / 2]);
    return 0;
}
