/*
 * unix_stream: the data path of SOCK_STREAM AF_UNIX sockets, as Linux's
 * unix_stream_sendmsg and unix_stream_read_generic.
 *
 * A send cuts the bytes into messages of at most half of SO_SNDBUF (and
 * 64 KiB) in the peer's queue, waiting while the sender's unread messages
 * already take SO_SNDBUF; files passed with SCM_RIGHTS ride on the first
 * message (a send of 0 bytes sends nothing, files neither, as Linux). A
 * receive reads across messages but never past one that carried files,
 * nor, with SO_PASSCRED, across messages of different senders'
 * credentials. EPIPE (with SIGPIPE unless MSG_NOSIGNAL) once the peer is
 * gone or shut down for reading; EOF once it shut down for writing; a
 * peer that closed with data unread by it leaves ECONNRESET once.
 */
#include "fs/uio.h"
#include "net/unix_int.h"
#include "process/process.h"
#include "signal/signal.h"
#include "util/kheap.h"

#include <errno.h>
#include <string.h>

#define CHUNK_MAX (64 * 1024)

static bool creds_eq(const struct unix_creds *a, const struct unix_creds *b)
{
    return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

long unix_stream_send(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                      bool nonblock)
{
    struct unix_scm scm;
    memset(&scm, 0, sizeof(scm));
    long r = m ? unix_scm_parse(m, &scm) : 0;
    if (r < 0) return r;
    size_t len = uio_resid(data), sent = 0;
    struct unix_sock *other = NULL;
    bool pipe_err = false;
    if (flags & MSG_OOB) {
        r = -EOPNOTSUPP;
        goto out;
    }
    mutex_lock(&u->lock);
    if (m && m->msg_namelen) {
        r = u->state == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
    } else if (!(other = u->peer)) {
        r = -ENOTCONN;
    } else {
        usock_get(other);
        pipe_err = u->shutdown & US_SEND_SHUTDOWN;
    }
    mutex_unlock(&u->lock);
    if (!other) goto out;
    struct timespec dlbuf;
    bool nowait;
    const struct timespec *dl = usock_deadline(&u->sndtimeo, nonblock, &dlbuf, &nowait);
    while (!pipe_err && sent < len) {
        size_t size = len - sent, half = (size_t)u->sndbuf / 2 - 64;
        if (size > half) size = half;
        if (size > CHUNK_MAX) size = CHUNK_MAX;
        size_t cost = size + UNIX_SKB_OVERHEAD;
        if ((r = usock_charge(u, cost, nowait, dl)) < 0) break;
        struct unix_skb *skb = kmalloc(sizeof(*skb) + size);
        if (!skb) {
            usock_uncharge(u, cost);
            r = -ENOMEM;
            break;
        }
        memset(skb, 0, sizeof(*skb));
        usock_get(u);
        skb->sender = u;
        skb->charge = cost;
        skb->len = size;
        if (uio_copy_from(data, skb->data, size) != size) {
            usock_skb_free(skb);
            r = -EFAULT;
            break;
        }
        skb->fpl = scm.fpl; /* files ride on the first message only */
        scm.fpl = NULL;
        mutex_lock(&other->lock);
        if (scm.has_creds)
            skb->creds = scm.creds;
        else if (u->passcred || other->passcred || !other->has_file)
            unix_creds_current(&skb->creds);
        else
            skb->creds = (struct unix_creds){0, 65534, 65534};
        if (other->dead || (other->shutdown & US_RCV_SHUTDOWN)) {
            mutex_unlock(&other->lock);
            usock_skb_free(skb);
            pipe_err = true;
            break;
        }
        if (other->rq_tail)
            other->rq_tail->next = skb;
        else
            other->rq_head = skb;
        other->rq_tail = skb;
        other->rq_count++;
        other->rq_bytes += size;
        waitq_wake_all(&other->wq);
        mutex_unlock(&other->lock);
        sent += size;
    }
    if (pipe_err) {
        if (!sent && !(flags & MSG_NOSIGNAL)) signal_send_thread(current_thread(), SIGPIPE, NULL);
        r = -EPIPE;
    }
    usock_put(other);
out:
    unix_scm_destroy(&scm);
    return sent ? (long)sent : r;
}

long unix_stream_recv(struct unix_sock *u, struct uio *data, struct msghdr *m, int flags,
                      bool nonblock)
{
    if (m) m->msg_namelen = 0;
    mutex_lock(&u->lock);
    int state = u->state;
    size_t lowat = (size_t)u->rcvlowat;
    struct timespec dlbuf;
    bool nowait;
    const struct timespec *dl = usock_deadline(&u->rcvtimeo, nonblock, &dlbuf, &nowait);
    mutex_unlock(&u->lock);
    if (state != US_CONNECTED) return -EINVAL;
    if (flags & MSG_OOB) return -EOPNOTSUPP;
    bool peek = flags & MSG_PEEK;
    size_t size = uio_resid(data), copied = 0;
    size_t target = (flags & MSG_WAITALL) ? size : (lowat < size ? lowat : size);
    if (!target) target = 1;
    struct unix_creds creds = {0, 65534, 65534};
    bool check_creds = false, name_done = false;
    struct unix_fpl *fpl = NULL;
    long err = 0;
    mutex_lock(&u->iolock);
    for (;;) {
        /* peeked bytes are a prefix of the queue: skip them each time */
        size_t skip = peek ? copied : 0;
        mutex_lock(&u->lock);
        struct unix_skb *skb = u->rq_head;
        while (skb && skip >= skb->len - skb->consumed) {
            skip -= skb->len - skb->consumed;
            skb = skb->next;
        }
        if (!skb) {
            if (copied >= target) {
                mutex_unlock(&u->lock);
                break;
            }
            int e = usock_take_err(u); /* POSIX's order: the error, then EOF */
            if (e || (u->shutdown & US_RCV_SHUTDOWN)) {
                err = -e;
                mutex_unlock(&u->lock);
                break;
            }
            if (nowait) {
                err = -EAGAIN;
                mutex_unlock(&u->lock);
                break;
            }
            mutex_unlock(&u->iolock); /* never held while sleeping */
            int w = usock_wait(u, &u->wq, dl);
            mutex_unlock(&u->lock);
            if (w < 0) {
                err = w;
                goto out;
            }
            mutex_lock(&u->iolock);
            continue;
        }
        mutex_unlock(&u->lock);
        if (check_creds) {
            if (!creds_eq(&skb->creds, &creds)) break; /* never glue different writers */
        } else if (u->passcred) {
            creds = skb->creds;
            check_creds = true;
        }
        if (m && m->msg_name && !name_done) { /* the sender's name, once */
            mutex_lock(&skb->sender->lock);
            if (skb->sender->addr.len) {
                m->msg_namelen = skb->sender->addr.len;
                memcpy(m->msg_name, skb->sender->addr.raw, skb->sender->addr.len);
            }
            mutex_unlock(&skb->sender->lock);
            name_done = true;
        }
        size_t avail = skb->len - skb->consumed - skip;
        size_t chunk = avail < size ? avail : size;
        if (uio_copy_to(data, skb->data + skb->consumed + skip, chunk) != chunk) {
            if (!copied) err = -EFAULT;
            break;
        }
        copied += chunk;
        size -= chunk;
        if (peek) {
            if (skb->fpl) {
                fpl = unix_fpl_dup(skb->fpl);
                break;
            }
        } else {
            mutex_lock(&u->lock);
            skb->consumed += chunk;
            u->rq_bytes -= chunk;
            if (skb->fpl) {
                fpl = skb->fpl;
                skb->fpl = NULL;
            }
            if (skb->consumed < skb->len) {
                mutex_unlock(&u->lock);
                break;
            }
            u->rq_head = skb->next; /* the head: readers take it in order */
            if (!u->rq_head) u->rq_tail = NULL;
            u->rq_count--;
            mutex_unlock(&u->lock);
            usock_skb_free(skb);
            if (fpl) break;
        }
        if (!size) break;
    }
    mutex_unlock(&u->iolock);
out:
    if (m)
        unix_scm_recv(u, m, flags, check_creds ? &creds : NULL, fpl);
    else
        unix_fpl_put(fpl); /* read(2): files passed are closed, as Linux */
    return copied ? (long)copied : err;
}
