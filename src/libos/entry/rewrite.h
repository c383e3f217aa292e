/*
 * rewrite: turn a trapping `syscall` site into a fast-path one (rewrite.c),
 * and keep every way back to application code off the bytes a patch
 * displaced (rewrite_resume.c).
 */
#ifndef LIBOS_ENTRY_REWRITE_H
#define LIBOS_ENTRY_REWRITE_H

#include "process/process.h"

#include <stdbool.h>
#include <stdint.h>

extern bool rewrite_enabled;
extern bool rewrite_log_refused; /* OCCLUM_REWRITE_LOG=1 */

/* At boot: enables patching in multi-threaded processes when the host
 * supports core-serializing membarriers. */
void rewrite_init(void);

/* after_syscall: the RIP a SIGSYS trap reported; nr: the call's number. */
void rewrite_syscall_site(uint64_t after_syscall, long nr);

/* A SIGTRAP at *rip: if it is the int3 of a site being rewritten, point
 * *rip at that site's trampoline and return true. */
bool rewrite_int3(uint64_t *rip);

struct vm_proc;
/* The address space vm is being freed: forget its patches. */
void rewrite_forget_vm(struct vm_proc *vm);
/* [lo, hi) of vm was unmapped or replaced: new code there is not the code
 * its windows were made of. */
void rewrite_forget_range(struct vm_proc *vm, uint64_t lo, uint64_t hi);

/* fork: the child's address space is a copy of the parent's code, patches
 * included. begin before vm_fork_prepare (no site changes until end),
 * copy once the child's vm_proc exists (0 or -ENOMEM), end after the host
 * fork in the parent. */
void rewrite_fork_begin(void);
int rewrite_fork_copy(struct vm_proc *child, const struct vm_proc *parent);
void rewrite_fork_end(void);

/*
 * A thread's way into the LibOS from application code and back out.
 * rw_seq is odd while the thread runs application code; rw_resume is
 * where it last went back to. A patch reads both (rewrite_resume.c).
 */
static inline void rewrite_enter(struct thread *t)
{
    __atomic_store_n(&t->rw_seq, (t->rw_seq + 1) & ~1ULL, __ATOMIC_RELAXED);
}

/* Back to application code at *rip, which moves into a trampoline when
 * it lies inside a patched window. */
void rewrite_leave(struct thread *t, uint64_t *rip);

/* Back into a trampoline's own continuation: inside no window. */
static inline void rewrite_leave_trampoline(struct thread *t)
{
    __atomic_store_n(&t->rw_resume, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&t->rw_seq, t->rw_seq | 1, __ATOMIC_RELEASE);
}

#endif
