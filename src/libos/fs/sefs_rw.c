/*
 * sefs_rw: the union's persistent, encrypted writable layer
 * (<instance>/run/mount/__ROOT). Format and guarantees: docs/sefs-format.md;
 * the parts and their locks: sefs_rw_int.h.
 *
 * In memory the layer is a ramfs (fs/ramfs.c with the hooks of
 * fs/ramfs_int.h) holding the tree and attributes; file data goes block by
 * block to one host data file per regular file (sefs_rw_data.c) through a
 * bounded cache. This file owns the shared helpers (encoding, AES-GCM,
 * host files), the hooks that note what the next commit must record, and
 * mounting and unmounting.
 *
 * A commit (sefs_rw_journal.c) appends one sealed record of what changed
 * to the journal; a checkpoint (sefs_rw_meta.c) rewrites the snapshot of
 * the whole tree when the journal has grown. Commits happen at
 * fsync/fdatasync, at the close of a file opened for writing when anything
 * changed, at sync(2) and at the end of the run.
 *
 * All host access goes through pal_host_*.
 */
#include "fs/sefs_rw.h"

#include "fs/ramfs_int.h"
#include "fs/sefs_rw_int.h"
#include "pal/pal.h"
#include "util/log.h"
#include "util/kheap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS 8

static uint8_t layer_key[32];
static uint64_t cache_bytes;
static struct layer *layers[MAX_LAYERS];
static struct mutex layers_lock = MUTEX_INIT;

void sefs_rw_set_key(const uint8_t key[32])
{
    memcpy(layer_key, key, 32);
}

void sefs_rw_set_cache_size(uint64_t bytes)
{
    cache_bytes = bytes;
}

/* ---- little-endian encoding into a growable buffer ---- */

void rw_put(struct buf *b, const void *d, size_t n)
{
    if (b->oom || n == 0) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = krealloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

void rw_put64(struct buf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    rw_put(b, x, 8);
}

void rw_put8(struct buf *b, uint8_t v)
{
    rw_put(b, &v, 1);
}

void rw_put32(struct buf *b, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    rw_put(b, x, 4);
}

uint64_t rw_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

const uint8_t *rw_take(struct cur *c, size_t n)
{
    if (c->bad || n > c->len - c->off) {
        c->bad = true;
        return NULL;
    }
    c->off += n;
    return c->p + c->off - n;
}

uint64_t rw_get64(struct cur *c)
{
    const uint8_t *p = rw_take(c, 8);
    return p ? rw_le(p, 8) : 0;
}

uint32_t rw_get32(struct cur *c)
{
    const uint8_t *p = rw_take(c, 4);
    return p ? (uint32_t)rw_le(p, 4) : 0;
}

/* ---- AES-256-GCM ---- */

int rw_gcm(const struct layer *l, bool enc, const uint8_t nonce[NONCE], const uint8_t *aad,
           size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[TAG])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n, ok = c != NULL;
    ok = ok && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) == 1;
    ok = ok && EVP_CipherInit_ex(c, NULL, NULL, l->key, nonce, enc) == 1;
    ok = ok && EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) == 1;
    ok = ok && (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1);
    if (ok && !enc) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1;
    ok = ok && EVP_CipherFinal_ex(c, out + len, &n) == 1;
    if (ok && enc) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -EIO;
}

/* The same for the data path (l->dlock held): one context per direction
 * for the layer, so that the key schedule and the allocation happen once,
 * not per block. */
int rw_gcm_data(struct layer *l, bool enc, const uint8_t nonce[NONCE], const uint8_t *aad,
                size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[TAG])
{
    EVP_CIPHER_CTX **cp = enc ? (EVP_CIPHER_CTX **)&l->genc : (EVP_CIPHER_CTX **)&l->gdec;
    if (!*cp) {
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        int ok = c != NULL;
        ok = ok && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1;
        ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) == 1;
        ok = ok && EVP_CipherInit_ex(c, NULL, NULL, l->key, NULL, enc) == 1;
        if (!ok) {
            EVP_CIPHER_CTX_free(c);
            return rw_gcm(l, enc, nonce, aad, aadlen, in, len, out, tag);
        }
        *cp = c;
    }
    EVP_CIPHER_CTX *c = *cp;
    int n, ok = EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, enc) == 1;
    ok = ok && EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) == 1;
    ok = ok && (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1);
    if (ok && !enc) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1;
    ok = ok && EVP_CipherFinal_ex(c, out + len, &n) == 1;
    if (ok && enc) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, tag) == 1;
    return ok ? 0 : -EIO;
}

/* A key check value in the clear header: a wrong key is told apart from
 * tampering (SHA-256 of a label and the key; reveals nothing usable). */
void rw_key_check(const struct layer *l, uint8_t out[16])
{
    uint8_t md[32];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(c, "occlum sefs_rw key check", 24) == 1 &&
        EVP_DigestUpdate(c, l->key, 32) == 1 && EVP_DigestFinal_ex(c, md, &mdlen) == 1)
        memcpy(out, md, 16);
    else
        memset(out, 0, 16);
    EVP_MD_CTX_free(c);
}

/* ---- host files ---- */

void rw_host_path(const struct layer *l, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", l->dir, name);
}

void rw_hex_name(const uint8_t name[NAME], char out[2 * NAME + 1])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < NAME; i++) {
        out[2 * i] = d[name[i] >> 4];
        out[2 * i + 1] = d[name[i] & 15];
    }
    out[2 * NAME] = 0;
}

int rw_write_all(int fd, const void *p, size_t len, off_t off)
{
    while (len) {
        ssize_t n = pal_host_pwrite(fd, p, len, off);
        if (n < 0) return (int)n;
        if (n == 0) return -EIO;
        p = (const char *)p + n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

int rw_read_all(int fd, void *p, size_t len, off_t off)
{
    while (len) {
        ssize_t n = pal_host_pread(fd, p, len, off);
        if (n < 0) return (int)n;
        if (n == 0) return -EIO; /* truncated */
        p = (char *)p + n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

int rw_fsync_dir(const struct layer *l)
{
    int fd = pal_host_open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return fd;
    int r = pal_host_fsync(fd, 0);
    pal_host_close(fd);
    return r;
}

void rw_delete_names(struct layer *l, struct names *dead)
{
    char hex[2 * NAME + 1], path[LIBOS_PATH_MAX + 40];
    for (size_t i = 0; i < dead->n; i++) {
        rw_hex_name(dead->v[i], hex);
        rw_host_path(l, hex, path, sizeof(path));
        pal_host_unlink(path);
    }
    kfree(dead->v);
    memset(dead, 0, sizeof(*dead));
}

/* ---- the ramfs hooks: what the next commit must record ---- */

static void queue(struct layer *l, struct inode *ino)
{
    struct rnode *n = ino->priv;
    if (n->queued) return;
    if (l->nq == l->qcap) {
        size_t cap = l->qcap ? 2 * l->qcap : 64;
        struct inode **q = krealloc(l->q, cap * sizeof(*q));
        if (!q) {
            l->need_snapshot = true; /* the next commit records everything */
            return;
        }
        l->q = q;
        l->qcap = cap;
    }
    inode_get(ino); /* until the commit has recorded it */
    l->q[l->nq++] = ino;
    n->queued = true;
}

static void rw_changed(void *ctx, struct inode *ino)
{
    struct layer *l = ctx;
    if (l->quiet) return;
    mutex_lock(&l->jlock);
    queue(l, ino);
    mutex_unlock(&l->jlock);
}

static void put_name(struct buf *b, const char *name)
{
    size_t len = strlen(name);
    rw_put32(b, (uint32_t)len);
    rw_put(b, name, len);
}

static void rw_dirent(void *ctx, struct inode *dir, const char *name, struct inode *child, bool add)
{
    struct layer *l = ctx;
    if (l->quiet) return;
    mutex_lock(&l->jlock);
    queue(l, dir);
    rw_put8(&l->ops, add ? OP_LINK : OP_UNLINK);
    rw_put64(&l->ops, dir->ino);
    rw_put64(&l->ops, child->ino);
    if (add) queue(l, child); /* a new inode is recorded before the entry naming it */
    put_name(&l->ops, name);
    if (l->ops.oom) l->need_snapshot = true;
    mutex_unlock(&l->jlock);
    /* An O_TMPFILE file gets its first name: what earlier commits recorded
     * of its blocks may be in a journal a checkpoint has since dropped
     * (the snapshot holds only named files), so record the whole map. */
    struct rw_file *f = ((struct rnode *)child->priv)->pstate;
    if (add && S_ISREG(child->mode) && child->nlink == 0 && f) {
        mutex_lock(&l->dlock);
        f->emit_all = true;
        mutex_unlock(&l->dlock);
    }
}

static void rw_forget(void *ctx, struct inode *ino)
{
    struct layer *l = ctx;
    struct rnode *n = ino->priv;
    struct rw_file *f = n->pstate;
    if (!l->quiet) {
        mutex_lock(&l->jlock);
        rw_put8(&l->ops, OP_FREE);
        rw_put64(&l->ops, ino->ino);
        /* Its data file goes once a commit has recorded the removal. */
        if (f && f->named && rw_names_add(&l->dead, f->name) < 0) {
            /* left to the next mount's sweep */
        }
        mutex_unlock(&l->jlock);
    }
    if (f) {
        mutex_lock(&l->dlock);
        rw_file_free(l, f);
        mutex_unlock(&l->dlock);
        n->pstate = NULL;
    }
}

static const struct ramfs_persist rw_persist = {
    .commit = rw_commit,
    .changed = rw_changed,
    .dirent = rw_dirent,
    .forget = rw_forget,
    .read = rw_data_read,
    .write = rw_data_write,
    .resize = rw_data_resize,
};

/* mkdir that accepts an existing directory. */
static int mkdir_one(const char *path)
{
    int r = pal_host_mkdir(path, 0700);
    return r == -EEXIST ? 0 : r;
}

/* Free what a layer owns once its tree is gone. */
static void layer_free(struct layer *l)
{
    OPENSSL_cleanse(l->key, sizeof(l->key));
    rw_cache_free(l->cache);
    EVP_CIPHER_CTX_free(l->genc);
    EVP_CIPHER_CTX_free(l->gdec);
    if (l->jfd >= 0) pal_host_close(l->jfd);
    kfree(l->q);
    kfree(l->ops.p);
    kfree(l->dead.v); /* (a refused or fully committed layer: nothing to delete) */
    kfree(l->rbuf);
    kfree(l->wbuf);
    kfree(l->sb);
    kfree(l);
}

/* Drop the references of queued inodes (the tree is going). */
static void unqueue_all(struct layer *l)
{
    for (size_t i = 0; i < l->nq; i++) {
        ((struct rnode *)l->q[i]->priv)->queued = false;
        inode_put(l->q[i]);
    }
    l->nq = 0;
}

struct inode *sefs_rw_mount(struct mount *m, const char *hostdir, char *err, size_t errlen)
{
    return sefs_rw_mount_key(m, hostdir, layer_key, err, errlen);
}

struct inode *sefs_rw_mount_key(struct mount *m, const char *hostdir, const uint8_t key[32],
                                char *err, size_t errlen)
{
    struct layer *l = kcalloc(1, sizeof(*l));
    if (!l || strlen(hostdir) >= sizeof(l->dir)) {
        kfree(l);
        snprintf(err, errlen, "writable layer %s: out of memory or path too long", hostdir);
        return NULL;
    }
    strcpy(l->dir, hostdir);
    memcpy(l->key, key, 32);
    l->jfd = -1;
    l->quiet = true;
    /* run/ and run/mount/ first: a fresh instance has neither. */
    char parent[LIBOS_PATH_MAX];
    strcpy(parent, hostdir);
    char *slash = strrchr(parent, '/');
    int r = 0;
    if (slash && slash != parent) {
        *slash = 0;
        char *s2 = strrchr(parent, '/');
        if (s2 && s2 != parent) {
            *s2 = 0;
            r = mkdir_one(parent);
            *s2 = '/';
        }
        if (r == 0) r = mkdir_one(parent);
    }
    if (r == 0) r = mkdir_one(hostdir);
    if (r < 0) {
        snprintf(err, errlen, "writable layer %s: cannot create it: %s", hostdir, strerror(-r));
        kfree(l);
        return NULL;
    }
    l->cache = rw_cache_new(cache_bytes ? cache_bytes : kheap_cache_size(DEFAULT_CACHE),
                            rw_data_writeback, l);
    l->rbuf = kmalloc(RUN * REC);
    l->wbuf = kmalloc(RUN * REC);
    l->root = l->cache && l->rbuf && l->wbuf ? ramfs_mount_persist(m, &rw_persist, l) : NULL;
    if (!l->root) {
        snprintf(err, errlen, "writable layer %s: out of memory", hostdir);
        rw_cache_free(l->cache);
        kfree(l->rbuf);
        kfree(l->wbuf);
        kfree(l);
        return NULL;
    }
    l->sb = ((struct rnode *)l->root->priv)->sb;
    if (rw_meta_load(l, err, errlen) < 0) {
        inode_put(l->root);
        layer_free(l);
        return NULL;
    }
    l->quiet = false;
    mutex_lock(&layers_lock);
    for (int i = 0; i < MAX_LAYERS; i++) {
        if (!layers[i]) {
            layers[i] = l;
            break;
        }
    }
    mutex_unlock(&layers_lock);
    inode_get(l->root);
    return l->root;
}

int sefs_rw_sync_all(void)
{
    int r = 0;
    mutex_lock(&layers_lock);
    for (int i = 0; i < MAX_LAYERS; i++)
        if (layers[i] && rw_commit(layers[i]) < 0) r = -EIO;
    mutex_unlock(&layers_lock);
    return r;
}

int sefs_rw_unmount(struct inode *root)
{
    struct layer *l = NULL;
    mutex_lock(&layers_lock);
    for (int i = 0; i < MAX_LAYERS; i++) {
        if (layers[i] && layers[i]->root == root) {
            l = layers[i];
            layers[i] = NULL;
        }
    }
    mutex_unlock(&layers_lock);
    if (!l) return -EINVAL;
    int r = rw_commit(l);
    l->quiet = true;
    unqueue_all(l);
    inode_put(root);    /* the caller's */
    inode_put(l->root); /* the layer's: the tree goes */
    layer_free(l);
    return r;
}

void rw_commit_settle(struct layer *l, struct inode **q, size_t n, struct names *dead,
                      bool dir_dirty, bool ok)
{
    if (ok) {
        mutex_lock(&l->dlock);
        for (size_t i = 0; i < n; i++) {
            struct rw_file *f = S_ISREG(q[i]->mode) ? ((struct rnode *)q[i]->priv)->pstate : NULL;
            if (f) rw_data_durable(l, f);
        }
        mutex_unlock(&l->dlock);
        rw_delete_names(l, dead);
        return;
    }
    if (dir_dirty) {
        mutex_lock(&l->dlock);
        l->dir_dirty = true;
        mutex_unlock(&l->dlock);
    }
    rw_keep_dead(l, dead);
    /* What this commit held is no longer noted anywhere: the next commit
     * writes the whole tree. */
    rw_set_need_snapshot(l, true);
}
