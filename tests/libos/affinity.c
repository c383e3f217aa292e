/* affinity: sched_getaffinity reports >= 1 CPU, agrees with sysconf; EINVAL/EFAULT/ESRCH. */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>

#include "check.h"

int main(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
    int n = CPU_COUNT(&set);
    CHECK(n >= 1);
    CHECK_EQ(sched_getaffinity(getpid(), sizeof(set), &set), 0);
    CHECK_EQ(CPU_COUNT(&set), n);

    /* the raw call returns the size of the kernel mask in bytes */
    unsigned long mask[16] = {0};
    long r = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
    CHECK(r > 0 && r % sizeof(unsigned long) == 0 && r <= (long)sizeof(mask));
    /* too small a buffer is EINVAL */
    CHECK_ERRNO(syscall(SYS_sched_getaffinity, 0, 1, mask), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_getaffinity, 0, sizeof(mask), (void *)1), EFAULT);
    CHECK_ERRNO(sched_getaffinity(999999999, sizeof(set), &set), ESRCH);

    long online = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK(online >= 1);
    CHECK(get_nprocs() >= 1);
    CHECK(n <= sysconf(_SC_NPROCESSORS_CONF));

    /* setting the same mask back is allowed */
    CPU_ZERO(&set);
    CHECK_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
    CHECK_EQ(sched_setaffinity(0, sizeof(set), &set), 0);

    CHECK_EQ(sched_yield(), 0);
    return 0;
}
