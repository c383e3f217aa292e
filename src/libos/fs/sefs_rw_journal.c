/*
 * sefs_rw_journal: commits of the writable layer, and their replay at
 * mount. A commit appends ONE sealed record to the host file `journal`
 * holding what changed since the previous commit: the attributes of each
 * changed inode, the changed entries of each changed file's block map, the
 * directory entries added and removed (in order) and the inodes freed. Its
 * cost is that of the changes, not of the file sizes or the tree.
 *
 * Records are chained: record k is sealed with AAD = "SEFSRWJ1" | journal
 * id | k (the commit counter) | the previous record's tag (the snapshot's
 * for the first) | length, so that a record cannot be moved, dropped from
 * the middle, or taken from another layer or another snapshot's journal.
 * A record that fails to verify at the end of the file is an append that a
 * crash interrupted (not committed: discarded); anywhere else it refuses
 * the mount.
 */
#include "fs/sefs_rw_int.h"

#include "pal/pal.h"
#include "util/log.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Journal bytes before a checkpoint is due (at least the snapshot's size
 * too); a variable so that unit tests can make checkpoints frequent. */
uint64_t rw_checkpoint_min = 1u << 20;

/* ---- ino -> inode during a load (the table holds a reference each) ---- */

static size_t ihash(uint64_t k, size_t cap)
{
    return (size_t)(k * 0x9e3779b97f4a7c15ull) & (cap - 1);
}

struct inode *rw_itab_get(struct itab *t, uint64_t ino)
{
    if (!t->cap) return NULL;
    for (size_t j = ihash(ino, t->cap); t->k[j]; j = (j + 1) & (t->cap - 1))
        if (t->k[j] == ino) return t->v[j];
    return NULL;
}

/* Add (or, with i NULL, forget) an inode; the table takes i's reference. */
int rw_itab_put(struct itab *t, uint64_t ino, struct inode *i)
{
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        uint64_t *k = kcalloc(cap, sizeof(*k));
        struct inode **v = kcalloc(cap, sizeof(*v));
        if (!k || !v) {
            kfree(k);
            kfree(v);
            return -ENOMEM;
        }
        for (size_t a = 0; a < t->cap; a++) {
            if (!t->k[a]) continue;
            size_t j = ihash(t->k[a], cap);
            while (k[j])
                j = (j + 1) & (cap - 1);
            k[j] = t->k[a];
            v[j] = t->v[a];
        }
        kfree(t->k);
        kfree(t->v);
        t->k = k;
        t->v = v;
        t->cap = cap;
    }
    size_t j = ihash(ino, t->cap);
    while (t->k[j] && t->k[j] != ino)
        j = (j + 1) & (t->cap - 1);
    if (!t->k[j]) t->n++;
    t->k[j] = ino;
    struct inode *old = t->v[j];
    t->v[j] = i;
    inode_put(old);
    return 0;
}

/* ---- records ---- */

static void put_time(struct buf *b, const struct timespec *t)
{
    rw_put64(b, (uint64_t)t->tv_sec);
    rw_put32(b, (uint32_t)t->tv_nsec);
}

/* An inode's attributes (its lock held): the OP_INODE body. */
void rw_record_inode(struct buf *b, struct inode *ino)
{
    struct rnode *n = ino->priv;
    rw_put64(b, ino->ino);
    rw_put32(b, ino->mode);
    rw_put32(b, ino->uid);
    rw_put32(b, ino->gid);
    rw_put32(b, (uint32_t)ino->nlink);
    rw_put64(b, (uint64_t)ino->size);
    put_time(b, &ino->atime);
    put_time(b, &ino->mtime);
    put_time(b, &ino->ctime);
    if (S_ISLNK(ino->mode)) {
        size_t len = n->target ? strlen(n->target) : 0;
        rw_put32(b, (uint32_t)len);
        rw_put(b, n->target, len);
    }
}

static void record_aad(const struct layer *l, uint64_t seq, uint32_t len, uint8_t aad[52])
{
    memcpy(aad, "SEFSRWJ1", 8);
    memcpy(aad + 8, l->jid, 16);
    for (int i = 0; i < 8; i++)
        aad[24 + i] = (uint8_t)(seq >> (8 * i));
    memcpy(aad + 32, l->prev, TAG);
    for (int i = 0; i < 4; i++)
        aad[48 + i] = (uint8_t)(len >> (8 * i));
}

/* Seal b as the next record and make it durable (the commit point). */
static int append(struct layer *l, const struct buf *b)
{
    if (l->jfd < 0 || b->len > UINT32_MAX) return -EIO;
    size_t total = 4 + NONCE + b->len + TAG;
    uint8_t *out = kmalloc(total), aad[52];
    if (!out) return -ENOMEM;
    uint32_t len = (uint32_t)b->len;
    for (int i = 0; i < 4; i++)
        out[i] = (uint8_t)(len >> (8 * i));
    record_aad(l, l->counter + 1, len, aad);
    int r = pal_random(out + 4, NONCE);
    if (r == 0)
        r = rw_gcm(l, true, out + 4, aad, sizeof(aad), b->p, b->len, out + 4 + NONCE,
                   out + 4 + NONCE + b->len);
    if (r == 0) r = rw_write_all(l->jfd, out, total, (off_t)l->jend);
    if (r == 0) r = pal_host_fsync(l->jfd, 1);
    if (r == 0) {
        l->jend += total;
        l->counter++;
        memcpy(l->prev, out + 4 + NONCE + b->len, TAG);
    } else {
        (void)pal_host_ftruncate(l->jfd, (off_t)l->jend); /* no garbage between records */
    }
    kfree(out);
    return r;
}

/* Start an empty journal for the current snapshot (l->jid). */
int rw_journal_reset(struct layer *l)
{
    bool created = false;
    if (l->jfd < 0) {
        char path[LIBOS_PATH_MAX + 40];
        rw_host_path(l, JOURNAL, path, sizeof(path));
        l->jfd = pal_host_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (l->jfd < 0) return l->jfd;
        created = true;
    }
    uint8_t h[JHDR] = {0};
    memcpy(h, JMAGIC, 8);
    h[8] = FORMAT;
    memcpy(h + 16, l->jid, 16);
    /* The old records go (durably) before the new id comes: the new id
     * over old records would read as tampering, the old id over nothing
     * as the stale journal it is. */
    int r = pal_host_ftruncate(l->jfd, 0);
    if (r == 0) r = pal_host_fsync(l->jfd, 0);
    if (r == 0) r = rw_write_all(l->jfd, h, JHDR, 0);
    if (r == 0) r = pal_host_fsync(l->jfd, 0);
    if (r == 0 && created) r = rw_fsync_dir(l);
    if (r == 0) l->jend = JHDR;
    return r;
}

/* ---- commit ---- */

/* Take what the hooks noted (jlock). */
void rw_take_noted(struct layer *l, struct inode ***q, size_t *nq, struct buf *ops,
                   struct names *dead)
{
    mutex_lock(&l->jlock);
    *q = l->q;
    *nq = l->nq;
    *ops = l->ops;
    *dead = l->dead;
    for (size_t i = 0; i < l->nq; i++)
        ((struct rnode *)l->q[i]->priv)->queued = false;
    l->q = NULL;
    l->nq = l->qcap = 0;
    memset(&l->ops, 0, sizeof(l->ops));
    memset(&l->dead, 0, sizeof(l->dead));
    mutex_unlock(&l->jlock);
}

void rw_set_need_snapshot(struct layer *l, bool v)
{
    mutex_lock(&l->jlock);
    l->need_snapshot = v;
    mutex_unlock(&l->jlock);
}

/* A commit that did not happen: its freed data files stay for later. */
void rw_keep_dead(struct layer *l, struct names *dead)
{
    mutex_lock(&l->jlock);
    for (size_t i = 0; i < dead->n; i++)
        (void)rw_names_add(&l->dead, dead->v[i]);
    mutex_unlock(&l->jlock);
    kfree(dead->v);
    memset(dead, 0, sizeof(*dead));
}

static int journal_commit(struct layer *l)
{
    struct inode **q;
    size_t nq;
    struct buf ops, b = {0};
    struct names dead;
    rw_take_noted(l, &q, &nq, &ops, &dead);
    int r = ops.oom ? -ENOMEM : 0;
    rw_put8(&b, OP_NEXT);
    rw_put64(&b, l->sb->next_ino);
    for (size_t i = 0; i < nq && r == 0; i++) {
        struct inode *ino = q[i];
        struct rw_file *f = ((struct rnode *)ino->priv)->pstate;
        mutex_lock(&ino->lock);
        rw_put8(&b, OP_INODE);
        rw_record_inode(&b, ino);
        if (S_ISREG(ino->mode) && f) {
            rw_put8(&b, OP_BLOCKS);
            rw_put64(&b, ino->ino);
            mutex_lock(&l->dlock);
            r = rw_data_flush(l, f, &b, false);
            mutex_unlock(&l->dlock);
        }
        mutex_unlock(&ino->lock);
    }
    rw_put(&b, ops.p, ops.len); /* after the inodes they name */
    if (r == 0 && b.oom) r = -ENOMEM;
    mutex_lock(&l->dlock);
    bool dd = l->dir_dirty;
    l->dir_dirty = false;
    mutex_unlock(&l->dlock);
    if (r == 0 && dd) r = rw_fsync_dir(l); /* new data files' names are durable */
    if (r == 0) r = append(l, &b);
    rw_commit_settle(l, q, nq, &dead, dd, r == 0);
    kfree(ops.p);
    kfree(b.p);
    /* The references go after the commit has let go of the tree. */
    l->q_done = q;
    l->nq_done = nq;
    return r;
}

int rw_commit(void *ctx)
{
    struct layer *l = ctx;
    struct ramfs_sb *sb = l->sb;
    mutex_lock(&l->commit_lock);
    mutex_lock(&sb->lock);
    bool dirty = __atomic_exchange_n(&sb->dirty, false, __ATOMIC_RELAXED);
    mutex_lock(&l->jlock);
    bool snap = l->need_snapshot;
    mutex_unlock(&l->jlock);
    int r = 0;
    struct inode **q = NULL, **q2 = NULL;
    size_t nq = 0, nq2 = 0;
    if (snap) {
        r = rw_checkpoint(l);
    } else if (dirty) {
        r = journal_commit(l);
        q = l->q_done;
        nq = l->nq_done;
        l->q_done = NULL;
        l->nq_done = 0;
        /* A journal as long as the snapshot: rewrite the snapshot, so that
         * replay at mount stays proportional to the tree. */
        if (r == 0 && l->jend > rw_checkpoint_min && l->jend > l->snap_len) (void)rw_checkpoint(l);
    }
    if (r < 0) {
        __atomic_store_n(&sb->dirty, true, __ATOMIC_RELAXED);
        log_error("sefs writable layer %s: commit failed: %s; the last commit stays in place",
                  l->dir, strerror(-r));
    }
    q2 = l->q_done;
    nq2 = l->nq_done;
    l->q_done = NULL;
    l->nq_done = 0;
    mutex_unlock(&sb->lock);
    mutex_unlock(&l->commit_lock);
    /* The recorded inodes' references go once the tree is let go of. */
    for (size_t i = 0; i < nq; i++)
        inode_put(q[i]);
    for (size_t i = 0; i < nq2; i++)
        inode_put(q2[i]);
    kfree(q);
    kfree(q2);
    return r < 0 ? -EIO : 0;
}

/* ---- replay ---- */

static void get_time(struct cur *c, struct timespec *t)
{
    t->tv_sec = (time_t)rw_get64(c);
    t->tv_nsec = rw_get32(c);
    if (t->tv_nsec >= 1000000000) c->bad = true;
}

static int name_of(struct cur *c, char nm[LIBOS_NAME_MAX + 1])
{
    uint32_t len = rw_get32(c);
    const uint8_t *p = len && len <= LIBOS_NAME_MAX ? rw_take(c, len) : NULL;
    if (!p || memchr(p, '/', len) || memchr(p, 0, len) || (len == 1 && p[0] == '.') ||
        (len == 2 && p[0] == '.' && p[1] == '.'))
        return -EINVAL;
    memcpy(nm, p, len);
    nm[len] = 0;
    return 0;
}

static int op_inode(struct layer *l, struct itab *t, struct cur *c, uint64_t next_ino)
{
    uint64_t ino = rw_get64(c);
    mode_t mode = rw_get32(c);
    uid_t uid = rw_get32(c);
    gid_t gid = rw_get32(c);
    nlink_t nlink = rw_get32(c);
    uint64_t size = rw_get64(c);
    struct timespec a, m, ct;
    get_time(c, &a);
    get_time(c, &m);
    get_time(c, &ct);
    if (c->bad || ino == 0 || ino >= next_ino || size > INT64_MAX || !rw_mode_ok(mode))
        return -EINVAL;
    struct inode *i = rw_itab_get(t, ino);
    if (i && (i->mode & S_IFMT) != (mode & S_IFMT)) return -EINVAL;
    if (!i) {
        i = ramfs_node_new(l->root->mnt, l->sb, mode);
        if (!i) return -ENOMEM;
        i->ino = ino;
        if (rw_itab_put(t, ino, i) < 0) {
            inode_put(i);
            return -ENOMEM;
        }
    }
    struct rnode *n = i->priv;
    i->mode = mode;
    i->uid = uid;
    i->gid = gid;
    i->nlink = nlink;
    i->size = (off_t)size;
    i->atime = a;
    i->mtime = m;
    i->ctime = ct;
    if (S_ISLNK(mode)) {
        uint32_t tl = rw_get32(c);
        const uint8_t *p = tl == size ? rw_take(c, tl) : NULL;
        if (!p || memchr(p, 0, tl)) return -EINVAL;
        kfree(n->target);
        n->target = kstrndup((const char *)p, tl);
        if (!n->target) return -ENOMEM;
    }
    return 0;
}

static int op_blocks(struct itab *t, struct cur *c)
{
    struct inode *i = rw_itab_get(t, rw_get64(c));
    const uint8_t *name = rw_take(c, NAME);
    uint64_t nb = rw_get64(c);
    uint32_t count = rw_get32(c);
    if (c->bad || !i || !S_ISREG(i->mode) || nb > MAX_SLOT) return -EINVAL;
    struct rnode *n = i->priv;
    struct rw_file *f = n->pstate ? n->pstate : (n->pstate = rw_file_new(i->ino));
    if (!f) return -ENOMEM;
    static const uint8_t zero[NAME];
    if (memcmp(name, zero, NAME) != 0) {
        memcpy(f->name, name, NAME);
        f->named = true;
    }
    if (nb < f->nblocks)
        f->nblocks = nb;
    else if (rw_map_resize(f, nb) < 0)
        return -ENOMEM;
    for (uint32_t k = 0; k < count; k++) {
        uint64_t idx = rw_get64(c), slot = rw_get64(c);
        const uint8_t *tag = rw_take(c, TAG);
        if (c->bad || idx >= nb || (slot != HOLE && slot >= MAX_SLOT)) return -EINVAL;
        f->map[idx].slot = slot;
        memcpy(f->map[idx].tag, tag, TAG);
    }
    return 0;
}

static int op_link(struct itab *t, struct cur *c, bool add)
{
    struct inode *dir = rw_itab_get(t, rw_get64(c));
    struct inode *child = rw_itab_get(t, rw_get64(c));
    char nm[LIBOS_NAME_MAX + 1];
    if (name_of(c, nm) < 0 || !dir || !S_ISDIR(dir->mode) || !child) return -EINVAL;
    if (!add) {
        struct inode *gone = ramfs_dir_del(dir, nm, child);
        if (!gone) return -EINVAL;
        struct rnode *gn = gone->priv;
        if (S_ISDIR(gone->mode) && gn->parent == dir) gn->parent = NULL;
        inode_put(gone);
        return 0;
    }
    inode_get(child);
    if (ramfs_dir_add(dir, nm, child) < 0) {
        inode_put(child);
        return -ENOMEM;
    }
    if (S_ISDIR(child->mode)) ((struct rnode *)child->priv)->parent = dir;
    return 0;
}

/* Apply one record's operations. */
static int apply(struct layer *l, struct itab *t, const uint8_t *p, size_t len)
{
    struct cur c = {.p = p, .len = len};
    uint64_t next_ino = l->sb->next_ino;
    int r = 0;
    while (r == 0 && c.off < c.len) {
        const uint8_t *op = rw_take(&c, 1);
        switch (op ? *op : 0) {
        case OP_NEXT: {
            uint64_t n = rw_get64(&c);
            if (n < next_ino) r = -EINVAL;
            next_ino = n;
            break;
        }
        case OP_INODE:
            r = op_inode(l, t, &c, next_ino);
            break;
        case OP_BLOCKS:
            r = op_blocks(t, &c);
            break;
        case OP_LINK:
            r = op_link(t, &c, true);
            break;
        case OP_UNLINK:
            r = op_link(t, &c, false);
            break;
        case OP_FREE: {
            uint64_t ino = rw_get64(&c);
            if (ino != l->root->ino && rw_itab_get(t, ino)) r = rw_itab_put(t, ino, NULL);
            break;
        }
        default:
            r = -EINVAL;
        }
        if (c.bad) r = -EINVAL;
    }
    l->sb->next_ino = next_ino;
    return r;
}

int rw_journal_load(struct layer *l, struct itab *t, const char **why)
{
    char path[LIBOS_PATH_MAX + 40];
    rw_host_path(l, JOURNAL, path, sizeof(path));
    l->jfd = pal_host_open(path, O_RDWR | O_CLOEXEC, 0);
    if (l->jfd == -ENOENT) return rw_journal_reset(l); /* a checkpoint's crash */
    if (l->jfd < 0) return l->jfd;
    struct stat st;
    int r = pal_host_fstat(l->jfd, &st);
    size_t size = r == 0 ? (size_t)st.st_size : 0;
    uint8_t *raw = r == 0 && size >= JHDR ? kmalloc(size) : NULL;
    if (r == 0 && raw) r = rw_read_all(l->jfd, raw, size, 0);
    /* Another snapshot's journal (a checkpoint stopped before it started
     * the new one) holds nothing the snapshot lacks. */
    if (r == 0 && (!raw || memcmp(raw, JMAGIC, 8) != 0 || memcmp(raw + 16, l->jid, 16) != 0)) {
        kfree(raw);
        return size < JHDR || raw ? rw_journal_reset(l) : -ENOMEM;
    }
    size_t off = JHDR;
    uint8_t *plain = NULL;
    while (r == 0 && size - off >= 4 + NONCE + TAG) {
        uint32_t len = (uint32_t)rw_le(raw + off, 4);
        if (len == 0 || len > size - off - 4 - NONCE - TAG) break; /* a torn append */
        size_t total = 4 + NONCE + len + TAG;
        uint8_t aad[52];
        kfree(plain);
        plain = kmalloc(len);
        if (!plain) {
            r = -ENOMEM;
            break;
        }
        record_aad(l, l->counter + 1, len, aad);
        const uint8_t *rec = raw + off;
        if (rw_gcm(l, false, rec + 4, aad, sizeof(aad), rec + 4 + NONCE, len, plain,
                   (uint8_t *)rec + 4 + NONCE + len) < 0) {
            if (off + total == size) break; /* the last append, torn */
            *why = "its journal does not verify (tampered with or damaged)";
            r = -EIO;
            break;
        }
        r = apply(l, t, plain, len);
        if (r == -EINVAL) *why = "its journal is malformed";
        if (r == 0) {
            l->counter++;
            memcpy(l->prev, rec + 4 + NONCE + len, TAG);
            off += total;
        }
    }
    kfree(plain);
    kfree(raw);
    if (r == 0 && off != size) { /* drop the torn tail before appending */
        r = pal_host_ftruncate(l->jfd, (off_t)off);
        if (r == 0) r = pal_host_fsync(l->jfd, 0);
    }
    l->jend = off;
    return r;
}
