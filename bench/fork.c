/* fork: fork + _exit + waitpid latency of a process with <MB> megabytes of
 * touched heap (median of N, microseconds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_time.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fork <megabytes> <iterations>\n");
        return 2;
    }
    size_t bytes = (size_t)atoi(argv[1]) << 20;
    int n = atoi(argv[2]);
    char *mem = malloc(bytes ? bytes : 1);
    double *t = malloc(sizeof(double) * (size_t)n);
    if (!mem || !t) return 1;
    memset(mem, 1, bytes); /* every page present, as in a warmed-up server */
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) _exit(0);
        int st;
        waitpid(pid, &st, 0);
        t[i] = now_us() - t0;
    }
    printf("%.1f\n", median_of(t, (size_t)n));
    return 0;
}
