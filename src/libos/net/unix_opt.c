/*
 * unix_opt: socket options and ioctls of AF_UNIX sockets, as Linux's
 * sock_setsockopt/sk_getsockopt answer them for a unix socket.
 *
 * Options with an effect here: SO_SNDBUF (bounds what a socket has in
 * flight and the size of a datagram; Linux doubles the value asked for,
 * within net.core.wmem_max), SO_RCVBUF (kept and reported, as Linux
 * which does not use it for unix sockets), SO_RCVTIMEO/SO_SNDTIMEO,
 * SO_RCVLOWAT, SO_PASSCRED. Read-only: SO_TYPE, SO_DOMAIN, SO_PROTOCOL,
 * SO_ERROR, SO_ACCEPTCONN, SO_PEERCRED. A few generic ones are only
 * remembered (SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER...). Other levels are
 * EOPNOTSUPP, unknown options ENOPROTOOPT.
 *
 * ioctl: FIONREAD/SIOCINQ (unread bytes; a datagram socket's next
 * message), SIOCOUTQ (what the socket has in flight, overheads included).
 */
#include "net/unix_int.h"
#include "util/log.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif

/* Flags of options that are only remembered: bit = 1 << optname. */
#define REMEMBERED                                                                                 \
    ((1 << SO_DEBUG) | (1 << SO_REUSEADDR) | (1 << SO_DONTROUTE) | (1 << SO_BROADCAST) |           \
     (1 << SO_KEEPALIVE) | (1 << SO_OOBINLINE) | (1 << SO_NO_CHECK) | (1 << SO_REUSEPORT))

static bool remembered(int name)
{
    return name >= 0 && name < 31 && ((REMEMBERED >> name) & 1);
}

static void wake_writers(struct unix_sock *u)
{
    if (!waitq_empty(&u->wq)) waitq_wake_all(&u->wq);
}

/* SO_RCVTIMEO/SO_SNDTIMEO: Linux's sock_set_timeout. */
static long set_timeout(struct timespec *t, const void *uval, unsigned len)
{
    struct timeval tv; /* the old and the new layout are both two 64-bit fields */
    if (len < sizeof(tv)) return -EINVAL;
    if (copy_from_user(&tv, uval, sizeof(tv))) return -EFAULT;
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) return -EDOM;
    if (tv.tv_sec < 0) { /* a negative timeout: do not wait at all */
        t->tv_sec = -1;
        t->tv_nsec = 0;
    } else {
        t->tv_sec = tv.tv_sec;
        t->tv_nsec = tv.tv_usec * 1000;
    }
    return 0;
}

long usock_setsockopt(struct unix_sock *u, int level, int name, const void *uval, unsigned len)
{
    if (level != SOL_SOCKET) return -EOPNOTSUPP;
    if (name == SO_RCVTIMEO || name == SO_SNDTIMEO || name == SO_RCVTIMEO_NEW ||
        name == SO_SNDTIMEO_NEW) {
        struct timespec t;
        long r = set_timeout(&t, uval, len);
        if (r < 0) return r;
        mutex_lock(&u->lock);
        if (name == SO_RCVTIMEO || name == SO_RCVTIMEO_NEW)
            u->rcvtimeo = t;
        else
            u->sndtimeo = t;
        mutex_unlock(&u->lock);
        return 0;
    }
    if (name == SO_LINGER) {
        struct linger l;
        if (len < sizeof(l)) return -EINVAL;
        if (copy_from_user(&l, uval, sizeof(l))) return -EFAULT;
        mutex_lock(&u->lock);
        u->linger = l;
        mutex_unlock(&u->lock);
        return 0;
    }
    int v;
    if (len < sizeof(int)) return -EINVAL;
    if (copy_from_user(&v, uval, sizeof(v))) return -EFAULT;
    long r = 0;
    mutex_lock(&u->lock);
    switch (name) {
    case SO_SNDBUF:
    case SO_SNDBUFFORCE: /* root may pass wmem_max */
        if (name == SO_SNDBUF && (unsigned)v > UNIX_BUF_MAX) v = UNIX_BUF_MAX;
        if ((unsigned)v > 0x3fffffffu) v = 0x3fffffff;
        u->sndbuf = 2 * v > UNIX_SNDBUF_MIN ? 2 * v : UNIX_SNDBUF_MIN;
        wake_writers(u); /* a larger buffer has room now */
        break;
    case SO_RCVBUF:
    case SO_RCVBUFFORCE:
        if (name == SO_RCVBUF && (unsigned)v > UNIX_BUF_MAX) v = UNIX_BUF_MAX;
        if ((unsigned)v > 0x3fffffffu) v = 0x3fffffff;
        u->rcvbuf = 2 * v > UNIX_RCVBUF_MIN ? 2 * v : UNIX_RCVBUF_MIN;
        break;
    case SO_PASSCRED:
        __atomic_store_n(&u->passcred, v != 0, __ATOMIC_RELAXED);
        break;
    case SO_RCVLOWAT:
        u->rcvlowat = v < 0 ? 0x7fffffff : (v ? v : 1);
        break;
    case SO_PRIORITY:
        u->priority = v;
        break;
    case SO_PEEK_OFF:
        r = -EOPNOTSUPP; /* peeking at an offset is not implemented */
        break;
    default:
        if (remembered(name)) {
            if (v)
                u->opts |= 1 << name;
            else
                u->opts &= ~(1 << name);
        } else {
            r = -ENOPROTOOPT;
        }
    }
    mutex_unlock(&u->lock);
    return r;
}

long usock_getsockopt(struct unix_sock *u, int level, int name, void *uval, unsigned *len)
{
    if (level != SOL_SOCKET) return -EOPNOTSUPP;
    union {
        int i;
        struct ucred cred;
        struct timeval tv;
        struct linger linger;
    } v;
    unsigned lv = sizeof(int);
    long r = 0;
    mutex_lock(&u->lock);
    switch (name) {
    case SO_TYPE:
        v.i = u->type;
        break;
    case SO_DOMAIN:
        v.i = AF_UNIX;
        break;
    case SO_PROTOCOL:
        v.i = 0;
        break;
    case SO_ERROR:
        v.i = usock_take_err(u);
        break;
    case SO_ACCEPTCONN:
        v.i = u->state == US_LISTEN;
        break;
    case SO_PASSCRED:
        v.i = u->passcred;
        break;
    case SO_SNDBUF:
        v.i = u->sndbuf;
        break;
    case SO_RCVBUF:
        v.i = u->rcvbuf;
        break;
    case SO_RCVLOWAT:
        v.i = u->rcvlowat;
        break;
    case SO_SNDLOWAT:
        v.i = 1;
        break;
    case SO_PRIORITY:
        v.i = u->priority;
        break;
    case SO_PEEK_OFF:
        v.i = -1;
        break;
    case SO_PEERCRED:
        v.cred = u->peercred;
        if (!v.cred.pid) v.cred.uid = v.cred.gid = (uid_t)-1; /* no peer: Linux's cred_to_ucred */
        lv = sizeof(v.cred);
        break;
    case SO_RCVTIMEO:
    case SO_SNDTIMEO:
    case SO_RCVTIMEO_NEW:
    case SO_SNDTIMEO_NEW: {
        const struct timespec *t =
            (name == SO_RCVTIMEO || name == SO_RCVTIMEO_NEW) ? &u->rcvtimeo : &u->sndtimeo;
        v.tv.tv_sec = t->tv_sec < 0 ? 0 : t->tv_sec;
        v.tv.tv_usec = t->tv_sec < 0 ? 0 : t->tv_nsec / 1000;
        lv = sizeof(v.tv);
        break;
    }
    case SO_LINGER:
        v.linger = u->linger;
        lv = sizeof(v.linger);
        break;
    default:
        if (remembered(name))
            v.i = (u->opts >> name) & 1;
        else
            r = -ENOPROTOOPT;
    }
    mutex_unlock(&u->lock);
    if (r < 0) return r;
    if (*len > lv) *len = lv; /* a shorter buffer gets the first bytes, as Linux */
    if (copy_to_user(uval, &v, *len)) return -EFAULT;
    return 0;
}

long usock_ioctl(struct unix_sock *u, unsigned long req, unsigned long arg)
{
    int n;
    mutex_lock(&u->lock);
    long r = 0;
    if (req == SIOCINQ) {
        if (u->state == US_LISTEN)
            r = -EINVAL;
        else if (u->type == SOCK_DGRAM)
            n = u->rq_head ? (int)u->rq_head->len : 0;
        else
            n = (int)u->rq_bytes;
    } else if (req == SIOCOUTQ) {
        n = (int)u->wmem;
    } else {
        r = -ENOTTY;
    }
    mutex_unlock(&u->lock);
    if (r < 0) return r;
    return copy_to_user((void *)arg, &n, sizeof(n)) ? -EFAULT : 0;
}
