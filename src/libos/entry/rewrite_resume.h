/*
 * rewrite_resume: the patched windows of an address space
 * (rewrite_resume.c), for rewrite.c.
 */
#ifndef LIBOS_ENTRY_REWRITE_RESUME_H
#define LIBOS_ENTRY_REWRITE_RESUME_H

#include "entry/rewrite_window.h"

struct process;
struct vm_proc;

struct rw_site {
    struct rw_window w;
    struct rw_tramp t;
    uint64_t tramp; /* 0: a site refused (an empty window at the syscall) */
    bool patched;
    uint8_t orig[RW_MAX_LEN];
    /* the window's bytes before the patch */ /* the jmp is in place (else only the trampoline
                                                 is) */
};

/* With rewrite_lock held. The site whose syscall is at addr, or NULL. */
struct rw_site *rewrite_site_find(struct vm_proc *vm, uint64_t syscall_addr);
/* Publish a window (its trampoline written): the entry, or NULL when out
 * of memory. The pointer stays valid until the next add. */
struct rw_site *rewrite_site_add(struct vm_proc *vm, const struct rw_window *w,
                                 const struct rw_tramp *t, uint64_t tramp);
/* Room for more sites without growing the table one step at a time
 * (each step copies it and keeps the old one for lock-free readers). */
bool rewrite_sites_reserve(struct vm_proc *vm, uint32_t more);
/* Whether another thread of p may be inside s's window (see rewrite.c). */
bool rewrite_site_busy(struct process *p, const struct rw_site *s);
/* With rewrite_lock held: buf holds the code at [lo, hi); put back the
 * original bytes of the windows patched there, so that decoding sees the
 * function as it was built. False when a window overlaps [start, end)
 * (two windows must never share a byte). */
bool rewrite_windows_unpatch(struct vm_proc *vm, uint64_t lo, uint64_t hi, uint8_t *buf);
bool rewrite_windows_disjoint(struct vm_proc *vm, uint64_t start, uint64_t end);
/* With rewrite_lock held: the code in [lo, hi) is gone; so are its windows. */
void rewrite_windows_forget(struct vm_proc *vm, uint64_t lo, uint64_t hi);
/* Free vm's windows. */
void rewrite_windows_free(struct vm_proc *vm);

#endif
