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
#include <sys/types.h>

#include "pal/pal.h"
#include "util/lock.h"

struct fdtable;
struct fs_struct;
struct vm_proc;

struct process {
    int pid;
    int ppid;
    int pgid, sid;
    struct fdtable *files;
    struct fs_struct *fs;
    struct vm_proc *vm;  /* this process's areas of the shared user region */
    char exe_path[4096]; /* absolute LibOS path of the running image */
    char *cmdline;       /* argv joined with NULs, for /proc/[pid]/cmdline */
    size_t cmdline_len;
    /* exit */
    bool exited;
    int exit_status;     /* wait(2) encoding */
    uint32_t exit_futex; /* becomes 1 when the process has exited */
    int nthreads;
    char comm[16]; /* prctl(PR_SET_NAME), /proc/[pid]/comm */
    struct {
        uint64_t cur, max;
    } rlimits[16];
    /* recorded signal state (full signal work: process/signal issue) */
    struct {
        uint64_t handler, flags, restorer, mask;
    } sigactions[65];
    struct process *next; /* pid table list */
};

struct thread {
    struct pal_tcb tcb; /* first: the PAL's trap entry finds it through %gs */
    int tid;
    struct process *proc;
    uint64_t clear_child_tid;
    uint64_t robust_list;
    uint64_t sigmask;
    struct {
        uint64_t sp, size;
    } user_altstack; /* the application's sigaltstack, recorded */
    void *altstack;
    size_t altstack_size;
    sigjmp_buf exit_jmp;          /* where the host thread goes when the app thread ends */
    struct pal_trap_frame *frame; /* the trap being handled, for arch_prctl */
    /* the application context to start with */
    uint64_t start_rip, start_rsp, start_fsbase;
    struct thread *next_in_proc;
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

struct process *process_find(int pid);

/*
 * Create a process running `path` (a LibOS path) with argv and envp (host
 * memory, NULL-terminated), inheriting files and fs from `parent` (or the
 * initial stdio and root when parent is NULL). Returns the pid, or a
 * negative errno (-ENOENT, -EACCES, -ENOEXEC, -ENOMEM).
 */
int process_spawn(struct process *parent, const char *path, char *const argv[], char *const envp[]);

/* Block the calling host thread until process `pid` exits; returns its wait status. */
int process_wait_exit(int pid);

/* End the calling application thread's process with wait status `status`. */
_Noreturn void process_exit_current(int status);

#endif
