/*
 * epoll: epoll_create(1), epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2
 * over LibOS objects (pipes, eventfds, other epolls) and host fds together,
 * on top of the poll machinery (net/poll.c): each wait polls the interest
 * list once and sleeps on the wait queues of its files (and a host poll
 * for host fds) until one is ready.
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
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
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
};

struct epoll {
    struct mutex lock;
    struct epitem *items;
    size_t n, cap;
    struct epoll *next; /* all epolls, for epoll_on_file_release */
};

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

void epoll_on_file_release(struct file *f)
{
    if (!__atomic_load_n(&epolls, __ATOMIC_ACQUIRE)) return; /* no epoll at all: most closes */
    mutex_lock(&epolls_lock);
    for (struct epoll *ep = epolls; ep; ep = ep->next) {
        mutex_lock(&ep->lock);
        for (size_t i = 0; i < ep->n;) {
            if (ep->items[i].file == f)
                ep->items[i] = ep->items[--ep->n];
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
 * files); 0, or -ENOMEM. */
static int snapshot(struct epoll *ep, struct poll_req **req, struct epitem **copy, size_t *n)
{
    mutex_lock(&ep->lock);
    *n = 0;
    *req = kmalloc(sizeof(**req) * (ep->n ? ep->n : 1));
    *copy = kmalloc(sizeof(**copy) * (ep->n ? ep->n : 1));
    if (!*req || !*copy) {
        mutex_unlock(&ep->lock);
        kfree(*req);
        kfree(*copy);
        return -ENOMEM;
    }
    for (size_t i = 0; i < ep->n; i++) {
        struct epitem *it = &ep->items[i];
        if (it->disabled || !get_unless_zero(it->file)) continue;
        (*copy)[*n] = *it;
        (*req)[*n] = (struct poll_req){-1, (short)(it->events & EP_POLL_BITS), 0, it->file};
        (*n)++;
    }
    mutex_unlock(&ep->lock);
    return 0;
}

/* Wait for events; what was ready goes to out (at most max). */
static long ep_wait(struct epoll *ep, struct epoll_event *out, int max,
                    const struct timespec *deadline)
{
    for (;;) {
        struct poll_req *req;
        struct epitem *copy;
        size_t n;
        long r = snapshot(ep, &req, &copy, &n);
        if (r < 0) return r;
        r = poll_requests(req, n, deadline);
        int got = 0;
        if (r > 0) {
            mutex_lock(&ep->lock);
            for (size_t k = 0; k < n && got < max; k++) {
                uint32_t ev = (uint16_t)req[k].revents & (copy[k].events | EPOLLERR | EPOLLHUP);
                if (!ev) continue;
                /* the entry as it is now: epoll_ctl may have changed it meanwhile */
                struct epitem *it = NULL;
                for (size_t i = 0; i < ep->n && !it; i++)
                    if (ep->items[i].file == copy[k].file && ep->items[i].fd == copy[k].fd)
                        it = &ep->items[i];
                if (!it || it->disabled) continue;
                out[got].events = ev & (it->events | EPOLLERR | EPOLLHUP);
                out[got].data.u64 = it->data;
                if (!out[got].events) continue;
                if (it->events & EPOLLONESHOT) it->disabled = true;
                got++;
            }
            mutex_unlock(&ep->lock);
        }
        for (size_t k = 0; k < n; k++)
            file_put(copy[k].file);
        kfree(req);
        kfree(copy);
        if (r < 0) return r;
        if (got || r == 0) return got; /* events, or the deadline */
        /* ready entries were changed or disabled meanwhile: wait again */
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
    if (snapshot(ep, &req, &copy, &n) < 0) return POLLERR;
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
    for (size_t k = 0; k < n; k++)
        file_put(copy[k].file);
    kfree(req);
    kfree(copy);
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
    mutex_unlock(&epolls_lock);
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

long sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *uev)
{
    struct epoll_event ev = {0};
    if (op != EPOLL_CTL_DEL && copy_from_user(&ev, uev, sizeof(ev))) return -EFAULT;
    struct file *ef = fs_fd(epfd), *f = fs_fd(fd);
    struct epoll *ep = epoll_of(ef);
    long r = 0;
    if (!ef || !f)
        r = -EBADF;
    else if (!pollable(f))
        r = -EPERM; /* before EINVAL, as Linux checks */
    else if (!ep || ef == f)
        r = -EINVAL;
    else if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
        r = -EINVAL;
    else if ((ev.events & EPOLLEXCLUSIVE) && op == EPOLL_CTL_MOD)
        r = -EINVAL;
    if (r < 0) {
        file_put(ef);
        file_put(f);
        return r;
    }
    mutex_lock(&ep->lock);
    struct epitem *it = NULL;
    for (size_t i = 0; i < ep->n && !it; i++)
        if (ep->items[i].fd == fd && ep->items[i].file == f) it = &ep->items[i];
    if (op == EPOLL_CTL_ADD) {
        if (it) {
            r = -EEXIST;
        } else if (ep->n == ep->cap) {
            size_t cap = ep->cap ? 2 * ep->cap : 8;
            struct epitem *ni = krealloc(ep->items, cap * sizeof(*ni));
            if (!ni) r = -ENOMEM;
            if (ni) {
                ep->items = ni;
                ep->cap = cap;
            }
        }
        if (r == 0) {
            ep->items[ep->n++] =
                (struct epitem){fd, f, ev.events & (EP_POLL_BITS | EP_FLAGS), ev.data.u64, false};
        }
    } else if (!it) {
        r = -ENOENT;
    } else if (op == EPOLL_CTL_MOD) {
        if (it->events & EPOLLEXCLUSIVE) {
            r = -EINVAL;
        } else {
            it->events = ev.events & (EP_POLL_BITS | EP_FLAGS);
            it->data = ev.data.u64;
            it->disabled = false;
        }
    } else { /* DEL */
        *it = ep->items[--ep->n];
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
