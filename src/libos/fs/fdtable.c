/*
 * fdtable: a process's file descriptor table (lowest free fd first,
 * close-on-exec per fd, fds below the process's RLIMIT_NOFILE).
 *
 * Refcounted so threads can share one; a spawned process gets a clone.
 * Files are released outside the table lock: a release may block (a host
 * close, a pipe waking its peer) and must not hold up other threads.
 */
#include "fs/vfs.h"
#include "process/process.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct fdtable {
    int refcount;
    struct mutex lock;
    int cap;             /* slots allocated (grows up to FD_MAX) */
    struct file **files; /* NULL: free */
    unsigned char *cloexec;
};

static struct fdtable *fdtable_alloc(int cap)
{
    struct fdtable *t = kcalloc(1, sizeof(*t));
    if (!t) return NULL;
    t->files = kcalloc((size_t)cap, sizeof(*t->files));
    t->cloexec = kcalloc((size_t)cap, 1);
    if (!t->files || !t->cloexec) {
        kfree(t->files);
        kfree(t->cloexec);
        kfree(t);
        return NULL;
    }
    t->cap = cap;
    t->refcount = 1;
    return t;
}

/* Make room for fd (lock held). */
static int fdtable_grow(struct fdtable *t, int fd)
{
    if (fd < t->cap) return 0;
    int cap = t->cap;
    while (cap <= fd)
        cap *= 2;
    if (cap > FD_MAX) cap = FD_MAX;
    struct file **f = krealloc(t->files, (size_t)cap * sizeof(*f));
    if (!f) return -ENOMEM;
    t->files = f;
    unsigned char *c = krealloc(t->cloexec, (size_t)cap);
    if (!c) return -ENOMEM;
    t->cloexec = c;
    memset(f + t->cap, 0, (size_t)(cap - t->cap) * sizeof(*f));
    memset(c + t->cap, 0, (size_t)(cap - t->cap));
    t->cap = cap;
    return 0;
}

struct fdtable *fdtable_new_stdio(const int host_fds[3])
{
    struct fdtable *t = fdtable_alloc(64);
    if (!t) {
        for (int fd = 0; host_fds && fd < 3; fd++)
            file_put(stdio_open_owned(host_fds[fd])); /* closes the host fd */
        return NULL;
    }
    /* NULL when the host fd is closed: the fd starts closed */
    for (int fd = 0; fd < 3; fd++)
        t->files[fd] = host_fds ? stdio_open_owned(host_fds[fd]) : stdio_open(fd);
    return t;
}

struct fdtable *fdtable_clone(struct fdtable *src)
{
    mutex_lock(&src->lock);
    struct fdtable *t = fdtable_alloc(src->cap);
    if (t) {
        for (int fd = 0; fd < src->cap; fd++) {
            t->files[fd] = src->files[fd];
            t->cloexec[fd] = src->cloexec[fd];
            if (t->files[fd]) file_get(t->files[fd]);
        }
    }
    mutex_unlock(&src->lock);
    return t;
}

struct fdtable *fdtable_share(struct fdtable *t)
{
    __atomic_add_fetch(&t->refcount, 1, __ATOMIC_RELAXED);
    return t;
}

int fdtable_unshare(struct fdtable **tp)
{
    if (__atomic_load_n(&(*tp)->refcount, __ATOMIC_ACQUIRE) == 1) return 0;
    struct fdtable *own = fdtable_clone(*tp);
    if (!own) return -ENOMEM;
    fdtable_put(*tp);
    *tp = own;
    return 0;
}

void fdtable_put(struct fdtable *t)
{
    if (!t || __atomic_sub_fetch(&t->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
    for (int fd = 0; fd < t->cap; fd++)
        file_put(t->files[fd]);
    kfree(t->files);
    kfree(t->cloexec);
    kfree(t);
}

void fdtable_close_on_exec(struct fdtable *t)
{
    for (int fd = 0;; fd++) {
        mutex_lock(&t->lock);
        if (fd >= t->cap) {
            mutex_unlock(&t->lock);
            return;
        }
        struct file *f = NULL;
        if (t->files[fd] && t->cloexec[fd]) {
            f = t->files[fd];
            t->files[fd] = NULL;
            t->cloexec[fd] = 0;
        }
        mutex_unlock(&t->lock);
        file_put(f);
    }
}

int fdtable_install(struct fdtable *t, struct file *f, int minfd, int limit, bool cloexec)
{
    if (limit > FD_MAX) limit = FD_MAX;
    if (minfd < 0 || minfd >= limit) return -EINVAL;
    mutex_lock(&t->lock);
    int fd = minfd;
    while (fd < t->cap && t->files[fd])
        fd++;
    int r = -EMFILE;
    if (fd < limit && (r = fdtable_grow(t, fd)) == 0) {
        t->files[fd] = f;
        t->cloexec[fd] = cloexec;
        r = fd;
    }
    mutex_unlock(&t->lock);
    return r;
}

int fdtable_install_at(struct fdtable *t, int fd, struct file *f, bool cloexec)
{
    if (fd < 0 || fd >= FD_MAX) return -EBADF;
    mutex_lock(&t->lock);
    int r = fdtable_grow(t, fd);
    struct file *old = NULL;
    if (r == 0) {
        old = t->files[fd];
        t->files[fd] = f;
        t->cloexec[fd] = cloexec;
        r = fd;
    }
    mutex_unlock(&t->lock);
    file_put(old);
    return r;
}

struct file *fdtable_get(struct fdtable *t, int fd)
{
    struct file *f = NULL;
    if (!t || fd < 0) return NULL;
    mutex_lock(&t->lock);
    if (fd < t->cap && (f = t->files[fd])) file_get(f);
    mutex_unlock(&t->lock);
    return f;
}

int fdtable_close(struct fdtable *t, int fd)
{
    struct file *f = NULL;
    if (fd < 0) return -EBADF;
    mutex_lock(&t->lock);
    if (fd < t->cap && (f = t->files[fd])) {
        t->files[fd] = NULL;
        t->cloexec[fd] = 0;
    }
    mutex_unlock(&t->lock);
    if (!f) return -EBADF;
    file_put(f);
    return 0;
}

int fdtable_get_cloexec(struct fdtable *t, int fd)
{
    int r = -EBADF;
    if (fd < 0) return r;
    mutex_lock(&t->lock);
    if (fd < t->cap && t->files[fd]) r = t->cloexec[fd];
    mutex_unlock(&t->lock);
    return r;
}

int fdtable_set_cloexec(struct fdtable *t, int fd, bool on)
{
    int r = -EBADF;
    if (fd < 0) return r;
    mutex_lock(&t->lock);
    if (fd < t->cap && t->files[fd]) {
        t->cloexec[fd] = on;
        r = 0;
    }
    mutex_unlock(&t->lock);
    return r;
}

size_t fdtable_list(struct fdtable *t, int *fds, size_t max)
{
    size_t n = 0;
    mutex_lock(&t->lock);
    for (int fd = 0; fd < t->cap && n < max; fd++)
        if (t->files[fd]) fds[n++] = fd;
    mutex_unlock(&t->lock);
    return n;
}

struct file *fd_get(struct process *p, int fd)
{
    return p ? fdtable_get(p->files, fd) : NULL;
}

int fd_limit(struct process *p)
{
    uint64_t cur = p->rlimits[RLIMIT_NOFILE].cur;
    return cur > FD_MAX ? FD_MAX : (int)cur;
}

int fd_install(struct process *p, struct file *f, int flags)
{
    return fdtable_install(p->files, f, 0, fd_limit(p), (flags & O_CLOEXEC) != 0);
}
