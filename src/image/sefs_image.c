/*
 * sefs_image.c: reading a SEFS image layer. Opening checks the header
 * against the root MAC from the protected config, the key, and verifies
 * all metadata into memory; file reads verify every block along its tree
 * path (each node checked against its parent's entry, up to the inode's
 * root) before any byte is copied out. Verified blocks are cached, except
 * the data blocks of large reads (STREAM_MIN).
 */
#include "common/alloc.h"
#include "common/usercopy.h"
#include "image/sefs_format.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct sefs_image {
    struct sefs_io io;
    struct sefs_header hdr;
    struct sefs_crypto *cr;
    struct sefs_cache *cache;
    uint8_t *disk;  /* one block read from the host */
    uint8_t *plain; /* one verified block of a streaming read */
    /* Read-ahead of data blocks within one read request: one host read
     * for a run of blocks (unverified bytes; each block is verified when
     * it is used, like a single read). */
    uint8_t *ra;
    uint64_t ra_file, ra_first, ra_count, ra_limit;
    uint8_t *meta;
    uint64_t meta_len, dent_off, str_off, str_len;
    uint32_t ninodes, ndirents;
};

/* Where one file's tree lives. */
struct ftree {
    uint64_t file, nblocks, data, tree;
    uint32_t height;
    const uint8_t *root;
};

#define RA_BLOCKS 32
/* A read of at least this much streams: its whole data blocks are
 * verified into img->plain rather than into cache slots, so that it does
 * not evict what smaller reads use, and does not touch a cold slot per
 * block (a page fault in the shared kernel heap: most of the cost of
 * loading a library at start-up). Tree nodes are cached as always. */
#define STREAM_MIN (RA_BLOCKS * SEFS_BLOCK)

/* The on-disk bytes of data block `index` (phys): from the read-ahead
 * window, refilling it up to the request's last block. */
static const uint8_t *read_data(struct sefs_image *img, const struct ftree *t, uint64_t index,
                                uint64_t phys)
{
    if (img->ra_file == t->file && index >= img->ra_first && index < img->ra_first + img->ra_count)
        return img->ra + (index - img->ra_first) * SEFS_BLOCK;
    uint64_t n = img->ra_limit >= index ? img->ra_limit - index + 1 : 1;
    if (n > RA_BLOCKS) n = RA_BLOCKS;
    if (n > img->hdr.total_blocks - phys) n = img->hdr.total_blocks - phys;
    img->ra_count = 0;
    ssize_t r = img->io.pread(img->io.ctx, img->ra, n * SEFS_BLOCK, phys * SEFS_BLOCK);
    if (r < SEFS_BLOCK) return NULL;
    img->ra_file = t->file;
    img->ra_first = index;
    img->ra_count = (uint64_t)r / SEFS_BLOCK;
    return img->ra;
}

/* Block `index` of `level`, verified: from the cache, or read and put
 * there; or, with scratch, read into scratch and not cached. */
static const uint8_t *get_block(struct sefs_image *img, const struct ftree *t, uint32_t level,
                                uint64_t index, uint8_t *scratch)
{
    struct sefs_pos p = {t->file, level, index};
    const uint8_t *hit = sefs_cache_get(img->cache, &p);
    if (hit) return hit;
    uint8_t entry[SEFS_ENTRY];
    if (level == t->height) {
        if (index != 0) return NULL;
        memcpy(entry, t->root, SEFS_ENTRY);
    } else {
        const uint8_t *parent = get_block(img, t, level + 1, index / SEFS_FANOUT, NULL);
        if (!parent) return NULL;
        memcpy(entry, parent + (index % SEFS_FANOUT) * SEFS_ENTRY, SEFS_ENTRY);
    }
    uint64_t phys =
        level == 0 ? t->data + index : t->tree + sefs_node_slot(t->nblocks, level, index);
    if (phys == 0 || phys >= img->hdr.total_blocks) return NULL;
    const uint8_t *disk = img->disk;
    if (level == 0) {
        disk = read_data(img, t, index, phys);
        if (!disk) return NULL;
    } else if (img->io.pread(img->io.ctx, img->disk, SEFS_BLOCK, phys * SEFS_BLOCK) != SEFS_BLOCK) {
        return NULL;
    }
    uint8_t *slot = scratch ? scratch : sefs_cache_slot(img->cache, &p);
    bool ok = sefs_open(img->cr, &p, disk, entry, slot) == 0;
    if (!scratch) sefs_cache_commit(img->cache, &p, ok);
    return ok ? slot : NULL;
}

static void ftree_init(struct ftree *t, uint64_t file, uint64_t size, uint64_t data, uint64_t tree,
                       const uint8_t *root)
{
    t->file = file;
    t->nblocks = (size + SEFS_BLOCK - 1) / SEFS_BLOCK;
    t->data = data;
    t->tree = tree;
    t->height = sefs_tree_height(t->nblocks);
    t->root = root;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Reads and verifies the metadata file, then checks its tables' bounds. */
static int load_meta(struct sefs_image *img)
{
    uint64_t n = img->hdr.meta_nblocks;
    if (n == 0 || n > img->hdr.total_blocks || n > UINT64_MAX / SEFS_BLOCK) return -EIO;
    struct ftree t;
    ftree_init(&t, SEFS_META_ID, n * SEFS_BLOCK, img->hdr.meta_data, img->hdr.meta_tree,
               img->hdr.root);
    /* The header's geometry is not covered by the root MAC: before
     * allocating meta_nblocks blocks, check that the first (verified)
     * block's length agrees with it (tests/fuzz/fuzz_sefs_image found a
     * header asking for 16 TiB). */
    const uint8_t *first = get_block(img, &t, 0, 0, NULL);
    if (!first) return -EIO;
    uint64_t len = rd64(first + 8);
    if (memcmp(first, SEFS_META_MAGIC, 8) != 0 || len > n * SEFS_BLOCK ||
        (len + SEFS_BLOCK - 1) / SEFS_BLOCK != n)
        return -EIO;
    img->meta = kmalloc(n * SEFS_BLOCK);
    if (!img->meta) return -ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *b = get_block(img, &t, 0, i, NULL);
        if (!b) return -EIO;
        memcpy(img->meta + i * SEFS_BLOCK, b, SEFS_BLOCK);
    }
    const uint8_t *m = img->meta;
    img->meta_len = rd64(m + 8);
    img->ninodes = rd32(m + 16);
    img->ndirents = rd32(m + 20);
    img->str_off = rd64(m + 24);
    img->str_len = rd64(m + 32);
    img->dent_off = SEFS_META_HDR + (uint64_t)img->ninodes * SEFS_INODE_REC;
    /* The tables lie inside meta_len, without wrap-around: a string table
     * "ending" at meta_len from past it let records be read beyond the
     * buffer (found by tests/fuzz/fuzz_sefs_image). */
    if (memcmp(m, SEFS_META_MAGIC, 8) != 0 || img->meta_len > n * SEFS_BLOCK ||
        (img->meta_len + SEFS_BLOCK - 1) / SEFS_BLOCK != n || img->ninodes == 0 ||
        img->str_off != img->dent_off + (uint64_t)img->ndirents * SEFS_DIRENT_REC ||
        img->str_off > img->meta_len || img->str_len != img->meta_len - img->str_off)
        return -EIO;
    return 0;
}

static int open_checks(struct sefs_image *img, const struct sefs_keys *keys,
                       const uint8_t root_mac[SEFS_ENTRY], char *err, size_t errlen)
{
    ssize_t r = img->io.pread(img->io.ctx, img->disk, SEFS_BLOCK, 0);
    if (r != SEFS_BLOCK || sefs_header_decode(img->disk, &img->hdr) < 0) {
        snprintf(err, errlen, "not a SEFS image (bad or missing header)");
        return -EIO;
    }
    if (root_mac && CRYPTO_memcmp(img->hdr.root, root_mac, SEFS_ENTRY) != 0) {
        snprintf(err, errlen, "its root MAC does not match the one in the build's config");
        return -EIO;
    }
    struct sefs_keys integrity;
    if (img->hdr.mode == SEFS_INTEGRITY && !root_mac) {
        /* a hash tree anyone can recompute: only a pinned root means anything */
        snprintf(err, errlen, "it is integrity-only, so only its root MAC can vouch for it");
        return -EKEYREJECTED;
    }
    if (img->hdr.mode == SEFS_INTEGRITY) {
        sefs_keys_integrity(&integrity);
        keys = &integrity; /* a key given for a plain image is not needed */
    } else if (!keys || keys->mode != SEFS_ENCRYPTED) {
        snprintf(err, errlen, "it is encrypted and no key was given");
        return -EKEYREJECTED;
    } else if (CRYPTO_memcmp(img->hdr.check, keys->check, sizeof(keys->check)) != 0) {
        snprintf(err, errlen, "the image key is wrong");
        return -EKEYREJECTED;
    }
    img->cr = sefs_crypto_new(keys);
    if (!img->cr) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    int m = load_meta(img);
    if (m < 0)
        snprintf(err, errlen, "%s",
                 m == -ENOMEM ? "out of memory" : "its metadata does not verify");
    return m;
}

int sefs_image_open(const struct sefs_io *io, const struct sefs_keys *keys,
                    const uint8_t root_mac[SEFS_ENTRY], size_t cache_bytes, struct sefs_image **out,
                    char *err, size_t errlen)
{
    struct sefs_image *img = kcalloc(1, sizeof(*img));
    if (!img) return -ENOMEM;
    img->io = *io;
    img->disk = kmalloc(SEFS_BLOCK);
    img->plain = kmalloc(SEFS_BLOCK);
    img->ra = kmalloc(RA_BLOCKS * SEFS_BLOCK);
    img->ra_file = UINT64_MAX;
    img->cache = sefs_cache_new(cache_bytes);
    int r = -ENOMEM;
    if (!img->disk || !img->plain || !img->ra || !img->cache)
        snprintf(err, errlen, "out of memory");
    else
        r = open_checks(img, keys, root_mac, err, errlen);
    if (r < 0) {
        sefs_image_close(img);
        return r;
    }
    *out = img;
    return 0;
}

void sefs_image_close(struct sefs_image *img)
{
    if (!img) return;
    sefs_crypto_free(img->cr);
    sefs_cache_free(img->cache);
    kfree(img->disk);
    kfree(img->plain);
    kfree(img->ra);
    kfree(img->meta);
    kfree(img);
}

uint32_t sefs_image_ninodes(const struct sefs_image *img)
{
    return img->ninodes;
}

/* The inode record, bounds-checked against the image (defence in depth:
 * the metadata verified, but a reader should not trust offsets blindly). */
int sefs_image_stat(struct sefs_image *img, uint32_t ino, struct sefs_inode *in)
{
    if (ino < 1 || ino > img->ninodes) return -EIO;
    sefs_inode_decode(img->meta + SEFS_META_HDR + (uint64_t)(ino - 1) * SEFS_INODE_REC, in);
    uint64_t nb = (in->size + SEFS_BLOCK - 1) / SEFS_BLOCK;
    if (S_ISDIR(in->mode) && (in->a > img->ndirents || in->b > img->ndirents - in->a)) return -EIO;
    if (S_ISLNK(in->mode) && (in->a > img->str_len || in->size > img->str_len - in->a)) return -EIO;
    if (S_ISREG(in->mode) && (in->a + nb > img->hdr.total_blocks ||
                              in->b + sefs_node_blocks(nb) > img->hdr.total_blocks))
        return -EIO;
    return 0;
}

static int dirent_at(struct sefs_image *img, uint64_t i, const char **name, size_t *len,
                     uint32_t *ino)
{
    const uint8_t *d = img->meta + img->dent_off + i * SEFS_DIRENT_REC;
    uint32_t off = rd32(d);
    uint16_t l;
    memcpy(&l, d + 4, 2);
    *ino = rd32(d + 8);
    if ((uint64_t)off + l > img->str_len || *ino < 1 || *ino > img->ninodes) return -EIO;
    *name = (const char *)img->meta + img->str_off + off;
    *len = l;
    return 0;
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

int sefs_image_lookup(struct sefs_image *img, uint32_t dir, const char *name, uint32_t *ino)
{
    struct sefs_inode in;
    int r = sefs_image_stat(img, dir, &in);
    if (r < 0) return r;
    if (!S_ISDIR(in.mode)) return -ENOTDIR;
    uint64_t lo = 0, hi = in.b;
    size_t nlen = strlen(name);
    while (lo < hi) { /* the builder sorted each directory by strcmp */
        uint64_t mid = lo + (hi - lo) / 2;
        const char *s;
        size_t len;
        if (dirent_at(img, in.a + mid, &s, &len, ino) < 0) return -EIO;
        int c = name_cmp(name, nlen, s, len);
        if (c == 0) return 0;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -ENOENT;
}

int sefs_image_readdir(struct sefs_image *img, uint32_t dir, uint64_t i, char name[256],
                       uint32_t *ino)
{
    struct sefs_inode in;
    int r = sefs_image_stat(img, dir, &in);
    if (r < 0) return r;
    if (!S_ISDIR(in.mode)) return -ENOTDIR;
    if (i >= in.b) return 0;
    const char *s;
    size_t len;
    if (dirent_at(img, in.a + i, &s, &len, ino) < 0 || len > 255) return -EIO;
    memcpy(name, s, len);
    name[len] = 0;
    return 1;
}

ssize_t sefs_image_readlink(struct sefs_image *img, uint32_t ino, char *buf, size_t len)
{
    struct sefs_inode in;
    int r = sefs_image_stat(img, ino, &in);
    if (r < 0) return r;
    if (!S_ISLNK(in.mode)) return -EINVAL;
    size_t n = in.size < len ? in.size : len;
    memcpy(buf, img->meta + img->str_off + in.a, n);
    return (ssize_t)n;
}

ssize_t sefs_image_read(struct sefs_image *img, uint32_t ino, void *buf, size_t len, uint64_t off)
{
    struct sefs_inode in;
    int r = sefs_image_stat(img, ino, &in);
    if (r < 0) return r;
    if (S_ISDIR(in.mode)) return -EISDIR;
    if (!S_ISREG(in.mode)) return -EINVAL;
    if (off >= in.size) return 0;
    if (len > in.size - off) len = in.size - off;
    struct ftree t;
    ftree_init(&t, ino, in.size, in.a, in.b, in.root);
    img->ra_limit = (off + len - 1) / SEFS_BLOCK;
    img->ra_file = UINT64_MAX; /* the host file may differ from last time */
    size_t done = 0;
    while (done < len) {
        uint64_t pos = off + done, bi = pos / SEFS_BLOCK, bo = pos % SEFS_BLOCK;
        size_t n = SEFS_BLOCK - bo < len - done ? SEFS_BLOCK - bo : len - done;
        bool stream = len >= STREAM_MIN && n == SEFS_BLOCK;
        const uint8_t *b = get_block(img, &t, 0, bi, stream ? img->plain : NULL);
        if (!b) return -EIO;
        /* buf may be an application's, unmapped meanwhile (common/usercopy.h) */
        if (uaccess_copy((uint8_t *)buf + done, b + bo, n)) return done ? (ssize_t)done : -EFAULT;
        done += n;
    }
    return (ssize_t)done;
}
