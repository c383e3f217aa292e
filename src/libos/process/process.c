/*
 * process: the pid table, creating a process (load an image, start its
 * first thread on a new host thread) and ending one.
 *
 * Spawning is an ELF load plus a host thread, never a host fork: that is
 * what lets many processes share one enclave.
 */
#include "process/process.h"

#include "fs/fs_core.h"
#include "loader/loader.h"
#include "pal/pal.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#include "common/config.h"

#include <errno.h>
#include <sys/resource.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>

#define ALTSTACK_SIZE (256 * 1024) /* LibOS code runs here, inside the trap handler */

extern struct occlum_config libos_config;

static struct process *procs;
static int next_pid = 1;
static struct mutex proc_lock = MUTEX_INIT;

struct process *process_find(int pid)
{
    mutex_lock(&proc_lock);
    struct process *p = procs;
    while (p && p->pid != pid)
        p = p->next;
    mutex_unlock(&proc_lock);
    return p;
}

static void process_init_rlimits(struct process *p, const struct process *parent);

static void set_cmdline(struct process *p, char *const argv[])
{
    size_t len = 0;
    for (size_t i = 0; argv[i]; i++)
        len += strlen(argv[i]) + 1;
    p->cmdline = malloc(len ? len : 1);
    if (!p->cmdline) return;
    size_t off = 0;
    for (size_t i = 0; argv[i]; i++) {
        size_t n = strlen(argv[i]) + 1;
        memcpy(p->cmdline + off, argv[i], n);
        off += n;
    }
    p->cmdline_len = len;
}

static void process_free_resources(struct process *p)
{
    vm_release_all(p);
    if (p->files) fdtable_put(p->files);
    if (p->fs) fs_struct_put(p->fs);
    p->files = NULL;
    p->fs = NULL;
}

/* The last thread of p is gone: p becomes a zombie with its exit status. */
static void process_finish(struct process *p)
{
    process_free_resources(p);
    __atomic_store_n(&p->exit_futex, 1, __ATOMIC_RELEASE);
    pal_futex(&p->exit_futex, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

static void *thread_main(void *arg)
{
    struct thread *t = arg;
    t->altstack = malloc(ALTSTACK_SIZE);
    t->altstack_size = ALTSTACK_SIZE;
    int r = t->altstack ? pal_thread_trap_init(&t->tcb, t->altstack, ALTSTACK_SIZE) : -ENOMEM;
    if (r < 0) {
        log_error("cannot start thread %d: %s", t->tid, strerror(-r));
        t->proc->exit_status = 128 + 9;
    } else if (sigsetjmp(t->exit_jmp, 0) == 0) {
        pal_enter_user(&t->tcb, t->start_rip, t->start_rsp, t->start_fsbase);
    }
    /* Back from process_exit_current, on this host thread's own stack. */
    struct process *p = t->proc;
    pal_thread_trap_fini();
    free(t->altstack);
    free(t);
    mutex_lock(&proc_lock);
    bool last = --p->nthreads == 0;
    mutex_unlock(&proc_lock);
    if (last) process_finish(p);
    return NULL;
}

int process_spawn(struct process *parent, const char *path, char *const argv[], char *const envp[])
{
    struct process *p = calloc(1, sizeof(*p));
    struct thread *t = calloc(1, sizeof(*t));
    int r = -ENOMEM;
    if (!p || !t) goto fail;
    p->vm = calloc(1, sizeof(*p->vm));
    p->files = parent ? fdtable_clone(parent->files) : fdtable_new_stdio();
    p->fs = parent ? fs_struct_clone(parent->fs) : fs_struct_new();
    if (!p->vm || !p->files || !p->fs) goto fail;
    set_cmdline(p, argv);
    process_init_rlimits(p, parent);
    const char *base = strrchr(path, '/');
    strncpy(p->comm, base ? base + 1 : path, sizeof(p->comm) - 1);
    mutex_lock(&proc_lock);
    p->pid = next_pid++;
    mutex_unlock(&proc_lock);
    p->ppid = parent ? parent->pid : 0;
    p->pgid = parent ? parent->pgid : p->pid;
    p->sid = parent ? parent->sid : p->pid;

    struct load_result lr;
    r = loader_load(p, path, argv, envp, &lr);
    if (r < 0) goto fail;
    t->proc = p;
    t->tid = p->pid;
    t->start_rip = lr.entry;
    t->start_rsp = lr.rsp;
    p->nthreads = 1;
    mutex_lock(&proc_lock);
    p->next = procs;
    procs = p;
    mutex_unlock(&proc_lock);
    r = pal_thread_create(thread_main, t, 0);
    if (r < 0) {
        log_error("cannot create a host thread for %s: %s", path, strerror(-r));
        p->exit_status = 128 + 9;
        process_finish(p);
        return r;
    }
    return p->pid;
fail:
    if (p) {
        process_free_resources(p);
        free(p->vm);
        free(p->cmdline);
    }
    free(p);
    free(t);
    return r;
}

int process_wait_exit(int pid)
{
    struct process *p = process_find(pid);
    if (!p) return -ECHILD;
    while (__atomic_load_n(&p->exit_futex, __ATOMIC_ACQUIRE) == 0)
        pal_futex(&p->exit_futex, FUTEX_WAIT, 0, NULL, NULL, 0);
    return p->exit_status;
}

/* Linux defaults, with the memory limits of Occlum.json. */
static void process_init_rlimits(struct process *p, const struct process *parent)
{
    if (parent) {
        memcpy(p->rlimits, parent->rlimits, sizeof(p->rlimits));
        return;
    }
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

_Noreturn void process_exit_current(int status)
{
    struct thread *t = current_thread();
    struct process *p = t->proc;
    if (!__atomic_exchange_n(&p->exited, true, __ATOMIC_ACQ_REL)) p->exit_status = status;
    if (t->clear_child_tid) {
        uint32_t *addr = (uint32_t *)t->clear_child_tid;
        if (user_ok(addr, sizeof(*addr), true)) {
            *addr = 0;
            pal_futex(addr, FUTEX_WAKE, 1, NULL, NULL, 0);
        }
    }
    siglongjmp(t->exit_jmp, 1);
}
