/*
 * fork: a process in an address space of its own (fork(2), and clone(2)
 * without CLONE_VM, which glibc's and musl's fork use).
 *
 * A fork is a host fork made by the LibOS (pal_as_fork): the host copies
 * the memory copy-on-write, which is fork's own semantics, and the child
 * host process is a new address space. The LibOS's objects are shared by
 * every host process (kernel heap and globals), so the child process is
 * built here, in the parent, like any other: its fd table and fs context
 * (copies, or the same with CLONE_FILES / CLONE_FS), its signal
 * dispositions and mask, its thread with the caller's registers (RAX = 0).
 * Only what lives in the child's memory is done over there: the host
 * process drops the memory of the other processes that shared the
 * parent's host process (vm_fork_child_enter), starts the child's thread
 * on a host thread of its own, and the copy of the forking host thread
 * ends. The parent's address space stays locked over the host fork, so
 * that the child's areas are exactly what its copy holds.
 */
#include "process/pidfd.h"
#include "process/process.h"
#include "syscall/list_core.h"

#include "entry/rewrite.h"
#include "entry/rewrite_resume.h"
#include "fs/fs_core.h"
#include "ipc/ipc.h"
#include "util/kheap.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/shared_map.h"
#include "vm/vm.h"

#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>

/* What a fork may ask for; namespaces, CLONE_PARENT and a vfork wait
 * without shared memory are refused with EINVAL. */
#define FORK_FLAGS                                                                                 \
    (CLONE_FS | CLONE_FILES | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID |            \
     CLONE_CHILD_CLEARTID | CLONE_SYSVSEM | CLONE_IO | CLONE_PTRACE | CLONE_UNTRACED |             \
     CLONE_PIDFD)

long process_fork(unsigned long flags, int exit_signal, unsigned long newsp, int *ptid, int *ctid,
                  unsigned long tls, int *upidfd)
{
    struct thread *self = current_thread();
    struct process *parent = self->proc;
    if (flags & ~FORK_FLAGS) {
        log_warn("%s: clone without CLONE_VM, with flags %#lx, is not supported (namespaces, "
                 "CLONE_PARENT, CLONE_VFORK): returning EINVAL",
                 parent->exe_path, flags & ~FORK_FLAGS);
        return -EINVAL;
    }
    struct thread *t;
    struct process *c = clone_process_new(flags, exit_signal, newsp, ctid, tls, &t);
    if (!c) return -ENOMEM;
    c->xcomp_perm = parent->xcomp_perm;
    c->xcomp_guest_perm = parent->xcomp_guest_perm;
    t->user_altstack = self->user_altstack; /* a fork keeps it; a CLONE_VM child does not */
    if (flags & CLONE_CHILD_SETTID) t->set_child_tid = (uint64_t)ctid;
    long r = 0;
    if ((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &c->pid, sizeof(int))) r = -EFAULT;
    /* after the child's copy of the fd table: only the parent has it */
    int pidfd = -1;
    if (r == 0 && (flags & CLONE_PIDFD) && (pidfd = pidfd_clone_install(c, upidfd)) < 0) r = pidfd;
    if (r == 0) r = thread_slot_reserve(parent->exe_path);
    struct vm_proc *cvm = NULL;
    /* no site of ours changes from the copy of the patches to the host fork */
    rewrite_fork_begin();
    if (r == 0) {
        r = vm_fork_prepare(parent->vm, &cvm);
        if (r == 0 && (r = shared_map_fork(parent->vm, cvm)) == 0 &&
            (r = shm_fork(parent->vm, cvm)) < 0)
            shared_map_release_all(cvm);
        if (r == 0 && (r = rewrite_fork_copy(cvm, parent->vm)) < 0) {
            shared_map_release_all(cvm);
            shm_detach_all(cvm);
        }
        if (r < 0 && cvm) vm_fork_abort(parent->vm, cvm);
        if (r < 0) thread_slot_release();
    }
    if (r < 0) {
        rewrite_fork_end();
        pidfd_clone_abort(pidfd);
        process_free_unstarted(c);
        kfree(t);
        return r;
    }
    c->vm = cvm;
    process_table_add(c); /* a kill from now on finds it (and ends it as it starts) */
    int pid = c->pid;
    long host = pal_as_fork(vm_users_word(cvm));
    if (host < 0) {
        shared_map_release_all(cvm);
        shm_detach_all(cvm);
        rewrite_windows_free(cvm);
        vm_fork_abort(parent->vm, cvm);
        rewrite_fork_end();
        c->vm = NULL;
        thread_slot_release();
        log_warn("%s: fork failed: the host could not fork (%s)", parent->exe_path,
                 strerror((int)-host));
        pidfd_clone_abort(pidfd);
        process_free_unstarted(c);
        kfree(t);
        return host == -ENOMEM || host == -EAGAIN ? host : -EAGAIN;
    }
    if (host > 0) {
        vm_fork_parent_done(parent->vm);
        rewrite_fork_end();
        return pid;
    }
    /* The child host process, on a copy of the forking host thread: none
     * of the LibOS state this thread was using (the parent's thread) may
     * be touched from here on. */
    process_host_forked();
    vm_fork_child_enter(cvm);
    if (rewrite_enabled) rewrite_init(); /* membarrier registration is per host process */
    thread_run_forked(t, self->altstack, self->altstack_size); /* read-only: the parent's */
}

long sys_fork(void)
{
    return process_fork(0, SIGCHLD, 0, NULL, NULL, 0, NULL);
}
