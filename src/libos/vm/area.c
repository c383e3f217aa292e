/*
 * area: the list and the gap tree of an address space's areas (area.h).
 */
/* before the include: the tree's rotations keep each subtree's max_gap */
#define RB_AUGMENT(x) vma_augment(x)
#include "vm/area.h"

#include "util/kheap.h"
#include "util/log.h"

#include <errno.h>

uint64_t region_base, region_end;

/* The free part of the region right below v (between its list
 * predecessor, or the region's start, and v). */
static uint64_t gap_below(const struct vma *v)
{
    uint64_t lo = v->prev && v->prev->end > region_base ? v->prev->end : region_base;
    uint64_t hi = v->start < region_end ? v->start : region_end;
    return hi > lo ? hi - lo : 0;
}

static void vma_augment(struct vma *v)
{
    uint64_t g = gap_below(v);
    const struct vma *l = RB_LEFT(v, node), *r = RB_RIGHT(v, node);
    if (l && l->max_gap > g) g = l->max_gap;
    if (r && r->max_gap > g) g = r->max_gap;
    v->max_gap = g;
}

static void augment_path(struct vma *v)
{
    for (; v; v = RB_PARENT(v, node))
        vma_augment(v);
}

static int vma_cmp(const struct vma *a, const struct vma *b)
{
    return a->start < b->start ? -1 : a->start > b->start;
}

/* RB_GENERATE_STATIC's own attribute (__unused) is left undefined by libbsd */
RB_GENERATE_INTERNAL(vma_tree, vma, node, vma_cmp, __attribute__((unused)) static)

/* The address space's lock, for a change of its areas. */
void as_lock(struct addr_space *as)
{
    mutex_lock(&as->lock);
    __atomic_add_fetch(&as->gen, 1, __ATOMIC_RELEASE);
}

/* The last area that starts at or before addr, or NULL; as->lock held. */
struct vma *area_at_or_before(struct addr_space *as, uint64_t addr)
{
    struct vma key = {.start = addr + 1};
    struct vma *after = addr == UINT64_MAX ? NULL : RB_NFIND(vma_tree, &as->tree, &key);
    return after ? after->prev : as->last;
}

/* The first area that ends after addr (the one holding it, or the next),
 * or NULL; as->lock held. */
struct vma *area_from(struct addr_space *as, uint64_t addr)
{
    struct vma *v = area_at_or_before(as, addr);
    if (v && v->end > addr) return v;
    return v ? v->next : as->areas;
}

/* Put v in the list after pos (NULL: first) and in the tree. */
void vma_link_after(struct addr_space *as, struct vma *pos, struct vma *v)
{
    v->prev = pos;
    v->next = pos ? pos->next : as->areas;
    if (v->next)
        v->next->prev = v;
    else
        as->last = v;
    if (pos)
        pos->next = v;
    else
        as->areas = v;
    RB_INSERT(vma_tree, &as->tree, v);
    augment_path(v);
    if (v->next) augment_path(v->next); /* its gap below shrank */
}

/* Take v out of the list and the tree (not freed). */
void vma_unlink(struct addr_space *as, struct vma *v)
{
    struct vma *parent = RB_PARENT(v, node), *next = v->next;
    if (v->prev)
        v->prev->next = v->next;
    else
        as->areas = v->next;
    if (v->next)
        v->next->prev = v->prev;
    else
        as->last = v->prev;
    RB_REMOVE(vma_tree, &as->tree, v);
    augment_path(parent);
    augment_path(next); /* its gap below grew */
}

struct vma *vma_new(uint64_t start, uint64_t end, int prot, bool reserved, struct vm_proc *owner)
{
    struct vma *v = kmalloc(sizeof(*v));
    if (!v) return NULL;
    *v = (struct vma){
        .start = start, .end = end, .prot = prot, .reserved = reserved, .owner = owner};
    return v;
}

void vma_insert(struct addr_space *as, struct vma *v)
{
    vma_link_after(as, area_at_or_before(as, v->start), v);
}

/* Split so that no area straddles addr. Returns -ENOMEM on allocation failure. */
int split_at(struct addr_space *as, uint64_t addr)
{
    struct vma *v = area_at_or_before(as, addr);
    if (v && v->start < addr && addr < v->end) {
        struct vma *tail = vma_new(addr, v->end, v->prot, v->reserved, v->owner);
        if (!tail) return -ENOMEM;
        tail->shared = v->shared;
        tail->segment = v->segment;
        tail->seg_id = v->seg_id;
        tail->seg_key = v->seg_key;
        v->end = addr;
        vma_link_after(as, v, tail);
    }
    return 0;
}

/* Highest free gap of len bytes in the region, by walking down from its
 * top: the reference find_free is checked against. */
static uint64_t find_free_walk(const struct addr_space *as, uint64_t len)
{
    uint64_t gap_end = region_end;
    for (const struct vma *v = as->last;; v = v->prev) {
        if (v && v->end > gap_end) continue; /* a window above the region */
        uint64_t gap_start = v && v->end > region_base ? v->end : region_base;
        if (gap_end >= gap_start && gap_end - gap_start >= len) return gap_end - len;
        if (!v || v->start <= region_base) return 0;
        gap_end = v->start;
    }
}

/* Highest free gap of len bytes in the region (0: none), as Linux's
 * top-down mmap takes it: above the last area, else the rightmost area
 * with a gap below it that fits, found through the subtrees' max_gap. */
uint64_t find_free(struct addr_space *as, uint64_t len)
{
    const struct vma *last = as->last;
    uint64_t top = last && last->end > region_base ? last->end : region_base;
    if (top < region_end && region_end - top >= len) return region_end - len;
    uint64_t found = 0;
    for (const struct vma *v = RB_ROOT(&as->tree); v && v->max_gap >= len;) {
        const struct vma *l = RB_LEFT(v, node), *r = RB_RIGHT(v, node);
        if (r && r->max_gap >= len) {
            v = r;
        } else if (gap_below(v) >= len) {
            found = (v->start < region_end ? v->start : region_end) - len;
            break;
        } else {
            v = l;
        }
    }
    /* A wrong max_gap would be a bug here: never trust it with memory */
    const struct vma *after = found ? area_from(as, found) : NULL;
    if (found && (!after || after->start >= found + len)) return found;
    uint64_t walked = find_free_walk(as, len);
    if (walked)
        log_warn("vm: the areas' gap index missed a free gap (a LibOS bug); please report it");
    return walked;
}
