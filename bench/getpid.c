/* getpid: latency of system calls the LibOS handles itself (ns per call):
 * getpid through the libc wrapper as applications call it, through
 * syscall(2) (musl's puts a `mov` before the `syscall`), and umask, which
 * is not one of the leaf calls (docs/architecture.md, "Leaf calls"): the
 * full fast path. Prints the three on one line. */
#include <stdio.h>
#include <sys/stat.h>
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
    for (int i = 0; i < 1000; i++) { /* every site rewritten before timing */
        getpid();
        syscall(SYS_getpid);
        syscall(SYS_umask, 022);
    }
    double t0 = now_ns();
    for (int i = 0; i < n; i++)
        getpid();
    double t1 = now_ns();
    for (int i = 0; i < n; i++)
        syscall(SYS_getpid);
    double t2 = now_ns();
    for (int i = 0; i < n; i++)
        syscall(SYS_umask, 022);
    double t3 = now_ns();
    printf("%.1f %.1f %.1f\n", (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n);
    return 0;
}
