/*
 * sys_rw: read, write, readv, writev, pread64, pwrite64, p{read,write}v[2],
 * lseek, sendfile, copy_file_range, fadvise64.
 *
 * Order of checks follows Linux: a bad fd (EBADF), a file not open for
 * the direction (EBADF), then the buffer (EFAULT), then the file's own
 * answer. Buffers are checked against the caller's areas here, then
 * handed to the file system as a uio (fs/uio.h), one or many segments
 * alike: its moves are fault-safe, so memory unmapped meanwhile by
 * another thread ends the transfer with EFAULT, never a LibOS fault.
 */
#include "fs/fs_syscalls.h"
#include "fs/host_copy.h"
#include "fs/sys_common.h"
#include "fs/pipe.h"
#include "process/waitq.h"
#include "vm/uaccess.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define SENDFILE_CHUNK 65536

long sys_read(int fd, void *buf, size_t count)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r;
    if (!(f->fmode & FMODE_READ))
        r = -EBADF;
    else if (!user_ok(buf, count, true))
        r = -EFAULT;
    else
        r = vfs_read(f, buf, count);
    file_put(f);
    return r;
}

long sys_write(int fd, const void *buf, size_t count)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r;
    if (!(f->fmode & FMODE_WRITE))
        r = -EBADF;
    else if (!user_ok(buf, count, false))
        r = -EFAULT;
    else
        r = vfs_write(f, buf, count);
    file_put(f);
    return r;
}

long sys_pread64(int fd, void *buf, size_t count, off_t off)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r;
    if (!(f->fmode & FMODE_READ))
        r = -EBADF;
    else if (off < 0)
        r = -EINVAL;
    else if (!user_ok(buf, count, true))
        r = -EFAULT;
    else
        r = vfs_pread(f, buf, count, off);
    file_put(f);
    return r;
}

long sys_pwrite64(int fd, const void *buf, size_t count, off_t off)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r;
    if (!(f->fmode & FMODE_WRITE))
        r = -EBADF;
    else if (off < 0)
        r = -EINVAL;
    else if (!user_ok(buf, count, false))
        r = -EFAULT;
    else
        r = vfs_pwrite(f, buf, count, off);
    file_put(f);
    return r;
}

long sys_lseek(int fd, off_t off, int whence)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r = vfs_lseek(f, off, whence);
    file_put(f);
    return r;
}

/* Copy in and check an iovec array; *total gets the byte count (clamped
 * as Linux does, to the largest single read or write). */
static long get_iov(const struct iovec *uiov, int cnt, bool to_user, struct iovec **out,
                    size_t *total)
{
    *out = NULL;
    *total = 0;
    if (cnt < 0 || cnt > UIO_MAXIOV) return -EINVAL;
    if (cnt == 0) return 0;
    struct iovec *iov = kmalloc((size_t)cnt * sizeof(*iov));
    if (!iov) return -ENOMEM;
    long r = copy_from_user(iov, uiov, (size_t)cnt * sizeof(*iov));
    for (int i = 0; r == 0 && i < cnt; i++) {
        if ((ssize_t)iov[i].iov_len < 0 || iov[i].iov_len > (size_t)SSIZE_MAX - *total)
            r = -EINVAL;
        else if (!user_ok(iov[i].iov_base, iov[i].iov_len, to_user))
            r = -EFAULT;
        else
            *total += iov[i].iov_len;
    }
    if (r < 0) {
        kfree(iov);
        return r;
    }
    *out = iov;
    return 0;
}

/* Vector I/O at pos, or at the file position when pos is -1: one
 * operation of the file over all the segments (a writev of up to
 * PIPE_BUF bytes is one atomic pipe write, as on Linux). */
static long iov_io(struct file *f, const struct iovec *iov, int cnt, size_t total, off_t pos,
                   bool write)
{
    struct uio u;
    uio_init_iov(&u, iov, (unsigned long)cnt, total);
    if (write) return pos < 0 ? vfs_write_uio(f, &u) : vfs_pwrite_uio(f, &u, pos);
    return pos < 0 ? vfs_read_uio(f, &u) : vfs_pread_uio(f, &u, pos);
}

#define RWF_SUPPORTED (RWF_HIPRI | RWF_DSYNC | RWF_SYNC)

static long do_rwv(int fd, const struct iovec *uiov, int cnt, off_t pos, int flags, bool write)
{
    if (flags & ~RWF_SUPPORTED) return -EOPNOTSUPP;
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    struct iovec *iov = NULL;
    size_t total;
    long r;
    if (!(f->fmode & (write ? FMODE_WRITE : FMODE_READ)))
        r = -EBADF;
    else if (pos < -1)
        r = -EINVAL;
    else
        r = get_iov(uiov, cnt, !write, &iov, &total);
    if (r == 0 && cnt > 0) r = iov_io(f, iov, cnt, total, pos, write);
    /* RWF_DSYNC/RWF_SYNC: make this write durable like O_DSYNC would. */
    if (r > 0 && write && (flags & (RWF_DSYNC | RWF_SYNC)) && f->fops->fsync)
        f->fops->fsync(f, !(flags & RWF_SYNC));
    kfree(iov);
    file_put(f);
    return r;
}

long sys_readv(int fd, const struct iovec *iov, int iovcnt)
{
    return do_rwv(fd, iov, iovcnt, -1, 0, false);
}

long sys_writev(int fd, const struct iovec *iov, int iovcnt)
{
    return do_rwv(fd, iov, iovcnt, -1, 0, true);
}

/* On x86-64 the whole offset is in pos_l (pos_h is for 32-bit ABIs). */
long sys_preadv(int fd, const struct iovec *iov, int iovcnt, off_t pos_l, unsigned long pos_h)
{
    if (pos_l < 0) return -EINVAL;
    return do_rwv(fd, iov, iovcnt, pos_l, 0, false);
}

long sys_pwritev(int fd, const struct iovec *iov, int iovcnt, off_t pos_l, unsigned long pos_h)
{
    if (pos_l < 0) return -EINVAL;
    return do_rwv(fd, iov, iovcnt, pos_l, 0, true);
}

long sys_preadv2(int fd, const struct iovec *iov, int iovcnt, off_t pos_l, unsigned long pos_h,
                 int flags)
{
    return do_rwv(fd, iov, iovcnt, pos_l, flags, false);
}

long sys_pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t pos_l, unsigned long pos_h,
                  int flags)
{
    return do_rwv(fd, iov, iovcnt, pos_l, flags, true);
}

/* Write all of buf (at *off when off is non-NULL, advancing it) unless
 * the file takes less; returns bytes written, or a negative errno when
 * nothing was. */
static ssize_t write_all(struct file *f, const char *buf, size_t len, off_t *off)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = off ? vfs_pwrite(f, buf + done, len - done, *off)
                        : vfs_write(f, buf + done, len - done);
        if (w <= 0) return done ? (ssize_t)done : (w < 0 ? w : -EIO);
        done += (size_t)w;
        if (off) *off += w;
    }
    return (ssize_t)done;
}

/* Copy count bytes from in to out through a LibOS buffer, at the offsets
 * pin and pout point to, or at the file positions when those are NULL (sendfile,
 * copy_file_range). */
static long copy_range(struct file *in, off_t *pin, struct file *out, off_t *pout, size_t count)
{
    if (count > (size_t)(INT_MAX & ~4095)) count = (size_t)(INT_MAX & ~4095);
    char *buf = kmalloc(count < SENDFILE_CHUNK ? (count ? count : 1) : SENDFILE_CHUNK);
    if (!buf) return -ENOMEM;
    size_t total = 0;
    long r = 0;
    while (total < count) {
        /* A signal ends a long copy with what was done, as on Linux (whose
         * /dev/zero and /dev/urandom reads stop for it): a 512 MiB copy into
         * the encrypted layer could not be interrupted for seconds (found
         * by tests/fuzz/syscall_fuzz). */
        if (total && thread_interrupted()) break;
        size_t chunk = count - total < SENDFILE_CHUNK ? count - total : SENDFILE_CHUNK;
        ssize_t n = pin ? vfs_pread(in, buf, chunk, *pin) : vfs_read(in, buf, chunk);
        if (n <= 0) {
            if (n < 0 && !total) r = n;
            break;
        }
        ssize_t w = write_all(out, buf, (size_t)n, pout);
        if (w < 0) {
            if (!total) r = w;
            w = 0;
        }
        total += (size_t)w;
        if (pin) *pin += w;
        if (w < n) {
            /* Give back what was read but not written. */
            if (!pin) vfs_lseek(in, (off_t)w - n, SEEK_CUR);
            break;
        }
    }
    kfree(buf);
    return r < 0 ? r : (long)total;
}

long sys_sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
    struct file *in = fs_fd(in_fd), *out = fs_fd(out_fd);
    long r;
    off_t off = 0;
    if (!in || !out)
        r = -EBADF;
    else if (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE))
        r = -EBADF;
    else if (out->flags & O_APPEND)
        r = -EINVAL;
    else if (in->inode && S_ISDIR(in->inode->mode))
        r = -EINVAL;
    else if (!in->inode || S_ISFIFO(in->inode->mode) || S_ISSOCK(in->inode->mode))
        r = -EINVAL; /* pipes and sockets: not mmap-able (Linux splices only from files) */
    else if (offset && copy_from_user(&off, offset, sizeof(off)) < 0)
        r = -EFAULT;
    else if (offset && off < 0)
        r = -EINVAL;
    else if (!host_sendfile(in, offset ? &off : NULL, out, count, &r))
        r = copy_range(in, offset ? &off : NULL, out, NULL, count);
    if (r >= 0 && offset && copy_to_user(offset, &off, sizeof(off)) < 0) r = -EFAULT;
    file_put(in);
    file_put(out);
    return r;
}

static long get_off(const off_t *u, off_t *k)
{
    if (!u) return 0;
    if (copy_from_user(k, u, sizeof(*k)) < 0) return -EFAULT;
    return *k < 0 ? -EINVAL : 0;
}

static long cfr_check(struct file *in, struct file *out)
{
    if (!in || !out) return -EBADF;
    if (!(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE) || (out->flags & O_APPEND))
        return -EBADF;
    if (!in->inode || !out->inode) return -EINVAL;
    if (S_ISDIR(in->inode->mode) || S_ISDIR(out->inode->mode)) return -EISDIR;
    if (!S_ISREG(in->inode->mode) || !S_ISREG(out->inode->mode)) return -EINVAL;
    return 0;
}

long sys_copy_file_range(int fd_in, off_t *uoff_in, int fd_out, off_t *uoff_out, size_t len,
                         unsigned int flags)
{
    if (flags) return -EINVAL;
    struct file *in = fs_fd(fd_in), *out = fs_fd(fd_out);
    off_t oin = 0, oout = 0;
    long r = cfr_check(in, out);
    if (r == 0) r = get_off(uoff_in, &oin);
    if (r == 0) r = get_off(uoff_out, &oout);
    if (r == 0 && in->inode == out->inode) {
        /* Overlapping ranges of one file are refused, as Linux does. */
        off_t a = uoff_in ? oin : in->pos, b = uoff_out ? oout : out->pos;
        if ((a <= b && b < a + (off_t)len) || (b <= a && a < b + (off_t)len)) r = -EINVAL;
    }
    if (r == 0) r = copy_range(in, uoff_in ? &oin : NULL, out, uoff_out ? &oout : NULL, len);
    if (r > 0 && uoff_in && copy_to_user(uoff_in, &oin, sizeof(oin)) < 0) r = -EFAULT;
    if (r > 0 && uoff_out && copy_to_user(uoff_out, &oout, sizeof(oout)) < 0) r = -EFAULT;
    file_put(in);
    file_put(out);
    return r;
}

/*
 * splice(2), tee(2), vmsplice(2). The LibOS's pipes are ring buffers, not
 * pages to lend, so "moving" copies through a LibOS buffer; what a caller
 * sees is Linux's: one end a pipe, the other a file at an offset or its
 * position, or a socket; at most one pipe's worth per call; waiting on a
 * pipe as a read or write of it would, SPLICE_F_NONBLOCK making that
 * pipe's part non-blocking. A file-to-pipe splice takes no more than the
 * pipe has room for, so nothing read is dropped; a pipe-to-socket splice
 * whose write fails loses what it took from the pipe (Linux gives those
 * pages back).
 */
#define SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)

static long splice_files(struct file *in, off_t *pin, struct file *out, off_t *pout, size_t len,
                         bool nonblock)
{
    bool from_pipe = pipe_is(in), to_pipe = pipe_is(out);
    if (to_pipe) { /* no more than fits: the rest would be read and lost */
        size_t room = pipe_room(out);
        if (room == 0 && nonblock) return -EAGAIN;
        if (room && len > room) len = room;
    }
    if (len > SENDFILE_CHUNK) len = SENDFILE_CHUNK;
    char *buf = kmalloc(len);
    if (!buf) return -ENOMEM;
    struct uio u;
    uio_init(&u, buf, len);
    ssize_t n = from_pipe ? pipe_splice_io(in, &u, false, nonblock)
                : pin     ? vfs_pread(in, buf, len, *pin)
                          : vfs_read(in, buf, len);
    if (n > 0 && pin) *pin += n;
    ssize_t w = n;
    if (n > 0 && to_pipe) {
        uio_init(&u, buf, (size_t)n);
        w = pipe_splice_io(out, &u, true, false);
    } else if (n > 0) {
        w = write_all(out, buf, (size_t)n, pout);
    }
    kfree(buf);
    return n <= 0 ? n : w;
}

long sys_splice(int fd_in, off_t *uoff_in, int fd_out, off_t *uoff_out, size_t len, unsigned flags)
{
    if (flags & ~(unsigned)SPLICE_FLAGS) return -EINVAL;
    struct file *in = fs_fd(fd_in), *out = fs_fd(fd_out);
    off_t oin = 0, oout = 0;
    long r = 0;
    if (!in || !out || !(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE))
        r = -EBADF;
    else if (!pipe_is(in) && !pipe_is(out))
        r = -EINVAL;
    else if ((pipe_is(in) && uoff_in) || (pipe_is(out) && uoff_out))
        r = -ESPIPE;
    else if (pipe_is(in) && pipe_is(out) && pipe_same(in, out))
        r = -EINVAL;
    else if (out->flags & O_APPEND)
        r = -EINVAL;
    else if (in->inode && S_ISDIR(in->inode->mode))
        r = -EINVAL;
    if (r == 0) r = get_off(uoff_in, &oin);
    if (r == 0) r = get_off(uoff_out, &oout);
    if (r == 0 && len)
        r = splice_files(in, uoff_in ? &oin : NULL, out, uoff_out ? &oout : NULL, len,
                         flags & SPLICE_F_NONBLOCK);
    if (r > 0 && uoff_in && copy_to_user(uoff_in, &oin, sizeof(oin)) < 0) r = -EFAULT;
    if (r > 0 && uoff_out && copy_to_user(uoff_out, &oout, sizeof(oout)) < 0) r = -EFAULT;
    if (in) file_put(in);
    if (out) file_put(out);
    return r;
}

long sys_tee(int fd_in, int fd_out, size_t len, unsigned flags)
{
    if (flags & ~(unsigned)SPLICE_FLAGS) return -EINVAL;
    struct file *in = fs_fd(fd_in), *out = fs_fd(fd_out);
    bool nonblock = flags & SPLICE_F_NONBLOCK;
    long r = 0;
    if (!in || !out || !(in->fmode & FMODE_READ) || !(out->fmode & FMODE_WRITE))
        r = -EBADF;
    else if (!pipe_is(in) || !pipe_is(out) || pipe_same(in, out))
        r = -EINVAL;
    size_t room = r == 0 ? pipe_room(out) : 0;
    if (r == 0 && room == 0 && nonblock) r = -EAGAIN;
    if (r == 0 && len) {
        if (room && len > room) len = room;
        if (len > SENDFILE_CHUNK) len = SENDFILE_CHUNK;
        char *buf = kmalloc(len);
        r = buf ? pipe_peek(in, buf, len, nonblock) : -ENOMEM;
        if (r > 0) {
            struct uio u;
            uio_init(&u, buf, (size_t)r);
            r = pipe_splice_io(out, &u, true, false);
        }
        kfree(buf);
    }
    if (in) file_put(in);
    if (out) file_put(out);
    return r;
}

/* vmsplice: the application's memory into a pipe it may write, or out of
 * one it may only read (as Linux picks by the file's mode). */
long sys_vmsplice(int fd, const struct iovec *uiov, unsigned long nr, unsigned flags)
{
    if (flags & ~(unsigned)SPLICE_FLAGS) return -EINVAL;
    if (nr > UIO_MAXIOV) return -EINVAL;
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    bool write = f->fmode & FMODE_WRITE;
    struct iovec *iov = NULL;
    size_t total = 0;
    long r = 0;
    if (!pipe_is(f))
        r = -EBADF;
    else if (!write && !(f->fmode & FMODE_READ))
        r = -EBADF;
    else
        r = get_iov(uiov, (int)nr, !write, &iov, &total);
    if (r == 0 && nr > 0) {
        struct uio u;
        uio_init_iov(&u, iov, nr, total);
        r = pipe_splice_io(f, &u, write, flags & SPLICE_F_NONBLOCK);
    }
    kfree(iov);
    file_put(f);
    return r;
}

long sys_fadvise64(int fd, off_t offset, off_t len, int advice)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r = 0;
    if (!f->inode || S_ISFIFO(f->inode->mode))
        r = -ESPIPE;
    else if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE || len < 0)
        r = -EINVAL;
    /* Otherwise: only a hint about caching, which these file systems do
     * not do on the LibOS side. */
    file_put(f);
    return r;
}
