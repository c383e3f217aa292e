/*
 * lease: file leases, as Linux's (man 2 fcntl, "Leases"), in LibOS memory.
 *
 * A lease belongs to an open file description and names a file by its
 * identity (device, inode), as fs/locks.c's locks do. Only the file's
 * owner (or root: CAP_LEASE) takes one, on a regular file; a read lease
 * needs the file open for writing nowhere, a write lease no other open
 * file description at all (the open ones are counted over every
 * process's fd table when the lease is asked for); leases of other
 * descriptions conflict as read and write locks do.
 *
 * Breaking: an open for reading conflicts with a write lease, an open
 * for writing or a truncate with any lease. The first conflicting open
 * marks the lease "breaking" (F_GETLEASE then answers what it must
 * become: F_RDLCK or F_UNLCK) and signals its holder (F_SETSIG's signal,
 * or SIGIO, to the process that took it, with POLL_MSG and the fd); the
 * opener fails with EWOULDBLOCK under O_NONBLOCK, and otherwise waits
 * (interruptibly) until the holder downgrades or removes the lease, or
 * lease-break-time (45 s) has passed, when the LibOS does it for them.
 *
 * Not done: descriptions held without an fd (a mapping's) are not counted
 * when a lease is asked for.
 */
#include "fs/lease.h"

#include "fs/fasync.h"
#include "fs/permission.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "process/process.h"
#include "process/waitq.h"
#include "util/kheap.h"
#include "util/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>

#define LEASE_BREAK_TIME 45 /* seconds: /proc/sys/fs/lease-break-time */
#define NO_BREAK (-1)

struct lease {
    dev_t dev;
    ino_t ino;
    struct file *file;        /* the holder (no reference: its release removes the lease) */
    int fd;                   /* si_fd of the break signal */
    int type;                 /* F_RDLCK or F_WRLCK */
    int target;               /* NO_BREAK, or what a break asks it to become */
    struct timespec deadline; /* CLOCK_MONOTONIC: when the LibOS breaks it itself */
    struct lease *next;
};

int lease_count;
static struct lease *leases;
static struct mutex lease_lock = MUTEX_INIT;
static struct waitq lease_waiters;

static void identity(const struct inode *ino, dev_t *dev, ino_t *i)
{
    *dev = ino->mnt ? ino->mnt->dev : 0;
    *i = ino->ino;
}

static struct lease **find_own(const struct file *f)
{
    struct lease **pp = &leases;
    while (*pp && (*pp)->file != f)
        pp = &(*pp)->next;
    return pp;
}

static void remove_at(struct lease **pp)
{
    struct lease *l = *pp;
    *pp = l->next;
    kfree(l);
    __atomic_sub_fetch(&lease_count, 1, __ATOMIC_RELAXED);
}

/* ---- counting the open file descriptions of a file ---- */

struct open_scan {
    dev_t dev;
    ino_t ino;
    int *fds;            /* FD_MAX, for fdtable_list */
    struct file **files; /* distinct descriptions found, referenced */
    size_t n, cap;
    int err;
};

static int scan_process(struct process *p, void *arg)
{
    struct open_scan *s = arg;
    if (!p->files || s->err) return 0;
    size_t nfd = fdtable_list(p->files, s->fds, FD_MAX);
    for (size_t i = 0; i < nfd; i++) {
        struct file *f = fdtable_get(p->files, s->fds[i]);
        if (!f) continue;
        dev_t dev = 0;
        ino_t ino = 0;
        if (f->inode && S_ISREG(f->inode->mode)) identity(f->inode, &dev, &ino);
        bool dup = !f->inode || dev != s->dev || ino != s->ino;
        for (size_t k = 0; !dup && k < s->n; k++)
            dup = s->files[k] == f;
        if (!dup && s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            struct file **nf = krealloc(s->files, cap * sizeof(*nf));
            if (!nf) {
                s->err = -ENOMEM;
                dup = true;
            } else {
                s->files = nf;
                s->cap = cap;
            }
        }
        if (dup) {
            file_put(f); /* never the last reference: its fd still holds one */
            continue;
        }
        s->files[s->n++] = f;
    }
    return 0;
}

/* The other open descriptions of f's file, as Linux's check_conflicting_open
 * counts them: -EAGAIN when they forbid a lease of type `type`. */
static int conflicting_opens(struct file *f, int type)
{
    struct open_scan s = {0};
    identity(f->inode, &s.dev, &s.ino);
    s.fds = kmalloc(FD_MAX * sizeof(int));
    if (!s.fds) return -ENOMEM;
    process_for_each(scan_process, &s);
    int readers = 0, writers = 0;
    bool self = false;
    for (size_t k = 0; k < s.n; k++) {
        self |= s.files[k] == f;
        if (s.files[k]->fmode & FMODE_WRITE)
            writers++;
        else if (s.files[k]->fmode & FMODE_READ)
            readers++;
    }
    if (!self) { /* not in an fd table (closed meanwhile): counted anyway */
        if (f->fmode & FMODE_WRITE)
            writers++;
        else if (f->fmode & FMODE_READ)
            readers++;
    }
    for (size_t k = 0; k < s.n; k++)
        file_put(s.files[k]);
    kfree(s.files);
    kfree(s.fds);
    if (s.err) return s.err;
    if (type == F_RDLCK) return writers ? -EAGAIN : 0;
    int self_w = (f->fmode & FMODE_WRITE) != 0, self_r = !self_w && (f->fmode & FMODE_READ);
    return writers != self_w || readers != self_r ? -EAGAIN : 0;
}

/* ---- F_SETLEASE / F_GETLEASE ---- */

static long set_lease(struct process *p, struct file *f, int fd, int type)
{
    dev_t dev;
    ino_t ino;
    identity(f->inode, &dev, &ino);
    int r = conflicting_opens(f, type);
    if (r < 0) return r;
    struct lease *mine = NULL;
    mutex_lock(&lease_lock);
    for (struct lease *l = leases; l && r == 0; l = l->next) {
        if (l->dev != dev || l->ino != ino) continue;
        if (l->file == f)
            mine = l;
        else if (l->target != NO_BREAK || type == F_WRLCK || l->type == F_WRLCK)
            r = -EAGAIN;
    }
    if (r == 0 && mine && mine->target != NO_BREAK && type == F_WRLCK) r = -EAGAIN;
    if (r == 0 && !mine) {
        mine = kcalloc(1, sizeof(*mine));
        if (!mine) {
            r = -ENOMEM;
        } else {
            *mine = (struct lease){dev, ino, f, fd, type, NO_BREAK, {0, 0}, leases};
            leases = mine;
            __atomic_add_fetch(&lease_count, 1, __ATOMIC_RELAXED);
        }
    } else if (r == 0) {
        mine->type = type;
        mine->fd = fd;
        if (mine->target == F_RDLCK) mine->target = NO_BREAK; /* the break is answered */
    }
    if (r == 0) waitq_wake_all(&lease_waiters);
    mutex_unlock(&lease_lock);
    if (r == 0) fasync_set_owner(f, p->pid); /* the break signal goes to the taker */
    return r;
}

static long unset_lease(struct file *f)
{
    mutex_lock(&lease_lock);
    struct lease **pp = find_own(f);
    long r = *pp ? 0 : -EAGAIN;
    if (*pp) {
        remove_at(pp);
        waitq_wake_all(&lease_waiters);
    }
    mutex_unlock(&lease_lock);
    return r;
}

long lease_fcntl(struct process *p, struct file *f, int fd, int cmd, unsigned long arg)
{
    if (cmd == F_GETLEASE) {
        mutex_lock(&lease_lock);
        struct lease *l = *find_own(f);
        long r = !l ? F_UNLCK : l->target != NO_BREAK ? l->target : l->type;
        mutex_unlock(&lease_lock);
        return r;
    }
    if (arg == F_UNLCK) return unset_lease(f);
    if (arg != F_RDLCK && arg != F_WRLCK) return -EINVAL;
    /* Linux's order: the owner (CAP_LEASE) first, then the file type */
    if (f->inode && !fs_owner_or_capable(f->inode)) return -EACCES;
    if (!f->inode || !S_ISREG(f->inode->mode)) return -EINVAL;
    return set_lease(p, f, fd, (int)arg);
}

/* ---- breaking ---- */

struct break_signal {
    int owner, sig, fd;
};

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int lease_break(struct inode *ino, bool write, bool nonblock)
{
    if (!__atomic_load_n(&lease_count, __ATOMIC_RELAXED) || !S_ISREG(ino->mode)) return 0;
    dev_t dev;
    ino_t i;
    identity(ino, &dev, &i);
    int want = write ? F_UNLCK : F_RDLCK;
    struct thread *t = current_thread();
    for (;;) {
        struct break_signal sigs[8];
        int nsig = 0;
        bool conflict = false;
        struct timespec now, wake = {0, 0};
        pal_clock_gettime(CLOCK_MONOTONIC, &now);
        mutex_lock(&lease_lock);
        thread_prepare_sleep();
        for (struct lease **pp = &leases; *pp;) {
            struct lease *l = *pp;
            if (l->dev != dev || l->ino != i || (l->type == F_RDLCK && !write)) {
                pp = &l->next;
                continue;
            }
            if (l->target == NO_BREAK || (want == F_UNLCK && l->target == F_RDLCK)) {
                /* a new break (or a harder one): tell the holder */
                if (l->target == NO_BREAK) {
                    l->deadline = now;
                    l->deadline.tv_sec += LEASE_BREAK_TIME;
                }
                l->target = want;
                if (nsig < 8)
                    sigs[nsig++] = (struct break_signal){
                        __atomic_load_n(&l->file->owner, __ATOMIC_RELAXED),
                        __atomic_load_n(&l->file->async_sig, __ATOMIC_RELAXED), l->fd};
            } else if (!before(&now, &l->deadline)) {
                /* not answered in time: the LibOS breaks it */
                if (l->target == F_UNLCK) {
                    remove_at(pp);
                    continue;
                }
                l->type = F_RDLCK;
                l->target = NO_BREAK;
                pp = &l->next;
                continue;
            }
            conflict = true;
            if (!wake.tv_sec || before(&l->deadline, &wake)) wake = l->deadline;
            pp = &l->next;
        }
        if (conflict && !nonblock) waitq_add(&lease_waiters, &t->sleep_waiter);
        mutex_unlock(&lease_lock);
        for (int k = 0; k < nsig; k++)
            fasync_send(sigs[k].owner, sigs[k].sig, sigs[k].fd, POLL_MSG);
        if (!conflict) return 0;
        if (nonblock) return -EWOULDBLOCK;
        int r = thread_sleep(&wake);
        mutex_lock(&lease_lock);
        waitq_remove(&lease_waiters, &t->sleep_waiter);
        mutex_unlock(&lease_lock);
        if (r == -EINTR) return r;
    }
}

void lease_on_file_release(struct file *f)
{
    if (!__atomic_load_n(&lease_count, __ATOMIC_RELAXED)) return;
    mutex_lock(&lease_lock);
    struct lease **pp = find_own(f);
    if (*pp) {
        remove_at(pp);
        waitq_wake_all(&lease_waiters);
    }
    mutex_unlock(&lease_lock);
}
