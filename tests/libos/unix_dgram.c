/*
 * unix_dgram: SOCK_DGRAM and SOCK_SEQPACKET AF_UNIX sockets: datagrams
 * keep their boundaries (zero-length ones too), MSG_TRUNC both ways,
 * FIONREAD, abstract names (exact lengths, EADDRINUSE per type),
 * autobind (explicit, and by SO_PASSCRED on sendto), recvfrom's sender
 * address, connect (send without an address, EPERM for others, AF_UNSPEC
 * disconnects, ECONNREFUSED then ENOTCONN when the peer is gone), the
 * receive queue limit for unconnected senders (EAGAIN, POLLOUT, a
 * blocked sender resumed), EMSGSIZE, shutdown, a datagram path name in a
 * directory given, and seqpacket sockets: connected, boundaries, EOF and
 * EPIPE after the peer closes.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "check.h"

static atomic_int sigpipes;

static void on_sigpipe(int sig)
{
    (void)sig;
    atomic_fetch_add(&sigpipes, 1);
}

/* An abstract name "\0libos-<tag>-<pid>" (no NUL at the end): its length. */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *tag)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "libos-%s-%d", tag, getpid());
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static short poll1(int fd, short events)
{
    struct pollfd p = {fd, events, 0};
    CHECK(poll(&p, 1, 0) >= 0);
    return p.revents;
}

static void boundaries(int type)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, type, 0, sv), 0);
    char buf[64];
    CHECK_EQ(send(sv[0], "a", 1, 0), 1);
    CHECK_EQ(send(sv[0], "bcd", 3, 0), 3);
    CHECK_EQ(send(sv[0], "", 0, 0), 0);
    CHECK_EQ(write(sv[0], "0123456789", 10), 10);
    int n = -1;
    CHECK_EQ(ioctl(sv[1], FIONREAD, &n), 0);
    CHECK_EQ(n, type == SOCK_DGRAM ? 1 : 14); /* the next message; a seqpacket's whole queue */
    CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 1);
    CHECK_EQ(recv(sv[1], buf, 2, MSG_PEEK), 2);
    CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 3);
    CHECK(memcmp(buf, "bcd", 3) == 0);
    CHECK_EQ(recv(sv[1], buf, sizeof(buf), 0), 0); /* the empty one */
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    CHECK_EQ(recvmsg(sv[1], &m, MSG_PEEK), 4);
    CHECK(m.msg_flags & MSG_TRUNC);
    CHECK_EQ(recv(sv[1], buf, 4, MSG_TRUNC), 10); /* the real length, the rest dropped */
    CHECK(memcmp(buf, "0123", 4) == 0);
    CHECK_ERRNO(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    CHECK_EQ(poll1(sv[1], POLLIN | POLLOUT), POLLOUT);
    int v = 0;
    socklen_t vl = sizeof(v);
    CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &vl), 0);
    CHECK_EQ(v, type);
    /* EMSGSIZE past SO_SNDBUF */
    int sz = 0;
    vl = sizeof(sz);
    CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, &vl), 0);
    char *big = calloc(1, (size_t)sz);
    CHECK(big != NULL);
    CHECK_ERRNO(send(sv[0], big, (size_t)sz, 0), EMSGSIZE);
    free(big);
    /* shut down for writing: EPIPE, no SIGPIPE for datagrams */
    atomic_store(&sigpipes, 0);
    CHECK_EQ(shutdown(sv[0], SHUT_WR), 0);
    CHECK_ERRNO(send(sv[0], "x", 1, 0), EPIPE);
    CHECK_EQ(atomic_load(&sigpipes), 0);
    CHECK_EQ(close(sv[0]), 0);
    CHECK_EQ(close(sv[1]), 0);
}

static void names(void)
{
    struct sockaddr_un a, got;
    socklen_t al = abstract_addr(&a, "dgram-a");
    int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(r >= 0 && s >= 0);
    CHECK_EQ(bind(r, (struct sockaddr *)&a, al), 0);
    socklen_t gl = sizeof(got);
    CHECK_EQ(getsockname(r, (struct sockaddr *)&got, &gl), 0);
    CHECK_EQ(gl, al);
    CHECK(memcmp(&got, &a, al) == 0);
    int r2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_ERRNO(bind(r2, (struct sockaddr *)&a, al), EADDRINUSE);
    CHECK_EQ(close(r2), 0);
    int st = socket(AF_UNIX, SOCK_STREAM, 0); /* names are per socket type */
    CHECK_EQ(bind(st, (struct sockaddr *)&a, al), 0);
    CHECK_EQ(close(st), 0);
    struct sockaddr_un shorter = a; /* the length is part of an abstract name */
    int r3 = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_EQ(bind(r3, (struct sockaddr *)&shorter, al - 1), 0);
    CHECK_EQ(close(r3), 0);
    /* an unbound sender has no name */
    CHECK_EQ(sendto(s, "one", 3, 0, (struct sockaddr *)&a, al), 3);
    char buf[16] = {0};
    gl = sizeof(got);
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&got, &gl), 3);
    CHECK_EQ(gl, 0);
    /* autobind: "\0" and five hex digits */
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    CHECK_EQ(bind(s, (struct sockaddr *)&fam, sizeof(sa_family_t)), 0);
    struct sockaddr_un sn;
    socklen_t snl = sizeof(sn);
    CHECK_EQ(getsockname(s, (struct sockaddr *)&sn, &snl), 0);
    CHECK_EQ(snl, offsetof(struct sockaddr_un, sun_path) + 6);
    CHECK_EQ(sn.sun_path[0], 0);
    for (int i = 1; i <= 5; i++)
        CHECK(strchr("0123456789abcdef", sn.sun_path[i]) != NULL);
    CHECK_EQ(sendto(s, "two", 3, 0, (struct sockaddr *)&a, al), 3);
    gl = sizeof(got);
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&got, &gl), 3);
    CHECK_EQ(gl, snl);
    CHECK(memcmp(&got, &sn, snl) == 0);
    /* SO_PASSCRED makes an unbound sender bind itself */
    int p = socket(AF_UNIX, SOCK_DGRAM, 0);
    int one = 1;
    CHECK_EQ(setsockopt(p, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
    CHECK_EQ(sendto(p, "three", 5, 0, (struct sockaddr *)&a, al), 5);
    gl = sizeof(got);
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&got, &gl), 5);
    CHECK_EQ(gl, offsetof(struct sockaddr_un, sun_path) + 6);
    CHECK_EQ(got.sun_path[0], 0);
    CHECK_EQ(close(p), 0);
    /* nobody there */
    struct sockaddr_un none;
    socklen_t nl = abstract_addr(&none, "dgram-none");
    CHECK_ERRNO(sendto(s, "x", 1, 0, (struct sockaddr *)&none, nl), ECONNREFUSED);
    CHECK_ERRNO(send(s, "x", 1, 0), ENOTCONN);
    CHECK_ERRNO(sendto(s, "x", 1, 0, (struct sockaddr *)&fam, 1), EINVAL);
    CHECK_EQ(close(s), 0);
    CHECK_EQ(close(r), 0);
    /* the name is free again once its socket is closed */
    r = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_EQ(bind(r, (struct sockaddr *)&a, al), 0);
    CHECK_EQ(close(r), 0);
}

static void connected(void)
{
    struct sockaddr_un a, b;
    socklen_t al = abstract_addr(&a, "dgram-ca"), bl = abstract_addr(&b, "dgram-cb");
    int x = socket(AF_UNIX, SOCK_DGRAM, 0), y = socket(AF_UNIX, SOCK_DGRAM, 0),
        z = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_EQ(bind(x, (struct sockaddr *)&a, al), 0);
    CHECK_EQ(bind(y, (struct sockaddr *)&b, bl), 0);
    CHECK_EQ(connect(x, (struct sockaddr *)&b, bl), 0);
    struct sockaddr_un got;
    socklen_t gl = sizeof(got);
    CHECK_EQ(getpeername(x, (struct sockaddr *)&got, &gl), 0);
    CHECK_EQ(gl, bl);
    CHECK_EQ(send(x, "to y", 4, 0), 4);
    char buf[16] = {0};
    CHECK_EQ(recv(y, buf, sizeof(buf), 0), 4);
    CHECK_STR(buf, "to y");
    /* x receives only from y */
    CHECK_ERRNO(sendto(z, "z", 1, 0, (struct sockaddr *)&a, al), EPERM);
    CHECK_EQ(sendto(y, "y", 1, 0, (struct sockaddr *)&a, al), 1);
    CHECK_EQ(recv(x, buf, sizeof(buf), 0), 1);
    /* AF_UNSPEC disconnects */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    CHECK_EQ(connect(x, &unspec, sizeof(unspec)), 0);
    CHECK_ERRNO(send(x, "x", 1, 0), ENOTCONN);
    CHECK_ERRNO(getpeername(x, (struct sockaddr *)&got, &gl), ENOTCONN);
    CHECK_EQ(sendto(z, "z", 1, 0, (struct sockaddr *)&a, al), 1);
    CHECK_EQ(recv(x, buf, sizeof(buf), 0), 1);
    /* the peer goes: ECONNREFUSED once, then ENOTCONN */
    CHECK_EQ(connect(x, (struct sockaddr *)&b, bl), 0);
    CHECK_EQ(close(y), 0);
    CHECK_ERRNO(send(x, "x", 1, 0), ECONNREFUSED);
    CHECK_ERRNO(send(x, "x", 1, 0), ENOTCONN);
    CHECK_EQ(close(x), 0);
    CHECK_EQ(close(z), 0);
}

static int blocked_fd;
static atomic_int blocked_sent;

static void *blocked_send(void *arg)
{
    (void)arg;
    CHECK_EQ(send(blocked_fd, "late", 4, 0), 4);
    atomic_store(&blocked_sent, 1);
    return NULL;
}

/* A receiver holds a bounded number of datagrams from senders it is not
 * connected to (net.unix.max_dgram_qlen + 1). */
static void queue_limit(void)
{
    struct sockaddr_un a;
    socklen_t al = abstract_addr(&a, "dgram-q");
    int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_EQ(bind(r, (struct sockaddr *)&a, al), 0);
    CHECK_EQ(connect(s, (struct sockaddr *)&a, al), 0);
    int sent = 0;
    while (send(s, "m", 1, MSG_DONTWAIT) == 1)
        sent++;
    CHECK_EQ(errno, EAGAIN);
    CHECK(sent >= 2);
    CHECK_EQ(poll1(s, POLLOUT), 0); /* the receiver is full */
    char buf[8];
    CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
    CHECK_EQ(poll1(s, POLLOUT), POLLOUT);
    CHECK_EQ(send(s, "m", 1, MSG_DONTWAIT), 1); /* full again */
    /* a blocking sender waits until the receiver reads */
    blocked_fd = s;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, blocked_send, NULL), 0);
    for (int i = 0; i < sent; i++)
        CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
    CHECK_EQ(recv(r, buf, sizeof(buf), 0), 4); /* the blocked one's */
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(atomic_load(&blocked_sent), 1);
    CHECK_EQ(close(s), 0);
    CHECK_EQ(close(r), 0);
}

static void path_name(const char *dir)
{
    char path[PATH_MAX];
    CHECK(snprintf(path, sizeof(path), "%s/libos-unix-dgram-%d", dir, getpid()) <
          (int)sizeof(path));
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, path);
    socklen_t al = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_EQ(bind(r, (struct sockaddr *)&a, al), 0);
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK_EQ(sendto(s, "via path", 8, 0, (struct sockaddr *)&a, al), 8);
    char buf[16] = {0};
    CHECK_EQ(recv(r, buf, sizeof(buf), 0), 8);
    CHECK_STR(buf, "via path");
    int st_sock = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERRNO(connect(st_sock, (struct sockaddr *)&a, al), EPROTOTYPE);
    CHECK_EQ(close(st_sock), 0);
    CHECK_EQ(close(r), 0);
    CHECK_ERRNO(sendto(s, "x", 1, 0, (struct sockaddr *)&a, al), ECONNREFUSED);
    CHECK_EQ(unlink(path), 0);
    CHECK_ERRNO(sendto(s, "x", 1, 0, (struct sockaddr *)&a, al), ENOENT);
    CHECK_EQ(close(s), 0);
}

static void seqpacket(void)
{
    struct sockaddr_un a;
    socklen_t al = abstract_addr(&a, "seqpacket");
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK_EQ(bind(l, (struct sockaddr *)&a, al), 0);
    CHECK_EQ(listen(l, 2), 0);
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    char buf[16];
    CHECK_ERRNO(send(c, "x", 1, 0), ENOTCONN);
    CHECK_ERRNO(recv(c, buf, sizeof(buf), 0), ENOTCONN);
    CHECK_EQ(connect(c, (struct sockaddr *)&a, al), 0);
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0);
    CHECK_EQ(send(c, "first", 5, 0), 5);
    CHECK_EQ(send(c, "second", 6, 0), 6);
    CHECK_EQ(recv(s, buf, sizeof(buf), 0), 5);
    CHECK_EQ(recv(s, buf, 3, 0), 3); /* the rest of "second" is dropped */
    CHECK_ERRNO(recv(s, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    CHECK_EQ(send(s, "reply", 5, 0), 5);
    CHECK_EQ(close(s), 0); /* c had nothing unread of s's: no reset */
    CHECK_EQ(recv(c, buf, sizeof(buf), 0), 5);
    CHECK_EQ(recv(c, buf, sizeof(buf), 0), 0); /* EOF */
    CHECK_EQ(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 0);
    CHECK((poll1(c, POLLIN | POLLRDHUP) & (POLLIN | POLLRDHUP | POLLHUP)) ==
          (POLLIN | POLLRDHUP | POLLHUP));
    atomic_store(&sigpipes, 0);
    CHECK_ERRNO(send(c, "x", 1, 0), EPIPE);
    CHECK_EQ(atomic_load(&sigpipes), 0);
    CHECK_EQ(close(c), 0);
    CHECK_EQ(close(l), 0);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_sigpipe};
    CHECK_EQ(sigaction(SIGPIPE, &sa, NULL), 0);
    boundaries(SOCK_DGRAM);
    boundaries(SOCK_SEQPACKET);
    names();
    connected();
    queue_limit();
    for (int i = 1; i < argc; i++)
        path_name(argv[i]);
    seqpacket();
    return 0;
}
