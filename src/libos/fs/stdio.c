/*
 * stdio: files backed by a host file descriptor.
 *
 * Two kinds: the application's fds 0, 1, 2, which are the host's own 0, 1,
 * 2 (never closed by the LibOS, and reachable again through /dev/stdin ->
 * /proc/self/fd/0), and host fds a file owns (hostfs files, /dev/tty),
 * closed on release. Terminal ioctls go to the host only when the host fd
 * is a terminal, so an application never learns more than a tty would
 * tell it.
 */
#include "fs/vfs.h"
#include "net/socket.h"
#include "pal/pal.h"
#include "process/process.h"
#include "process/waitq.h"
#include "signal/signal.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>

struct hostfd {
    int fd;
    bool owned;
    bool may_block; /* a pipe, socket or terminal: reads and writes can wait */
};

static int hfd(struct file *f)
{
    return ((struct hostfd *)f->priv)->fd;
}

/* Before a host call that may block, wait in an interruptible way: a
 * signal for this thread must end the wait even when it was sent just
 * before the call started (the host's own EINTR alone would miss that). */
static int wait_ready(struct file *f, short events)
{
    struct hostfd *h = f->priv;
    if (!h->may_block || (f->flags & O_NONBLOCK)) return 0;
    return thread_wait_host_fd(h->fd, events);
}

/*
 * The host moves the data of host fds itself, straight from or into the
 * application's memory (a bad page is its EFAULT, never a fault here).
 * A uio of several pieces (readv, writev) goes through one LibOS buffer,
 * so that it stays one host call: a writev of lines is never split
 * between writers, a readv never blocks twice.
 */
#define HOST_BOUNCE_MAX (1024 * 1024)

/* pos < 0: at the host file position. */
static ssize_t host_read(struct file *f, struct uio *to, off_t pos)
{
    void *p;
    size_t n = uio_piece(to, &p, SIZE_MAX);
    bool one = n == uio_resid(to);
    char *bounce = NULL;
    if (!one) {
        n = uio_resid(to) < HOST_BOUNCE_MAX ? uio_resid(to) : HOST_BOUNCE_MAX;
        p = bounce = kmalloc(n);
        if (!p) return -ENOMEM;
    }
    ssize_t r = pos < 0 ? pal_host_read(hfd(f), p, n) : pal_host_pread(hfd(f), p, n, pos);
    if (r > 0 && bounce)
        uio_copy_to(to, bounce, (size_t)r);
    else if (r > 0)
        uio_advance(to, (size_t)r);
    kfree(bounce);
    return r < 0 ? r : uio_result(to, 0);
}

static ssize_t host_write(struct file *f, struct uio *from, off_t pos)
{
    void *p;
    size_t n = uio_piece(from, &p, SIZE_MAX);
    if (n == uio_resid(from)) { /* one piece: straight from the application */
        ssize_t r = pos < 0 ? pal_host_write(hfd(f), p, n) : pal_host_pwrite(hfd(f), p, n, pos);
        if (r > 0) uio_advance(from, (size_t)r);
        return r < 0 ? r : uio_result(from, 0);
    }
    size_t cap = uio_resid(from) < HOST_BOUNCE_MAX ? uio_resid(from) : HOST_BOUNCE_MAX;
    char *bounce = kmalloc(cap);
    if (!bounce) return -ENOMEM;
    ssize_t r = 0;
    while (uio_resid(from)) { /* gathered, consumed by what the host took */
        struct uio peek = *from;
        if (peek.iov == &from->single) peek.iov = &peek.single;
        n = uio_copy_from(&peek, bounce, cap);
        if (!n) {
            from->faulted = peek.faulted;
            break;
        }
        r = pos < 0 ? pal_host_write(hfd(f), bounce, n)
                    : pal_host_pwrite(hfd(f), bounce, n, pos + (off_t)uio_moved(from));
        if (r > 0) uio_advance(from, (size_t)r);
        if (r < (ssize_t)n) break; /* the host took less (or failed): a short write */
    }
    kfree(bounce);
    return r < 0 ? uio_result(from, r) : uio_result(from, 0);
}

static ssize_t hf_read(struct file *f, struct uio *to)
{
    int r = wait_ready(f, POLLIN);
    return r < 0 ? r : host_read(f, to, -1);
}

static ssize_t hf_write(struct file *f, struct uio *from)
{
    int r = wait_ready(f, POLLOUT);
    ssize_t n = r < 0 ? r : host_write(f, from, -1);
    /* the host's SIGPIPE is ignored (sim main.c): this one is the application's */
    if (n == -EPIPE) signal_send_thread(current_thread(), SIGPIPE, NULL);
    return n;
}

static ssize_t hf_send_host(struct file *f, int src, off_t *off, size_t count)
{
    int r = wait_ready(f, POLLOUT);
    ssize_t n = r < 0 ? r : pal_host_sendfile(hfd(f), src, off, count);
    if (n == -EPIPE) signal_send_thread(current_thread(), SIGPIPE, NULL); /* as hf_write */
    return n;
}

static ssize_t hf_pread(struct file *f, struct uio *to, off_t off)
{
    return host_read(f, to, off);
}

static ssize_t hf_pwrite(struct file *f, struct uio *from, off_t off)
{
    return host_write(f, from, off);
}

static off_t hf_lseek(struct file *f, off_t off, int whence)
{
    return pal_host_lseek(hfd(f), off, whence);
}

/* Size of the argument a terminal ioctl reads (<0) or writes (>0). The
 * kernel's struct termios is 36 bytes (not glibc's 60). */
static int tty_arg_size(unsigned long req)
{
    switch (req) {
    case TCGETS:
        return 36;
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
        return -36;
    case TIOCGWINSZ:
        return 8;
    case TIOCSWINSZ:
        return -8;
    case TIOCGPGRP:
        return 4;
    default:
        return 0;
    }
}

static long hf_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
    void *p = (void *)arg;
    if (req == FIONREAD) {
        if (!user_ok(p, sizeof(int), true)) return -EFAULT;
        return pal_host_ioctl(hfd(f), req, p);
    }
    if (f->fmode & FMODE_SOCKET) return sock_host_ioctl(hfd(f), req, arg);
    int sz = tty_arg_size(req);
    if (sz == 0) return -ENOTTY;
    if (pal_host_isatty(hfd(f)) <= 0) return -ENOTTY;
    if (!user_ok(p, (size_t)(sz < 0 ? -sz : sz), sz > 0)) return -EFAULT;
    return pal_host_ioctl(hfd(f), req, p);
}

static ssize_t hf_getdents64(struct file *f, void *buf, size_t len)
{
    return pal_host_getdents64(hfd(f), buf, len);
}

static int hf_fsync(struct file *f, int datasync)
{
    return pal_host_fsync(hfd(f), datasync);
}

static int hf_ftruncate(struct file *f, off_t len)
{
    return pal_host_ftruncate(hfd(f), len);
}

static int hf_fstat(struct file *f, struct stat *st)
{
    return pal_host_fstat(hfd(f), st);
}

static int hf_setfl(struct file *f, int newflags)
{
    return pal_host_fcntl(hfd(f), F_SETFL, newflags & (O_APPEND | O_NONBLOCK));
}

static int hf_host_fd(struct file *f)
{
    return hfd(f);
}

static void hf_release(struct file *f)
{
    struct hostfd *h = f->priv;
    if (!h) return;
    if (h->owned) pal_host_close(h->fd);
    kfree(h);
}

static const struct file_ops hostfd_fops = {
    .read = hf_read,
    .write = hf_write,
    .pread = hf_pread,
    .pwrite = hf_pwrite,
    .lseek = hf_lseek,
    .ioctl = hf_ioctl,
    .getdents64 = hf_getdents64,
    .fsync = hf_fsync,
    .ftruncate = hf_ftruncate,
    .fstat = hf_fstat,
    .setfl = hf_setfl,
    .host_fd = hf_host_fd,
    .send_host = hf_send_host,
    .release = hf_release,
};

/* mode: the host fd's file type, or 0 to ask the host */
static int hostfd_attach(struct file *f, int fd, bool owned, mode_t mode)
{
    struct hostfd *h = kmalloc(sizeof(*h));
    if (!h) {
        if (owned) pal_host_close(fd);
        return -ENOMEM;
    }
    h->fd = fd;
    h->owned = owned;
    struct stat st;
    if (!mode && pal_host_fstat(fd, &st) == 0) mode = st.st_mode;
    h->may_block = S_ISFIFO(mode) || S_ISSOCK(mode) || S_ISCHR(mode);
    f->priv = h;
    f->fops = &hostfd_fops;
    return 0;
}

int hostfd_file_init(struct file *f, int hostfd)
{
    return hostfd_attach(f, hostfd, true, 0);
}

int hostfd_file_init_typed(struct file *f, int hostfd, mode_t mode)
{
    return hostfd_attach(f, hostfd, true, mode);
}

/* ---- the host's fds 0, 1, 2 ---- */

static int stdio_fd_of(struct inode *ino)
{
    return (int)(intptr_t)ino->priv;
}

static int stdio_getattr(struct inode *ino, struct stat *st)
{
    return pal_host_fstat(stdio_fd_of(ino), st);
}

/* Reopening (/dev/stdin) shares the host fd. */
static int stdio_iopen(struct inode *ino, struct file *f)
{
    return hostfd_attach(f, stdio_fd_of(ino), false, 0);
}

static const struct inode_ops stdio_iops = {
    .getattr = stdio_getattr,
    .open = stdio_iopen,
};

static void stdio_evict_owned(struct inode *ino)
{
    pal_host_close(stdio_fd_of(ino));
}

/* A host fd the LibOS was handed (an `occlum exec` client's stdio): the
 * inode owns it, so reopening through /proc/self/fd keeps working as long
 * as anything uses it. */
static const struct inode_ops stdio_owned_iops = {
    .getattr = stdio_getattr,
    .open = stdio_iopen,
    .evict = stdio_evict_owned,
};

static struct inode *stdio_inodes[3];
static struct mutex stdio_lock = MUTEX_INIT;

static struct inode *stdio_inode(int fd)
{
    mutex_lock(&stdio_lock);
    struct inode *ino = stdio_inodes[fd];
    if (!ino) {
        struct stat st;
        if (pal_host_fstat(fd, &st) == 0 && (ino = inode_new(NULL, &stdio_iops, st.st_mode))) {
            ino->ino = st.st_ino;
            ino->rdev = st.st_rdev;
            ino->priv = (void *)(intptr_t)fd;
            stdio_inodes[fd] = ino; /* kept for the life of the LibOS */
        }
    }
    mutex_unlock(&stdio_lock);
    return ino;
}

static struct file *open_on(struct inode *ino, int fd, int fl);

struct file *stdio_open(int fd)
{
    if (fd < 0 || fd > 2) return NULL;
    int fl = pal_host_fcntl(fd, F_GETFL, 0);
    if (fl < 0) return NULL; /* closed on the host: the fd starts closed */
    struct inode *ino = stdio_inode(fd);
    if (!ino) return NULL;
    return open_on(ino, fd, fl);
}

struct file *stdio_open_owned(int fd)
{
    if (fd < 0) return NULL;
    struct stat st;
    int fl = pal_host_fcntl(fd, F_GETFL, 0);
    struct inode *ino = NULL;
    if (fl >= 0 && pal_host_fstat(fd, &st) == 0)
        ino = inode_new(NULL, &stdio_owned_iops, st.st_mode);
    if (!ino) {
        pal_host_close(fd);
        return NULL;
    }
    ino->ino = st.st_ino;
    ino->rdev = st.st_rdev;
    ino->priv = (void *)(intptr_t)fd;
    struct file *f = open_on(ino, fd, fl);
    inode_put(ino); /* the file holds it */
    return f;
}

static struct file *open_on(struct inode *ino, int fd, int fl)
{
    char name[32];
    if (pal_host_isatty(fd) > 0)
        snprintf(name, sizeof(name), "/dev/tty");
    else
        snprintf(name, sizeof(name), "host:[%d]", fd);
    struct file *f = file_new(ino, name, fl & (O_ACCMODE | O_APPEND | O_NONBLOCK));
    if (!f) return NULL;
    if (hostfd_attach(f, fd, false, ino->mode) < 0) {
        file_put(f);
        return NULL;
    }
    return f;
}
