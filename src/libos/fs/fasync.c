/* fasync: see fasync.h. */
#include "fs/fasync.h"

#include "fs/vfs.h"
#include "net/poll.h"
#include "process/process.h"
#include "signal/signal.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

/* An O_ASYNC file's registrations on its object's wait queues. */
struct fasync {
    struct poll_table pt;
    struct file *f;
    int fd;
    unsigned last; /* the POLL* bits when last looked at (under f->pos_lock) */
    bool queued;   /* on the pending list (under pending_lock) */
    struct fasync *next_pending;
};

int fasync_pending; /* the list is not empty: checked at every system call's end */
static struct fasync *pending;
static struct mutex pending_lock = MUTEX_INIT; /* a leaf: taken under objects' locks */

/* A wait queue of the file's object was woken (its lock held). */
static void on_wake(struct waiter *w)
{
    struct poll_entry *pe = (struct poll_entry *)((char *)w - offsetof(struct poll_entry, w));
    struct fasync *fa = pe->owner;
    mutex_lock(&pending_lock);
    if (!fa->queued) {
        fa->queued = true;
        file_get(fa->f); /* the signal goes out even if it is closed meanwhile */
        fa->next_pending = pending;
        pending = fa;
        __atomic_store_n(&fasync_pending, 1, __ATOMIC_RELEASE);
    }
    mutex_unlock(&pending_lock);
}

struct group_scan {
    int pgid;
    size_t n;
    int pids[256];
};

static int collect_group(struct process *p, void *arg)
{
    struct group_scan *g = arg;
    if (p->pgid == g->pgid && !p->zombie && g->n < sizeof(g->pids) / sizeof(g->pids[0]))
        g->pids[g->n++] = p->pid;
    return 0;
}

void fasync_send(int owner, int sig, int fd, int band)
{
    if (!owner) return;
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (sig) { /* F_SETSIG: the real-time way, with the fd and the band */
        si.si_signo = sig;
        si.si_code = band;
        si.si_band = band == POLL_IN    ? (POLLIN | POLLRDNORM)
                     : band == POLL_MSG ? (POLLIN | POLLRDNORM | POLLMSG)
                                        : (POLLOUT | POLLWRNORM);
        si.si_fd = fd;
    } else {
        sig = SIGIO;
        si.si_signo = SIGIO;
        si.si_code = SI_KERNEL;
    }
    if (owner > 0) {
        struct process *p = process_find(owner);
        if (p && !p->zombie) signal_send_process(p, sig, &si);
        return;
    }
    struct group_scan *g = kmalloc(sizeof(*g));
    if (!g) return;
    g->pgid = -owner;
    g->n = 0;
    process_for_each(collect_group, g);
    for (size_t i = 0; i < g->n; i++) {
        struct process *p = process_find(g->pids[i]);
        if (p && !p->zombie) signal_send_process(p, sig, &si);
    }
    kfree(g);
}

/* Signal f's owner as Linux's send_sigio does: band POLL_IN or POLL_OUT. */
static void send_to_owner(struct file *f, int fd, int band)
{
    fasync_send(__atomic_load_n(&f->owner, __ATOMIC_RELAXED),
                __atomic_load_n(&f->async_sig, __ATOMIC_RELAXED), fd, band);
}

void fasync_flush(void)
{
    mutex_lock(&pending_lock);
    struct fasync *list = pending;
    pending = NULL;
    __atomic_store_n(&fasync_pending, 0, __ATOMIC_RELEASE);
    /* Each taken off the list before the signal, so a wake-up meanwhile
     * queues it again rather than being lost. */
    struct file *files[64];
    int fds[64], n = 0;
    while (list && n < 64) {
        list->queued = false;
        files[n] = list->f;
        fds[n++] = list->fd;
        list = list->next_pending;
    }
    if (list) { /* the rest for the next flush */
        struct fasync *last = list;
        while (last->next_pending)
            last = last->next_pending;
        last->next_pending = pending;
        pending = list;
        __atomic_store_n(&fasync_pending, 1, __ATOMIC_RELEASE);
    }
    mutex_unlock(&pending_lock);
    for (int i = 0; i < n; i++) {
        struct file *f = files[i];
        /* The wake-up says something may have changed; the file's state,
         * now that no lock is held, says what: data (or a hang-up) for a
         * reader, and room that was not there for a writer, as Linux
         * signals on those events only. */
        unsigned m = f->fops->poll(f, NULL);
        int band = 0;
        mutex_lock(&f->pos_lock);
        if (f->fasync && (f->flags & O_ASYNC)) {
            bool reader = (f->flags & O_ACCMODE) != O_WRONLY;
            bool writer = (f->flags & O_ACCMODE) != O_RDONLY;
            if (reader && (m & (POLLIN | POLLHUP | POLLRDHUP)))
                band = POLL_IN;
            else if (writer && (m & POLLOUT) && !(f->fasync->last & POLLOUT))
                band = POLL_OUT;
            f->fasync->last = m;
        }
        mutex_unlock(&f->pos_lock);
        if (band) send_to_owner(f, fds[i], band);
        file_put(f);
    }
}

/* Off the queues and the pending list (f's pos_lock held, or f unused). */
static void unregister(struct file *f)
{
    struct fasync *fa = f->fasync;
    if (!fa) return;
    f->fasync = NULL;
    poll_table_free(&fa->pt);
    mutex_lock(&pending_lock);
    bool was_queued = fa->queued;
    if (was_queued) { /* cannot be: a queued one holds a reference to f */
        for (struct fasync **pp = &pending; *pp; pp = &(*pp)->next_pending)
            if (*pp == fa) {
                *pp = fa->next_pending;
                break;
            }
    }
    mutex_unlock(&pending_lock);
    kfree(fa);
}

int fasync_set(struct file *f, int fd, bool on, bool ioctl)
{
    bool host = f->fops && f->fops->host_fd;
    bool regular = f->inode && S_ISREG(f->inode->mode);
    bool supported = f->fops && f->fops->fasync && f->fops->poll;
    if (on && host && !regular) {
        log_warn("O_ASYNC on %s (a host socket or terminal) is not supported: returning EINVAL",
                 f->path);
        return -EINVAL;
    }
    if (ioctl && !supported) return -ENOTTY; /* Linux's FIOASYNC without an fasync op */
    mutex_lock(&f->pos_lock);
    int r = 0;
    if (on && !f->fasync && supported) {
        struct fasync *fa = kcalloc(1, sizeof(*fa));
        if (!fa) {
            r = -ENOMEM;
        } else {
            fa->f = f;
            fa->fd = fd;
            fa->pt.wake = on_wake;
            fa->pt.owner = fa;
            fa->last = f->fops->poll(f, &fa->pt);
            if (fa->pt.error) {
                r = fa->pt.error;
                poll_table_free(&fa->pt);
                kfree(fa);
            } else {
                f->fasync = fa;
            }
        }
    } else if (on && f->fasync) {
        f->fasync->fd = fd;
    } else if (!on) {
        unregister(f);
    }
    /* as Linux 6: a file without signal-driven I/O does not keep the flag */
    if (r == 0) f->flags = on && supported ? (f->flags | O_ASYNC) : (f->flags & ~O_ASYNC);
    mutex_unlock(&f->pos_lock);
    return r;
}

void fasync_on_file_release(struct file *f)
{
    if (f->fasync) unregister(f);
}

int fasync_set_owner(struct file *f, int owner)
{
    if (owner > 0 && !process_find(owner)) return -ESRCH;
    if (owner < 0) {
        struct group_scan *g = kmalloc(sizeof(*g));
        if (!g) return -ENOMEM;
        g->pgid = -owner;
        g->n = 0;
        process_for_each(collect_group, g);
        size_t n = g->n;
        kfree(g);
        if (!n) return -ESRCH;
    }
    __atomic_store_n(&f->owner, owner, __ATOMIC_RELAXED);
    return 0;
}
