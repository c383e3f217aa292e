/* thread_tid_calls: the calls that take a thread id accept any thread's,
 * not only a process's: sched_getaffinity (which Java's
 * pthread_getattr_np makes for its threads), sched_getscheduler,
 * sched_getparam and getpriority... for another thread of the process;
 * an id that names no thread is ESRCH. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include "check.h"

static volatile pid_t worker_tid;
static volatile int stop;

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = (pid_t)syscall(SYS_gettid);
    while (!stop)
        usleep(1000);
    return NULL;
}

int main(void)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
    while (!worker_tid)
        usleep(1000);
    CHECK(worker_tid != getpid());
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK(sched_getaffinity(worker_tid, sizeof(set), &set) == 0);
    CHECK(CPU_COUNT(&set) >= 1);
    /* raw calls: musl's wrappers of these two answer ENOSYS by design */
    CHECK(syscall(SYS_sched_getscheduler, worker_tid) == SCHED_OTHER);
    struct sched_param sp;
    CHECK(syscall(SYS_sched_getparam, worker_tid, &sp) == 0 && sp.sched_priority == 0);
    /* no such thread (beyond pid_max) */
    CHECK_ERRNO(sched_getaffinity(4194304 + 7, sizeof(set), &set), ESRCH);
    CHECK_ERRNO(syscall(SYS_sched_getscheduler, 4194304 + 7), ESRCH);
    stop = 1;
    CHECK(pthread_join(t, NULL) == 0);
    return 0;
}
