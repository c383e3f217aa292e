/*
 * epoll: epoll over pipes and eventfds: level-triggered reports (again
 * and again while ready), EPOLLOUT, EPOLLHUP when the writer closes,
 * EPOLLONESHOT until EPOLL_CTL_MOD, EPOLLET reporting new data, timeouts,
 * a blocked epoll_wait woken from another thread, an entry dropped when
 * its file is closed, maxevents, and epoll_ctl's errors (EEXIST, ENOENT,
 * EPERM for a regular file, EINVAL for itself, EBADF).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "check.h"

static int wake_fd;

static void *late_signal(void *arg)
{
    (void)arg;
    struct timespec t = {0, 30 * 1000 * 1000};
    nanosleep(&t, NULL);
    uint64_t v = 1;
    CHECK_EQ(write(wake_fd, &v, 8), 8);
    return NULL;
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event e = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

int main(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    int p[2];
    CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
    struct epoll_event ev[8];

    /* nothing ready: a timeout */
    CHECK_EQ(add(ep, p[0], EPOLLIN, 100), 0);
    CHECK_EQ(epoll_wait(ep, ev, 8, 20), 0);
    /* level-triggered: reported while data waits */
    CHECK_EQ(write(p[1], "abc", 3), 3);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(epoll_wait(ep, ev, 8, 1000), 1);
        CHECK_EQ(ev[0].events, EPOLLIN);
        CHECK_EQ(ev[0].data.u64, 100);
    }
    char buf[16];
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 0);
    /* the write end: EPOLLOUT at once */
    CHECK_EQ(add(ep, p[1], EPOLLOUT, 200), 0);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 1);
    CHECK_EQ(ev[0].events, EPOLLOUT);
    CHECK_EQ(ev[0].data.u64, 200);
    /* errors */
    CHECK_ERRNO(add(ep, p[0], EPOLLIN, 0), EEXIST);
    struct epoll_event e = {.events = EPOLLIN};
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, 0x3ff, &e), EBADF);
    int efd = eventfd(0, EFD_NONBLOCK);
    CHECK(efd >= 0);
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e), ENOENT);
    CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL), ENOENT);
    CHECK_ERRNO(add(ep, ep, EPOLLIN, 0), EINVAL);
    CHECK_ERRNO(add(p[0], efd, EPOLLIN, 0), EINVAL); /* not an epoll */
    char path[PATH_MAX];
    tmp_path(path, sizeof(path), "epoll-regular");
    int reg = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(reg >= 0);
    CHECK_ERRNO(add(ep, reg, EPOLLIN, 0), EPERM);
    CHECK_EQ(close(reg), 0);
    CHECK_EQ(unlink(path), 0);
    struct stat st; /* /dev/null cannot be polled either (the runner's stdin) */
    if (fstat(0, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
        CHECK_ERRNO(add(ep, 0, EPOLLIN, 0), EPERM);
    CHECK_ERRNO(epoll_wait(ep, ev, 0, 0), EINVAL);
    CHECK_ERRNO(epoll_wait(p[0], ev, 8, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_epoll_create, 0), EINVAL); /* musl's wrapper ignores size */
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), 0);

    /* EPOLLONESHOT: once, until MOD re-arms it */
    CHECK_EQ(add(ep, efd, EPOLLIN | EPOLLONESHOT, 300), 0);
    uint64_t one = 1;
    CHECK_EQ(write(efd, &one, 8), 8);
    CHECK_EQ(epoll_wait(ep, ev, 8, 1000), 1);
    CHECK_EQ(ev[0].data.u64, 300);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 0); /* still readable, but disarmed */
    e.events = EPOLLIN;
    e.data.u64 = 301;
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e), 0);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 1);
    CHECK_EQ(ev[0].data.u64, 301);
    uint64_t v;
    CHECK_EQ(read(efd, &v, 8), 8);

    /* EPOLLET: new data is reported */
    e.events = EPOLLIN | EPOLLET;
    e.data.u64 = 302;
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e), 0);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 0);
    CHECK_EQ(write(efd, &one, 8), 8);
    CHECK_EQ(epoll_wait(ep, ev, 8, 1000), 1);
    CHECK_EQ(ev[0].data.u64, 302);
    CHECK_EQ(read(efd, &v, 8), 8);

    /* two ready, maxevents 1: one at a time (level-triggered again) */
    e.events = EPOLLIN;
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e), 0);
    CHECK_EQ(write(efd, &one, 8), 8);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(epoll_wait(ep, ev, 1, 1000), 1);
    CHECK_EQ(epoll_wait(ep, ev, 8, 1000), 2);
    CHECK_EQ(read(efd, &v, 8), 8);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);

    /* a blocked epoll_wait wakes for another thread's write */
    wake_fd = efd;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, late_signal, NULL), 0);
    CHECK_EQ(epoll_wait(ep, ev, 8, 5000), 1);
    CHECK_EQ(ev[0].data.u64, 302);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(read(efd, &v, 8), 8);

    /* poll on the epoll itself sleeps until an entry is ready */
    CHECK_EQ(pthread_create(&t, NULL, late_signal, NULL), 0);
    struct pollfd pf = {ep, POLLIN, 0};
    CHECK_EQ(poll(&pf, 1, -1), 1); /* no timeout: only the wake-up can end it */
    CHECK(pf.revents & POLLIN);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(read(efd, &v, 8), 8);
    pf.revents = 0;
    CHECK_EQ(poll(&pf, 1, 0), 0);

    /* the writer closes: EPOLLHUP on the read end */
    CHECK_EQ(close(p[1]), 0);
    CHECK_EQ(epoll_wait(ep, ev, 8, 1000), 1);
    CHECK(ev[0].events & EPOLLHUP);
    CHECK_EQ(ev[0].data.u64, 100);
    /* closing a file drops its entry */
    CHECK_EQ(close(p[0]), 0);
    CHECK_EQ(epoll_wait(ep, ev, 8, 0), 0);
    CHECK_EQ(close(efd), 0);
    CHECK_EQ(close(ep), 0);
    return 0;
}
