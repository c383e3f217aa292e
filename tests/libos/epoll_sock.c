/*
 * epoll_sock: epoll over TCP sockets (host sockets in the LibOS, which
 * leaves them to a host epoll): level-triggered reports among many idle
 * entries, EPOLLOUT, maxevents, EPOLLONESHOT until EPOLL_CTL_MOD,
 * EPOLL_CTL_DEL, an entry gone with its closed file (and its fd number
 * reused), two entries for one socket (dup), EPOLLRDHUP, sockets and a
 * pipe in one epoll both reported with maxevents 1, a blocked wait woken
 * by data from another thread, and an epoll shared with a forked child.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>

#include "tcp_pair.h"

#define N 40

static int conn[N][2]; /* [k][0] the client end, [k][1] the server end (in the epoll) */

static int ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event e = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, op, fd, &e);
}

/* Exactly one event: data `data` with events `events`. */
static void expect_one(int ep, uint64_t data, uint32_t events)
{
    struct epoll_event ev[N + 4];
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 1000), 1);
    CHECK_EQ(ev[0].data.u64, data);
    CHECK_EQ(ev[0].events, events);
}

static void *late_write(void *arg)
{
    struct timespec t = {0, 30 * 1000 * 1000};
    nanosleep(&t, NULL);
    CHECK_EQ(write(*(int *)arg, "w", 1), 1);
    return NULL;
}

int main(void)
{
    int l = tcp_listener();
    int ep = epoll_create1(0);
    CHECK(ep >= 0);
    for (int k = 0; k < N; k++) {
        tcp_pair(l, conn[k]);
        CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, conn[k][1], EPOLLIN, k), 0);
    }
    struct epoll_event ev[N + 4];
    char buf[64];

    /* nothing ready among N entries */
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 0), 0);
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 20), 0);
    /* level-triggered: one entry, reported while its data waits */
    CHECK_EQ(write(conn[17][0], "abc", 3), 3);
    expect_one(ep, 17, EPOLLIN);
    expect_one(ep, 17, EPOLLIN);
    CHECK_EQ(read(conn[17][1], buf, sizeof(buf)), 3);
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 0), 0);

    /* EPOLLOUT on every entry, and maxevents */
    for (int k = 0; k < N; k++)
        CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, conn[k][1], EPOLLIN | EPOLLOUT, 100 + k), 0);
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 1000), N);
    unsigned char seen[N] = {0};
    for (int i = 0; i < N; i++) {
        CHECK(ev[i].data.u64 >= 100 && ev[i].data.u64 < 100 + N);
        CHECK_EQ(ev[i].events, EPOLLOUT);
        seen[ev[i].data.u64 - 100]++;
    }
    for (int k = 0; k < N; k++)
        CHECK_EQ(seen[k], 1);
    CHECK_EQ(epoll_wait(ep, ev, 7, 1000), 7);
    for (int k = 0; k < N; k++)
        CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, conn[k][1], EPOLLIN, k), 0);

    /* EPOLLONESHOT: one report, then none until EPOLL_CTL_MOD rearms it */
    CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, conn[3][1], EPOLLIN | EPOLLONESHOT, 3), 0);
    CHECK_EQ(write(conn[3][0], "x", 1), 1);
    expect_one(ep, 3, EPOLLIN);
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 20), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, conn[3][1], EPOLLIN | EPOLLONESHOT, 33), 0);
    expect_one(ep, 33, EPOLLIN);
    CHECK_EQ(read(conn[3][1], buf, sizeof(buf)), 1);
    CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, conn[3][1], EPOLLIN, 3), 0);

    /* EPOLL_CTL_DEL: no more reports, ENOENT the second time */
    CHECK_EQ(write(conn[5][0], "y", 1), 1);
    expect_one(ep, 5, EPOLLIN);
    CHECK_EQ(ctl(ep, EPOLL_CTL_DEL, conn[5][1], 0, 0), 0);
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 0), 0);
    CHECK_ERRNO(ctl(ep, EPOLL_CTL_DEL, conn[5][1], 0, 0), ENOENT);
    CHECK_ERRNO(ctl(ep, EPOLL_CTL_MOD, conn[5][1], EPOLLIN, 5), ENOENT);
    CHECK_ERRNO(ctl(ep, EPOLL_CTL_ADD, conn[6][1], EPOLLIN, 6), EEXIST);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, conn[5][1], EPOLLIN, 55), 0); /* again: the data waits */
    expect_one(ep, 55, EPOLLIN);
    CHECK_EQ(read(conn[5][1], buf, sizeof(buf)), 1);

    /* closing the only fd of a socket drops its entry; its number, reused
     * by a new socket, is a new entry */
    int old = conn[8][1];
    CHECK_EQ(close(old), 0);
    CHECK_EQ(write(conn[8][0], "z", 1), 1); /* to a closed socket: nothing to report */
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 20), 0);
    int nc[2];
    tcp_pair(l, nc);
    CHECK_EQ(nc[0], old); /* the lowest free number */
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, nc[0], EPOLLIN, 88), 0);
    CHECK_EQ(write(nc[1], "n", 1), 1);
    expect_one(ep, 88, EPOLLIN);
    CHECK_EQ(read(nc[0], buf, sizeof(buf)), 1);

    /* two fds of one socket: two entries, each reported */
    int d = dup(conn[9][1]);
    CHECK(d >= 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, d, EPOLLIN, 99), 0);
    CHECK_EQ(write(conn[9][0], "d", 1), 1);
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 1000), 2);
    CHECK_EQ(ev[0].data.u64 + ev[1].data.u64, 9 + 99);
    CHECK_EQ(ev[0].events, EPOLLIN);
    CHECK_EQ(ev[1].events, EPOLLIN);
    CHECK_EQ(ctl(ep, EPOLL_CTL_DEL, d, 0, 0), 0);
    expect_one(ep, 9, EPOLLIN);
    CHECK_EQ(close(d), 0);
    CHECK_EQ(read(conn[9][1], buf, sizeof(buf)), 1);

    /* the peer's shutdown: EPOLLRDHUP for an entry that asks for it */
    CHECK_EQ(ctl(ep, EPOLL_CTL_MOD, conn[10][1], EPOLLIN | EPOLLRDHUP, 10), 0);
    CHECK_EQ(shutdown(conn[10][0], SHUT_WR), 0);
    expect_one(ep, 10, EPOLLIN | EPOLLRDHUP);
    CHECK_EQ(ctl(ep, EPOLL_CTL_DEL, conn[10][1], 0, 0), 0);

    /* a socket and a pipe, both ready: with maxevents 1, two waits report both */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 1000), 0);
    CHECK_EQ(write(p[1], "p", 1), 1);
    CHECK_EQ(write(conn[11][0], "s", 1), 1);
    CHECK_EQ(epoll_wait(ep, ev, 1, 1000), 1);
    uint64_t first = ev[0].data.u64;
    CHECK_EQ(epoll_wait(ep, ev, 1, 1000), 1);
    CHECK(first != ev[0].data.u64);
    CHECK_EQ(first + ev[0].data.u64, 1000 + 11);
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 1000), 2);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
    CHECK_EQ(read(conn[11][1], buf, sizeof(buf)), 1);

    /* a blocked wait, woken by a socket written from another thread */
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, late_write, &conn[12][0]), 0);
    expect_one(ep, 12, EPOLLIN);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(read(conn[12][1], buf, sizeof(buf)), 1);

    /* an epoll shared with a forked child: the child sees what is ready,
     * and what it deletes is gone for the parent too */
    CHECK_EQ(write(conn[13][0], "f", 1), 1);
    pid_t c = fork();
    CHECK(c >= 0);
    if (c == 0) {
        expect_one(ep, 13, EPOLLIN);
        CHECK_EQ(ctl(ep, EPOLL_CTL_DEL, conn[13][1], 0, 0), 0);
        CHECK_EQ(epoll_wait(ep, ev, N + 4, 0), 0);
        CHECK_EQ(write(conn[14][0], "g", 1), 1);
        expect_one(ep, 14, EPOLLIN);
        _exit(0);
    }
    int st;
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    expect_one(ep, 14, EPOLLIN);
    CHECK_EQ(read(conn[14][1], buf, sizeof(buf)), 1);
    CHECK_EQ(epoll_wait(ep, ev, N + 4, 0), 0);
    CHECK_EQ(write(conn[15][0], "h", 1), 1);
    expect_one(ep, 15, EPOLLIN);
    puts("epoll_sock: ok");
    return 0;
}
