/*
 * unix: the AF_UNIX socket object (net/unix_int.h) and its file.
 *
 * Owns: creation (socket, socketpair, the socket accept hands out),
 * references and release (Linux's unix_release_sock: the peer of a stream
 * or seqpacket socket sees EOF, or ECONNRESET when data was left unread;
 * a listener's pending connections are reset; queued messages and the
 * files in flight in them are dropped), the waits of blocking calls, the
 * file operations (read/write/readv/writev through the VFS, poll for
 * poll/select/epoll, ioctl, fstat), shutdown, getsockname/getpeername,
 * and the entry points net/socket.c calls for a unix socket's file.
 *
 * Readiness is Linux's unix_poll/unix_dgram_poll: POLLIN with data, a
 * pending connection, or after the read side was shut down (with
 * POLLRDHUP); POLLOUT while a quarter of SO_SNDBUF is free (and, for a
 * datagram socket sending to one that is not connected back, while the
 * receiver's queue has room); POLLHUP when both directions are shut down
 * or a stream socket is not connected; POLLERR with a pending SO_ERROR.
 */
#include "net/unix.h"

#include "fs/uio.h"
#include "fs/vfs.h"
#include "net/poll.h"
#include "net/unix_int.h"
#include "pal/pal.h"
#include "process/process.h"
#include "signal/signal.h"
#include "syscall/list_core.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const struct file_ops unix_fops;

/* ---- the object ---- */

struct unix_sock *usock_new(int type)
{
    static ino_t next_ino = 20000;
    struct unix_sock *u = kcalloc(1, sizeof(*u));
    if (!u) return NULL;
    u->refcount = 1;
    u->type = type;
    u->sndbuf = u->rcvbuf = UNIX_BUF_DEFAULT;
    u->rcvlowat = 1;
    u->backlog = UNIX_MAX_DGRAM_QLEN;
    u->ino = __atomic_add_fetch(&next_ino, 1, __ATOMIC_RELAXED);
    return u;
}

void usock_get(struct unix_sock *u)
{
    __atomic_add_fetch(&u->refcount, 1, __ATOMIC_RELAXED);
}

void usock_put(struct unix_sock *u)
{
    /* The last reference comes after the release emptied the queues. */
    if (u && __atomic_sub_fetch(&u->refcount, 1, __ATOMIC_ACQ_REL) == 0) kfree(u);
}

void usock_lock2(struct unix_sock *a, struct unix_sock *b)
{
    if (!b || a == b) {
        mutex_lock(&a->lock);
        return;
    }
    if (a > b) {
        struct unix_sock *t = a;
        a = b;
        b = t;
    }
    mutex_lock(&a->lock);
    mutex_lock(&b->lock);
}

void usock_unlock2(struct unix_sock *a, struct unix_sock *b)
{
    mutex_unlock(&a->lock);
    if (b && b != a) mutex_unlock(&b->lock);
}

void usock_release(struct unix_sock *u, bool embryo)
{
    unix_name_remove(u);
    mutex_lock(&u->lock);
    u->dead = true;
    u->shutdown = US_SHUTDOWN_MASK;
    u->state = US_UNCONNECTED;
    struct unix_sock *peer = u->peer;
    u->peer = NULL;
    struct unix_skb *q = u->rq_head;
    u->rq_head = u->rq_tail = NULL;
    u->rq_count = 0;
    u->rq_bytes = 0;
    struct unix_sock *acc = u->acc_head;
    u->acc_head = u->acc_tail = NULL;
    u->nacc = 0;
    struct inode *bound = u->bound_inode;
    u->bound_inode = NULL;
    struct unix_sock *relays;
    usock_room(u, &relays);
    waitq_wake_all(&u->wq);
    mutex_unlock(&u->lock);
    usock_fire_relays(relays);
    if (peer) {
        if (u->type != SOCK_DGRAM) { /* no more writes; data lost is a reset */
            mutex_lock(&peer->lock);
            peer->shutdown = US_SHUTDOWN_MASK;
            if (q || embryo) peer->err = ECONNRESET;
            waitq_wake_all(&peer->wq);
            mutex_unlock(&peer->lock);
        }
        usock_relay_cancel(u, peer);
        usock_put(peer);
    }
    while (acc) { /* pending connections: their clients are reset */
        struct unix_sock *next = acc->acc_next;
        usock_release(acc, true);
        acc = next;
    }
    while (q) {
        struct unix_skb *next = q->next;
        usock_skb_free(q);
        q = next;
    }
    if (bound) inode_put(bound);
    usock_put(u);
}

long usock_charge(struct unix_sock *u, size_t cost, bool nowait, const struct timespec *dl)
{
    mutex_lock(&u->lock);
    long r = 0;
    for (;;) {
        int e = usock_take_err(u);
        if (e) {
            r = -e;
            break;
        }
        if (u->shutdown & US_SEND_SHUTDOWN) {
            r = -EPIPE;
            break;
        }
        if (u->wmem < (size_t)u->sndbuf) {
            u->wmem += cost;
            break;
        }
        if (nowait) {
            r = -EAGAIN;
            break;
        }
        if ((r = usock_wait(u, &u->wq, dl)) < 0) break;
    }
    mutex_unlock(&u->lock);
    return r;
}

void usock_uncharge(struct unix_sock *u, size_t cost)
{
    mutex_lock(&u->lock);
    u->wmem -= cost;
    if (!waitq_empty(&u->wq)) waitq_wake_all(&u->wq); /* it may write again */
    mutex_unlock(&u->lock);
}

void usock_skb_free(struct unix_skb *skb)
{
    if (skb->sender) {
        usock_uncharge(skb->sender, skb->charge);
        usock_put(skb->sender);
    }
    unix_fpl_put(skb->fpl);
    kfree(skb);
}

void usock_room(struct unix_sock *u, struct unix_sock **relays)
{
    if (!waitq_empty(&u->peer_wait)) waitq_wake_all(&u->peer_wait);
    *relays = u->relays;
    u->relays = NULL;
}

int usock_take_err(struct unix_sock *u)
{
    int e = u->err;
    u->err = 0;
    return e;
}

void usock_current_creds(struct ucred *c)
{
    c->pid = current_process()->pid;
    c->uid = (uid_t)sys_getuid();
    c->gid = (gid_t)sys_getgid();
}

unsigned usock_addr_copy(struct unix_sock *u, struct sockaddr_storage *a)
{
    memset(a, 0, sizeof(*a));
    a->ss_family = AF_UNIX;
    if (!u->addr.len) return offsetof(struct sockaddr_un, sun_path);
    memcpy(a, u->addr.raw, u->addr.len);
    return u->addr.len;
}

/* ---- waits ---- */

const struct timespec *usock_deadline(const struct timespec *timeo, bool nonblock,
                                      struct timespec *buf, bool *nowait)
{
    *nowait = nonblock || timeo->tv_sec < 0;
    if (*nowait || (timeo->tv_sec == 0 && timeo->tv_nsec == 0)) return NULL;
    pal_clock_gettime(CLOCK_MONOTONIC, buf);
    buf->tv_sec += timeo->tv_sec;
    buf->tv_nsec += timeo->tv_nsec;
    if (buf->tv_nsec >= 1000000000L) {
        buf->tv_sec++;
        buf->tv_nsec -= 1000000000L;
    }
    return buf;
}

int usock_wait(struct unix_sock *u, struct waitq *q, const struct timespec *deadline)
{
    struct waiter *w = &current_thread()->sleep_waiter;
    thread_prepare_sleep(); /* the condition was checked under this same lock */
    waitq_add(q, w);
    mutex_unlock(&u->lock);
    int r = thread_sleep(deadline);
    mutex_lock(&u->lock);
    waitq_remove(q, w);
    if (r == -ETIMEDOUT) return -EAGAIN;
    if (r == -EINTR && deadline) return -EINTR_NORESTART;
    return r;
}

/* ---- the file ---- */

struct file *usock_file(struct unix_sock *u, int flags)
{
    char name[40];
    snprintf(name, sizeof(name), "socket:[%lu]", (unsigned long)u->ino);
    struct file *f =
        file_alloc_anon(&unix_fops, u, O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0), name);
    if (f) __atomic_store_n(&u->has_file, true, __ATOMIC_RELEASE);
    return f;
}

struct unix_sock *usock_of(const struct file *f)
{
    return f && f->fops == &unix_fops ? f->priv : NULL;
}

bool unix_is(const struct file *f)
{
    return usock_of(f) != NULL;
}

static long send_uio(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                     bool nonblock)
{
    return u->type == SOCK_STREAM ? unix_stream_send(u, data, m, flags, nonblock)
                                  : unix_dgram_send(u, data, m, flags, nonblock);
}

static long recv_uio(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                     bool nonblock)
{
    return u->type == SOCK_STREAM ? unix_stream_recv(u, data, m, flags, nonblock)
                                  : unix_dgram_recv(u, data, m, flags, nonblock);
}

static ssize_t unix_read(struct file *f, struct uio *to)
{
    return recv_uio(f->priv, to, NULL, 0, f->flags & O_NONBLOCK);
}

static ssize_t unix_write(struct file *f, struct uio *from)
{
    return send_uio(f->priv, from, NULL, 0, f->flags & O_NONBLOCK);
}

static unsigned unix_poll(struct file *f, struct poll_table *pt)
{
    struct unix_sock *u = f->priv;
    mutex_lock(&u->lock);
    unsigned m = 0;
    if (u->err) m |= POLLERR;
    if (u->shutdown == US_SHUTDOWN_MASK) m |= POLLHUP;
    if (u->shutdown & US_RCV_SHUTDOWN) m |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (u->rq_head || u->nacc) m |= POLLIN | POLLRDNORM;
    /* connection-based sockets: not (or no longer) connected */
    if (u->type != SOCK_DGRAM && u->state == US_UNCONNECTED) m |= POLLHUP;
    bool writable = u->state != US_LISTEN && u->wmem * 4 <= (size_t)u->sndbuf;
    bool check_peer = writable && u->type != SOCK_STREAM && u->peer;
    poll_wait(pt, &u->wq, &u->lock);
    mutex_unlock(&u->lock);
    if (check_peer && !unix_dgram_peer_writable(u)) writable = false;
    if (writable) m |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return m;
}

static long unix_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
    return usock_ioctl(f->priv, req, arg);
}

static int unix_fstat(struct file *f, struct stat *st)
{
    struct unix_sock *u = f->priv;
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFSOCK | 0777;
    st->st_ino = u->ino;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    st->st_dev = makedev(0, 8); /* sockfs */
    return 0;
}

static off_t unix_lseek(struct file *f, off_t off, int whence)
{
    return -ESPIPE;
}

static void unix_release(struct file *f)
{
    usock_release(f->priv, false);
}

static const struct file_ops unix_fops = {
    .read = unix_read,
    .write = unix_write,
    .poll = unix_poll,
    .ioctl = unix_ioctl,
    .fstat = unix_fstat,
    .lseek = unix_lseek,
    .release = unix_release,
    .fasync = true,
};

/* ---- creation ---- */

/* The socket type of socket(2)'s arguments, or -errno (Linux's order:
 * flags, protocol, type). */
static int check_type(int type, int protocol)
{
    if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) return -EINVAL;
    int t = type & 0xf;
    if (t > SOCK_PACKET) return -EINVAL;
    if (protocol && protocol != PF_UNIX) return -EPROTONOSUPPORT;
    if (t == SOCK_RAW) return SOCK_DGRAM; /* as Linux: BSD has it, nobody uses it */
    if (t != SOCK_STREAM && t != SOCK_DGRAM && t != SOCK_SEQPACKET) return -ESOCKTNOSUPPORT;
    return t;
}

/* A fd for u (its reference taken over), or -errno (u released). */
static long install(struct unix_sock *u, int flags)
{
    struct file *f = usock_file(u, flags);
    if (!f) {
        usock_release(u, false);
        return -ENOMEM;
    }
    int fd = fd_install(current_process(), f, (flags & SOCK_CLOEXEC) ? O_CLOEXEC : 0);
    if (fd < 0) file_put(f);
    return fd;
}

long unix_socket(int type, int protocol)
{
    int t = check_type(type, protocol);
    if (t < 0) return t;
    struct unix_sock *u = usock_new(t);
    if (!u) return -ENOMEM;
    return install(u, type);
}

long unix_socketpair(int type, int protocol, int fds[2])
{
    int t = check_type(type, protocol);
    if (t < 0) return t;
    struct unix_sock *a = usock_new(t), *b = usock_new(t);
    if (!a || !b) {
        kfree(a);
        kfree(b);
        return -ENOMEM;
    }
    usock_get(a);
    usock_get(b);
    a->peer = b;
    b->peer = a;
    a->state = b->state = US_CONNECTED;
    usock_current_creds(&a->peercred);
    b->peercred = a->peercred;
    long fa = install(a, type);
    if (fa < 0) {
        usock_release(b, false);
        return fa;
    }
    long fb = install(b, type);
    if (fb < 0) {
        fdtable_close(current_process()->files, (int)fa);
        return fb;
    }
    fds[0] = (int)fa;
    fds[1] = (int)fb;
    return 0;
}

/* ---- the calls on a socket's file ---- */

long unix_bind(struct file *f, struct sockaddr_storage *a, unsigned len)
{
    return unix_name_bind(usock_of(f), a, len);
}

long unix_listen(struct file *f, int backlog)
{
    return unix_conn_listen(usock_of(f), backlog);
}

long unix_connect(struct file *f, struct sockaddr_storage *a, unsigned len)
{
    struct unix_sock *u = usock_of(f);
    if (u->type == SOCK_DGRAM) return unix_dgram_connect(u, a, len);
    return unix_conn_connect(u, a, len, f->flags & O_NONBLOCK);
}

long unix_accept(struct file *f, int flags, struct sockaddr_storage *a, unsigned *alen)
{
    struct unix_sock *n;
    long r = unix_conn_accept(usock_of(f), f->flags & O_NONBLOCK, &n);
    if (r < 0) return r;
    if (*alen) { /* the client's name, as getpeername on the new socket */
        mutex_lock(&n->lock);
        struct unix_sock *c = n->peer;
        if (c) usock_get(c);
        mutex_unlock(&n->lock);
        *alen = offsetof(struct sockaddr_un, sun_path);
        memset(a, 0, sizeof(*a));
        a->ss_family = AF_UNIX;
        if (c) {
            mutex_lock(&c->lock);
            *alen = usock_addr_copy(c, a);
            mutex_unlock(&c->lock);
            usock_put(c);
        }
    }
    return install(n, flags);
}

long unix_getname(struct file *f, bool peer, struct sockaddr_storage *a, unsigned *alen)
{
    struct unix_sock *u = usock_of(f);
    mutex_lock(&u->lock);
    struct unix_sock *s = peer ? u->peer : u;
    if (!s) {
        mutex_unlock(&u->lock);
        return -ENOTCONN;
    }
    usock_get(s);
    mutex_unlock(&u->lock);
    mutex_lock(&s->lock);
    *alen = usock_addr_copy(s, a);
    mutex_unlock(&s->lock);
    usock_put(s);
    return 0;
}

long unix_setsockopt(struct file *f, int level, int name, const void *uval, unsigned len)
{
    return usock_setsockopt(usock_of(f), level, name, uval, len);
}

long unix_getsockopt(struct file *f, int level, int name, void *uval, unsigned *len)
{
    return usock_getsockopt(usock_of(f), level, name, uval, len);
}

long unix_shutdown(struct file *f, int how)
{
    struct unix_sock *u = usock_of(f);
    if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
    int mode = how + 1; /* SHUT_RD -> RCV, SHUT_WR -> SEND, SHUT_RDWR -> both */
    mutex_lock(&u->lock);
    u->shutdown |= mode;
    struct unix_sock *other = u->peer;
    if (other) usock_get(other);
    struct unix_sock *relays;
    usock_room(u, &relays); /* blocked connects and senders see the shutdown */
    waitq_wake_all(&u->wq);
    mutex_unlock(&u->lock);
    usock_fire_relays(relays);
    if (other && u->type != SOCK_DGRAM) {
        int peer_mode = ((mode & US_RCV_SHUTDOWN) ? US_SEND_SHUTDOWN : 0) |
                        ((mode & US_SEND_SHUTDOWN) ? US_RCV_SHUTDOWN : 0);
        mutex_lock(&other->lock);
        other->shutdown |= peer_mode;
        waitq_wake_all(&other->wq);
        mutex_unlock(&other->lock);
    }
    usock_put(other);
    return 0;
}

/* The data of a msghdr as a uio: its segments were checked by
 * net/socket.c; a total past SSIZE_MAX is EINVAL, as Linux's iovec import. */
static long msg_uio(struct msghdr *m, struct uio *u)
{
    size_t total = 0;
    for (size_t i = 0; i < m->msg_iovlen; i++) {
        if ((ssize_t)m->msg_iov[i].iov_len < 0) return -EINVAL;
        if (__builtin_add_overflow(total, m->msg_iov[i].iov_len, &total) || (ssize_t)total < 0)
            return -EINVAL;
    }
    if (total > 0x7ffff000) total = 0x7ffff000; /* MAX_RW_COUNT */
    uio_init_iov(u, m->msg_iov, m->msg_iovlen, total);
    return 0;
}

long unix_sendmsg(struct file *f, struct msghdr *m, int flags)
{
    struct uio data;
    long r = msg_uio(m, &data);
    if (r < 0) return r;
    return send_uio(usock_of(f), &data, m, flags,
                    (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT));
}

long unix_recvmsg(struct file *f, struct msghdr *m, int flags)
{
    struct uio data;
    long r = msg_uio(m, &data);
    if (r < 0) return r;
    return recv_uio(usock_of(f), &data, m, flags,
                    (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT));
}
