/*
 * unix: AF_UNIX sockets implemented inside the LibOS (net/unix*.c), for
 * the socket system calls of net/socket.c, which copy the application's
 * arguments in and out and call these with LibOS copies.
 *
 * Host processes cannot reach these sockets: a path name is a socket node
 * of the LibOS's file system (on hostfs the host sees a socket file that
 * nobody listens on), and an abstract name lives in a LibOS-wide table.
 */
#ifndef LIBOS_NET_UNIX_H
#define LIBOS_NET_UNIX_H

#include <stdbool.h>
#include <sys/socket.h>

struct file;
struct msghdr;

/* f is a LibOS AF_UNIX socket. */
bool unix_is(const struct file *f);

/* socket(2) / socketpair(2) for AF_UNIX (type with SOCK_NONBLOCK and
 * SOCK_CLOEXEC): the new fd, or -errno; socketpair fills fds. */
long unix_socket(int type, int protocol);
long unix_socketpair(int type, int protocol, int fds[2]);

/* The calls on a socket's file; addresses and lengths are LibOS copies
 * (a: len bytes of the application's address; out: the address and its
 * full length, as Linux's getname gives it). */
long unix_bind(struct file *f, struct sockaddr_storage *a, unsigned len);
long unix_listen(struct file *f, int backlog);
/* The new fd (flags: SOCK_NONBLOCK, SOCK_CLOEXEC); *alen 0: no address wanted. */
long unix_accept(struct file *f, int flags, struct sockaddr_storage *a, unsigned *alen);
long unix_connect(struct file *f, struct sockaddr_storage *a, unsigned len);
long unix_getname(struct file *f, bool peer, struct sockaddr_storage *a, unsigned *alen);
/* uval is the application's (checked) buffer; *len in and out. */
long unix_setsockopt(struct file *f, int level, int name, const void *uval, unsigned len);
long unix_getsockopt(struct file *f, int level, int name, void *uval, unsigned *len);
long unix_shutdown(struct file *f, int how);
/* m: a LibOS copy of the msghdr whose iovec array is a LibOS copy of
 * checked segments; name and control buffers are LibOS memory. After a
 * receive, msg_namelen, msg_controllen and msg_flags say what was written. */
long unix_sendmsg(struct file *f, struct msghdr *m, int flags);
long unix_recvmsg(struct file *f, struct msghdr *m, int flags);

#endif
