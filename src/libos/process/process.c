/*
 * process: the pid table and process lifetimes (threads on their host
 * threads: thread.c).
 *
 * Spawning is an ELF load plus a host thread, never a host fork: that is
 * what lets many processes share one enclave. A thread ends by jumping
 * (siglongjmp) from its trap handler back to the host thread's entry
 * function; the last thread of a process turns it into a zombie that its
 * parent reaps with wait4/waitid.
 *
 * Process objects are recycled, never freed, so that a stale pointer (a
 * /proc reader racing with a reaper) can never touch freed memory.
 */
#include "process/process.h"
#include "time/ktimer.h"
#include "time/posix_timer.h"

#include "common/config.h"
#include "entry/rewrite.h"
#include "fs/fs_core.h"
#include "fs/locks.h"
#include "ipc/ipc.h"
#include "loader/loader.h"
#include "pal/pal.h"
#include "process/pidfd.h"
#include "process/robust.h"
#include "process/waitq.h"
#include "signal/signal.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/vm.h"
#include "util/kheap.h"

#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <ucontext.h>

extern struct occlum_config libos_config;

struct mutex proc_lock = MUTEX_INIT;
static struct process *procs;      /* live and zombie processes */
static struct process *free_procs; /* reaped, ready for reuse */
static int next_pid = 1;

int pid_alloc(void)
{
    mutex_lock(&proc_lock);
    int pid = next_pid++;
    mutex_unlock(&proc_lock);
    return pid;
}

struct process *process_find(int pid)
{
    mutex_lock(&proc_lock);
    struct process *p = procs;
    while (p && p->pid != pid)
        p = p->next;
    mutex_unlock(&proc_lock);
    return p;
}

struct process *process_of_tid(int tid)
{
    mutex_lock(&proc_lock);
    struct process *found = NULL;
    for (struct process *p = procs; p && !found; p = p->next) {
        if (p->pid < 0) continue;
        if (p->pid == tid) found = p;
        for (struct thread *t = p->threads; t && !found; t = t->next_in_proc)
            if (t->tid == tid) found = p;
    }
    mutex_unlock(&proc_lock);
    return found;
}

int process_for_each(int (*fn)(struct process *p, void *arg), void *arg)
{
    int r = 0;
    mutex_lock(&proc_lock);
    for (struct process *p = procs; p && r == 0; p = p->next)
        r = fn(p, arg);
    mutex_unlock(&proc_lock);
    return r;
}

struct process *process_scan_children(struct process *self, enum child_select sel, int id,
                                      int reports, bool *have_child, uint32_t *seen,
                                      struct child_state *st)
{
    struct process *found = NULL;
    *have_child = false;
    mutex_lock(&proc_lock);
    *seen = __atomic_load_n(&self->child_event, __ATOMIC_ACQUIRE);
    for (struct process *q = procs; q; q = q->next) {
        if (q->ppid != self->pid || q->pid < 0) continue;
        if ((sel == SEL_PID && q->pid != id) || (sel == SEL_PGID && q->pgid != id)) continue;
        *have_child = true;
        if (q->zombie && (reports & WANT_EXITED)) {
            found = q;
            st->kind = CHILD_EXITED;
            st->status = q->exit_status;
        } else if (!q->zombie && q->wait_report == REPORT_STOPPED && (reports & WANT_STOPPED)) {
            found = q;
            st->kind = CHILD_STOPPED;
            st->status = (q->stop_sig << 8) | 0x7f;
            if (reports & CONSUME_REPORT) q->wait_report = 0;
        } else if (!q->zombie && q->wait_report == REPORT_CONTINUED && (reports & WANT_CONTINUED)) {
            found = q;
            st->kind = CHILD_CONTINUED;
            st->status = 0xffff;
            if (reports & CONSUME_REPORT) q->wait_report = 0;
        }
        if (found) {
            st->pid = q->pid;
            break;
        }
    }
    mutex_unlock(&proc_lock);
    return found;
}

void process_report_locked(struct process *p, int code, int sig)
{
    p->wait_report = code == CLD_STOPPED ? REPORT_STOPPED : REPORT_CONTINUED;
    struct process *parent = NULL;
    for (struct process *q = procs; q; q = q->next)
        if (q->pid == p->ppid && q->pid > 0) parent = q;
    if (!parent) return;
    if (!(parent->sigactions[SIGCHLD].flags & SA_NOCLDSTOP)) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        si.si_signo = SIGCHLD;
        si.si_code = code;
        si.si_pid = p->pid;
        si.si_status = sig;
        signal_send_process_locked(parent, SIGCHLD, &si);
    }
    __atomic_add_fetch(&parent->child_event, 1, __ATOMIC_RELEASE);
    waitq_wake_all(&parent->child_waiters);
}

long thread_signal_tid(int tgid, int tid, int sig, const siginfo_t *info)
{
    mutex_lock(&proc_lock);
    struct thread *found = NULL;
    for (struct process *p = procs; p && !found; p = p->next) {
        if (p->pid < 0 || (tgid != -1 && p->pid != tgid)) continue;
        for (struct thread *t = p->threads; t; t = t->next_in_proc)
            if (t->tid == tid) found = t;
    }
    long r = !found ? -ESRCH : sig ? signal_send_thread_locked(found, sig, info) : 0;
    mutex_unlock(&proc_lock);
    return r;
}

/* Strings joined with their NULs (for /proc); NULL when out of memory. */
static char *join(char *const v[], size_t *len_out)
{
    size_t len = 0;
    for (size_t i = 0; v && v[i]; i++)
        len += strlen(v[i]) + 1;
    char *c = kmalloc(len ? len : 1);
    if (!c) return NULL;
    size_t off = 0;
    for (size_t i = 0; v && v[i]; i++) {
        size_t n = strlen(v[i]) + 1;
        memcpy(c + off, v[i], n);
        off += n;
    }
    *len_out = len;
    return c;
}

void process_set_cmdline(struct process *p, char *const argv[], char *const envp[])
{
    size_t len = 0, elen = 0;
    char *c = join(argv, &len), *e = join(envp, &elen);
    if (c) {
        kfree(p->cmdline);
        p->cmdline = c;
        p->cmdline_len = len;
    }
    if (e) {
        kfree(p->environ);
        p->environ = e;
        p->environ_len = elen;
    }
}

/* Linux defaults, with the memory limits of Occlum.json. */
static void init_rlimits(struct process *p)
{
    for (int i = 0; i < 16; i++)
        p->rlimits[i].cur = p->rlimits[i].max = RLIM_INFINITY;
    p->rlimits[RLIMIT_STACK].cur = libos_config.default_stack_size;
    p->rlimits[RLIMIT_DATA].cur = p->rlimits[RLIMIT_DATA].max = libos_config.default_heap_size;
    p->rlimits[RLIMIT_AS].cur = p->rlimits[RLIMIT_AS].max = libos_config.user_space_size;
    p->rlimits[RLIMIT_NOFILE].cur = 1024;
    p->rlimits[RLIMIT_NOFILE].max = 4096;
    p->rlimits[RLIMIT_NPROC].cur = p->rlimits[RLIMIT_NPROC].max = libos_config.max_num_of_threads;
    p->rlimits[RLIMIT_CORE].cur = 0;
    p->rlimits[RLIMIT_MEMLOCK].cur = p->rlimits[RLIMIT_MEMLOCK].max = 8 << 20;
    p->rlimits[RLIMIT_SIGPENDING].cur = p->rlimits[RLIMIT_SIGPENDING].max = 1024;
    p->rlimits[RLIMIT_MSGQUEUE].cur = p->rlimits[RLIMIT_MSGQUEUE].max = 819200;
    p->rlimits[RLIMIT_NICE].cur = p->rlimits[RLIMIT_NICE].max = 0;
    p->rlimits[RLIMIT_RTPRIO].cur = p->rlimits[RLIMIT_RTPRIO].max = 0;
}

struct process *process_new(struct process *parent)
{
    mutex_lock(&proc_lock);
    struct process *p = free_procs;
    if (p) free_procs = p->next;
    mutex_unlock(&proc_lock);
    if (!p) p = kmalloc(sizeof(*p));
    if (!p) return NULL;
    memset(p, 0, sizeof(*p));
    p->pid = pid_alloc();
    p->exit_signal = SIGCHLD;
    if (parent) {
        p->ppid = parent->pid;
        p->pgid = parent->pgid;
        p->sid = parent->sid;
        p->cred = parent->cred;
        p->dumpable = parent->dumpable;
        memcpy(p->rlimits, parent->rlimits, sizeof(p->rlimits));
        memcpy(p->sigactions, parent->sigactions, sizeof(p->sigactions));
        memcpy(p->comm, parent->comm, sizeof(p->comm));
        memcpy(p->exe_path, parent->exe_path, sizeof(p->exe_path));
        if (parent->cmdline) {
            p->cmdline = kmalloc(parent->cmdline_len + 1);
            if (p->cmdline) memcpy(p->cmdline, parent->cmdline, parent->cmdline_len);
            p->cmdline_len = p->cmdline ? parent->cmdline_len : 0;
        }
        if (parent->environ) {
            p->environ = kmalloc(parent->environ_len + 1);
            if (p->environ) memcpy(p->environ, parent->environ, parent->environ_len);
            p->environ_len = p->environ ? parent->environ_len : 0;
        }
    } else {
        p->pgid = p->sid = p->pid;
        init_rlimits(p);
        /* Occlum.json's process.default_uid/default_gid (0: root) */
        cred_init(&p->cred, libos_config.default_uid, libos_config.default_gid);
        p->dumpable = 1;
    }
    return p;
}

void process_table_add(struct process *p)
{
    mutex_lock(&proc_lock);
    p->next = procs;
    procs = p;
    mutex_unlock(&proc_lock);
}

uint64_t process_cpu_ns(struct process *p)
{
    mutex_lock(&proc_lock);
    uint64_t ns = process_cpu_ns_locked(p);
    mutex_unlock(&proc_lock);
    return ns;
}

uint64_t process_cpu_ns_locked(struct process *p)
{
    uint64_t ns = __atomic_load_n(&p->cpu_ns_exited, __ATOMIC_RELAXED);
    for (struct thread *t = p->threads; t; t = t->next_in_proc) {
        if (!t->tcb.host_tid) continue;
        /* the kernel's per-thread CPU clock: MAKE_THREAD_CPUCLOCK(tid, SCHED) */
        clockid_t clk = (clockid_t)((~(unsigned)t->tcb.host_tid << 3) | 6);
        struct timespec ts;
        if (pal_clock_gettime(clk, &ts) == 0)
            ns += (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec - t->cpu_base;
    }
    return ns;
}

/* proc_lock held. */
static void reap_locked(struct process *p)
{
    struct process *parent = NULL;
    for (struct process *q = procs; q; q = q->next)
        if (q->pid == p->ppid) parent = q;
    if (parent) {
        __atomic_add_fetch(&parent->cpu_ns_children, p->cpu_ns_exited + p->cpu_ns_children,
                           __ATOMIC_RELAXED);
        uint64_t peak = p->peak_mapped > p->children_peak ? p->peak_mapped : p->children_peak;
        if (peak > parent->children_peak) parent->children_peak = peak;
    }
    struct process **pp = &procs;
    while (*pp && *pp != p)
        pp = &(*pp)->next;
    if (*pp) *pp = p->next;
    pidfd_process_gone_locked(p, true);
    kfree(p->cmdline);
    p->cmdline = NULL;
    kfree(p->environ);
    p->environ = NULL;
    sigpending_clear(&p->shared);
    p->pid = -1;
    p->next = free_procs;
    free_procs = p;
}

void process_reap(struct process *p)
{
    mutex_lock(&proc_lock);
    reap_locked(p);
    mutex_unlock(&proc_lock);
}

void process_free_unstarted(struct process *p)
{
    if (p->files) fdtable_put(p->files);
    if (p->fs) fs_struct_put(p->fs);
    vm_proc_put(p->vm);
    p->files = NULL;
    p->fs = NULL;
    p->vm = NULL;
    process_reap(p);
}

void process_finish(struct process *p)
{
    posix_timers_release(p);
    locks_on_exit(p); /* before its files go: their release must not see them */
    sem_exit(p);
    /* Detach under the lock (/proc readers look at these under it), release after. */
    mutex_lock(&proc_lock);
    struct fdtable *files = p->files;
    struct fs_struct *fs = p->fs;
    struct vm_proc *vm = p->vm;
    if (vm) p->peak_mapped = vm->peak;
    p->files = NULL;
    p->fs = NULL;
    p->vm = NULL;
    mutex_unlock(&proc_lock);
    /* its last user: p detaches the SysV segments (shm_lpid) */
    if (vm && __atomic_load_n(&vm->users, __ATOMIC_ACQUIRE) == 1) shm_exit(vm, p->pid);
    if (files) fdtable_put(files);
    if (fs) fs_struct_put(fs);
    vm_proc_put(vm);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = p->exit_signal;
    si.si_pid = p->pid;
    if (WIFEXITED(p->exit_status)) {
        si.si_code = CLD_EXITED;
        si.si_status = WEXITSTATUS(p->exit_status);
    } else {
        si.si_code = CLD_KILLED;
        si.si_status = WTERMSIG(p->exit_status);
    }
    mutex_lock(&proc_lock);
    struct process *parent = NULL, *init = NULL;
    for (struct process *q = procs; q; q = q->next) {
        if (q->pid == p->ppid) parent = q;
        if (q->pid == 1) init = q;
    }
    for (struct process *q = procs; q; q = q->next) {
        if (q->ppid == p->pid) {
            /* Orphans go to init; when init is gone (a server's programs
             * come and go), to nobody: they are reaped when they exit. */
            q->ppid = init && init != p && !init->exiting ? 1 : 0;
            if (q->zombie && q->ppid) __atomic_add_fetch(&init->child_event, 1, __ATOMIC_RELEASE);
        }
    }
reap_orphans: /* reaping changes the list: start over after each */
    for (struct process *q = procs; q; q = q->next) {
        if (q != p && q->zombie && q->ppid == 0 && !q->host_waits) {
            reap_locked(q);
            goto reap_orphans;
        }
    }
    /* A parent ignoring SIGCHLD (or with SA_NOCLDWAIT) leaves no zombie. */
    bool autoreap = (parent && p->exit_signal == SIGCHLD &&
                     (parent->sigactions[SIGCHLD].handler == (uint64_t)SIG_IGN ||
                      (parent->sigactions[SIGCHLD].flags & SA_NOCLDWAIT))) ||
                    (!parent && !p->host_waits); /* an orphan nobody waits for */
    /* SIGCHLD goes out before the child becomes waitable, as on Linux. */
    if (parent && p->exit_signal) signal_send_process_locked(parent, p->exit_signal, &si);
    if (autoreap) {
        __atomic_store_n(&p->exit_futex, 1, __ATOMIC_RELEASE);
        reap_locked(p);
    } else {
        p->zombie = true;
        __atomic_store_n(&p->exit_futex, 1, __ATOMIC_RELEASE);
        pidfd_process_gone_locked(p, false);
    }
    if (parent) {
        __atomic_add_fetch(&parent->child_event, 1, __ATOMIC_RELEASE);
        waitq_wake_all(&parent->child_waiters);
    }
    if (init && init != parent) waitq_wake_all(&init->child_waiters);
    mutex_unlock(&proc_lock);
    /* host threads in process_wait_exit (the boot thread, a server's)
     * wait for the processes they started, and only for those: waking them
     * at every exit (each forked child's) costs a context switch */
    if (p->host_waits) {
        __atomic_add_fetch(&host_event_seq, 1, __ATOMIC_RELEASE);
        pal_futex(&host_event_seq, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
    }
}

/* A non-PIE program whose fixed range another program started in this
 * instance holds (two `occlum exec` of Debian's python3): it gets an
 * address space of its own (as_move.c). */
static int spawn_elsewhere(struct process *p, struct thread *t, const char *path,
                           char *const argv[], char *const envp[])
{
    struct as_move_stack stack = {NULL, 0};
    struct vm_proc *m;
    uint32_t *go;
    int r = thread_slot_reserve(path);
    if (r == 0 && (r = (int)as_move_load(p, path, argv, envp, t, &stack, &m, &go)) < 0)
        thread_slot_release();
    if (r < 0) {
        process_free_unstarted(p);
        kfree(t);
        return r;
    }
    vm_proc_put(p->vm);
    p->vm = m;
    process_table_add(p);
    as_move_start(go);
    return p->pid;
}

int process_spawn(const char *path, char *const argv[], char *const envp[], const int stdio_fds[3])
{
    struct process *p = process_new(NULL);
    struct thread *t = kcalloc(1, sizeof(*t));
    int r = -ENOMEM;
    if (!p || !t) {
        for (int i = 0; stdio_fds && i < 3; i++)
            if (stdio_fds[i] >= 0) pal_host_close(stdio_fds[i]);
        goto fail;
    }
    p->host_waits = true;
    p->vm = vm_proc_new();
    p->files = fdtable_new_stdio(stdio_fds);
    p->fs = fs_struct_new();
    if (!p->vm || !p->files || !p->fs) goto fail;
    process_set_cmdline(p, argv, envp);
    const char *base = strrchr(path, '/');
    strncpy(p->comm, base ? base + 1 : path, sizeof(p->comm) - 1);

    struct load_result lr;
    t->proc = p;
    t->tid = p->pid;
    r = loader_load(p, path, argv, envp, &lr);
    if (r == -EEXIST) return spawn_elsewhere(p, t, path, argv, envp);
    if (r < 0) goto fail;
    t->start.rip = lr.entry;
    t->start.rsp = lr.rsp;
    process_table_add(p);
    r = thread_start(t);
    if (r < 0) {
        kfree(t);
        p->exit_status = SIGKILL;
        process_finish(p);
        return r;
    }
    return p->pid;
fail:
    if (p) process_free_unstarted(p);
    kfree(t);
    return r;
}

int process_wait_exit(int pid)
{
    struct process *p = process_find(pid);
    if (!p) return -ECHILD;
    for (;;) {
        uint32_t seq = __atomic_load_n(&host_event_seq, __ATOMIC_ACQUIRE);
        signal_forward_host_pending();
        if (__atomic_load_n(&p->exit_futex, __ATOMIC_ACQUIRE)) break;
        ktimer_wait(&host_event_seq, seq); /* the boot thread fires the LibOS timers */
    }
    return p->exit_status;
}

void process_release(int pid)
{
    mutex_lock(&proc_lock);
    for (struct process *p = procs; p; p = p->next) {
        if (p->pid == pid && p->zombie && p->host_waits) {
            reap_locked(p);
            break;
        }
    }
    mutex_unlock(&proc_lock);
}

struct group_scan {
    int pgid, n;
    int pids[256];
};

static int group_collect(struct process *p, void *arg)
{
    struct group_scan *g = arg;
    if (p->pid > 0 && !p->zombie && (g->pgid < 0 || p->pgid == g->pgid) && g->n < 256)
        g->pids[g->n++] = p->pid;
    return 0;
}

/* Send sig to the live processes of group pgid (all when pgid < 0);
 * returns how many there were. */
static int signal_group(int pgid, int sig)
{
    struct group_scan g = {.pgid = pgid, .n = 0};
    process_for_each(group_collect, &g);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = SI_USER;
    for (int i = 0; i < g.n; i++) {
        struct process *p = process_find(g.pids[i]);
        if (p) signal_send_process(p, sig, &si);
    }
    return g.n;
}

void process_signal_group_of(int pid, int sig)
{
    struct process *p = process_find(pid);
    if (p) signal_group(p->pgid, sig);
}

void process_kill_all(void)
{
    while (signal_group(-1, SIGKILL) > 0) {
        struct timespec ts = {0, 5000000};
        pal_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    }
}

_Noreturn void thread_exit_current(void)
{
    struct thread *t = current_thread();
    robust_list_release(t); /* first, as Linux's mm_release */
    /* As Linux's mm_release: only when someone else can see the memory
     * (another thread, or a process sharing it) is the word cleared and
     * woken; the last thread of a process spares the host call. */
    struct process *p = t->proc;
    /* (a vfork child that gave its parent's memory back has no vm: as before) */
    bool seen = !p->vm || __atomic_load_n(&p->nthreads, __ATOMIC_RELAXED) > 1 ||
                __atomic_load_n(&p->vm->users, __ATOMIC_RELAXED) > 1;
    if (t->clear_child_tid && seen) {
        uint32_t *addr = (uint32_t *)t->clear_child_tid;
        if (user_ok(addr, sizeof(*addr), true) && uaccess_store32(addr, 0) == 0)
            pal_futex(addr, FUTEX_WAKE, 1, NULL, NULL, 0);
    }
    siglongjmp(t->exit_jmp, 1);
}

long vfork_child_exit(int status);

void thread_check_exit(void)
{
    struct thread *t = current_thread();
    if (!t->must_exit) return;
    if (t->vfork) { /* a vfork child was killed: its parent resumes */
        ucontext_t *uc = t->uc;
        uc->uc_mcontext.gregs[REG_RAX] = vfork_child_exit(t->proc->exit_status);
        return;
    }
    thread_exit_current();
}

void process_kill_other_threads(struct process *p)
{
    struct thread *self = current_thread();
    for (;;) {
        if (self->must_exit) thread_exit_current(); /* another thread is ending us too */
        bool others = false;
        mutex_lock(&proc_lock);
        vfork_orphan_lent_locked(p); /* they end with their children */
        for (struct thread *t = p->threads; t; t = t->next_in_proc) {
            if (t == self) continue;
            others = true;
            t->must_exit = true;
            thread_wake(t); /* what its interruptible host waits check */
            if (t->tcb.host_tid) pal_thread_interrupt(&t->tcb);
        }
        mutex_unlock(&proc_lock);
        if (!others) return;
        /* A thread may have been about to block when the interrupt came:
         * interrupt again until every one has gone. */
        struct timespec ts = {0, 1000000};
        pal_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    }
}

long process_exit_current(int status)
{
    struct thread *t = current_thread();
    if (t->vfork) return vfork_child_exit(status);
    struct process *p = t->proc;
    mutex_lock(&proc_lock);
    if (!p->exiting) {
        p->exiting = true;
        p->exit_status = status;
    }
    mutex_unlock(&proc_lock);
    process_kill_other_threads(p);
    thread_exit_current();
}
