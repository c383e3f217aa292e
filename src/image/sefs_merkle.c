/*
 * sefs_merkle.c: the shape of a file's Merkle tree, building it, and the
 * fixed-layout records (header, inode) of the SEFS image.
 *
 * A file of n data blocks has level-0 entries (one per block); level l+1
 * packs the entries of level l 128 to a 4 KiB node block, itself sealed
 * like a data block at (file, l+1, j). The single entry at the top is the
 * file's root, kept in its inode record; the metadata file's root is the
 * layer's root MAC.
 */
#include "image/sefs_format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t sefs_level_count(uint64_t nblocks, uint32_t level)
{
    uint64_t c = nblocks;
    for (uint32_t l = 0; l < level; l++)
        c = (c + SEFS_FANOUT - 1) / SEFS_FANOUT;
    return c;
}

uint32_t sefs_tree_height(uint64_t nblocks)
{
    uint32_t h = 0;
    for (uint64_t c = nblocks; c > 1; c = (c + SEFS_FANOUT - 1) / SEFS_FANOUT)
        h++;
    return h;
}

uint64_t sefs_node_slot(uint64_t nblocks, uint32_t level, uint64_t index)
{
    uint64_t slot = 0;
    for (uint32_t l = 1; l < level; l++)
        slot += sefs_level_count(nblocks, l);
    return slot + index;
}

uint64_t sefs_node_blocks(uint64_t nblocks)
{
    uint32_t h = sefs_tree_height(nblocks);
    return h ? sefs_node_slot(nblocks, h, 1) : 0;
}

int sefs_tree_build(const uint8_t *entries, uint64_t nblocks, sefs_node_sink sink, void *ctx,
                    uint8_t root[SEFS_ENTRY])
{
    memset(root, 0, SEFS_ENTRY);
    if (nblocks == 0) return 0;
    uint8_t *node = malloc(SEFS_BLOCK), *level = NULL;
    const uint8_t *cur = entries;
    uint64_t cnt = nblocks;
    int r = node ? 0 : -ENOMEM;
    for (uint32_t l = 1; r == 0 && cnt > 1; l++) {
        uint64_t next = (cnt + SEFS_FANOUT - 1) / SEFS_FANOUT;
        uint8_t *up = malloc(next * SEFS_ENTRY);
        if (!up) {
            r = -ENOMEM;
            break;
        }
        for (uint64_t j = 0; r == 0 && j < next; j++) {
            uint64_t n = cnt - j * SEFS_FANOUT;
            if (n > SEFS_FANOUT) n = SEFS_FANOUT;
            memset(node, 0, SEFS_BLOCK);
            memcpy(node, cur + j * SEFS_FANOUT * SEFS_ENTRY, n * SEFS_ENTRY);
            r = sink(ctx, l, j, node, up + j * SEFS_ENTRY);
        }
        free(level);
        cur = level = up;
        cnt = next;
    }
    if (r == 0) memcpy(root, cur, SEFS_ENTRY);
    free(level);
    free(node);
    return r;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* header: magic[8] version mode total meta_data meta_nblocks meta_tree root[32] check[16] */
void sefs_header_encode(const struct sefs_header *h, uint8_t b[SEFS_BLOCK])
{
    memset(b, 0, SEFS_BLOCK);
    memcpy(b, SEFS_MAGIC, 8);
    put32(b + 8, h->version);
    put32(b + 12, h->mode);
    put64(b + 16, h->total_blocks);
    put64(b + 24, h->meta_data);
    put64(b + 32, h->meta_nblocks);
    put64(b + 40, h->meta_tree);
    memcpy(b + 48, h->root, SEFS_ENTRY);
    memcpy(b + 80, h->check, 16);
}

int sefs_header_decode(const uint8_t b[SEFS_BLOCK], struct sefs_header *h)
{
    if (memcmp(b, SEFS_MAGIC, 8) != 0) return -EINVAL;
    h->version = get32(b + 8);
    h->mode = get32(b + 12);
    h->total_blocks = get64(b + 16);
    h->meta_data = get64(b + 24);
    h->meta_nblocks = get64(b + 32);
    h->meta_tree = get64(b + 40);
    memcpy(h->root, b + 48, SEFS_ENTRY);
    memcpy(h->check, b + 80, 16);
    if (h->version != 1 || (h->mode != SEFS_INTEGRITY && h->mode != SEFS_ENCRYPTED)) return -EINVAL;
    return 0;
}

/* inode: mode uid gid nlink size mtime_sec mtime_nsec pad a b root[32] */
void sefs_inode_encode(const struct sefs_inode *in, uint8_t *r)
{
    memset(r, 0, SEFS_INODE_REC);
    put32(r, in->mode);
    put32(r + 4, in->uid);
    put32(r + 8, in->gid);
    put32(r + 12, in->nlink);
    put64(r + 16, in->size);
    put64(r + 24, (uint64_t)in->mtime_sec);
    put32(r + 32, in->mtime_nsec);
    put64(r + 40, in->a);
    put64(r + 48, in->b);
    memcpy(r + 56, in->root, SEFS_ENTRY);
}

void sefs_inode_decode(const uint8_t *r, struct sefs_inode *in)
{
    in->mode = get32(r);
    in->uid = get32(r + 4);
    in->gid = get32(r + 8);
    in->nlink = get32(r + 12);
    in->size = get64(r + 16);
    in->mtime_sec = (int64_t)get64(r + 24);
    in->mtime_nsec = get32(r + 32);
    in->a = get64(r + 40);
    in->b = get64(r + 48);
    memcpy(in->root, r + 56, SEFS_ENTRY);
}
