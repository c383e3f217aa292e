/*
 * timerfd: timers read through a file descriptor, entirely inside the
 * LibOS (no host timerfd, so nothing about them reaches the host).
 *
 * Expirations are counted lazily: the timer keeps its next expiration on
 * its own clock and the period, and every look at it (read, poll,
 * gettime) first folds the expirations that have passed into `ticks`.
 * A blocked read sleeps with its own deadline; poll and epoll have none,
 * so a poller that finds the timer not yet expired arms a ktimer that
 * wakes the queue at the expiration.
 *
 * TFD_TIMER_CANCEL_ON_SET is accepted and recorded, but read never gives
 * ECANCELED: the LibOS never sets the realtime clock (clock_settime and
 * settimeofday give EPERM, as to an unprivileged process), and a change
 * of the host's clock by the host's administrator is not observed.
 */
#include "util/kheap.h"
#include "time/timerfd.h"

#include "fs/sys_common.h"
#include "fs/vfs.h"
#include "net/poll.h"
#include "pal/pal.h"
#include "process/process.h"
#include "process/waitq.h"
#include "time/ktimer.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>

#define NS 1000000000LL

struct timerfd {
    struct mutex lock;
    clockid_t clock;
    int64_t next;     /* next expiration on `clock`, ns; 0: disarmed */
    int64_t interval; /* ns; 0: one-shot */
    uint64_t ticks;   /* expirations not yet read */
    bool cancel_on_set;
    struct waitq rwait;
    struct ktimer kt; /* wakes pollers at `next` */
    ino_t ino;
};

static const struct file_ops timerfd_fops;

static int64_t clock_ns(clockid_t clk)
{
    struct timespec ts;
    pal_clock_gettime(clk, &ts);
    return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* Saturating, as the kernel's ktime (KTIME_MAX). */
static int64_t ts_to_ns(const struct timespec *ts)
{
    if (ts->tv_sec >= INT64_MAX / NS - 1) return INT64_MAX;
    return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static void ns_to_ts(int64_t ns, struct timespec *ts)
{
    ts->tv_sec = (time_t)(ns / NS);
    ts->tv_nsec = (long)(ns % NS);
}

static int64_t sat_add(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Fold the expirations up to now into ticks (lock held). */
static void tfd_update(struct timerfd *t, int64_t now)
{
    if (!t->next || now < t->next) return;
    if (!t->interval) {
        t->ticks++;
        t->next = 0;
        return;
    }
    uint64_t n = (uint64_t)(now - t->next) / (uint64_t)t->interval + 1;
    t->ticks += n;
    int64_t step = n > (uint64_t)(INT64_MAX / t->interval) ? INT64_MAX : (int64_t)n * t->interval;
    t->next = sat_add(t->next, step);
}

/* The CLOCK_MONOTONIC ns at which t->next comes on t->clock (lock held). */
static uint64_t mono_deadline(struct timerfd *t, int64_t now)
{
    return sat_add((int64_t)ktimer_now(), t->next - now);
}

static ssize_t tfd_read(struct file *f, struct uio *to)
{
    struct timerfd *t = f->priv;
    if (uio_resid(to) < 8) return -EINVAL;
    mutex_lock(&t->lock);
    long r = 0;
    for (;;) {
        int64_t now = clock_ns(t->clock);
        tfd_update(t, now);
        if (t->ticks) break;
        if (f->flags & O_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        struct waiter *w = &current_thread()->sleep_waiter;
        struct timespec dl, *dlp = NULL;
        if (t->next) {
            ns_to_ts((int64_t)mono_deadline(t, now), &dl);
            dlp = &dl;
        }
        thread_prepare_sleep();
        waitq_add(&t->rwait, w);
        mutex_unlock(&t->lock);
        int s = thread_sleep(dlp);
        mutex_lock(&t->lock);
        waitq_remove(&t->rwait, w);
        if (s == -EINTR) {
            r = -EINTR;
            break;
        }
    }
    uint64_t v = t->ticks;
    t->ticks = 0;
    mutex_unlock(&t->lock);
    if (r < 0) return r;
    /* Linux's put_user after taking the count: a bad buffer loses it */
    return uio_copy_to(to, &v, 8) == 8 ? 8 : -EFAULT;
}

static void tfd_fire(void *arg)
{
    struct timerfd *t = arg;
    mutex_lock(&t->lock);
    if (!waitq_empty(&t->rwait)) waitq_wake_all(&t->rwait);
    mutex_unlock(&t->lock);
}

static unsigned tfd_poll(struct file *f, struct poll_table *pt)
{
    struct timerfd *t = f->priv;
    mutex_lock(&t->lock);
    int64_t now = clock_ns(t->clock);
    tfd_update(t, now);
    unsigned m = t->ticks ? POLLIN | POLLRDNORM : 0;
    if (pt) {
        poll_wait(pt, &t->rwait, &t->lock);
        if (!m && t->next) ktimer_arm(&t->kt, mono_deadline(t, now), tfd_fire, t);
    }
    mutex_unlock(&t->lock);
    return m;
}

/* Linux's noop_llseek. */
static off_t tfd_lseek(struct file *f, off_t off, int whence)
{
    return 0;
}

static int tfd_fstat(struct file *f, struct stat *st)
{
    struct timerfd *t = f->priv;
    memset(st, 0, sizeof(*st));
    st->st_mode = 0600; /* an anonymous inode, as Linux */
    st->st_ino = t->ino;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    st->st_dev = 0xd;
    return 0;
}

static void tfd_release(struct file *f)
{
    struct timerfd *t = f->priv;
    ktimer_cancel_sync(&t->kt);
    kfree(t);
}

static const struct file_ops timerfd_fops = {
    .read = tfd_read,
    .poll = tfd_poll,
    .lseek = tfd_lseek,
    .fstat = tfd_fstat,
    .release = tfd_release,
};

long sys_timerfd_create(clockid_t clockid, int flags)
{
    if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)) return -EINVAL;
    switch (clockid) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
        break;
    case CLOCK_REALTIME_ALARM:
    case CLOCK_BOOTTIME_ALARM:
        /* Waking the machine from suspend needs CAP_WAKE_ALARM, which no
         * LibOS process has: the host is not the LibOS's to wake. */
        return -EPERM;
    default:
        return -EINVAL;
    }
    static ino_t next_ino = 7000;
    struct timerfd *t = kcalloc(1, sizeof(*t));
    if (!t) return -ENOMEM;
    t->clock = clockid;
    t->ino = __atomic_add_fetch(&next_ino, 1, __ATOMIC_RELAXED);
    struct file *f =
        file_alloc_anon(&timerfd_fops, t, O_RDWR | (flags & TFD_NONBLOCK), "anon_inode:[timerfd]");
    if (!f) {
        kfree(t);
        return -ENOMEM;
    }
    int fd = fd_install(current_process(), f, flags & TFD_CLOEXEC ? O_CLOEXEC : 0);
    if (fd < 0) file_put(f);
    return fd;
}

/* The caller's timerfd at fd, referenced: -EBADF or -EINVAL as Linux. */
static long timerfd_get(int fd, struct file **out)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    if (f->fops != &timerfd_fops) {
        file_put(f);
        return -EINVAL;
    }
    *out = f;
    return 0;
}

/* The timer's setting as gettime reports it (lock held). */
static void current_setting(struct timerfd *t, struct itimerspec *out)
{
    int64_t now = clock_ns(t->clock);
    tfd_update(t, now);
    memset(out, 0, sizeof(*out));
    if (t->next) ns_to_ts(t->next - now, &out->it_value);
    ns_to_ts(t->interval, &out->it_interval);
}

static bool valid_ts(const struct timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NS;
}

long sys_timerfd_settime(int fd, int flags, const struct itimerspec *unew, struct itimerspec *uold)
{
    struct itimerspec nv, ov;
    if (copy_from_user(&nv, unew, sizeof(nv))) return -EFAULT;
    if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) || !valid_ts(&nv.it_value) ||
        !valid_ts(&nv.it_interval))
        return -EINVAL;
    struct file *f;
    long r = timerfd_get(fd, &f);
    if (r < 0) return r;
    struct timerfd *t = f->priv;
    mutex_lock(&t->lock);
    current_setting(t, &ov);
    t->ticks = 0;
    t->cancel_on_set = (t->clock == CLOCK_REALTIME) && (flags & TFD_TIMER_ABSTIME) &&
                       (flags & TFD_TIMER_CANCEL_ON_SET);
    t->interval = ts_to_ns(&nv.it_interval);
    int64_t v = ts_to_ns(&nv.it_value);
    if (!v)
        t->next = 0;
    else if (flags & TFD_TIMER_ABSTIME)
        t->next = v;
    else
        t->next = sat_add(clock_ns(t->clock), v);
    /* an absolute time at or before the clock's 0 has passed: expire at once */
    if (v && t->next <= 0) t->next = 1;
    /* sleepers recompute their deadline; pollers re-arm their ktimer */
    if (!waitq_empty(&t->rwait)) waitq_wake_all(&t->rwait);
    mutex_unlock(&t->lock);
    file_put(f);
    if (uold && copy_to_user(uold, &ov, sizeof(ov))) return -EFAULT;
    return 0;
}

long sys_timerfd_gettime(int fd, struct itimerspec *ucur)
{
    struct file *f;
    long r = timerfd_get(fd, &f);
    if (r < 0) return r;
    struct timerfd *t = f->priv;
    struct itimerspec cur;
    mutex_lock(&t->lock);
    current_setting(t, &cur);
    mutex_unlock(&t->lock);
    file_put(f);
    return copy_to_user(ucur, &cur, sizeof(cur)) ? -EFAULT : 0;
}
