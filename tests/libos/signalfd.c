/*
 * signalfd: reads consume the pending signals of the mask (blocked ones),
 * several per read, lowest first, with struct signalfd_siginfo filled as
 * Linux (SI_USER, SI_QUEUE with its value, SI_TKILL, SIGCHLD's status);
 * EAGAIN, changing the mask of an existing signalfd, a thread blocked in
 * read woken by a signal, poll and epoll readiness, and the errors.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

static sigset_t set_of(int a, int b)
{
    sigset_t s;
    sigemptyset(&s);
    if (a) sigaddset(&s, a);
    if (b) sigaddset(&s, b);
    return s;
}

static void errors(int fd)
{
    sigset_t s = set_of(SIGUSR1, 0);
    CHECK_ERRNO(syscall(SYS_signalfd4, -1, &s, 4, 0), EINVAL);
    CHECK_ERRNO(syscall(SYS_signalfd4, -1, &s, 8, 0x1), EINVAL);
    CHECK_ERRNO(syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT);
    CHECK_ERRNO(syscall(SYS_signalfd4, 9999, &s, 8, 0), EBADF);
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK_ERRNO(signalfd(p[0], &s, 0), EINVAL);
    close(p[0]);
    close(p[1]);
    struct signalfd_siginfo si;
    CHECK_ERRNO(read(fd, &si, sizeof(si) - 1), EINVAL);
    CHECK_ERRNO(write(fd, &si, sizeof(si)), EINVAL);
}

static int shared_fd;
static struct signalfd_siginfo got;

static void *blocked_reader(void *arg)
{
    (void)arg;
    CHECK_EQ(read(shared_fd, &got, sizeof(got)), sizeof(got));
    return NULL;
}

static void *late_kill(void *arg)
{
    (void)arg;
    struct timespec nap = {0, 20 * 1000 * 1000};
    nanosleep(&nap, NULL);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    return NULL;
}

int main(void)
{
    /* signals read through a signalfd are blocked so that no handler takes them */
    sigset_t all = set_of(SIGUSR1, SIGUSR2);
    sigaddset(&all, SIGRTMIN);
    sigaddset(&all, SIGCHLD);
    CHECK(sigprocmask(SIG_BLOCK, &all, NULL) == 0);

    sigset_t m = set_of(SIGUSR1, SIGUSR2);
    sigaddset(&m, SIGRTMIN);
    sigaddset(&m, SIGKILL); /* silently ignored */
    int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    errors(fd);

    struct signalfd_siginfo si[4];
    CHECK_ERRNO(read(fd, si, sizeof(si)), EAGAIN);
    struct pollfd pf = {fd, POLLIN, 0};
    CHECK_EQ(poll(&pf, 1, 0), 0);

    /* SI_USER from kill */
    CHECK(kill(getpid(), SIGUSR2) == 0);
    CHECK_EQ(poll(&pf, 1, 0), 1);
    CHECK(pf.revents & POLLIN);
    CHECK_EQ(read(fd, si, sizeof(si)), sizeof(si[0]));
    CHECK_EQ(si[0].ssi_signo, SIGUSR2);
    CHECK_EQ(si[0].ssi_code, SI_USER);
    CHECK_EQ(si[0].ssi_pid, getpid());
    CHECK_EQ(si[0].ssi_uid, getuid());
    CHECK_ERRNO(read(fd, si, sizeof(si)), EAGAIN);
    sigset_t pend;
    CHECK(sigpending(&pend) == 0);
    CHECK(!sigismember(&pend, SIGUSR2)); /* consumed */

    /* several in one read, lowest signal first, real-time ones queued */
    union sigval val = {.sival_int = 42};
    CHECK(sigqueue(getpid(), SIGRTMIN, val) == 0);
    val.sival_int = 43;
    CHECK(sigqueue(getpid(), SIGRTMIN, val) == 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK_EQ(read(fd, si, sizeof(si)), 3 * sizeof(si[0]));
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);
    CHECK_EQ(si[1].ssi_signo, SIGRTMIN);
    CHECK_EQ(si[1].ssi_code, SI_QUEUE);
    CHECK_EQ(si[1].ssi_int, 42);
    CHECK_EQ(si[1].ssi_pid, getpid());
    CHECK_EQ(si[2].ssi_int, 43);

    /* a buffer for one takes one; the rest stays pending */
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK(kill(getpid(), SIGUSR2) == 0);
    CHECK_EQ(read(fd, si, sizeof(si[0]) + 10), sizeof(si[0]));
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);
    CHECK_EQ(read(fd, si, sizeof(si)), sizeof(si[0]));
    CHECK_EQ(si[0].ssi_signo, SIGUSR2);

    /* tgkill to this thread: SI_TKILL */
    CHECK(syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1) == 0);
    CHECK_EQ(read(fd, si, sizeof(si)), sizeof(si[0]));
    CHECK_EQ(si[0].ssi_code, SI_TKILL);
    CHECK_EQ(si[0].ssi_pid, getpid());

    /* a new mask for the same signalfd: SIGUSR1 is no longer read */
    sigset_t m2 = set_of(SIGUSR2, 0);
    CHECK_EQ(signalfd(fd, &m2, 0), fd);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK); /* flags are not applied */
    CHECK(kill(getpid(), SIGUSR1) == 0);
    CHECK_ERRNO(read(fd, si, sizeof(si)), EAGAIN);
    CHECK_EQ(poll(&pf, 1, 0), 0);
    CHECK(sigpending(&pend) == 0);
    CHECK(sigismember(&pend, SIGUSR1));
    CHECK_EQ(signalfd(fd, &m, 0), fd);
    CHECK_EQ(read(fd, si, sizeof(si)), sizeof(si[0]));
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);

    /* SIGCHLD with the child's pid and exit status */
    sigset_t mc = set_of(SIGCHLD, 0);
    int cfd = signalfd(-1, &mc, 0);
    CHECK(cfd >= 0);
    pid_t child = vfork();
    if (child == 0) _exit(7);
    CHECK(child > 0);
    CHECK_EQ(read(cfd, si, sizeof(si)), sizeof(si[0]));
    CHECK_EQ(si[0].ssi_signo, SIGCHLD);
    CHECK_EQ(si[0].ssi_code, CLD_EXITED);
    CHECK_EQ(si[0].ssi_pid, child);
    CHECK_EQ(si[0].ssi_status, 7);
    int st;
    CHECK_EQ(waitpid(child, &st, 0), child);
    close(cfd);

    /* a thread blocked in read, woken by a signal sent to the process */
    shared_fd = signalfd(-1, &m, 0);
    CHECK(shared_fd >= 0);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, blocked_reader, NULL) == 0);
    struct timespec nap = {0, 20 * 1000 * 1000};
    nanosleep(&nap, NULL);
    CHECK(kill(getpid(), SIGUSR2) == 0);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_EQ(got.ssi_signo, SIGUSR2);

    /* epoll: ready while a signal of the mask is pending */
    int ep = epoll_create1(0);
    CHECK(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 5};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, shared_fd, &ev) == 0);
    struct epoll_event out[2];
    CHECK_EQ(epoll_wait(ep, out, 2, 0), 0);
    CHECK(pthread_create(&th, NULL, late_kill, NULL) == 0);
    CHECK_EQ(epoll_wait(ep, out, 2, -1), 1);
    CHECK_EQ(out[0].events, EPOLLIN);
    CHECK_EQ(out[0].data.u64, 5);
    CHECK(pthread_join(th, NULL) == 0);
    CHECK_EQ(read(shared_fd, si, sizeof(si)), sizeof(si[0]));
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);
    CHECK_EQ(epoll_wait(ep, out, 2, 0), 0);
    close(ep);
    close(shared_fd);
    close(fd);
    puts("signalfd ok");
    return 0;
}
