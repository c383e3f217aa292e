/*
 * uio: the buffer of a read or a write as the file operations see it (in
 * the spirit of Linux's iov_iter): the application's segments (one for
 * read/write/pread, several for readv/writev/preadv/pwritev) or a LibOS
 * buffer (sendfile, shared mappings, the FUSE server and host tools),
 * consumed as data moves. A file operation never touches the memory
 * itself: every byte goes through usercopy's fault-safe moves, so a
 * segment the application unmaps meanwhile (another thread, while the
 * call slept) ends the transfer short instead of crashing the LibOS.
 *
 * The segments were checked against the caller's areas when the uio was
 * made (sys_rw.c); the uio only remembers where it is.
 */
#ifndef LIBOS_FS_UIO_H
#define LIBOS_FS_UIO_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct uio {
    const struct iovec *iov; /* the segments (a LibOS copy of the array) */
    unsigned long nseg;
    unsigned long seg; /* the current segment */
    size_t seg_done;   /* bytes of it already moved */
    size_t resid;      /* bytes not yet moved */
    size_t total;      /* bytes described at the start */
    bool faulted;      /* a move stopped at an unmapped or protected page */
    struct iovec single;
};

/* One buffer (LibOS or checked application memory). */
void uio_init(struct uio *u, void *buf, size_t len);
/* Segments whose lengths add up to total (which the caller clamped). */
void uio_init_iov(struct uio *u, const struct iovec *iov, unsigned long nseg, size_t total);
/* Moves at most n bytes into (copy_to) or out of (copy_from) the segments,
 * or zeros into them; returns how many moved, fewer at a fault. */
size_t uio_copy_to(struct uio *u, const void *src, size_t n);
size_t uio_copy_from(struct uio *u, void *dst, size_t n);
size_t uio_zero(struct uio *u, size_t n);
/* For host calls, which move data themselves (and answer EFAULT rather
 * than fault): the current contiguous piece, at most max bytes, and
 * marking n bytes of it moved. */
size_t uio_piece(const struct uio *u, void **base, size_t max);
void uio_advance(struct uio *u, size_t n);
/* Shorten what is left to move to at most n bytes (a read at the end of
 * a file, MAX_RW_COUNT). */
void uio_truncate(struct uio *u, size_t n);
static inline size_t uio_resid(const struct uio *u)
{
    return u->resid;
}
static inline size_t uio_moved(const struct uio *u)
{
    return u->total - u->resid;
}
/* What the operation returns: the bytes moved, else EFAULT after a
 * fault, else err. */
static inline ssize_t uio_result(const struct uio *u, ssize_t err)
{
    return uio_moved(u) ? (ssize_t)uio_moved(u) : u->faulted ? -EFAULT : err;
}

#endif
