/*
 * as_move: a process's new image in an address space of its own.
 *
 * A non-PIE program needs its fixed range. When another process of the
 * caller's address space holds it (a shell run by Debian's python3 running
 * python3, busybox-static from itself, a second `occlum exec` of one), the
 * process moves to a new host process: a host fork that drops all of its
 * copy of the memory (vm_fork_prepare_empty), so nothing of the old
 * address space stays visible there. The image is loaded in the new host
 * process while the caller waits, so that the loader's errors are still
 * the caller's to report; the caller then finishes the process's
 * bookkeeping on its side and lets the new image start (as_move_start).
 *
 * The handshake is one word in the kernel heap: 0 loading, 1 loaded,
 * 2 + errno failed (the new host process has ended), 3 set by the caller:
 * start.
 */
#include "process/process.h"

#include "entry/rewrite.h"
#include "loader/loader.h"
#include "util/kheap.h"
#include "util/log.h"
#include "vm/vm.h"

#include <errno.h>
#include <linux/futex.h>
#include <string.h>

enum {
    MOVE_LOADING = 0,
    MOVE_LOADED = 1,
    MOVE_FAILED = 2, /* + errno */
    MOVE_START = 3,  /* only ever after MOVE_LOADED */
};

static void step_set(uint32_t *step, uint32_t v)
{
    __atomic_store_n(step, v, __ATOMIC_RELEASE);
    pal_futex(step, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static uint32_t step_wait_change(uint32_t *step, uint32_t from)
{
    uint32_t v;
    while ((v = __atomic_load_n(step, __ATOMIC_ACQUIRE)) == from)
        pal_futex(step, FUTEX_WAIT, from, NULL, NULL, 0);
    return v;
}

/* The new host process: load, report, wait for the go, run nt. */
static _Noreturn void load_here(struct process *p, const char *path, char *const argv[],
                                char *const envp[], struct thread *nt, struct vm_proc *m,
                                uint32_t *step, const struct as_move_stack *stack)
{
    process_host_forked();
    vm_fork_child_enter(m);
    if (rewrite_enabled) rewrite_init(); /* membarrier registration is per host process */
    struct vm_proc *old = p->vm;
    char *saved_exe = kmalloc(sizeof(p->exe_path));
    long r = saved_exe ? 0 : -ENOMEM;
    struct load_result lr;
    if (r == 0) {
        memcpy(saved_exe, p->exe_path, sizeof(p->exe_path));
        p->vm = m; /* the caller waits, and p has no other thread */
        r = loader_load(p, path, argv, envp, &lr);
        p->vm = old;
    }
    if (r < 0) {
        if (saved_exe) memcpy(p->exe_path, saved_exe, sizeof(p->exe_path));
        kfree(saved_exe);
        vm_proc_put(m);
        step_set(step, MOVE_FAILED + (uint32_t)-r);
        pal_as_exit();
    }
    kfree(saved_exe);
    nt->start.rip = lr.entry;
    nt->start.rsp = lr.rsp;
    step_set(step, MOVE_LOADED);
    step_wait_change(step, MOVE_LOADED);
    kfree(step);
    thread_run_forked(nt, stack->altstack, stack->size);
}

long as_move_load(struct process *p, const char *path, char *const argv[], char *const envp[],
                  struct thread *nt, const struct as_move_stack *stack, struct vm_proc **m_out,
                  uint32_t **go_out)
{
    /* p->vm as it is now: the new host process points p->vm at m while it
     * loads (shared memory), so the parent must not read it meanwhile */
    struct vm_proc *old = p->vm, *m = NULL;
    uint32_t *step = kcalloc(1, sizeof(*step));
    long r = step ? vm_fork_prepare_empty(old, &m) : -ENOMEM;
    long host = r < 0 ? r : pal_as_fork(vm_users_word(m));
    if (host < 0) {
        if (r == 0) vm_fork_abort(old, m);
        log_error("%s is not position-independent, another process of this address space holds "
                  "its fixed range, and no new address space could be made for it (%s)",
                  path, strerror((int)-host));
        kfree(step);
        return -ENOMEM;
    }
    if (host == 0) load_here(p, path, argv, envp, nt, m, step, stack);
    vm_fork_parent_done(old);
    uint32_t v = step_wait_change(step, MOVE_LOADING);
    if (v != MOVE_LOADED) {
        kfree(step);
        return -(long)(v - MOVE_FAILED);
    }
    *m_out = m;
    *go_out = step;
    return 0;
}

void as_move_start(uint32_t *go)
{
    step_set(go, MOVE_START); /* the new host process frees the word */
}
