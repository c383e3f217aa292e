/*
 * pipe: a ring buffer between a read end and a write end, entirely inside
 * the LibOS: no host system call on the data path, and a blocked reader
 * or writer sleeps on its own futex word (process/waitq.h).
 *
 * Linux semantics (pipe(7)): 64 KiB by default, resizable with
 * F_SETPIPE_SZ up to 1 MiB for anyone; writes of at most PIPE_BUF bytes
 * are atomic; EOF once every write end is closed; EPIPE and SIGPIPE once
 * every read end is closed.
 *
 * Named pipes (fifo(7)), as in Linux's fs/pipe.c: a FIFO node of any file
 * system is only a name; opening it finds or makes the pipe of that node
 * (keyed by mount and inode number) in a LibOS-wide table, and the pipe
 * lives until its last opener closes. An open for reading waits for a
 * writer and one for writing waits for a reader (counted by opens, so that
 * a peer that came and went also ends the wait); O_NONBLOCK readers do not
 * wait, O_NONBLOCK writers get ENXIO without a reader, O_RDWR never waits.
 * On hostfs the node is the host's FIFO, but the pipe is the LibOS's:
 * host processes do not share it.
 *
 * Packet mode (pipe2 O_DIRECT, or F_SETFL O_DIRECT on a write end), as
 * Linux's: each write by such an end goes in as packets of at most
 * PIPE_BUF bytes, each taking one of the pipe's cap/4096 "buffers" (so at
 * most 16 wait in a default pipe); a read returns at most one packet and
 * drops what of it did not fit. Packets are kept as (start, length) in a
 * small ring beside the bytes; a pipe without them pays nothing.
 */
#include "fs/pipe.h"

#include "fs/vfs.h"
#include "net/poll.h"
#include "pal/pal.h"
#include "process/caps.h"
#include "process/process.h"
#include "process/waitq.h"
#include "signal/signal.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define PIPE_DEFAULT_SIZE (64 * 1024)

struct pipe {
    struct mutex lock;
    char *buf;
    size_t cap, head, len; /* bytes [head, head+len) mod cap are readable */
    int readers, writers;
    struct waitq rwait, wwait;
    ino_t ino;
    bool reading, writing; /* a reader / writer copies outside the lock */
    unsigned resizers;     /* F_SETPIPE_SZ calls waiting for a copy to end */
    uint64_t consumed;     /* bytes read so far: packet starts count from 0 */
    struct packet {
        uint64_t start;
        uint32_t len;
    } * pkts; /* packet mode: a ring of npkt_cap (cap / 4096) */
    unsigned pkt_head, npkt, npkt_cap;
    size_t pkt_bytes; /* unread bytes of the waiting packets */
    /* Named pipes: the node, opens so far (a blocked open waits for the
     * other side's count to move), the opens waiting, the table link.
     * fifo_lock guards `node_*` and `next`, the pipe lock the rest. */
    bool named;
    const struct mount *node_mnt;
    ino_t node_ino;
    unsigned read_opens, write_opens;
    struct waitq openwait;
    struct pipe *next;
};

static const struct file_ops pipe_read_fops, pipe_write_fops, pipe_rdwr_fops;

static struct mutex fifo_lock = MUTEX_INIT;
static struct pipe *fifos; /* the pipes of open named pipes */

int pipe_is(const struct file *f)
{
    return f->fops == &pipe_read_fops || f->fops == &pipe_write_fops || f->fops == &pipe_rdwr_fops;
}

static bool reads(const struct file *f)
{
    return f->fops != &pipe_write_fops;
}

static bool writes(const struct file *f)
{
    return f->fops != &pipe_read_fops;
}

static struct pipe *pipe_alloc(void)
{
    static ino_t next_ino = 1000;
    struct pipe *p = kcalloc(1, sizeof(*p));
    char *buf = kmalloc(PIPE_DEFAULT_SIZE);
    if (!p || !buf) {
        kfree(p);
        kfree(buf);
        return NULL;
    }
    p->buf = buf;
    p->cap = PIPE_DEFAULT_SIZE;
    p->ino = __atomic_add_fetch(&next_ino, 1, __ATOMIC_RELAXED);
    return p;
}

/* Copy n bytes of the ring from position pos out to dst (or in from src
 * to pos), wrapping at the end. Called without the lock: the caller owns
 * that region (see `reading` / `writing`). dst/src is the application's
 * buffer, which another thread may unmap meanwhile: false at a fault. */
static bool ring_copy_out(const struct pipe *p, size_t pos, struct uio *to, size_t n)
{
    size_t first = p->cap - pos;
    if (first > n) first = n;
    return uio_copy_to(to, p->buf + pos, first) == first &&
           uio_copy_to(to, p->buf, n - first) == n - first;
}

static bool ring_copy_in(struct pipe *p, size_t pos, struct uio *from, size_t n)
{
    size_t first = p->cap - pos;
    if (first > n) first = n;
    return uio_copy_from(from, p->buf + pos, first) == first &&
           uio_copy_from(from, p->buf, n - first) == n - first;
}

/* Sleep on q with the pipe lock held; returns with it held. */
static int pipe_wait(struct pipe *p, struct waitq *q)
{
    struct waiter *w = &current_thread()->sleep_waiter;
    thread_prepare_sleep(); /* the condition was checked under this same lock */
    waitq_add(q, w);
    mutex_unlock(&p->lock);
    int r = thread_sleep_sync(NULL);
    mutex_lock(&p->lock);
    waitq_remove(q, w);
    return r;
}

/* Bytes before `upto` were read: packets wholly before it go, one cut by
 * it keeps its unread part (lock held). */
static void forget_packets(struct pipe *p, uint64_t upto)
{
    while (p->npkt) {
        struct packet *k = &p->pkts[p->pkt_head];
        if (k->start >= upto) break;
        if (k->start + k->len > upto) {
            p->pkt_bytes -= (size_t)(upto - k->start);
            k->len -= (uint32_t)(upto - k->start);
            k->start = upto;
            break;
        }
        p->pkt_bytes -= k->len;
        p->pkt_head = (p->pkt_head + 1) % p->npkt_cap;
        p->npkt--;
    }
}

/* Buffers in use as Linux counts them: one per packet, one per page of
 * stream bytes (lock held). */
static size_t buffers_used(const struct pipe *p)
{
    return p->npkt + (p->len - p->pkt_bytes + 4095) / 4096;
}

/* The packet ring, on the first packet (lock held); false: no memory. */
static bool packets_init(struct pipe *p)
{
    unsigned n = (unsigned)(p->cap / 4096);
    p->pkts = kcalloc(n ? n : 1, sizeof(*p->pkts));
    p->npkt_cap = n ? n : 1;
    p->pkt_head = p->npkt = 0;
    return p->pkts != NULL;
}

/*
 * Readers and writers copy outside the lock, so that one writer and one
 * reader move data at the same time (on two CPUs a large transfer runs at
 * memcpy speed instead of taking turns). Under the lock a side claims its
 * region -- a reader the oldest `n` committed bytes, a writer `n` bytes of
 * free space after them -- and marks itself busy; it copies, then commits
 * (moves head/len) under the lock. One reader and one writer at a time:
 * others wait for the busy flag, which keeps writes of up to PIPE_BUF
 * bytes whole and reads in order.
 */
/* Under p->lock, with nothing to read: 1 to look again after a wait, or
 * the read's answer: 0 at end of file (no writer left), -EAGAIN, -EINTR.
 * idle: no other reader is copying (its bytes would still come). */
static int wait_readable(struct pipe *p, bool idle, bool nonblock)
{
    if (idle && p->writers == 0) return 0;
    if (idle && nonblock) return -EAGAIN;
    int w = pipe_wait(p, &p->rwait);
    return w < 0 ? w : 1;
}

/* flags: the file's status flags, or them with O_NONBLOCK (splice). */
static ssize_t pipe_read_flags(struct file *f, struct uio *to, int flags)
{
    struct pipe *p = f->priv;
    size_t len = uio_resid(to);
    if (len == 0) return 0;
    mutex_lock(&p->lock);
    ssize_t r;
    for (;;) {
        if (!p->reading && p->len > 0) {
            size_t n = len < p->len ? len : p->len, take = n, pos = p->head;
            if (flags & O_DIRECT) {
                /* A packet-mode reader takes one buffer -- a packet, or up
                 * to a page of stream bytes -- copies what fits and drops
                 * the rest, as Linux's pipe_read for an O_DIRECT file. */
                size_t chunk = p->len < 4096 ? p->len : 4096;
                if (p->npkt) {
                    const struct packet *k = &p->pkts[p->pkt_head];
                    size_t stream = (size_t)(k->start - p->consumed);
                    chunk = stream ? (stream < chunk ? stream : chunk) : k->len;
                }
                n = len < chunk ? len : chunk;
                take = chunk;
            }
            p->reading = true;
            mutex_unlock(&p->lock);
            bool copied = ring_copy_out(p, pos, to, n);
            mutex_lock(&p->lock);
            if (!copied) { /* as Linux: nothing consumed, EFAULT */
                p->reading = false;
                if (!waitq_empty(&p->rwait)) waitq_wake_all(&p->rwait);
                r = -EFAULT;
                break;
            }
            forget_packets(p, p->consumed + take);
            size_t room_was = p->cap - p->len;
            p->consumed += take;
            p->head = (p->head + take) % p->cap;
            p->len -= take;
            if (p->len == 0 && !p->writing) p->head = 0; /* later copies stay contiguous */
            p->reading = false;
            /* A writer sleeps only while the room is below what any write
             * waits for (PIPE_BUF; or a packet buffer): wake it when the
             * room crosses that, as Linux frees a whole page, not after
             * every read of a few bytes. */
            if (!waitq_empty(&p->wwait))
                waitq_wake(&p->wwait,
                           p->pkts || (room_was < PIPE_BUF && p->cap - p->len >= PIPE_BUF));
            /* The next reader, if there is something for it or its end of
             * file; a resize waits for this copy's end. */
            if (!waitq_empty(&p->rwait))
                waitq_wake(&p->rwait, p->len > 0 || p->writers == 0 || p->resizers);
            r = (ssize_t)n;
            break;
        }
        int w = wait_readable(p, !p->reading, flags & O_NONBLOCK);
        if (w <= 0) {
            r = w;
            break;
        }
    }
    mutex_unlock(&p->lock);
    return r;
}

static ssize_t pipe_read(struct file *f, struct uio *to)
{
    return pipe_read_flags(f, to, f->flags);
}

static ssize_t pipe_write_flags(struct file *f, struct uio *from, int flags)
{
    struct pipe *p = f->priv;
    size_t len = uio_resid(from), done = 0;
    mutex_lock(&p->lock);
    ssize_t r = 0;
    for (;;) {
        if (p->readers == 0) {
            r = -EPIPE;
            break;
        }
        size_t room = p->cap - p->len;
        size_t want = len - done;
        bool packet = flags & O_DIRECT;
        if (packet) {
            if (want > PIPE_BUF) want = PIPE_BUF; /* a longer write is several packets */
            if (!p->pkts && !packets_init(p)) {
                r = done ? 0 : -ENOMEM;
                break;
            }
            if (buffers_used(p) >= p->npkt_cap) room = 0; /* every buffer is taken */
        }
        /* up to PIPE_BUF bytes go in at once or not at all */
        if (!p->writing && room > 0 && (want > PIPE_BUF || room >= want)) {
            size_t n = want < room ? want : room, pos = (p->head + p->len) % p->cap;
            p->writing = true;
            mutex_unlock(&p->lock);
            bool copied = ring_copy_in(p, pos, from, n);
            mutex_lock(&p->lock);
            if (!copied) { /* nothing of this part goes in */
                p->writing = false;
                if (!waitq_empty(&p->wwait)) waitq_wake_all(&p->wwait);
                r = done ? 0 : -EFAULT;
                break;
            }
            if (packet) {
                struct packet *k = &p->pkts[(p->pkt_head + p->npkt) % p->npkt_cap];
                k->start = p->consumed + p->len;
                k->len = (uint32_t)n;
                p->npkt++;
                p->pkt_bytes += n;
            }
            bool was_empty = p->len == 0;
            p->len += n;
            p->writing = false;
            done += n;
            /* A reader sleeps only on an empty pipe (or behind another
             * reader, which wakes it): once a write made it non-empty, the
             * readers are awake and later writes need not wake them. */
            if (!waitq_empty(&p->rwait)) waitq_wake(&p->rwait, was_empty);
            if (!waitq_empty(&p->wwait)) /* the next writer, a resize */
                waitq_wake(&p->wwait, p->len < p->cap || p->resizers);
            if (done == len) break;
            continue;
        }
        if (!p->writing && (flags & O_NONBLOCK)) {
            if (done == 0) r = -EAGAIN;
            break;
        }
        int w = pipe_wait(p, &p->wwait);
        if (w < 0) {
            if (done == 0) r = w;
            break;
        }
    }
    mutex_unlock(&p->lock);
    if (r == -EPIPE) {
        signal_send_thread(current_thread(), SIGPIPE, NULL);
        return done ? (ssize_t)done : -EPIPE;
    }
    return r < 0 ? r : (ssize_t)done;
}

static ssize_t pipe_write(struct file *f, struct uio *from)
{
    return pipe_write_flags(f, from, f->flags);
}

ssize_t pipe_splice_io(struct file *f, struct uio *u, bool write, bool nonblock)
{
    int flags = f->flags | (nonblock ? O_NONBLOCK : 0);
    return write ? pipe_write_flags(f, u, flags) : pipe_read_flags(f, u, flags);
}

size_t pipe_room(struct file *f)
{
    struct pipe *p = f->priv;
    mutex_lock(&p->lock);
    size_t room = p->cap - p->len;
    mutex_unlock(&p->lock);
    return room;
}

bool pipe_same(const struct file *a, const struct file *b)
{
    return a->priv == b->priv;
}

ssize_t pipe_peek(struct file *f, void *buf, size_t len, bool nonblock)
{
    struct pipe *p = f->priv;
    mutex_lock(&p->lock);
    ssize_t r;
    for (;;) {
        if (p->len > 0) { /* the bytes stay until a reader commits: copy them under the lock */
            size_t n = len < p->len ? len : p->len, first = p->cap - p->head;
            if (first > n) first = n;
            memcpy(buf, p->buf + p->head, first);
            memcpy((char *)buf + first, p->buf, n - first);
            r = (ssize_t)n;
            break;
        }
        int w = wait_readable(p, true, nonblock || (f->flags & O_NONBLOCK));
        if (w <= 0) {
            r = w;
            break;
        }
    }
    mutex_unlock(&p->lock);
    return r;
}

static long pipe_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
    struct pipe *p = f->priv;
    if (req != FIONREAD) return -ENOTTY;
    mutex_lock(&p->lock);
    int n = (int)p->len;
    mutex_unlock(&p->lock);
    return copy_to_user((void *)arg, &n, sizeof(n));
}

static int pipe_fstat(struct file *f, struct stat *st)
{
    struct pipe *p = f->priv;
    if (f->inode) return inode_stat(f->inode, st); /* a named pipe: its node */
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFIFO | 0600;
    st->st_ino = p->ino;
    st->st_nlink = 1;
    st->st_blksize = 4096;
    st->st_dev = 0xc; /* pipefs */
    vfs_now(&st->st_mtim);
    st->st_atim = st->st_ctim = st->st_mtim;
    return 0;
}

static void pipe_release(struct file *f)
{
    struct pipe *p = f->priv;
    /* Once p->lock is dropped the other end's release may free p: read
     * what is needed afterwards first (ASan found this). */
    bool named = p->named;
    /* A named pipe leaves the table with its last opener, under the
     * table's lock so that no open finds it meanwhile. */
    if (named) mutex_lock(&fifo_lock);
    mutex_lock(&p->lock);
    if (reads(f)) p->readers--;
    if (writes(f)) p->writers--;
    bool gone = p->readers == 0 && p->writers == 0;
    waitq_wake_all(&p->rwait);
    waitq_wake_all(&p->wwait);
    mutex_unlock(&p->lock);
    if (named) {
        if (gone) {
            struct pipe **pp = &fifos;
            while (*pp != p)
                pp = &(*pp)->next;
            *pp = p->next;
        }
        mutex_unlock(&fifo_lock);
    }
    if (gone) {
        kfree(p->pkts);
        kfree(p->buf);
        kfree(p);
    }
}

static off_t pipe_lseek(struct file *f, off_t off, int whence)
{
    return -ESPIPE;
}

long pipe_fcntl(struct file *f, int cmd, unsigned long arg);

static unsigned pipe_poll(struct file *f, struct poll_table *pt)
{
    struct pipe *p = f->priv;
    unsigned m = 0;
    mutex_lock(&p->lock);
    if (reads(f)) {
        if (p->len > 0) m |= POLLIN | POLLRDNORM;
        /* A named pipe hangs up only once a writer came and went since
         * this open (f->pos keeps the count, as Linux's f_version). */
        if (p->writers == 0 && (!p->named || (unsigned)f->pos != p->write_opens)) m |= POLLHUP;
        poll_wait(pt, &p->rwait, &p->lock);
    }
    if (writes(f)) {
        if (p->cap - p->len >= PIPE_BUF) m |= POLLOUT | POLLWRNORM;
        if (p->readers == 0) m |= POLLERR;
        poll_wait(pt, &p->wwait, &p->lock);
    }
    mutex_unlock(&p->lock);
    return m;
}

static const struct file_ops pipe_read_fops = {
    .poll = pipe_poll,
    .fcntl = pipe_fcntl,
    .read = pipe_read,
    .lseek = pipe_lseek,
    .ioctl = pipe_ioctl,
    .fstat = pipe_fstat,
    .release = pipe_release,
    .fasync = true,
};

static const struct file_ops pipe_write_fops = {
    .poll = pipe_poll,
    .fcntl = pipe_fcntl,
    .write = pipe_write,
    .lseek = pipe_lseek,
    .ioctl = pipe_ioctl,
    .fstat = pipe_fstat,
    .release = pipe_release,
    .fasync = true,
};

/* A named pipe opened O_RDWR: both ends in one file. */
static const struct file_ops pipe_rdwr_fops = {
    .poll = pipe_poll,
    .fcntl = pipe_fcntl,
    .read = pipe_read,
    .write = pipe_write,
    .lseek = pipe_lseek,
    .ioctl = pipe_ioctl,
    .fstat = pipe_fstat,
    .release = pipe_release,
    .fasync = true,
};

long pipe_fcntl(struct file *f, int cmd, unsigned long arg)
{
    if (!pipe_is(f)) return -EBADF;
    struct pipe *p = f->priv;
    if (cmd == F_GETPIPE_SZ) return (long)p->cap;
    if (cmd != F_SETPIPE_SZ) return -EINVAL;
    /* fcntl's argument is an int: negative or above 2^31 is EINVAL; only
     * root (CAP_SYS_RESOURCE) may grow a pipe past pipe-max-size */
    if ((long)(int)arg < 0 || arg > (1UL << 31)) return -EINVAL;
    if (arg > PIPE_MAX_SIZE * 64UL) return -ENOMEM; /* a sane bound on LibOS memory */
    size_t want = 4096;
    while (want < arg)
        want <<= 1; /* Linux rounds up to a power-of-two number of pages */
    if (want > PIPE_MAX_SIZE && want > p->cap && !capable(CAP_SYS_RESOURCE)) return -EPERM;
    mutex_lock(&p->lock);
    long r = 0;
    p->resizers++;
    while ((p->reading || p->writing) && r == 0) /* a copy in flight uses the buffer */
        r = pipe_wait(p, p->reading ? &p->rwait : &p->wwait);
    p->resizers--;
    if (r < 0) {
        /* interrupted: r says so */
    } else if (want < p->len || (p->pkts && p->npkt > want / 4096)) {
        r = -EBUSY;
    } else {
        char *nb = kmalloc(want);
        struct packet *np = p->pkts ? kcalloc(want / 4096, sizeof(*np)) : NULL;
        if (!nb || (p->pkts && !np)) {
            kfree(nb);
            kfree(np);
            r = -ENOMEM;
        } else {
            if (np) { /* the packets, oldest first, in a ring of the new size */
                for (unsigned i = 0; i < p->npkt; i++)
                    np[i] = p->pkts[(p->pkt_head + i) % p->npkt_cap];
                kfree(p->pkts);
                p->pkts = np;
                p->pkt_head = 0;
                p->npkt_cap = (unsigned)(want / 4096);
            }
            size_t n = p->len;
            struct uio u; /* LibOS memory: cannot fault */
            uio_init(&u, nb, n);
            ring_copy_out(p, p->head, &u, n);
            kfree(p->buf);
            p->buf = nb;
            p->cap = want;
            p->head = 0;
            p->len = n;
            r = (long)want;
            waitq_wake_all(&p->wwait);
        }
    }
    mutex_unlock(&p->lock);
    return r;
}

long sys_pipe2(int *ufds, int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -EINVAL;
    if (!user_ok(ufds, 2 * sizeof(int), true)) return -EFAULT;
    struct pipe *p = pipe_alloc();
    if (!p) return -ENOMEM;
    p->readers = p->writers = 1;
    char name[32];
    snprintf(name, sizeof(name), "pipe:[%lu]", (unsigned long)p->ino);
    int nb = flags & (O_NONBLOCK | O_DIRECT);
    struct file *rf = file_alloc_anon(&pipe_read_fops, p, O_RDONLY | nb, name);
    struct file *wf = file_alloc_anon(&pipe_write_fops, p, O_WRONLY | nb, name);
    if (!rf || !wf) {
        if (rf)
            file_put(rf); /* drops a reader */
        else
            p->readers--;
        if (wf)
            file_put(wf);
        else {
            mutex_lock(&p->lock);
            bool gone = --p->writers == 0 && p->readers == 0;
            mutex_unlock(&p->lock);
            if (gone) {
                kfree(p->buf);
                kfree(p);
            }
        }
        return -ENOMEM;
    }
    struct process *proc = current_process();
    int rfd = fd_install(proc, rf, flags);
    if (rfd < 0) {
        file_put(rf);
        file_put(wf);
        return rfd;
    }
    int wfd = fd_install(proc, wf, flags);
    if (wfd < 0) {
        fdtable_close(proc->files, rfd);
        file_put(wf);
        return wfd;
    }
    int fds[2] = {rfd, wfd};
    if (copy_to_user(ufds, fds, sizeof(fds))) { /* unmapped meanwhile: undo, as Linux */
        fdtable_close(proc->files, rfd);
        fdtable_close(proc->files, wfd);
        return -EFAULT;
    }
    return 0;
}

long sys_pipe(int *fds)
{
    return sys_pipe2(fds, 0);
}

/* Wait (pipe lock held) until *count moves away from seen. */
static int wait_for_peer(struct pipe *p, const unsigned *count, unsigned seen)
{
    while (*count == seen) {
        int r = pipe_wait(p, &p->openwait);
        if (r < 0) return r;
    }
    return 0;
}

int fifo_open(struct inode *node, struct file *f)
{
    int acc = f->flags & O_ACCMODE;
    bool nonblock = f->flags & O_NONBLOCK;
    if (acc != O_RDONLY && acc != O_WRONLY && acc != O_RDWR) return -EINVAL;
    mutex_lock(&fifo_lock);
    struct pipe *p = fifos;
    while (p && !(p->node_mnt == node->mnt && p->node_ino == node->ino))
        p = p->next;
    if (!p && acc == O_WRONLY && nonblock) {
        mutex_unlock(&fifo_lock);
        return -ENXIO; /* no reader, and nobody could become one meanwhile */
    }
    if (!p) {
        if (!(p = pipe_alloc())) {
            mutex_unlock(&fifo_lock);
            return -ENOMEM;
        }
        p->named = true;
        p->node_mnt = node->mnt;
        p->node_ino = node->ino;
        p->next = fifos;
        fifos = p;
    }
    mutex_lock(&p->lock);
    if (acc == O_WRONLY && nonblock && p->readers == 0) {
        /* The pipe has other openers (writers), so it stays. */
        mutex_unlock(&p->lock);
        mutex_unlock(&fifo_lock);
        return -ENXIO;
    }
    mutex_unlock(&fifo_lock); /* our count below keeps p alive */
    f->priv = p;
    int r = 0;
    if (acc == O_RDONLY) {
        f->fops = &pipe_read_fops;
        p->readers++;
        p->read_opens++;
        f->pos = p->write_opens;
        waitq_wake_all(&p->openwait);
        if (!nonblock && p->writers == 0) r = wait_for_peer(p, &p->write_opens, (unsigned)f->pos);
    } else if (acc == O_WRONLY) {
        f->fops = &pipe_write_fops;
        p->writers++;
        p->write_opens++;
        waitq_wake_all(&p->openwait);
        if (p->readers == 0) r = wait_for_peer(p, &p->read_opens, p->read_opens);
    } else {
        f->fops = &pipe_rdwr_fops;
        p->readers++;
        p->writers++;
        p->read_opens++;
        p->write_opens++;
        f->pos = p->write_opens;
        waitq_wake_all(&p->openwait);
    }
    waitq_wake_all(&p->rwait); /* a reader blocked on an empty pipe rechecks */
    mutex_unlock(&p->lock);
    if (r < 0) pipe_release(f); /* interrupted: this open never happened */
    return r;
}
