/*
 * epoll: epoll_create(1), epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2
 * over LibOS objects (pipes, eventfds, other epolls) and host fds together,
 * on top of the poll machinery (net/poll.c): each wait polls the LibOS
 * entries once and sleeps on the wait queues of their files until one is
 * ready.
 *
 * Host fds (sockets) are left to a host epoll of the LibOS epoll's own
 * (pal_host_epoll_*), mirrored by epoll_ctl, as Linux keeps a ready list:
 * a wait costs one host call for however many host entries there are,
 * where a host poll of every one of them cost time in proportion to the
 * interest list (a server's thousands of idle connections). The wait
 * sleeps in a host poll of that epoll's fd (a host-fd file, ep->hfile)
 * and the thread's wake eventfd. A host epoll only serves the host process
 * that made it; used from another one (an epoll shared by a fork), the
 * LibOS epoll goes back to polling every host entry itself, for good
 * (host_off). An entry the host refuses (the same host file under a second
 * fd: EEXIST) is polled the same way.
 *
 * An entry does not keep its file description alive: when the last fd
 * on it is closed, file_put tells every epoll (epoll_on_file_release),
 * which drops its entries for it, as Linux does. A wait takes references
 * only on files whose count is not already zero. EPOLLONESHOT
 * disables an entry after one report, until EPOLL_CTL_MOD. EPOLLET is
 * served level-triggered: an edge-triggered program reads until EAGAIN
 * anyway, so it sees the same data, only possibly with more wake-ups.
 */
#include "net/epoll.h"

#include "fs/sys_common.h"
#include "fs/vfs.h"
#include "net/poll.h"
#include "pal/pal.h"
#include "process/process.h"
#include "process/waitq.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#define EP_MAX_EVENTS (INT32_MAX / (int)sizeof(struct epoll_event))
#define EP_POLL_BITS                                                                               \
    (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND |       \
     EPOLLMSG | EPOLLRDHUP | EPOLLERR | EPOLLHUP)
#define EP_FLAGS (EPOLLET | EPOLLONESHOT | EPOLLWAKEUP | EPOLLEXCLUSIVE)

struct epitem {
    int fd;
    struct file *file; /* not referenced: removed when it is released */
    uint32_t events;
    uint64_t data;
    bool disabled; /* EPOLLONESHOT, reported */
    bool in_host;  /* registered in ep->hep, with id as its data */
    uint64_t id;
};

struct epoll {
    struct mutex lock;
    struct epitem *items;
    size_t n, cap;
    size_t nhost; /* items in_host */
    uint64_t next_id;
    int hep;            /* the host epoll (a handle), -1 until a host entry comes */
    struct file *hfile; /* a host-fd file over hep: what a wait sleeps on */
    bool host_off;      /* used from another host process: every entry is polled */
    bool libos_first;   /* which kind a wait collects first, in turn */
    struct epoll *next; /* all epolls, for epoll_on_file_release */
};

#define HARVEST 64 /* host events taken per host call */

static struct mutex epolls_lock = MUTEX_INIT;
static struct epoll *epolls;

/* A reference on f unless it is already being released. */
static bool get_unless_zero(struct file *f)
{
    int c = __atomic_load_n(&f->refcount, __ATOMIC_ACQUIRE);
    while (c > 0)
        if (__atomic_compare_exchange_n(&f->refcount, &c, c + 1, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return true;
    return false;
}

/* ---- the host epoll (ep->lock held) ---- */

/* f's host fd when the host can tell its readiness, or -1. */
static int host_fd_of(struct file *f)
{
    return f->fops && !f->fops->poll && f->fops->host_fd ? f->fops->host_fd(f) : -1;
}

static uint32_t host_events(uint32_t events)
{
    /* EPOLLET is served level-triggered (see the top); EPOLLONESHOT is the
     * host's too, so that it stops reporting what was reported once */
    return (events & EP_POLL_BITS) | (events & EPOLLONESHOT);
}

static void host_off(struct epoll *ep)
{
    ep->host_off = true;
    ep->nhost = 0;
    for (size_t i = 0; i < ep->n; i++)
        ep->items[i].in_host = false;
}

/* Register it in the host epoll: 0, -EPERM when the host cannot poll
 * its file (a regular file), 1 when it stays with the LibOS's polling
 * (not a host fd, the host epoll off, the host file there already). */
static int host_add(struct epoll *ep, struct epitem *it)
{
    int h = ep->host_off ? -1 : host_fd_of(it->file);
    if (h < 0) return 1;
    if (ep->hep < 0) {
        int hep = pal_host_epoll_create();
        if (hep < 0) return 1;
        struct file *hf = file_alloc_anon(NULL, NULL, O_RDONLY, "anon_inode:[eventpoll]");
        if (!hf) {
            pal_host_close(hep);
            return 1;
        }
        if (hostfd_file_init(hf, hep) < 0) { /* closes hep */
            file_put(hf);
            return 1;
        }
        ep->hep = hep;
        ep->hfile = hf;
    }
    int r = pal_host_epoll_ctl(ep->hep, EPOLL_CTL_ADD, h, host_events(it->events), it->id);
    if (r == 0) {
        it->in_host = true;
        ep->nhost++;
    } else if (r == -EXDEV) {
        host_off(ep);
    }
    return r == 0 || r == -EPERM ? r : 1;
}

static void host_update(struct epoll *ep, struct epitem *it, int op)
{
    if (!it->in_host) return;
    int h = host_fd_of(it->file);
    if (op == EPOLL_CTL_DEL) {
        it->in_host = false;
        ep->nhost--;
    }
    /* a registration that cannot be changed any more must not be used */
    if (h < 0 || pal_host_epoll_ctl(ep->hep, op, h, host_events(it->events), it->id) < 0)
        host_off(ep);
}

static struct epitem *item_by_id(struct epoll *ep, uint64_t id)
{
    for (size_t i = 0; i < ep->n; i++)
        if (ep->items[i].id == id) return &ep->items[i];
    return NULL;
}

/* The host's ready entries now, into out (at most max): their count. */
static int host_harvest(struct epoll *ep, struct epoll_event *out, int max)
{
    struct epoll_event hev[HARVEST];
    int got = 0;
    while (got < max && ep->nhost) {
        int want = max - got < HARVEST ? max - got : HARVEST;
        int r = pal_host_epoll_ready(ep->hep, hev, want);
        if (r < 0) host_off(ep); /* -EXDEV: the entries are polled from now on */
        if (r <= 0) break;
        for (int k = 0; k < r; k++) {
            struct epitem *it = item_by_id(ep, hev[k].data.u64);
            if (!it || !it->in_host || it->disabled) continue;
            out[got].events = hev[k].events & (it->events | EPOLLERR | EPOLLHUP);
            out[got].data.u64 = it->data;
            if (!out[got].events) continue;
            if (it->events & EPOLLONESHOT) it->disabled = true;
            got++;
        }
        if (r < want) break;
    }
    return got;
}

static void remove_item(struct epoll *ep, size_t i)
{
    host_update(ep, &ep->items[i], EPOLL_CTL_DEL);
    __atomic_sub_fetch(&ep->items[i].file->epolls, 1, __ATOMIC_RELAXED);
    ep->items[i] = ep->items[--ep->n];
}

void epoll_on_file_release(struct file *f)
{
    /* most closes: a file in no epoll (before the fops release its host fd) */
    if (!__atomic_load_n(&f->epolls, __ATOMIC_ACQUIRE)) return;
    mutex_lock(&epolls_lock);
    for (struct epoll *ep = epolls; ep; ep = ep->next) {
        mutex_lock(&ep->lock);
        for (size_t i = 0; i < ep->n;) {
            if (ep->items[i].file == f)
                remove_item(ep, i);
            else
                i++;
        }
        mutex_unlock(&ep->lock);
    }
    mutex_unlock(&epolls_lock);
}

static const struct file_ops epoll_fops;

static struct epoll *epoll_of(struct file *f)
{
    return f && f->fops == &epoll_fops ? f->priv : NULL;
}

/* The interest list as poll requests (the caller frees *req and puts the
 * files), without the entries the host epoll watches unless all; room
 * for one more request (the host epoll's). 0, or -ENOMEM. */
static int snapshot(struct epoll *ep, bool all, struct poll_req **req, struct epitem **copy,
                    size_t *n)
{
    mutex_lock(&ep->lock);
    *n = 0;
    *req = kmalloc(sizeof(**req) * (ep->n + 1));
    *copy = kmalloc(sizeof(**copy) * (ep->n + 1));
    if (!*req || !*copy) {
        mutex_unlock(&ep->lock);
        kfree(*req);
        kfree(*copy);
        return -ENOMEM;
    }
    for (size_t i = 0; i < ep->n; i++) {
        struct epitem *it = &ep->items[i];
        if (it->disabled || (it->in_host && !all) || !get_unless_zero(it->file)) continue;
        (*copy)[*n] = *it;
        (*req)[*n] = (struct poll_req){-1, (short)(it->events & EP_POLL_BITS), 0, it->file};
        (*n)++;
    }
    mutex_unlock(&ep->lock);
    return 0;
}

static void snapshot_free(struct poll_req *req, struct epitem *copy, size_t n)
{
    for (size_t k = 0; k < n; k++)
        file_put(copy[k].file);
    kfree(req);
    kfree(copy);
}

/* What the polled entries req[0..n) reported, into out (at most max);
 * ep->lock held. */
static int collect(struct epoll *ep, const struct poll_req *req, const struct epitem *copy,
                   size_t n, struct epoll_event *out, int max)
{
    int got = 0;
    for (size_t k = 0; k < n && got < max; k++) {
        uint32_t ev = (uint16_t)req[k].revents & (copy[k].events | EPOLLERR | EPOLLHUP);
        if (!ev) continue;
        /* the entry as it is now: epoll_ctl may have changed it meanwhile */
        struct epitem *it = NULL;
        for (size_t i = 0; i < ep->n && !it; i++)
            if (ep->items[i].file == copy[k].file && ep->items[i].fd == copy[k].fd)
                it = &ep->items[i];
        if (!it || it->disabled || it->in_host) continue;
        out[got].events = ev & (it->events | EPOLLERR | EPOLLHUP);
        out[got].data.u64 = it->data;
        if (!out[got].events) continue;
        if (it->events & EPOLLONESHOT) it->disabled = true;
        got++;
    }
    return got;
}

/* Wait for events; what was ready goes to out (at most max). The LibOS
 * entries and the host's are collected first in turn, so that neither
 * kind, always ready, keeps the other from being reported. */
static long ep_wait(struct epoll *ep, struct epoll_event *out, int max,
                    const struct timespec *deadline)
{
    static const struct timespec now = {0, 0};
    for (;;) {
        struct poll_req *req;
        struct epitem *copy;
        size_t n;
        long r = snapshot(ep, false, &req, &copy, &n);
        if (r < 0) return r;
        mutex_lock(&ep->lock);
        bool libos_first = n && (ep->libos_first = !ep->libos_first);
        bool was_on = !ep->host_off;
        int got = libos_first ? 0 : host_harvest(ep, out, max);
        bool host = ep->nhost > 0;
        bool again = was_on && ep->host_off; /* its entries are polled now: snapshot again */
        mutex_unlock(&ep->lock);
        if (again) {
            snapshot_free(req, copy, n);
            continue;
        }
        if (got < max && n) { /* the LibOS entries now */
            r = poll_requests(req, n, &now);
            mutex_lock(&ep->lock);
            if (r > 0) got += collect(ep, req, copy, n, out + got, max - got);
            if (libos_first && got < max) got += host_harvest(ep, out + got, max - got);
            mutex_unlock(&ep->lock);
        }
        r = 0;
        bool now_only = deadline && !deadline->tv_sec && !deadline->tv_nsec;
        if (!got && !now_only && !n && host && thread_wake_fd(current_thread()) >= 0) {
            /* host entries only: one host poll of the host epoll (and the
             * thread's wake eventfd) until it has something, then harvest */
            long ms = deadline ? poll_ms_until(deadline) : -1;
            snapshot_free(req, copy, n);
            if (ms == 0) return 0;
            r = thread_wait_host_fd_ms(ep->hep, POLLIN, ms > INT_MAX ? INT_MAX : (int)ms);
            if (r == -EINTR) return r;
            continue; /* ready, or the deadline: see what the host epoll has */
        }
        if (!got && !now_only) {
            /* nothing: sleep on the LibOS entries and the host epoll */
            if (host) req[n] = (struct poll_req){-1, POLLIN, 0, ep->hfile};
            r = poll_requests(req, n + host, deadline);
            if (r > 0) {
                mutex_lock(&ep->lock);
                got = collect(ep, req, copy, n, out, max);
                if (host && req[n].revents && got < max)
                    got += host_harvest(ep, out + got, max - got);
                mutex_unlock(&ep->lock);
            }
        }
        snapshot_free(req, copy, n);
        if (got) return got;
        if (r <= 0) return r; /* the deadline (or none to wait for), -EINTR */
        /* ready entries were changed, disabled or taken by another thread: wait again */
    }
}

/* An epoll is readable when one of its entries is ready. A poll on it
 * registers on its LibOS entries' wait queues (so it sleeps until one
 * changes); host-fd entries are only looked at. */
static unsigned epoll_poll(struct file *f, struct poll_table *pt)
{
    struct epoll *ep = f->priv;
    struct poll_req *req;
    struct epitem *copy;
    size_t n;
    if (snapshot(ep, true, &req, &copy, &n) < 0) return POLLERR;
    bool ready = false;
    for (size_t k = 0; k < n; k++) {
        struct file *e = copy[k].file;
        unsigned want = (copy[k].events & EP_POLL_BITS) | EPOLLERR | EPOLLHUP;
        if (e->fops->poll) {
            ready |= (e->fops->poll(e, pt) & want) != 0;
        } else if (!ready) {
            struct timespec now = {0, 0};
            ready = poll_requests(&req[k], 1, &now) > 0;
        }
    }
    snapshot_free(req, copy, n);
    return ready ? POLLIN | POLLRDNORM : 0;
}

static off_t epoll_lseek(struct file *f, off_t off, int whence)
{
    return -ESPIPE;
}

static void epoll_release(struct file *f)
{
    struct epoll *ep = f->priv;
    mutex_lock(&epolls_lock);
    struct epoll **pp = &epolls;
    while (*pp && *pp != ep)
        pp = &(*pp)->next;
    if (*pp) *pp = ep->next;
    /* under the lock: a file released meanwhile is freed only after this
     * (epoll_on_file_release waits for the lock) */
    for (size_t i = 0; i < ep->n; i++)
        __atomic_sub_fetch(&ep->items[i].file->epolls, 1, __ATOMIC_RELAXED);
    mutex_unlock(&epolls_lock);
    file_put(ep->hfile); /* the host epoll goes with it */
    kfree(ep->items);
    kfree(ep);
}

static int epoll_fstat(struct file *f, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_mode = 0600; /* an anonymous inode, as Linux */
    st->st_nlink = 1;
    st->st_blksize = 4096;
    st->st_dev = 0xd;
    return 0;
}

static const struct file_ops epoll_fops = {
    .poll = epoll_poll,
    .lseek = epoll_lseek,
    .fstat = epoll_fstat,
    .release = epoll_release,
};

long sys_epoll_create1(int flags)
{
    if (flags & ~EPOLL_CLOEXEC) return -EINVAL;
    struct epoll *ep = kcalloc(1, sizeof(*ep));
    if (!ep) return -ENOMEM;
    ep->hep = -1;
    struct file *f = file_alloc_anon(&epoll_fops, ep, O_RDWR, "anon_inode:[eventpoll]");
    if (!f) {
        kfree(ep);
        return -ENOMEM;
    }
    mutex_lock(&epolls_lock);
    ep->next = epolls;
    epolls = ep;
    mutex_unlock(&epolls_lock);
    int fd = fd_install(current_process(), f, flags & EPOLL_CLOEXEC ? O_CLOEXEC : 0);
    if (fd < 0) file_put(f);
    return fd;
}

long sys_epoll_create(int size)
{
    return size <= 0 ? -EINVAL : sys_epoll_create1(0);
}

/* Files that can be waited for: those with a poll op, and host fds the
 * host can poll (Linux: EPERM for regular files, /dev/null...). */
static bool pollable(struct file *f)
{
    if (!f->fops || (f->fmode & FMODE_PATH)) return false;
    if (f->fops->poll) return true;
    int h = f->fops->host_fd ? f->fops->host_fd(f) : -1;
    return h >= 0 && pal_host_pollable(h);
}

/* err, or EPERM when f cannot be waited for (which Linux checks first) */
static long perm_or(struct file *f, long err)
{
    return pollable(f) ? err : -EPERM;
}

/* EPOLL_CTL_ADD of (fd, f); ep->lock held. Whether a host fd can be
 * polled is the host epoll's own answer when it takes the entry
 * (pollable() costs two host calls). */
static long ctl_add(struct epoll *ep, int fd, struct file *f, const struct epoll_event *ev)
{
    if (ep->n == ep->cap) {
        size_t cap = ep->cap ? 2 * ep->cap : 8;
        struct epitem *ni = krealloc(ep->items, cap * sizeof(*ni));
        if (!ni) return perm_or(f, -ENOMEM);
        ep->items = ni;
        ep->cap = cap;
    }
    struct epitem it = {
        fd, f, ev->events & (EP_POLL_BITS | EP_FLAGS), ev->data.u64, false, false, ep->next_id++};
    int hr = host_add(ep, &it);
    if (hr == -EPERM || (hr > 0 && !pollable(f))) return -EPERM;
    ep->items[ep->n++] = it;
    __atomic_add_fetch(&f->epolls, 1, __ATOMIC_RELAXED);
    return 0;
}

long sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *uev)
{
    struct epoll_event ev = {0};
    if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev))) return -EFAULT;
    struct file *ef = fs_fd(epfd), *f = fs_fd(fd);
    struct epoll *ep = epoll_of(ef);
    long r = 0;
    if (!ef || !f)
        r = -EBADF;
    else if (!f->fops || (f->fmode & FMODE_PATH))
        r = -EPERM;
    else if (!ep || ef == f)
        r = perm_or(f, -EINVAL);
    else if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
        r = perm_or(f, -EINVAL);
    else if ((ev.events & EPOLLEXCLUSIVE) && op == EPOLL_CTL_MOD)
        r = perm_or(f, -EINVAL);
    if (r < 0) {
        file_put(ef);
        file_put(f);
        return r;
    }
    mutex_lock(&ep->lock);
    struct epitem *it = NULL;
    for (size_t i = 0; i < ep->n && !it; i++)
        if (ep->items[i].fd == fd && ep->items[i].file == f) it = &ep->items[i];
    /* an entry's file was found pollable when it was added */
    if (op == EPOLL_CTL_ADD) {
        r = it ? -EEXIST : ctl_add(ep, fd, f, &ev);
    } else if (!it) {
        r = perm_or(f, -ENOENT);
    } else if (op == EPOLL_CTL_MOD) {
        if (it->events & EPOLLEXCLUSIVE) {
            r = -EINVAL;
        } else {
            it->events = ev.events & (EP_POLL_BITS | EP_FLAGS);
            it->data = ev.data.u64;
            it->disabled = false;
            host_update(ep, it, EPOLL_CTL_MOD); /* rearms a EPOLLONESHOT one */
        }
    } else { /* DEL */
        remove_item(ep, (size_t)(it - ep->items));
    }
    mutex_unlock(&ep->lock);
    file_put(ef);
    file_put(f);
    return r;
}

static long wait_common(int epfd, struct epoll_event *uev, int max, const struct timespec *dl)
{
    if (max <= 0 || max > EP_MAX_EVENTS) return -EINVAL;
    if (!user_ok(uev, (size_t)max * sizeof(*uev), true)) return -EFAULT;
    struct file *ef = fs_fd(epfd);
    if (!ef) return -EBADF;
    struct epoll *ep = epoll_of(ef);
    long r = -EINVAL;
    if (ep) {
        struct epoll_event *out = kmalloc((size_t)max * sizeof(*out));
        r = out ? ep_wait(ep, out, max, dl) : -ENOMEM;
        if (r > 0 && uaccess_copy(uev, out, (size_t)r * sizeof(*out))) r = -EFAULT;
        kfree(out);
    }
    file_put(ef);
    return r;
}

long sys_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
    struct timespec dl;
    bool has = poll_deadline_from_ms(timeout, &dl);
    return wait_common(epfd, events, maxevents, has ? &dl : NULL);
}

long sys_epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
                     const void *sigmask, size_t sigsetsize)
{
    struct timespec dl;
    bool has = poll_deadline_from_ms(timeout, &dl);
    int r = poll_apply_sigmask(sigmask, sigsetsize);
    if (r < 0) return r;
    long n = wait_common(epfd, events, maxevents, has ? &dl : NULL);
    poll_restore_sigmask(n);
    return n;
}

long sys_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
                      const struct timespec *timeout, const void *sigmask, size_t sigsetsize)
{
    struct timespec dl;
    bool has;
    int r = poll_timeout_from_ts(timeout, &dl, &has);
    if (r < 0) return r;
    r = poll_apply_sigmask(sigmask, sigsetsize);
    if (r < 0) return r;
    long n = wait_common(epfd, events, maxevents, has ? &dl : NULL);
    poll_restore_sigmask(n);
    return n;
}
