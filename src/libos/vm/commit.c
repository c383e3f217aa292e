/*
 * commit: what the areas of every address space commit against
 * resource_limits.user_space_size (commit.h).
 */
#include "vm/commit.h"

#include "util/log.h"

#include <errno.h>
#include <sys/mman.h>

static uint64_t commit_limit, committed;

void commit_init(uint64_t limit)
{
    commit_limit = limit;
}

uint64_t commit_limit_bytes(void)
{
    return commit_limit;
}

/* Mapped pages that can be accessed. Like Linux's overcommit accounting,
 * an mmap of PROT_NONE (a runtime reserving address space: V8's code
 * range, Go's heap arenas) is not memory until mprotect makes it so. A
 * SysV shm attachment never counts: its segment was charged once, when it
 * was made (vm_charge), however many times it is attached. */
bool area_counted(const struct vma *v)
{
    return !v->reserved && v->prot != PROT_NONE && !v->segment;
}

/* committed is the instance's, over every address space (each with its
 * own lock): updated atomically; two address spaces mapping at once may
 * pass the limit check together and overshoot it by one mapping. */
void commit_account(struct vm_proc *m, int64_t delta)
{
    __atomic_add_fetch(&committed, (uint64_t)delta, __ATOMIC_RELAXED);
    m->mapped += (uint64_t)delta;
    if (m->mapped > m->peak) m->peak = m->mapped;
}

void commit_exhausted(uint64_t len)
{
    static int warned;
    if (__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED)) return;
    log_warn("user space exhausted: cannot map %llu more bytes (resource_limits.user_space_size "
             "is %llu); increase it in Occlum.json",
             (unsigned long long)len, (unsigned long long)commit_limit);
}

bool commit_fits(uint64_t len)
{
    if (__atomic_load_n(&committed, __ATOMIC_RELAXED) + len <= commit_limit) return true;
    commit_exhausted(len);
    return false;
}

int vm_charge(uint64_t len)
{
    /* as commit_account: two charges at once may overshoot by one */
    if (!commit_fits(len)) return -ENOMEM;
    __atomic_add_fetch(&committed, len, __ATOMIC_RELAXED);
    return 0;
}

void vm_uncharge(uint64_t len)
{
    __atomic_sub_fetch(&committed, len, __ATOMIC_RELAXED);
}

uint64_t vm_used_bytes(void)
{
    return __atomic_load_n(&committed, __ATOMIC_RELAXED);
}
