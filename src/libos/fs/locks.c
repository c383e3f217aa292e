/*
 * locks: advisory file locks, all in LibOS memory.
 *
 * One list of locks, each on a file identity (device, inode) with a byte
 * range [start, end] and an owner: a process (POSIX record locks) or an
 * open file description (flock and OFD locks). Conflicts are judged as in
 * Linux: locks of the same owner never conflict (a new lock of the same
 * owner replaces the overlapping part of its old ones), two read locks
 * never conflict; flock and fcntl locks do not see each other. Blocking
 * waiters sleep on one wait queue woken at every unlock; F_SETLKW detects
 * the simple deadlock of two processes waiting for each other (EDEADLK).
 */
#include "fs/locks.h"

#include "fs/sys_common.h"
#include "fs/vfs.h"
#include "process/process.h"
#include "process/waitq.h"
#include "util/lock.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

#define OFFSET_MAX LLONG_MAX

enum lock_kind { KIND_POSIX, KIND_FLOCK, KIND_OFD };

struct flock_rec {
    dev_t dev;
    ino_t ino;
    enum lock_kind kind;
    int type;             /* F_RDLCK or F_WRLCK */
    long long start, end; /* inclusive */
    struct process *proc; /* KIND_POSIX owner */
    int pid;              /* for F_GETLK */
    struct file *file;    /* KIND_FLOCK / KIND_OFD owner */
    struct flock_rec *next;
};

int locks_count;
static struct flock_rec *locks;
static struct mutex locks_lock = MUTEX_INIT;
static struct waitq lock_waiters;

static bool same_owner(const struct flock_rec *a, const struct flock_rec *b)
{
    if (a->kind != b->kind) return false;
    return a->kind == KIND_POSIX ? a->proc == b->proc : a->file == b->file;
}

/* flock locks and fcntl locks live in separate worlds, as on Linux. */
static bool same_world(const struct flock_rec *a, const struct flock_rec *b)
{
    return (a->kind == KIND_FLOCK) == (b->kind == KIND_FLOCK);
}

static struct flock_rec *find_conflict(const struct flock_rec *want)
{
    for (struct flock_rec *l = locks; l; l = l->next) {
        if (l->dev != want->dev || l->ino != want->ino || !same_world(l, want)) continue;
        if (same_owner(l, want)) continue;
        if (l->end < want->start || want->end < l->start) continue;
        if (l->type == F_RDLCK && want->type == F_RDLCK) continue;
        return l;
    }
    return NULL;
}

static void remove_rec(struct flock_rec **pp)
{
    struct flock_rec *l = *pp;
    *pp = l->next;
    kfree(l);
    locks_count--;
}

/* Remove the part of owner's locks inside [start, end] (splitting as needed).
 * Returns -ENOLCK when a split needs memory it cannot get. */
static int carve(const struct flock_rec *owner, long long start, long long end)
{
    for (struct flock_rec **pp = &locks; *pp;) {
        struct flock_rec *l = *pp;
        if (l->dev != owner->dev || l->ino != owner->ino || !same_owner(l, owner) ||
            l->end < start || end < l->start) {
            pp = &l->next;
            continue;
        }
        if (l->start < start && l->end > end) { /* split in two */
            struct flock_rec *tail = kmalloc(sizeof(*tail));
            if (!tail) return -ENOLCK;
            *tail = *l;
            tail->start = end + 1;
            l->end = start - 1;
            tail->next = l->next;
            l->next = tail;
            locks_count++;
            return 0;
        }
        if (l->start < start) {
            l->end = start - 1;
        } else if (l->end > end) {
            l->start = end + 1;
        } else {
            remove_rec(pp);
            continue;
        }
        pp = &l->next;
    }
    return 0;
}

static int add_lock(const struct flock_rec *want)
{
    int r = carve(want, want->start, want->end);
    if (r < 0) return r;
    if (want->type == F_UNLCK) return 0;
    struct flock_rec *l = kmalloc(sizeof(*l));
    if (!l) return -ENOLCK;
    *l = *want;
    l->next = locks;
    locks = l;
    locks_count++;
    return 0;
}

/* Would `waiter` (a POSIX owner) deadlock by waiting for `holder`? Only
 * the two-process cycle is detected, as most programs need. */
static bool deadlock(const struct flock_rec *holder, struct process *waiter);

static struct process *waiting_for[64]; /* holder process each blocked process waits on */
static struct process *waiting_proc[64];

static bool deadlock(const struct flock_rec *holder, struct process *waiter)
{
    if (holder->kind != KIND_POSIX) return false;
    for (int i = 0; i < 64; i++)
        if (waiting_proc[i] == holder->proc && waiting_for[i] == waiter) return true;
    return false;
}

static int note_waiting(struct process *p, struct process *holder)
{
    for (int i = 0; i < 64; i++) {
        if (!waiting_proc[i]) {
            waiting_proc[i] = p;
            waiting_for[i] = holder;
            return i;
        }
    }
    return -1;
}

static long set_lock(struct flock_rec *want, bool wait)
{
    mutex_lock(&locks_lock);
    long r;
    for (;;) {
        thread_prepare_sleep();
        struct flock_rec *c = want->type == F_UNLCK ? NULL : find_conflict(want);
        if (!c) {
            r = add_lock(want);
            break;
        }
        if (!wait) {
            r = want->kind == KIND_FLOCK ? -EWOULDBLOCK : -EAGAIN;
            break;
        }
        if (want->kind == KIND_POSIX && deadlock(c, want->proc)) {
            r = -EDEADLK;
            break;
        }
        int slot = want->kind == KIND_POSIX ? note_waiting(want->proc, c->proc) : -1;
        struct waiter *w = &current_thread()->sleep_waiter;
        waitq_add(&lock_waiters, w);
        mutex_unlock(&locks_lock);
        int s = thread_sleep(NULL);
        mutex_lock(&locks_lock);
        waitq_remove(&lock_waiters, w);
        if (slot >= 0) waiting_proc[slot] = waiting_for[slot] = NULL;
        if (s == -EINTR) {
            r = -EINTR;
            break;
        }
    }
    waitq_wake_all(&lock_waiters); /* a lock changed: waiters re-check */
    mutex_unlock(&locks_lock);
    return r;
}

static int identify(struct file *f, struct flock_rec *rec)
{
    if (!f->inode) return -EINVAL; /* pipes and sockets cannot be locked */
    memset(rec, 0, sizeof(*rec));
    rec->dev = f->inode->mnt ? f->inode->mnt->dev : 0;
    rec->ino = f->inode->ino;
    return 0;
}

long sys_flock(int fd, int op)
{
    struct process *p = current_process();
    struct file *f = fd_get(p, fd);
    if (!f) return -EBADF;
    long r;
    struct flock_rec want;
    int type = op & ~LOCK_NB;
    if (type != LOCK_SH && type != LOCK_EX && type != LOCK_UN) {
        r = -EINVAL;
    } else if (f->fmode & FMODE_PATH) {
        r = -EBADF;
    } else if ((r = identify(f, &want)) == 0) {
        want.kind = KIND_FLOCK;
        want.type = type == LOCK_SH ? F_RDLCK : type == LOCK_EX ? F_WRLCK : F_UNLCK;
        want.start = 0;
        want.end = OFFSET_MAX;
        want.file = f;
        want.pid = p->pid;
        r = set_lock(&want, !(op & LOCK_NB));
    }
    file_put(f);
    return r;
}

bool locks_is_fcntl_cmd(int cmd)
{
    switch (cmd) {
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return true;
    default:
        return false;
    }
}

/* struct flock -> [start, end], relative to SEEK_SET/CUR/END. */
static long range_of(struct file *f, const struct flock *fl, long long *start, long long *end)
{
    long long base;
    switch (fl->l_whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = f->pos;
        break;
    case SEEK_END: {
        struct stat st;
        long r = file_fstat(f, &st);
        if (r < 0) return r;
        base = st.st_size;
        break;
    }
    default:
        return -EINVAL;
    }
    long long s = base + fl->l_start;
    if (s < 0) return -EINVAL;
    long long e;
    if (fl->l_len > 0) {
        if (fl->l_len - 1 > OFFSET_MAX - s) return -EOVERFLOW;
        e = s + fl->l_len - 1;
    } else if (fl->l_len < 0) { /* the bytes before start */
        e = s - 1;
        s += fl->l_len;
        if (s < 0) return -EINVAL;
    } else {
        e = OFFSET_MAX;
    }
    *start = s;
    *end = e;
    return 0;
}

long locks_fcntl(struct process *p, struct file *f, int cmd, unsigned long arg)
{
    struct flock fl;
    if (copy_from_user(&fl, (const void *)arg, sizeof(fl))) return -EFAULT;
    bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
    if (ofd && fl.l_pid != 0) return -EINVAL;
    if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK) return -EINVAL;
    struct flock_rec want;
    long r = identify(f, &want);
    if (r < 0) return r;
    r = range_of(f, &fl, &want.start, &want.end);
    if (r < 0) return r;
    want.kind = ofd ? KIND_OFD : KIND_POSIX;
    want.type = fl.l_type;
    want.proc = p;
    want.pid = p->pid;
    want.file = f;
    if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
        if (fl.l_type == F_UNLCK) return -EINVAL;
        mutex_lock(&locks_lock);
        struct flock_rec *c = find_conflict(&want);
        if (c) {
            fl.l_type = (short)c->type;
            fl.l_whence = SEEK_SET;
            fl.l_start = c->start;
            fl.l_len = c->end == OFFSET_MAX ? 0 : c->end - c->start + 1;
            fl.l_pid = c->kind == KIND_POSIX ? c->pid : -1;
        } else {
            fl.l_type = F_UNLCK;
        }
        mutex_unlock(&locks_lock);
        return copy_to_user((void *)arg, &fl, sizeof(fl));
    }
    /* a read lock needs the file open for reading, a write lock for writing */
    if ((fl.l_type == F_RDLCK && !(f->fmode & FMODE_READ)) ||
        (fl.l_type == F_WRLCK && !(f->fmode & FMODE_WRITE)))
        return -EBADF;
    return set_lock(&want, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

static void drop_where(bool (*match)(const struct flock_rec *, const void *), const void *arg)
{
    mutex_lock(&locks_lock);
    bool changed = false;
    for (struct flock_rec **pp = &locks; *pp;) {
        if (match(*pp, arg)) {
            remove_rec(pp);
            changed = true;
        } else {
            pp = &(*pp)->next;
        }
    }
    if (changed) waitq_wake_all(&lock_waiters);
    mutex_unlock(&locks_lock);
}

struct close_key {
    struct process *p;
    dev_t dev;
    ino_t ino;
};

static bool match_close(const struct flock_rec *l, const void *arg)
{
    const struct close_key *k = arg;
    return l->kind == KIND_POSIX && l->proc == k->p && l->dev == k->dev && l->ino == k->ino;
}

static bool match_exit(const struct flock_rec *l, const void *arg)
{
    return l->kind == KIND_POSIX && l->proc == arg;
}

static bool match_file(const struct flock_rec *l, const void *arg)
{
    return l->kind != KIND_POSIX && l->file == arg;
}

void locks_on_close(struct process *p, struct file *f)
{
    if (!__atomic_load_n(&locks_count, __ATOMIC_RELAXED) || !f->inode) return;
    struct close_key k = {p, f->inode->mnt ? f->inode->mnt->dev : 0, f->inode->ino};
    drop_where(match_close, &k);
}

void locks_on_exit(struct process *p)
{
    if (__atomic_load_n(&locks_count, __ATOMIC_RELAXED)) drop_where(match_exit, p);
}

void locks_on_file_release(struct file *f)
{
    if (__atomic_load_n(&locks_count, __ATOMIC_RELAXED)) drop_where(match_file, f);
}
