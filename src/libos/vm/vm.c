/*
 * vm: what the processes of an address space map where, and how much
 * memory that is (user_space_size). The set of areas itself, its list
 * and its search tree, is vm/area.c's.
 *
 * An area is either mapped (with its prot) or reserved (taken,
 * but inaccessible: the unused part of a brk heap). Free space is simply
 * what no area covers; it is found first-fit from the top of the region,
 * as Linux's mmap does top-down.
 */
#include "vm/vm.h"

#include "vm/area.h"
#include "vm/commit.h"

#include "entry/rewrite.h"
#include "ipc/ipc.h"
#include "vm/shared_map.h"

#include "pal/pal.h"
#include "process/process.h"
#include "util/lock.h"
#include "util/log.h"
#include "util/kheap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static struct addr_space root_as = {
    .lock = MUTEX_INIT, .users = 1, .tree = RB_INITIALIZER(&root_as.tree)};
/* The address space of this host process. */
static struct addr_space *host_as LIBOS_PRIVATE = &root_as;
/* The host thread that let this host's address space go (vm_proc_put). */
static int host_last_user_tid LIBOS_PRIVATE;

int vm_init(uint64_t size)
{
    uint64_t limit = PAGE_UP(size);
    commit_init(limit);
    size = limit * 16 < (8ULL << 30) ? 8ULL << 30 : limit * 16;
    if (size > (1ULL << 40)) size = limit > (1ULL << 40) ? limit : 1ULL << 40;
    void *base = pal_vm_reserve(size);
    if (!base) return -ENOMEM;
    region_base = (uint64_t)base;
    region_end = region_base + size;
    return 0;
}

uint64_t vm_region_base(void)
{
    return region_base;
}

uint64_t vm_region_size(void)
{
    return commit_limit_bytes();
}

/* True when all of [addr, addr+len) is user space: the region or windows. */
static bool in_space(const struct addr_space *as, uint64_t addr, uint64_t len)
{
    if (addr + len < addr) return false;
    if (addr >= region_base && addr + len <= region_end) return true;
    uint64_t cur = addr;
    for (int i = 0; i < as->nwindows && cur < addr + len; i++)
        if (as->windows[i].start <= cur && cur < as->windows[i].end) cur = as->windows[i].end;
    return cur >= addr + len;
}

static void window_add(struct addr_space *as, uint64_t start, uint64_t end)
{
    int i = 0;
    while (i < as->nwindows && as->windows[i].start < start)
        i++;
    memmove(&as->windows[i + 1], &as->windows[i],
            (size_t)(as->nwindows - i) * sizeof(as->windows[0]));
    as->windows[i] = (struct window){start, end};
    as->nwindows++;
    for (int j = 0; j + 1 < as->nwindows;) { /* merge touching neighbours */
        if (as->windows[j].end == as->windows[j + 1].start) {
            as->windows[j].end = as->windows[j + 1].end;
            memmove(&as->windows[j + 1], &as->windows[j + 2],
                    (size_t)(as->nwindows - j - 2) * sizeof(as->windows[0]));
            as->nwindows--;
        } else {
            j++;
        }
    }
}

/* Make [addr, addr+len) user space, reserving from the host what no
 * window covers yet. Fails when the host has something there (the
 * runtime's own code, libraries, stacks) or past the windows' limit. */
static int claim_space(struct addr_space *as, uint64_t addr, uint64_t len)
{
    if (addr + len < addr || addr < PAGE_SIZE * 16) return -ENOMEM;
    uint64_t cur = addr;
    while (cur < addr + len) {
        uint64_t gap_end = addr + len;
        bool covered = false;
        if (cur >= region_base && cur < region_end) {
            covered = true;
            gap_end = region_end;
        }
        for (int i = 0; !covered && i < as->nwindows; i++) {
            if (as->windows[i].start <= cur && cur < as->windows[i].end) {
                covered = true;
                gap_end = as->windows[i].end;
            } else if (as->windows[i].start > cur && as->windows[i].start < gap_end) {
                gap_end = as->windows[i].start;
            }
        }
        if (!covered) {
            if (cur < region_base && gap_end > region_base) gap_end = region_base;
            if (as->nwindows + 2 > MAX_WINDOWS) return -ENOMEM; /* room for a merge-free add */
            int r = pal_vm_reserve_at((void *)cur, gap_end - cur);
            if (r < 0) return r;
            window_add(as, cur, gap_end);
        }
        cur = gap_end;
    }
    return 0;
}

static bool range_free(struct addr_space *as, uint64_t addr, uint64_t len)
{
    if (!in_space(as, addr, len)) return false;
    struct vma *v = area_from(as, addr);
    return !v || v->start >= addr + len;
}

/* True when every area meeting [addr, addr+len) is p's own. */
static bool range_only_ours(struct process *p, uint64_t addr, uint64_t len)
{
    struct addr_space *as = p->vm->as;
    for (struct vma *v = area_from(as, addr); v && v->start < addr + len; v = v->next)
        if (v->end > addr && v->owner != p->vm) return false;
    return true;
}

/* Drop p's as->areas in [addr, addr+len) from the list (not from the host). */
static int remove_range(struct process *p, uint64_t addr, uint64_t len)
{
    struct addr_space *as = p->vm->as;
    int r = split_at(as, addr);
    if (r == 0) r = split_at(as, addr + len);
    if (r < 0) return r;
    for (struct vma *v = area_from(as, addr), *next; v && v->start < addr + len; v = next) {
        next = v->next;
        if (v->end <= addr + len && v->owner == p->vm) {
            if (area_counted(v)) commit_account(v->owner, -(int64_t)(v->end - v->start));
            vma_unlink(as, v);
            kfree(v);
        }
    }
    return 0;
}

/* commit: give the range host memory (else the caller maps over it). */
static int64_t map_area(struct process *p, uint64_t addr, uint64_t len, int prot, bool fixed,
                        bool noreplace, bool commit)
{
    struct addr_space *as = p->vm->as;
    len = PAGE_UP(len);
    if (len == 0) return -EINVAL;
    as_lock(as);
    int64_t ret;
    bool replaced = false;
    if (fixed) {
        if (!in_space(as, addr, len)) {
            ret = -ENOMEM;
            goto out;
        }
        if (!range_free(as, addr, len)) {
            if (noreplace) {
                ret = -EEXIST;
                goto out;
            }
            /* Another process's memory refuses the call before any of p's
             * as->areas are dropped: dropping them first left their pages in
             * use by p but free in the list, for the next mmap of any
             * process to be given (found by tests/fuzz/syscall_fuzz, whose
             * parent then died of SIGSEGV). */
            if (!range_only_ours(p, addr, len)) {
                ret = -ENOMEM;
                goto out;
            }
            ret = remove_range(p, addr, len);
            if (ret < 0) goto out;
            replaced = true;
        }
    } else if (!(addr && PAGE_DOWN(addr) == addr && range_free(as, addr, len))) {
        addr = find_free(as, len);
        if (!addr) {
            commit_exhausted(len);
            ret = -ENOMEM;
            goto out;
        }
    }
    if (prot != PROT_NONE && !commit_fits(len)) {
        ret = -ENOMEM;
        goto out;
    }
    struct vma *v = vma_new(addr, addr + len, prot, false, p->vm);
    if (!v) {
        ret = -ENOMEM;
        goto out;
    }
    ret = commit ? pal_vm_commit((void *)addr, len, prot) : 0;
    if (ret < 0) {
        kfree(v);
        goto out;
    }
    vma_insert(as, v);
    if (area_counted(v)) commit_account(p->vm, (int64_t)len);
    ret = (int64_t)addr;
out:
    mutex_unlock(&as->lock);
    if (replaced) rewrite_forget_range(p->vm, addr, addr + len);
    return ret;
}

int64_t vm_map(struct process *p, uint64_t addr, uint64_t len, int prot, bool fixed, bool noreplace)
{
    return map_area(p, addr, len, prot, fixed, noreplace, true);
}

int64_t vm_map_uncommitted(struct process *p, uint64_t len, int prot)
{
    return map_area(p, 0, len, prot, false, false, false);
}

/* The address in a free gap of [lo, hi) nearest to target for len bytes,
 * if nearer than *best_d. */
static void nearest_gap(struct addr_space *as, uint64_t lo, uint64_t hi, uint64_t target,
                        uint64_t len, uint64_t *best, uint64_t *best_d)
{
    uint64_t prev_end = lo;
    for (struct vma *v = area_from(as, lo);; v = v->next) {
        if (v && v->end <= lo) continue;
        uint64_t gap_end = v && v->start < hi ? v->start : hi;
        if (gap_end > prev_end && gap_end - prev_end >= len) {
            uint64_t c = target < prev_end        ? prev_end
                         : target + len > gap_end ? gap_end - len
                                                  : PAGE_DOWN(target);
            uint64_t d = c > target ? c + len - target : target - c;
            if (d < *best_d) {
                *best_d = d;
                *best = c;
            }
        }
        if (!v || v->start >= hi) break;
        prev_end = v->end;
    }
}

int64_t vm_map_near(struct process *p, uint64_t target, uint64_t len, int prot, uint64_t max_dist)
{
    struct addr_space *as = p->vm->as;
    len = PAGE_UP(len);
    as_lock(as);
    uint64_t best = 0, best_d = UINT64_MAX;
    nearest_gap(as, region_base, region_end, target, len, &best, &best_d);
    for (int i = 0; i < as->nwindows; i++)
        nearest_gap(as, as->windows[i].start, as->windows[i].end, target, len, &best, &best_d);
    /* Code in a window (a non-PIE image) is far from the region: grow the
     * window next to it instead. */
    for (int i = 0; best_d > max_dist && i < as->nwindows; i++) {
        uint64_t c = as->windows[i].end;
        if (target >= as->windows[i].start && target < c && c + len - target <= max_dist &&
            claim_space(as, c, len) == 0) {
            best = c;
            best_d = c + len - target;
        }
    }
    mutex_unlock(&as->lock);
    if (!best || best_d > max_dist) return -ENOMEM;
    return vm_map(p, best, len, prot, true, true);
}

int64_t vm_map_image_fixed(struct process *p, uint64_t addr, uint64_t len, int prot)
{
    struct addr_space *as = p->vm->as;
    len = PAGE_UP(len);
    as_lock(as);
    int r = claim_space(as, addr, len);
    mutex_unlock(&as->lock);
    if (r < 0) return r == -EEXIST ? -ENOMEM : r;
    return vm_map(p, addr, len, prot, true, true);
}

int64_t vm_reserve(struct process *p, uint64_t len)
{
    struct addr_space *as = p->vm->as;
    len = PAGE_UP(len);
    as_lock(as);
    int64_t ret = -ENOMEM;
    uint64_t addr = find_free(as, len);
    struct vma *v = addr ? vma_new(addr, addr + len, PROT_NONE, true, p->vm) : NULL;
    if (v) {
        vma_insert(as, v);
        ret = (int64_t)addr;
    } else if (!addr) {
        commit_exhausted(len);
    }
    mutex_unlock(&as->lock);
    return ret;
}

int vm_unmap(struct process *p, uint64_t addr, uint64_t len)
{
    struct addr_space *as = p->vm->as;
    len = PAGE_UP(len);
    as_lock(as);
    int r = 0;
    /* Only as->areas are dropped, so a range reaching outside user space
     * simply drops what lies inside it. */
    uint64_t lo = addr, hi = addr + len < addr ? UINT64_MAX : addr + len;
    if (lo < hi) {
        r = split_at(as, lo);
        if (r == 0) r = split_at(as, hi);
        for (struct vma *v = r ? NULL : area_from(as, lo), *next; v && v->start < hi; v = next) {
            next = v->next;
            if (v->end <= hi && v->owner == p->vm && !v->reserved) {
                pal_vm_decommit((void *)v->start, v->end - v->start);
                if (area_counted(v)) commit_account(v->owner, -(int64_t)(v->end - v->start));
                vma_unlink(as, v);
                kfree(v);
            }
        }
    }
    mutex_unlock(&as->lock);
    if (lo < hi) rewrite_forget_range(p->vm, lo, hi);
    return r;
}

/* host: change the host's protection too (else it already has prot). */
static int protect(struct process *p, uint64_t addr, uint64_t len, int prot, bool host)
{
    struct addr_space *as = p->vm->as;
    len = PAGE_UP(len);
    as_lock(as);
    int r = -ENOMEM;
    /* The whole range must be mapped by p, without holes. */
    uint64_t cur = addr;
    for (struct vma *v = area_from(as, addr); v && cur < addr + len; v = v->next) {
        if (v->end <= cur) continue;
        if (v->start > cur || v->owner != p->vm || v->reserved) break;
        cur = v->end;
    }
    if (cur >= addr + len) {
        /* Pages that become accessible start counting as memory. */
        int64_t delta = 0;
        for (struct vma *v = area_from(as, addr); v && v->start < addr + len; v = v->next) {
            if (v->end <= addr) continue;
            uint64_t s = v->start > addr ? v->start : addr;
            uint64_t e = v->end < addr + len ? v->end : addr + len;
            if (!v->segment) delta += (int64_t)(e - s) * ((prot != PROT_NONE) - area_counted(v));
        }
        if (delta > 0 && !commit_fits((uint64_t)delta)) {
            r = -ENOMEM;
            goto out;
        }
        r = split_at(as, addr);
        if (r == 0) r = split_at(as, addr + len);
        if (r == 0 && host) r = pal_vm_protect((void *)addr, len, prot);
        for (struct vma *v = r ? NULL : area_from(as, addr); v && v->start < addr + len;
             v = v->next) {
            if (v->start >= addr && v->end <= addr + len) v->prot = prot;
        }
        if (r == 0) commit_account(p->vm, delta);
    }
out:
    mutex_unlock(&as->lock);
    return r;
}

int vm_protect(struct process *p, uint64_t addr, uint64_t len, int prot)
{
    return protect(p, addr, len, prot, true);
}

int vm_protect_recorded(struct process *p, uint64_t addr, uint64_t len, int prot)
{
    return protect(p, addr, len, prot, false);
}

static void release_areas(struct vm_proc *m)
{
    struct addr_space *as = m->as;
    /* Pages are only given back by the host process that has them: a
     * process of another address space finished from here leaves its
     * pages to its own host process, which is ending. */
    bool here = as == host_as;
    /* The last process of a forked address space: its host process ends
     * next, and the host kernel drops all of it faster in one go. */
    if (as != &root_as && m->users == 0 && __atomic_load_n(&as->users, __ATOMIC_ACQUIRE) == 1)
        here = false;
    as_lock(as);
    uint64_t run_start = 0, run_end = 0; /* adjacent areas go back in one host call */
    for (struct vma *v = as->areas, *next; v; v = next) {
        next = v->next;
        if (v->owner == m) {
            if (v->start != run_end) {
                if (here && run_end > run_start)
                    pal_vm_decommit((void *)run_start, run_end - run_start);
                run_start = v->start;
            }
            run_end = v->end;
            if (area_counted(v)) commit_account(v->owner, -(int64_t)(v->end - v->start));
            vma_unlink(as, v);
            kfree(v);
        }
    }
    if (here && run_end > run_start) pal_vm_decommit((void *)run_start, run_end - run_start);
    mutex_unlock(&as->lock);
}

void vm_release_all(struct process *p)
{
    shared_map_release_all(p->vm);
    shm_detach_all(p->vm);
    release_areas(p->vm);
}

struct vm_proc *vm_proc_new(void)
{
    struct vm_proc *m = kcalloc(1, sizeof(*m));
    if (!m) return NULL;
    m->users = 1;
    m->as = host_as;
    __atomic_add_fetch(&host_as->users, 1, __ATOMIC_RELAXED);
    return m;
}

void vm_proc_get(struct vm_proc *m)
{
    __atomic_add_fetch(&m->users, 1, __ATOMIC_RELAXED);
}

void vm_proc_put(struct vm_proc *m)
{
    if (m && __atomic_sub_fetch(&m->users, 1, __ATOMIC_ACQ_REL) == 0) {
        struct addr_space *as = m->as;
        rewrite_forget_vm(m);
        shared_map_release_all(m);
        shm_detach_all(m);
        release_areas(m);
        kfree(m);
        /* The last one of a forked address space: its host process ends
         * (vm_host_unused), and the structure with it. The thread that let
         * it go is the one to end it, once its own work is done: another
         * worker ending it at once would kill this thread in the middle
         * of process_finish, holding proc_lock (which then no process of
         * the instance could take again). */
        if (__atomic_sub_fetch(&as->users, 1, __ATOMIC_ACQ_REL) == 0 && as == host_as &&
            as != &root_as)
            __atomic_store_n(&host_last_user_tid, pal_gettid(), __ATOMIC_RELEASE);
    }
}

bool vm_host_unused(void)
{
    return host_as != &root_as && __atomic_load_n(&host_as->users, __ATOMIC_ACQUIRE) == 0 &&
           __atomic_load_n(&host_last_user_tid, __ATOMIC_ACQUIRE) == pal_gettid();
}

const int *vm_users_word(const struct vm_proc *m)
{
    return &m->as->users;
}

/* ---- fork: a copy of one process's areas in a new address space ---- */

/* Free a fork's copy that no host process holds: bookkeeping only. */
static void release_copy(struct addr_space *nas, struct vm_proc *c)
{
    while (nas->areas) {
        struct vma *v = nas->areas;
        vma_unlink(nas, v);
        if (area_counted(v)) commit_account(c, -(int64_t)(v->end - v->start));
        kfree(v);
    }
    kfree(nas->drop);
    kfree(nas);
    kfree(c);
}

static int fork_prepare(struct vm_proc *m, struct vm_proc **child, bool empty);

int vm_fork_prepare(struct vm_proc *m, struct vm_proc **child)
{
    return fork_prepare(m, child, false);
}

int vm_fork_prepare_empty(struct vm_proc *m, struct vm_proc **child)
{
    return fork_prepare(m, child, true);
}

static int fork_prepare(struct vm_proc *m, struct vm_proc **child, bool empty)
{
    struct addr_space *as = m->as, *nas = kcalloc(1, sizeof(*nas));
    struct vm_proc *c = kmalloc(sizeof(*c));
    if (!nas || !c) goto nomem;
    as_lock(as);
    if (!empty && !commit_fits(m->mapped)) {
        mutex_unlock(&as->lock);
        goto nomem;
    }
    if (empty)
        memset(c, 0, sizeof(*c));
    else
        *c = *m;
    c->users = 1;
    c->as = nas;
    c->peak = c->mapped = 0;
    nas->users = 1;
    nas->lock = (struct mutex)MUTEX_INIT;
    RB_INIT(&nas->tree);
    memcpy(nas->windows, as->windows, sizeof(as->windows));
    nas->nwindows = as->nwindows;
    /* Our areas are copied; the others' (the processes that share this
     * host process) are listed for the child to drop from its copy. */
    size_t ndrop = 0, cap = 0;
    for (struct vma *v = as->areas; v; v = v->next) {
        if (v->owner == m && !empty) {
            struct vma *n = vma_new(v->start, v->end, v->prot, v->reserved, c);
            if (!n) goto nomem_locked;
            n->shared = v->shared;
            n->segment = v->segment;
            n->seg_id = v->seg_id;
            n->seg_key = v->seg_key;
            vma_link_after(nas, nas->last, n);
            if (area_counted(n)) commit_account(c, (int64_t)(n->end - n->start));
            continue;
        }
        if (ndrop && nas->drop[ndrop - 1].end == v->start) {
            nas->drop[ndrop - 1].end = v->end;
            continue;
        }
        if (ndrop == cap) {
            cap = cap ? 2 * cap : 16;
            struct drop *d = krealloc(nas->drop, cap * sizeof(*d));
            if (!d) goto nomem_locked;
            nas->drop = d;
        }
        nas->drop[ndrop++] = (struct drop){v->start, v->end};
    }
    nas->ndrop = ndrop;
    c->peak = empty ? 0 : m->peak;
    *child = c;
    return 0; /* as->lock stays held until the host fork is done */
nomem_locked:
    mutex_unlock(&as->lock);
    release_copy(nas, c);
    return -ENOMEM;
nomem:
    kfree(nas);
    kfree(c);
    return -ENOMEM;
}

void vm_fork_parent_done(struct vm_proc *m)
{
    mutex_unlock(&m->as->lock);
}

void vm_fork_abort(struct vm_proc *m, struct vm_proc *child)
{
    mutex_unlock(&m->as->lock);
    release_copy(child->as, child);
}

void vm_fork_child_enter(struct vm_proc *child)
{
    struct addr_space *as = child->as;
    host_as = as;
    for (size_t i = 0; i < as->ndrop; i++)
        pal_vm_decommit((void *)as->drop[i].start, as->drop[i].end - as->drop[i].start);
    kfree(as->drop);
    as->drop = NULL;
    as->ndrop = 0;
}

/* Every system call with a user buffer checks it here: the calling
 * thread's last answers (one area each, whole) spare the address space's
 * lock, which all processes of the address space would otherwise take at
 * each call, and the walk of its areas. Taking an answer when the areas
 * have not changed since is the same as having checked just before the
 * change; what changes afterwards the fault-safe copies catch, as they do
 * after a locked check. */
static bool cached_ok(const struct thread *t, const struct vm_proc *m, uint32_t gen, uint64_t addr,
                      uint64_t len, int prot)
{
    for (int i = 0; i < VM_CACHE_ENTRIES; i++) {
        const struct vm_cache_entry *c = &t->vm_cache[i];
        if (c->vm == m && c->as == m->as && c->gen == gen && addr >= c->start && addr < c->end &&
            len <= c->end - addr && (c->prot & prot) == prot)
            return true;
    }
    return false;
}

bool vm_check(struct process *p, uint64_t addr, uint64_t len, int prot)
{
    struct vm_proc *m = p->vm;
    struct addr_space *as = m->as;
    if (len == 0) return true;
    struct thread *t = current_thread();
    if (t && t->proc != p) t = NULL;
    if (t && cached_ok(t, m, __atomic_load_n(&as->gen, __ATOMIC_ACQUIRE), addr, len, prot))
        return true;
    mutex_lock(&as->lock);
    if (!in_space(as, addr, len)) {
        mutex_unlock(&as->lock);
        return false;
    }
    uint64_t cur = addr;
    for (struct vma *v = area_from(as, addr); v && cur < addr + len; v = v->next) {
        if (v->end <= cur) continue;
        if (v->start > cur || v->owner != m || v->reserved || (v->prot & prot) != prot) break;
        if (t && v->start <= addr && addr + len <= v->end) {
            struct vm_cache_entry *c = &t->vm_cache[t->vm_cache_next++ % VM_CACHE_ENTRIES];
            *c = (struct vm_cache_entry){m, as, as->gen, v->prot, v->start, v->end};
        }
        cur = v->end;
    }
    mutex_unlock(&as->lock);
    return cur >= addr + len;
}

int vm_prot_at(struct process *p, uint64_t addr, uint64_t *area_end)
{
    struct addr_space *as = p->vm->as;
    int prot = -1;
    mutex_lock(&as->lock);
    struct vma *v = area_from(as, addr);
    if (v && v->start <= addr && v->owner == p->vm && !v->reserved) {
        prot = v->prot;
        if (area_end) *area_end = v->end;
    }
    mutex_unlock(&as->lock);
    return prot;
}

int vm_heap_init(struct process *p, uint64_t size)
{
    int64_t base = vm_reserve(p, size);
    if (base < 0) return (int)base;
    p->vm->heap_start = p->vm->brk = (uint64_t)base;
    p->vm->heap_end = (uint64_t)base + PAGE_UP(size);
    return 0;
}

/* Turn p's part of [start, end) into mapped memory (reserved=false) or back
 * into reserved space. Used by brk, whose heap is reserved up front. */
static int set_reserved(struct process *p, uint64_t start, uint64_t end, bool reserved, int prot)
{
    struct addr_space *as = p->vm->as;
    if (!reserved && !commit_fits(end - start)) return -ENOMEM;
    int r = split_at(as, start);
    if (r == 0) r = split_at(as, end);
    if (r < 0) return r;
    r = reserved ? pal_vm_decommit((void *)start, end - start)
                 : pal_vm_commit((void *)start, end - start, prot);
    if (r < 0) return r;
    for (struct vma *v = area_from(as, start); v && v->start < end; v = v->next) {
        if (v->end <= end && v->owner == p->vm) {
            if (area_counted(v)) commit_account(p->vm, -(int64_t)(v->end - v->start));
            v->reserved = reserved;
            v->prot = reserved ? PROT_NONE : prot;
            if (area_counted(v)) commit_account(p->vm, (int64_t)(v->end - v->start));
        }
    }
    return 0;
}

uint64_t vm_brk(struct process *p, uint64_t want)
{
    struct addr_space *as = p->vm->as;
    struct vm_proc *m = p->vm;
    if (want < m->heap_start || want > m->heap_end) return m->brk;
    as_lock(as);
    uint64_t old_top = PAGE_UP(m->brk), new_top = PAGE_UP(want);
    int r = 0;
    if (new_top > old_top)
        r = set_reserved(p, old_top, new_top, false, PROT_READ | PROT_WRITE);
    else if (new_top < old_top)
        r = set_reserved(p, new_top, old_top, true, PROT_NONE);
    if (r == 0) m->brk = want;
    mutex_unlock(&as->lock);
    return m->brk;
}

bool vm_range_free(struct process *p, uint64_t addr, uint64_t len)
{
    struct addr_space *as = p->vm->as;
    as_lock(as);
    bool r = range_free(as, addr, len);
    mutex_unlock(&as->lock);
    return r;
}

void vm_reapply_prot(struct vm_proc *owner, uint64_t lo, uint64_t hi)
{
    struct addr_space *as = owner->as;
    as_lock(as);
    for (struct vma *v = area_from(as, lo); v && v->start < hi; v = v->next) {
        if (v->owner != owner) continue;
        uint64_t s = v->start > lo ? v->start : lo, e = v->end < hi ? v->end : hi;
        pal_vm_protect((void *)s, e - s, v->prot);
    }
    mutex_unlock(&as->lock);
}

int vm_for_each_area(const struct vm_proc *owner, int (*fn)(const struct vm_area *a, void *arg),
                     void *arg)
{
    struct addr_space *as = owner->as;
    int r = 0;
    as_lock(as);
    for (struct vma *v = as->areas; v && r == 0; v = v->next) {
        if (v->owner != owner) continue;
        struct vm_area a = {v->start,  v->end,    v->reserved ? 0 : v->prot, v->shared, v->segment,
                            v->seg_id, v->seg_key};
        r = fn(&a, arg);
    }
    mutex_unlock(&as->lock);
    return r;
}

void vm_set_shared(struct process *p, uint64_t addr, uint64_t len)
{
    struct addr_space *as = p->vm->as;
    as_lock(as);
    if (split_at(as, addr) == 0 && split_at(as, addr + PAGE_UP(len)) == 0)
        for (struct vma *v = area_from(as, addr); v && v->start < addr + len; v = v->next)
            if (v->start >= addr && v->owner == p->vm) v->shared = true;
    mutex_unlock(&as->lock);
}

void vm_set_segment(struct process *p, uint64_t addr, uint64_t len, int id, int key)
{
    struct addr_space *as = p->vm->as;
    as_lock(as);
    if (split_at(as, addr) == 0 && split_at(as, addr + PAGE_UP(len)) == 0) {
        for (struct vma *v = area_from(as, addr); v && v->start < addr + len; v = v->next) {
            if (v->start < addr || v->owner != p->vm) continue;
            if (area_counted(v)) commit_account(p->vm, -(int64_t)(v->end - v->start));
            v->shared = v->segment = true;
            v->seg_id = id;
            v->seg_key = key;
        }
    }
    mutex_unlock(&as->lock);
}
