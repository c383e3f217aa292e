/*
 * pidfd: file descriptors naming a process. pidfd_open (close-on-exec,
 * PIDFD_NONBLOCK, errors), readiness in poll, select and epoll once the
 * process exits, /proc/self/fdinfo's Pid:, read giving EINVAL,
 * pidfd_send_signal (default and caller-built siginfo, its checks),
 * pidfd_getfd (a dup of another process's fd, close-on-exec; EPERM for an
 * unprivileged caller), waitid(P_PIDFD) (and ECHILD for a process that is
 * not a child, EAGAIN with PIDFD_NONBLOCK), clone(CLONE_PIDFD) as fork
 * and as vfork, clone3's pidfd field, a pidfd inherited by a forked child
 * and one passed over SCM_RIGHTS, and ESRCH once the process is reaped.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "check.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_NONBLOCK_FLAG O_NONBLOCK

struct clone_args_v0 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int pidfd_open(pid_t pid, unsigned flags)
{
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int send_sig(int pidfd, int sig, siginfo_t *info, unsigned flags)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static int getfd(int pidfd, int fd, unsigned flags)
{
    return (int)syscall(SYS_pidfd_getfd, pidfd, fd, flags);
}

static int poll1(int fd, int timeout)
{
    struct pollfd p = {fd, POLLIN, 0};
    int n = poll(&p, 1, timeout);
    CHECK(n >= 0);
    return n ? p.revents : 0;
}

/* A child that waits until a byte comes on *gate (or EOF) and exits with code. */
static pid_t gated_child(int gate[2], int code)
{
    CHECK_EQ(pipe(gate), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(gate[1]);
        char c;
        if (read(gate[0], &c, 1) < 0) _exit(100);
        _exit(code);
    }
    close(gate[0]);
    return pid;
}

/* The Pid: line of /proc/self/fdinfo/fd. */
static int fdinfo_pid(int fd)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    int pid = -2, flags_seen = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "Pid:", 4) == 0) pid = atoi(line + 4);
        if (strncmp(line, "flags:", 6) == 0) flags_seen = 1;
    }
    fclose(f);
    CHECK(flags_seen);
    return pid;
}

static void waitid_exited(int pidfd, pid_t pid, int code)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_EQ(waitid(P_PIDFD, pidfd, &si, WEXITED), 0);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_signo, SIGCHLD);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_status, code);
}

static void open_and_poll(void)
{
    int gate[2];
    pid_t pid = gated_child(gate, 7);
    int pfd = pidfd_open(pid, 0);
    CHECK(pfd >= 0);
    CHECK_EQ(fcntl(pfd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(pfd, F_GETFL) & O_NONBLOCK, 0);
    CHECK_EQ(fdinfo_pid(pfd), pid);
    char c;
    CHECK_ERRNO(read(pfd, &c, 1), EINVAL);
    CHECK_EQ(poll1(pfd, 0), 0);
    CHECK_EQ(send_sig(pfd, 0, NULL, 0), 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = pfd}, out;
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev), 0);
    CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
    /* the child exits: readable, in poll, select and epoll, before the wait */
    CHECK_EQ(write(gate[1], "x", 1), 1);
    CHECK_EQ(poll1(pfd, -1) & (POLLIN | POLLHUP), POLLIN);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(pfd, &rs);
    struct timeval tv = {0, 0};
    CHECK_EQ(select(pfd + 1, &rs, NULL, NULL, &tv), 1);
    CHECK_EQ(epoll_wait(ep, &out, 1, -1), 1);
    CHECK_EQ(out.data.fd, pfd);
    CHECK_EQ(send_sig(pfd, 0, NULL, 0), 0); /* a zombie still takes signals */
    waitid_exited(pfd, pid, 7);
    /* reaped: the pidfd names nothing any more */
    CHECK_ERRNO(send_sig(pfd, 0, NULL, 0), ESRCH);
    CHECK_ERRNO(send_sig(pfd, SIGKILL, NULL, 0), ESRCH);
    CHECK_ERRNO(getfd(pfd, 0, 0), ESRCH);
    siginfo_t si;
    CHECK_ERRNO(waitid(P_PIDFD, pfd, &si, WEXITED | WNOHANG), ECHILD);
    CHECK_EQ(poll1(pfd, 0), POLLIN | POLLHUP);
    CHECK_EQ(fdinfo_pid(pfd), -1);
    CHECK_ERRNO(pidfd_open(pid, 0), ESRCH);
    close(ep);
    close(pfd);
    close(gate[1]);
}

static int thread_gate[2];
static volatile pid_t thread_tid;

static void *thread_fn(void *arg)
{
    thread_tid = (pid_t)syscall(SYS_gettid);
    char c;
    if (read(thread_gate[0], &c, 1) < 0) return NULL;
    return NULL;
}

static void errors(void)
{
    CHECK_ERRNO(pidfd_open(getpid(), 1), EINVAL);
    CHECK_ERRNO(pidfd_open(0, 0), EINVAL);
    CHECK_ERRNO(pidfd_open(-1, 0), EINVAL);
    /* a thread that is not the thread-group leader */
    pthread_t th;
    CHECK_EQ(pipe(thread_gate), 0);
    CHECK_EQ(pthread_create(&th, NULL, thread_fn, NULL), 0);
    while (!thread_tid)
        sched_yield();
    CHECK(thread_tid != getpid());
    /* Linux 6.18: ENOENT (older kernels and the man page: EINVAL) */
    CHECK_ERRNO(pidfd_open(thread_tid, 0), ENOENT);
    CHECK_EQ(write(thread_gate[1], "x", 1), 1);
    CHECK_EQ(pthread_join(th, NULL), 0);
    close(thread_gate[0]);
    close(thread_gate[1]);
    int self = pidfd_open(getpid(), PIDFD_NONBLOCK_FLAG);
    CHECK(self >= 0);
    CHECK(fcntl(self, F_GETFL) & O_NONBLOCK);
    /* not our child (Go's probe) */
    siginfo_t si;
    CHECK_ERRNO(waitid(P_PIDFD, self, &si, WEXITED), ECHILD);
    CHECK_ERRNO(waitid(P_PIDFD, -1, &si, WEXITED), EINVAL);
    int pp[2];
    CHECK_EQ(pipe(pp), 0);
    CHECK_ERRNO(waitid(P_PIDFD, pp[0], &si, WEXITED), EBADF);
    CHECK_ERRNO(send_sig(pp[0], 0, NULL, 0), EBADF);
    CHECK_ERRNO(send_sig(999, 0, NULL, 0), EBADF);
    CHECK_ERRNO(getfd(pp[0], 0, 0), EBADF);
    CHECK_ERRNO(send_sig(self, 0, NULL, 1u << 31), EINVAL);
    CHECK_ERRNO(send_sig(self, 99, NULL, 0), EINVAL);
    CHECK_ERRNO(send_sig(self, 0, (siginfo_t *)8, 0), EFAULT);
    CHECK_ERRNO(getfd(self, 0, 1u << 31), EINVAL);
    CHECK_ERRNO(getfd(self, 999, 0), EBADF);
    close(pp[0]);
    close(pp[1]);
    close(self);
}

static volatile sig_atomic_t got_value, got_code;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    got_value = si->si_value.sival_int;
    got_code = si->si_code;
}

static void signals(void)
{
    /* a built siginfo to ourselves, then the checks on it */
    struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    int self = pidfd_open(getpid(), 0);
    CHECK(self >= 0);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGUSR1;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_value.sival_int = 42;
    CHECK_EQ(send_sig(self, SIGUSR1, &si, 0), 0);
    CHECK_EQ(got_value, 42);
    CHECK_EQ(got_code, SI_QUEUE);
    CHECK_ERRNO(send_sig(self, SIGUSR2, &si, 0), EINVAL); /* si_signo differs */
    close(self);

    int gate[2];
    pid_t pid = gated_child(gate, 0);
    int pfd = pidfd_open(pid, 0);
    CHECK(pfd >= 0);
    si.si_code = SI_USER; /* >= 0: another process may not claim it */
    CHECK_ERRNO(send_sig(pfd, SIGUSR1, &si, 0), EPERM);
    si.si_code = SI_TKILL;
    CHECK_ERRNO(send_sig(pfd, SIGUSR1, &si, 0), EPERM);
    CHECK_EQ(send_sig(pfd, SIGTERM, NULL, 0), 0);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(waitid(P_PIDFD, pfd, &si, WEXITED), 0);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGTERM);
    close(pfd);
    close(gate[1]);
}

static void nonblock_wait(void)
{
    int gate[2];
    pid_t pid = gated_child(gate, 4);
    int pfd = pidfd_open(pid, PIDFD_NONBLOCK_FLAG);
    CHECK(pfd >= 0);
    siginfo_t si;
    memset(&si, 0x5a, sizeof(si));
    CHECK_ERRNO(waitid(P_PIDFD, pfd, &si, WEXITED), EAGAIN);
    memset(&si, 0x5a, sizeof(si));
    CHECK_EQ(waitid(P_PIDFD, pfd, &si, WEXITED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0);
    CHECK_EQ(write(gate[1], "x", 1), 1);
    CHECK(poll1(pfd, -1) & POLLIN);
    waitid_exited(pfd, pid, 4);
    close(pfd);
    close(gate[1]);
}

/* A child with a pipe at fd 60 holding "hello" and one at 61 to say so. */
static void get_fd(void)
{
    int ready[2], gate[2];
    CHECK_EQ(pipe(ready), 0);
    CHECK_EQ(pipe(gate), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int p[2];
        close(gate[1]);
        if (pipe(p) < 0 || write(p[1], "hello", 5) != 5 || dup2(p[0], 60) != 60) _exit(1);
        if (write(ready[1], "r", 1) != 1) _exit(1);
        char c;
        if (read(gate[0], &c, 1) < 0) _exit(1);
        _exit(0);
    }
    close(ready[1]);
    close(gate[0]);
    char c;
    CHECK_EQ(read(ready[0], &c, 1), 1);
    int pfd = pidfd_open(pid, 0);
    CHECK(pfd >= 0);
    int fd = getfd(pfd, 60, 0);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    char buf[8] = {0};
    CHECK_EQ(read(fd, buf, sizeof(buf)), 5);
    CHECK_STR(buf, "hello");
    CHECK_ERRNO(getfd(pfd, 61, 0), EBADF);
    close(fd);

    /* an unprivileged process may not take a root process's fds */
    pid_t u = fork();
    CHECK(u >= 0);
    if (u == 0) {
        int parent = pidfd_open(getppid(), 0);
        if (parent < 0 || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(1);
        errno = 0;
        if (getfd(parent, 0, 0) != -1 || errno != EPERM) _exit(2);
        _exit(0);
    }
    int st;
    CHECK_EQ(waitpid(u, &st, 0), u);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);

    close(gate[1]);
    waitid_exited(pfd, pid, 0);
    close(pfd);
    close(ready[0]);
}

/* clone(CLONE_VM | CLONE_VFORK | CLONE_PIDFD) whose child exits with 9
 * at once, in assembly: the child runs on this very stack, so it may not
 * return through a frame the parent still needs. */
static long vfork_pidfd_exit9(int *pfd)
{
    long ret;
    register long ctid __asm__("r10") = 0;
    register long tls __asm__("r8") = 0;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "mov $60, %%eax\n\t" /* exit(9) */
                     "mov $9, %%edi\n\t"
                     "syscall\n\t"
                     "1:\n\t"
                     : "=a"(ret)
                     : "0"((long)SYS_clone),
                       "D"((long)(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD)), "S"(0L),
                       "d"(pfd), "r"(ctid), "r"(tls)
                     : "rcx", "r11", "memory");
    return ret;
}

static void clone_pidfd(void)
{
    /* clone(2): the pidfd goes where the parent tid would */
    int pfd = -1;
    long pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pfd, NULL, 0);
    CHECK(pid >= 0);
    if (pid == 0) syscall(SYS_exit_group, 3);
    CHECK(pfd >= 0);
    CHECK_EQ(fcntl(pfd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fdinfo_pid(pfd), pid);
    waitid_exited(pfd, (pid_t)pid, 3);
    close(pfd);
    CHECK_ERRNO(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pfd, NULL, 0),
                EINVAL);
    CHECK_ERRNO(syscall(SYS_clone, CLONE_PIDFD | 0x00400000 /* CLONE_DETACHED */ | SIGCHLD, 0, &pfd,
                        NULL, 0),
                EINVAL);

    /* as Go's os.StartProcess: a vfork child that exits at once */
    pfd = -1;
    pid = vfork_pidfd_exit9(&pfd);
    CHECK(pid > 0);
    CHECK(pfd >= 0);
    waitid_exited(pfd, (pid_t)pid, 9);
    close(pfd);

    /* clone3: its own pidfd field, besides the parent tid */
    int tid = 0;
    pfd = -1;
    struct clone_args_v0 a;
    memset(&a, 0, sizeof(a));
    a.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
    a.pidfd = (uintptr_t)&pfd;
    a.parent_tid = (uintptr_t)&tid;
    a.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &a, sizeof(a));
    if (pid == 0) syscall(SYS_exit_group, 5);
    CHECK(pid > 0);
    CHECK_EQ(tid, pid);
    CHECK(pfd >= 0);
    CHECK_EQ(fcntl(pfd, F_GETFD), FD_CLOEXEC);
    waitid_exited(pfd, (pid_t)pid, 5);
    close(pfd);
    a.parent_tid = a.pidfd;
    CHECK_ERRNO(syscall(SYS_clone3, &a, sizeof(a)), EINVAL);
    a.flags = CLONE_PIDFD;
    a.pidfd = 8; /* unwritable: no child is left behind */
    CHECK_ERRNO(syscall(SYS_clone3, &a, sizeof(a)), EFAULT);
    siginfo_t si;
    CHECK_ERRNO(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), ECHILD);
}

/* A pidfd used by another process: inherited across fork, and passed
 * over SCM_RIGHTS (a fork's child is a host process of its own in the
 * LibOS). */
static void shared(void)
{
    int gate[2];
    pid_t target = gated_child(gate, 6);
    int inherited = pidfd_open(target, 0);
    CHECK(inherited >= 0);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t helper = fork();
    CHECK(helper >= 0);
    if (helper == 0) {
        close(sv[0]);
        if (send_sig(inherited, 0, NULL, 0) != 0) _exit(1);
        char c;
        char ctl[CMSG_SPACE(sizeof(int))];
        struct iovec iov = {&c, 1};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
        if (recvmsg(sv[1], &m, 0) != 1) _exit(2);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        if (!cm || cm->cmsg_type != SCM_RIGHTS) _exit(3);
        int passed;
        memcpy(&passed, CMSG_DATA(cm), sizeof(int));
        if (fdinfo_pid(passed) != target) _exit(4);
        /* the target exits when its gate closes (the parent's end); wait for it */
        struct pollfd p = {inherited, POLLIN, 0};
        if (poll(&p, 1, -1) != 1 || !(p.revents & POLLIN)) _exit(5);
        if (send_sig(passed, 0, NULL, 0) != 0) _exit(6); /* a zombie, not reaped */
        _exit(0);
    }
    close(sv[1]);
    int passed = pidfd_open(target, 0);
    CHECK(passed >= 0);
    char c = 'p';
    char ctl[CMSG_SPACE(sizeof(int))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = {&c, 1};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &passed, sizeof(int));
    CHECK_EQ(sendmsg(sv[0], &m, 0), 1);
    CHECK_EQ(write(gate[1], "x", 1), 1);
    int st;
    CHECK_EQ(waitpid(helper, &st, 0), helper);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
    waitid_exited(inherited, target, 6);
    CHECK_ERRNO(send_sig(passed, 0, NULL, 0), ESRCH);
    close(passed);
    close(inherited);
    close(sv[0]);
    close(gate[1]);
}

int main(void)
{
    open_and_poll();
    errors();
    signals();
    nonblock_wait();
    get_fd();
    clone_pidfd();
    shared();
    printf("pidfd ok\n");
    return 0;
}
