/*
 * unix_dgram: the data path of SOCK_DGRAM and SOCK_SEQPACKET AF_UNIX
 * sockets (Linux's unix_dgram_sendmsg/recvmsg and unix_seqpacket_*), and
 * connect of datagram sockets.
 *
 * Every send is one message: a receive returns one (the rest of a longer
 * one is dropped: MSG_TRUNC in msg_flags, its full length with the
 * MSG_TRUNC flag). A message longer than SO_SNDBUF - 32 is EMSGSIZE. A
 * datagram socket connected to another receives only from it, and sends
 * to it without an address; sending to one connected elsewhere is EPERM.
 * A receiver holds at most max_dgram_qlen + 1 messages from senders it is
 * not connected to: they wait (or get EAGAIN) until it reads. When the
 * socket a datagram socket is connected to is gone, the next send says
 * ECONNREFUSED and disconnects. Seqpacket sockets are connected like
 * stream ones (unix_conn.c): EOF once the peer is gone, EPIPE (without
 * SIGPIPE, as Linux) when sending then.
 *
 * A poller of a datagram socket whose peer's queue is full cannot wait on
 * the peer (it may go away while the poll sleeps); it puts itself on the
 * peer's relay list instead, and the peer wakes it through its own wait
 * queue once a message leaves (Linux's peer_wake).
 */
#include "fs/uio.h"
#include "net/unix_int.h"
#include "process/process.h"
#include "util/kheap.h"

#include <errno.h>
#include <string.h>

/* ---- the relay of pollers waiting for room ---- */

void usock_fire_relays(struct unix_sock *r)
{
    while (r) {
        struct unix_sock *next = r->relay_next;
        /* after reading next: a new registration may now reuse relay_next */
        __atomic_store_n(&r->relay_queued, false, __ATOMIC_RELEASE);
        mutex_lock(&r->lock);
        waitq_wake_all(&r->wq);
        mutex_unlock(&r->lock);
        usock_put(r);
        r = next;
    }
}

void usock_relay_cancel(struct unix_sock *u, struct unix_sock *other)
{
    bool found = false;
    mutex_lock(&other->lock);
    for (struct unix_sock **pp = &other->relays; *pp; pp = &(*pp)->relay_next) {
        if (*pp == u) {
            *pp = u->relay_next;
            __atomic_store_n(&u->relay_queued, false, __ATOMIC_RELEASE);
            found = true;
            break;
        }
    }
    mutex_unlock(&other->lock);
    if (found) usock_put(u);
}

/* other is full for u (both locked): u is not its peer and its queue is
 * over max_dgram_qlen (Linux's unix_recvq_full for a non-peer). */
static bool full_for(struct unix_sock *u, struct unix_sock *other)
{
    return other != u && other->peer != u && other->rq_count > other->backlog;
}

bool unix_dgram_peer_writable(struct unix_sock *u)
{
    mutex_lock(&u->lock);
    struct unix_sock *other = u->peer;
    if (other) usock_get(other);
    mutex_unlock(&u->lock);
    if (!other) return true;
    bool writable = true;
    usock_lock2(u, other);
    if (u->peer == other && !other->dead && full_for(u, other)) {
        writable = false;
        if (!__atomic_load_n(&u->relay_queued, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&u->relay_queued, true, __ATOMIC_RELAXED);
            usock_get(u);
            u->relay_next = other->relays;
            other->relays = u;
        }
    }
    usock_unlock2(u, other);
    usock_put(other);
    return writable;
}

/* ---- connect ---- */

/* u left other (reconnected, or other is gone): what other sent and u did
 * not read goes, and other, if connected to u, learns it (ECONNRESET). */
static void disconnected(struct unix_sock *u, struct unix_sock *other)
{
    mutex_lock(&u->iolock); /* a peeking reader may be copying from the queue */
    mutex_lock(&u->lock);
    struct unix_skb *q = u->rq_head;
    struct unix_sock *relays = NULL;
    if (q) {
        u->rq_head = u->rq_tail = NULL;
        u->rq_count = 0;
        u->rq_bytes = 0;
        usock_room(u, &relays);
    }
    mutex_unlock(&u->lock);
    mutex_unlock(&u->iolock);
    if (!q) return;
    usock_fire_relays(relays);
    while (q) {
        struct unix_skb *next = q->next;
        usock_skb_free(q);
        q = next;
    }
    mutex_lock(&other->lock);
    if (!other->dead && other->peer == u) {
        other->err = ECONNRESET;
        waitq_wake_all(&other->wq);
    }
    mutex_unlock(&other->lock);
}

long unix_dgram_connect(struct unix_sock *u, struct sockaddr_storage *a, unsigned len)
{
    if (len < sizeof(sa_family_t)) return -EINVAL;
    struct unix_sock *other = NULL;
    if (a->ss_family != AF_UNSPEC) {
        long r = unix_addr_check(a, len);
        if (r < 0) return r;
        if (u->passcred && !u->addr.len && (r = unix_name_autobind(u)) < 0) return r;
        for (;;) {
            int err;
            other = unix_name_find(a, len, u->type, &err);
            if (!other) return err;
            usock_lock2(u, other);
            if (!other->dead) break;
            usock_unlock2(u, other); /* released since it was found */
            usock_put(other);
        }
        if (other->peer && other->peer != u) { /* it receives from another only */
            usock_unlock2(u, other);
            usock_put(other);
            return -EPERM;
        }
        u->state = US_CONNECTED;
    } else { /* AF_UNSPEC: disconnect */
        mutex_lock(&u->lock);
    }
    struct unix_sock *old = u->peer;
    u->peer = other; /* the reference unix_name_find took */
    if (!other) u->state = US_UNCONNECTED;
    usock_unlock2(u, other);
    if (old) {
        usock_relay_cancel(u, old);
        if (old != other) disconnected(u, old);
        usock_put(old);
    }
    return 0;
}

/* ---- send ---- */

/* The socket a send goes to (referenced), or NULL with *err. */
static struct unix_sock *target(struct unix_sock *u, struct msghdr *m, bool named, long *err)
{
    if (named) {
        int e;
        struct unix_sock *s = unix_name_find(m->msg_name, m->msg_namelen, u->type, &e);
        *err = e;
        return s;
    }
    mutex_lock(&u->lock);
    struct unix_sock *s = u->peer;
    if (s) usock_get(s);
    mutex_unlock(&u->lock);
    *err = -ENOTCONN;
    return s;
}

long unix_dgram_send(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                     bool nonblock)
{
    bool seqpacket = u->type == SOCK_SEQPACKET;
    if (seqpacket) {
        mutex_lock(&u->lock);
        int e = usock_take_err(u), state = u->state;
        mutex_unlock(&u->lock);
        if (e) return -e;
        if (state != US_CONNECTED) return -ENOTCONN;
    }
    struct unix_scm scm;
    memset(&scm, 0, sizeof(scm));
    long r = m ? unix_scm_parse(m, &scm) : 0;
    if (r < 0) return r;
    struct unix_skb *skb = NULL;
    struct unix_sock *other = NULL;
    bool named = !seqpacket && m && m->msg_namelen;
    size_t len = uio_resid(data);
    if (flags & MSG_OOB) {
        r = -EOPNOTSUPP;
        goto out;
    }
    if (named && (r = unix_addr_check(m->msg_name, m->msg_namelen)) < 0) goto out;
    if (u->passcred && !u->addr.len && (r = unix_name_autobind(u)) < 0) goto out;
    if (len > (size_t)u->sndbuf - 32) {
        r = -EMSGSIZE;
        goto out;
    }
    struct timespec dlbuf;
    bool nowait;
    const struct timespec *dl = usock_deadline(&u->sndtimeo, nonblock, &dlbuf, &nowait);
    size_t cost = len + UNIX_SKB_OVERHEAD;
    if ((r = usock_charge(u, cost, nowait, dl)) < 0) goto out;
    skb = kmalloc(sizeof(*skb) + len);
    if (!skb) {
        usock_uncharge(u, cost);
        r = -ENOMEM;
        goto out;
    }
    memset(skb, 0, sizeof(*skb));
    usock_get(u);
    skb->sender = u;
    skb->charge = cost;
    skb->len = len;
    if (uio_copy_from(data, skb->data, len) != len) {
        r = -EFAULT;
        goto out;
    }
    skb->fpl = scm.fpl;
    scm.fpl = NULL;
lookup:
    if (!(other = target(u, m, named, &r))) goto out;
    if (scm.has_creds)
        skb->creds = scm.creds;
    else if (u->passcred || other->passcred || !other->has_file)
        unix_creds_current(&skb->creds);
    else
        skb->creds = (struct unix_creds){0, 65534, 65534};
    for (;;) {
        mutex_lock(&other->lock);
        if (other->peer && other->peer != u) {
            r = -EPERM; /* connected to another: receives from it only */
            break;
        }
        if (other->dead) {
            mutex_unlock(&other->lock);
            if (seqpacket) {
                r = -EPIPE;
                goto out;
            }
            mutex_lock(&u->lock);
            bool was_peer = u->peer == other;
            if (was_peer) {
                u->peer = NULL;
                u->state = US_UNCONNECTED;
            }
            mutex_unlock(&u->lock);
            if (was_peer) { /* the first send after the peer went says so */
                usock_relay_cancel(u, other);
                disconnected(u, other);
                usock_put(other); /* u's reference */
                r = -ECONNREFUSED;
                goto out;
            }
            usock_put(other);
            other = NULL;
            if (!named) {
                r = -ECONNRESET;
                goto out;
            }
            goto lookup; /* the name may be bound again */
        }
        if (other->shutdown & US_RCV_SHUTDOWN) {
            r = -EPIPE;
            break;
        }
        if (full_for(u, other)) {
            if (nowait) {
                r = -EAGAIN;
                break;
            }
            r = usock_wait(other, &other->peer_wait, dl); /* until it reads */
            mutex_unlock(&other->lock);
            if (r < 0) goto out;
            continue;
        }
        if (other->rq_tail)
            other->rq_tail->next = skb;
        else
            other->rq_head = skb;
        other->rq_tail = skb;
        other->rq_count++;
        other->rq_bytes += len;
        skb = NULL;
        waitq_wake_all(&other->wq);
        r = (long)len;
        break;
    }
    mutex_unlock(&other->lock);
out:
    if (skb) usock_skb_free(skb);
    usock_put(other);
    unix_scm_destroy(&scm);
    return r;
}

/* ---- receive ---- */

long unix_dgram_recv(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                     bool nonblock)
{
    bool seqpacket = u->type == SOCK_SEQPACKET;
    bool peek = flags & MSG_PEEK;
    if (m) m->msg_namelen = 0;
    mutex_lock(&u->iolock);
    mutex_lock(&u->lock);
    if (seqpacket && u->state != US_CONNECTED) {
        mutex_unlock(&u->lock);
        mutex_unlock(&u->iolock);
        return -ENOTCONN;
    }
    if (flags & MSG_OOB) {
        mutex_unlock(&u->lock);
        mutex_unlock(&u->iolock);
        return -EOPNOTSUPP;
    }
    struct timespec dlbuf;
    bool nowait;
    const struct timespec *dl = usock_deadline(&u->rcvtimeo, nonblock, &dlbuf, &nowait);
    struct unix_skb *skb = NULL;
    long r = 0;
    for (;;) {
        int e = usock_take_err(u); /* a pending error comes before any data */
        if (e) {
            r = -e;
            break;
        }
        if ((skb = u->rq_head)) break;
        if (nowait) { /* a non-blocking seqpacket socket sees EOF too */
            r = seqpacket && (u->shutdown & US_RCV_SHUTDOWN) ? 0 : -EAGAIN;
            break;
        }
        if (u->shutdown & US_RCV_SHUTDOWN) break; /* EOF */
        mutex_unlock(&u->iolock);
        r = usock_wait(u, &u->wq, dl);
        mutex_unlock(&u->lock); /* the order is iolock, then lock */
        if (r < 0) return r;
        mutex_lock(&u->iolock);
        mutex_lock(&u->lock);
    }
    struct unix_sock *relays = NULL;
    if (skb && !peek) {
        u->rq_head = skb->next;
        if (!u->rq_head) u->rq_tail = NULL;
        u->rq_count--;
        u->rq_bytes -= skb->len;
        skb->next = NULL;
        usock_room(u, &relays); /* a sender waiting for room may go on */
    }
    mutex_unlock(&u->lock);
    if (!skb) {
        mutex_unlock(&u->iolock);
        return r;
    }
    size_t size = uio_resid(data), n = skb->len < size ? skb->len : size;
    if (uio_copy_to(data, skb->data, n) != n) {
        r = -EFAULT; /* as Linux, the message is gone */
    } else {
        r = (long)((flags & MSG_TRUNC) ? skb->len : n);
        if (m) {
            if (n < skb->len) m->msg_flags |= MSG_TRUNC;
            if (m->msg_name) {
                mutex_lock(&skb->sender->lock);
                if (skb->sender->addr.len) {
                    m->msg_namelen = skb->sender->addr.len;
                    memcpy(m->msg_name, skb->sender->addr.raw, skb->sender->addr.len);
                }
                mutex_unlock(&skb->sender->lock);
            }
        }
        struct unix_fpl *fpl = NULL;
        if (peek)
            fpl = skb->fpl ? unix_fpl_dup(skb->fpl) : NULL;
        else {
            fpl = skb->fpl;
            skb->fpl = NULL;
        }
        if (m)
            unix_scm_recv(u, m, flags, &skb->creds, fpl);
        else
            unix_fpl_put(fpl); /* read(2): files passed are closed, as Linux */
    }
    mutex_unlock(&u->iolock);
    usock_fire_relays(relays);
    if (!peek) usock_skb_free(skb);
    return r;
}
