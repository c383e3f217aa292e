/* mt_rusage_times: getrusage SELF/THREAD/CHILDREN and times() account CPU time. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/resource.h>
#include <sys/times.h>
#include "mt_util.h"

static double cpu_ms(const struct rusage *ru)
{
    return ru->ru_utime.tv_sec * 1e3 + ru->ru_utime.tv_usec / 1e3 + ru->ru_stime.tv_sec * 1e3 +
           ru->ru_stime.tv_usec / 1e3;
}

/* spin on the CPU for ms of thread CPU time */
static void burn(double ms)
{
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    volatile unsigned long x = 0;
    do {
        for (int i = 0; i < 100000; i++)
            x += (unsigned long)i;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    } while ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6 < ms);
}

static void *thread_burn(void *arg)
{
    (void)arg;
    burn(100);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "burn") == 0) {
        burn(150);
        return 0;
    }
    CHECK_EQ(sysconf(_SC_CLK_TCK), 100);
    struct rusage ru0, ru1, ruc, rut;
    CHECK_EQ(getrusage(RUSAGE_SELF, &ru0), 0);
    CHECK(ru0.ru_maxrss > 0);
    struct tms tm0, tm1;
    clock_t c0 = times(&tm0);
    CHECK(c0 != (clock_t)-1);

    burn(100);
    CHECK_EQ(getrusage(RUSAGE_THREAD, &rut), 0);
    CHECK(cpu_ms(&rut) >= 90);
    CHECK_EQ(getrusage(RUSAGE_SELF, &ru1), 0);
    double d = cpu_ms(&ru1) - cpu_ms(&ru0);
    CHECK(d >= 90 && d < 5000);
    CHECK(ru1.ru_utime.tv_usec < 1000000 && ru1.ru_stime.tv_usec < 1000000);

    /* a thread's CPU counts for the process, not for our thread */
    CHECK_EQ(getrusage(RUSAGE_THREAD, &rut), 0);
    double mine = cpu_ms(&rut);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, thread_burn, NULL), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(getrusage(RUSAGE_SELF, &ru0), 0);
    CHECK(cpu_ms(&ru0) - cpu_ms(&ru1) >= 90);
    CHECK_EQ(getrusage(RUSAGE_THREAD, &rut), 0);
    CHECK(cpu_ms(&rut) - mine < 50);

    /* children: nothing until one is waited for */
    CHECK_EQ(getrusage(RUSAGE_CHILDREN, &ruc), 0);
    CHECK(cpu_ms(&ruc) < 10);
    pid_t pid = mt_spawn_self(NULL, NULL, "burn", (char *)NULL);
    MT_WAIT_EXIT(pid, 0);
    CHECK_EQ(getrusage(RUSAGE_CHILDREN, &ruc), 0);
    CHECK(cpu_ms(&ruc) >= 140);
    CHECK(ruc.ru_maxrss > 0);
    CHECK_ERRNO(getrusage(12345, &ruc), EINVAL);

    /* times(): ticks of 10 ms */
    clock_t c1 = times(&tm1);
    CHECK(c1 >= c0 + 30); /* >= 350 ms of work happened since */
    CHECK(tm1.tms_utime + tm1.tms_stime - tm0.tms_utime - tm0.tms_stime >= 18);
    CHECK(tm1.tms_cutime + tm1.tms_cstime >= 14);
    CHECK_EQ(tm0.tms_cutime + tm0.tms_cstime, 0);
    return 0;
}
