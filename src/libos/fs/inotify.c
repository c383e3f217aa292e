/*
 * inotify: inotify_init1, inotify_add_watch, inotify_rm_watch, the
 * instance's file (read, poll, FIONREAD), and the delivery of the events
 * the VFS reports through fs/fsnotify.h.
 *
 * An instance is an anonymous file over a queue of events and a list of
 * watches; a watch is keyed by (st_dev, st_ino) and hashed so that a hook
 * finds the watches of an object without a walk. Everything lives in the
 * kernel heap under one mutex, so instances, watches and readers work
 * across processes and address spaces alike; readers sleep on the
 * instance's wait queue. The queue follows Linux's fsnotify_add_event:
 * an event identical to the last one queued is dropped (coalesced), and
 * past max_queued_events one IN_Q_OVERFLOW stands for all that are lost.
 * Limits are per effective uid of the caller of inotify_init, as Linux's
 * ucounts: instances (EMFILE) and watches (ENOSPC).
 */
#include "fs/fsnotify.h"

#include "fs/permission.h"
#include "fs/sys_common.h"
#include "net/poll.h"
#include "process/process.h"
#include "process/waitq.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>

/* Every bit inotify_add_watch accepts (Linux's ALL_INOTIFY_BITS). */
#define ALL_INOTIFY_BITS                                                                           \
    (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW |       \
     IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT)
/* Events that reach a directory's watch from its entries. */
#define CHILD_EVENTS                                                                               \
    (IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_OPEN)
#define NBUCKETS 256

struct in_event {
    struct in_event *next;
    int wd;
    uint32_t mask, cookie, len; /* len: the name with its NULs, a multiple of 16 */
    char name[];
};

struct in_user {
    struct in_user *next;
    uid_t uid;
    int instances, watches;
};

struct in_instance {
    struct in_event *head, **tail, *last;
    unsigned qlen; /* events queued, the overflow one included */
    size_t qbytes; /* what FIONREAD says */
    bool overflow; /* an IN_Q_OVERFLOW is queued */
    struct waitq rwait;
    struct in_watch *watches;
    int last_wd;
    struct in_user *user;
    ino_t ino;
};

struct in_watch {
    struct in_watch *next_inst, *next_hash;
    struct in_instance *inst;
    int wd;
    uint32_t mask;
    dev_t dev;
    ino_t ino;
};

int fsnotify_watches;
static int dir_watches;  /* watches on directories: only these need a file's parent */
static int excl_watches; /* watches with IN_EXCL_UNLINK: only these need a link count */
static struct mutex in_lock = MUTEX_INIT;
static struct in_watch *buckets[NBUCKETS];
static struct in_user *users;

static unsigned bucket_of(dev_t dev, ino_t ino)
{
    uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)ino;
    return (unsigned)((h ^ (h >> 29)) % NBUCKETS);
}

/* The key of an inode that can be watched: it lies on a mount of the
 * table (a union's layers have device 0 and are never seen). */
static bool key_of(const struct inode *ino, dev_t *dev, ino_t *nr)
{
    if (!ino->mnt || !ino->mnt->dev) return false;
    *dev = ino->mnt->dev;
    *nr = ino->ino;
    return true;
}

/* ---- the queue (in_lock held) ---- */

static size_t event_size(const struct in_event *e)
{
    return sizeof(struct inotify_event) + e->len;
}

static void queue_event(struct in_instance *in, int wd, uint32_t mask, uint32_t cookie,
                        const char *name)
{
    if (in->qlen >= INOTIFY_MAX_QUEUED_EVENTS) {
        if (in->overflow) return;
        wd = -1, mask = IN_Q_OVERFLOW, cookie = 0, name = NULL;
        in->overflow = true;
    }
    size_t nlen = name ? strlen(name) : 0;
    uint32_t len = name ? (uint32_t)((nlen + 1 + 15) & ~(size_t)15) : 0;
    struct in_event *l = in->last;
    if (l && mask != IN_Q_OVERFLOW && l->wd == wd && l->mask == mask && l->cookie == cookie &&
        l->len == len && (!len || strcmp(l->name, name) == 0))
        return; /* coalesced, as Linux's inotify_merge */
    struct in_event *e = kcalloc(1, sizeof(*e) + len);
    if (!e) return; /* Linux queues the overflow event then; the next one will tell */
    e->wd = wd;
    e->mask = mask;
    e->cookie = cookie;
    e->len = len;
    if (len) memcpy(e->name, name, nlen);
    *in->tail = e;
    in->tail = &e->next;
    in->last = e;
    in->qlen++;
    in->qbytes += event_size(e);
    waitq_wake_all(&in->rwait);
}

static struct in_event *dequeue(struct in_instance *in)
{
    struct in_event *e = in->head;
    if (!e) return NULL;
    in->head = e->next;
    if (!in->head) {
        in->tail = &in->head;
        in->last = NULL;
    }
    in->qlen--;
    in->qbytes -= event_size(e);
    if (e->mask == IN_Q_OVERFLOW && e->wd == -1) in->overflow = false;
    return e;
}

/* ---- watches (in_lock held) ---- */

static struct in_user *user_get(uid_t uid)
{
    for (struct in_user *u = users; u; u = u->next)
        if (u->uid == uid) return u;
    struct in_user *u = kcalloc(1, sizeof(*u));
    if (!u) return NULL;
    u->uid = uid;
    u->next = users;
    users = u;
    return u;
}

static struct in_watch *find_watch(struct in_instance *in, dev_t dev, ino_t ino)
{
    for (struct in_watch *w = buckets[bucket_of(dev, ino)]; w; w = w->next_hash)
        if (w->inst == in && w->dev == dev && w->ino == ino) return w;
    return NULL;
}

/* Take w off its instance and the hash; with `ignored`, queue IN_IGNORED. */
static void watch_drop(struct in_watch *w, bool ignored)
{
    struct in_instance *in = w->inst;
    for (struct in_watch **pp = &buckets[bucket_of(w->dev, w->ino)]; *pp; pp = &(*pp)->next_hash)
        if (*pp == w) {
            *pp = w->next_hash;
            break;
        }
    for (struct in_watch **pp = &in->watches; *pp; pp = &(*pp)->next_inst)
        if (*pp == w) {
            *pp = w->next_inst;
            break;
        }
    if (w->mask & IN_ISDIR) __atomic_sub_fetch(&dir_watches, 1, __ATOMIC_RELAXED);
    if (w->mask & IN_EXCL_UNLINK) __atomic_sub_fetch(&excl_watches, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&fsnotify_watches, 1, __ATOMIC_RELAXED);
    in->user->watches--;
    if (ignored) queue_event(in, w->wd, IN_IGNORED, 0, NULL);
    kfree(w);
}

/*
 * Deliver an event to the watches of (dev, ino) whose mask wants it.
 * name: the entry's name when this is a directory hearing about one of
 * its entries; unlinked: the event comes from an open file that has no
 * name left (IN_EXCL_UNLINK watches ignore it).
 */
static void deliver(dev_t dev, ino_t ino, uint32_t mask, uint32_t cookie, const char *name,
                    bool unlinked)
{
    struct in_watch *next;
    for (struct in_watch *w = buckets[bucket_of(dev, ino)]; w; w = next) {
        next = w->next_hash;
        if (w->dev != dev || w->ino != ino || !(w->mask & mask & IN_ALL_EVENTS)) continue;
        if (unlinked && (w->mask & IN_EXCL_UNLINK)) continue;
        queue_event(w->inst, w->wd, mask, cookie, name);
        if (w->mask & IN_ONESHOT) watch_drop(w, true);
    }
}

/* Every watch of (dev, ino) ends; `first` (IN_DELETE_SELF, IN_UNMOUNT)
 * is queued before each one's IN_IGNORED when the watch wants it. */
static void end_watches(dev_t dev, ino_t ino, uint32_t first)
{
    struct in_watch *next;
    for (struct in_watch *w = buckets[bucket_of(dev, ino)]; w; w = next) {
        next = w->next_hash;
        if (w->dev != dev || w->ino != ino) continue;
        if (first == IN_UNMOUNT || (w->mask & first)) queue_event(w->inst, w->wd, first, 0, NULL);
        watch_drop(w, true);
    }
}

/* ---- the hooks ---- */

/* Bumped by every change that can give a path another directory (a
 * rename, rmdir, a mount or unmount): a file's remembered directory is
 * good while it has not moved. */
static uint32_t ns_gen = 1;

void fsnotify_namespace_changed(void)
{
    __atomic_add_fetch(&ns_gen, 1, __ATOMIC_RELEASE);
}

/* The key of the directory holding `path` on the same device as dev
 * (false: none, e.g. a mount's root), remembered in the file `by`. */
static bool parent_key(const char *path, const char *slash, dev_t dev, struct file *by, dev_t *pdev,
                       ino_t *pino)
{
    uint32_t gen = __atomic_load_n(&ns_gen, __ATOMIC_ACQUIRE);
    if (by && by->notify_gen == gen) {
        *pdev = by->notify_pdev;
        *pino = by->notify_pino;
        return *pdev != 0;
    }
    struct inode *dir = NULL;
    char *parent = kstrndup(path, slash == path ? 1 : (size_t)(slash - path));
    if (parent && namei_canonical_dir(parent, &dir) < 0) dir = NULL;
    kfree(parent);
    bool up = dir && key_of(dir, pdev, pino) && *pdev == dev;
    inode_put(dir);
    if (!up) *pdev = 0;
    if (by) {
        by->notify_pdev = *pdev;
        by->notify_pino = *pino;
        by->notify_gen = gen;
    }
    return up;
}

void fsnotify_inode_slow(struct inode *ino, const char *path, uint32_t mask, struct file *by)
{
    dev_t dev;
    ino_t nr;
    if (!key_of(ino, &dev, &nr)) return;
    /* Linux marks a directory's events, but not its IN_MOVE_SELF */
    if (S_ISDIR(ino->mode) && mask != IN_MOVE_SELF) mask |= IN_ISDIR;
    struct stat st;
    bool unlinked = by && __atomic_load_n(&excl_watches, __ATOMIC_RELAXED) &&
                    file_fstat(by, &st) == 0 && st.st_nlink == 0;
    /* The directory's watches first, with the name, then the object's
     * own, as Linux's fsnotify_handle_event. Only entry events go up. */
    const char *slash = path ? strrchr(path, '/') : NULL;
    dev_t ddev = 0;
    ino_t dnr = 0;
    bool up = (mask & CHILD_EVENTS) && slash && slash[1] &&
              __atomic_load_n(&dir_watches, __ATOMIC_RELAXED) &&
              parent_key(path, slash, dev, by, &ddev, &dnr);
    mutex_lock(&in_lock);
    if (up) deliver(ddev, dnr, mask, 0, slash + 1, unlinked);
    deliver(dev, nr, mask, 0, NULL, unlinked);
    mutex_unlock(&in_lock);
}

void fsnotify_name_slow(struct inode *dir, const char *name, uint32_t mask, uint32_t cookie,
                        bool isdir)
{
    dev_t dev;
    ino_t nr;
    if (!key_of(dir, &dev, &nr)) return;
    mutex_lock(&in_lock);
    deliver(dev, nr, mask | (isdir ? IN_ISDIR : 0), cookie, name, false);
    mutex_unlock(&in_lock);
}

void fsnotify_gone_slow(struct inode *ino)
{
    dev_t dev;
    ino_t nr;
    if (!key_of(ino, &dev, &nr)) return;
    fsnotify_namespace_changed();
    mutex_lock(&in_lock);
    end_watches(dev, nr, IN_DELETE_SELF);
    mutex_unlock(&in_lock);
}

void fsnotify_unmount(dev_t dev)
{
    fsnotify_namespace_changed();
    if (!fsnotify_on()) return;
    mutex_lock(&in_lock);
    for (unsigned b = 0; b < NBUCKETS; b++) {
        struct in_watch *next;
        for (struct in_watch *w = buckets[b]; w; w = next) {
            next = w->next_hash;
            if (w->dev != dev) continue;
            queue_event(w->inst, w->wd, IN_UNMOUNT, 0, NULL);
            watch_drop(w, true);
        }
    }
    mutex_unlock(&in_lock);
}

uint32_t fsnotify_cookie(void)
{
    static uint32_t last;
    uint32_t c;
    do
        c = __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
    while (c == 0);
    return c;
}

/* ---- the instance's file ---- */

static ssize_t in_read(struct file *f, struct uio *to)
{
    struct in_instance *in = f->priv;
    struct waiter *w = &current_thread()->sleep_waiter;
    mutex_lock(&in_lock);
    ssize_t done = 0;
    for (;;) {
        thread_prepare_sleep();
        if (in->head) {
            if (event_size(in->head) > uio_resid(to)) done = -EINVAL; /* not even one fits */
            break;
        }
        if (f->flags & O_NONBLOCK) {
            done = -EAGAIN;
            break;
        }
        waitq_add(&in->rwait, w);
        mutex_unlock(&in_lock);
        int r = thread_sleep(NULL);
        mutex_lock(&in_lock);
        waitq_remove(&in->rwait, w);
        if (r < 0) {
            done = r;
            break;
        }
    }
    /* Whole events while they fit; one that cannot be copied out stays. */
    while (done >= 0 && in->head && event_size(in->head) <= uio_resid(to)) {
        struct in_event *e = in->head;
        struct inotify_event h = {.wd = e->wd, .mask = e->mask, .cookie = e->cookie, .len = e->len};
        if (uio_copy_to(to, &h, sizeof(h)) != sizeof(h) ||
            (e->len && uio_copy_to(to, e->name, e->len) != e->len)) {
            if (!done) done = -EFAULT;
            break;
        }
        done += (ssize_t)event_size(e);
        kfree(dequeue(in));
    }
    mutex_unlock(&in_lock);
    return done;
}

static unsigned in_poll(struct file *f, struct poll_table *pt)
{
    struct in_instance *in = f->priv;
    mutex_lock(&in_lock);
    unsigned m = in->head ? POLLIN | POLLRDNORM : 0;
    poll_wait(pt, &in->rwait, &in_lock);
    mutex_unlock(&in_lock);
    return m;
}

static long in_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
    struct in_instance *in = f->priv;
    if (req != FIONREAD) return -ENOTTY;
    mutex_lock(&in_lock);
    int n = in->qbytes > INT_MAX ? INT_MAX : (int)in->qbytes;
    mutex_unlock(&in_lock);
    return copy_to_user((void *)arg, &n, sizeof(n)) ? -EFAULT : 0;
}

/* Linux's noop_llseek. */
static off_t in_lseek(struct file *f, off_t off, int whence)
{
    return 0;
}

static int in_fstat(struct file *f, struct stat *st)
{
    struct in_instance *in = f->priv;
    memset(st, 0, sizeof(*st));
    st->st_mode = 0600; /* an anonymous inode: no file type bits, as Linux */
    st->st_ino = in->ino;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    st->st_dev = 0xd; /* anon_inodefs */
    return 0;
}

static void in_release(struct file *f)
{
    struct in_instance *in = f->priv;
    mutex_lock(&in_lock);
    while (in->watches)
        watch_drop(in->watches, false);
    struct in_event *e;
    while ((e = dequeue(in)))
        kfree(e);
    in->user->instances--;
    mutex_unlock(&in_lock);
    kfree(in);
}

static const struct file_ops inotify_fops = {
    .read = in_read,
    .poll = in_poll,
    .ioctl = in_ioctl,
    .lseek = in_lseek,
    .fstat = in_fstat,
    .release = in_release,
};

/* ---- the system calls ---- */

long sys_inotify_init1(int flags)
{
    if (flags & ~(IN_CLOEXEC | IN_NONBLOCK)) return -EINVAL;
    static ino_t next_ino = 9000;
    struct in_instance *in = kcalloc(1, sizeof(*in));
    if (!in) return -ENOMEM;
    in->tail = &in->head;
    in->ino = __atomic_add_fetch(&next_ino, 1, __ATOMIC_RELAXED);
    mutex_lock(&in_lock);
    long r = 0;
    in->user = user_get(current_process()->cred.euid);
    if (!in->user)
        r = -ENOMEM;
    else if (in->user->instances >= INOTIFY_MAX_USER_INSTANCES)
        r = -EMFILE;
    else
        in->user->instances++;
    mutex_unlock(&in_lock);
    if (r < 0) {
        kfree(in);
        return r;
    }
    struct file *f =
        file_alloc_anon(&inotify_fops, in, O_RDONLY | (flags & IN_NONBLOCK), "anon_inode:inotify");
    if (!f) {
        mutex_lock(&in_lock);
        in->user->instances--;
        mutex_unlock(&in_lock);
        kfree(in);
        return -ENOMEM;
    }
    int fd = fd_install(current_process(), f, (flags & IN_CLOEXEC) ? O_CLOEXEC : 0);
    if (fd < 0) file_put(f);
    return fd;
}

long sys_inotify_init(void)
{
    return sys_inotify_init1(0);
}

/* The instance behind fd, with a reference on its file, or an error. */
static long instance_of(int fd, struct file **fp)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    if (f->fops != &inotify_fops) {
        file_put(f);
        return -EINVAL;
    }
    *fp = f;
    return 0;
}

/* A new wd: the one after the last given, as Linux's idr_alloc_cyclic. */
static int next_wd(struct in_instance *in)
{
    for (;;) {
        in->last_wd = in->last_wd == INT_MAX ? 1 : in->last_wd + 1;
        bool used = false;
        for (struct in_watch *w = in->watches; w && !used; w = w->next_inst)
            used = w->wd == in->last_wd;
        if (!used) return in->last_wd;
    }
}

static long update_watch(struct in_instance *in, struct inode *ino, uint32_t mask)
{
    dev_t dev;
    ino_t nr;
    if (!key_of(ino, &dev, &nr)) return -EINVAL; /* no file system of the mount table */
    uint32_t keep = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
    if (S_ISDIR(ino->mode)) keep |= IN_ISDIR; /* noted for the parent lookups */
    struct in_watch *w = find_watch(in, dev, nr);
    if (w) {
        if (mask & IN_MASK_CREATE) return -EEXIST;
        uint32_t old = w->mask;
        w->mask = (mask & IN_MASK_ADD) ? old | keep : keep;
        if ((old ^ w->mask) & IN_EXCL_UNLINK)
            __atomic_add_fetch(&excl_watches, (w->mask & IN_EXCL_UNLINK) ? 1 : -1,
                               __ATOMIC_RELAXED);
        return w->wd;
    }
    if (in->user->watches >= INOTIFY_MAX_USER_WATCHES) return -ENOSPC;
    w = kcalloc(1, sizeof(*w));
    if (!w) return -ENOMEM;
    w->inst = in;
    w->mask = keep;
    w->dev = dev;
    w->ino = nr;
    w->wd = next_wd(in);
    unsigned b = bucket_of(dev, nr);
    w->next_hash = buckets[b];
    buckets[b] = w;
    w->next_inst = in->watches;
    in->watches = w;
    in->user->watches++;
    if (keep & IN_ISDIR) __atomic_add_fetch(&dir_watches, 1, __ATOMIC_RELAXED);
    if (keep & IN_EXCL_UNLINK) __atomic_add_fetch(&excl_watches, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&fsnotify_watches, 1, __ATOMIC_RELAXED);
    return w->wd;
}

long sys_inotify_add_watch(int fd, const char *path, uint32_t mask)
{
    if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)) return -EINVAL;
    if (!(mask & ALL_INOTIFY_BITS) || (mask & ~ALL_INOTIFY_BITS)) return -EINVAL;
    struct file *f;
    long r = instance_of(fd, &f);
    if (r < 0) return r;
    int wf =
        ((mask & IN_DONT_FOLLOW) ? 0 : WALK_FOLLOW) | ((mask & IN_ONLYDIR) ? WALK_DIRECTORY : 0);
    struct nameidata nd = {0};
    r = fs_walk_user(AT_FDCWD, path, wf, &nd);
    if (r == 0) r = inode_permission(nd.inode, MAY_READ);
    if (r == 0) {
        mutex_lock(&in_lock);
        r = update_watch(f->priv, nd.inode, mask);
        mutex_unlock(&in_lock);
    }
    if (nd.inode) nd_release(&nd);
    file_put(f);
    return r;
}

long sys_inotify_rm_watch(int fd, int wd)
{
    struct file *f;
    long r = instance_of(fd, &f);
    if (r < 0) return r;
    struct in_instance *in = f->priv;
    mutex_lock(&in_lock);
    struct in_watch *w = in->watches;
    while (w && w->wd != wd)
        w = w->next_inst;
    if (w)
        watch_drop(w, true);
    else
        r = -EINVAL;
    mutex_unlock(&in_lock);
    file_put(f);
    return r;
}
