/*
 * clone: new threads, and vfork children.
 *
 * A thread is a new host thread entering the application with a copy of
 * the caller's registers (RAX = 0, the new stack and TLS).
 *
 * A vfork child (clone with CLONE_VM|CLONE_VFORK: vfork(), posix_spawn in
 * musl and glibc) runs on its parent's host thread, in the parent's memory,
 * with its own pid, fd table and fs context, exactly while the parent
 * would be suspended anyway. The parent's registers are saved in a
 * vfork_frame; when the child calls execve (its new image then starts on
 * a new host thread) or _exit, they are put back into the trap's context
 * and the parent returns from clone with the child's pid.
 */
#include "process/process.h"
#include "syscall/list_core.h"

#include "fs/fs_core.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

struct vfork_frame {
    struct process *parent;
    int parent_tid;
    gregset_t gregs;
    struct _libc_fpstate fpregs;
    bool has_fpregs;
    uint64_t fsbase, sigmask, clear_child_tid;
    struct vfork_frame *outer;
};

static void regs_from_ucontext(struct pal_user_regs *r, const ucontext_t *uc)
{
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
    struct thread *t = calloc(1, sizeof(*t));
    if (!t) return -ENOMEM;
    regs_from_ucontext(&t->start, self->uc);
    t->start.rax = 0;
    if (newsp) t->start.rsp = newsp;
    t->start.fsbase = (flags & CLONE_SETTLS) ? tls : self->frame->fsbase;
    t->proc = self->proc;
    t->sigmask = self->sigmask;
    t->tid = pid_alloc();
    if (flags & CLONE_CHILD_CLEARTID) t->clear_child_tid = (uint64_t)ctid;
    if (((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &t->tid, sizeof(int))) ||
        ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &t->tid, sizeof(int)))) {
        free(t);
        return -EFAULT;
    }
    int tid = t->tid;
    int r = thread_start(t);
    if (r < 0) {
        free(t);
        return r;
    }
    return tid;
}

static long clone_vfork(unsigned long flags, int exit_signal, unsigned long newsp, int *ptid,
                        int *ctid, unsigned long tls)
{
    struct thread *t = current_thread();
    struct process *parent = t->proc;
    ucontext_t *uc = t->uc;
    struct vfork_frame *f = calloc(1, sizeof(*f));
    struct process *c = process_new(parent);
    if (!f || !c) goto nomem;
    c->files = fdtable_clone(parent->files);
    c->fs = fs_struct_clone(parent->fs);
    if (!c->files || !c->fs) goto nomem;
    c->vm = parent->vm;
    vm_proc_get(c->vm);
    c->exit_signal = exit_signal;
    if (((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &c->pid, sizeof(int))) ||
        ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &c->pid, sizeof(int)))) {
        process_finish(c);
        process_reap(c);
        free(f);
        return -EFAULT;
    }
    process_table_add(c);

    f->parent = parent;
    f->parent_tid = t->tid;
    memcpy(f->gregs, uc->uc_mcontext.gregs, sizeof(f->gregs));
    if (uc->uc_mcontext.fpregs) {
        memcpy(&f->fpregs, uc->uc_mcontext.fpregs, sizeof(f->fpregs));
        f->has_fpregs = true;
    }
    f->fsbase = t->frame->fsbase;
    f->sigmask = t->sigmask;
    f->clear_child_tid = t->clear_child_tid;
    f->outer = t->vfork;

    t->vfork = f;
    t->proc = c;
    t->tid = c->pid;
    t->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? (uint64_t)ctid : 0;
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
    free(f);
    return -ENOMEM;
}

long vfork_resume_parent(long child_pid)
{
    struct thread *t = current_thread();
    struct vfork_frame *f = t->vfork;
    ucontext_t *uc = t->uc;
    memcpy(uc->uc_mcontext.gregs, f->gregs, sizeof(f->gregs));
    if (f->has_fpregs && uc->uc_mcontext.fpregs)
        memcpy(uc->uc_mcontext.fpregs, &f->fpregs, sizeof(f->fpregs));
    t->frame->fsbase = f->fsbase;
    t->proc = f->parent;
    t->tid = f->parent_tid;
    t->sigmask = f->sigmask;
    t->clear_child_tid = f->clear_child_tid;
    t->vfork = f->outer;
    free(f);
    return child_pid;
}

long vfork_child_exit(int status)
{
    struct thread *t = current_thread();
    struct process *c = t->proc;
    c->exiting = true;
    c->exit_status = status;
    if (t->clear_child_tid && user_ok((void *)t->clear_child_tid, 4, true))
        uaccess_store32((uint32_t *)t->clear_child_tid, 0);
    long pid = vfork_resume_parent(c->pid);
    process_finish(c);
    return pid;
}

static long do_clone(unsigned long flags, int exit_signal, unsigned long newsp, int *ptid,
                     int *ctid, unsigned long tls)
{
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)) return -EINVAL;
    if ((flags & CLONE_FS) && (flags & CLONE_NEWNS)) return -EINVAL;
    if (flags & CLONE_THREAD) return clone_thread(flags, newsp, ptid, ctid, tls);
    if (!(flags & CLONE_VM)) return sys_fork();
    if (flags & CLONE_VFORK) return clone_vfork(flags, exit_signal, newsp, ptid, ctid, tls);
    log_warn("%s: clone(CLONE_VM) of a new process without CLONE_VFORK is not supported; "
             "use posix_spawn or threads",
             current_process()->exe_path);
    return -ENOSYS;
}

long sys_clone(unsigned long flags, unsigned long newsp, int *ptid, int *ctid, unsigned long tls)
{
    return do_clone(flags & ~0xffUL, (int)(flags & 0xff), newsp, ptid, ctid, tls);
}

long sys_clone3(struct clone_args *uargs, size_t size)
{
    struct clone_args a;
    if (size < CLONE_ARGS_SIZE_VER0 || size > 4096) return -EINVAL;
    memset(&a, 0, sizeof(a));
    if (copy_from_user(&a, uargs, size < sizeof(a) ? size : sizeof(a))) return -EFAULT;
    if (a.exit_signal > 64 || a.set_tid || a.set_tid_size || a.cgroup) return -EINVAL;
    if ((a.stack == 0) != (a.stack_size == 0)) return -EINVAL;
    if (a.flags & (CLONE_PIDFD | CLONE_INTO_CGROUP)) return -EINVAL;
    unsigned long sp = a.stack ? a.stack + a.stack_size : 0;
    return do_clone(a.flags, (int)a.exit_signal, sp, (int *)a.parent_tid, (int *)a.child_tid,
                    a.tls);
}

long sys_vfork(void)
{
    return do_clone(CLONE_VM | CLONE_VFORK, SIGCHLD, 0, NULL, NULL, 0);
}
