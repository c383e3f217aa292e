/*
 * socket: host sockets behind LibOS fds (socket.c).
 */
#ifndef LIBOS_NET_SOCKET_H
#define LIBOS_NET_SOCKET_H

#include <stddef.h>

// clang-format off
#define SOCKET_SYSCALLS(X) X(socket, 3) X(socketpair, 4) X(bind, 3) X(listen, 2) X(accept, 3) \
    X(accept4, 4) X(connect, 3) X(getsockname, 3) X(getpeername, 3) X(setsockopt, 5) \
    X(getsockopt, 5) X(shutdown, 2) X(sendto, 6) X(recvfrom, 6) X(sendmsg, 3) X(recvmsg, 3) \
    X(sendmmsg, 4) X(recvmmsg, 5)
// clang-format on

/* The ioctls of a host socket (sock_ioctl.c): interface queries and queue
 * sizes go to the host on checked memory; -ENOTTY for others. */
long sock_host_ioctl(int hfd, unsigned long req, unsigned long arg);

struct msghdr;
long sys_socket(int domain, int type, int protocol);
long sys_socketpair(int domain, int type, int protocol, int *sv);
long sys_bind(int fd, const void *addr, unsigned len);
long sys_listen(int fd, int backlog);
long sys_accept(int fd, void *addr, unsigned *len);
long sys_accept4(int fd, void *addr, unsigned *len, int flags);
long sys_connect(int fd, const void *addr, unsigned len);
long sys_getsockname(int fd, void *addr, unsigned *len);
long sys_getpeername(int fd, void *addr, unsigned *len);
long sys_setsockopt(int fd, int level, int name, const void *val, unsigned len);
long sys_getsockopt(int fd, int level, int name, void *val, unsigned *len);
long sys_shutdown(int fd, int how);
long sys_sendto(int fd, const void *buf, size_t len, int flags, const void *addr, unsigned alen);
long sys_recvfrom(int fd, void *buf, size_t len, int flags, void *addr, unsigned *alen);
long sys_sendmsg(int fd, const struct msghdr *msg, int flags);
long sys_recvmsg(int fd, struct msghdr *msg, int flags);
/* mmsg.c */
struct mmsghdr;
struct timespec;
long sys_sendmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags);
long sys_recvmmsg(int fd, struct mmsghdr *vec, unsigned vlen, int flags, struct timespec *timeout);

#endif
