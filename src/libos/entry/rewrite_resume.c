/*
 * rewrite_resume: the patched windows of each address space, and the way
 * back to application code that must never land inside one (rewrite.c
 * says why an address there can still come up).
 *
 * The table is an open-addressing hash of the windows, keyed by the
 * window's 32-byte chunk (a window is at most 32 bytes, so an address
 * inside one lies in its start's chunk or the next). Patches add to it
 * under rewrite_lock; any thread reads it without a lock, on its way out
 * of the LibOS: entries are published with release stores and never
 * change or go until the address space does. Growing copies into a new
 * table; old ones stay until then for readers still in them.
 *
 * A thread patching a window that starts at the syscall must know that no
 * other thread is inside it. One can be only right after returning from
 * that syscall (the window is entered at its first byte only, and that
 * byte is the syscall). So each thread notes, on its way out, where it
 * returns to and that it is out (rw_seq odd), then looks the table up,
 * with a full fence between; the patcher publishes the window, fences,
 * then looks at every thread. Either the returning thread sees the window
 * (and goes to the trampoline) or the patcher sees that thread out at an
 * address inside (and waits for a later trap).
 */
#include "entry/rewrite_resume.h"

#include "entry/rewrite.h"
#include "process/process.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "vm/vm.h"

#include <errno.h>
#include <string.h>

struct rw_slot {
    uint64_t key; /* the window's start; 0: empty; GONE: its code was unmapped */
    struct rw_site s;
};
#define GONE 1ULL /* no window starts there; probing goes on past it */

struct rw_table {
    uint32_t cap, n; /* cap: a power of two */
    struct rw_table *older;
    struct rw_slot slot[];
};

extern struct mutex rewrite_lock;

static uint32_t hash(uint64_t chunk, uint32_t cap)
{
    return (uint32_t)((chunk * 0x9e3779b97f4a7c15ULL) >> 40) & (cap - 1);
}

static struct rw_table *table_new(uint32_t cap)
{
    struct rw_table *t = kcalloc(1, sizeof(*t) + cap * sizeof(struct rw_slot));
    if (t) t->cap = cap;
    return t;
}

static struct rw_slot *insert(struct rw_table *t, uint64_t key, const struct rw_site *s)
{
    uint32_t i = hash(key >> 5, t->cap);
    while (t->slot[i].key)
        i = (i + 1) & (t->cap - 1);
    t->slot[i].s = *s;
    __atomic_store_n(&t->slot[i].key, key, __ATOMIC_RELEASE);
    t->n++;
    return &t->slot[i];
}

struct rw_site *rewrite_site_find(struct vm_proc *vm, uint64_t syscall_addr)
{
    struct rw_table *t = vm->rw;
    if (!t) return NULL;
    for (uint64_t chunk = syscall_addr >> 5; chunk + 1 >= syscall_addr >> 5 && chunk; chunk--) {
        for (uint32_t i = hash(chunk, t->cap); t->slot[i].key; i = (i + 1) & (t->cap - 1)) {
            struct rw_site *s = &t->slot[i].s;
            if (t->slot[i].key >> 5 == chunk && s->w.start + s->w.syscall_off == syscall_addr)
                return s;
        }
    }
    return NULL;
}

bool rewrite_sites_reserve(struct vm_proc *vm, uint32_t more)
{
    struct rw_table *t = vm->rw;
    if (t && 2 * (t->n + more) <= t->cap) return true; /* at most half full */
    uint32_t cap = t ? 2 * t->cap : 64;
    while (2 * ((t ? t->n : 0) + more) > cap)
        cap *= 2;
    struct rw_table *n = table_new(cap);
    if (!n) return false;
    for (uint32_t i = 0; t && i < t->cap; i++)
        if (t->slot[i].key > GONE) insert(n, t->slot[i].key, &t->slot[i].s);
    n->older = t;
    __atomic_store_n(&vm->rw, n, __ATOMIC_RELEASE);
    return true;
}

struct rw_site *rewrite_site_add(struct vm_proc *vm, const struct rw_window *w,
                                 const struct rw_tramp *tr, uint64_t tramp)
{
    if (!rewrite_sites_reserve(vm, 1)) return NULL;
    struct rw_site s = {.w = *w, .t = *tr, .tramp = tramp};
    return &insert(vm->rw, w->start, &s)->s;
}

/* Where addr, strictly inside a window of t, runs now; 0 if in none. */
static uint64_t translate(const struct rw_table *t, uint64_t addr)
{
    for (uint64_t chunk = addr >> 5; chunk + 1 >= addr >> 5 && chunk; chunk--) {
        for (uint32_t i = hash(chunk, t->cap);; i = (i + 1) & (t->cap - 1)) {
            uint64_t key = __atomic_load_n(&t->slot[i].key, __ATOMIC_ACQUIRE);
            if (!key) break;
            if (key >> 5 != chunk) continue;
            const struct rw_site *s = &t->slot[i].s;
            uint64_t to = rw_translate(&s->w, &s->t, s->tramp, addr);
            if (to) return to;
        }
    }
    return 0;
}

void rewrite_leave(struct thread *t, uint64_t *rip)
{
    __atomic_store_n(&t->rw_resume, *rip, __ATOMIC_RELAXED);
    __atomic_store_n(&t->rw_seq, t->rw_seq | 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    const struct rw_table *tab = __atomic_load_n(&t->proc->vm->rw, __ATOMIC_ACQUIRE);
    uint64_t to = tab ? translate(tab, *rip) : 0;
    if (to) *rip = to;
}

bool rewrite_site_busy(struct process *p, const struct rw_site *s)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the window is published: now look */
    struct thread *self = current_thread();
    bool busy = false;
    mutex_lock(&proc_lock);
    for (struct thread *u = p->threads; u && !busy; u = u->next_in_proc) {
        if (u == self || !(__atomic_load_n(&u->rw_seq, __ATOMIC_RELAXED) & 1)) continue;
        uint64_t at = __atomic_load_n(&u->rw_resume, __ATOMIC_RELAXED);
        busy = at > s->w.start && at < s->w.start + s->w.len;
    }
    mutex_unlock(&proc_lock);
    return busy;
}

bool rewrite_windows_unpatch(struct vm_proc *vm, uint64_t lo, uint64_t hi, uint8_t *buf)
{
    struct rw_table *t = vm->rw;
    for (uint32_t i = 0; t && i < t->cap; i++) {
        const struct rw_site *s = &t->slot[i].s;
        if (t->slot[i].key <= GONE || !s->patched) continue;
        if (s->w.start < lo || s->w.start + s->w.len > hi) {
            if (s->w.start < hi && s->w.start + s->w.len > lo) return false; /* straddles */
            continue;
        }
        memcpy(buf + (s->w.start - lo), s->orig, s->w.len);
    }
    return true;
}

bool rewrite_windows_disjoint(struct vm_proc *vm, uint64_t start, uint64_t end)
{
    struct rw_table *t = vm->rw;
    for (uint32_t i = 0; t && i < t->cap; i++) {
        const struct rw_site *s = &t->slot[i].s;
        if (t->slot[i].key > GONE && s->w.len && s->w.start < end && s->w.start + s->w.len > start)
            return false;
    }
    return true;
}

void rewrite_windows_forget(struct vm_proc *vm, uint64_t lo, uint64_t hi)
{
    struct rw_table *t = vm->rw;
    for (uint32_t i = 0; t && i < t->cap; i++) {
        const struct rw_site *s = &t->slot[i].s;
        uint64_t key = t->slot[i].key, end = s->w.start + (s->w.len > 2 ? s->w.len : 2);
        if (key > GONE && s->w.start < hi && end > lo)
            __atomic_store_n(&t->slot[i].key, GONE, __ATOMIC_RELEASE);
    }
}

void rewrite_windows_free(struct vm_proc *vm)
{
    for (struct rw_table *t = vm->rw, *older; t; t = older) {
        older = t->older;
        kfree(t);
    }
    vm->rw = NULL;
}

void rewrite_fork_begin(void)
{
    mutex_lock(&rewrite_lock);
}

void rewrite_fork_end(void)
{
    mutex_unlock(&rewrite_lock);
}

int rewrite_fork_copy(struct vm_proc *child, const struct vm_proc *parent)
{
    const struct rw_table *t = parent->rw;
    child->rw = NULL;
    if (!t) return 0;
    size_t size = sizeof(*t) + t->cap * sizeof(struct rw_slot);
    struct rw_table *c = kmalloc(size);
    if (!c) return -ENOMEM;
    memcpy(c, t, size);
    c->older = NULL;
    child->rw = c;
    return 0;
}
