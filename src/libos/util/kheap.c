/*
 * kheap: the LibOS kernel heap over one region, metadata inside it.
 *
 * Everything the LibOS keeps (processes, files, pipes, ramfs data) must be
 * reachable from every host process of an instance once fork is a host
 * fork: the region is a memfd mapped MAP_SHARED at the same address in all
 * of them, and so is every byte of bookkeeping here (no pointer to private
 * memory, no per-thread cache, the lock a LibOS futex mutex).
 *
 * Why not a Debian allocator (all evaluated, bookworm):
 * - mimalloc (libmimalloc-dev): mi_manage_os_memory() hands it a region,
 *   but its heaps, segment map and page queues are thread-local and
 *   process-static state in private memory, bound to host thread ids.
 * - jemalloc / memkind (libjemalloc-dev, libmemkind-dev): extent hooks
 *   choose where blocks come from, but arenas, tcaches, the radix tree
 *   and the arena table are private globals (memkind's file-backed kinds
 *   are jemalloc arenas over a private mapping).
 * - libpmemobj (libpmemobj-dev): its pool keeps the persistent heap
 *   metadata inside the pool, but maps the pool itself (no given address),
 *   keeps runtime state (lanes, buckets, caches) in malloc'd memory and
 *   pays for persistence (flushes, redo logs) on every allocation.
 * None serves a given region with all of its state inside it, so this is
 * a small one:
 * - The region starts with a header and a page map (one `struct kpage`
 *   per page), untouched and so costing nothing until used.
 * - Blocks up to 2 KiB come from size-class pages ("slabs"): one page of
 *   equal objects, a free list threaded through the free objects, and a
 *   list per class of slabs with room. An empty slab's page goes back.
 * - Bigger blocks are runs of whole pages, taken first-fit from a list of
 *   free runs kept in the page map; a run's first and last map entries
 *   (head and tail) carry its length, so a freed run merges with free
 *   neighbours in O(1). A freed run of KHEAP_PUNCH_PAGES or more is given
 *   back to the host first (pal_kheap_discard), so a freed 1 GB ramfs file
 *   returns its memory.
 * - Under AddressSanitizer free and unused bytes are poisoned, so the
 *   sanitizer still catches use-after-free and overflows into slack.
 */
#include "util/kheap.h"

#include "pal/pal.h"
#include "util/lock.h"
#include "util/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define KPAGE 4096u
#define NONE UINT32_MAX
#define KHEAP_MAGIC 0x6b68656170763031ull /* "kheapv01" */
/* Freed runs this long (256 KiB) go back to the host at once; shorter
 * ones are kept for reuse (a discard is a host call). */
#define KHEAP_PUNCH_PAGES 64u
#define SMALL_MAX 2048u

static const uint16_t class_size[] = {16,  32,  48,  64,   80,   96,   112,  128,
                                      160, 192, 224, 256,  320,  384,  448,  512,
                                      640, 768, 896, 1024, 1280, 1536, 1792, 2048};
#define NCLASS (sizeof(class_size) / sizeof(class_size[0]))

enum { PG_UNSET, PG_META, PG_FREE, PG_USED, PG_USED_TAIL, PG_SLAB };

struct kpage {
    uint8_t kind;
    uint8_t cls;         /* slab: size class */
    uint16_t nfree;      /* slab: free objects */
    uint32_t free_off;   /* slab: 1 + offset of the first free object, 0: none */
    uint32_t npages;     /* run head and tail: the run's length */
    uint32_t prev, next; /* free run heads: the free list; slabs: the class's list */
};

struct kheap {
    uint64_t magic;
    struct mutex lock;
    uint32_t npages;      /* pages of the region */
    uint32_t meta_pages;  /* header and page map */
    uint32_t limit_pages; /* kheap_set_limit */
    uint32_t used_pages;  /* runs and slabs in use */
    uint32_t free_runs;   /* head of the free run list */
    uint32_t partial[NCLASS];
    uint32_t warned;
    struct kpage map[];
};

/* Set once at boot, before any host fork: the same in every process. */
static struct kheap *heap;

static inline char *page_addr(uint32_t i)
{
    return (char *)heap + (size_t)i * KPAGE;
}

int kheap_init(void *base, size_t size)
{
    size_t npages = size / KPAGE;
    if (npages > NONE - 1) npages = NONE - 1;
    size_t meta = sizeof(struct kheap) + npages * sizeof(struct kpage);
    size_t meta_pages = (meta + KPAGE - 1) / KPAGE;
    if ((uintptr_t)base % KPAGE || meta_pages + 1 >= npages) return -1;
    struct kheap *h = base;
    h->magic = KHEAP_MAGIC;
    h->lock = (struct mutex)MUTEX_INIT;
    h->npages = (uint32_t)npages;
    h->meta_pages = (uint32_t)meta_pages;
    h->limit_pages = (uint32_t)npages;
    h->used_pages = 0; /* the page map costs only what the pages it tracks do */
    for (size_t c = 0; c < NCLASS; c++)
        h->partial[c] = NONE;
    h->warned = 0;
    h->map[meta_pages - 1].kind = PG_META; /* the left neighbour of the first run */
    uint32_t first = (uint32_t)meta_pages, n = (uint32_t)(npages - meta_pages);
    struct kpage *hd = &h->map[first], *tl = &h->map[first + n - 1];
    hd->kind = tl->kind = PG_FREE;
    hd->npages = tl->npages = n;
    hd->prev = hd->next = NONE;
    h->free_runs = first;
    heap = h;
    /* Not poisoned here: that would write the shadow of the whole region.
     * Pages are poisoned as they are freed. */
    return 0;
}

int kheap_create(size_t size)
{
    void *base = pal_kheap_create(size);
    if (!base || kheap_init(base, size) < 0) {
        log_error("cannot create the kernel heap (%zu bytes of address space)", size);
        return -1;
    }
    return 0;
}

void kheap_set_limit(size_t bytes)
{
    size_t pages = bytes / KPAGE;
    mutex_lock(&heap->lock);
    heap->limit_pages = pages > heap->npages ? heap->npages : (uint32_t)pages;
    mutex_unlock(&heap->lock);
}

size_t kheap_limit(void)
{
    return (size_t)heap->limit_pages * KPAGE;
}

size_t kheap_cache_size(size_t want)
{
    size_t eighth = kheap_limit() / 8;
    if (want > eighth) want = eighth;
    return want < (1u << 20) ? 1u << 20 : want;
}

size_t kheap_used(void)
{
    return (size_t)__atomic_load_n(&heap->used_pages, __ATOMIC_RELAXED) * KPAGE;
}

int kheap_contains(const void *p)
{
    return heap && (const char *)p >= (const char *)heap &&
           (const char *)p < page_addr(heap->npages);
}

/* ---- free runs (lock held) ---- */

static void list_remove(uint32_t *head, uint32_t i)
{
    struct kpage *e = &heap->map[i];
    if (e->prev != NONE)
        heap->map[e->prev].next = e->next;
    else
        *head = e->next;
    if (e->next != NONE) heap->map[e->next].prev = e->prev;
}

static void list_push(uint32_t *head, uint32_t i)
{
    struct kpage *e = &heap->map[i];
    e->prev = NONE;
    e->next = *head;
    if (*head != NONE) heap->map[*head].prev = i;
    *head = i;
}

static void mark_run(uint32_t i, uint32_t n, uint8_t kind)
{
    heap->map[i].kind = kind;
    heap->map[i].npages = n;
    if (n > 1) {
        heap->map[i + n - 1].kind = kind == PG_USED ? PG_USED_TAIL : kind;
        heap->map[i + n - 1].npages = n;
    }
}

/* Put [i, i+n) back, merged with free neighbours. */
static void run_free(uint32_t i, uint32_t n)
{
    if (heap->map[i - 1].kind == PG_FREE) {
        uint32_t l = i - heap->map[i - 1].npages;
        list_remove(&heap->free_runs, l);
        n += i - l;
        i = l;
    }
    uint32_t j = i + n;
    if (j < heap->npages && heap->map[j].kind == PG_FREE) {
        n += heap->map[j].npages;
        list_remove(&heap->free_runs, j);
    }
    mark_run(i, n, PG_FREE);
    list_push(&heap->free_runs, i);
}

/* First fit of n pages whose first page index is a multiple of align
 * pages (address alignment, as the region is page-aligned). */
static uint32_t run_alloc(uint32_t n, uint32_t align, uint8_t kind)
{
    if (n > heap->limit_pages - heap->used_pages || heap->used_pages > heap->limit_pages)
        return NONE;
    uintptr_t basepg = (uintptr_t)heap / KPAGE;
    for (uint32_t r = heap->free_runs; r != NONE; r = heap->map[r].next) {
        uint32_t len = heap->map[r].npages;
        uint32_t a = r;
        if (align > 1)
            a = (uint32_t)(((basepg + r + align - 1) & ~((uintptr_t)align - 1)) - basepg);
        /* slabs from a run's end, so that a big block taken from its start
         * keeps free pages after it to grow into (ramfs files) */
        else if (kind == PG_SLAB)
            a = r + len - n;
        if ((uint64_t)a + n > (uint64_t)r + len) continue;
        list_remove(&heap->free_runs, r);
        if (a > r) {
            mark_run(r, a - r, PG_FREE);
            list_push(&heap->free_runs, r);
        }
        if (a + n < r + len) {
            mark_run(a + n, r + len - (a + n), PG_FREE);
            list_push(&heap->free_runs, a + n);
        }
        mark_run(a, n, kind);
        heap->used_pages += n;
        return a;
    }
    return NONE;
}

static void exhausted(size_t size)
{
    if (__atomic_exchange_n(&heap->warned, 1, __ATOMIC_RELAXED)) return;
    log_warn("kernel heap exhausted (%zu bytes asked, %zu in use): raise "
             "resource_limits.kernel_space_heap_size in Occlum.json",
             size, kheap_used());
}

/* ---- blocks ---- */

static unsigned class_of(size_t size)
{
    if (size <= 128) return size <= 16 ? 0 : (unsigned)((size + 15) / 16 - 1);
    unsigned c = 8;
    while (class_size[c] < size)
        c++;
    return c;
}

static void *small_alloc(unsigned c)
{
    uint32_t i = heap->partial[c];
    if (i == NONE) {
        i = run_alloc(1, 1, PG_SLAB);
        if (i == NONE) return NULL;
        struct kpage *e = &heap->map[i];
        unsigned sz = class_size[c], nobj = KPAGE / sz;
        char *pg = page_addr(i);
        UNPOISON(pg, KPAGE);
        e->cls = (uint8_t)c;
        e->nfree = (uint16_t)nobj;
        e->free_off = 0;
        for (unsigned k = nobj; k-- > 0;) {
            memcpy(pg + k * sz, &e->free_off, sizeof(uint32_t));
            e->free_off = 1 + k * sz;
        }
        POISON(pg, KPAGE);
        list_push(&heap->partial[c], i);
    }
    struct kpage *e = &heap->map[i];
    char *p = page_addr(i) + e->free_off - 1;
    UNPOISON(p, class_size[c]);
    memcpy(&e->free_off, p, sizeof(uint32_t));
    if (--e->nfree == 0) list_remove(&heap->partial[c], i);
    return p;
}

static void small_free(uint32_t i, char *p)
{
    struct kpage *e = &heap->map[i];
    unsigned c = e->cls, sz = class_size[c];
    size_t off = (size_t)(p - page_addr(i));
    if (off % sz || off + sz > KPAGE) __builtin_trap(); /* not a block: a LibOS bug */
    UNPOISON(p, sz); /* a block of another host process is poisoned in this one's shadow */
    memcpy(p, &e->free_off, sizeof(uint32_t));
    POISON(p, sz);
    e->free_off = (uint32_t)off + 1;
    if (e->nfree++ == 0) list_push(&heap->partial[c], i);
    if (e->nfree == KPAGE / sz) {
        list_remove(&heap->partial[c], i);
        heap->used_pages--;
        POISON(page_addr(i), KPAGE);
        run_free(i, 1);
    }
}

static void *alloc(size_t align, size_t size)
{
    if (size == 0) size = 1;
    if (!heap || size > (size_t)heap->npages * KPAGE) {
        if (heap) exhausted(size);
        return NULL;
    }
    void *p = NULL;
    if (align <= 16 && size <= SMALL_MAX) {
        mutex_lock(&heap->lock);
        p = small_alloc(class_of(size));
        mutex_unlock(&heap->lock);
    } else if (align <= SMALL_MAX && size <= SMALL_MAX) {
        /* power-of-two classes sit at multiples of their size in a page */
        size_t s = 32;
        while (s < size || s < align)
            s <<= 1;
        mutex_lock(&heap->lock);
        p = small_alloc(class_of(s));
        mutex_unlock(&heap->lock);
    } else {
        uint32_t n = (uint32_t)((size + KPAGE - 1) / KPAGE);
        uint32_t ap = align > KPAGE ? (uint32_t)(align / KPAGE) : 1;
        mutex_lock(&heap->lock);
        uint32_t i = run_alloc(n, ap, PG_USED);
        mutex_unlock(&heap->lock);
        if (i != NONE) {
            p = page_addr(i);
            UNPOISON(p, size);
        }
    }
    if (!p) exhausted(size);
    return p;
}

void *kmalloc(size_t size)
{
    return alloc(16, size);
}

void *kmalloc_aligned(size_t align, size_t size)
{
    return alloc(align < 16 ? 16 : align, size);
}

int kposix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
    void *p = kmalloc_aligned(align, size);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

void *kcalloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) return NULL;
    void *p = kmalloc(total);
    if (!p) return NULL;
    /* A big block is zeroed by the host (its pages given back), not by
     * touching them: a large calloc'd table costs only what is used. */
    if (total >= (size_t)KHEAP_PUNCH_PAGES * KPAGE && pal_kheap_discard(p, total) == 0) return p;
    memset(p, 0, total);
    return p;
}

static uint32_t page_of(const void *p)
{
    if (!kheap_contains(p)) __builtin_trap(); /* freeing private memory: a LibOS bug */
    return (uint32_t)(((const char *)p - (const char *)heap) / KPAGE);
}

void kfree(void *p)
{
    if (!p) return;
    uint32_t i = page_of(p);
    struct kpage *e = &heap->map[i];
    if (e->kind == PG_SLAB) {
        mutex_lock(&heap->lock);
        small_free(i, p);
        mutex_unlock(&heap->lock);
        return;
    }
    if (e->kind != PG_USED || (char *)p != page_addr(i)) __builtin_trap();
    /* The run is still ours: give its pages back before anyone can reuse them. */
    uint32_t n = e->npages;
    if (n >= KHEAP_PUNCH_PAGES) pal_kheap_discard(p, (size_t)n * KPAGE);
    POISON(p, (size_t)n * KPAGE);
    mutex_lock(&heap->lock);
    heap->used_pages -= n;
    run_free(i, n);
    mutex_unlock(&heap->lock);
}

/* Grow or shrink a page run in place; false when it cannot grow there. */
static bool run_resize(uint32_t i, uint32_t n, uint32_t want)
{
    bool ok = true;
    mutex_lock(&heap->lock);
    if (want < n) {
        mark_run(i, want, PG_USED);
        heap->used_pages -= n - want;
        run_free(i + want, n - want);
        POISON(page_addr(i + want), (size_t)(n - want) * KPAGE);
    } else {
        uint32_t j = i + n, more = want - n;
        struct kpage *r = j < heap->npages ? &heap->map[j] : NULL;
        if (!r || r->kind != PG_FREE || r->npages < more ||
            more > heap->limit_pages - heap->used_pages || heap->used_pages > heap->limit_pages) {
            ok = false;
        } else {
            uint32_t len = r->npages;
            list_remove(&heap->free_runs, j);
            if (len > more) {
                mark_run(j + more, len - more, PG_FREE);
                list_push(&heap->free_runs, j + more);
            }
            mark_run(i, want, PG_USED);
            heap->used_pages += more;
        }
    }
    mutex_unlock(&heap->lock);
    return ok;
}

void *krealloc(void *p, size_t size)
{
    if (!p) return kmalloc(size);
    if (size == 0) {
        kfree(p);
        return NULL;
    }
    uint32_t i = page_of(p);
    struct kpage *e = &heap->map[i];
    size_t have;
    if (e->kind == PG_SLAB) {
        have = class_size[e->cls];
        if (size <= have) {
            UNPOISON(p, size);
            return p;
        }
    } else {
        if (e->kind != PG_USED || (char *)p != page_addr(i)) __builtin_trap();
        uint32_t n = e->npages;
        have = (size_t)n * KPAGE;
        if (size > SMALL_MAX && size <= (size_t)heap->npages * KPAGE) {
            uint32_t want = (uint32_t)((size + KPAGE - 1) / KPAGE);
            /* a shrunk tail is still ours: back to the host before it is free */
            if (want < n && n - want >= KHEAP_PUNCH_PAGES)
                pal_kheap_discard(page_addr(i + want), (size_t)(n - want) * KPAGE);
            if (want == n || run_resize(i, n, want)) {
                UNPOISON(p, size);
                return p;
            }
        }
    }
    void *q = kmalloc(size);
    if (!q) return NULL;
    UNPOISON(p, have); /* the slack past what was asked is poisoned */
    memcpy(q, p, have < size ? have : size);
    kfree(p);
    return q;
}

static char *str_copy(const char *s, size_t len)
{
    char *d = kmalloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = 0;
    return d;
}

char *kstrdup(const char *s)
{
    return str_copy(s, strlen(s));
}

char *kstrndup(const char *s, size_t n)
{
    return str_copy(s, strnlen(s, n));
}
