/*
 * clone: new threads, and vfork children.
 *
 * A thread is a new host thread entering the application with a copy of
 * the caller's registers (RAX = 0, the new stack and TLS).
 *
 * A process sharing its parent's memory (clone with CLONE_VM, without
 * CLONE_VFORK or CLONE_THREAD) is the SIP model's natural case: a new
 * process whose vm_proc is its parent's (one more user), started on a new
 * host thread like a thread, with a copy of the fd table and fs context,
 * or the same ones with CLONE_FILES / CLONE_FS.
 *
 * A vfork child (clone with CLONE_VM|CLONE_VFORK: vfork(), posix_spawn in
 * musl and glibc) runs on its parent's host thread, in the parent's memory,
 * with its own pid, fd table and fs context, exactly while the parent
 * would be suspended anyway. The parent's registers are saved in a
 * vfork_frame; when the child calls execve (its new image then starts on
 * a new host thread) or _exit, they are put back into the trap's context
 * and the parent returns from clone with the child's pid.
 *
 * Meanwhile the thread is the child's: it is in the child's threads list
 * (signals to the child reach it, a kill of the child ends the child and
 * the parent resumes) with the child's pending signals (none at first),
 * and the parent keeps the frame in its `lent` list. When the parent dies
 * or execs first, it orphans the frame instead of waiting for it (Linux's
 * vfork wait is killable): the host thread goes on with the child and,
 * when the child execs or ends, ends too instead of resuming the parent.
 */
#include "process/pidfd.h"
#include "process/process.h"
#include "process/robust.h"
#include "syscall/list_core.h"

#include "fs/fs_core.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/vm.h"
#include "util/kheap.h"

#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

struct vfork_frame {
    struct process *parent; /* valid while the frame is in its lent list */
    int parent_tid, child_pid;
    gregset_t gregs;
    struct _libc_fpstate fpregs;
    bool has_fpregs;
    uint64_t fsbase, sigmask, clear_child_tid, robust_list;
    struct sigpending pending; /* the parent thread's, kept from the child */
    bool orphaned;             /* the parent died or exec'd: never resume it */
    struct vfork_frame *next_lent;
    struct vfork_frame *outer;
};

bool vfork_orphan_lent_locked(struct process *p)
{
    bool any = p->lent != NULL;
    for (struct vfork_frame *f = p->lent; f; f = f->next_lent)
        f->orphaned = true;
    p->lent = NULL;
    return any;
}

bool vfork_lent_unblocked_locked(const struct process *p, uint64_t bit)
{
    for (const struct vfork_frame *f = p->lent; f; f = f->next_lent)
        if (!(f->sigmask & bit)) return true;
    return false;
}

static void unlink_thread(struct process *p, struct thread *t)
{
    for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->next_in_proc) {
        if (*pp == t) {
            *pp = t->next_in_proc;
            p->nthreads--;
            return;
        }
    }
}

static void link_thread(struct process *p, struct thread *t)
{
    t->next_in_proc = p->threads;
    p->threads = t;
    p->nthreads++;
}

void thread_regs_from_uc(struct pal_user_regs *r, const void *ucp)
{
    const ucontext_t *uc = ucp;
    const greg_t *g = uc->uc_mcontext.gregs;
    *r = (struct pal_user_regs){
        .r8 = g[REG_R8],
        .r9 = g[REG_R9],
        .r10 = g[REG_R10],
        .r11 = g[REG_R11],
        .r12 = g[REG_R12],
        .r13 = g[REG_R13],
        .r14 = g[REG_R14],
        .r15 = g[REG_R15],
        .rdi = g[REG_RDI],
        .rsi = g[REG_RSI],
        .rbp = g[REG_RBP],
        .rbx = g[REG_RBX],
        .rdx = g[REG_RDX],
        .rax = g[REG_RAX],
        .rcx = g[REG_RCX],
        .rsp = g[REG_RSP],
        .rip = g[REG_RIP],
    };
}

static long clone_thread(unsigned long flags, unsigned long newsp, int *ptid, int *ctid,
                         unsigned long tls)
{
    struct thread *self = current_thread();
    struct thread *t = kcalloc(1, sizeof(*t));
    if (!t) return -ENOMEM;
    thread_regs_from_uc(&t->start, self->uc);
    t->start.rax = 0;
    if (newsp) t->start.rsp = newsp;
    t->start.fsbase = (flags & CLONE_SETTLS) ? tls : self->frame->fsbase;
    t->proc = self->proc;
    t->sigmask = self->sigmask;
    t->tid = pid_alloc();
    if (flags & CLONE_CHILD_CLEARTID) t->clear_child_tid = (uint64_t)ctid;
    if (((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &t->tid, sizeof(int))) ||
        ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &t->tid, sizeof(int)))) {
        kfree(t);
        return -EFAULT;
    }
    int tid = t->tid;
    int r = thread_start(t);
    if (r < 0) {
        kfree(t);
        return r;
    }
    return tid;
}

struct process *clone_process_new(unsigned long flags, int exit_signal, unsigned long newsp,
                                  int *ctid, unsigned long tls, struct thread **tp)
{
    struct thread *self = current_thread();
    struct process *parent = self->proc;
    struct thread *t = kcalloc(1, sizeof(*t));
    struct process *c = t ? process_new(parent) : NULL;
    if (c) {
        c->files =
            (flags & CLONE_FILES) ? fdtable_share(parent->files) : fdtable_clone(parent->files);
        c->fs = (flags & CLONE_FS) ? fs_struct_share(parent->fs) : fs_struct_clone(parent->fs);
        if (!c->files || !c->fs) {
            process_free_unstarted(c);
            c = NULL;
        }
    }
    if (!c) {
        kfree(t);
        return NULL;
    }
    c->exit_signal = exit_signal;
    thread_regs_from_uc(&t->start, self->uc);
    t->start.rax = 0;
    if (newsp) t->start.rsp = newsp;
    t->start.fsbase = (flags & CLONE_SETTLS) ? tls : self->frame->fsbase;
    t->proc = c;
    t->tid = c->pid;
    t->sigmask = self->sigmask;
    if (flags & CLONE_CHILD_CLEARTID) t->clear_child_tid = (uint64_t)ctid;
    *tp = t;
    return c;
}

/* What a CLONE_VM process may ask for; the rest is refused with EINVAL
 * (namespaces, CLONE_PARENT, and handlers shared between processes: the
 * LibOS keeps sigactions in the process). */
#define CLONE_VM_PROCESS_FLAGS                                                                     \
    (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | \
     CLONE_CHILD_CLEARTID | CLONE_SYSVSEM | CLONE_IO | CLONE_PTRACE | CLONE_UNTRACED |             \
     CLONE_PIDFD)

static long clone_vm_process(unsigned long flags, int exit_signal, unsigned long newsp, int *ptid,
                             int *ctid, unsigned long tls, int *upidfd)
{
    if (flags & ~CLONE_VM_PROCESS_FLAGS) {
        log_warn("%s: clone(CLONE_VM) of a new process with flags %#lx is not supported (shared "
                 "signal handlers, namespaces, CLONE_PARENT): returning EINVAL",
                 current_process()->exe_path, flags & ~CLONE_VM_PROCESS_FLAGS);
        return -EINVAL;
    }
    struct process *parent = current_process();
    struct thread *t;
    struct process *c = clone_process_new(flags, exit_signal, newsp, ctid, tls, &t);
    if (!c) return -ENOMEM;
    c->vm = parent->vm;
    vm_proc_get(c->vm);
    long r = 0;
    if (r == 0 && (((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &c->pid, sizeof(int))) ||
                   ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &c->pid, sizeof(int)))))
        r = -EFAULT;
    int pidfd = -1;
    if (r == 0 && (flags & CLONE_PIDFD) && (pidfd = pidfd_clone_install(c, upidfd)) < 0) r = pidfd;
    if (r == 0) r = thread_slot_reserve(parent->exe_path);
    if (r < 0) {
        pidfd_clone_abort(pidfd);
        process_free_unstarted(c);
        kfree(t);
        return r;
    }
    process_table_add(c);
    int pid = c->pid;
    if (thread_start_reserved(t) < 0) { /* no host thread: it dies at once */
        kfree(t);
        c->exit_status = SIGKILL;
        process_finish(c);
    }
    return pid;
}

static long clone_vfork(unsigned long flags, int exit_signal, unsigned long newsp, int *ptid,
                        int *ctid, unsigned long tls, int *upidfd)
{
    struct thread *t = current_thread();
    struct process *parent = t->proc;
    ucontext_t *uc = t->uc;
    struct vfork_frame *f = kcalloc(1, sizeof(*f));
    struct process *c = process_new(parent);
    if (!f || !c) goto nomem;
    c->files = fdtable_clone(parent->files);
    c->fs = fs_struct_clone(parent->fs);
    if (!c->files || !c->fs) goto nomem;
    c->vm = parent->vm;
    vm_proc_get(c->vm);
    c->exit_signal = exit_signal;
    long err = 0;
    if (((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &c->pid, sizeof(int))) ||
        ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &c->pid, sizeof(int))))
        err = -EFAULT;
    /* the child's fd table is a copy already: only the parent has it */
    if (err == 0 && (flags & CLONE_PIDFD)) err = pidfd_clone_install(c, upidfd);
    if (err < 0) {
        process_finish(c);
        process_reap(c);
        kfree(f);
        return err;
    }
    process_table_add(c);

    f->parent = parent;
    f->parent_tid = t->tid;
    f->child_pid = c->pid;
    memcpy(f->gregs, uc->uc_mcontext.gregs, sizeof(f->gregs));
    if (pal_uc_fpstate(uc)) {
        memcpy(&f->fpregs, uc->uc_mcontext.fpregs, sizeof(f->fpregs));
        f->has_fpregs = true;
    }
    f->fsbase = t->frame->fsbase;
    f->sigmask = t->sigmask;
    f->clear_child_tid = t->clear_child_tid;
    f->robust_list = t->robust_list;
    f->outer = t->vfork;

    /* The thread becomes the child's, with no pending signals (fork(2)). */
    mutex_lock(&proc_lock);
    mutex_lock(&parent->sig_lock);
    f->pending = t->pending;
    memset(&t->pending, 0, sizeof(t->pending));
    unlink_thread(parent, t);
    mutex_unlock(&parent->sig_lock);
    f->next_lent = parent->lent;
    parent->lent = f;
    mutex_lock(&c->sig_lock);
    link_thread(c, t);
    mutex_unlock(&c->sig_lock);
    t->vfork = f;
    t->proc = c;
    t->tid = c->pid;
    if (c->exiting) t->must_exit = true; /* killed since process_table_add */
    mutex_unlock(&proc_lock);
    t->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? (uint64_t)ctid : 0;
    t->robust_list = 0;
    if (newsp) uc->uc_mcontext.gregs[REG_RSP] = (greg_t)newsp;
    if (flags & CLONE_SETTLS) t->frame->fsbase = tls;
    return 0; /* the child's return value */
nomem:
    if (c) {
        if (c->files) fdtable_put(c->files);
        if (c->fs) fs_struct_put(c->fs);
        c->files = NULL;
        c->fs = NULL;
        process_reap(c);
    }
    kfree(f);
    return -ENOMEM;
}

/* The child c running on this thread execs or ends: give the thread back
 * to the nearest living parent of the vfork chain, whose vfork returns
 * the pid of its own child (c's pid unless c's parent died in between).
 * With none alive, t->orphan is set and the caller ends the thread. */
long vfork_resume_parent(long child_pid)
{
    struct thread *t = current_thread();
    struct process *c = t->proc;
    struct vfork_frame *f = t->vfork;
    mutex_lock(&proc_lock);
    mutex_lock(&c->sig_lock);
    unlink_thread(c, t);
    mutex_unlock(&c->sig_lock);
    /* Frames of dead parents are dropped; a nested vfork's outer parent,
     * if alive, resumes as from the vfork of the child that died. */
    while (f && f->orphaned) {
        struct vfork_frame *outer = f->outer;
        sigpending_clear(&f->pending); /* no one else sees a frame's */
        kfree(f);
        f = outer;
    }
    t->vfork = f;
    t->must_exit = false;         /* it was the child's, */
    t->has_saved_sigmask = false; /* as was a killed rt_sigsuspend's mask */
    if (!f) {                     /* no parent to resume: the host thread ends */
        sigpending_clear(&t->pending);
        t->orphan = true;
        t->clear_child_tid = 0;
        t->robust_list = 0;
        mutex_unlock(&proc_lock);
        return child_pid;
    }
    struct process *parent = f->parent;
    for (struct vfork_frame **pp = &parent->lent; *pp; pp = &(*pp)->next_lent) {
        if (*pp == f) {
            *pp = f->next_lent;
            break;
        }
    }
    mutex_lock(&parent->sig_lock);
    sigpending_clear(&t->pending);
    t->pending = f->pending;
    link_thread(parent, t);
    mutex_unlock(&parent->sig_lock);
    t->proc = parent;
    t->tid = f->parent_tid;
    mutex_unlock(&proc_lock);

    ucontext_t *uc = t->uc;
    memcpy(uc->uc_mcontext.gregs, f->gregs, sizeof(f->gregs));
    if (f->has_fpregs && pal_uc_fpstate(uc))
        memcpy(uc->uc_mcontext.fpregs, &f->fpregs, sizeof(f->fpregs));
    t->frame->fsbase = f->fsbase;
    t->sigmask = f->sigmask;
    t->clear_child_tid = f->clear_child_tid;
    t->robust_list = f->robust_list;
    t->vfork = f->outer;
    child_pid = f->child_pid; /* with a nested vfork, not necessarily c's */
    kfree(f);
    return child_pid;
}

long vfork_child_exit(int status)
{
    struct thread *t = current_thread();
    struct process *c = t->proc;
    mutex_lock(&proc_lock);
    if (!c->exiting) { /* a kill's status stays */
        c->exiting = true;
        c->exit_status = status;
    }
    mutex_unlock(&proc_lock);
    robust_list_release(t);
    if (t->clear_child_tid && user_ok((void *)t->clear_child_tid, 4, true))
        uaccess_store32((uint32_t *)t->clear_child_tid, 0);
    long pid = vfork_resume_parent(c->pid);
    process_finish(c);
    if (t->orphan) thread_exit_current();
    return pid;
}

static long do_clone(unsigned long flags, int exit_signal, unsigned long newsp, int *ptid,
                     int *ctid, unsigned long tls, int *upidfd)
{
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) return -EINVAL;
    /* no pidfds of threads (PIDFD_THREAD, Linux 6.9, is not in these
     * headers); CLONE_DETACHED is kept for a later meaning, as Linux */
    if ((flags & CLONE_PIDFD) && (flags & (CLONE_THREAD | CLONE_DETACHED))) return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) return -EINVAL;
    if ((flags & CLONE_FS) && (flags & CLONE_NEWNS)) return -EINVAL;
    if (flags & CLONE_THREAD) return clone_thread(flags, newsp, ptid, ctid, tls);
    if (!(flags & CLONE_VM))
        return process_fork(flags, exit_signal, newsp, ptid, ctid, tls, upidfd);
    if (flags & CLONE_VFORK) return clone_vfork(flags, exit_signal, newsp, ptid, ctid, tls, upidfd);
    return clone_vm_process(flags, exit_signal, newsp, ptid, ctid, tls, upidfd);
}

long sys_clone(unsigned long flags, unsigned long newsp, int *ptid, int *ctid, unsigned long tls)
{
    /* clone(2) puts CLONE_PIDFD's fd where the parent's tid would go */
    if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID)) return -EINVAL;
    return do_clone(flags & ~0xffUL, (int)(flags & 0xff), newsp, ptid, ctid, tls, ptid);
}

long sys_clone3(struct clone_args *uargs, size_t size)
{
    struct clone_args a;
    if (size < CLONE_ARGS_SIZE_VER0 || size > 4096) return -EINVAL;
    memset(&a, 0, sizeof(a));
    if (copy_from_user(&a, uargs, size < sizeof(a) ? size : sizeof(a))) return -EFAULT;
    if (a.exit_signal > 64 || a.set_tid || a.set_tid_size || a.cgroup) return -EINVAL;
    if ((a.stack == 0) != (a.stack_size == 0)) return -EINVAL;
    if (a.flags & CLONE_INTO_CGROUP) return -EINVAL;
    if ((a.flags & CLONE_PIDFD) && (a.flags & CLONE_PARENT_SETTID) && a.pidfd == a.parent_tid)
        return -EINVAL;
    unsigned long sp = a.stack ? a.stack + a.stack_size : 0;
    return do_clone(a.flags, (int)a.exit_signal, sp, (int *)a.parent_tid, (int *)a.child_tid, a.tls,
                    (int *)a.pidfd);
}

long sys_vfork(void)
{
    return do_clone(CLONE_VM | CLONE_VFORK, SIGCHLD, 0, NULL, NULL, 0, NULL);
}
