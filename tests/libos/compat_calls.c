/*
 * compat_calls: the calls answered as Linux answers an unprivileged
 * process or a one-node machine (EPERM for setting clocks, rebooting,
 * modules, hostnames; single-node NUMA answers; mlock family; mincore;
 * sched_* with SCHED_OTHER only; futimesat and utimes), and uname naming
 * the kernel's release. Privileged answers are accepted where a native
 * run as root gets them (the test may run natively as root).
 */
#define _GNU_SOURCE
#include <linux/mempolicy.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>

#include "check.h"

static void privileged(void)
{
    struct timespec ts = {0, 1000000000L}; /* invalid before the privilege check */
    CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, &ts), EINVAL);
    CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts), EINVAL);
    CHECK_ERRNO(syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8), EFAULT);
    struct timeval tv = {0, 2000000};
    CHECK_ERRNO(syscall(SYS_settimeofday, &tv, NULL), EINVAL);
    /* these would change the machine: only probe with arguments that
     * fail before doing anything, even for root */
    /* bad magic: EINVAL for root, EPERM before any check for others */
    errno = 0;
    CHECK_EQ(syscall(SYS_reboot, 0, 0, 0, NULL), -1);
    CHECK(errno == EPERM || errno == EINVAL);
    CHECK_ERRNO(syscall(SYS_pkey_free, 12345), EINVAL);
    CHECK_ERRNO(syscall(SYS_syslog, 99, NULL, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_chroot, "/libos-no-such-dir"), ENOENT);
    struct timex {
        unsigned modes;
        char rest[204];
    } tx;
    memset(&tx, 0, sizeof(tx));
    long st = syscall(SYS_adjtimex, &tx);
    CHECK(st >= 0 && st <= 5); /* TIME_OK .. TIME_ERROR */
}

static void numa(void)
{
    int mode = -1;
    unsigned long mask[2] = {~0UL, ~0UL};
    CHECK_EQ(syscall(SYS_get_mempolicy, &mode, mask, 128, 0, 0), 0);
    CHECK_EQ(mode, MPOL_DEFAULT);
    CHECK_EQ(mask[0] & 1, 0); /* the default policy names no node */
    CHECK_EQ(syscall(SYS_get_mempolicy, NULL, mask, 128, 0, MPOL_F_MEMS_ALLOWED), 0);
    CHECK(mask[0] & 1); /* node 0 is allowed */
    CHECK_ERRNO(syscall(SYS_get_mempolicy, &mode, NULL, 0, 0, 0x100), EINVAL);
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    p[0] = 1;
    CHECK_EQ(syscall(SYS_get_mempolicy, &mode, NULL, 0, p, MPOL_F_NODE | MPOL_F_ADDR), 0);
    CHECK(mode >= 0);
    unsigned long node0 = 1;
    CHECK_EQ(syscall(SYS_set_mempolicy, MPOL_BIND, &node0, 2), 0);
    CHECK_EQ(syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0), 0);
    CHECK_ERRNO(syscall(SYS_set_mempolicy, MPOL_BIND, NULL, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_set_mempolicy, 77, NULL, 0), EINVAL);
    CHECK_EQ(syscall(SYS_mbind, p, 8192, MPOL_PREFERRED, &node0, 2, 0), 0);
    CHECK_ERRNO(syscall(SYS_mbind, p + 1, 4096, MPOL_DEFAULT, NULL, 0, 0), EINVAL);
    CHECK_EQ(syscall(SYS_migrate_pages, 0, 2, &node0, &node0), 0);
    munmap(p, 8192);
}

static void memory(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 1, 4 * pg);
    CHECK_EQ(mlock(p, 2 * pg), 0);
    CHECK_EQ(munlock(p, 2 * pg), 0);
    CHECK_EQ(syscall(SYS_mlock2, p, pg, 1 /* MLOCK_ONFAULT */), 0);
    CHECK_ERRNO(syscall(SYS_mlock2, p, pg, 4), EINVAL);
    CHECK_ERRNO(mlockall(0), EINVAL);
    CHECK_ERRNO(mlockall(MCL_ONFAULT), EINVAL);
    CHECK_EQ(munlockall(), 0);
    unsigned char vec[4];
    CHECK_EQ(mincore(p, 4 * pg, vec), 0);
    for (int i = 0; i < 4; i++)
        CHECK(vec[i] & 1); /* touched: resident */
    CHECK_ERRNO(mincore(p + 1, pg, vec), EINVAL);
    CHECK_ERRNO(mincore(p, pg, (void *)8), EFAULT);
    munmap(p + 2 * pg, 2 * pg);
    CHECK_ERRNO(mincore(p, 4 * pg, vec), ENOMEM);
    CHECK_ERRNO(mlock(p + 2 * pg, pg), ENOMEM);
    /* remap_file_pages: prot must be 0; a private mapping is EINVAL */
    CHECK_ERRNO(syscall(SYS_remap_file_pages, p, pg, PROT_READ, 0, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_remap_file_pages, p, pg, 0, 0, 0), EINVAL);
    munmap(p, 2 * pg);
}

struct sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
};

static void sched(void)
{
    /* musl's wrappers of these four say ENOSYS without asking: raw calls */
    CHECK_EQ(syscall(SYS_sched_getscheduler, 0), SCHED_OTHER);
    struct sched_param sp = {0};
    CHECK_EQ(syscall(SYS_sched_getparam, 0, &sp), 0);
    CHECK_EQ(sp.sched_priority, 0);
    CHECK_EQ(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp), 0);
    sp.sched_priority = 5;
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_setscheduler, 0, 77, &sp), EINVAL);
    CHECK_EQ(sched_get_priority_max(SCHED_FIFO), 99);
    CHECK_EQ(sched_get_priority_min(SCHED_RR), 1);
    CHECK_EQ(sched_get_priority_max(SCHED_OTHER), 0);
    CHECK_ERRNO(sched_get_priority_max(77), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_getscheduler, -1), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_getscheduler, 4000000), ESRCH);
    struct timespec ts;
    CHECK_EQ(sched_rr_get_interval(0, &ts), 0);
    struct sched_attr a;
    memset(&a, 0, sizeof(a));
    CHECK_EQ(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0), 0);
    CHECK_EQ(a.sched_policy, SCHED_OTHER);
    CHECK_EQ(a.size, sizeof(a));
    CHECK_ERRNO(syscall(SYS_sched_getattr, 0, &a, 8, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 1), EINVAL);
    /* raising niceness is allowed to anyone and reads back */
    int before = getpriority(PRIO_PROCESS, 0);
    CHECK_EQ(setpriority(PRIO_PROCESS, 0, before + 1), 0);
    CHECK_EQ(getpriority(PRIO_PROCESS, 0), before + 1);
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.sched_policy = SCHED_OTHER;
    a.sched_nice = before + 2;
    CHECK_EQ(syscall(SYS_sched_setattr, 0, &a, 0), 0);
    memset(&a, 0, sizeof(a));
    CHECK_EQ(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0), 0);
    CHECK_EQ(a.sched_nice, before + 2);
    CHECK_ERRNO(getpriority(77, 0), EINVAL);
    unsigned cpu = 9999, node = 9999;
    CHECK_EQ(syscall(SYS_getcpu, &cpu, &node, NULL), 0);
    CHECK(cpu < 4096 && node < 1024);
    CHECK(cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF));
}

static void utimes_calls(void)
{
    char path[4096];
    tmp_path(path, sizeof(path), "futimesat");
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(fd >= 0);
    struct timeval tv[2] = {{1000000, 500000}, {2000000, 250000}};
    CHECK_EQ(syscall(SYS_futimesat, AT_FDCWD, path, tv), 0);
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000000);
    CHECK_EQ(st.st_mtim.tv_sec, 2000000);
    CHECK_EQ(st.st_mtim.tv_nsec, 250000000);
    tv[1].tv_usec = 1000000;
    CHECK_ERRNO(syscall(SYS_futimesat, AT_FDCWD, path, tv), EINVAL);
    CHECK_ERRNO(syscall(SYS_futimesat, AT_FDCWD, path, (void *)8), EFAULT);
    tv[1].tv_usec = 0;
    tv[1].tv_sec = 3000000;
    CHECK_EQ(utimes(path, tv), 0);
    CHECK_EQ(stat(path, &st), 0);
    CHECK_EQ(st.st_mtim.tv_sec, 3000000);
    CHECK_ERRNO(syscall(SYS_utimes, "/libos-no-such-file", tv), ENOENT);
    close(fd);
    unlink(path);
}

static void uname_release(void)
{
    struct utsname u;
    CHECK_EQ(uname(&u), 0);
    /* "major.minor..." of a real kernel, not a LibOS invention */
    int major = 0, minor = 0;
    CHECK(sscanf(u.release, "%d.%d", &major, &minor) == 2);
    CHECK(major >= 3);
    CHECK(strstr(u.release, "occlum") == NULL);
    CHECK_STR(u.sysname, "Linux");
}

int main(void)
{
    privileged();
    numa();
    memory();
    sched();
    utimes_calls();
    uname_release();
    puts("compat_calls ok");
    return 0;
}
