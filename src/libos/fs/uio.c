/*
 * uio: segment bookkeeping over the fault-safe moves (see uio.h).
 */
#include "fs/uio.h"

#include "common/usercopy.h"

void uio_init(struct uio *u, void *buf, size_t len)
{
    u->single.iov_base = buf;
    u->single.iov_len = len;
    uio_init_iov(u, &u->single, 1, len);
}

void uio_init_iov(struct uio *u, const struct iovec *iov, unsigned long nseg, size_t total)
{
    u->iov = iov;
    u->nseg = nseg;
    u->seg = 0;
    u->seg_done = 0;
    u->resid = total;
    u->total = total;
    u->faulted = false;
}

size_t uio_piece(const struct uio *u, void **base, size_t max)
{
    unsigned long s = u->seg;
    size_t done = u->seg_done;
    /* where a zero-length transfer points (write(fd, buf, 0) still hands
     * buf to the host, which may have its own answer for it) */
    *base = u->nseg ? (char *)u->iov[s].iov_base + done : NULL;
    while (s < u->nseg && done == u->iov[s].iov_len) { /* empty segments */
        s++;
        done = 0;
    }
    if (s == u->nseg || !u->resid || u->faulted) return 0;
    size_t n = u->iov[s].iov_len - done;
    if (n > u->resid) n = u->resid;
    if (n > max) n = max;
    *base = (char *)u->iov[s].iov_base + done;
    return n;
}

void uio_advance(struct uio *u, size_t n)
{
    if (n > u->resid) n = u->resid;
    u->resid -= n;
    while (n) {
        size_t room = u->iov[u->seg].iov_len - u->seg_done;
        size_t step = n < room ? n : room;
        u->seg_done += step;
        n -= step;
        if (u->seg_done == u->iov[u->seg].iov_len && u->seg + 1 < u->nseg) {
            u->seg++;
            u->seg_done = 0;
        }
    }
}

void uio_truncate(struct uio *u, size_t n)
{
    if (u->resid > n) {
        u->total -= u->resid - n;
        u->resid = n;
    }
}

enum move { TO, FROM, ZERO };

static size_t move(struct uio *u, char *lbuf, size_t n, enum move how)
{
    size_t moved = 0;
    while (moved < n) {
        void *p;
        size_t k = uio_piece(u, &p, n - moved);
        if (!k) break;
        size_t left = how == TO     ? uaccess_copy(p, lbuf + moved, k)
                      : how == FROM ? uaccess_copy(lbuf + moved, p, k)
                                    : uaccess_zero(p, k);
        uio_advance(u, k - left);
        moved += k - left;
        if (left) {
            u->faulted = true;
            break;
        }
    }
    return moved;
}

size_t uio_copy_to(struct uio *u, const void *src, size_t n)
{
    return move(u, (char *)src, n, TO);
}

size_t uio_copy_from(struct uio *u, void *dst, size_t n)
{
    return move(u, dst, n, FROM);
}

size_t uio_zero(struct uio *u, size_t n)
{
    return move(u, NULL, n, ZERO);
}
