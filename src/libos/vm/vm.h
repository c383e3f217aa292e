/*
 * vm: the user region and its areas.
 *
 * At boot the LibOS reserves resource_limits.user_space_size of address
 * space once; every ELF segment, stack, heap and mmap of every process is
 * carved from it, so an instance has a fixed memory size and running out is
 * an ENOMEM for the application, never a crash. Areas are tagged with their
 * owning process, which frees them all when it exits.
 */
#ifndef LIBOS_VM_H
#define LIBOS_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct process;
struct addr_space;

#define PAGE_SIZE 4096UL
#define PAGE_DOWN(x) ((uint64_t)(x) & ~(PAGE_SIZE - 1))
#define PAGE_UP(x) (((uint64_t)(x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* Per-process memory state. */
struct rw_table;
struct vm_proc {
    uint64_t heap_start, brk, heap_end; /* brk lives in [heap_start, heap_end) */
    int users; /* processes using it: more than one while a vfork child runs */
    uint64_t tramp_page, tramp_used; /* system call trampolines (entry/rewrite.c) */
    uint64_t trapped_sites[32];      /* sites that trapped once (entry/rewrite.c) */
    struct rw_table *rw;             /* patched windows (entry/rewrite_resume.c) */
    struct rw_text {                 /* image files' code mapped here (entry/rewrite_share.c) */
        uint64_t start, end, off;
        struct rw_proof *proof;
    } rw_texts[32];
    uint64_t go_object, go_pclntab; /* the last Go function table found (entry/unwind_bounds.c) */
    uint64_t mapped, peak;          /* bytes mapped now and at most (ru_maxrss) */
    struct addr_space *as;          /* the address space its areas are in */
};

/* A new, empty memory of a process in this host process's address space. */
struct vm_proc *vm_proc_new(void);
void vm_proc_get(struct vm_proc *m);
/* Drop one user; the last one frees every area. */
void vm_proc_put(struct vm_proc *m);

int vm_init(uint64_t size);
uint64_t vm_region_base(void);
uint64_t vm_region_size(void);

/* Map fresh zero-filled memory. With fixed, exactly at addr (replacing what
 * p had there); otherwise at addr when free, else anywhere. Returns the
 * address or -errno (-ENOMEM when the region is exhausted). */
int64_t vm_map(struct process *p, uint64_t addr, uint64_t len, int prot, bool fixed,
               bool noreplace);
/* Like vm_map(p, 0, len, prot, false, false), leaving the host range as
 * the free region has it (inaccessible): for a caller that maps host
 * memory over all of it at once (image segments from the image cache),
 * or else calls pal_vm_commit. One host mmap fewer per spawn. */
int64_t vm_map_uncommitted(struct process *p, uint64_t len, int prot);
/* Map len bytes as close as possible to target, within max_dist of every
 * byte of it. Returns the address or -ENOMEM. */
int64_t vm_map_near(struct process *p, uint64_t target, uint64_t len, int prot, uint64_t max_dist);
/* A non-PIE image's fixed range: like vm_map(fixed, noreplace), claiming
 * the range from the host when it lies outside the region. -EEXIST when
 * another area holds part of it, -ENOMEM when the host does. */
int64_t vm_map_image_fixed(struct process *p, uint64_t addr, uint64_t len, int prot);
/* Mark a range as taken but inaccessible (heap reserve, guard gaps). */
int64_t vm_reserve(struct process *p, uint64_t len);
int vm_unmap(struct process *p, uint64_t addr, uint64_t len);
int vm_protect(struct process *p, uint64_t addr, uint64_t len, int prot);
/* The same when the host pages already have prot (an image segment mapped
 * with its own protection): only p's areas change, no host call. */
int vm_protect_recorded(struct process *p, uint64_t addr, uint64_t len, int prot);
/* Free every area of p's address space (execve). */
void vm_release_all(struct process *p);

/* True when [addr, addr+len) is covered by p's areas with all of prot. */
bool vm_check(struct process *p, uint64_t addr, uint64_t len, int prot);
/* Protection of the area containing addr, or -1 when unmapped. */
int vm_prot_at(struct process *p, uint64_t addr, uint64_t *area_end);
/* True when [addr, addr+len) of p's address space holds no area at all. */
bool vm_range_free(struct process *p, uint64_t addr, uint64_t len);

/* brk(2): move the break within the heap; returns the (possibly unchanged) break. */
uint64_t vm_brk(struct process *p, uint64_t want);

/* Create p's brk heap of `size` bytes. */
int vm_heap_init(struct process *p, uint64_t size);

/* Put the recorded protections of owner's areas in [lo, hi) back on the
 * host pages (after the LibOS opened them temporarily). */
void vm_reapply_prot(struct vm_proc *owner, uint64_t lo, uint64_t hi);

/* What vm_for_each_area shows of an area (prot 0 when reserved). */
struct vm_area {
    uint64_t start, end;
    int prot;
    bool shared;
    bool segment;        /* a SysV shm attachment (ipc/shm.c) */
    int seg_id, seg_key; /* its shmid and the key it was made with */
};
/* fn for each area of owner, in address order, until one returns
 * non-zero (that value is returned); fn must not call vm_*. */
int vm_for_each_area(const struct vm_proc *owner, int (*fn)(const struct vm_area *a, void *arg),
                     void *arg);
/* The areas in [addr, addr+len) of p are host-shared memory (MAP_SHARED). */
void vm_set_shared(struct process *p, uint64_t addr, uint64_t len);

/* The areas in [addr, addr+len) of p are an attachment of SysV shm
 * segment id (made with key): host-shared, and not counted against
 * user_space_size, since the segment itself is (vm_charge). */
void vm_set_segment(struct process *p, uint64_t addr, uint64_t len, int id, int key);
/* Count len bytes that no area maps (a SysV shm segment) against
 * user_space_size: 0, or -ENOMEM past it; vm_uncharge gives them back. */
int vm_charge(uint64_t len);
void vm_uncharge(uint64_t len);

/* Bytes mapped by every process of the instance (what counts against
 * user_space_size). */
uint64_t vm_used_bytes(void);

/*
 * fork (process/fork.c): a new address space, for a new host process,
 * holding a copy of m's areas owned by *child. Returns with m's address
 * space locked, so that its areas stay as copied until the host fork:
 * the parent then calls vm_fork_parent_done (or vm_fork_abort when the
 * host fork failed); the child, in the new host process, calls
 * vm_fork_child_enter, which makes the new address space this host's and
 * drops from the host's copy the memory of the processes that stayed.
 */
int vm_fork_prepare(struct vm_proc *m, struct vm_proc **child);
/* The same for an execve into a new address space (a non-PIE image whose
 * fixed range is taken here): *child has no areas, and the child host
 * process drops all of its copy. */
int vm_fork_prepare_empty(struct vm_proc *m, struct vm_proc **child);
void vm_fork_parent_done(struct vm_proc *m);
void vm_fork_abort(struct vm_proc *m, struct vm_proc *child);
void vm_fork_child_enter(struct vm_proc *child);
/* A forked host process whose address space no process uses any more,
 * asked by the host thread that let it go last (it alone ends the host
 * process, once it holds no lock: another thread of it may still be
 * finishing a process); and the word that counts the users of m's
 * address space, for the PAL. */
bool vm_host_unused(void);
const int *vm_users_word(const struct vm_proc *m);

#endif
