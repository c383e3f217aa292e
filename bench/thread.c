/* thread: pthread_create + pthread_join latency (median, microseconds). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_time.h"

static void *nothing(void *a)
{
    return a;
}

int main(void)
{
    enum { N = 2000 };
    static double t[N];
    for (int i = 0; i < N; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pthread_t th;
        pthread_create(&th, NULL, nothing, NULL);
        pthread_join(th, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    }
    qsort(t, N, sizeof(double), cmp_double);
    printf("%.1f\n", t[N / 2]);
    return 0;
}
