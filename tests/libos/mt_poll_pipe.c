/* mt_poll_pipe: poll on pipes: 50 ms timeout, POLLIN/OUT/HUP/ERR/NVAL, wakeup by a thread. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include "mt_util.h"

static int wfd;
static void *late_write(void *arg)
{
    (void)arg;
    mt_sleep_ms(40);
    if (write(wfd, "w", 1) != 1) abort();
    return NULL;
}

int main(void)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    struct pollfd fds[2] = {{.fd = p[0], .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};

    /* empty pipe: the read end times out */
    fds[0].revents = 0x7777;
    double t0 = mt_now_ms();
    CHECK_EQ(poll(fds, 1, 50), 0);
    double el = mt_now_ms() - t0;
    CHECK(el >= 49 && el < 1000);
    CHECK_EQ(fds[0].revents, 0);
    CHECK_EQ(poll(fds, 1, 0), 0); /* zero timeout: immediate */

    /* the write end is writable at once */
    CHECK_EQ(poll(fds, 2, 1000), 1);
    CHECK_EQ(fds[0].revents, 0);
    CHECK_EQ(fds[1].revents, POLLOUT);

    /* data makes the read end ready */
    CHECK_EQ(write(p[1], "hi", 2), 2);
    CHECK_EQ(poll(fds, 2, 1000), 2);
    CHECK_EQ(fds[0].revents, POLLIN);
    CHECK_EQ(fds[1].revents, POLLOUT);
    char buf[65536];
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 2);

    /* a full pipe: not writable */
    CHECK_EQ(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
    while (write(p[1], buf, sizeof(buf)) > 0) {
    }
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(poll(&fds[1], 1, 30), 0);
    CHECK_EQ(fds[1].revents, 0);
    /* reading a page frees room: writable again */
    CHECK_EQ(read(p[0], buf, 4096), 4096);
    CHECK_EQ(poll(&fds[1], 1, 1000), 1);
    CHECK_EQ(fds[1].revents, POLLOUT);
    while (read(p[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf)) {
    }
    CHECK_EQ(fcntl(p[1], F_SETFL, 0), 0);

    /* another thread writes while we block in poll(-1) */
    wfd = p[1];
    pthread_t t;
    t0 = mt_now_ms(); /* before the writer's 40 ms start: a late t0 shortened them */
    CHECK_EQ(pthread_create(&t, NULL, late_write, NULL), 0);
    CHECK_EQ(poll(fds, 1, -1), 1);
    CHECK(mt_now_ms() - t0 >= 30);
    CHECK_EQ(fds[0].revents, POLLIN);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(read(p[0], buf, 1), 1);

    /* writer closed: POLLHUP on the read end (with POLLIN while data remains) */
    CHECK_EQ(write(p[1], "z", 1), 1);
    CHECK_EQ(close(p[1]), 0);
    CHECK_EQ(poll(fds, 1, 1000), 1);
    CHECK_EQ(fds[0].revents, POLLIN | POLLHUP);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
    fds[0].events = 0; /* POLLHUP is reported even when not asked for */
    CHECK_EQ(poll(fds, 1, 1000), 1);
    CHECK_EQ(fds[0].revents, POLLHUP);
    close(p[0]);

    /* reader closed: POLLERR on the write end */
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(close(p[0]), 0);
    struct pollfd w = {.fd = p[1], .events = POLLOUT};
    CHECK_EQ(poll(&w, 1, 1000), 1);
    CHECK(w.revents & POLLERR);
    close(p[1]);

    /* a closed fd: POLLNVAL; a negative fd is skipped */
    struct pollfd bad[2] = {{.fd = p[1], .events = POLLIN},
                            {.fd = -1, .events = POLLIN, .revents = 0x55}};
    CHECK_EQ(poll(bad, 2, 0), 1);
    CHECK_EQ(bad[0].revents, POLLNVAL);
    CHECK_EQ(bad[1].revents, 0);
    /* no fds at all: a plain sleep */
    t0 = mt_now_ms();
    CHECK_EQ(poll(NULL, 0, 30), 0);
    CHECK(mt_now_ms() - t0 >= 29);
    return 0;
}
