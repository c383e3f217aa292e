/*
 * sefs_rw_cache: the writable layer's bounded cache of plaintext blocks,
 * keyed by (file, block index), after src/image/sefs_cache.c: fixed-size
 * slots, a hash table for lookup, the clock algorithm for eviction. A
 * slot may be dirty (written by the application, not yet sealed to the
 * host): evicting it first writes it back through the layer's callback,
 * which is what bounds the memory a file's data takes. Only blocks that
 * verified, or that the application wrote, are ever here. The owner
 * (sefs_rw_data.c, under l->dlock) serialises all access.
 */
#include "fs/sefs_rw_int.h"
#include "util/kheap.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 64 /* whatever cache_size says: a write-back run and some data */

struct cslot {
    struct rw_file *f;
    uint64_t idx;
    int32_t next; /* hash chain, -1 ends */
    uint8_t valid, ref;
    bool dirty;
};

struct rw_cache {
    size_t n, nbuckets, hand;
    int32_t pending;
    struct cslot *s;
    int32_t *bucket;
    uint8_t *pages;
    rw_writeback_fn wb;
    void *ctx;
};

static size_t hash(const struct rw_cache *c, const struct rw_file *f, uint64_t idx)
{
    uint64_t h = (uint64_t)(uintptr_t)f * 0x9e3779b97f4a7c15ull ^ idx * 0xc2b2ae3d27d4eb4full;
    h ^= h >> 29;
    return (size_t)(h & (c->nbuckets - 1));
}

struct rw_cache *rw_cache_new(size_t bytes, rw_writeback_fn wb, void *ctx)
{
    struct rw_cache *c = kcalloc(1, sizeof(*c));
    if (!c) return NULL;
    c->n = bytes / BLK < MIN_SLOTS ? MIN_SLOTS : bytes / BLK;
    for (c->nbuckets = 1; c->nbuckets < c->n; c->nbuckets <<= 1)
        ;
    c->pending = -1;
    c->wb = wb;
    c->ctx = ctx;
    c->s = kcalloc(c->n, sizeof(*c->s));
    c->bucket = kmalloc(c->nbuckets * sizeof(*c->bucket));
    c->pages = kmalloc(c->n * BLK);
    if (!c->s || !c->bucket || !c->pages) {
        rw_cache_free(c);
        return NULL;
    }
    memset(c->bucket, 0xff, c->nbuckets * sizeof(*c->bucket));
    return c;
}

void rw_cache_free(struct rw_cache *c)
{
    if (!c) return;
    kfree(c->s);
    kfree(c->bucket);
    kfree(c->pages);
    kfree(c);
}

size_t rw_cache_slots(const struct rw_cache *c)
{
    return c->n;
}

static int32_t find(struct rw_cache *c, struct rw_file *f, uint64_t idx)
{
    for (int32_t i = c->bucket[hash(c, f, idx)]; i >= 0; i = c->s[i].next)
        if (c->s[i].f == f && c->s[i].idx == idx) return i;
    return -1;
}

uint8_t *rw_cache_find(struct rw_cache *c, struct rw_file *f, uint64_t idx, bool **dirty)
{
    int32_t i = find(c, f, idx);
    if (i < 0) return NULL;
    c->s[i].ref = 1;
    if (dirty) *dirty = &c->s[i].dirty;
    return c->pages + (size_t)i * BLK;
}

static void unlink_slot(struct rw_cache *c, int32_t v)
{
    int32_t *pp = &c->bucket[hash(c, c->s[v].f, c->s[v].idx)];
    while (*pp >= 0 && *pp != v)
        pp = &c->s[*pp].next;
    if (*pp == v) *pp = c->s[v].next;
    c->s[v].valid = 0;
    c->s[v].dirty = false;
}

uint8_t *rw_cache_claim(struct rw_cache *c, struct rw_file *f, uint64_t idx)
{
    /* Two sweeps clear every reference bit; a third finds a victim unless
     * write-backs keep failing. */
    for (size_t tries = 0; tries < 3 * c->n; tries++) {
        struct cslot *s = &c->s[c->hand];
        int32_t v = (int32_t)c->hand;
        c->hand = (c->hand + 1) % c->n;
        if (s->valid && s->ref) {
            s->ref = 0;
            continue;
        }
        /* The victim's content goes to the host first (it may clean its
         * neighbours too: one host write for a run of blocks). */
        if (s->valid && s->dirty && c->wb(c->ctx, s->f, s->idx) < 0) continue;
        if (s->valid) unlink_slot(c, v);
        s->f = f;
        s->idx = idx;
        c->pending = v;
        return c->pages + (size_t)v * BLK;
    }
    return NULL;
}

void rw_cache_insert(struct rw_cache *c, bool ok, bool **dirty)
{
    int32_t v = c->pending;
    c->pending = -1;
    if (v < 0) return;
    if (!ok) {
        memset(c->pages + (size_t)v * BLK, 0, BLK); /* nothing unverified lingers */
        c->s[v].f = NULL;
        return;
    }
    size_t b = hash(c, c->s[v].f, c->s[v].idx);
    c->s[v].next = c->bucket[b];
    c->bucket[b] = v;
    c->s[v].valid = 1;
    c->s[v].ref = 1;
    c->s[v].dirty = false;
    if (dirty) *dirty = &c->s[v].dirty;
}

void rw_cache_drop(struct rw_cache *c, struct rw_file *f, uint64_t from, uint64_t to)
{
    if (to - from <= c->n) { /* few blocks: look each up */
        for (uint64_t i = from; i < to; i++) {
            int32_t v = find(c, f, i);
            if (v >= 0) unlink_slot(c, v);
        }
        return;
    }
    for (size_t v = 0; v < c->n; v++)
        if (c->s[v].valid && c->s[v].f == f && c->s[v].idx >= from && c->s[v].idx < to)
            unlink_slot(c, (int32_t)v);
}
