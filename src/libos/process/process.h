/*
 * process: the LibOS's process and thread objects.
 *
 * A process is a LibOS object (Occlum's SIP model): all processes share the
 * host address space and the user region; each owns its VM areas, fd table,
 * fs context (cwd, umask), pid and exit status. Every application thread is
 * one host thread; `current` is found through the %gs base, which x86-64
 * Linux applications never use.
 */
#ifndef LIBOS_PROCESS_H
#define LIBOS_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/types.h>

#include "pal/pal.h"
#include "process/cred.h"
#include "process/waitq.h"
#include "signal/sigpending.h"
#include "util/lock.h"

struct fdtable;
struct fs_ids;
struct fs_struct;
struct vm_proc;
struct vfork_frame;

struct process {
    int pid;
    int ppid;
    int pgid, sid;
    struct cred cred; /* process/cred.c; changed under sig_lock */
    struct fdtable *files;
    struct fs_struct *fs;
    struct vm_proc *vm;  /* this process's areas of the shared user region */
    char exe_path[4096]; /* absolute LibOS path of the running image */
    char *cmdline;       /* argv joined with NULs, for /proc/[pid]/cmdline */
    size_t cmdline_len;
    char *environ; /* envp at the last execve, joined likewise: /proc/[pid]/environ */
    size_t environ_len;
    /* threads and exit */
    struct thread *threads; /* live threads, linked by next_in_proc */
    int nthreads;
    /* Threads suspended in vfork: each runs its child meanwhile (and is
     * in the child's threads list), and comes back unless this process
     * dies or execs first (process/clone.c). */
    struct vfork_frame *lent;
    bool exiting;               /* exit_group or a fatal signal: threads are ending */
    bool did_exec;              /* setpgid by the parent gives EACCES afterwards */
    bool zombie;                /* every thread is gone; waiting to be reaped */
    bool host_waits;            /* process_spawn's: a host thread reaps it */
    bool stopped;               /* job control: a stop signal until SIGCONT */
    int stop_sig;               /* the signal that stopped it */
    int wait_report;            /* REPORT_*: a stop or continue wait() has not told */
    int exit_status;            /* wait(2) encoding */
    uint32_t exit_futex;        /* becomes 1 when the process has exited */
    uint32_t child_event;       /* bumped (and futex-woken) when a child changes state */
    struct waitq child_waiters; /* threads in wait4/waitid, under proc_lock */
    int exit_signal;            /* sent to the parent at exit (SIGCHLD, or 0) */
    char comm[16];              /* prctl(PR_SET_NAME), /proc/[pid]/comm */
    uint64_t peak_mapped;       /* the address space's peak, kept at exit (ru_maxrss) */
    uint64_t children_peak;     /* the largest peak of reaped children */
    uint64_t cpu_ns_exited;     /* CPU time of this process's threads that have ended */
    uint64_t cpu_ns_children;   /* CPU time of reaped children (RUSAGE_CHILDREN, times) */
    struct {
        uint64_t cur, max;
    } rlimits[16];
    /* signals (signal/signal.c), under sig_lock */
    struct mutex sig_lock;
    struct {
        uint64_t handler, flags, restorer, mask;
    } sigactions[65];
    struct sigpending shared;   /* sent to the process */
    struct waitq signalfd_wait; /* signalfd readers and pollers (signal/signalfd.c) */
    /* arch_prctl(ARCH_REQ_XCOMP_PERM): dynamic XSAVE features (AMX tile
     * data) granted to this process, for the host and for guests; cleared
     * by execve as Linux does */
    uint64_t xcomp_perm, xcomp_guest_perm;
    struct itimer_state *itimer; /* ITIMER_REAL / alarm, or NULL */
    struct ptimer *ptimers;      /* timer_create's (time/posix_timer.c) */
    int dumpable;                /* PR_GET_DUMPABLE: 1, or 0 after an id change (cred.c) */
    int nice;                    /* setpriority, sched_setattr (process/sched.c) */
    unsigned personality;        /* personality(2) */
    struct sem_undo *sem_undo;   /* SysV SEM_UNDO records, applied at exit (ipc/sem.c) */
    struct pidref *pidref;       /* what its pidfds hold, until reaped (process/pidfd.c) */
    struct process *next;        /* pid table list */
};

#define VM_CACHE_ENTRIES 8 /* struct thread's vm_cache */

struct thread {
    struct pal_tcb tcb; /* first: the PAL's trap entry finds it through %gs */
    int tid;
    struct process *proc;
    uint64_t clear_child_tid;
    uint64_t set_child_tid; /* fork's CLONE_CHILD_SETTID, written as it starts */
    uint64_t robust_list;
    uint64_t sigmask;
    struct {
        uint64_t sp, size;
    } user_altstack; /* the application's sigaltstack, recorded */
    void *altstack;  /* the host thread's, lent for this thread's life */
    size_t altstack_size;
    uint64_t cpu_base;            /* the host thread's CPU clock when this thread started */
    sigjmp_buf exit_jmp;          /* where the host thread goes when the app thread ends */
    struct pal_trap_frame *frame; /* the trap being handled, for arch_prctl */
    void *uc;                     /* its ucontext_t: the application's registers */
    struct pal_user_regs start;   /* the application context to start with */
    struct thread *next_in_proc;
    struct vfork_frame *vfork; /* set while this thread runs a vfork child */
    uint64_t rw_seq;           /* odd while it runs application code (entry/rewrite.h) */
    uint64_t rw_resume;        /* where it last went back to application code */
    bool must_exit;            /* another thread ended the process or exec'd */
    bool orphan;               /* its process died while it ran a vfork child: in no process */
    uint32_t wake;             /* futex word of thread_sleep (process/waitq.h) */
    /* What a blocking call queues the thread with on one object's wait
     * queue: here, in shared memory, not on its stack, because a thread of
     * another host process (after a fork) walks the queue to wake it. */
    struct waiter sleep_waiter;
    /* The last areas vm_check found whole for this thread (vm/vm.c): valid
     * while its address space's generation has not moved. A system call
     * checks its buffers and, on the way out, the user stack; a server's
     * loop uses a few more (its event array, request and reply buffers:
     * with two entries, redis-server missed on most calls, and a miss
     * walks every area). */
    struct vm_cache_entry {
        const void *vm, *as;
        uint32_t gen;
        int prot;
        uint64_t start, end;
    } vm_cache[VM_CACHE_ENTRIES];
    unsigned vm_cache_next; /* the entry a miss refills */
    /* Past its last look for signals on the way out of a system call
     * (signal_deliver, the leaf calls): an interrupt that arrives now is
     * too late for that look, so the trap handler has it sent again. */
    bool leaving;
    uint32_t calls;    /* system calls it made on the full and trap paths (rewrite.c's heuristic) */
    bool in_futex;     /* thread_sleep is in (or entering) its futex wait */
    bool in_host_wait; /* sleeping in a host poll: thread_wake writes wake_efd */
    int wake_efd;      /* host eventfd + 1, or 0 before first use */
    struct sigpending pending; /* sent to this thread */
    uint64_t real_blocked;     /* the mask before rt_sigtimedwait unblocked its set */
    bool in_sigwait;
    uint64_t saved_sigmask; /* rt_sigsuspend: the mask to restore after the handler */
    bool has_saved_sigmask;
    /* access(2): the real ids stand for the fs ids during its path walk
     * (fs/permission.c), as Linux's access_override_creds */
    const struct fs_ids *fs_ids_override;
};

/* The thread running now (valid in LibOS code on application threads). */
static inline struct thread *current_thread(void)
{
    struct thread *t;
    __asm__ volatile("rdgsbase %0" : "=r"(t));
    return t;
}

static inline struct process *current_process(void)
{
    return current_thread()->proc;
}

/* What must happen before t runs application code again: a signal it can
 * take, a stop, its end. Only reads (the leaf calls use it). */
static inline bool thread_has_signal_work(const struct thread *t)
{
    const struct process *p = t->proc;
    uint64_t pend = __atomic_load_n(&t->pending.set, __ATOMIC_RELAXED) |
                    __atomic_load_n(&p->shared.set, __ATOMIC_RELAXED);
    return (pend & ~t->sigmask) || __atomic_load_n(&t->must_exit, __ATOMIC_RELAXED) ||
           __atomic_load_n(&p->stopped, __ATOMIC_ACQUIRE);
}

struct process *process_find(int pid);
/* The process a thread id (or a process id) belongs to, or NULL: the
 * calls that take "a thread id or 0" (sched_getaffinity, sched_*). */
struct process *process_of_tid(int tid);

/*
 * Create a first process (no parent, its own session) running `path` (a
 * LibOS path) with argv and envp (host memory, NULL-terminated), its fds
 * 0, 1, 2 on the host fds stdio_fds (NULL: the host's own 0, 1, 2; the
 * LibOS owns the fds it is given). Returns the pid, or a negative errno
 * (-ENOENT, -EACCES, -ENOEXEC, -ENOMEM). A host thread must collect it
 * with process_wait_exit.
 */
int process_spawn(const char *path, char *const argv[], char *const envp[], const int stdio_fds[3]);

/* Block the calling host thread until process `pid` (from process_spawn)
 * exits; returns its wait status. process_release(pid) then reaps it. */
int process_wait_exit(int pid);
void process_release(int pid);

/* Send sig to every process of pid's process group (a host's Ctrl-C). */
void process_signal_group_of(int pid, int sig);

/* SIGKILL every process and wait until all have exited. */
void process_kill_all(void);

/* End the calling application thread's process with wait status `status`
 * (exit_group, or a fatal signal). For a vfork child running on its
 * parent's thread, the parent resumes instead and this returns the value
 * for the parent's RAX. */
long process_exit_current(int status);
/* End only the calling thread (exit(2) of one thread among several). */
_Noreturn void thread_exit_current(void);

/* Allocate a pid/tid. */
int pid_alloc(void);
/* A new process object with one reference in the pid table. */
struct process *process_new(struct process *parent);
void process_table_add(struct process *p);
/* Drop a process that never ran (not in the table): its fd table, fs
 * context and memory references, then its pid. */
void process_free_unstarted(struct process *p);
/* In a fork's child host process, before it starts a thread: forget the
 * parent host process's private state (its parked host threads). */
void process_host_forked(void);
/* clone of a new process with a thread of its own (CLONE_VM without
 * CLONE_VFORK, and fork): the process, not yet in the table, with its fd
 * table and fs context (copies, or shared with CLONE_FILES / CLONE_FS) and
 * no memory yet, and in *tp its first thread, starting with the caller's
 * registers (RAX = 0, the new stack and TLS, CLONE_CHILD_CLEARTID). NULL
 * when out of memory. */
struct process *clone_process_new(unsigned long flags, int exit_signal, unsigned long newsp,
                                  int *ctid, unsigned long tls, struct thread **tp);
/* fork(2) and clone(2) without CLONE_VM (process/fork.c); upidfd: where
 * CLONE_PIDFD's fd goes. */
long process_fork(unsigned long flags, int exit_signal, unsigned long newsp, int *ptid, int *ctid,
                  unsigned long tls, int *upidfd);
/* A thread's start registers from an application context (ucontext_t). */
void thread_regs_from_uc(struct pal_user_regs *r, const void *uc);
/* Start a host thread for t (t->start filled in): -EAGAIN at
 * resource_limits.max_num_of_threads. */
int thread_start(struct thread *t);
/* The same in two steps, for callers that must know before an
 * irreversible step (execve of a vfork child) that the thread can start. */
int thread_slot_reserve(const char *who);
int thread_start_reserved(struct thread *t);
/* In a fork's new host process, on the copy of the forking host thread:
 * that host thread becomes t's (its slot reserved), and stays in the new
 * host process's pool afterwards; altstack is the forking thread's trap
 * stack (this host's copy of it), which t's worker takes over. */
_Noreturn void thread_run_forked(struct thread *t, void *altstack, size_t altstack_size);
void thread_slot_release(void);
/* The calling thread t leaves its process without ending it (the process
 * goes on in another host process: as_move.c); it ends at its next exit
 * point without touching the process again. */
void thread_leave_process(struct thread *t);
/* process/as_move.c: load path for p (whose current image is released or
 * not in the way) in a new host process, while the caller waits: 0 with
 * the new address space's *m and the handshake word *go, or the loader's
 * error. The new host process then waits until as_move_start(go) and runs
 * nt (its slot reserved, proc/tid/sigmask filled in; start is set there)
 * on the trap stack given (NULL: a new one), its copy of the caller's. */
struct as_move_stack {
    void *altstack;
    size_t size;
};
long as_move_load(struct process *p, const char *path, char *const argv[], char *const envp[],
                  struct thread *nt, const struct as_move_stack *stack, struct vm_proc **m,
                  uint32_t **go);
void as_move_start(uint32_t *go);
/* Check, after a system call, whether the thread must end now. */
void thread_check_exit(void);
/* The last thread of p is gone (or a vfork child ended): make p a zombie. */
void process_finish(struct process *p);
void process_set_cmdline(struct process *p, char *const argv[], char *const envp[]);
/* Remove a reaped zombie from the table and recycle it. */
void process_reap(struct process *p);
extern struct mutex proc_lock; /* protects the table, threads lists and parent links */
/* Ask every other thread of p to end and wait until they have. */
void process_kill_other_threads(struct process *p);
/* p is dying (exiting set) but its only threads were lent to vfork
 * children: finish it from a host thread of its own, since the caller
 * holds proc_lock and the lent threads are busy with the children. */
void process_finish_async(struct process *p);

/* vfork (process/clone.c), proc_lock held: p dies or execs, so the
 * threads it lent will not come back (returns whether there were any);
 * and whether a thread p lent would take signal `bit` (not blocked). */
bool vfork_orphan_lent_locked(struct process *p);
bool vfork_lent_unblocked_locked(const struct process *p, uint64_t bit);

enum child_select { SEL_PID, SEL_PGID, SEL_ANY };

#define REPORT_STOPPED 1
#define REPORT_CONTINUED 2

/* p stopped (CLD_STOPPED) or continued (CLD_CONTINUED): record it for the
 * parent's wait, send it SIGCHLD unless its SIGCHLD action has
 * SA_NOCLDSTOP, and wake its waiters (proc_lock held). */
void process_report_locked(struct process *p, int code, int sig);
/* What a wait looks for (reports), and what it found (st). */
#define WANT_EXITED 1
#define WANT_STOPPED 2
#define WANT_CONTINUED 4
#define CONSUME_REPORT 8 /* a stop or continue is told once (not WNOWAIT) */
enum child_kind { CHILD_EXITED, CHILD_STOPPED, CHILD_CONTINUED };
struct child_state {
    enum child_kind kind;
    int pid;
    int status; /* wait(2) encoding */
};

/* The first child of self matching (sel, id) with something `reports`
 * asks for (a zombie, an untold stop or continue), or NULL; st says what.
 * have_child tells whether any child matches; seen is self->child_event,
 * read under the same lock, to sleep on without missing a change. */
struct process *process_scan_children(struct process *self, enum child_select sel, int id,
                                      int reports, bool *have_child, uint32_t *seen,
                                      struct child_state *st);

/* CPU time of p (ended threads plus the live ones), in ns. */
uint64_t process_cpu_ns(struct process *p);
uint64_t process_cpu_ns_locked(struct process *p); /* proc_lock held */

/* tgkill/tkill (tgid -1): send sig to the thread tid. */
long thread_signal_tid(int tgid, int tid, int sig, const siginfo_t *info);

/* Iterate over all processes (under the table lock): fn returns non-zero to stop. */
int process_for_each(int (*fn)(struct process *p, void *arg), void *arg);

#endif
