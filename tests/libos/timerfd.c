/*
 * timerfd: timerfd_create/settime/gettime on CLOCK_MONOTONIC, REALTIME
 * and BOOTTIME; one-shot, periodic (the expiration count), absolute
 * (past and future) and disarmed timers; EAGAIN, a thread blocked in
 * read woken by the timer, poll, select and epoll readiness, and the
 * errors of each call. Times are checked as "at least", never "at most".
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <time.h>

#include "check.h"

#define MS 1000000LL

static int64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    CHECK(clock_gettime(clk, &ts) == 0);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct itimerspec spec(int64_t value_ns, int64_t interval_ns)
{
    struct itimerspec s;
    s.it_value.tv_sec = value_ns / 1000000000LL;
    s.it_value.tv_nsec = value_ns % 1000000000LL;
    s.it_interval.tv_sec = interval_ns / 1000000000LL;
    s.it_interval.tv_nsec = interval_ns % 1000000000LL;
    return s;
}

static int64_t ts_ns(const struct timespec *t)
{
    return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void errors(void)
{
    CHECK_ERRNO(timerfd_create(CLOCK_MONOTONIC, 0x4), EINVAL);
    CHECK_ERRNO(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
    CHECK_ERRNO(timerfd_create(12345, 0), EINVAL);
    /* the alarm clocks need CAP_WAKE_ALARM: EPERM without it */
    int a = timerfd_create(CLOCK_BOOTTIME_ALARM, 0);
    CHECK(a >= 0 || errno == EPERM);
    if (a >= 0) close(a);

    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK(fd >= 0);
    struct itimerspec s = spec(0, 0), cur;
    CHECK_ERRNO(timerfd_settime(fd, 0x8, &s, NULL), EINVAL);
    s.it_value.tv_nsec = 1000000000L;
    CHECK_ERRNO(timerfd_settime(fd, 0, &s, NULL), EINVAL);
    s = spec(0, 0);
    s.it_interval.tv_nsec = -1;
    CHECK_ERRNO(timerfd_settime(fd, 0, &s, NULL), EINVAL);
    CHECK_ERRNO(timerfd_settime(fd, 0, NULL, NULL), EFAULT);
    CHECK_ERRNO(timerfd_settime(fd, 0, (void *)8, NULL), EFAULT);
    CHECK_ERRNO(timerfd_gettime(fd, (void *)8), EFAULT);
    s = spec(0, 0);
    CHECK_ERRNO(timerfd_settime(-1, 0, &s, NULL), EBADF);
    CHECK_ERRNO(timerfd_gettime(9999, &cur), EBADF);
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK_ERRNO(timerfd_settime(p[0], 0, &s, NULL), EINVAL);
    CHECK_ERRNO(timerfd_gettime(p[0], &cur), EINVAL);
    close(p[0]);
    close(p[1]);
    uint64_t v = 1;
    CHECK_ERRNO(write(fd, &v, 8), EINVAL);
    uint32_t small;
    CHECK_ERRNO(read(fd, &small, 4), EINVAL);
    close(fd);
}

static void basics(clockid_t clk)
{
    int fd = timerfd_create(clk, TFD_NONBLOCK | TFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    struct itimerspec cur;
    CHECK(timerfd_gettime(fd, &cur) == 0);
    CHECK_EQ(ts_ns(&cur.it_value), 0);
    CHECK_EQ(ts_ns(&cur.it_interval), 0);
    uint64_t v;
    CHECK_ERRNO(read(fd, &v, 8), EAGAIN);

    /* one-shot, relative */
    int64_t t0 = now_ns(clk);
    struct itimerspec s = spec(20 * MS, 0), old;
    CHECK(timerfd_settime(fd, 0, &s, &old) == 0);
    CHECK_EQ(ts_ns(&old.it_value), 0);
    CHECK(timerfd_gettime(fd, &cur) == 0);
    CHECK(ts_ns(&cur.it_value) >= 0 && ts_ns(&cur.it_value) <= 20 * MS);
    CHECK_ERRNO(read(fd, &v, 8), EAGAIN);
    struct pollfd pf = {fd, POLLIN, 0};
    CHECK_EQ(poll(&pf, 1, -1), 1);
    CHECK(pf.revents & POLLIN);
    CHECK(now_ns(clk) - t0 >= 20 * MS);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    CHECK_ERRNO(read(fd, &v, 8), EAGAIN);
    CHECK(timerfd_gettime(fd, &cur) == 0); /* expired one-shot: disarmed */
    CHECK_EQ(ts_ns(&cur.it_value), 0);

    /* periodic: expirations counted */
    s = spec(10 * MS, 10 * MS);
    t0 = now_ns(clk);
    CHECK(timerfd_settime(fd, 0, &s, NULL) == 0);
    struct timespec nap = {0, 55 * MS};
    while (nanosleep(&nap, &nap) != 0)
        ;
    int64_t elapsed = now_ns(clk) - t0;
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK(v >= 5);
    CHECK((int64_t)v <= elapsed / (10 * MS) + 1);
    CHECK(timerfd_gettime(fd, &cur) == 0);
    CHECK_EQ(ts_ns(&cur.it_interval), 10 * MS);
    CHECK(ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 10 * MS);

    /* setting again resets the count; disarming gives back the old setting */
    s = spec(0, 0);
    CHECK(timerfd_settime(fd, 0, &s, &old) == 0);
    CHECK_EQ(ts_ns(&old.it_interval), 10 * MS);
    CHECK_ERRNO(read(fd, &v, 8), EAGAIN);
    CHECK(timerfd_gettime(fd, &cur) == 0);
    CHECK_EQ(ts_ns(&cur.it_value), 0);
    CHECK_EQ(poll(&pf, 1, 0), 0);

    /* absolute, in the past: expired at once */
    s = spec(now_ns(clk) - 1000 * MS, 0);
    CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, NULL) == 0);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);

    /* absolute, in the future, woken through select */
    int64_t target = now_ns(clk) + 25 * MS;
    s = spec(target, 0);
    CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &s, NULL) == 0);
    fd_set rf;
    FD_ZERO(&rf);
    FD_SET(fd, &rf);
    CHECK_EQ(select(fd + 1, &rf, NULL, NULL, NULL), 1);
    CHECK(FD_ISSET(fd, &rf));
    CHECK(now_ns(clk) >= target);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    close(fd);
}

static int shared_fd;
static uint64_t got;

static void *blocked_reader(void *arg)
{
    (void)arg;
    CHECK_EQ(read(shared_fd, &got, 8), 8);
    return NULL;
}

static void blocking_read_and_epoll(void)
{
    /* a thread blocked in read on a disarmed timer, woken once armed */
    shared_fd = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK(shared_fd >= 0);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, blocked_reader, NULL) == 0);
    struct timespec nap = {0, 20 * MS};
    nanosleep(&nap, NULL);
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    struct itimerspec s = spec(30 * MS, 0);
    CHECK(timerfd_settime(shared_fd, 0, &s, NULL) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_EQ(got, 1);
    CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 30 * MS);

    /* epoll: nothing before the expiration, EPOLLIN after */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 77};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, shared_fd, &ev) == 0);
    struct epoll_event out[2];
    CHECK_EQ(epoll_wait(ep, out, 2, 0), 0);
    s = spec(20 * MS, 20 * MS);
    t0 = now_ns(CLOCK_MONOTONIC);
    CHECK(timerfd_settime(shared_fd, 0, &s, NULL) == 0);
    CHECK_EQ(epoll_wait(ep, out, 2, -1), 1);
    CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 20 * MS);
    CHECK_EQ(out[0].events, EPOLLIN);
    CHECK_EQ(out[0].data.u64, 77);
    uint64_t v;
    CHECK_EQ(read(shared_fd, &v, 8), 8);
    CHECK(v >= 1);
    /* periodic: ready again at the next period */
    CHECK_EQ(epoll_wait(ep, out, 2, -1), 1);
    CHECK_EQ(read(shared_fd, &v, 8), 8);
    CHECK(v >= 1);
    close(ep);
    close(shared_fd);
}

static void cancel_on_set(void)
{
    /* accepted with an absolute CLOCK_REALTIME timer; nobody sets the
     * clock here, so it expires normally */
    int fd = timerfd_create(CLOCK_REALTIME, 0);
    CHECK(fd >= 0);
    struct itimerspec s = spec(now_ns(CLOCK_REALTIME) + 10 * MS, 0);
    CHECK(timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &s, NULL) == 0);
    uint64_t v;
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    /* without ABSTIME the flag is ignored */
    s = spec(5 * MS, 0);
    CHECK(timerfd_settime(fd, TFD_TIMER_CANCEL_ON_SET, &s, NULL) == 0);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    close(fd);
}

int main(void)
{
    errors();
    basics(CLOCK_MONOTONIC);
    basics(CLOCK_REALTIME);
    basics(CLOCK_BOOTTIME);
    blocking_read_and_epoll();
    cancel_on_set();
    puts("timerfd ok");
    return 0;
}
