/*
 * socket: the socket system calls. AF_UNIX sockets are the LibOS's own
 * (net/unix*.c: path names in the LibOS file system, abstract names in a
 * LibOS-wide table, SCM_RIGHTS of any LibOS file, no host call on the data
 * path; host processes cannot reach them). AF_INET, AF_INET6 and
 * AF_NETLINK sockets are host sockets behind LibOS fds (DESIGN.md
 * section 6). This file copies the application's arguments in and out
 * (addresses, msghdrs, option lengths) and hands a unix socket's calls to
 * net/unix.h with LibOS copies.
 *
 * A host socket file is a host-fd file (fs/stdio.c: read, write, poll,
 * fcntl go to the host fd). Calls that can wait never block in the host:
 * they try with MSG_DONTWAIT (or a non-blocking connect) and, for a
 * blocking socket, wait in an interruptible host poll
 * (thread_wait_host_fd) and try again, so a signal ends the wait as on
 * Linux. EPIPE raises the application's SIGPIPE unless MSG_NOSIGNAL (the
 * host's own is ignored); SO_RCVTIMEO / SO_SNDTIMEO bound those waits
 * (EAGAIN), as on Linux. Descriptors passed with SCM_RIGHTS on host
 * sockets are not supported (EOPNOTSUPP when sending; received ones are
 * closed and MSG_CTRUNC set). A host AF_UNIX socket (one the LibOS was
 * given, as `occlum exec`'s stdio) cannot be bound to a path (EOPNOTSUPP).
 */
#include "net/socket.h"

#include "net/unix.h"

#include "fs/sys_common.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "process/process.h"
#include "process/waitq.h"
#include "signal/signal.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

/* The LibOS unix socket is not a host fd: sock_get's answer for it. */
#define UNIX_SOCK (-1000)

/* The host fd of socket fd (and the file, referenced), UNIX_SOCK for a
 * LibOS AF_UNIX socket, or -ENOTSOCK/-EBADF. */
static int sock_get(int fd, struct file **out)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    if (unix_is(f)) {
        *out = f;
        return UNIX_SOCK;
    }
    int h = f->fops && f->fops->host_fd ? f->fops->host_fd(f) : -1;
    struct stat st;
    /* Sockets the LibOS made say so; other host fds (a socket as stdin)
     * are asked once per call, off the send/recv hot path. */
    if (h < 0 ||
        (!(f->fmode & FMODE_SOCKET) && (pal_host_fstat(h, &st) < 0 || !S_ISSOCK(st.st_mode)))) {
        file_put(f);
        return -ENOTSOCK;
    }
    *out = f;
    return h;
}

/* A LibOS fd for a new host socket (which it then owns). */
static long install(int hfd, int flags)
{
    struct stat st = {.st_mode = S_IFSOCK};
    char name[40];
    if (pal_host_fstat(hfd, &st) == 0)
        snprintf(name, sizeof(name), "socket:[%lu]", (unsigned long)st.st_ino);
    else
        snprintf(name, sizeof(name), "socket:[0]");
    struct file *f = file_alloc_anon(NULL, NULL, O_RDWR | (flags & SOCK_NONBLOCK), name);
    if (!f) {
        pal_host_close(hfd);
        return -ENOMEM;
    }
    f->fmode |= FMODE_SOCKET;
    int r = hostfd_file_init_typed(f, hfd, st.st_mode); /* closes hfd on failure */
    if (r < 0) {
        f->fops = NULL;
        file_put(f);
        return r;
    }
    int fd = fd_install(current_process(), f, (flags & SOCK_CLOEXEC) ? O_CLOEXEC : 0);
    if (fd < 0) file_put(f);
    return fd;
}

static bool supported_domain(int domain)
{
    return domain == AF_INET || domain == AF_INET6 || domain == AF_UNIX || domain == AF_NETLINK;
}

/* Copy a user socket address in (Linux's move_addr_to_kernel). */
static long addr_in(const void *uaddr, unsigned len, struct sockaddr_storage *a)
{
    if (len > sizeof(*a)) return -EINVAL;
    memset(a, 0, sizeof(*a));
    if (len && copy_from_user(a, uaddr, len)) return -EFAULT;
    return 0;
}

/*
 * An AF_UNIX path name given to a host socket (an AF_UNIX host socket the
 * LibOS was handed): the host path is not the LibOS's, so binding is
 * refused (EOPNOTSUPP, one warning) and reaching one fails as on Linux
 * when nobody listens there: ENOENT when the path does not exist,
 * ECONNREFUSED when it does.
 */
static long host_unix_path(const struct sockaddr_storage *a, unsigned len, bool binding)
{
    size_t off = offsetof(struct sockaddr_un, sun_path);
    if (len <= off || a->ss_family != AF_UNIX || ((struct sockaddr_un *)a)->sun_path[0] == '\0')
        return 0;
    if (binding) {
        static bool warned;
        if (!__atomic_exchange_n(&warned, true, __ATOMIC_RELAXED))
            log_warn("%s: a host AF_UNIX socket (one the LibOS was given) cannot be bound to a "
                     "path; the LibOS's own AF_UNIX sockets can",
                     current_process()->exe_path);
        return -EOPNOTSUPP;
    }
    char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
    size_t n = len - off < sizeof(path) - 1 ? len - off : sizeof(path) - 1;
    memcpy(path, ((struct sockaddr_un *)a)->sun_path, n);
    path[n] = 0;
    struct nameidata nd = {0};
    long r = namei_at(current_process(), AT_FDCWD, path, WALK_FOLLOW, &nd);
    if (r < 0) return r;
    nd_release(&nd);
    return -ECONNREFUSED;
}

long sys_socket(int domain, int type, int protocol)
{
    if (!supported_domain(domain)) return -EAFNOSUPPORT;
    if (domain == AF_UNIX) return unix_socket(type, protocol);
    int h = pal_host_socket(domain, type | SOCK_CLOEXEC, protocol);
    return h < 0 ? h : install(h, type);
}

long sys_socketpair(int domain, int type, int protocol, int *usv)
{
    if (domain != AF_UNIX)
        return domain == AF_INET || domain == AF_INET6 ? -EOPNOTSUPP : -EAFNOSUPPORT;
    if (!user_ok(usv, 2 * sizeof(int), true)) return -EFAULT;
    int fds[2];
    long r = unix_socketpair(type, protocol, fds);
    if (r < 0) return r;
    if (copy_to_user(usv, fds, sizeof(fds))) { /* unmapped meanwhile: as Linux, no fds */
        fdtable_close(current_process()->files, fds[0]);
        fdtable_close(current_process()->files, fds[1]);
        return -EFAULT;
    }
    return 0;
}

long sys_bind(int fd, const void *uaddr, unsigned len)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    struct sockaddr_storage a;
    long r = addr_in(uaddr, len, &a);
    if (r == 0 && h == UNIX_SOCK)
        r = unix_bind(f, &a, len);
    else if (r == 0 && (r = host_unix_path(&a, len, true)) == 0)
        r = pal_host_bind(h, (struct sockaddr *)&a, len);
    file_put(f);
    return r;
}

long sys_listen(int fd, int backlog)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    long r = h == UNIX_SOCK ? unix_listen(f, backlog) : pal_host_listen(h, backlog);
    file_put(f);
    return r;
}

/* Wait for `events` on a blocking host socket (0), or -EINTR; -EAGAIN
 * after the socket's SO_RCVTIMEO / SO_SNDTIMEO, as Linux. */
static int wait_sock(struct file *f, int h, short events)
{
    if (f->flags & O_NONBLOCK) return -EAGAIN;
    struct timeval tv = {0, 0};
    unsigned len = sizeof(tv);
    int opt = (events & POLLOUT) ? SO_SNDTIMEO : SO_RCVTIMEO;
    int ms = -1;
    if (pal_host_getsockopt(h, SOL_SOCKET, opt, &tv, &len) == 0 && (tv.tv_sec || tv.tv_usec))
        ms = (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
    int r = thread_wait_host_fd_ms(h, events, ms);
    return r == -ETIMEDOUT ? -EAGAIN : r;
}

/*
 * Application memory is only ever copied, never dereferenced: another
 * thread may unmap it or change it between a check and a use
 * (tests/fuzz/syscall_fuzz crashed the LibOS through *ulen).
 */

/* The user's (addr, *len) pair: both checked; *klen gets the length. */
static long addr_out_check(void *uaddr, unsigned *ulen, unsigned *klen)
{
    if (!uaddr) return 0;
    if (copy_from_user(klen, ulen, sizeof(*klen))) return -EFAULT;
    if ((int)*klen < 0) return -EINVAL;
    if (!user_ok(uaddr, *klen, true)) return -EFAULT;
    return 0;
}

/* The address a call got back: its first klen bytes, and its length. */
static long addr_out_put(void *uaddr, unsigned *ulen, const struct sockaddr_storage *a,
                         unsigned alen, unsigned klen)
{
    if (copy_to_user(uaddr, a, alen < klen ? alen : klen) ||
        copy_to_user(ulen, &alen, sizeof(alen)))
        return -EFAULT;
    return 0;
}

static long host_accept(struct file *f, int h, int flags, struct sockaddr_storage *a,
                        unsigned *alen)
{
    long r;
    for (;;) {
        /* the host fd may be blocking: poll first, then take one if still there */
        struct pollfd p = {h, POLLIN, 0};
        r = pal_host_poll(&p, 1, 0);
        if (r > 0) {
            r = pal_host_accept4(h, (struct sockaddr *)a, alen, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (r >= 0 || r != -EAGAIN) break;
        } else if (r < 0) {
            break;
        }
        if ((r = wait_sock(f, h, POLLIN)) < 0) break;
    }
    if (r < 0) return r;
    int nh = (int)r;
    if (!(flags & SOCK_NONBLOCK)) { /* the new socket blocks as its LibOS file says */
        int fl = pal_host_fcntl(nh, F_GETFL, 0);
        if (fl >= 0) pal_host_fcntl(nh, F_SETFL, fl & ~O_NONBLOCK);
    }
    return install(nh, flags);
}

long sys_accept4(int fd, void *uaddr, unsigned *ulen, int flags)
{
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
    unsigned klen = 0;
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    long r = addr_out_check(uaddr, ulen, &klen);
    struct sockaddr_storage a;
    unsigned alen = sizeof(a);
    if (r == 0 && h == UNIX_SOCK) {
        alen = uaddr != NULL; /* 0: no address wanted */
        r = unix_accept(f, flags, &a, &alen);
    } else if (r == 0) {
        r = host_accept(f, h, flags, &a, &alen);
    }
    file_put(f);
    if (r >= 0 && uaddr && addr_out_put(uaddr, ulen, &a, alen, klen) < 0) {
        fdtable_close(current_process()->files, (int)r); /* as Linux: no fd */
        return -EFAULT;
    }
    return r;
}

long sys_accept(int fd, void *uaddr, unsigned *ulen)
{
    return sys_accept4(fd, uaddr, ulen, 0);
}

static long host_connect(struct file *f, int h, struct sockaddr_storage *a, unsigned len)
{
    int fl = pal_host_fcntl(h, F_GETFL, 0);
    bool blocking = !(f->flags & O_NONBLOCK);
    /* never wait inside the host: connect without blocking, then poll */
    if (blocking && fl >= 0) pal_host_fcntl(h, F_SETFL, fl | O_NONBLOCK);
    long r = pal_host_connect(h, (struct sockaddr *)a, len);
    if (blocking && r == -EINPROGRESS) {
        r = thread_wait_host_fd(h, POLLOUT);
        if (r == 0) {
            int err = 0;
            unsigned elen = sizeof(err);
            r = pal_host_getsockopt(h, SOL_SOCKET, SO_ERROR, &err, &elen);
            if (r == 0) r = -err;
        }
    }
    if (blocking && fl >= 0) pal_host_fcntl(h, F_SETFL, fl);
    return r;
}

long sys_connect(int fd, const void *uaddr, unsigned len)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    struct sockaddr_storage a;
    long r = addr_in(uaddr, len, &a);
    if (r == 0 && h == UNIX_SOCK)
        r = unix_connect(f, &a, len);
    else if (r == 0 && (r = host_unix_path(&a, len, false)) == 0)
        r = host_connect(f, h, &a, len);
    file_put(f);
    return r;
}

static long name_of(int fd, void *uaddr, unsigned *ulen, bool peer)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    unsigned klen = 0;
    long r = addr_out_check(uaddr, ulen, &klen);
    if (r == 0 && !uaddr) r = -EFAULT;
    struct sockaddr_storage a;
    unsigned alen = sizeof(a);
    if (r == 0 && h == UNIX_SOCK)
        r = unix_getname(f, peer, &a, &alen);
    else if (r == 0)
        r = peer ? pal_host_getpeername(h, (struct sockaddr *)&a, &alen)
                 : pal_host_getsockname(h, (struct sockaddr *)&a, &alen);
    file_put(f);
    if (r < 0) return r;
    return addr_out_put(uaddr, ulen, &a, alen, klen);
}

long sys_getsockname(int fd, void *uaddr, unsigned *ulen)
{
    return name_of(fd, uaddr, ulen, false);
}

long sys_getpeername(int fd, void *uaddr, unsigned *ulen)
{
    return name_of(fd, uaddr, ulen, true);
}

long sys_setsockopt(int fd, int level, int name, const void *uval, unsigned len)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    long r = 0;
    if ((int)len < 0)
        r = -EINVAL;
    else if (len && !user_ok(uval, len, false))
        r = -EFAULT;
    else if (h == UNIX_SOCK)
        r = unix_setsockopt(f, level, name, uval, len);
    else
        r = pal_host_setsockopt(h, level, name, uval, len);
    file_put(f);
    return r;
}

long sys_getsockopt(int fd, int level, int name, void *uval, unsigned *ulen)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    unsigned len = 0;
    long r = 0;
    if (copy_from_user(&len, ulen, sizeof(len)))
        r = -EFAULT;
    else if ((int)len < 0)
        r = -EINVAL;
    else if (len && !user_ok(uval, len, true))
        r = -EFAULT;
    else if (h == UNIX_SOCK)
        r = unix_getsockopt(f, level, name, uval, &len);
    else
        r = pal_host_getsockopt(h, level, name, uval, &len);
    file_put(f);
    if (r == 0 && copy_to_user(ulen, &len, sizeof(len))) return -EFAULT;
    return r;
}

long sys_shutdown(int fd, int how)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    long r = h == UNIX_SOCK ? unix_shutdown(f, how) : pal_host_shutdown(h, how);
    file_put(f);
    return r;
}

/* The host call, retried after an interruptible wait while a blocking
 * socket would block. */
static long transfer(struct file *f, int h, int flags, bool out, long (*op)(int h, void *ctx),
                     void *ctx)
{
    for (;;) {
        long r = op(h, ctx);
        if (r != -EAGAIN || (flags & MSG_DONTWAIT)) {
            if (r == -EPIPE && out && !(flags & MSG_NOSIGNAL))
                signal_send_thread(current_thread(), SIGPIPE, NULL);
            return r;
        }
        int w = wait_sock(f, h, out ? POLLOUT : POLLIN);
        if (w < 0) return w;
    }
}

struct xfer {
    void *buf;
    size_t len;
    int flags;
    struct sockaddr_storage *addr;
    unsigned *alen;
    struct msghdr *msg;
};

static long do_sendto(int h, void *c)
{
    struct xfer *x = c;
    return pal_host_sendto(h, x->buf, x->len, x->flags | MSG_DONTWAIT, (struct sockaddr *)x->addr,
                           x->alen ? *x->alen : 0);
}

static long do_recvfrom(int h, void *c)
{
    struct xfer *x = c;
    return pal_host_recvfrom(h, x->buf, x->len, x->flags | MSG_DONTWAIT, (struct sockaddr *)x->addr,
                             x->alen);
}

static long do_sendmsg(int h, void *c)
{
    struct xfer *x = c;
    return pal_host_sendmsg(h, x->msg, x->flags | MSG_DONTWAIT);
}

static long do_recvmsg(int h, void *c)
{
    struct xfer *x = c;
    return pal_host_recvmsg(h, x->msg, x->flags | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
}

long sys_sendto(int fd, const void *ubuf, size_t len, int flags, const void *uaddr, unsigned alen)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    struct sockaddr_storage a;
    long r = 0;
    if (len && !user_ok(ubuf, len, false))
        r = -EFAULT;
    else if (uaddr)
        r = addr_in(uaddr, alen, &a);
    if (r == 0 && h == UNIX_SOCK) {
        struct iovec iov = {(void *)ubuf, len};
        struct msghdr m = {.msg_name = uaddr ? &a : NULL,
                           .msg_namelen = uaddr ? alen : 0,
                           .msg_iov = &iov,
                           .msg_iovlen = 1};
        r = unix_sendmsg(f, &m, flags);
    } else if (r == 0 && (!uaddr || (r = host_unix_path(&a, alen, false)) == 0)) {
        struct xfer x = {(void *)ubuf, len, flags, uaddr ? &a : NULL, uaddr ? &alen : NULL, NULL};
        r = transfer(f, h, flags, true, do_sendto, &x);
    }
    file_put(f);
    return r;
}

long sys_recvfrom(int fd, void *ubuf, size_t len, int flags, void *uaddr, unsigned *ulen)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    unsigned klen = 0;
    long r = 0;
    if (len && !user_ok(ubuf, len, true)) r = -EFAULT;
    if (r == 0) r = addr_out_check(uaddr, ulen, &klen);
    struct sockaddr_storage a;
    unsigned alen = sizeof(a);
    if (r == 0 && h == UNIX_SOCK) {
        struct iovec iov = {ubuf, len};
        struct msghdr m = {.msg_name = uaddr ? &a : NULL,
                           .msg_namelen = uaddr ? sizeof(a) : 0,
                           .msg_iov = &iov,
                           .msg_iovlen = 1};
        r = unix_recvmsg(f, &m, flags & ~MSG_CMSG_CLOEXEC);
        alen = m.msg_namelen;
    } else if (r == 0) {
        struct xfer x = {ubuf, len, flags, uaddr ? &a : NULL, uaddr ? &alen : NULL, NULL};
        r = transfer(f, h, flags, false, do_recvfrom, &x);
    }
    file_put(f);
    if (r >= 0 && uaddr && addr_out_put(uaddr, ulen, &a, alen, klen) < 0) return -EFAULT;
    return r;
}

/* Control data a call may pass: Linux bounds it by net.core.optmem_max
 * (ENOBUFS past it); received control data beyond it is truncated. */
#define MSG_CONTROL_MAX 65536

/* A user msghdr, copied: the header, its iovec array and (out: sending)
 * its name and control data, into k with the LibOS's own buffers. The
 * host (or net/unix*.c) then reads only these copies and the checked data
 * buffers, so another thread changing the user's msghdr meanwhile changes
 * nothing. iov and ctl are allocated (freed by the caller, also on
 * failure). */
struct kmsg {
    struct msghdr m;
    struct iovec *iov;
    struct sockaddr_storage name;
    void *ctl;
};

static long msg_copy_in(const struct msghdr *umsg, bool out, struct kmsg *k)
{
    memset(k, 0, sizeof(*k));
    if (copy_from_user(&k->m, umsg, sizeof(k->m))) return -EFAULT;
    struct msghdr *m = &k->m;
    if (m->msg_iovlen > 1024) return -EMSGSIZE;
    if (m->msg_iovlen) {
        k->iov = kmalloc(m->msg_iovlen * sizeof(struct iovec));
        if (!k->iov) return -ENOMEM;
        if (copy_from_user(k->iov, m->msg_iov, m->msg_iovlen * sizeof(struct iovec)))
            return -EFAULT;
        for (size_t i = 0; i < m->msg_iovlen; i++)
            if (k->iov[i].iov_len && !user_ok(k->iov[i].iov_base, k->iov[i].iov_len, !out))
                return -EFAULT;
    }
    m->msg_iov = k->iov;
    if (!m->msg_name) m->msg_namelen = 0;
    if (out && m->msg_namelen) {
        long r = addr_in(m->msg_name, m->msg_namelen, &k->name);
        if (r < 0) return r;
    } else if (m->msg_namelen) {
        if ((int)m->msg_namelen < 0) return -EINVAL;
        if (!user_ok(m->msg_name, m->msg_namelen, true)) return -EFAULT;
        if (m->msg_namelen > sizeof(k->name)) m->msg_namelen = sizeof(k->name);
    }
    m->msg_name = m->msg_namelen ? &k->name : NULL;
    if (!m->msg_control) m->msg_controllen = 0;
    if (m->msg_controllen) {
        if (out && m->msg_controllen > MSG_CONTROL_MAX) return -ENOBUFS;
        if (!user_ok(m->msg_control, m->msg_controllen, !out)) return -EFAULT;
        size_t n = m->msg_controllen < MSG_CONTROL_MAX ? m->msg_controllen : MSG_CONTROL_MAX;
        k->ctl = kcalloc(1, n);
        if (!k->ctl) return -ENOMEM;
        if (out && copy_from_user(k->ctl, m->msg_control, n)) return -EFAULT;
        m->msg_controllen = n;
    }
    m->msg_control = k->ctl;
    return 0;
}

static void msg_free(struct kmsg *k)
{
    kfree(k->iov);
    kfree(k->ctl);
}

long sys_sendmsg(int fd, const struct msghdr *umsg, int flags)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    struct kmsg k;
    long r = msg_copy_in(umsg, true, &k);
    if (r == 0 && h == UNIX_SOCK) {
        r = unix_sendmsg(f, &k.m, flags);
    } else if (r == 0) {
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&k.m); c; c = CMSG_NXTHDR(&k.m, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) r = -EOPNOTSUPP;
        if (r == 0 && k.m.msg_namelen) r = host_unix_path(&k.name, k.m.msg_namelen, false);
        if (r == 0) {
            struct xfer x = {NULL, 0, flags, NULL, NULL, &k.m};
            r = transfer(f, h, flags, true, do_sendmsg, &x);
        }
    }
    file_put(f);
    msg_free(&k);
    return r;
}

/* Host fds received on a host socket are not the application's: close
 * them, and say so. */
static void drop_host_rights(struct msghdr *m)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int hfd;
            memcpy(&hfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            pal_host_close(hfd);
        }
        c->cmsg_len = CMSG_LEN(0);
        m->msg_flags |= MSG_CTRUNC;
    }
}

long sys_recvmsg(int fd, struct msghdr *umsg, int flags)
{
    struct file *f;
    int h = sock_get(fd, &f);
    if (h < 0 && h != UNIX_SOCK) return h;
    struct kmsg k;
    long r = msg_copy_in(umsg, false, &k);
    void *uname = NULL, *uctl = NULL;
    unsigned namelen = 0;
    size_t ctllen = 0;
    struct msghdr um;
    memset(&um, 0, sizeof(um));
    if (r == 0 && copy_from_user(&um, umsg, sizeof(um)) < 0) r = -EFAULT; /* unmapped meanwhile */
    uname = um.msg_name;
    namelen = um.msg_namelen;
    uctl = um.msg_control;
    ctllen = um.msg_controllen;
    if (r == 0 && h == UNIX_SOCK) {
        k.m.msg_flags = flags & MSG_CMSG_CLOEXEC; /* Linux's msg_flags start so, and keep it */
        r = unix_recvmsg(f, &k.m, flags);
    } else if (r == 0) {
        struct xfer x = {NULL, 0, flags & ~MSG_CMSG_CLOEXEC, NULL, NULL, &k.m};
        r = transfer(f, h, flags, false, do_recvmsg, &x);
        if (r >= 0) drop_host_rights(&k.m);
    }
    file_put(f);
    if (r >= 0) {
        /* what was written into the copies goes back to the user's */
        struct msghdr back = um;
        back.msg_namelen = k.m.msg_namelen;
        back.msg_controllen = k.m.msg_controllen;
        back.msg_flags = k.m.msg_flags;
        if ((uname &&
             copy_to_user(uname, &k.name, k.m.msg_namelen < namelen ? k.m.msg_namelen : namelen)) ||
            (uctl && copy_to_user(uctl, k.ctl,
                                  k.m.msg_controllen < ctllen ? k.m.msg_controllen : ctllen)) ||
            copy_to_user(umsg, &back, sizeof(back)))
            r = -EFAULT;
    }
    msg_free(&k);
    return r;
}
