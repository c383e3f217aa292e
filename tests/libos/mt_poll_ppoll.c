/* mt_poll_ppoll: ppoll/pselect timeouts and atomic signal mask (EINTR only inside the call). */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include "mt_util.h"

static volatile sig_atomic_t got;
static void on_usr1(int sig)
{
    (void)sig;
    got++;
}

int main(void)
{
    int p[2];
    CHECK_EQ(pipe(p), 0);
    struct pollfd fd = {.fd = p[0], .events = POLLIN};
    struct timespec ts = {0, 50 * 1000000L};
    double t0 = mt_now_ms();
    CHECK_EQ(ppoll(&fd, 1, &ts, NULL), 0);
    CHECK(mt_now_ms() - t0 >= 49);
    CHECK_EQ(fd.revents, 0);

    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    ts.tv_sec = 0;
    ts.tv_nsec = 50 * 1000000L;
    t0 = mt_now_ms();
    CHECK_EQ(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL), 0);
    CHECK(mt_now_ms() - t0 >= 49);
    CHECK_EQ(ts.tv_nsec, 50 * 1000000L); /* pselect (libc) leaves the timeout alone */

    /* SIGUSR1 blocked and pending: ppoll with an empty mask takes it -> EINTR */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    sigset_t block, empty, cur;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &block, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(got, 0);
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    t0 = mt_now_ms();
    CHECK_ERRNO(ppoll(&fd, 1, &ts, &empty), EINTR);
    CHECK(mt_now_ms() - t0 < 4000);
    CHECK_EQ(got, 1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    CHECK_EQ(sigismember(&cur, SIGUSR1), 1); /* mask restored */

    /* same with pselect */
    CHECK_EQ(raise(SIGUSR1), 0);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    CHECK_ERRNO(pselect(p[0] + 1, &r, NULL, NULL, &ts, &empty), EINTR);
    CHECK_EQ(got, 2);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    CHECK_EQ(sigismember(&cur, SIGUSR1), 1);

    /* with the signal still blocked by the call's mask: a plain timeout */
    CHECK_EQ(raise(SIGUSR1), 0);
    ts.tv_sec = 0;
    ts.tv_nsec = 20 * 1000000L;
    CHECK_EQ(ppoll(&fd, 1, &ts, &block), 0);
    CHECK_EQ(got, 2);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &block, NULL), 0);
    CHECK_EQ(got, 3);

    /* ready data wins over the timeout */
    CHECK_EQ(write(p[1], "d", 1), 1);
    ts.tv_sec = 5;
    ts.tv_nsec = 0;
    CHECK_EQ(ppoll(&fd, 1, &ts, NULL), 1);
    CHECK_EQ(fd.revents, POLLIN);
    struct timespec bad = {0, 1000000000L};
    CHECK_ERRNO(ppoll(&fd, 1, &bad, NULL), EINVAL);
    close(p[0]);
    close(p[1]);
    return 0;
}
