/* fuzz-sources: src/common/usercopy.S src/image/sefs_image.c src/image/sefs_crypto.c
 * src/image/sefs_merkle.c src/image/sefs_cache.c */
/*
 * fuzz_sefs_image: a SEFS image layer (sefs.img) as the LibOS reads it
 * (image/sefs_image.c, behind fs/sefs.c): the header, the Merkle tree of
 * the metadata file, the metadata tables (inodes, directory entries,
 * names) and the file trees, then every reader call on every inode.
 *
 * Each input is read twice. First as it is, with the header's own root as
 * the pinned MAC: header and tree checks on arbitrary bytes. Then
 * "resealed": the metadata blocks the header names are hashed again and
 * their tree rewritten (integrity mode), so that the metadata verifies and
 * its tables, whatever they hold, reach the table checks and the readers.
 * That is the case of a metadata bug in the builder, or of a leaked key:
 * the reader must still stay inside its buffers.
 */
#include "image/sefs_format.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct mem {
    const uint8_t *p;
    size_t n;
};

static ssize_t mem_pread(void *ctx, void *buf, size_t len, uint64_t off)
{
    const struct mem *m = ctx;
    if (off >= m->n) return 0;
    if (len > m->n - off) len = m->n - off;
    memcpy(buf, m->p + off, len);
    return (ssize_t)len;
}

static void walk(struct sefs_image *img)
{
    uint32_t n = sefs_image_ninodes(img);
    if (n > 256) n = 256;
    static uint8_t buf[3 * SEFS_BLOCK];
    for (uint32_t ino = 1; ino <= n; ino++) {
        struct sefs_inode in;
        if (sefs_image_stat(img, ino, &in) < 0) continue;
        if (S_ISDIR(in.mode)) {
            char name[256];
            uint32_t child;
            for (uint64_t i = 0; i < 64 && sefs_image_readdir(img, ino, i, name, &child) == 1;
                 i++) {
                uint32_t found;
                if (strlen(name) > 255) abort();
                (void)sefs_image_lookup(img, ino, name, &found);
            }
            (void)sefs_image_lookup(img, ino, "bin", &child);
            (void)sefs_image_lookup(img, ino, "", &child);
        } else if (S_ISLNK(in.mode)) {
            (void)sefs_image_readlink(img, ino, (char *)buf, sizeof(buf));
        } else {
            (void)sefs_image_read(img, ino, buf, sizeof(buf), 0);
            if (in.size > 1) (void)sefs_image_read(img, ino, buf, sizeof(buf), in.size - 1);
            (void)sefs_image_read(img, ino, buf, 1, UINT64_MAX - 1);
        }
    }
}

static void open_and_walk(const uint8_t *p, size_t n, const uint8_t root[SEFS_ENTRY])
{
    struct mem m = {p, n};
    struct sefs_io io = {&m, mem_pread, NULL};
    struct sefs_image *img;
    char err[256];
    if (sefs_image_open(&io, NULL, root, 1 << 20, &img, err, sizeof(err)) == 0) {
        walk(img);
        sefs_image_close(img);
    }
}

struct reseal {
    struct sefs_crypto *cr;
    uint8_t *img;
    uint64_t nblocks, tree, meta_n;
};

static int node_sink(void *ctx, uint32_t level, uint64_t index, const uint8_t *node,
                     uint8_t entry[SEFS_ENTRY])
{
    struct reseal *r = ctx;
    uint64_t phys = r->tree + sefs_node_slot(r->meta_n, level, index);
    if (phys == 0 || phys >= r->nblocks) return -EINVAL;
    struct sefs_pos p = {SEFS_META_ID, level, index};
    return sefs_seal(r->cr, &p, node, r->img + phys * SEFS_BLOCK, entry);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < SEFS_BLOCK) return 0;
    struct sefs_header h;
    if (sefs_header_decode(data, &h) < 0) {
        uint8_t zero[SEFS_ENTRY] = {0};
        open_and_walk(data, size, zero);
        return 0;
    }
    open_and_walk(data, size, h.root);

    uint64_t nb = size / SEFS_BLOCK, n = h.meta_nblocks;
    if (n == 0 || n > 64 || h.meta_data == 0 || h.meta_data > nb || n > nb - h.meta_data ||
        h.meta_tree == 0 || h.meta_tree > nb || sefs_node_blocks(n) > nb - h.meta_tree)
        return 0;
    struct reseal r = {
        .img = malloc(nb * SEFS_BLOCK), .nblocks = nb, .tree = h.meta_tree, .meta_n = n};
    uint8_t *entries = malloc(n * SEFS_ENTRY);
    struct sefs_keys k;
    sefs_keys_integrity(&k);
    r.cr = sefs_crypto_new(&k);
    if (!r.img || !entries || !r.cr) abort();
    memcpy(r.img, data, nb * SEFS_BLOCK);
    int ok = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct sefs_pos p = {SEFS_META_ID, 0, i};
        uint8_t *b = r.img + (h.meta_data + i) * SEFS_BLOCK;
        if (sefs_seal(r.cr, &p, b, b, entries + i * SEFS_ENTRY) < 0) goto out;
    }
    if (sefs_tree_build(entries, n, node_sink, &r, h.root) < 0) goto out;
    /* a node written over a metadata block would change what was hashed */
    for (uint64_t i = 0; i < n; i++) {
        struct sefs_pos p = {SEFS_META_ID, 0, i};
        uint8_t e[SEFS_ENTRY];
        if (sefs_seal(r.cr, &p, r.img + (h.meta_data + i) * SEFS_BLOCK,
                      r.img + (h.meta_data + i) * SEFS_BLOCK, e) < 0 ||
            memcmp(e, entries + i * SEFS_ENTRY, SEFS_ENTRY) != 0)
            goto out;
    }
    h.mode = SEFS_INTEGRITY;
    sefs_header_encode(&h, r.img);
    ok = 1;
out:
    if (ok) open_and_walk(r.img, nb * SEFS_BLOCK, h.root);
    sefs_crypto_free(r.cr);
    free(entries);
    free(r.img);
    return 0;
}
