/*
 * exec: execve(2). The calling process keeps its pid, parent, fd table
 * (minus close-on-exec fds) and ignored signals; everything else is new.
 *
 * In a vfork child the new image gets its own address space and starts on
 * a new host thread, and the parent (whose thread the child borrowed)
 * resumes. Otherwise the other threads end, the old areas are released
 * and the calling thread continues in the new image. Errors found before
 * the old image is dropped (ENOENT, EACCES, ENOEXEC, E2BIG, EFAULT) return
 * to the caller, as on Linux; a failure after that kills the process.
 */
#include "process/process.h"
#include "process/robust.h"
#include "syscall/list_core.h"

#include "fs/fs_core.h"
#include "loader/loader.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define ARG_MAX_TOTAL (2 * 1024 * 1024)
#define MAX_ARGS 65536

long vfork_resume_parent(long child_pid);

/* A NULL-terminated vector of user strings, copied into LibOS memory. */
static long copy_strings(char *const *uv, char ***out, size_t *budget)
{
    size_t n = 0;
    char **v = NULL;
    for (;; n++) {
        char *up;
        if (n >= MAX_ARGS) goto too_big;
        if (uv == NULL) break; /* Linux accepts NULL as an empty vector */
        if (copy_from_user(&up, &uv[n], sizeof(up))) goto fault;
        char **nv = realloc(v, (n + 2) * sizeof(char *));
        if (!nv) goto nomem;
        v = nv;
        v[n] = NULL;
        if (!up) break;
        char buf[PATH_MAX * 8];
        long len = strncpy_from_user(buf, up, sizeof(buf));
        if (len == -EFAULT) goto fault;
        if (len < 0 || (size_t)len + 1 > *budget) goto too_big;
        *budget -= (size_t)len + 1;
        if (!(v[n] = strdup(buf))) goto nomem;
    }
    if (!v && !(v = calloc(1, sizeof(char *)))) return -ENOMEM;
    v[n] = NULL;
    *out = v;
    return 0;
    long r;
fault:
    r = -EFAULT;
    goto fail;
too_big:
    r = -E2BIG;
    goto fail;
nomem:
    r = -ENOMEM;
fail:
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
    return r;
}

static void free_strings(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* What survives exec: ignored signals stay ignored, handlers reset. */
static void reset_signals(struct process *p)
{
    for (int s = 1; s <= 64; s++) {
        if (p->sigactions[s].handler != (uint64_t)SIG_IGN) p->sigactions[s].handler = 0;
        p->sigactions[s].flags = 0;
        p->sigactions[s].mask = 0;
    }
}

static void set_comm(struct process *p, const char *path)
{
    const char *base = strrchr(path, '/');
    const char *name = base ? base + 1 : path;
    size_t n = strnlen(name, sizeof(p->comm) - 1);
    memcpy(p->comm, name, n);
    p->comm[n] = '\0';
}

static long exec_vfork_child(const char *path, char **argv, char **envp)
{
    struct thread *t = current_thread();
    struct process *c = t->proc;
    struct thread *nt = calloc(1, sizeof(*nt));
    struct vm_proc *old = c->vm, *m = vm_proc_new();
    if (!nt || !m) {
        free(nt);
        vm_proc_put(m);
        return -ENOMEM;
    }
    /* The new image needs a thread: fail here (the child sees EAGAIN from
     * execve, posix_spawn reports it) rather than after the point of no return. */
    long r = thread_slot_reserve(path);
    if (r < 0) {
        vm_proc_put(m);
        free(nt);
        return r;
    }
    char saved_exe[sizeof(c->exe_path)];
    memcpy(saved_exe, c->exe_path, sizeof(saved_exe));
    c->vm = m;
    struct load_result lr;
    r = loader_load(c, path, argv, envp, &lr);
    if (r < 0) {
        c->vm = old;
        memcpy(c->exe_path, saved_exe, sizeof(saved_exe));
        vm_proc_put(m);
        free(nt);
        thread_slot_release();
        return r;
    }
    c->vm = old; /* the robust list is in the old image (the parent's memory) */
    robust_list_release(t);
    c->vm = m;
    vm_proc_put(old);
    c->did_exec = true;
    fdtable_close_on_exec(c->files);
    reset_signals(c);
    process_set_cmdline(c, argv, envp);
    set_comm(c, path);
    nt->proc = c;
    nt->tid = c->pid;
    nt->sigmask = t->sigmask;
    nt->start.rip = lr.entry;
    nt->start.rsp = lr.rsp;
    long pid = vfork_resume_parent(c->pid);
    if (thread_start_reserved(nt) < 0) {
        free(nt);
        c->exit_status = SIGKILL;
        process_finish(c);
    }
    return pid; /* unless t->orphan: the parent died meanwhile (sys_execve) */
}

static long exec_in_place(const char *path, char **argv, char **envp)
{
    struct thread *t = current_thread();
    struct process *p = t->proc;
    long r = loader_check(p, path);
    if (r < 0) return r;
    process_kill_other_threads(p);
    robust_list_release(t); /* Linux's exec_mm_release */
    vm_release_all(p);
    uint64_t peak = p->vm->peak; /* ru_maxrss covers the whole process life */
    memset(p->vm, 0, sizeof(*p->vm));
    p->vm->users = 1;
    p->vm->peak = peak;
    struct load_result lr;
    r = loader_load(p, path, argv, envp, &lr);
    if (r < 0) {
        log_error("execve of %s failed after the old image was released (%s): killing process %d",
                  path, strerror((int)-r), p->pid);
        return process_exit_current(SIGKILL);
    }
    fdtable_close_on_exec(p->files);
    reset_signals(p);
    process_set_cmdline(p, argv, envp);
    set_comm(p, path);
    t->tid = p->pid; /* the exec'ing thread becomes the thread-group leader */
    p->did_exec = true;
    t->clear_child_tid = 0;
    t->user_altstack.sp = t->user_altstack.size = 0;

    ucontext_t *uc = t->uc;
    greg_t csgsfs = uc->uc_mcontext.gregs[REG_CSGSFS]; /* segment selectors stay */
    memset(uc->uc_mcontext.gregs, 0, sizeof(uc->uc_mcontext.gregs));
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)lr.entry;
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)lr.rsp;
    uc->uc_mcontext.gregs[REG_EFL] = 0x202;
    uc->uc_mcontext.gregs[REG_CSGSFS] = csgsfs;
    if (uc->uc_mcontext.fpregs) {
        /* A clean x87/SSE state; the xsave bookkeeping at 464.. stays valid. */
        struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
        uint32_t mxcsr_mask = fp->mxcr_mask;
        memset(fp, 0, 464);
        fp->cwd = 0x37f;
        fp->mxcsr = 0x1f80;
        fp->mxcr_mask = mxcsr_mask;
    }
    t->frame->fsbase = 0;
    return 0; /* becomes RAX, which a new image starts with as 0 */
}

long sys_execve(const char *upath, char *const *uargv, char *const *uenvp)
{
    char path[PATH_MAX];
    long r = strncpy_from_user(path, upath, sizeof(path));
    if (r < 0) return r;
    if (path[0] == '\0') return -ENOENT;
    size_t budget = ARG_MAX_TOTAL;
    char **argv = NULL, **envp = NULL;
    r = copy_strings(uargv, &argv, &budget);
    if (r == 0) r = copy_strings(uenvp, &envp, &budget);
    if (r == 0) {
        if (argv[0] == NULL) { /* Linux passes an empty argv[0] in that case */
            free(argv);
            argv = calloc(2, sizeof(char *));
            if (argv) argv[0] = strdup("");
            if (!argv || !argv[0]) r = -ENOMEM;
        }
    }
    if (r == 0)
        r = current_thread()->vfork ? exec_vfork_child(path, argv, envp)
                                    : exec_in_place(path, argv, envp);
    free_strings(argv);
    free_strings(envp);
    if (current_thread()->orphan) thread_exit_current(); /* a vfork child's, parent gone */
    return r;
}
