/*
 * sefs_rw: the union's persistent, encrypted writable layer
 * (<instance>/run/mount/__ROOT). Format and guarantees: docs/sefs-format.md.
 *
 * In memory the layer is a ramfs (fs/ramfs.c with the hooks of
 * fs/ramfs_int.h): the tree and attributes are loaded at mount, a file's
 * data on its first open. On the host it is
 *   - one data file per regular file, named by 128 random bits in hex,
 *     holding each 4 KiB block AES-256-GCM sealed with a fresh random
 *     nonce (nonce and tag beside the block), the block bound by its AAD
 *     to the file's inode number, its index and its host name;
 *   - one metadata file `meta`: the whole tree (names, modes, owners,
 *     sizes, times, symlink targets, each file's host name and the tags of
 *     its blocks) and a commit counter, AES-256-GCM sealed as one message.
 * The metadata's tag authenticates everything: a block is accepted only
 * with the tag the metadata records for it, so a flipped, swapped,
 * truncated or replayed block is refused (EIO, and a log line naming the
 * file).
 *
 * A commit writes the data of every file changed since the last one to a
 * NEW host file (fsynced), then the metadata to `meta.tmp` (fsynced),
 * renames it over `meta` and fsyncs the directory; only then are host
 * files no longer referenced deleted. A crash at any point leaves the
 * last committed tree intact. Commits happen at fsync/fdatasync, at the
 * close of a file opened for writing when anything changed, at sync(2)
 * and at the end of the run. Rewriting a changed file whole at each
 * commit is the price of this simple copy-on-write scheme.
 *
 * All host access goes through pal_host_*.
 */
#include "fs/sefs_rw.h"

#include "fs/ramfs_int.h"
#include "fs/sefs_rw_int.h"
#include "pal/pal.h"
#include "util/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS 8

static uint8_t layer_key[32];
static struct layer *layers[MAX_LAYERS];
static struct mutex layers_lock = MUTEX_INIT;

void sefs_rw_set_key(const uint8_t key[32])
{
    memcpy(layer_key, key, 32);
}

/* ---- little-endian encoding into a growable buffer ---- */

void rw_put(struct buf *b, const void *d, size_t n)
{
    if (b->oom || n == 0) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
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

/* ---- AES-256-GCM ---- */

int rw_gcm(bool enc, const uint8_t nonce[NONCE], const uint8_t *aad, size_t aadlen,
           const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[TAG])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n, ok = c != NULL;
    ok = ok && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE, NULL) == 1;
    ok = ok && EVP_CipherInit_ex(c, NULL, NULL, layer_key, nonce, enc) == 1;
    ok = ok && EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) == 1;
    ok = ok && (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1);
    if (ok && !enc) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG, tag) == 1;
    ok = ok && EVP_CipherFinal_ex(c, out + len, &n) == 1;
    if (ok && enc) ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -EIO;
}

/* What a block is bound to: its file, its index and the file's host name. */
static void block_aad(uint8_t aad[8 + 8 + 8 + NAME], uint64_t ino, uint64_t idx,
                      const uint8_t name[NAME])
{
    memcpy(aad, "SEFSRWB1", 8);
    for (int i = 0; i < 8; i++) {
        aad[8 + i] = (uint8_t)(ino >> (8 * i));
        aad[16 + i] = (uint8_t)(idx >> (8 * i));
    }
    memcpy(aad + 24, name, NAME);
}

/* A key check value in the clear header: a wrong key is told apart from
 * tampering (SHA-256 of a label and the key; reveals nothing usable). */
void rw_key_check(uint8_t out[16])
{
    uint8_t md[32];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
        EVP_DigestUpdate(c, "occlum sefs_rw key check", 24) == 1 &&
        EVP_DigestUpdate(c, layer_key, 32) == 1 && EVP_DigestFinal_ex(c, md, &mdlen) == 1)
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

/* Seal `size` bytes of data into a new host file with a fresh name; on
 * success the file is durable and st describes it. */
int rw_write_file(struct layer *l, uint64_t ino, const char *data, size_t size, struct rw_file *st)
{
    uint64_t nb = (size + BLK - 1) / BLK;
    uint8_t *tags = nb ? malloc(nb * TAG) : NULL;
    uint8_t *rec = malloc(REC);
    uint8_t plain[BLK];
    char hex[2 * NAME + 1], path[LIBOS_PATH_MAX + 40];
    int r = (nb && !tags) || !rec ? -ENOMEM : pal_random(st->name, NAME);
    int fd = -1;
    if (r >= 0 && nb) {
        rw_hex_name(st->name, hex);
        rw_host_path(l, hex, path, sizeof(path));
        fd = pal_host_open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        r = fd < 0 ? fd : 0;
    }
    for (uint64_t i = 0; r >= 0 && i < nb; i++) {
        size_t n = size - i * BLK < BLK ? size - i * BLK : BLK;
        memcpy(plain, data + i * BLK, n);
        memset(plain + n, 0, BLK - n); /* the tail block is padded: sizes leak only in blocks */
        uint8_t aad[8 + 8 + 8 + NAME];
        block_aad(aad, ino, i, st->name);
        r = pal_random(rec, NONCE);
        if (r >= 0)
            r = rw_gcm(true, rec, aad, sizeof(aad), plain, BLK, rec + NONCE + TAG, rec + NONCE);
        if (r >= 0) r = rw_write_all(fd, rec, REC, (off_t)(i * REC));
        if (r >= 0) memcpy(tags + i * TAG, rec + NONCE, TAG);
    }
    if (r >= 0 && fd >= 0) r = pal_host_fsync(fd, 1);
    if (fd >= 0) pal_host_close(fd);
    if (r < 0 && fd >= 0) pal_host_unlink(path);
    free(rec);
    if (r < 0) {
        free(tags);
        return r < 0 ? r : -EIO;
    }
    st->nblocks = nb;
    st->tags = tags;
    return 0;
}

static int rw_load(void *ctx, struct inode *ino, const char *path)
{
    struct layer *l = ctx;
    struct rnode *n = ino->priv;
    struct rw_file *st = n->pstate;
    size_t size = (size_t)ino->size;
    char hex[2 * NAME + 1], hpath[LIBOS_PATH_MAX + 40];
    rw_hex_name(st->name, hex);
    rw_host_path(l, hex, hpath, sizeof(hpath));
    if (size > st->nblocks * BLK) { /* (refused at mount already) */
        log_error("sefs writable layer %s: %s (inode %llu) is larger than its blocks", l->dir,
                  path ? path : "a file", (unsigned long long)ino->ino);
        return -EIO;
    }
    char *data = size ? malloc(st->nblocks * BLK) : NULL;
    uint8_t *rec = malloc(REC);
    int fd = st->nblocks ? pal_host_open(hpath, O_RDONLY | O_CLOEXEC, 0) : 0;
    int r = (size && !data) || !rec ? -ENOMEM : fd < 0 ? -EIO : 0;
    uint64_t i = 0;
    for (; r == 0 && i < st->nblocks; i++) {
        uint8_t aad[8 + 8 + 8 + NAME];
        block_aad(aad, ino->ino, i, st->name);
        r = rw_read_all(fd, rec, REC, (off_t)(i * REC)) < 0 ? -EIO : 0;
        /* The block must carry the tag the metadata recorded for it. */
        if (r == 0 && CRYPTO_memcmp(rec + NONCE, st->tags + i * TAG, TAG) != 0) r = -EIO;
        if (r == 0)
            r = rw_gcm(false, rec, aad, sizeof(aad), rec + NONCE + TAG, BLK,
                       (uint8_t *)data + i * BLK, rec + NONCE);
    }
    if (st->nblocks && fd >= 0) pal_host_close(fd);
    free(rec);
    if (r == -ENOMEM) {
        free(data);
        return r;
    }
    if (r < 0) {
        free(data);
        log_error("sefs writable layer %s: %s (inode %llu, host file %s) does not verify at "
                  "block %llu: tampered or damaged; it reads as EIO",
                  l->dir, path ? path : "a file", (unsigned long long)ino->ino, hex,
                  (unsigned long long)(i ? i - 1 : 0));
        return -EIO;
    }
    free(n->data);
    n->data = data;
    n->cap = st->nblocks * BLK;
    return 0;
}

void rw_forget(void *ctx, void *pstate)
{
    struct layer *l = ctx;
    struct rw_file *st = pstate;
    /* Its data file is deleted after the next completed commit, which
     * cannot name it (a failed allocation leaves it to the next mount). */
    if (st->nblocks) {
        mutex_lock(&l->dead_lock);
        (void)rw_names_add(&l->dead, st->name);
        mutex_unlock(&l->dead_lock);
    }
    free(st->tags);
    free(st);
}

static const struct ramfs_persist rw_persist = {
    .load = rw_load,
    .commit = rw_commit,
    .forget = rw_forget,
};

/* mkdir that accepts an existing directory. */
static int mkdir_one(const char *path)
{
    int r = pal_host_mkdir(path, 0700);
    return r == -EEXIST ? 0 : r;
}

struct inode *sefs_rw_mount(struct mount *m, const char *hostdir, char *err, size_t errlen)
{
    struct layer *l = calloc(1, sizeof(*l));
    if (!l || strlen(hostdir) >= sizeof(l->dir)) {
        free(l);
        snprintf(err, errlen, "writable layer %s: out of memory or path too long", hostdir);
        return NULL;
    }
    strcpy(l->dir, hostdir);
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
        free(l);
        return NULL;
    }
    l->root = ramfs_mount_persist(m, &rw_persist, l);
    if (!l->root) {
        snprintf(err, errlen, "writable layer %s: out of memory", hostdir);
        free(l);
        return NULL;
    }
    l->sb = ((struct rnode *)l->root->priv)->sb;
    if (rw_meta_load(l, err, errlen) < 0) {
        inode_put(l->root);
        free(l->dead.v); /* names still in the (refused) metadata: kept */
        free(l->sb);
        free(l);
        return NULL;
    }
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
    inode_put(root);    /* the caller's */
    inode_put(l->root); /* the layer's: the tree goes */
    free(l->dead.v);    /* all committed: nothing of it is garbage */
    free(l->sb);
    free(l);
    return r;
}
