/*
 * sefs_rw_meta: the writable layer's snapshot (fs/sefs_rw.c has the
 * overview; docs/sefs-format.md the format): the checkpoint that writes
 * the whole tree atomically (meta.tmp, fsync, rename, directory fsync),
 * the load at mount (snapshot, then the journal's replay, then a check of
 * the resulting tree), and the removal of host files no committed tree
 * references.
 */
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

/* ---- garbage: host files no committed tree references ---- */

int rw_names_add(struct names *s, const uint8_t name[NAME])
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        void *v = krealloc(s->v, cap * NAME);
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
    kfree(dead.v);
}

/* ---- checkpoint ---- */

/* Inode numbers already written (hard links appear once). */
struct seen {
    uint64_t *v;
    size_t cap, n;
};

static bool seen_add(struct seen *s, uint64_t ino, bool *oom)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        uint64_t *v = kcalloc(cap, sizeof(*v));
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
        kfree(s->v);
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

/* One inode's record (sb->lock held); directories queue their children,
 * regular files go to `files` (their freed slots, once durable). */
static int emit(struct layer *l, struct inode *ino, struct buf *b, struct inode ***q, size_t *qn,
                size_t *qcap, struct seen *seen)
{
    struct rnode *n = ino->priv;
    int r = 0;
    mutex_lock(&ino->lock);
    rw_record_inode(b, ino);
    if (S_ISREG(ino->mode)) {
        static const uint8_t zero[NAME];
        struct rw_file *f = n->pstate;
        if (f) {
            mutex_lock(&l->dlock);
            r = rw_data_flush(l, f, b, true);
            mutex_unlock(&l->dlock);
        } else {
            rw_put(b, zero, NAME);
            rw_put64(b, 0);
        }
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
            struct inode **v = krealloc(*q, cap * sizeof(*v));
            if (!v) return -ENOMEM;
            *q = v;
            *qcap = cap;
        }
        (*q)[(*qn)++] = d->inode;
    }
    return oom ? -ENOMEM : 0;
}

/* Seal the snapshot and put it in place atomically; tag gets its tag. */
static int write_meta(struct layer *l, const struct buf *b, uint8_t tag[TAG])
{
    uint8_t *out = kmalloc(HDR + b->len + TAG);
    if (!out) return -ENOMEM;
    memset(out, 0, HDR);
    memcpy(out, MAGIC, 8);
    out[8] = FORMAT;
    rw_key_check(l, out + 16);
    int r = pal_random(out + 32, NONCE);
    for (int i = 0; i < 8; i++)
        out[48 + i] = (uint8_t)((uint64_t)b->len >> (8 * i));
    if (r >= 0)
        r = rw_gcm(l, true, out + 32, out, HDR, b->p, b->len, out + HDR, out + HDR + b->len);
    memcpy(tag, out + HDR + b->len, TAG);
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
    kfree(out);
    return r;
}

int rw_checkpoint(struct layer *l)
{
    struct ramfs_sb *sb = l->sb;
    struct inode **noted;
    size_t nnoted;
    struct buf ops, b = {0};
    struct names dead;
    /* The snapshot holds everything the noted changes would have said. */
    rw_take_noted(l, &noted, &nnoted, &ops, &dead);
    kfree(ops.p);
    rw_set_need_snapshot(l, false); /* (what is noted from now on is after it) */
    struct seen seen = {0};
    struct inode **q = NULL;
    size_t qn = 0, qcap = 0;
    bool oom = false;
    uint8_t jid[16], tag[TAG];
    int r = pal_random(jid, sizeof(jid));
    rw_put64(&b, l->counter + 1);
    rw_put64(&b, sb->next_ino);
    rw_put64(&b, 0); /* the inode count, patched below */
    rw_put(&b, jid, sizeof(jid));
    seen_add(&seen, l->root->ino, &oom);
    if (r == 0) r = emit(l, l->root, &b, &q, &qn, &qcap, &seen);
    for (size_t i = 0; r == 0 && i < qn; i++)
        r = emit(l, q[i], &b, &q, &qn, &qcap, &seen);
    if (r == 0 && (b.oom || oom)) r = -ENOMEM;
    mutex_lock(&l->dlock);
    bool dd = l->dir_dirty;
    l->dir_dirty = false;
    mutex_unlock(&l->dlock);
    if (r == 0) {
        for (int i = 0; i < 8; i++)
            b.p[16 + i] = (uint8_t)((uint64_t)(qn + 1) >> (8 * i));
        r = write_meta(l, &b, tag); /* (its directory fsync covers new data files) */
    }
    if (r == 0) {
        l->counter++;
        memcpy(l->jid, jid, sizeof(jid));
        memcpy(l->prev, tag, TAG);
        l->snap_len = b.len;
        /* Without a fresh journal nothing can be appended: the next commit
         * is a snapshot again. */
        if (rw_journal_reset(l) < 0) rw_set_need_snapshot(l, true);
    } else {
        log_error("sefs writable layer %s: checkpoint failed: %s", l->dir, strerror(-r));
    }
    rw_commit_settle(l, q, qn, &dead, dd, r == 0);
    kfree(b.p);
    kfree(seen.v);
    kfree(q);
    l->q_done = noted;
    l->nq_done = nnoted;
    return r < 0 ? -EIO : 0;
}

/* ---- mount: the committed tree back into the ramfs ---- */

struct lrec {
    uint64_t ino;
    struct inode *i;
    size_t dir_off; /* directories: their entries in the snapshot */
};

/* Skip or add a directory's entries (pass 2 adds). */
static int dir_entries(struct cur *c, struct inode *dir, struct itab *t)
{
    (void)rw_get64(c); /* a directory's parent is whichever directory lists it */
    uint32_t count = rw_get32(c);
    for (uint32_t k = 0; k < count && !c->bad; k++) {
        uint32_t len = rw_get32(c);
        const uint8_t *name = len && len <= LIBOS_NAME_MAX ? rw_take(c, len) : NULL;
        uint64_t ino = rw_get64(c);
        if (!name || memchr(name, '/', len) || memchr(name, 0, len)) c->bad = true;
        if (c->bad || !dir) continue;
        struct inode *child = rw_itab_get(t, ino);
        char nm[LIBOS_NAME_MAX + 1];
        memcpy(nm, name, len);
        nm[len] = 0;
        if (!child) {
            c->bad = true; /* dangling */
            continue;
        }
        inode_get(child);
        if (ramfs_dir_add(dir, nm, child) < 0) {
            inode_put(child);
            return -ENOMEM;
        }
    }
    return c->bad ? -EINVAL : 0;
}

static void snap_time(struct cur *c, struct timespec *t)
{
    t->tv_sec = (time_t)rw_get64(c);
    t->tv_nsec = rw_get32(c);
    if (t->tv_nsec >= 1000000000) c->bad = true;
}

/* A regular file's map from the snapshot. */
static int file_map(struct cur *c, struct inode *i, size_t len)
{
    struct rnode *n = i->priv;
    const uint8_t *name = rw_take(c, NAME);
    uint64_t nb = rw_get64(c);
    if (c->bad || nb > len / (8 + TAG)) return -EINVAL;
    struct rw_file *f = rw_file_new(i->ino);
    if (!f) return -ENOMEM;
    n->pstate = f;
    static const uint8_t zero[NAME];
    if (memcmp(name, zero, NAME) != 0) {
        memcpy(f->name, name, NAME);
        f->named = true;
    }
    if (rw_map_resize(f, nb) < 0) return -ENOMEM;
    for (uint64_t k = 0; k < nb; k++) {
        f->map[k].slot = rw_get64(c);
        const uint8_t *tag = rw_take(c, TAG);
        if (!tag) return -EINVAL;
        memcpy(f->map[k].tag, tag, TAG);
    }
    return 0;
}

static int parse_snapshot(struct layer *l, const uint8_t *p, size_t len, struct itab *t)
{
    struct cur c = {.p = p, .len = len};
    uint64_t counter = rw_get64(&c), next_ino = rw_get64(&c), nrec = rw_get64(&c);
    const uint8_t *jid = rw_take(&c, 16);
    if (c.bad || nrec == 0 || nrec > len / 64) return -EINVAL;
    struct lrec *recs = kcalloc(nrec, sizeof(*recs));
    if (!recs) return -ENOMEM;
    int r = 0;
    for (size_t made = 0; made < nrec && r == 0; made++) {
        struct lrec *x = &recs[made];
        x->ino = rw_get64(&c);
        mode_t mode = rw_get32(&c);
        uid_t uid = rw_get32(&c);
        gid_t gid = rw_get32(&c);
        nlink_t nlink = rw_get32(&c);
        uint64_t size = rw_get64(&c);
        struct timespec a, m, ct;
        snap_time(&c, &a);
        snap_time(&c, &m);
        snap_time(&c, &ct);
        if (c.bad || x->ino == 0 || x->ino >= next_ino || size > INT64_MAX ||
            (made == 0 && !S_ISDIR(mode)) || rw_itab_get(t, x->ino) || !rw_mode_ok(mode)) {
            r = -EINVAL;
            break;
        }
        struct inode *i = made == 0 ? l->root : ramfs_node_new(l->root->mnt, l->sb, mode);
        if (!i) {
            r = -ENOMEM;
            break;
        }
        if (made == 0) inode_get(i);
        if (rw_itab_put(t, x->ino, i) < 0) {
            inode_put(i);
            r = -ENOMEM;
            break;
        }
        x->i = i;
        i->ino = x->ino;
        i->mode = mode;
        i->uid = uid;
        i->gid = gid;
        i->nlink = nlink;
        i->size = (off_t)size;
        i->atime = a;
        i->mtime = m;
        i->ctime = ct;
        struct rnode *n = i->priv;
        if (S_ISREG(mode)) {
            r = file_map(&c, i, len);
        } else if (S_ISLNK(mode)) {
            uint32_t tl = rw_get32(&c);
            const uint8_t *tg = tl == size ? rw_take(&c, tl) : NULL;
            n->target = tg ? kstrndup((const char *)tg, tl) : NULL;
            if (!tg || memchr(tg, 0, tl)) r = -EINVAL;
            if (r == 0 && !n->target) r = -ENOMEM;
        } else {
            x->dir_off = c.off;
            r = dir_entries(&c, NULL, t);
        }
    }
    if (r == 0 && c.off != c.len) r = -EINVAL;
    for (size_t k = 0; r == 0 && k < nrec; k++) {
        if (!S_ISDIR(recs[k].i->mode)) continue;
        struct cur dc = {.p = p, .len = len, .off = recs[k].dir_off};
        r = dir_entries(&dc, recs[k].i, t);
    }
    if (r == 0) {
        l->sb->next_ino = next_ino;
        l->counter = counter;
        memcpy(l->jid, jid, 16);
    }
    kfree(recs);
    return r;
}

/* The loaded tree is sound: every directory reached once from the root,
 * every file's map matching its size and slots; parents and directory
 * sizes set; live gets the data files in use. Unreached inodes drop out
 * with the table. */
static int check_tree(struct layer *l, struct itab *t, struct names *live)
{
    struct inode **q = kmalloc(sizeof(*q));
    size_t qn = 1, qcap = 1;
    int r = q ? 0 : -ENOMEM;
    if (q) q[0] = l->root;
    ((struct rnode *)l->root->priv)->parent = NULL;
    ((struct rnode *)l->root->priv)->queued = true; /* (as "reached" while loading) */
    for (size_t k = 0; r == 0 && k < qn; k++) {
        struct inode *i = q[k];
        struct rnode *n = i->priv;
        if (S_ISREG(i->mode)) {
            struct rw_file *f = n->pstate;
            uint64_t nb = ((uint64_t)i->size + BLK - 1) / BLK;
            if (f ? f->nblocks != nb || !rw_data_init_slots(f) : nb != 0) r = -EINVAL;
            if (r == 0 && f && f->named) r = rw_names_add(live, f->name);
            continue;
        }
        if (!S_ISDIR(i->mode)) continue;
        i->size = (off_t)(20 * n->count);
        for (struct rdirent *d = n->head; d && r == 0; d = d->next) {
            struct rnode *cn = d->inode->priv;
            if (cn->queued) {
                if (S_ISDIR(d->inode->mode)) r = -EINVAL; /* a directory listed twice */
                continue;
            }
            cn->queued = true;
            if (S_ISDIR(d->inode->mode)) cn->parent = i;
            if (qn == qcap) {
                struct inode **v = krealloc(q, 2 * qcap * sizeof(*v));
                if (!v) {
                    r = -ENOMEM;
                    break;
                }
                q = v;
                qcap *= 2;
            }
            q[qn++] = d->inode;
        }
    }
    for (size_t k = 0; k < qn; k++)
        ((struct rnode *)q[k]->priv)->queued = false;
    kfree(q);
    return r;
}

static void itab_release(struct itab *t)
{
    for (size_t j = 0; j < t->cap; j++)
        inode_put(t->v[j]);
    kfree(t->k);
    kfree(t->v);
}

/* Read, check and load `meta`; a missing one is a fresh layer. */
int rw_meta_load(struct layer *l, char *err, size_t errlen)
{
    char path[LIBOS_PATH_MAX + 40];
    struct names live = {0};
    struct itab t = {0};
    rw_host_path(l, META, path, sizeof(path));
    int fd = pal_host_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd == -ENOENT) {
        /* A fresh layer (or a first commit that did not complete): its
         * first commit writes a snapshot and starts the journal. */
        l->sb->dirty = false;
        l->need_snapshot = true;
        collect_garbage(l, &live);
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
        raw = kmalloc(size);
        plain = kmalloc(size - HDR - TAG + 1);
        r = raw && plain ? rw_read_all(fd, raw, size, 0) : -ENOMEM;
    } else if (r == 0) {
        r = -EINVAL;
    }
    pal_host_close(fd);
    uint8_t kc[16];
    rw_key_check(l, kc);
    if (r == 0 && (memcmp(raw, MAGIC, 8) != 0 || rw_le(raw + 8, 4) != FORMAT)) {
        r = -EINVAL;
        why = memcmp(raw, MAGIC, 8) == 0 && rw_le(raw + 8, 4) < FORMAT
                  ? "it is in an older format (an earlier LibOS wrote it)"
                  : "its metadata is not a writable layer's (damaged)";
    } else if (r == 0 && rw_le(raw + 48, 8) != size - HDR - TAG) {
        r = -EINVAL;
    } else if (r == 0 && CRYPTO_memcmp(raw + 16, kc, 16) != 0) {
        r = -EKEYREJECTED;
    } else if (r == 0) {
        size_t plen = size - HDR - TAG;
        why = "its metadata does not verify (tampered with or damaged)";
        r = rw_gcm(l, false, raw + 32, raw, HDR, raw + HDR, plen, plain, raw + HDR + plen);
        l->sb->loading = true;
        if (r == 0) r = parse_snapshot(l, plain, plen, &t);
        if (r == -EINVAL) why = "its metadata is malformed";
        if (r == 0) {
            memcpy(l->prev, raw + HDR + plen, TAG);
            l->snap_len = plen;
            r = rw_journal_load(l, &t, &why);
        }
        if (r == 0) r = check_tree(l, &t, &live);
        if (r == -EINVAL && !strstr(why, "journal")) why = "its metadata is malformed";
        l->sb->loading = false;
        l->sb->dirty = false;
    }
    itab_release(&t);
    kfree(raw);
    kfree(plain);
    if (r == -EKEYREJECTED) {
        snprintf(err, errlen,
                 "writable layer %s was sealed with another key (the instance's root: another "
                 "host's sealing secret or another signing key; a unionfs mounted at run time: "
                 "another key=); use the host, signing key or key= that wrote it, or delete %s "
                 "to start afresh (its files are lost)",
                 l->dir, l->dir);
        kfree(live.v);
        return -1;
    }
    if (r < 0) {
        snprintf(err, errlen,
                 "writable layer %s: %s; delete %s to start afresh (its files are lost)", l->dir,
                 r == -ENOMEM ? "out of memory" : why, l->dir);
        kfree(live.v);
        return -1;
    }
    collect_garbage(l, &live);
    kfree(live.v);
    return 0;
}
