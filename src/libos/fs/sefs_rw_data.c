/*
 * sefs_rw_data: a regular file's data in the writable layer. Each file
 * has a block map (block index -> slot of its host data file and the GCM
 * tag of the block sealed there) and goes to the host block by block
 * through the bounded cache (sefs_rw_cache.c); nothing holds a file whole.
 *
 * Slots are copy-on-write against the last commit: the first change of a
 * block after a commit gives it a new slot (its committed slot is kept in
 * f->chg), later changes before the next commit overwrite that new slot in
 * place. A crash therefore never touches a block the committed metadata
 * names. The committed slots a commit replaces wait in f->pfree until that
 * commit is durable, then become reusable (f->freev).
 *
 * Block i sealed: AES-256-GCM, a fresh random nonce per write, AAD =
 * "SEFSRWB2" | inode number | i | host name. A block is accepted only if
 * it carries the tag its map records, so a block from another position,
 * file or an older write is refused (EIO and a log line naming the file).
 *
 * Everything here runs under l->dlock.
 */
#include "common/usercopy.h"
#include "fs/sefs_rw_int.h"

#include "pal/pal.h"
#include "util/log.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FDS 64 /* host fds the layer keeps open for data files */

static void block_aad(uint8_t aad[8 + 8 + 8 + NAME], uint64_t ino, uint64_t idx,
                      const uint8_t name[NAME])
{
    memcpy(aad, "SEFSRWB2", 8);
    for (int i = 0; i < 8; i++) {
        aad[8 + i] = (uint8_t)(ino >> (8 * i));
        aad[16 + i] = (uint8_t)(idx >> (8 * i));
    }
    memcpy(aad + 24, name, NAME);
}

static int push64(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        uint64_t *p = krealloc(*v, c * sizeof(*p));
        if (!p) return -ENOMEM;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return 0;
}

static bool real(uint64_t slot)
{
    return slot != HOLE && slot != UNALLOC;
}

struct rw_file *rw_file_new(uint64_t ino)
{
    struct rw_file *f = kcalloc(1, sizeof(*f));
    if (f) {
        f->ino = ino;
        f->fd = -1;
    }
    return f;
}

/* ---- host fds ---- */

static void data_fd_close(struct layer *l, struct rw_file *f)
{
    if (f->fd < 0) return;
    pal_host_close(f->fd);
    f->fd = -1;
    if (f->fprev)
        f->fprev->fnext = f->fnext;
    else
        l->fds = f->fnext;
    if (f->fnext) f->fnext->fprev = f->fprev;
    f->fnext = f->fprev = NULL;
    l->nfds--;
}

/* The data file's fd, creating the file (with a fresh random name) when
 * create says so. Closing an fd loses nothing: fdatasync at the commit
 * acts on the file, whichever fd it goes through. */
static int data_fd(struct layer *l, struct rw_file *f, bool create)
{
    if (f->fd >= 0) return f->fd;
    char hex[2 * NAME + 1], path[LIBOS_PATH_MAX + 40];
    int fd;
    if (!f->named) {
        if (!create) return -ENOENT;
        int r = pal_random(f->name, NAME);
        if (r < 0) return r;
        rw_hex_name(f->name, hex);
        rw_host_path(l, hex, path, sizeof(path));
        fd = pal_host_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) return fd;
        f->named = true;
        l->dir_dirty = true;
    } else {
        rw_hex_name(f->name, hex);
        rw_host_path(l, hex, path, sizeof(path));
        fd = pal_host_open(path, O_RDWR | O_CLOEXEC, 0);
        if (fd < 0) return fd;
    }
    if (l->nfds >= MAX_FDS) {
        struct rw_file *t = l->fds;
        while (t->fnext)
            t = t->fnext;
        data_fd_close(l, t);
    }
    f->fd = fd;
    f->fnext = l->fds;
    if (l->fds) l->fds->fprev = f;
    l->fds = f;
    l->nfds++;
    return fd;
}

void rw_file_free(struct layer *l, struct rw_file *f)
{
    if (!f) return;
    if (l) {
        if (l->cache) rw_cache_drop(l->cache, f, 0, f->nblocks);
        data_fd_close(l, f);
    }
    kfree(f->map);
    kfree(f->chg);
    kfree(f->freev);
    kfree(f->pfree);
    kfree(f);
}

/* ---- the block map ---- */

int rw_map_resize(struct rw_file *f, uint64_t nblocks)
{
    if (nblocks > f->mapcap) {
        uint64_t cap = f->mapcap ? f->mapcap : 4;
        while (cap < nblocks)
            cap *= 2;
        if (cap > SIZE_MAX / sizeof(struct bent)) return -EFBIG;
        struct bent *m = krealloc(f->map, cap * sizeof(*m));
        if (!m) return -ENOSPC;
        f->map = m;
        f->mapcap = cap;
    }
    for (uint64_t i = f->nblocks; i < nblocks; i++) {
        memset(&f->map[i], 0, sizeof(f->map[i]));
        f->map[i].slot = HOLE;
    }
    f->nblocks = nblocks;
    return 0;
}

/* Block idx is about to change: give it a new slot if the last commit
 * names its current one. */
static int mark_changed(struct rw_file *f, uint64_t idx)
{
    struct bent *e = &f->map[idx];
    if (e->changed) return 0;
    if (f->nchg == f->chgcap) {
        size_t c = f->chgcap ? 2 * f->chgcap : 16;
        void *p = krealloc(f->chg, c * sizeof(*f->chg));
        if (!p) return -ENOSPC;
        f->chg = p;
        f->chgcap = c;
    }
    f->chg[f->nchg].idx = idx;
    f->chg[f->nchg].old = e->slot;
    f->nchg++;
    e->changed = true;
    e->slot = UNALLOC;
    return 0;
}

static int slot_alloc(struct rw_file *f, uint64_t *slot)
{
    if (f->nfree) {
        *slot = f->freev[--f->nfree];
        return 0;
    }
    if (f->nslots >= MAX_SLOT) return -EFBIG;
    *slot = f->nslots++;
    return 0;
}

/* ---- write-back: cached dirty blocks sealed into their slots ---- */

int rw_data_writeback(void *ctx, struct rw_file *f, uint64_t idx)
{
    struct layer *l = ctx;
    uint8_t *pages[RUN];
    bool *dirty[RUN];
    size_t k = 0;
    /* The dirty run starting at idx: one host write when slots follow. */
    while (k < RUN && idx + k < f->nblocks) {
        pages[k] = rw_cache_find(l->cache, f, idx + k, &dirty[k]);
        if (!pages[k] || !*dirty[k]) break;
        k++;
    }
    if (k == 0) return 0;
    int fd = data_fd(l, f, true);
    if (fd < 0) goto fail;
    uint64_t slots[RUN];
    int r = 0;
    for (size_t j = 0; j < k && r == 0; j++) {
        struct bent *e = &f->map[idx + j];
        if (!e->changed) r = -EIO; /* never over a committed block */
        if (r == 0 && e->slot == UNALLOC) r = slot_alloc(f, &e->slot);
        slots[j] = e->slot;
    }
    uint8_t *w = l->wbuf;
    for (size_t j = 0; j < k && r == 0; j++)
        r = pal_random(w + j * REC, NONCE);
    for (size_t j = 0; j < k && r == 0; j++) {
        uint8_t aad[8 + 8 + 8 + NAME];
        uint8_t *rec = w + j * REC;
        block_aad(aad, f->ino, idx + j, f->name);
        r = rw_gcm_data(l, true, rec, aad, sizeof(aad), pages[j], BLK, rec + NONCE + TAG,
                        rec + NONCE);
    }
    for (size_t j = 0; j < k && r == 0;) {
        size_t e = j + 1;
        while (e < k && slots[e] == slots[e - 1] + 1)
            e++;
        r = rw_write_all(fd, w + j * REC, (e - j) * REC, (off_t)(slots[j] * REC));
        j = e;
    }
    if (r < 0) goto fail;
    for (size_t j = 0; j < k; j++) {
        memcpy(f->map[idx + j].tag, w + j * REC + NONCE, TAG);
        *dirty[j] = false;
    }
    f->wrote = true;
    return 0;
fail:
    log_error("sefs writable layer %s: cannot write inode %llu's data to the host: %s", l->dir,
              (unsigned long long)f->ino, strerror(fd < 0 ? -fd : EIO));
    return -EIO;
}

/* ---- reads ---- */

static void verify_failed(struct layer *l, struct rw_file *f, uint64_t idx, const char *path)
{
    char hex[2 * NAME + 1];
    rw_hex_name(f->name, hex);
    log_error("sefs writable layer %s: %s (inode %llu, host file %s) does not verify at block "
              "%llu: tampered or damaged; it reads as EIO",
              l->dir, path ? path : "a file", (unsigned long long)f->ino, hex,
              (unsigned long long)idx);
}

/* Block idx (in a slot, not cached) and up to want-1 following ones
 * stored right after it into the cache, verified. */
static int fill(struct layer *l, struct rw_file *f, uint64_t idx, uint64_t want, const char *path)
{
    uint64_t first = f->map[idx].slot;
    size_t k = 1;
    while (k < RUN && k < want && idx + k < f->nblocks && f->map[idx + k].slot == first + k &&
           !rw_cache_find(l->cache, f, idx + k, NULL))
        k++;
    int fd = data_fd(l, f, false);
    if (fd < 0 || rw_read_all(fd, l->rbuf, k * REC, (off_t)(first * REC)) < 0) {
        verify_failed(l, f, idx, path); /* missing or truncated: as tampered */
        return -EIO;
    }
    for (size_t j = 0; j < k; j++) {
        uint8_t *rec = l->rbuf + j * REC, aad[8 + 8 + 8 + NAME];
        uint8_t *p = rw_cache_claim(l->cache, f, idx + j);
        if (!p) return -EIO;
        block_aad(aad, f->ino, idx + j, f->name);
        /* The block must carry the tag the map records for it. */
        bool ok = CRYPTO_memcmp(rec + NONCE, f->map[idx + j].tag, TAG) == 0 &&
                  rw_gcm_data(l, false, rec, aad, sizeof(aad), rec + NONCE + TAG, BLK, p,
                              rec + NONCE) == 0;
        rw_cache_insert(l->cache, ok, NULL);
        if (!ok) {
            verify_failed(l, f, idx + j, path);
            return -EIO;
        }
    }
    return 0;
}

/* Block idx's page in the cache (read and verified if needed). */
static uint8_t *get_block(struct layer *l, struct rw_file *f, uint64_t idx, uint64_t want,
                          bool **dirty, const char *path, int *err)
{
    for (int tries = 0; tries < 2; tries++) {
        uint8_t *p = rw_cache_find(l->cache, f, idx, dirty);
        if (p) return p;
        if (!real(f->map[idx].slot)) { /* a hole: zeros */
            p = rw_cache_claim(l->cache, f, idx);
            if (!p) break;
            memset(p, 0, BLK);
            rw_cache_insert(l->cache, true, dirty);
            return p;
        }
        if ((*err = fill(l, f, idx, tries ? 1 : want, path)) < 0) return NULL;
    }
    *err = -EIO;
    return NULL;
}

ssize_t rw_data_read(void *ctx, struct inode *ino, struct uio *to, size_t len, off_t off,
                     const char *path)
{
    struct layer *l = ctx;
    struct rw_file *f = ((struct rnode *)ino->priv)->pstate;
    if (!f) /* never written: all zeros (a size set by truncate) */
        return uio_zero(to, len) == len ? (ssize_t)len : -EFAULT;
    mutex_lock(&l->dlock);
    size_t done = 0;
    int r = 0;
    while (done < len) {
        uint64_t pos = (uint64_t)off + done, idx = pos / BLK;
        size_t in = (size_t)(pos % BLK), n = BLK - in < len - done ? BLK - in : len - done;
        if (idx >= f->nblocks ||
            (f->map[idx].slot == HOLE && !rw_cache_find(l->cache, f, idx, NULL))) {
            if (uio_zero(to, n) != n) {
                r = -EFAULT;
                break;
            }
        } else {
            uint64_t want = (len - done + in + BLK - 1) / BLK;
            uint8_t *p = get_block(l, f, idx, want, NULL, path, &r);
            if (!p) break;
            if (uio_copy_to(to, p + in, n) != n) { /* the application's buffer */
                r = -EFAULT;
                break;
            }
        }
        done += n;
    }
    mutex_unlock(&l->dlock);
    return done ? (ssize_t)done : r;
}

/* ---- writes and truncation ---- */

static struct rw_file *file_of(struct inode *ino)
{
    struct rnode *n = ino->priv;
    if (!n->pstate) n->pstate = rw_file_new(ino->ino);
    return n->pstate;
}

/* Copy n bytes into block idx at in (the block exists in the map). */
static int put_block(struct layer *l, struct rw_file *f, uint64_t idx, size_t in, struct uio *src,
                     size_t n, const char *path)
{
    bool *dirty;
    uint8_t *p = rw_cache_find(l->cache, f, idx, &dirty);
    int r = 0;
    if (!p && n == BLK) { /* a whole block: its old content does not matter */
        p = rw_cache_claim(l->cache, f, idx);
        if (!p) return -EIO;
        rw_cache_insert(l->cache, true, &dirty);
    } else if (!p) {
        p = get_block(l, f, idx, 1, &dirty, path, &r);
        if (!p) return r;
    }
    if ((r = mark_changed(f, idx)) < 0) return r;
    if (src && uio_copy_from(src, p + in, n) != n) return -EFAULT; /* the caller's buffer */
    if (!src) memset(p + in, 0, n);
    *dirty = true;
    return 0;
}

ssize_t rw_data_write(void *ctx, struct inode *ino, struct uio *from, size_t len, off_t off,
                      const char *path)
{
    struct layer *l = ctx;
    struct rw_file *f = file_of(ino);
    if (!f) return -ENOSPC;
    mutex_lock(&l->dlock);
    uint64_t end = (uint64_t)off + len;
    int r = 0;
    if ((end + BLK - 1) / BLK > f->nblocks)
        r = (end + BLK - 1) / BLK > MAX_FILE_BLOCKS ? -EFBIG
                                                    : rw_map_resize(f, (end + BLK - 1) / BLK);
    size_t done = 0;
    while (r == 0 && done < len) {
        uint64_t pos = (uint64_t)off + done, idx = pos / BLK;
        size_t in = (size_t)(pos % BLK), n = BLK - in < len - done ? BLK - in : len - done;
        r = put_block(l, f, idx, in, from, n, path);
        if (r == 0) done += n;
    }
    if ((uint64_t)off + done > (uint64_t)ino->size) ino->size = (off_t)(off + done);
    /* The map covers the size exactly (a failed write may have grown it). */
    uint64_t nb = ((uint64_t)ino->size + BLK - 1) / BLK;
    if (f->nblocks > nb) {
        rw_cache_drop(l->cache, f, nb, f->nblocks);
        for (uint64_t i = nb; i < f->nblocks; i++)
            if (f->map[i].changed && real(f->map[i].slot))
                (void)push64(&f->freev, &f->nfree, &f->freecap, f->map[i].slot);
        f->nblocks = nb;
    }
    mutex_unlock(&l->dlock);
    return done ? (ssize_t)done : r;
}

int rw_data_resize(void *ctx, struct inode *ino, off_t size)
{
    struct layer *l = ctx;
    struct rw_file *f = file_of(ino);
    if (!f) return -ENOSPC;
    mutex_lock(&l->dlock);
    uint64_t nb = ((uint64_t)size + BLK - 1) / BLK;
    int r = 0;
    if (size < ino->size) {
        /* The bytes past the new end of the last block read as zeros if
         * the file grows again. */
        uint64_t last = (uint64_t)size / BLK;
        size_t in = (size_t)((uint64_t)size % BLK);
        if (in && last < f->nblocks &&
            (f->map[last].slot != HOLE || rw_cache_find(l->cache, f, last, NULL)))
            r = put_block(l, f, last, in, NULL, BLK - in, NULL);
        if (r == 0 && nb < f->nblocks) {
            rw_cache_drop(l->cache, f, nb, f->nblocks);
            for (uint64_t i = nb; i < f->nblocks && r == 0; i++) {
                struct bent *e = &f->map[i];
                if (e->changed && real(e->slot)) /* never committed: free now */
                    r = push64(&f->freev, &f->nfree, &f->freecap, e->slot);
                else if (!e->changed && real(e->slot))
                    r = mark_changed(f, i); /* its committed slot goes at the commit */
            }
            if (r == 0) f->nblocks = nb;
        }
    } else {
        r = nb > MAX_FILE_BLOCKS ? -EFBIG : rw_map_resize(f, nb);
    }
    if (r == 0) ino->size = size;
    mutex_unlock(&l->dlock);
    return r == -EFBIG ? r : r < 0 ? -ENOSPC : 0;
}

/* ---- the commit's side ---- */

int rw_data_flush(struct layer *l, struct rw_file *f, struct buf *b, bool full)
{
    int r = 0;
    for (size_t i = 0; i < f->nchg && r == 0; i++) {
        bool *dirty;
        uint64_t idx = f->chg[i].idx;
        if (idx < f->nblocks && rw_cache_find(l->cache, f, idx, &dirty) && *dirty)
            r = rw_data_writeback(l, f, idx);
        if (r == 0 && idx < f->nblocks && f->map[idx].slot == UNALLOC) r = -EIO;
    }
    if (r == 0 && f->wrote) {
        int fd = data_fd(l, f, false);
        r = fd < 0 ? fd : pal_host_fsync(fd, 1);
        if (r == 0) f->wrote = false;
    }
    if (r < 0) return -EIO;
    static const uint8_t zero[NAME];
    rw_put(b, f->named ? f->name : zero, NAME);
    rw_put64(b, f->nblocks);
    if (full) {
        for (uint64_t i = 0; i < f->nblocks; i++) {
            rw_put64(b, f->map[i].slot);
            rw_put(b, f->map[i].tag, TAG);
        }
    } else if (f->emit_all) {
        rw_put32(b, (uint32_t)f->nblocks); /* (a file of < 16 TiB) */
        for (uint64_t i = 0; i < f->nblocks; i++) {
            rw_put64(b, i);
            rw_put64(b, f->map[i].slot);
            rw_put(b, f->map[i].tag, TAG);
        }
    } else {
        size_t at = b->len;
        uint32_t count = 0;
        rw_put32(b, 0);
        for (size_t i = 0; i < f->nchg; i++) {
            uint64_t idx = f->chg[i].idx;
            if (idx >= f->nblocks) continue;
            rw_put64(b, idx);
            rw_put64(b, f->map[idx].slot);
            rw_put(b, f->map[idx].tag, TAG);
            count++;
        }
        if (!b->oom)
            for (int i = 0; i < 4; i++)
                b->p[at + i] = (uint8_t)(count >> (8 * i));
    }
    if (b->oom) return -ENOMEM;
    f->emit_all = false;
    /* Recorded: later changes take new slots; replaced committed slots
     * are reusable once this commit is durable. */
    for (size_t i = 0; i < f->nchg && r == 0; i++) {
        uint64_t idx = f->chg[i].idx, old = f->chg[i].old;
        if (real(old) && (idx >= f->nblocks || f->map[idx].slot != old))
            r = push64(&f->pfree, &f->npfree, &f->pfreecap, old);
        if (idx < f->nblocks) f->map[idx].changed = false;
    }
    f->nchg = 0;
    return r;
}

void rw_data_durable(struct layer *l, struct rw_file *f)
{
    (void)l;
    for (size_t i = 0; i < f->npfree; i++)
        if (push64(&f->freev, &f->nfree, &f->freecap, f->pfree[i]) < 0) break; /* leaks a slot */
    f->npfree = 0;
}

bool rw_data_init_slots(struct rw_file *f)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < f->nblocks; i++) {
        uint64_t s = f->map[i].slot;
        if (s == HOLE) continue;
        if (s >= MAX_SLOT || !f->named) return false;
        if (s + 1 > n) n = s + 1;
    }
    uint8_t *used = n ? kcalloc((n + 7) / 8, 1) : NULL;
    if (n && !used) return false;
    bool ok = true;
    for (uint64_t i = 0; i < f->nblocks && ok; i++) {
        uint64_t s = f->map[i].slot;
        if (s == HOLE) continue;
        if (used[s / 8] & (1u << (s % 8))) ok = false; /* one slot, two blocks */
        used[s / 8] |= (uint8_t)(1u << (s % 8));
    }
    for (uint64_t s = n; ok && s-- > 0;)
        if (!(used[s / 8] & (1u << (s % 8))) && push64(&f->freev, &f->nfree, &f->freecap, s) < 0)
            ok = false;
    kfree(used);
    f->nslots = n;
    return ok;
}
