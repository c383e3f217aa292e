/* getpid: latency of a system call the LibOS handles itself (ns per call),
 * through the libc wrapper as applications call it. */
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(void)
{
    const int n = 200000;
    for (int i = 0; i < 1000; i++)
        getpid();
    double t0 = now_ns();
    for (int i = 0; i < n; i++)
        getpid();
    double t1 = now_ns();
    printf("%.1f\n", (t1 - t0) / n);
    return 0;
}
