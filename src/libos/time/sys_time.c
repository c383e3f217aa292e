/*
 * sys_time: clocks and sleeps. Applications normally read time through
 * the host vDSO (AT_SYSINFO_EHDR) without trapping; these are the calls
 * that do trap (vDSO fallbacks, time(2), sleeps).
 */
#include "syscall/list_core.h"

#include "pal/pal.h"
#include "process/waitq.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/time.h>

static bool valid_clock(clockid_t clk)
{
    switch (clk) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
        return true;
    default:
        return false;
    }
}

long sys_clock_gettime(clockid_t clk, struct timespec *ts)
{
    if (!valid_clock(clk)) return -EINVAL;
    struct timespec t;
    int r = pal_clock_gettime(clk, &t);
    if (r < 0) return r;
    return copy_to_user(ts, &t, sizeof(t));
}

long sys_clock_getres(clockid_t clk, struct timespec *ts)
{
    if (!valid_clock(clk)) return -EINVAL;
    struct timespec t;
    int r = pal_clock_getres(clk, &t);
    if (r < 0 || !ts) return r;
    return copy_to_user(ts, &t, sizeof(t));
}

long sys_gettimeofday(void *tv, void *tz)
{
    if (tv) {
        struct timespec t;
        pal_clock_gettime(CLOCK_REALTIME, &t);
        struct timeval v = {t.tv_sec, t.tv_nsec / 1000};
        if (copy_to_user(tv, &v, sizeof(v))) return -EFAULT;
    }
    if (tz) {
        struct timezone z = {0, 0};
        if (copy_to_user(tz, &z, sizeof(z))) return -EFAULT;
    }
    return 0;
}

long sys_time(long *t)
{
    struct timespec ts;
    pal_clock_gettime(CLOCK_REALTIME, &ts);
    if (t && copy_to_user(t, &ts.tv_sec, sizeof(long))) return -EFAULT;
    return ts.tv_sec;
}

static long do_sleep(clockid_t clk, int flags, const struct timespec *ureq, struct timespec *urem)
{
    struct timespec req, rem;
    if (copy_from_user(&req, ureq, sizeof(req))) return -EFAULT;
    if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= 1000000000L) return -EINVAL;
    int r = thread_nanosleep(clk, flags, &req, &rem);
    if (r == -EINTR && urem && !(flags & TIMER_ABSTIME) && copy_to_user(urem, &rem, sizeof(rem)))
        return -EFAULT;
    return r;
}

long sys_nanosleep(const struct timespec *req, struct timespec *rem)
{
    return do_sleep(CLOCK_MONOTONIC, 0, req, rem);
}

long sys_clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem)
{
    if (clk == CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
    if (!valid_clock(clk)) return -EINVAL;
    if (flags & ~TIMER_ABSTIME) return -EINVAL;
    return do_sleep(clk, flags, req, rem);
}
