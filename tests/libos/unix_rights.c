/*
 * unix_rights: SCM_RIGHTS and SCM_CREDENTIALS over AF_UNIX sockets.
 * A forked child sends a pipe, a file (its offset shared), a socket, an
 * eventfd and an epoll fd in one message; a posix_spawn'ed child gets a
 * file and sends a pipe back. MSG_CMSG_CLOEXEC; a control buffer too
 * short (MSG_CTRUNC: the fds that do not fit are closed); MSG_PEEK gives
 * the fds too; fds ride on the first part of a stream send and a receive
 * stops after it; a message dropped unread releases its files, as does a
 * stream send of 0 bytes; EBADF, EINVAL past 253 fds; SO_PASSCRED with
 * implicit and explicit credentials (from a child too), and their checks
 * (EINVAL, ESRCH).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "check.h"

extern char **environ;

/* Send data with n fds (and creds when c is not NULL). */
static ssize_t send_fds(int s, const char *data, const int *fds, int n, const struct ucred *c)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 300) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf};
    struct cmsghdr *h = (struct cmsghdr *)u.buf;
    size_t len = 0;
    if (n) {
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
        memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)n);
        len += CMSG_SPACE(sizeof(int) * (size_t)n);
        h = (struct cmsghdr *)(u.buf + len);
    }
    if (c) {
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_CREDENTIALS;
        h->cmsg_len = CMSG_LEN(sizeof(*c));
        memcpy(CMSG_DATA(h), c, sizeof(*c));
        len += CMSG_SPACE(sizeof(*c));
    }
    m.msg_controllen = len;
    if (!len) m.msg_control = NULL;
    /* the system call itself: musl's sendmsg refuses control data over
     * 1 KiB (ENOMEM) before the kernel sees it */
    return syscall(SYS_sendmsg, s, &m, 0);
}

struct got {
    ssize_t len;
    int flags;
    int nfds;
    int fds[16];
    bool has_creds;
    struct ucred creds;
    size_t controllen;
    char data[64];
};

/* Receive into a control buffer of ctl bytes. */
static struct got recv_fds(int s, size_t ctl, int flags)
{
    struct got g;
    memset(&g, 0, sizeof(g));
    union {
        char buf[512];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = {g.data, sizeof(g.data) - 1};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = ctl};
    g.len = recvmsg(s, &m, flags);
    CHECK(g.len >= 0);
    g.flags = m.msg_flags;
    g.controllen = m.msg_controllen;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
        CHECK_EQ(h->cmsg_level, SOL_SOCKET);
        if (h->cmsg_type == SCM_RIGHTS) {
            int n = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            CHECK(g.nfds + n <= 16);
            memcpy(g.fds + g.nfds, CMSG_DATA(h), sizeof(int) * (size_t)n);
            g.nfds += n;
        } else if (h->cmsg_type == SCM_CREDENTIALS) {
            CHECK_EQ(h->cmsg_len, CMSG_LEN(sizeof(struct ucred)));
            memcpy(&g.creds, CMSG_DATA(h), sizeof(g.creds));
            g.has_creds = true;
        }
    }
    return g;
}

static const size_t BIG_CTL = 512;

static short poll1(int fd, short events, int ms)
{
    struct pollfd p = {fd, events, 0};
    CHECK(poll(&p, 1, ms) >= 0);
    return p.revents;
}

/* One message from a forked child: a pipe, a file, a socket, an eventfd
 * and an epoll fd. */
static void from_fork(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        CHECK_EQ(close(sv[0]), 0);
        int p[2], q[2];
        CHECK_EQ(pipe(p), 0);
        CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, q), 0);
        char path[64];
        snprintf(path, sizeof(path), "/tmp/libos-rights-%d", getpid());
        int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        CHECK(f >= 0);
        CHECK_EQ(unlink(path), 0);
        CHECK_EQ(write(f, "file data", 9), 9);
        CHECK_EQ(lseek(f, 5, SEEK_SET), 5);
        int e = eventfd(5, 0);
        int ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 9};
        CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev), 0);
        int fds[5] = {p[0], f, q[1], e, ep};
        CHECK_EQ(send_fds(sv[1], "five", fds, 5, NULL), 4);
        for (int i = 0; i < 5; i++)
            CHECK_EQ(close(fds[i]), 0);
        CHECK_EQ(write(p[1], "pipe", 4), 4);
        CHECK_EQ(close(p[1]), 0);
        CHECK_EQ(write(q[0], "sock", 4), 4);
        char ack;
        CHECK_EQ(read(sv[1], &ack, 1), 1); /* the parent is done */
        _exit(0);
    }
    CHECK_EQ(close(sv[1]), 0);
    struct got g = recv_fds(sv[0], BIG_CTL, 0);
    CHECK_EQ(g.len, 4);
    CHECK_EQ(g.nfds, 5);
    CHECK(!(g.flags & MSG_CTRUNC));
    char buf[16] = {0};
    for (int i = 0; i < 5; i++)
        CHECK_EQ(fcntl(g.fds[i], F_GETFD), 0);     /* no MSG_CMSG_CLOEXEC */
    CHECK_EQ(read(g.fds[0], buf, sizeof(buf)), 4); /* the pipe */
    CHECK_STR(buf, "pipe");
    CHECK_EQ(read(g.fds[0], buf, sizeof(buf)), 0);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(read(g.fds[1], buf, sizeof(buf)), 4); /* the file, from the child's offset */
    CHECK_STR(buf, "data");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(recv(g.fds[2], buf, 4, MSG_WAITALL), 4); /* the socket */
    CHECK_STR(buf, "sock");
    struct epoll_event ev;
    CHECK_EQ(epoll_wait(g.fds[4], &ev, 1, 5000), 1); /* the epoll, watching the eventfd */
    CHECK_EQ(ev.data.u32, 9);
    uint64_t v = 0;
    CHECK_EQ(read(g.fds[3], &v, sizeof(v)), 8); /* the eventfd */
    CHECK_EQ(v, 5);
    CHECK_EQ(epoll_wait(g.fds[4], &ev, 1, 0), 0);
    CHECK_EQ(write(sv[0], "k", 1), 1);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(read(g.fds[2], buf, sizeof(buf)), 0); /* the child's end is gone */
    for (int i = 0; i < 5; i++)
        CHECK_EQ(close(g.fds[i]), 0);
    CHECK_EQ(close(sv[0]), 0);
}

/* The spawned child: gets a file on fd, sends a pipe back. */
static int spawned_child(int s)
{
    struct got g = recv_fds(s, BIG_CTL, MSG_CMSG_CLOEXEC);
    if (g.nfds != 1 || fcntl(g.fds[0], F_GETFD) != FD_CLOEXEC) return 2;
    char buf[16] = {0};
    if (pread(g.fds[0], buf, sizeof(buf), 0) != 7 || strcmp(buf, "spawned")) return 3;
    int p[2];
    if (pipe(p) != 0) return 4;
    if (send_fds(s, "back", &p[0], 1, NULL) != 4) return 5;
    close(p[0]);
    if (write(p[1], "from spawn", 10) != 10) return 6;
    return 0;
}

static void from_spawn(const char *self)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, sv[1], 3), 0);
    char *argv[] = {(char *)self, "child", NULL};
    pid_t pid;
    CHECK_EQ(posix_spawn(&pid, self, &fa, NULL, argv, environ), 0);
    CHECK_EQ(posix_spawn_file_actions_destroy(&fa), 0);
    CHECK_EQ(close(sv[1]), 0);
    char path[64];
    snprintf(path, sizeof(path), "/tmp/libos-rights-spawn-%d", getpid());
    int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(f >= 0);
    CHECK_EQ(write(f, "spawned", 7), 7);
    CHECK_EQ(send_fds(sv[0], "file", &f, 1, NULL), 4);
    CHECK_EQ(close(f), 0);
    CHECK_EQ(unlink(path), 0);
    struct got g = recv_fds(sv[0], BIG_CTL, 0);
    CHECK_EQ(g.nfds, 1);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    char buf[16] = {0};
    CHECK_EQ(read(g.fds[0], buf, sizeof(buf)), 10);
    CHECK_STR(buf, "from spawn");
    CHECK_EQ(read(g.fds[0], buf, sizeof(buf)), 0);
    CHECK_EQ(close(g.fds[0]), 0);
    CHECK_EQ(close(sv[0]), 0);
}

/* Three pipes' write ends; what happened to each shows on its read end. */
struct pipes {
    int r[3], w[3];
};

static void pipes_open(struct pipes *p)
{
    for (int i = 0; i < 3; i++) {
        int fd[2];
        CHECK_EQ(pipe(fd), 0);
        p->r[i] = fd[0];
        p->w[i] = fd[1];
    }
}

/* Our own write ends go: a pipe whose other write end is closed too sees EOF. */
static void pipes_drop_writers(struct pipes *p)
{
    for (int i = 0; i < 3; i++)
        CHECK_EQ(close(p->w[i]), 0);
}

static bool pipe_at_eof(int r)
{
    return (poll1(r, POLLIN, 5000) & POLLHUP) != 0;
}

static void truncation(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    struct pipes p;
    pipes_open(&p);
    /* room for one fd: the first is installed, the other two closed */
    CHECK_EQ(send_fds(sv[0], "three", p.w, 3, NULL), 5);
    struct got g = recv_fds(sv[1], CMSG_LEN(sizeof(int)), 0);
    CHECK_EQ(g.nfds, 1);
    CHECK(g.flags & MSG_CTRUNC);
    CHECK_EQ(g.controllen, CMSG_LEN(sizeof(int)));
    pipes_drop_writers(&p);
    CHECK_EQ(poll1(p.r[0], POLLIN, 0), 0); /* its write end lives on in g.fds[0] */
    CHECK(pipe_at_eof(p.r[1]));
    CHECK(pipe_at_eof(p.r[2]));
    CHECK_EQ(close(g.fds[0]), 0);
    CHECK(pipe_at_eof(p.r[0]));
    for (int i = 0; i < 3; i++)
        CHECK_EQ(close(p.r[i]), 0);
    /* a buffer shorter than a header: no fd at all */
    pipes_open(&p);
    CHECK_EQ(send_fds(sv[0], "none", p.w, 1, NULL), 4);
    g = recv_fds(sv[1], 8, 0);
    CHECK_EQ(g.len, 4);
    CHECK_EQ(g.nfds, 0);
    CHECK(g.flags & MSG_CTRUNC);
    CHECK_EQ(g.controllen, 0);
    pipes_drop_writers(&p);
    CHECK(pipe_at_eof(p.r[0]));
    for (int i = 0; i < 3; i++)
        CHECK_EQ(close(p.r[i]), 0);
    /* read(2) takes the data and closes the fds */
    pipes_open(&p);
    CHECK_EQ(send_fds(sv[0], "data", p.w, 2, NULL), 4);
    char buf[8] = {0};
    CHECK_EQ(read(sv[1], buf, sizeof(buf)), 4);
    CHECK_STR(buf, "data");
    pipes_drop_writers(&p);
    CHECK(pipe_at_eof(p.r[0]) && pipe_at_eof(p.r[1]));
    for (int i = 0; i < 3; i++)
        CHECK_EQ(close(p.r[i]), 0);
    CHECK_EQ(close(sv[0]), 0);
    CHECK_EQ(close(sv[1]), 0);
}

static void peek_and_stream(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int e = eventfd(0, 0);
    CHECK_EQ(send_fds(sv[0], "ab", &e, 1, NULL), 2);
    CHECK_EQ(write(sv[0], "cd", 2), 2);
    struct got peeked = recv_fds(sv[1], BIG_CTL, MSG_PEEK);
    CHECK_EQ(peeked.len, 2); /* stops after the part with the fd */
    CHECK_EQ(peeked.nfds, 1);
    struct got g = recv_fds(sv[1], BIG_CTL, MSG_CMSG_CLOEXEC);
    CHECK_EQ(g.len, 2);
    CHECK_STR(g.data, "ab");
    CHECK_EQ(g.nfds, 1);
    CHECK(g.fds[0] != peeked.fds[0]);
    CHECK_EQ(fcntl(g.fds[0], F_GETFD), FD_CLOEXEC);
    uint64_t one = 1, v = 0;
    CHECK_EQ(write(peeked.fds[0], &one, 8), 8); /* both are the same eventfd */
    CHECK_EQ(read(g.fds[0], &v, 8), 8);
    CHECK_EQ(v, 1);
    g = recv_fds(sv[1], BIG_CTL, 0);
    CHECK_EQ(g.len, 2);
    CHECK_STR(g.data, "cd");
    CHECK_EQ(g.nfds, 0);
    CHECK_EQ(close(peeked.fds[0]), 0);
    /* a stream send of 0 bytes sends nothing, fds neither */
    struct pipes p;
    pipes_open(&p);
    CHECK_EQ(send_fds(sv[0], "", p.w, 1, NULL), 0);
    char buf[4];
    CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    pipes_drop_writers(&p);
    CHECK(pipe_at_eof(p.r[0]));
    /* errors */
    int bad = 1000;
    CHECK_ERRNO(send_fds(sv[0], "x", &bad, 1, NULL), EBADF);
    int many[300];
    for (int i = 0; i < 300; i++)
        many[i] = e;
    CHECK_ERRNO(send_fds(sv[0], "x", many, 254, NULL), EINVAL);
    CHECK_EQ(send_fds(sv[0], "x", many, 253, NULL), 1);
    g = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0); /* two fit, the rest closed */
    CHECK_EQ(g.nfds, 2);
    CHECK(g.flags & MSG_CTRUNC);
    CHECK_EQ(close(g.fds[0]), 0);
    CHECK_EQ(close(g.fds[1]), 0);
    CHECK_EQ(close(g.fds[0] = e), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(close(p.r[i]), 0);
    CHECK_EQ(close(sv[0]), 0);
    CHECK_EQ(close(sv[1]), 0);
}

/* A message with fds dropped unread (its socket closed) releases them. */
static void dropped(void)
{
    struct pipes p;
    pipes_open(&p);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(send_fds(sv[0], "lost", p.w, 3, NULL), 4);
    pipes_drop_writers(&p);
    CHECK_EQ(poll1(p.r[0], POLLIN, 0), 0); /* in flight: still open */
    CHECK_EQ(close(sv[1]), 0);
    CHECK(pipe_at_eof(p.r[0]) && pipe_at_eof(p.r[1]) && pipe_at_eof(p.r[2]));
    CHECK_EQ(close(sv[0]), 0);
    /* a socket in flight carrying another socket's messages */
    int outer[2], inner[2];
    pipes_open(&p);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, outer), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, inner), 0);
    CHECK_EQ(send_fds(inner[0], "deep", p.w, 3, NULL), 4);
    CHECK_EQ(send_fds(outer[0], "sock", &inner[1], 1, NULL), 4);
    CHECK_EQ(close(inner[0]), 0);
    CHECK_EQ(close(inner[1]), 0);
    pipes_drop_writers(&p);
    CHECK_EQ(poll1(p.r[1], POLLIN, 0), 0);
    CHECK_EQ(close(outer[1]), 0);
    CHECK(pipe_at_eof(p.r[0]) && pipe_at_eof(p.r[1]) && pipe_at_eof(p.r[2]));
    CHECK_EQ(close(outer[0]), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(close(p.r[i]), 0);
}

static void credentials(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    CHECK_EQ(send(sv[0], "plain", 5, 0), 5);
    struct got g = recv_fds(sv[1], BIG_CTL, 0);
    CHECK(!g.has_creds); /* not asked for */
    int one = 1;
    CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
    int v = 0;
    socklen_t vl = sizeof(v);
    CHECK_EQ(getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &vl), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(send(sv[0], "implicit", 8, 0), 8);
    g = recv_fds(sv[1], BIG_CTL, 0);
    CHECK(g.has_creds);
    CHECK(g.creds.pid == getpid() && g.creds.uid == getuid() && g.creds.gid == getgid());
    int hold[2]; /* root may name another process: a child waiting on this pipe */
    CHECK_EQ(pipe(hold), 0);
    pid_t other = fork();
    CHECK(other >= 0);
    if (other == 0) {
        char b;
        close(hold[1]);
        _exit(read(hold[0], &b, 1) == 0 ? 0 : 1);
    }
    CHECK_EQ(close(hold[0]), 0);
    struct ucred c = {other, getuid(), getgid()};
    CHECK_EQ(send_fds(sv[0], "explicit", NULL, 0, &c), 8);
    g = recv_fds(sv[1], BIG_CTL, 0);
    CHECK(g.has_creds);
    CHECK_EQ(g.creds.pid, other);
    CHECK_EQ(close(hold[1]), 0);
    int status;
    CHECK_EQ(waitpid(other, &status, 0), other);
    /* and with fds: credentials come first */
    int e = eventfd(0, 0);
    CHECK_EQ(send_fds(sv[0], "both", &e, 1, NULL), 4);
    g = recv_fds(sv[1], BIG_CTL, 0);
    CHECK(g.has_creds && g.nfds == 1);
    CHECK_EQ(close(g.fds[0]), 0);
    CHECK_EQ(close(e), 0);
    /* checks */
    c = (struct ucred){getpid(), (uid_t)-1, getgid()};
    CHECK_ERRNO(send_fds(sv[0], "x", NULL, 0, &c), EINVAL);
    c = (struct ucred){0x3fffffff, getuid(), getgid()};
    CHECK_ERRNO(send_fds(sv[0], "x", NULL, 0, &c), ESRCH);
    /* from a forked child */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(send(sv[0], "child", 5, 0) == 5 ? 0 : 1);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g = recv_fds(sv[1], BIG_CTL, 0);
    CHECK(g.has_creds);
    CHECK_EQ(g.creds.pid, pid);
    CHECK_EQ(close(sv[0]), 0);
    CHECK_EQ(close(sv[1]), 0);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0) return spawned_child(3);
    signal(SIGPIPE, SIG_IGN);
    from_fork();
    static char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    CHECK(n > 0);
    from_spawn(self);
    truncation();
    peek_and_stream();
    dropped();
    credentials();
    return 0;
}
