/*
 * eventfd: eventfd(2)/eventfd2(2), a 64-bit counter inside the LibOS
 * (no host object): write adds, read takes the whole count (or 1 with
 * EFD_SEMAPHORE), both block at the limits unless O_NONBLOCK, and poll
 * reports POLLIN while the count is above 0 and POLLOUT while one more
 * can be added.
 */
#include "net/eventfd.h"

#include "fs/vfs.h"
#include "net/poll.h"
#include "process/process.h"
#include "process/waitq.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#define COUNT_MAX 0xfffffffffffffffeULL

struct eventfd {
    struct mutex lock;
    uint64_t count;
    bool semaphore;
    struct waitq rwait, wwait;
    ino_t ino;
};

/* Sleep on q with the lock held; returns with it held. */
static int efd_wait(struct eventfd *e, struct waitq *q)
{
    struct waiter *w = &current_thread()->sleep_waiter;
    thread_prepare_sleep();
    waitq_add(q, w);
    mutex_unlock(&e->lock);
    int r = thread_sleep(NULL);
    mutex_lock(&e->lock);
    waitq_remove(q, w);
    return r;
}

static ssize_t efd_read(struct file *f, struct uio *to)
{
    struct eventfd *e = f->priv;
    if (uio_resid(to) < 8) return -EINVAL;
    mutex_lock(&e->lock);
    long r = 0;
    while (e->count == 0 && r == 0)
        r = (f->flags & O_NONBLOCK) ? -EAGAIN : efd_wait(e, &e->rwait);
    uint64_t v = 0;
    if (r == 0) {
        v = e->semaphore ? 1 : e->count;
        e->count -= v;
        if (!waitq_empty(&e->wwait)) waitq_wake_all(&e->wwait);
    }
    mutex_unlock(&e->lock);
    if (r < 0) return r;
    if (uio_copy_to(to, &v, 8) != 8) { /* unmapped while it slept: the count stays */
        mutex_lock(&e->lock);
        e->count += v;
        mutex_unlock(&e->lock);
        return -EFAULT;
    }
    return 8;
}

static ssize_t efd_write(struct file *f, struct uio *from)
{
    struct eventfd *e = f->priv;
    uint64_t v;
    if (uio_resid(from) < 8) return -EINVAL;
    if (uio_copy_from(from, &v, 8) != 8) return -EFAULT;
    if (v == UINT64_MAX) return -EINVAL;
    mutex_lock(&e->lock);
    long r = 0;
    while (COUNT_MAX - e->count < v && r == 0)
        r = (f->flags & O_NONBLOCK) ? -EAGAIN : efd_wait(e, &e->wwait);
    if (r == 0) {
        e->count += v;
        if (v && !waitq_empty(&e->rwait)) waitq_wake_all(&e->rwait);
    }
    mutex_unlock(&e->lock);
    return r < 0 ? r : 8;
}

static unsigned efd_poll(struct file *f, struct poll_table *pt)
{
    struct eventfd *e = f->priv;
    mutex_lock(&e->lock);
    unsigned m = 0;
    if (e->count > 0) m |= POLLIN | POLLRDNORM;
    if (e->count < COUNT_MAX) m |= POLLOUT | POLLWRNORM;
    poll_wait(pt, &e->rwait, &e->lock);
    poll_wait(pt, &e->wwait, &e->lock);
    mutex_unlock(&e->lock);
    return m;
}

/* Linux's noop_llseek: nothing moves, the offset stays 0. */
static off_t efd_lseek(struct file *f, off_t off, int whence)
{
    return 0;
}

static int efd_fstat(struct file *f, struct stat *st)
{
    struct eventfd *e = f->priv;
    memset(st, 0, sizeof(*st));
    st->st_mode = 0600; /* an anonymous inode: no file type bits, as Linux */
    st->st_ino = e->ino;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    st->st_dev = 0xd; /* anon_inodefs */
    return 0;
}

static void efd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops eventfd_fops = {
    .read = efd_read,
    .write = efd_write,
    .poll = efd_poll,
    .lseek = efd_lseek,
    .fstat = efd_fstat,
    .release = efd_release,
};

long sys_eventfd2(unsigned int initval, int flags)
{
    if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE)) return -EINVAL;
    static ino_t next_ino = 5000;
    struct eventfd *e = kcalloc(1, sizeof(*e));
    if (!e) return -ENOMEM;
    e->count = initval;
    e->semaphore = flags & EFD_SEMAPHORE;
    e->ino = __atomic_add_fetch(&next_ino, 1, __ATOMIC_RELAXED);
    struct file *f =
        file_alloc_anon(&eventfd_fops, e, O_RDWR | (flags & EFD_NONBLOCK), "anon_inode:[eventfd]");
    if (!f) {
        kfree(e);
        return -ENOMEM;
    }
    int fd = fd_install(current_process(), f, flags & EFD_CLOEXEC ? O_CLOEXEC : 0);
    if (fd < 0) file_put(f);
    return fd;
}

long sys_eventfd(unsigned int initval)
{
    return sys_eventfd2(initval, 0);
}
