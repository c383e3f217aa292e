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
/* OCCLUM_REWRITE_SHARE_STALE=1 (tests): every shared proof records bytes
 * that differ from the code's, as a stale one would. */
extern bool rewrite_share_stale;

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

/* Code of an image file was mapped executable at [lo, hi) of p, from file
 * offset off: patch in the sites of it that processes of the instance
 * patched before (rewrite_share.c). */
struct file;
struct vm_proc;
struct rw_site;
void rewrite_share_map(struct process *p, struct file *f, uint64_t lo, uint64_t hi, uint64_t off);
/* With rewrite_lock held: s was just patched in p; note it for the next
 * processes if it lies in an image file's code. */
void rewrite_share_learn(struct process *p, const struct rw_site *s);
/* With rewrite_lock held: whether the syscall at site, in an image file's
 * code, trapped before in any process of the instance (noted if not): a
 * site a short process used once, the next process rewrites at once. */
bool rewrite_share_seen(struct process *p, uint64_t site);
/* With rewrite_lock held: [lo, hi) of vm no longer holds those mappings. */
void rewrite_share_forget(struct vm_proc *vm, uint64_t lo, uint64_t hi);

/* For rewrite_share.c, with rewrite_lock held: a trampoline for window w
 * (decoded from c) written and published, not patched in (NULL and *why
 * otherwise; disjoint: the caller knows w shares no byte with another
 * window, which costs a walk of them all to find out); and the jmp written over a window of code no
 * thread can be running. */
struct rw_code;
struct rw_window;
struct rw_site;
extern struct mutex rewrite_lock;
struct rw_site *rewrite_install(struct process *p, const struct rw_code *c,
                                const struct rw_window *w, bool disjoint, int *why);
void rewrite_patch_fresh(struct process *p, struct rw_site *s);
/* Pokes between begin and end leave what they wrote writable until end;
 * open makes [lo, hi) writable at once (one change for a whole text). */
void rewrite_batch_begin(void);
void rewrite_batch_open(struct process *p, uint64_t lo, uint64_t hi);
void rewrite_batch_end(struct process *p);

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
