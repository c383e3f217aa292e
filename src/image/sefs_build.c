/*
 * sefs_build.c: writes a SEFS image layer from a tree the caller prepared
 * (`occlum build` walks image/ into struct sefs_bnode).
 *
 * Determinism: children are sorted by name, inode numbers follow a
 * depth-first walk in that order, blocks are laid out in inode order and
 * every nonce is derived from position and content, so the same tree and
 * key always give the same bytes.
 *
 * Layout of sefs.img (block = 4 KiB): block 0 the header; then for each
 * regular file its data blocks and its node blocks; then the metadata
 * file's data and node blocks.
 */
#include "image/sefs_format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct builder {
    const struct sefs_io *out;
    const struct sefs_build_src *src;
    struct sefs_crypto *cr;
    uint64_t next_block; /* the next free physical block */
    uint64_t tree_base;  /* the node blocks of the file being written */
    uint64_t file;
    struct sefs_bnode **order; /* by inode number - 1 */
    uint32_t n;
    uint8_t *buf, *sealed;
    char *err;
    size_t errlen;
};

static int cmp_name(const void *a, const void *b)
{
    return strcmp((*(struct sefs_bnode *const *)a)->name, (*(struct sefs_bnode *const *)b)->name);
}

static uint32_t count_nodes(struct sefs_bnode *n)
{
    uint32_t c = 1;
    if (n->nkids) qsort(n->kids, n->nkids, sizeof(*n->kids), cmp_name);
    for (size_t i = 0; i < n->nkids; i++)
        c += count_nodes(n->kids[i]);
    return c;
}

static void number(struct builder *b, struct sefs_bnode *n)
{
    b->order[b->n++] = n;
    n->ino = b->n;
    for (size_t i = 0; i < n->nkids; i++)
        number(b, n->kids[i]);
}

static int put_block(struct builder *b, uint64_t blk, const uint8_t *data)
{
    ssize_t w = b->out->pwrite(b->out->ctx, data, SEFS_BLOCK, blk * SEFS_BLOCK);
    if (w == SEFS_BLOCK) return 0;
    snprintf(b->err, b->errlen, "cannot write the image: %s", strerror(w < 0 ? (int)-w : EIO));
    return -EIO;
}

static int node_sink(void *ctx, uint32_t level, uint64_t index, const uint8_t *node,
                     uint8_t entry[SEFS_ENTRY])
{
    struct builder *b = ctx;
    struct sefs_pos p = {b->file, level, index};
    if (sefs_seal(b->cr, &p, node, b->sealed, entry) < 0) return -EIO;
    return put_block(b, b->next_block++, b->sealed);
}

/* Seals the level-0 entries' tree; data went before, nodes go after. */
static int finish_tree(struct builder *b, const uint8_t *entries, uint64_t nblocks, uint64_t *tree,
                       uint8_t root[SEFS_ENTRY])
{
    *tree = b->next_block;
    int r = sefs_tree_build(entries, nblocks, node_sink, b, root);
    if (r == -ENOMEM) snprintf(b->err, b->errlen, "out of memory");
    return r;
}

/* Writes one file whose data comes from get(ctx, i, buf): i-th block. */
static int write_file(struct builder *b, uint64_t file, uint64_t nblocks,
                      int (*get)(struct builder *, void *, uint64_t), void *ctx,
                      struct sefs_inode *in)
{
    uint8_t *entries = malloc(nblocks ? nblocks * SEFS_ENTRY : 1);
    if (!entries) {
        snprintf(b->err, b->errlen, "out of memory");
        return -ENOMEM;
    }
    int r = 0;
    b->file = file;
    in->a = b->next_block;
    for (uint64_t i = 0; r == 0 && i < nblocks; i++) {
        struct sefs_pos p = {file, 0, i};
        r = get(b, ctx, i);
        if (r == 0 && sefs_seal(b->cr, &p, b->buf, b->sealed, entries + i * SEFS_ENTRY) < 0)
            r = -EIO;
        if (r == 0) r = put_block(b, b->next_block++, b->sealed);
    }
    if (r == 0) r = finish_tree(b, entries, nblocks, &in->b, in->root);
    free(entries);
    return r;
}

static int get_host(struct builder *b, void *ctx, uint64_t i)
{
    const struct sefs_bnode *n = ctx;
    uint64_t off = i * SEFS_BLOCK, want = n->size - off;
    if (want > SEFS_BLOCK) want = SEFS_BLOCK;
    memset(b->buf, 0, SEFS_BLOCK);
    size_t got = 0;
    while (got < want) {
        ssize_t r = b->src->read_file(b->src->ctx, n, b->buf + got, want - got, off + got);
        if (r <= 0) {
            snprintf(b->err, b->errlen, "%s: %s", n->host_path,
                     r < 0 ? strerror((int)-r) : "the file shrank during the build");
            return -EIO;
        }
        got += (size_t)r;
    }
    return 0;
}

static int get_meta(struct builder *b, void *ctx, uint64_t i)
{
    const uint8_t *meta = ctx;
    uint64_t len;
    memcpy(&len, meta + 8, 8); /* little-endian hosts only, as the rest of the LibOS */
    uint64_t off = i * SEFS_BLOCK, n = len - off > SEFS_BLOCK ? SEFS_BLOCK : len - off;
    memset(b->buf, 0, SEFS_BLOCK);
    memcpy(b->buf, meta + off, n);
    return 0;
}

struct meta {
    uint8_t *p;
    uint64_t len, ino_off, dent_off, str_off, str_len, ndirents;
};

static int meta_alloc(struct builder *b, struct meta *m)
{
    m->ndirents = b->n - 1;
    m->str_len = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        m->str_len += strlen(b->order[i]->name);
        if (b->order[i]->target) m->str_len += strlen(b->order[i]->target);
    }
    m->ino_off = SEFS_META_HDR;
    m->dent_off = m->ino_off + (uint64_t)b->n * SEFS_INODE_REC;
    m->str_off = m->dent_off + m->ndirents * SEFS_DIRENT_REC;
    m->len = m->str_off + m->str_len;
    m->p = calloc(1, m->len);
    if (!m->p) snprintf(b->err, b->errlen, "out of memory");
    return m->p ? 0 : -ENOMEM;
}

static uint64_t add_str(struct meta *m, uint64_t *used, const char *s)
{
    uint64_t off = *used;
    memcpy(m->p + m->str_off + off, s, strlen(s));
    *used += strlen(s);
    return off;
}

/* Inode records, dirents and names; files' a/b/root come from `files`. */
static void meta_fill(struct builder *b, struct meta *m, const struct sefs_inode *files)
{
    uint64_t dent = 0, str = 0;
    memcpy(m->p, SEFS_META_MAGIC, 8);
    memcpy(m->p + 8, &m->len, 8);
    memcpy(m->p + 16, &b->n, 4);
    uint32_t nd = (uint32_t)m->ndirents;
    memcpy(m->p + 20, &nd, 4);
    memcpy(m->p + 24, &m->str_off, 8);
    memcpy(m->p + 32, &m->str_len, 8);
    for (uint32_t i = 0; i < b->n; i++) {
        struct sefs_bnode *n = b->order[i];
        struct sefs_inode in = files[i];
        in.mode = n->mode, in.uid = n->uid, in.gid = n->gid, in.nlink = 1;
        in.mtime_sec = n->mtime_sec, in.mtime_nsec = n->mtime_nsec;
        if (S_ISDIR(n->mode)) {
            in.nlink = 2, in.a = dent, in.b = n->nkids;
            for (size_t k = 0; k < n->nkids; k++) {
                uint8_t *d = m->p + m->dent_off + dent++ * SEFS_DIRENT_REC;
                uint32_t off = (uint32_t)add_str(m, &str, n->kids[k]->name);
                uint16_t len = (uint16_t)strlen(n->kids[k]->name);
                memcpy(d, &off, 4);
                memcpy(d + 4, &len, 2);
                memcpy(d + 8, &n->kids[k]->ino, 4);
                in.nlink += S_ISDIR(n->kids[k]->mode);
            }
        } else if (S_ISLNK(n->mode)) {
            in.size = strlen(n->target);
            in.a = add_str(m, &str, n->target);
        }
        sefs_inode_encode(&in, m->p + m->ino_off + (uint64_t)i * SEFS_INODE_REC);
    }
}

static int write_data(struct builder *b, struct sefs_inode *files)
{
    for (uint32_t i = 0; i < b->n; i++) {
        struct sefs_bnode *n = b->order[i];
        memset(&files[i], 0, sizeof(files[i]));
        if (!S_ISREG(n->mode)) continue;
        files[i].size = n->size;
        uint64_t nblocks = (n->size + SEFS_BLOCK - 1) / SEFS_BLOCK;
        int r = write_file(b, n->ino, nblocks, get_host, n, &files[i]);
        if (r < 0) return r;
    }
    return 0;
}

static int write_meta(struct builder *b, const struct sefs_keys *k, const struct sefs_inode *files,
                      uint8_t root_mac[SEFS_ENTRY])
{
    struct meta m;
    struct sefs_inode mi = {0};
    int r = meta_alloc(b, &m);
    if (r < 0) return r;
    meta_fill(b, &m, files);
    uint64_t nblocks = (m.len + SEFS_BLOCK - 1) / SEFS_BLOCK;
    r = write_file(b, SEFS_META_ID, nblocks, get_meta, m.p, &mi);
    free(m.p);
    if (r < 0) return r;
    struct sefs_header h = {
        .version = 1,
        .mode = k->mode,
        .total_blocks = b->next_block,
        .meta_data = mi.a,
        .meta_nblocks = nblocks,
        .meta_tree = mi.b,
    };
    memcpy(h.root, mi.root, SEFS_ENTRY);
    memcpy(h.check, k->check, sizeof(h.check));
    memcpy(root_mac, mi.root, SEFS_ENTRY);
    sefs_header_encode(&h, b->buf);
    return put_block(b, 0, b->buf);
}

int sefs_build(const struct sefs_keys *k, struct sefs_bnode *root, const struct sefs_build_src *src,
               const struct sefs_io *out, uint8_t root_mac[SEFS_ENTRY], char *err, size_t errlen)
{
    struct builder b = {.out = out, .src = src, .next_block = 1, .err = err, .errlen = errlen};
    uint32_t total = count_nodes(root);
    struct sefs_inode *files = calloc(total, sizeof(*files));
    b.order = calloc(total, sizeof(*b.order));
    b.buf = malloc(SEFS_BLOCK);
    b.sealed = malloc(SEFS_BLOCK);
    b.cr = sefs_crypto_new(k);
    int r = -ENOMEM;
    if (files && b.order && b.buf && b.sealed && b.cr) {
        number(&b, root);
        r = write_data(&b, files);
        if (r == 0) r = write_meta(&b, k, files, root_mac);
    } else {
        snprintf(err, errlen, "out of memory");
    }
    sefs_crypto_free(b.cr);
    free(b.sealed);
    free(b.buf);
    free(b.order);
    free(files);
    return r;
}
