/*
 * unix_conn: connections of stream and seqpacket AF_UNIX sockets:
 * listen, connect and accept, as Linux's unix_listen, unix_stream_connect
 * and unix_accept.
 *
 * connect makes the server's socket at once: an "embryo" already
 * connected to the client, queued on the listener until accept hands it
 * out, so the client can send before it is accepted. A listener holds at
 * most backlog + 1 embryos (Linux's unix_recvq_full); past that, connect
 * waits for an accept (EAGAIN when non-blocking: AF_UNIX never answers
 * EINPROGRESS) within SO_SNDTIMEO. Credentials (SO_PEERCRED) are the
 * caller's at connect for the server's socket and the listener's at
 * listen for the client's.
 */
#include "net/unix_int.h"
#include "process/process.h"

#include <errno.h>
#include <string.h>

long unix_conn_listen(struct unix_sock *u, int backlog)
{
    if (u->type == SOCK_DGRAM) return -EOPNOTSUPP;
    unsigned b = (unsigned)backlog > UNIX_SOMAXCONN ? UNIX_SOMAXCONN : (unsigned)backlog;
    struct ucred cred;
    usock_current_creds(&cred);
    mutex_lock(&u->lock);
    long r = -EINVAL; /* unbound, or connected */
    if (u->addr.len && (u->state == US_UNCONNECTED || u->state == US_LISTEN)) {
        if (b > u->backlog && !waitq_empty(&u->peer_wait))
            waitq_wake_all(&u->peer_wait); /* room for waiting connects */
        u->backlog = b;
        u->state = US_LISTEN;
        u->peercred = cred; /* what connect gives its clients */
        r = 0;
    }
    mutex_unlock(&u->lock);
    return r;
}

long unix_conn_connect(struct unix_sock *u, struct sockaddr_storage *a, unsigned len, bool nonblock)
{
    long r = unix_addr_check(a, len);
    if (r < 0) return r;
    if (u->passcred && !u->addr.len && (r = unix_name_autobind(u)) < 0) return r;
    struct timespec dlbuf;
    bool nowait;
    const struct timespec *dl = usock_deadline(&u->sndtimeo, nonblock, &dlbuf, &nowait);
    struct ucred cred;
    usock_current_creds(&cred);
    struct unix_sock *n = usock_new(u->type);
    if (!n) return -ENOMEM;
    for (;;) {
        int err;
        struct unix_sock *l = unix_name_find(a, len, u->type, &err);
        if (!l) {
            r = err;
            break;
        }
        usock_lock2(l, u);
        if (l->dead) { /* released since it was found: look again */
            usock_unlock2(l, u);
            usock_put(l);
            continue;
        }
        if (l->state != US_LISTEN || (l->shutdown & US_RCV_SHUTDOWN)) {
            r = -ECONNREFUSED;
        } else if (l->nacc > l->backlog) {
            if (nowait) {
                r = -EAGAIN;
            } else {
                if (l != u) mutex_unlock(&u->lock);
                r = usock_wait(l, &l->peer_wait, dl); /* for an accept */
                mutex_unlock(&l->lock);
                usock_put(l);
                if (r < 0) break;
                continue;
            }
        } else if (u->state != US_UNCONNECTED) {
            r = u->state == US_CONNECTED ? -EISCONN : -EINVAL;
        } else { /* connected: the embryo goes to the listener */
            usock_get(u);
            n->peer = u;
            n->state = US_CONNECTED;
            n->peercred = cred;
            n->addr = l->addr;
            n->passcred = l->passcred;
            u->peercred = l->peercred;
            u->state = US_CONNECTED;
            usock_get(n);
            u->peer = n;
            if (l->acc_tail)
                l->acc_tail->acc_next = n;
            else
                l->acc_head = n;
            l->acc_tail = n;
            l->nacc++;
            waitq_wake_all(&l->wq);
            usock_unlock2(l, u);
            usock_put(l);
            return 0;
        }
        usock_unlock2(l, u);
        usock_put(l);
        break;
    }
    usock_release(n, false);
    return r;
}

long unix_conn_accept(struct unix_sock *u, bool nonblock, struct unix_sock **out)
{
    if (u->type == SOCK_DGRAM) return -EOPNOTSUPP;
    struct timespec dlbuf;
    bool nowait;
    mutex_lock(&u->lock);
    const struct timespec *dl = usock_deadline(&u->rcvtimeo, nonblock, &dlbuf, &nowait);
    long r;
    for (;;) {
        if (u->state != US_LISTEN) {
            r = -EINVAL;
            break;
        }
        struct unix_sock *n = u->acc_head;
        if (n) {
            u->acc_head = n->acc_next;
            if (!u->acc_head) u->acc_tail = NULL;
            n->acc_next = NULL;
            u->nacc--;
            if (!waitq_empty(&u->peer_wait))
                waitq_wake_all(&u->peer_wait); /* a connect may go on */
            mutex_unlock(&u->lock);
            *out = n; /* the queue's reference */
            return 0;
        }
        int e = usock_take_err(u);
        if (e) {
            r = -e;
            break;
        }
        if (u->shutdown & US_RCV_SHUTDOWN) {
            r = -EINVAL; /* as Linux: a listener shut down for reading accepts nothing */
            break;
        }
        if (nowait) {
            r = -EAGAIN;
            break;
        }
        r = usock_wait(u, &u->wq, dl);
        if (r < 0) break;
    }
    mutex_unlock(&u->lock);
    return r;
}
