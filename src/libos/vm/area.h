/*
 * area: the areas of an address space, inside vm/ (vm.c decides what is
 * mapped where; this keeps the set of areas consistent and searchable).
 *
 * The areas are an address-sorted list, walked in order, and a red-black
 * tree over the same areas (libbsd's sys/tree.h) keyed by start, each
 * node carrying the largest free gap of the region below any area of its
 * subtree (Linux's rb_subtree_gap), so that finding the area at an
 * address, splitting one and the top-down search for free space are
 * O(log n): a JVM or a malloc that maps each big block has thousands.
 * Everything here runs under the address space's lock.
 */
#ifndef LIBOS_VM_AREA_H
#define LIBOS_VM_AREA_H

#include "util/lock.h"
#include "vm/vm.h"

#include <bsd/sys/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vma {
    uint64_t start, end;
    int prot;
    bool reserved;
    bool shared;           /* host-shared memory (MAP_SHARED): kept by MADV_DONTNEED */
    bool segment;          /* a SysV shm attachment: the segment is counted, not the area */
    int seg_id, seg_key;   /* its shmid and key, for /proc/[pid]/maps */
    struct vm_proc *owner; /* the address-space user: a process, or a vfork child sharing it */
    struct vma *next, *prev;
    /* max_gap: the largest free gap of the region below any area of
     * this subtree; kept by the tree's rotations and after each change */
    RB_ENTRY(vma) node;
    uint64_t max_gap;
};

RB_HEAD(vma_tree, vma);

/* Windows: host ranges outside the region reserved on demand for the fixed
 * addresses of non-PIE executables (0x400000 for most) and the system-call
 * trampolines next to them. Kept sorted, disjoint and merged; they stay
 * reserved (inaccessible when no area covers them) until the instance
 * ends, for the next non-PIE program to reuse. */
#define MAX_WINDOWS 32
struct window {
    uint64_t start, end;
};

struct drop {
    uint64_t start, end;
};

/* An address space (Linux's mm): the areas of the processes in one host
 * process. The SIP model keeps every process in the root one; a fork
 * makes another, backed by a new host process (process/fork.c). */
struct addr_space {
    struct mutex lock;
    /* Moves at every lock taken to change the areas (as_lock): a thread's
     * cached answer of vm_check stands while it has not moved. */
    uint32_t gen;
    int users;         /* vm_procs in it */
    struct vma *areas; /* sorted by start, non-overlapping */
    struct vma *last;  /* the list's end, for the top-down search of free space */
    struct vma_tree tree;
    struct window windows[MAX_WINDOWS];
    int nwindows;
    struct drop *drop; /* a fork's child: others' areas to drop from its copy */
    size_t ndrop;
};

/* The user region: every area a process maps without a fixed address is
 * in [region_base, region_end) (vm_init). */
extern uint64_t region_base, region_end;

/* The address space's lock, for a change of its areas. */
void as_lock(struct addr_space *as);
/* The last area that starts at or before addr, or NULL. */
struct vma *area_at_or_before(struct addr_space *as, uint64_t addr);
/* The first area that ends after addr (the one holding it, or the next), or NULL. */
struct vma *area_from(struct addr_space *as, uint64_t addr);
struct vma *vma_new(uint64_t start, uint64_t end, int prot, bool reserved, struct vm_proc *owner);
/* Put v in its place in the list and the tree. */
void vma_insert(struct addr_space *as, struct vma *v);
/* Put v in the list after pos (NULL: first) and in the tree. */
void vma_link_after(struct addr_space *as, struct vma *pos, struct vma *v);
/* Take v out of the list and the tree (not freed). */
void vma_unlink(struct addr_space *as, struct vma *v);
/* Split so that no area straddles addr. Returns -ENOMEM on allocation failure. */
int split_at(struct addr_space *as, uint64_t addr);
/* Highest free gap of len bytes in the region, as Linux's top-down mmap
 * takes it; 0 when none. */
uint64_t find_free(struct addr_space *as, uint64_t len);

#endif
