/*
 * mqueue: POSIX message queues (mq_open, mq_unlink, mq_timedsend,
 * mq_timedreceive, mq_notify, mq_getsetattr), Linux's ipc/mqueue.c in
 * the LibOS.
 *
 * A queue is a kernel-heap object found by name in one table (Linux's
 * mqueue file system, without a directory to list), referenced by its
 * name while linked and by each open description: mq_unlink takes the
 * name away at once and the queue goes with its last description. The
 * messages are kept sorted, highest priority first and in arrival order
 * within one, so receiving takes the head. Senders wait while the queue is
 * full and receivers while it is empty, on the queue's wait queues (so
 * processes of every address space meet), until their absolute
 * CLOCK_REALTIME timeout. One mutex guards every queue.
 *
 * mq_notify supports SIGEV_SIGNAL and SIGEV_NONE. SIGEV_THREAD is built
 * by glibc and musl on a netlink socket that the kernel writes to; the
 * LibOS's netlink sockets are the host's, so it answers EINVAL.
 */
#include "ipc/ipc.h"

#include "fs/permission.h"
#include "fs/vfs.h"
#include "net/poll.h"
#include "pal/pal.h"
#include "process/process.h"
#include "process/waitq.h"
#include "signal/signal.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "util/log.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* struct mq_attr as the kernel has it (four longs and padding). */
struct mq_attr_abi {
    long mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, pad[4];
};

struct mq_msg {
    struct mq_msg *next;
    unsigned prio;
    size_t len;
    char data[];
};

struct mqueue {
    struct mqueue *next; /* in the name table while linked */
    char name[NAME_MAX + 1];
    bool linked;
    int refs; /* the name and each open description */
    mode_t mode;
    uid_t uid;
    gid_t gid;
    long maxmsg, msgsize, curmsgs;
    size_t qbytes;
    struct mq_msg *head;
    struct waitq senders, receivers;
    int waiting_receivers;
    /* mq_notify: the process registered (0: none) and what it asked */
    int notify_pid;
    struct file *notify_file;
    int notify_kind, notify_signo;
    union sigval notify_value;
    ino_t ino;
};

static struct mutex mq_lock = MUTEX_INIT;
static struct mqueue *mq_names;
static int mq_count; /* queues in existence, linked or not */

static void mq_put(struct mqueue *q)
{
    if (--q->refs > 0) return;
    struct mq_msg *m;
    while ((m = q->head)) {
        q->head = m->next;
        kfree(m);
    }
    mq_count--;
    kfree(q);
}

static struct mqueue *mq_find(const char *name)
{
    for (struct mqueue *q = mq_names; q; q = q->next)
        if (strcmp(q->name, name) == 0) return q;
    return NULL;
}

static void mq_unlink_locked(struct mqueue *q)
{
    for (struct mqueue **pp = &mq_names; *pp; pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            break;
        }
    q->linked = false;
    mq_put(q);
}

/* The caller may open q for mask (MAY_READ/MAY_WRITE), by its mode bits
 * as Linux's generic_permission; fs uid 0 has CAP_DAC_OVERRIDE. */
static int mq_permission(const struct mqueue *q, int mask)
{
    const struct cred *c = &current_process()->cred;
    if (c->fsuid == 0) return 0;
    mode_t m = q->mode;
    if (c->fsuid == q->uid)
        m >>= 6;
    else if (fs_in_group(q->gid))
        m >>= 3;
    return (mask & ~(int)m & 07) ? -EACCES : 0;
}

/* ---- the file ---- */

static unsigned mq_poll(struct file *f, struct poll_table *pt)
{
    struct mqueue *q = f->priv;
    mutex_lock(&mq_lock);
    unsigned m = q->curmsgs ? POLLIN | POLLRDNORM : 0;
    if (q->curmsgs < q->maxmsg) m |= POLLOUT | POLLWRNORM;
    poll_wait(pt, &q->receivers, &mq_lock);
    poll_wait(pt, &q->senders, &mq_lock);
    mutex_unlock(&mq_lock);
    return m;
}

/* Reading the descriptor gives the queue's status line, as Linux's
 * mqueue_read_file. */
static ssize_t mq_pread(struct file *f, struct uio *to, off_t off)
{
    struct mqueue *q = f->priv;
    char buf[128];
    mutex_lock(&mq_lock);
    int n = snprintf(buf, sizeof(buf), "QSIZE:%-10zu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
                     q->qbytes, q->notify_pid ? q->notify_kind : 0,
                     q->notify_pid && q->notify_kind == SIGEV_SIGNAL ? q->notify_signo : 0,
                     q->notify_pid);
    mutex_unlock(&mq_lock);
    if (off >= n) return 0;
    uio_copy_to(to, buf + off, (size_t)(n - off));
    return uio_result(to, 0);
}

static int mq_fstat(struct file *f, struct stat *st)
{
    struct mqueue *q = f->priv;
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFREG | q->mode;
    st->st_ino = q->ino;
    st->st_nlink = q->linked ? 1 : 0;
    st->st_uid = q->uid;
    st->st_gid = q->gid;
    st->st_size = 80; /* Linux's FILENT_SIZE */
    st->st_blksize = 4096;
    st->st_dev = 0xe; /* the mqueue mount's */
    return 0;
}

static void mq_release(struct file *f)
{
    struct mqueue *q = f->priv;
    mutex_lock(&mq_lock);
    if (q->notify_file == f) q->notify_pid = 0, q->notify_file = NULL;
    mq_put(q);
    mutex_unlock(&mq_lock);
}

static const struct file_ops mq_fops = {
    .pread = mq_pread,
    .poll = mq_poll,
    .fstat = mq_fstat,
    .release = mq_release,
};

static struct mqueue *mq_of(struct file *f)
{
    return f && f->fops == &mq_fops ? f->priv : NULL;
}

/* ---- mq_open, mq_unlink ---- */

/* Copy a queue name in: one component, as Linux's lookup in the mqueue
 * root (no '/', not empty, not "." or ".."). */
static long mq_getname(const char *uname, char *name)
{
    long n = strncpy_from_user(name, uname, NAME_MAX + 2);
    if (n < 0) return n;
    if (n > NAME_MAX) return -ENAMETOOLONG;
    if (!n || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return -EACCES;
    return 0;
}

static long mq_new(const char *name, mode_t mode, const struct mq_attr_abi *a, struct mqueue **out)
{
    const struct cred *c = &current_process()->cred;
    bool capable = c->euid == 0; /* CAP_SYS_RESOURCE */
    long maxmsg = MQ_MSG_DEFAULT, msgsize = MQ_MSGSIZE_DEFAULT;
    if (a) {
        if (a->mq_maxmsg <= 0 || a->mq_msgsize <= 0) return -EINVAL;
        if (capable ? a->mq_maxmsg > MQ_HARD_MSGMAX || a->mq_msgsize > MQ_HARD_MSGSIZEMAX
                    : a->mq_maxmsg > MQ_MSG_MAX || a->mq_msgsize > MQ_MSGSIZE_MAX)
            return -EINVAL;
        maxmsg = a->mq_maxmsg;
        msgsize = a->mq_msgsize;
    }
    if (mq_count >= MQ_QUEUES_MAX && !capable) return -ENOSPC;
    struct mqueue *q = kcalloc(1, sizeof(*q));
    if (!q) return -ENOMEM;
    static ino_t next_ino = 7000;
    memcpy(q->name, name, strlen(name) + 1); /* at most NAME_MAX (mq_getname) */
    q->mode = mode & 0777 & ~current_process()->fs->umask;
    q->uid = c->fsuid;
    q->gid = c->fsgid;
    q->maxmsg = maxmsg;
    q->msgsize = msgsize;
    q->ino = __atomic_add_fetch(&next_ino, 1, __ATOMIC_RELAXED);
    q->linked = true;
    q->refs = 1;
    q->next = mq_names;
    mq_names = q;
    mq_count++;
    *out = q;
    return 0;
}

long sys_mq_open(const char *uname, int oflag, mode_t mode, const void *uattr)
{
    char name[NAME_MAX + 2];
    long r = mq_getname(uname, name);
    if (r < 0) return r;
    struct mq_attr_abi attr, *a = NULL;
    if ((oflag & O_CREAT) && uattr) {
        if (copy_from_user(&attr, uattr, sizeof(attr))) return -EFAULT;
        a = &attr;
    }
    int acc = oflag & O_ACCMODE;
    if (acc == O_ACCMODE) return -EINVAL;
    mutex_lock(&mq_lock);
    struct mqueue *q = mq_find(name);
    if (q && (oflag & O_CREAT) && (oflag & O_EXCL))
        r = -EEXIST;
    else if (q)
        r = mq_permission(q, acc == O_RDONLY   ? MAY_READ
                             : acc == O_WRONLY ? MAY_WRITE
                                               : MAY_READ | MAY_WRITE);
    else if (!(oflag & O_CREAT))
        r = -ENOENT;
    else
        r = mq_new(name, mode, a, &q);
    if (r == 0) q->refs++;
    mutex_unlock(&mq_lock);
    if (r < 0) return r;
    char fname[NAME_MAX + 2];
    fname[0] = '/';
    memcpy(fname + 1, name, strlen(name) + 1);
    struct file *f = file_alloc_anon(&mq_fops, q, acc | (oflag & O_NONBLOCK), fname);
    if (!f) {
        mutex_lock(&mq_lock);
        mq_put(q);
        mutex_unlock(&mq_lock);
        return -ENOMEM;
    }
    int fd = fd_install(current_process(), f, oflag & O_CLOEXEC);
    if (fd < 0) file_put(f);
    return fd;
}

long sys_mq_unlink(const char *uname)
{
    char name[NAME_MAX + 2];
    long r = mq_getname(uname, name);
    if (r < 0) return r;
    mutex_lock(&mq_lock);
    struct mqueue *q = mq_find(name);
    const struct cred *c = &current_process()->cred;
    if (!q)
        r = -ENOENT;
    else if (c->fsuid != 0 && c->fsuid != q->uid) /* the root directory is sticky */
        r = -EACCES;
    else
        mq_unlink_locked(q);
    mutex_unlock(&mq_lock);
    return r;
}

/* ---- send and receive ---- */

/* An absolute CLOCK_REALTIME timeout as a CLOCK_MONOTONIC deadline. */
static long mq_deadline(const struct timespec *uts, struct timespec *dl)
{
    struct timespec ts, now_r, now_m;
    if (copy_from_user(&ts, uts, sizeof(ts))) return -EFAULT;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L) return -EINVAL;
    pal_clock_gettime(CLOCK_REALTIME, &now_r);
    pal_clock_gettime(CLOCK_MONOTONIC, &now_m);
    long long ns =
        (long long)(ts.tv_sec - now_r.tv_sec) * 1000000000LL + (ts.tv_nsec - now_r.tv_nsec);
    if (ns < 0) ns = 0;
    ns += (long long)now_m.tv_sec * 1000000000LL + now_m.tv_nsec;
    dl->tv_sec = ns / 1000000000LL;
    dl->tv_nsec = ns % 1000000000LL;
    return 0;
}

/* Sleep on wq (mq_lock held, and held again on return). */
static int mq_wait(struct waitq *wq, const struct timespec *dl)
{
    struct waiter *w = &current_thread()->sleep_waiter;
    waitq_add(wq, w);
    mutex_unlock(&mq_lock);
    int r = thread_sleep(dl);
    mutex_lock(&mq_lock);
    waitq_remove(wq, w);
    return r;
}

/* The queue behind fd open for fmode, with a reference on its file. */
static long mq_fd(int fd, int fmode, struct file **fp)
{
    struct file *f = fd_get(current_process(), fd);
    if (!mq_of(f) || !(f->fmode & fmode)) {
        if (f) file_put(f);
        return -EBADF;
    }
    *fp = f;
    return 0;
}

/* A message arrived on an empty queue with no receiver waiting: the
 * registered process hears it once (Linux's __do_notify). */
static void mq_notify_arrival(struct mqueue *q)
{
    if (!q->notify_pid || q->curmsgs != 1 || q->waiting_receivers) return;
    if (q->notify_kind == SIGEV_SIGNAL) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        si.si_signo = q->notify_signo;
        si.si_code = SI_MESGQ;
        si.si_pid = current_process()->pid;
        si.si_uid = current_process()->cred.ruid;
        si.si_value = q->notify_value;
        struct process *p = process_find(q->notify_pid); /* as kill(2) finds its target */
        if (p) signal_send_process(p, q->notify_signo, &si);
    }
    q->notify_pid = 0;
    q->notify_file = NULL;
}

long sys_mq_timedsend(int fd, const char *uptr, size_t len, unsigned prio,
                      const struct timespec *utimeout)
{
    struct timespec dl;
    long r = utimeout ? mq_deadline(utimeout, &dl) : 0;
    if (r < 0) return r;
    if (prio >= MQ_PRIO_MAX) return -EINVAL;
    struct file *f;
    if ((r = mq_fd(fd, FMODE_WRITE, &f)) < 0) return r;
    struct mqueue *q = f->priv;
    struct mq_msg *m = NULL;
    if (len > (size_t)q->msgsize)
        r = -EMSGSIZE;
    else if (!(m = kmalloc(sizeof(*m) + len)))
        r = -ENOMEM;
    else if (copy_from_user(m->data, uptr, len))
        r = -EFAULT;
    if (r < 0) {
        kfree(m);
        file_put(f);
        return r;
    }
    m->prio = prio;
    m->len = len;
    mutex_lock(&mq_lock);
    for (;;) {
        thread_prepare_sleep();
        if (q->curmsgs < q->maxmsg) break;
        if (f->flags & O_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        if ((r = mq_wait(&q->senders, utimeout ? &dl : NULL)) < 0) break;
    }
    if (r == 0) {
        struct mq_msg **pp = &q->head;
        while (*pp && (*pp)->prio >= prio)
            pp = &(*pp)->next;
        m->next = *pp;
        *pp = m;
        m = NULL;
        q->curmsgs++;
        q->qbytes += len;
        mq_notify_arrival(q);
        waitq_wake_all(&q->receivers);
    }
    mutex_unlock(&mq_lock);
    kfree(m);
    file_put(f);
    return r;
}

long sys_mq_timedreceive(int fd, char *uptr, size_t len, unsigned *uprio,
                         const struct timespec *utimeout)
{
    struct timespec dl;
    long r = utimeout ? mq_deadline(utimeout, &dl) : 0;
    if (r < 0) return r;
    struct file *f;
    if ((r = mq_fd(fd, FMODE_READ, &f)) < 0) return r;
    struct mqueue *q = f->priv;
    if (len < (size_t)q->msgsize) {
        file_put(f);
        return -EMSGSIZE;
    }
    struct mq_msg *m = NULL;
    mutex_lock(&mq_lock);
    for (;;) {
        thread_prepare_sleep();
        if (q->head) break;
        if (f->flags & O_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        q->waiting_receivers++;
        r = mq_wait(&q->receivers, utimeout ? &dl : NULL);
        q->waiting_receivers--;
        if (r < 0) break;
    }
    if (r == 0) {
        m = q->head;
        q->head = m->next;
        q->curmsgs--;
        q->qbytes -= m->len;
        waitq_wake_all(&q->senders);
    }
    mutex_unlock(&mq_lock);
    file_put(f);
    if (r < 0) return r;
    r = (long)m->len;
    if (copy_to_user(uptr, m->data, m->len) ||
        (uprio && copy_to_user(uprio, &m->prio, sizeof(unsigned))))
        r = -EFAULT; /* the message is gone, as on Linux */
    kfree(m);
    return r;
}

/* ---- mq_notify, mq_getsetattr ---- */

long sys_mq_notify(int fd, const struct sigevent *usev)
{
    struct sigevent sev;
    if (usev) {
        if (copy_from_user(&sev, usev, sizeof(sev))) return -EFAULT;
        if (sev.sigev_notify == SIGEV_THREAD) {
            log_warn("mq_notify: SIGEV_THREAD is not supported (the kernel's netlink message "
                     "cannot reach a host netlink socket): use SIGEV_SIGNAL");
            return -EINVAL;
        }
        if (sev.sigev_notify != SIGEV_NONE && sev.sigev_notify != SIGEV_SIGNAL) return -EINVAL;
        if (sev.sigev_notify == SIGEV_SIGNAL && (sev.sigev_signo < 0 || sev.sigev_signo > 64))
            return -EINVAL;
    }
    struct file *f = fd_get(current_process(), fd);
    if (!mq_of(f)) {
        if (f) file_put(f);
        return -EBADF;
    }
    struct mqueue *q = f->priv;
    int pid = current_process()->pid;
    long r = 0;
    mutex_lock(&mq_lock);
    if (!usev) {
        if (q->notify_pid == pid) q->notify_pid = 0, q->notify_file = NULL;
    } else if (q->notify_pid) {
        r = -EBUSY;
    } else {
        q->notify_pid = pid;
        q->notify_file = f;
        q->notify_kind = sev.sigev_notify;
        q->notify_signo = sev.sigev_signo;
        q->notify_value = sev.sigev_value;
    }
    mutex_unlock(&mq_lock);
    file_put(f);
    return r;
}

long sys_mq_getsetattr(int fd, const void *unew, void *uold)
{
    struct mq_attr_abi na, oa;
    if (unew) {
        if (copy_from_user(&na, unew, sizeof(na))) return -EFAULT;
        if (na.mq_flags & ~(long)O_NONBLOCK) return -EINVAL;
    }
    struct file *f = fd_get(current_process(), fd);
    if (!mq_of(f)) {
        if (f) file_put(f);
        return -EBADF;
    }
    struct mqueue *q = f->priv;
    memset(&oa, 0, sizeof(oa));
    mutex_lock(&mq_lock);
    oa.mq_flags = f->flags & O_NONBLOCK;
    oa.mq_maxmsg = q->maxmsg;
    oa.mq_msgsize = q->msgsize;
    oa.mq_curmsgs = q->curmsgs;
    if (unew) f->flags = (f->flags & ~O_NONBLOCK) | (int)(na.mq_flags & O_NONBLOCK);
    mutex_unlock(&mq_lock);
    file_put(f);
    if (uold && copy_to_user(uold, &oa, sizeof(oa))) return -EFAULT;
    return 0;
}
