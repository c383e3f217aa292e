/*
 * sockets: TCP over loopback (bind to port 0, getsockname, listen, a
 * client thread connects, accept4, echo through send/recv and read/write,
 * shutdown gives EOF, poll and epoll see readiness, non-blocking accept is
 * EAGAIN, a closed port refuses), UDP (sendto/recvfrom with the peer's
 * address, sendmsg/recvmsg), an AF_UNIX socketpair both ways, EPIPE with
 * MSG_NOSIGNAL, socket options, and errors (ENOTSOCK, EBADF, EAFNOSUPPORT,
 * EFAULT), and the interface ioctls (SIOCGIFCONF's size query and list,
 * SIOCGIFINDEX/SIOCGIFFLAGS of a listed interface, EFAULT for a bad
 * pointer or a bad ifc_buf).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "check.h"

static struct sockaddr_in server_addr;

static void *client(void *arg)
{
    (void)arg;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c >= 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&server_addr, sizeof(server_addr)), 0);
    CHECK_EQ(send(c, "ping", 4, 0), 4);
    char buf[16] = {0};
    CHECK_EQ(recv(c, buf, 4, MSG_WAITALL), 4);
    CHECK_STR(buf, "pong");
    CHECK_EQ(shutdown(c, SHUT_WR), 0);
    CHECK_EQ(read(c, buf, sizeof(buf)), 0); /* the server closed after our EOF */
    CHECK_EQ(close(c), 0);
    return NULL;
}

static void tcp(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(s >= 0);
    int one = 1;
    CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
    int v = 0;
    socklen_t vl = sizeof(v);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &vl), 0);
    CHECK(v != 0 && vl == sizeof(int));
    vl = sizeof(v);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
    CHECK_EQ(v, SOCK_STREAM);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_EQ(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t al = sizeof(server_addr);
    CHECK_EQ(getsockname(s, (struct sockaddr *)&server_addr, &al), 0);
    CHECK(al == sizeof(server_addr) && server_addr.sin_port != 0);
    CHECK_EQ(listen(s, 8), 0);
    /* nothing to accept yet: a non-blocking listener says EAGAIN */
    CHECK_EQ(fcntl(s, F_SETFL, O_NONBLOCK), 0);
    CHECK_ERRNO(accept(s, NULL, NULL), EAGAIN);
    CHECK_EQ(fcntl(s, F_SETFL, 0), 0);

    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, client, NULL), 0);
    struct pollfd p = {s, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 5000), 1);
    struct sockaddr_in peer;
    socklen_t pl = sizeof(peer);
    int c = accept4(s, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
    CHECK(c >= 0);
    CHECK_EQ(peer.sin_family, AF_INET);
    CHECK_EQ(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    struct sockaddr_in pn;
    socklen_t pnl = sizeof(pn);
    CHECK_EQ(getpeername(c, (struct sockaddr *)&pn, &pnl), 0);
    CHECK_EQ(pn.sin_port, peer.sin_port);
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN, .data.u32 = 7};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, c, &e), 0);
    CHECK_EQ(epoll_wait(ep, &e, 1, 5000), 1);
    CHECK_EQ(e.data.u32, 7);
    char buf[16] = {0};
    CHECK_EQ(recv(c, buf, 4, MSG_WAITALL), 4);
    CHECK_STR(buf, "ping");
    CHECK_EQ(write(c, "pong", 4), 4);
    CHECK_EQ(read(c, buf, sizeof(buf)), 0); /* the client's shutdown(SHUT_WR) */
    CHECK_EQ(close(c), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(close(ep), 0);
    CHECK_EQ(close(s), 0);
    /* the port is closed now */
    int r = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_ERRNO(connect(r, (struct sockaddr *)&server_addr, sizeof(server_addr)), ECONNREFUSED);
    CHECK_EQ(close(r), 0);
}

static void udp(void)
{
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(a >= 0 && b >= 0);
    struct sockaddr_in la = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in lb = la, got;
    CHECK_EQ(bind(a, (struct sockaddr *)&la, sizeof(la)), 0);
    CHECK_EQ(bind(b, (struct sockaddr *)&lb, sizeof(lb)), 0);
    socklen_t l = sizeof(la);
    CHECK_EQ(getsockname(a, (struct sockaddr *)&la, &l), 0);
    l = sizeof(lb);
    CHECK_EQ(getsockname(b, (struct sockaddr *)&lb, &l), 0);
    CHECK_EQ(sendto(a, "datagram", 8, 0, (struct sockaddr *)&lb, sizeof(lb)), 8);
    char buf[32] = {0};
    l = sizeof(got);
    CHECK_EQ(recvfrom(b, buf, sizeof(buf), 0, (struct sockaddr *)&got, &l), 8);
    CHECK_STR(buf, "datagram");
    CHECK_EQ(got.sin_port, la.sin_port);
    /* sendmsg/recvmsg with two iovecs */
    struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
    struct msghdr m = {.msg_name = &lb, .msg_namelen = sizeof(lb), .msg_iov = iov, .msg_iovlen = 2};
    CHECK_EQ(sendmsg(a, &m, 0), 4);
    char x[2], y[8] = {0};
    struct iovec in[2] = {{x, 2}, {y, sizeof(y)}};
    struct msghdr rm = {
        .msg_name = &got, .msg_namelen = sizeof(got), .msg_iov = in, .msg_iovlen = 2};
    CHECK_EQ(recvmsg(b, &rm, 0), 4);
    CHECK(memcmp(x, "ab", 2) == 0 && memcmp(y, "cd", 2) == 0);
    CHECK_EQ(rm.msg_namelen, sizeof(got));
    CHECK_ERRNO(recv(b, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    /* SO_RCVTIMEO bounds a blocking receive: EAGAIN after it */
    struct timeval tv = {0, 100 * 1000};
    CHECK_EQ(setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERRNO(recv(b, buf, sizeof(buf), 0), EAGAIN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(waited >= 0.09); /* it did wait (no upper bound: machines are slow at times) */
    CHECK_EQ(close(a), 0);
    CHECK_EQ(close(b), 0);
}

static void unix_pair(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(write(sv[0], "to 1", 4), 4);
    CHECK_EQ(write(sv[1], "to 0", 4), 4);
    char buf[8] = {0};
    CHECK_EQ(read(sv[1], buf, sizeof(buf)), 4);
    CHECK_STR(buf, "to 1");
    CHECK_EQ(read(sv[0], buf, sizeof(buf)), 4);
    CHECK_STR(buf, "to 0");
    CHECK_EQ(close(sv[1]), 0);
    CHECK_ERRNO(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ(close(sv[0]), 0);
    CHECK_ERRNO(socketpair(AF_INET, SOCK_STREAM, 0, sv), EOPNOTSUPP);
    /* nobody listens at these paths: as Linux answers */
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(u >= 0);
    struct sockaddr_un ua = {.sun_family = AF_UNIX};
    strcpy(ua.sun_path, "/tmp/libos-no-such-socket");
    CHECK_ERRNO(connect(u, (struct sockaddr *)&ua, sizeof(ua)), ENOENT);
    strcpy(ua.sun_path, "/tmp"); /* exists, is not a socket */
    CHECK_ERRNO(connect(u, (struct sockaddr *)&ua, sizeof(ua)), ECONNREFUSED);
    CHECK_EQ(close(u), 0);
}

static void if_ioctls(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    CHECK_ERRNO(ioctl(s, SIOCGIFCONF, (void *)8), EFAULT);
    struct ifconf ifc = {.ifc_len = 4096, .ifc_buf = (char *)16};
    CHECK_ERRNO(ioctl(s, SIOCGIFCONF, &ifc), EFAULT);
    ifc = (struct ifconf){.ifc_len = 0, .ifc_buf = NULL}; /* how much room the list needs */
    CHECK_EQ(ioctl(s, SIOCGIFCONF, &ifc), 0);
    CHECK(ifc.ifc_len >= 0 && ifc.ifc_len % sizeof(struct ifreq) == 0);
    struct ifreq reqs[64];
    ifc = (struct ifconf){.ifc_len = sizeof(reqs), .ifc_req = reqs};
    CHECK_EQ(ioctl(s, SIOCGIFCONF, &ifc), 0);
    CHECK(ifc.ifc_len % sizeof(struct ifreq) == 0);
    for (size_t i = 0; i < ifc.ifc_len / sizeof(struct ifreq); i++) {
        CHECK_EQ(reqs[i].ifr_addr.sa_family, AF_INET);
        struct ifreq r;
        memset(&r, 0, sizeof(r));
        memcpy(r.ifr_name, reqs[i].ifr_name, IFNAMSIZ);
        CHECK_EQ(ioctl(s, SIOCGIFINDEX, &r), 0);
        CHECK(r.ifr_ifindex > 0);
        CHECK_EQ(ioctl(s, SIOCGIFFLAGS, &r), 0);
        CHECK(r.ifr_flags & IFF_UP); /* SIOCGIFCONF lists addresses of up interfaces */
    }
    CHECK_ERRNO(ioctl(s, SIOCGIFFLAGS, (void *)8), EFAULT);
    close(s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    tcp();
    udp();
    unix_pair();
    if_ioctls();
    int p[2];
    CHECK_EQ(pipe(p), 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    CHECK_ERRNO(bind(p[0], (struct sockaddr *)&a, sizeof(a)), ENOTSOCK);
    CHECK_ERRNO(listen(0x3ff, 1), EBADF);
    CHECK_ERRNO(socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    a.sin_port = htons(9);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_ERRNO(sendto(s, (void *)8, 4, 0, (struct sockaddr *)&a, sizeof(a)), EFAULT);
    CHECK_EQ(close(s), 0);
    return 0;
}
