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
 * A non-PIE image whose fixed range another process of this address space
 * holds moves the process to a host process of its own (as_move.c).
 */
#include "process/process.h"
#include "process/caps.h"
#include "process/robust.h"
#include "syscall/list_core.h"

#include "entry/rewrite.h"
#include "fs/fs_core.h"
#include "fs/vfs.h"
#include "loader/loader.h"
#include "time/posix_timer.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/vm.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <ucontext.h>

long vfork_resume_parent(long child_pid);

/* Counts a user vector as Linux does before copying any string: a bad
 * pointer anywhere in it is EFAULT, more than MAX_ARG_STRINGS E2BIG. */
static long count_user(char *const *uv, size_t *n)
{
    size_t i = 0;
    for (; uv; i++) { /* Linux accepts NULL as an empty vector */
        char *up;
        if (copy_from_user(&up, &uv[i], sizeof(up))) return -EFAULT;
        if (!up) break;
        if (i >= MAX_ARG_STRINGS) return -E2BIG;
    }
    *n = i;
    return 0;
}

/* Copies the n strings of uv into LibOS memory, last first as Linux does
 * (which error comes first depends on it), counting them into *used. */
static long copy_user_strings(char *const *uv, size_t n, size_t room, size_t *used, char ***out)
{
    char **v = kcalloc(n + 1, sizeof(char *));
    if (!v) return -ENOMEM;
    *out = v;
    for (size_t i = n; i-- > 0;) {
        char *up;
        if (copy_from_user(&up, &uv[i], sizeof(up)) || !up) return -EFAULT;
        long len = strnlen_user(up, MAX_ARG_STRLEN);
        if (len == -ENAMETOOLONG) return -E2BIG;
        if (len < 0) return len;
        if ((size_t)len + 1 > room - *used) return -E2BIG;
        *used += (size_t)len + 1;
        if (!(v[i] = kmalloc((size_t)len + 1))) return -ENOMEM;
        if (strncpy_from_user(v[i], up, (size_t)len + 1) != len) return -EFAULT;
    }
    return 0;
}

/* A vector that copy_user_strings filled from the end, maybe partly. */
static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        kfree(v[i]);
    kfree(v);
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

/* After the load, in the parent's host process: what an execve changes
 * in the process besides its memory. */
/* Linux's setup_new_exec: dumpable again unless the ids differ. */
static void reset_dumpable(struct process *p)
{
    p->dumpable = p->cred.euid == p->cred.ruid && p->cred.egid == p->cred.rgid;
}

static void exec_done(struct process *c, char **argv, char **envp, const char *path)
{
    posix_timers_release(c);
    c->did_exec = true;
    fdtable_close_on_exec(c->files);
    reset_signals(c);
    mutex_lock(&c->sig_lock);
    caps_exec(&c->cred);
    reset_dumpable(c);
    mutex_unlock(&c->sig_lock);
    process_set_cmdline(c, argv, envp);
    set_comm(c, path);
}

/* The new image is non-PIE and another process of this address space
 * holds its fixed range: the vfork child moves to an address space of its
 * own (process/as_move.c), loaded while the parent waits, as a vfork
 * parent does anyway. */
static long exec_vfork_child_elsewhere(const char *path, char **argv, char **envp,
                                       struct thread *nt)
{
    struct thread *t = current_thread();
    struct process *c = t->proc;
    nt->proc = c;
    nt->tid = c->pid;
    nt->sigmask = t->sigmask;
    struct as_move_stack stack = {t->altstack, t->altstack_size}; /* read-only: the parent's */
    struct vm_proc *m;
    uint32_t *go;
    long r = as_move_load(c, path, argv, envp, nt, &stack, &m, &go);
    if (r < 0) {
        kfree(nt);
        thread_slot_release();
        return r;
    }
    robust_list_release(t); /* in the old image, this host's memory */
    vm_proc_put(c->vm);
    c->vm = m;
    exec_done(c, argv, envp, path);
    long pid = vfork_resume_parent(c->pid);
    as_move_start(go);
    return pid; /* unless t->orphan, as in exec_vfork_child */
}

static long exec_vfork_child(const char *path, char **argv, char **envp)
{
    struct thread *t = current_thread();
    struct process *c = t->proc;
    struct thread *nt = kcalloc(1, sizeof(*nt));
    struct vm_proc *old = c->vm, *m = vm_proc_new();
    if (!nt || !m) {
        kfree(nt);
        vm_proc_put(m);
        return -ENOMEM;
    }
    /* The new image needs a thread: fail here (the child sees EAGAIN from
     * execve, posix_spawn reports it) rather than after the point of no return. */
    long r = thread_slot_reserve(path);
    if (r < 0) {
        vm_proc_put(m);
        kfree(nt);
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
        if (r == -EEXIST) return exec_vfork_child_elsewhere(path, argv, envp, nt);
        kfree(nt);
        thread_slot_release();
        return r;
    }
    c->vm = old; /* the robust list is in the old image (the parent's memory) */
    robust_list_release(t);
    c->vm = m;
    vm_proc_put(old);
    exec_done(c, argv, envp, path);
    nt->proc = c;
    nt->tid = c->pid;
    nt->sigmask = t->sigmask;
    nt->start.rip = lr.entry;
    nt->start.rsp = lr.rsp;
    long pid = vfork_resume_parent(c->pid);
    if (thread_start_reserved(nt) < 0) {
        kfree(nt);
        c->exit_status = SIGKILL;
        process_finish(c);
    }
    return pid; /* unless t->orphan: the parent died meanwhile (sys_execve) */
}

/*
 * execve outside vfork of a non-PIE image whose fixed range another
 * process of this address space holds (dash's `sh -c "exec python3"` run
 * by python3): the old image is already released, so the process moves to
 * an address space of its own, its image running on a new thread there
 * that takes over this one's identity. This thread leaves the process
 * without ending it (orphan) and ends at sys_execve's return. Returns 1
 * once moved, or the error, after which the process is killed.
 */
static long exec_in_place_elsewhere(const char *path, char **argv, char **envp)
{
    struct thread *t = current_thread();
    struct process *p = t->proc;
    struct thread *nt = kcalloc(1, sizeof(*nt));
    long r = nt ? thread_slot_reserve(path) : -ENOMEM;
    if (r < 0) {
        kfree(nt);
        return r;
    }
    nt->proc = p;
    nt->tid = p->pid;
    nt->sigmask = t->sigmask;
    struct as_move_stack stack = {NULL, 0}; /* this thread's stays in use here */
    struct vm_proc *m;
    uint32_t *go;
    r = as_move_load(p, path, argv, envp, nt, &stack, &m, &go);
    if (r < 0) {
        kfree(nt);
        thread_slot_release();
        return r;
    }
    vm_proc_put(p->vm);
    p->vm = m;
    p->xcomp_perm = p->xcomp_guest_perm = 0;
    exec_done(p, argv, envp, path);
    thread_leave_process(t);
    as_move_start(go);
    return 1;
}

static long exec_in_place(const char *path, char **argv, char **envp)
{
    struct thread *t = current_thread();
    struct process *p = t->proc;
    long r = loader_check(p, path);
    if (r < 0) return r;
    /* Memory shared with another process (clone(CLONE_VM) without
     * CLONE_VFORK) stays with it: the new image gets fresh areas. */
    struct vm_proc *fresh = NULL;
    if (__atomic_load_n(&p->vm->users, __ATOMIC_ACQUIRE) > 1 && !(fresh = vm_proc_new()))
        return -ENOMEM;
    r = fdtable_unshare(&p->files);
    if (r < 0) {
        vm_proc_put(fresh);
        return r;
    }
    process_kill_other_threads(p);
    robust_list_release(t);      /* Linux's exec_mm_release */
    uint64_t peak = p->vm->peak; /* ru_maxrss covers the whole process life */
    if (fresh) {
        vm_proc_put(p->vm);
        p->vm = fresh;
    } else {
        vm_release_all(p);
        struct addr_space *as = p->vm->as;
        rewrite_forget_vm(p->vm); /* the old image's patches */
        memset(p->vm, 0, sizeof(*p->vm));
        p->vm->users = 1;
        p->vm->as = as;
    }
    p->vm->peak = peak;
    struct load_result lr;
    r = loader_load(p, path, argv, envp, &lr);
    if (r == -EEXIST) r = exec_in_place_elsewhere(path, argv, envp);
    if (r == 1) return 0; /* moved: this thread ends (sys_execve) */
    if (r < 0) {
        log_error("execve of %s failed after the old image was released (%s): killing process %d",
                  path, strerror((int)-r), p->pid);
        return process_exit_current(SIGKILL);
    }
    exec_done(p, argv, envp, path);
    t->tid = p->pid; /* the exec'ing thread becomes the thread-group leader */
    t->clear_child_tid = 0;
    t->user_altstack.sp = t->user_altstack.size = 0;
    p->xcomp_perm = p->xcomp_guest_perm = 0;

    ucontext_t *uc = t->uc;
    greg_t csgsfs = uc->uc_mcontext.gregs[REG_CSGSFS]; /* segment selectors stay */
    memset(uc->uc_mcontext.gregs, 0, sizeof(uc->uc_mcontext.gregs));
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)lr.entry;
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)lr.rsp;
    uc->uc_mcontext.gregs[REG_EFL] = 0x202;
    uc->uc_mcontext.gregs[REG_CSGSFS] = csgsfs;
    if (pal_uc_fpstate(uc)) {
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

/* argv and envp as Linux bounds them (fs/exec.c): by the caller's
 * RLIMIT_STACK, counting the file name, the strings and their pointers. */
static long copy_args(const char *path, char *const *uargv, char *const *uenvp, char ***argv,
                      size_t *argc, char ***envp, size_t *envc)
{
    size_t room, used = strlen(path) + 1;
    long r = count_user(uargv, argc);
    if (r == 0) r = count_user(uenvp, envc);
    if (r < 0) return r;
    r = loader_args_room(loader_args_limit(current_process()->rlimits[RLIMIT_STACK].cur), *argc,
                         *envc, &room);
    if (r == 0 && used > room) r = -E2BIG;
    if (r == 0) r = copy_user_strings(uenvp, *envc, room, &used, envp);
    if (r == 0) r = copy_user_strings(uargv, *argc, room, &used, argv);
    if (r < 0 || *argc > 0) return r;
    /* Linux passes an empty argv[0] in that case */
    if (used + 1 > room) return -E2BIG;
    if (!((*argv)[0] = kstrdup(""))) return -ENOMEM;
    *argc = 1;
    char **v = krealloc(*argv, 2 * sizeof(char *));
    if (!v) return -ENOMEM;
    v[1] = NULL;
    *argv = v;
    return 0;
}

/* system(3), popen(3), tar's compressors, make's recipes: all run
 * /bin/sh, which an image made of `occlum add`ed programs often lacks, and
 * the program's own message ("sh: Cannot exec") does not say why. */
static void no_shell_hint(void)
{
    static int said;
    if (__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED)) return;
    log_warn("%s ran /bin/sh, which the image does not have: add a shell ('occlum add /bin/sh' "
             "copies the host's) and run 'occlum build'",
             current_process()->exe_path);
}

/* execve of `path` (LibOS memory, a path the LibOS resolves). */
static long do_execve(const char *path, char *const *uargv, char *const *uenvp)
{
    char **argv = NULL, **envp = NULL;
    size_t argc = 0, envc = 0;
    long r = copy_args(path, uargv, uenvp, &argv, &argc, &envp, &envc);
    if (r == 0)
        r = current_thread()->vfork ? exec_vfork_child(path, argv, envp)
                                    : exec_in_place(path, argv, envp);
    free_strings(argv, argc);
    free_strings(envp, envc);
    if (r == -ENOENT && strcmp(path, "/bin/sh") == 0) no_shell_hint();
    if (current_thread()->orphan) thread_exit_current(); /* a vfork child's, parent gone */
    return r;
}

long sys_execve(const char *upath, char *const *uargv, char *const *uenvp)
{
    char path[PATH_MAX];
    long r = strncpy_from_user(path, upath, sizeof(path));
    if (r < 0) return r;
    if (path[0] == '\0') return -ENOENT;
    return do_execve(path, uargv, uenvp);
}

/* execveat(2): the program named relative to dirfd, or dirfd's own file
 * with AT_EMPTY_PATH (glibc's and musl's fexecve), by its LibOS path. */
long sys_execveat(int dirfd, const char *upath, char *const *uargv, char *const *uenvp, int flags)
{
    char path[PATH_MAX]; /* not the heap: an exec that moves the process does not return */
    long r = strncpy_from_user(path, upath, PATH_MAX);
    struct process *p = current_process();
    if (r == 0 && !(flags & AT_EMPTY_PATH)) return -ENOENT; /* before the flags, as Linux */
    if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return -EINVAL;
    if (r == 0) { /* the file dirfd is open on */
        struct file *f = fd_get(p, dirfd);
        if (!f)
            r = -EBADF;
        else if (!f->inode || !f->path || f->path[0] != '/')
            r = -EACCES; /* a pipe, socket or unnamed file: nothing to run */
        else
            snprintf(path, PATH_MAX, "%s", f->path);
        if (f) file_put(f);
    } else if (r > 0 && path[0] != '/') {
        struct nameidata nd = {0};
        r = namei_at(p, dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW, &nd);
        if (r == 0 && S_ISLNK(nd.inode->mode)) r = -ELOOP;
        if (r == 0) snprintf(path, PATH_MAX, "%s", nd.path);
        if (nd.inode) nd_release(&nd);
    } else if (r > 0 && (flags & AT_SYMLINK_NOFOLLOW)) {
        struct nameidata nd = {0};
        r = namei_at(p, AT_FDCWD, path, 0, &nd);
        if (r == 0 && S_ISLNK(nd.inode->mode)) r = -ELOOP;
        if (nd.inode) nd_release(&nd);
    }
    return r < 0 ? r : do_execve(path, uargv, uenvp);
}
