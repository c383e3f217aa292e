/*
 * sefs_rw_meta: the writable layer's metadata (fs/sefs_rw.c has the
 * overview; docs/sefs-format.md the format): the commit that writes the
 * tree atomically, the load at mount that checks and rebuilds it, and the
 * removal of host files no committed tree references.
 */
#include "fs/sefs_rw_int.h"

#include "pal/pal.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A cursor over decrypted metadata; `bad` once it runs past the end. */
struct cur {
    const uint8_t *p;
    size_t len, off;
    bool bad;
};

static const uint8_t *take(struct cur *c, size_t n)
{
    if (c->bad || n > c->len - c->off) {
        c->bad = true;
        return NULL;
    }
    c->off += n;
    return c->p + c->off - n;
}

static uint64_t get64(struct cur *c)
{
    const uint8_t *p = take(c, 8);
    return p ? rw_le(p, 8) : 0;
}

static uint32_t get32(struct cur *c)
{
    const uint8_t *p = take(c, 4);
    return p ? (uint32_t)rw_le(p, 4) : 0;
}

/* ---- garbage: host files no committed tree references ---- */

int rw_names_add(struct names *s, const uint8_t name[NAME])
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        void *v = realloc(s->v, cap * NAME);
        if (!v) return -ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    memcpy(s->v[s->n++], name, NAME);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return memcmp(a, b, NAME);
}

/* Lowercase hex digits only: the names this layer makes. */
static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

struct linux_dirent64_ {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* At mount: delete the data files `live` (the committed tree's) does not
 * name: those a crash left between writing them and the commit, or
 * between a commit and the deletion of the files it dropped. */
static void collect_garbage(struct layer *l, struct names *live)
{
    if (live->n) qsort(live->v, live->n, NAME, name_cmp);
    int fd = pal_host_open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return;
    struct names dead = {0};
    char buf[4096];
    ssize_t n;
    while ((n = pal_host_getdents64(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t off = 0; off < n;) {
            struct linux_dirent64_ *d = (void *)(buf + off);
            off += d->d_reclen;
            uint8_t name[NAME];
            bool ok = strlen(d->d_name) == 2 * NAME;
            for (int i = 0; ok && i < 2 * NAME; i++) {
                int v = hexval(d->d_name[i]);
                ok = v >= 0;
                if (i % 2 == 0)
                    name[i / 2] = (uint8_t)(v << 4);
                else
                    name[i / 2] |= (uint8_t)v;
            }
            if (ok && !(live->n && bsearch(name, live->v, live->n, NAME, name_cmp)))
                rw_names_add(&dead, name);
        }
    }
    pal_host_close(fd);
    char hex[2 * NAME + 1], path[LIBOS_PATH_MAX + 40];
    for (size_t i = 0; i < dead.n; i++) {
        rw_hex_name(dead.v[i], hex);
        rw_host_path(l, hex, path, sizeof(path));
        pal_host_unlink(path);
    }
    free(dead.v);
}

/* ---- commit ---- */

/* After a completed commit: the data files it no longer names. */
static void delete_dead(struct layer *l)
{
    mutex_lock(&l->dead_lock);
    struct names dead = l->dead;
    memset(&l->dead, 0, sizeof(l->dead));
    mutex_unlock(&l->dead_lock);
    char hex[2 * NAME + 1], path[LIBOS_PATH_MAX + 40];
    for (size_t i = 0; i < dead.n; i++) {
        rw_hex_name(dead.v[i], hex);
        rw_host_path(l, hex, path, sizeof(path));
        pal_host_unlink(path);
    }
    free(dead.v);
}

/* Inode numbers already written (hard links appear once). */
struct seen {
    uint64_t *v;
    size_t cap, n;
};

static bool seen_add(struct seen *s, uint64_t ino, bool *oom)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        uint64_t *v = calloc(cap, sizeof(*v));
        if (!v) {
            *oom = true;
            return false;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i]) continue;
            size_t j = (size_t)(s->v[i] * 0x9e3779b97f4a7c15ull) & (cap - 1);
            while (v[j])
                j = (j + 1) & (cap - 1);
            v[j] = s->v[i];
        }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t j = (size_t)(ino * 0x9e3779b97f4a7c15ull) & (s->cap - 1);
    while (s->v[j]) {
        if (s->v[j] == ino) return false;
        j = (j + 1) & (s->cap - 1);
    }
    s->v[j] = ino;
    s->n++;
    return true;
}

static void put_time(struct buf *b, const struct timespec *t)
{
    rw_put64(b, (uint64_t)t->tv_sec);
    rw_put32(b, (uint32_t)t->tv_nsec);
}

/* One inode's record (sb->lock held); directories queue their children. */
static int emit(struct layer *l, struct inode *ino, struct buf *b, struct inode ***q, size_t *qn,
                size_t *qcap, struct seen *seen)
{
    struct rnode *n = ino->priv;
    int r = 0;
    mutex_lock(&ino->lock);
    rw_put64(b, ino->ino);
    rw_put32(b, ino->mode);
    rw_put32(b, ino->uid);
    rw_put32(b, ino->gid);
    rw_put32(b, (uint32_t)ino->nlink);
    rw_put64(b, (uint64_t)ino->size);
    put_time(b, &ino->atime);
    put_time(b, &ino->mtime);
    put_time(b, &ino->ctime);
    if (S_ISREG(ino->mode)) {
        if (!n->pstate || __atomic_load_n(&n->data_dirty, __ATOMIC_RELAXED)) {
            struct rw_file *st = calloc(1, sizeof(*st));
            r = st ? rw_write_file(l, ino->ino, n->data, (size_t)ino->size, st) : -ENOMEM;
            if (r < 0) {
                free(st);
            } else {
                if (n->pstate) rw_forget(l, n->pstate);
                n->pstate = st;
                n->loaded = true;
                __atomic_store_n(&n->data_dirty, false, __ATOMIC_RELAXED);
            }
        }
        if (r == 0) {
            struct rw_file *st = n->pstate;
            rw_put(b, st->name, NAME);
            rw_put64(b, st->nblocks);
            rw_put(b, st->tags, st->nblocks * TAG);
        }
    } else if (S_ISLNK(ino->mode)) {
        size_t len = n->target ? strlen(n->target) : 0;
        rw_put32(b, (uint32_t)len);
        rw_put(b, n->target, len);
    }
    mutex_unlock(&ino->lock);
    if (r < 0 || !S_ISDIR(ino->mode)) return r;
    rw_put64(b, n->parent ? n->parent->ino : 0);
    rw_put32(b, (uint32_t)n->count);
    bool oom = false;
    for (struct rdirent *d = n->head; d; d = d->next) {
        size_t len = strlen(d->name);
        rw_put32(b, (uint32_t)len);
        rw_put(b, d->name, len);
        rw_put64(b, d->inode->ino);
        if (!seen_add(seen, d->inode->ino, &oom)) continue;
        if (*qn == *qcap) {
            size_t cap = *qcap ? 2 * *qcap : 256;
            struct inode **v = realloc(*q, cap * sizeof(*v));
            if (!v) return -ENOMEM;
            *q = v;
            *qcap = cap;
        }
        (*q)[(*qn)++] = d->inode;
    }
    return oom ? -ENOMEM : 0;
}

/* Seal the metadata and put it in place atomically. */
static int write_meta(struct layer *l, const struct buf *b)
{
    uint8_t *out = malloc(HDR + b->len + TAG);
    if (!out) return -ENOMEM;
    memset(out, 0, HDR);
    memcpy(out, MAGIC, 8);
    struct buf h = {0};
    rw_put32(&h, FORMAT);
    if (h.oom) {
        free(out);
        return -ENOMEM;
    }
    memcpy(out + 8, h.p, 4);
    free(h.p);
    rw_key_check(out + 16);
    int r = pal_random(out + 32, NONCE);
    for (int i = 0; i < 8; i++)
        out[48 + i] = (uint8_t)((uint64_t)b->len >> (8 * i));
    if (r >= 0) r = rw_gcm(true, out + 32, out, HDR, b->p, b->len, out + HDR, out + HDR + b->len);
    char tmp[LIBOS_PATH_MAX + 40], meta[LIBOS_PATH_MAX + 40];
    rw_host_path(l, META_TMP, tmp, sizeof(tmp));
    rw_host_path(l, META, meta, sizeof(meta));
    int fd = r < 0 ? r : pal_host_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) r = fd;
    if (r >= 0) r = rw_write_all(fd, out, HDR + b->len + TAG, 0);
    if (r >= 0) r = pal_host_fsync(fd, 0);
    if (fd >= 0) pal_host_close(fd);
    if (r >= 0) r = pal_host_rename(tmp, meta); /* the commit point */
    if (r >= 0) r = rw_fsync_dir(l);
    free(out);
    return r;
}

int rw_commit(void *ctx)
{
    struct layer *l = ctx;
    struct ramfs_sb *sb = l->sb;
    mutex_lock(&l->commit_lock);
    mutex_lock(&sb->lock);
    if (!__atomic_exchange_n(&sb->dirty, false, __ATOMIC_RELAXED)) {
        mutex_unlock(&sb->lock);
        mutex_unlock(&l->commit_lock);
        return 0;
    }
    struct buf b = {0};
    struct seen seen = {0};
    struct inode **q = NULL;
    size_t qn = 0, qcap = 0;
    bool oom = false;
    rw_put64(&b, l->counter + 1);
    rw_put64(&b, sb->next_ino);
    rw_put64(&b, 0); /* the inode count, patched below */
    seen_add(&seen, l->root->ino, &oom);
    int r = emit(l, l->root, &b, &q, &qn, &qcap, &seen);
    for (size_t i = 0; r == 0 && i < qn; i++)
        r = emit(l, q[i], &b, &q, &qn, &qcap, &seen);
    if (r == 0 && (b.oom || oom)) r = -ENOMEM;
    if (r == 0) {
        for (int i = 0; i < 8; i++)
            b.p[16 + i] = (uint8_t)((uint64_t)(qn + 1) >> (8 * i));
        r = write_meta(l, &b);
    }
    if (r == 0) {
        l->counter++;
        delete_dead(l);
    } else {
        __atomic_store_n(&sb->dirty, true, __ATOMIC_RELAXED);
        log_error("sefs writable layer %s: commit failed: %s; the last commit stays in place",
                  l->dir, strerror(-r));
    }
    mutex_unlock(&sb->lock);
    mutex_unlock(&l->commit_lock);
    free(b.p);
    free(seen.v);
    free(q);
    return r < 0 ? -EIO : 0;
}

/* ---- mount: the committed tree back into the ramfs ---- */

struct lrec {
    uint64_t ino;
    struct inode *i;
    nlink_t nlink;
    struct timespec atime, mtime, ctime;
    size_t dir_off; /* directories: their entries in the metadata */
};

static int lrec_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct lrec *)a)->ino, y = ((const struct lrec *)b)->ino;
    return x < y ? -1 : x > y;
}

static void get_time(struct cur *c, struct timespec *t)
{
    t->tv_sec = (time_t)get64(c);
    t->tv_nsec = get32(c);
    if (t->tv_nsec >= 1000000000) c->bad = true;
}

/* Skip or add a directory's entries (pass 2 adds). */
static int dir_entries(struct cur *c, struct inode *dir, struct inode *root, struct lrec *recs,
                       size_t nrec)
{
    uint64_t parent = get64(c);
    (void)parent; /* a directory's parent is whichever directory lists it */
    uint32_t count = get32(c);
    for (uint32_t k = 0; k < count && !c->bad; k++) {
        uint32_t len = get32(c);
        const uint8_t *name = len && len <= LIBOS_NAME_MAX ? take(c, len) : NULL;
        struct lrec key = {.ino = get64(c)};
        if (!name || memchr(name, '/', len) || memchr(name, 0, len)) c->bad = true;
        if (c->bad || !dir) continue;
        struct lrec *child = bsearch(&key, recs, nrec, sizeof(*recs), lrec_cmp);
        char nm[LIBOS_NAME_MAX + 1];
        memcpy(nm, name, len);
        nm[len] = 0;
        if (!child || child->i == root ||
            (S_ISDIR(child->i->mode) && ((struct rnode *)child->i->priv)->parent)) {
            c->bad = true; /* dangling, or a directory listed twice */
            continue;
        }
        inode_get(child->i);
        if (ramfs_dir_add(dir, nm, child->i) < 0) {
            inode_put(child->i);
            return -ENOMEM;
        }
        if (S_ISDIR(child->i->mode)) ((struct rnode *)child->i->priv)->parent = dir;
    }
    return c->bad ? -EINVAL : 0;
}

static int parse_tree(struct layer *l, const uint8_t *p, size_t len, struct names *live)
{
    struct cur c = {.p = p, .len = len};
    uint64_t counter = get64(&c), next_ino = get64(&c), nrec = get64(&c);
    if (c.bad || nrec == 0 || nrec > len / 64) return -EINVAL;
    struct lrec *recs = calloc(nrec, sizeof(*recs));
    if (!recs) return -ENOMEM;
    int r = 0;
    size_t made = 0;
    for (; made < nrec && r == 0; made++) {
        struct lrec *x = &recs[made];
        x->ino = get64(&c);
        mode_t mode = get32(&c);
        uid_t uid = get32(&c);
        gid_t gid = get32(&c);
        x->nlink = get32(&c);
        uint64_t size = get64(&c);
        get_time(&c, &x->atime);
        get_time(&c, &x->mtime);
        get_time(&c, &x->ctime);
        if (c.bad || x->ino == 0 || x->ino >= next_ino || size > INT64_MAX ||
            (made == 0 && !S_ISDIR(mode))) {
            r = -EINVAL;
            break;
        }
        struct inode *i = made == 0 ? l->root : ramfs_node_new(l->root->mnt, l->sb, mode);
        if (!i) {
            r = -ENOMEM;
            break;
        }
        x->i = i;
        i->ino = x->ino;
        i->mode = mode;
        i->uid = uid;
        i->gid = gid;
        i->size = (off_t)size;
        struct rnode *n = i->priv;
        if (S_ISREG(mode)) {
            struct rw_file *st = calloc(1, sizeof(*st));
            const uint8_t *name = take(&c, NAME);
            uint64_t nb = get64(&c);
            const uint8_t *tags = nb <= len / TAG ? take(&c, nb * TAG) : NULL;
            if (!st || !name || !tags || nb != (size + BLK - 1) / BLK) {
                free(st);
                r = st ? -EINVAL : -ENOMEM;
                break;
            }
            memcpy(st->name, name, NAME);
            st->nblocks = nb;
            st->tags = nb ? malloc(nb * TAG) : NULL;
            if (nb && !st->tags) {
                free(st);
                r = -ENOMEM;
                break;
            }
            if (nb) memcpy(st->tags, tags, nb * TAG);
            n->pstate = st;
            if (nb && rw_names_add(live, st->name) < 0) r = -ENOMEM;
        } else if (S_ISLNK(mode)) {
            uint32_t tl = get32(&c);
            const uint8_t *t = tl == size ? take(&c, tl) : NULL;
            n->target = t ? strndup((const char *)t, tl) : NULL;
            if (!t || memchr(t, 0, tl)) r = -EINVAL;
            if (r == 0 && !n->target) r = -ENOMEM;
        } else if (S_ISDIR(mode)) {
            x->dir_off = c.off;
            r = dir_entries(&c, NULL, NULL, NULL, 0);
        }
    }
    if (r == 0 && c.off != c.len) r = -EINVAL;
    if (r == 0) {
        qsort(recs, nrec, sizeof(*recs), lrec_cmp);
        for (size_t k = 1; k < nrec; k++)
            if (recs[k].ino == recs[k - 1].ino) r = -EINVAL;
    }
    for (size_t k = 0; r == 0 && k < nrec; k++) {
        if (!S_ISDIR(recs[k].i->mode)) continue;
        struct cur dc = {.p = p, .len = len, .off = recs[k].dir_off};
        r = dir_entries(&dc, recs[k].i, l->root, recs, nrec);
    }
    for (size_t k = 0; r == 0 && k < nrec; k++) {
        struct inode *i = recs[k].i;
        i->nlink = recs[k].nlink;
        i->atime = recs[k].atime;
        i->mtime = recs[k].mtime;
        i->ctime = recs[k].ctime;
        ((struct rnode *)i->priv)->data_dirty = false;
    }
    if (r == 0) {
        l->sb->next_ino = next_ino;
        l->sb->dirty = false;
        l->counter = counter;
    }
    /* The tree holds what it references now; the rest (and on failure all
     * but the root, emptied by the caller) goes. */
    for (size_t k = 0; k <= made && k < nrec; k++)
        if (recs[k].i && recs[k].i != l->root) inode_put(recs[k].i);
    free(recs);
    return r;
}

/* Read, check and load `meta`; a missing one is a fresh layer. */
int rw_meta_load(struct layer *l, char *err, size_t errlen)
{
    char path[LIBOS_PATH_MAX + 40];
    struct names live = {0};
    rw_host_path(l, META, path, sizeof(path));
    int fd = pal_host_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd == -ENOENT) {
        l->sb->dirty = false;
        collect_garbage(l, &live); /* a first commit that did not complete */
        return 0;
    }
    if (fd < 0) {
        snprintf(err, errlen, "writable layer %s: cannot read its metadata: %s", l->dir,
                 strerror(-fd));
        return -1;
    }
    struct stat st;
    uint8_t *raw = NULL, *plain = NULL;
    int r = pal_host_fstat(fd, &st);
    size_t size = r == 0 ? (size_t)st.st_size : 0;
    const char *why = "its metadata is truncated";
    if (r == 0 && size >= HDR + TAG) {
        raw = malloc(size);
        plain = malloc(size - HDR - TAG + 1);
        r = raw && plain ? rw_read_all(fd, raw, size, 0) : -ENOMEM;
    } else if (r == 0) {
        r = -EINVAL;
    }
    pal_host_close(fd);
    uint8_t kc[16];
    rw_key_check(kc);
    if (r == 0 && (memcmp(raw, MAGIC, 8) != 0 || rw_le(raw + 8, 4) != FORMAT)) {
        r = -EINVAL;
        why = "its metadata is not a writable layer's (damaged)";
    } else if (r == 0 && rw_le(raw + 48, 8) != size - HDR - TAG) {
        r = -EINVAL;
    } else if (r == 0 && CRYPTO_memcmp(raw + 16, kc, 16) != 0) {
        r = -EKEYREJECTED;
    } else if (r == 0) {
        size_t plen = size - HDR - TAG;
        why = "its metadata does not verify (tampered with or damaged)";
        r = rw_gcm(false, raw + 32, raw, HDR, raw + HDR, plen, plain, raw + HDR + plen);
        if (r == 0) r = parse_tree(l, plain, plen, &live);
        if (r == -EINVAL) why = "its metadata is malformed";
    }
    free(raw);
    free(plain);
    if (r == -EKEYREJECTED) {
        snprintf(err, errlen,
                 "writable layer %s was sealed with another key (another host's sealing secret "
                 "or another signing key); run on the host and with the signing key that wrote "
                 "it, or delete %s to start afresh (its files are lost)",
                 l->dir, l->dir);
        free(live.v);
        return -1;
    }
    if (r < 0) {
        snprintf(err, errlen,
                 "writable layer %s: %s; delete %s to start afresh (its files are lost)", l->dir,
                 r == -ENOMEM ? "out of memory"
                 : r == -EIO  ? "its metadata does not verify "
                                "(tampered with or damaged)"
                              : why,
                 l->dir);
        free(live.v);
        return -1;
    }
    collect_garbage(l, &live);
    free(live.v);
    return 0;
}
