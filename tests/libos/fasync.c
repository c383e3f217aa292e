/*
 * fasync: signal-driven I/O as fcntl(2) has it. A pipe's read end with
 * O_ASYNC and an owner gets SIGIO when a forked child writes; with
 * F_SETSIG the chosen signal comes with si_code POLL_IN, si_fd and
 * si_band; the write end gets POLL_OUT when a reader makes room; FIOASYNC
 * does what O_ASYNC does (a socketpair here, owned by a process group);
 * on an eventfd, which has no signal-driven I/O, FIOASYNC is ENOTTY while
 * F_SETFL keeps the flag; F_GETOWN/F_GETOWN_EX give the owner back, an
 * unknown owner is ESRCH; with O_ASYNC cleared nothing comes.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

/* The next of sigs within a few seconds (its siginfo in *si), or -1. */
static int wait_sig(const sigset_t *sigs, siginfo_t *si, long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    return sigtimedwait(sigs, si, &t);
}

static void write_from_child(int fd)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(write(fd, "x", 1) == 1 ? 0 : 1);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* In a child: its own process group owns a socketpair's end; FIOASYNC. */
static int group_owner(const sigset_t *sigs)
{
    if (setpgid(0, 0) != 0) return 10;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 11;
    if (fcntl(sv[0], F_SETOWN, -getpgrp()) != 0) return 12;
    if (fcntl(sv[0], F_GETOWN) != -getpgrp()) return 13;
    struct f_owner_ex ox;
    if (fcntl(sv[0], F_GETOWN_EX, &ox) != 0) return 14;
    if (ox.type != F_OWNER_PGRP || ox.pid != getpgrp()) return 15;
    int on = 1;
    if (ioctl(sv[0], FIOASYNC, &on) != 0) return 16;
    if (!(fcntl(sv[0], F_GETFL) & O_ASYNC)) return 17;
    write_from_child(sv[1]);
    siginfo_t si;
    return wait_sig(sigs, &si, 10000) == SIGIO ? 0 : 18;
}

int main(void)
{
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGIO);
    sigaddset(&sigs, SIGRTMIN + 1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &sigs, NULL), 0);
    siginfo_t si;

    /* 1. SIGIO to the owner when a forked child writes */
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(fcntl(p[0], F_GETOWN), 0);
    CHECK_EQ(fcntl(p[0], F_SETOWN, getpid()), 0);
    CHECK_EQ(fcntl(p[0], F_GETOWN), getpid());
    CHECK_EQ(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC | O_NONBLOCK), 0);
    CHECK(fcntl(p[0], F_GETFL) & O_ASYNC);
    write_from_child(p[1]);
    CHECK_EQ(wait_sig(&sigs, &si, 10000), SIGIO);
    char buf[64];
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);

    /* 2. F_SETSIG: that signal, with the fd and the band */
    CHECK_EQ(fcntl(p[0], F_SETSIG, SIGRTMIN + 1), 0);
    CHECK_EQ(fcntl(p[0], F_GETSIG), SIGRTMIN + 1);
    write_from_child(p[1]);
    CHECK_EQ(wait_sig(&sigs, &si, 10000), SIGRTMIN + 1);
    CHECK_EQ(si.si_code, POLL_IN);
    CHECK_EQ(si.si_fd, p[0]);
    CHECK(si.si_band & POLLIN);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);

    /* 3. cleared: nothing comes */
    CHECK_EQ(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) & ~O_ASYNC), 0);
    write_from_child(p[1]);
    CHECK_EQ(wait_sig(&sigs, &si, 200), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);

    /* 4. the write end: POLL_OUT when a reader makes room in a full pipe */
    int q[2];
    CHECK_EQ(pipe2(q, O_NONBLOCK), 0);
    while (write(q[1], buf, sizeof(buf)) > 0)
        ;
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(fcntl(q[1], F_SETOWN, getpid()), 0);
    CHECK_EQ(fcntl(q[1], F_SETSIG, SIGRTMIN + 1), 0);
    CHECK_EQ(fcntl(q[1], F_SETFL, O_ASYNC | O_NONBLOCK), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char big[8192];
        _exit(read(q[0], big, sizeof(big)) > 0 ? 0 : 1);
    }
    CHECK_EQ(wait_sig(&sigs, &si, 10000), SIGRTMIN + 1);
    CHECK_EQ(si.si_code, POLL_OUT);
    CHECK_EQ(si.si_fd, q[1]);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);

    /* 5. FIOASYNC, on a socketpair, owned by a process group (a child's
     * own, so that no one else in ours gets SIGIO) */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(group_owner(&sigs));
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* an eventfd has no signal-driven I/O: ENOTTY from FIOASYNC, and
     * F_SETFL does not fail (newer kernels then leave the flag clear) */
    int e = eventfd(0, EFD_NONBLOCK);
    CHECK(e >= 0);
    int on = 1;
    CHECK_ERRNO(ioctl(e, FIOASYNC, &on), ENOTTY);
    CHECK_EQ(fcntl(e, F_SETFL, O_ASYNC | O_NONBLOCK), 0);
    struct f_owner_ex ox;

    /* 6. an owner that does not exist */
    CHECK_ERRNO(fcntl(p[0], F_SETOWN, 999999), ESRCH);
    ox.type = F_OWNER_PID;
    ox.pid = getpid();
    CHECK_EQ(fcntl(p[0], F_SETOWN_EX, &ox), 0);
    CHECK_EQ(fcntl(p[0], F_GETOWN), getpid());
    ox.type = 77;
    CHECK_ERRNO(fcntl(p[0], F_SETOWN_EX, &ox), EINVAL);
    puts("fasync: ok");
    return 0;
}
