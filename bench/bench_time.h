/* bench_time: the clock and the median of the benchmark programs (each is
 * one file built alone, natively and with occlum-gcc). */
#ifndef BENCH_TIME_H
#define BENCH_TIME_H

#include <stdlib.h>
#include <time.h>

static inline double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of t[0..n) (n > 0); sorts t. */
static inline double median_of(double *t, size_t n)
{
    qsort(t, n, sizeof(double), cmp_double);
    return t[n / 2];
}

#endif
