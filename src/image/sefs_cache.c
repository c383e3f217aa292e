/*
 * sefs_cache.c: the bounded cache of verified plaintext blocks (data and
 * tree nodes) of a SEFS layer, so that a block read twice is neither read
 * from the host nor decrypted twice. Fixed-size slots, a hash table for
 * lookup and the clock algorithm for eviction. Not thread-safe: the owner
 * serialises access. Only blocks that verified are ever visible here.
 */
#include "common/alloc.h"
#include "image/sefs_format.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 16 /* a tree path plus some data, whatever cache_size says */

struct slot {
    struct sefs_pos key;
    int32_t next; /* hash chain, -1 ends */
    uint8_t valid, ref;
};

struct sefs_cache {
    size_t n, nbuckets, hand;
    int32_t pending;
    struct slot *s;
    int32_t *bucket;
    uint8_t *pages;
};

static size_t hash(const struct sefs_cache *c, const struct sefs_pos *p)
{
    uint64_t h = p->file * 0x9e3779b97f4a7c15ull ^ p->index * 0xc2b2ae3d27d4eb4full ^
                 (uint64_t)p->level << 59;
    h ^= h >> 29;
    return (size_t)(h & (c->nbuckets - 1));
}

static bool same(const struct sefs_pos *a, const struct sefs_pos *b)
{
    return a->file == b->file && a->level == b->level && a->index == b->index;
}

struct sefs_cache *sefs_cache_new(size_t bytes)
{
    struct sefs_cache *c = kcalloc(1, sizeof(*c));
    if (!c) return NULL;
    c->n = bytes / SEFS_BLOCK < MIN_SLOTS ? MIN_SLOTS : bytes / SEFS_BLOCK;
    for (c->nbuckets = 1; c->nbuckets < c->n; c->nbuckets <<= 1)
        ;
    c->pending = -1;
    c->s = kcalloc(c->n, sizeof(*c->s));
    c->bucket = kmalloc(c->nbuckets * sizeof(*c->bucket));
    c->pages = kmalloc(c->n * SEFS_BLOCK);
    if (!c->s || !c->bucket || !c->pages) {
        sefs_cache_free(c);
        return NULL;
    }
    memset(c->bucket, 0xff, c->nbuckets * sizeof(*c->bucket));
    return c;
}

void sefs_cache_free(struct sefs_cache *c)
{
    if (!c) return;
    kfree(c->s);
    kfree(c->bucket);
    kfree(c->pages);
    kfree(c);
}

const uint8_t *sefs_cache_get(struct sefs_cache *c, const struct sefs_pos *p)
{
    for (int32_t i = c->bucket[hash(c, p)]; i >= 0; i = c->s[i].next) {
        if (same(&c->s[i].key, p)) {
            c->s[i].ref = 1;
            return c->pages + (size_t)i * SEFS_BLOCK;
        }
    }
    return NULL;
}

static void unlink_slot(struct sefs_cache *c, int32_t v)
{
    int32_t *pp = &c->bucket[hash(c, &c->s[v].key)];
    while (*pp >= 0 && *pp != v)
        pp = &c->s[*pp].next;
    if (*pp == v) *pp = c->s[v].next;
    c->s[v].valid = 0;
}

uint8_t *sefs_cache_slot(struct sefs_cache *c, const struct sefs_pos *p)
{
    for (;;) {
        struct slot *s = &c->s[c->hand];
        if (s->valid && s->ref) {
            s->ref = 0;
            c->hand = (c->hand + 1) % c->n;
            continue;
        }
        int32_t v = (int32_t)c->hand;
        c->hand = (c->hand + 1) % c->n;
        if (s->valid) unlink_slot(c, v);
        s->key = *p;
        c->pending = v;
        return c->pages + (size_t)v * SEFS_BLOCK;
    }
}

void sefs_cache_commit(struct sefs_cache *c, const struct sefs_pos *p, bool ok)
{
    int32_t v = c->pending;
    c->pending = -1;
    if (v < 0 || !same(&c->s[v].key, p)) return;
    if (!ok) {
        memset(c->pages + (size_t)v * SEFS_BLOCK, 0, SEFS_BLOCK);
        return;
    }
    size_t b = hash(c, p);
    c->s[v].next = c->bucket[b];
    c->bucket[b] = v;
    c->s[v].valid = 1;
    c->s[v].ref = 1;
}
