/*
 * thread: LibOS threads on host threads, kept in a pool per host process
 * (creating one costs more than a whole LibOS spawn otherwise would):
 * start, run, finish, and resource_limits.max_num_of_threads.
 */
#include "process/process.h"

#include "common/config.h"
#include "entry/rewrite.h"
#include "pal/pal.h"
#include "signal/signal.h"
#include "util/kheap.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#include <errno.h>
#include <linux/futex.h>
#include <string.h>

#define ALTSTACK_SIZE (256 * 1024) /* LibOS code runs here, inside the trap handler */
#define HOST_STACK_SIZE (256 * 1024)

extern struct occlum_config libos_config;
extern struct mutex proc_lock;

static int live_threads; /* under proc_lock */

/*
 * Host threads are kept for reuse (a worker pool): creating one costs more
 * than a whole LibOS spawn otherwise would. A worker runs one application
 * thread at a time; between them it parks, with interception off and no
 * %gs, for up to WORKER_IDLE_SECONDS.
 */
#define WORKER_MAX_IDLE 16
#define WORKER_IDLE_SECONDS 10

struct worker {
    uint32_t state; /* futex word: 0 parked, 1 a job was given */
    struct thread *job;
    void *altstack;
    int wake_efd; /* as thread->wake_efd: host eventfd + 1, or 0 */
    struct worker *next;
};

/* Each host process has its own pool: a worker runs threads of its own
 * host process's address space only. */
static struct mutex pool_lock LIBOS_PRIVATE = MUTEX_INIT;
static struct worker *idle_workers LIBOS_PRIVATE;
static int n_idle_workers LIBOS_PRIVATE;

void process_host_forked(void)
{
    /* The parent's parked workers are not in this host process, and its
     * pool lock may have been held by one of them at the fork. */
    pool_lock = (struct mutex)MUTEX_INIT;
    idle_workers = NULL;
    n_idle_workers = 0;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec cpu;
    if (pal_clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) < 0) return 0;
    return (uint64_t)cpu.tv_sec * 1000000000ULL + (uint64_t)cpu.tv_nsec;
}

/* Under proc_lock: t is no longer one of its process's threads. */
static void thread_unlink_locked(struct thread *t)
{
    struct process *p = t->proc;
    mutex_lock(&p->sig_lock); /* sigaction walks the list under it */
    struct thread **pp = &p->threads;
    while (*pp && *pp != t)
        pp = &(*pp)->next_in_proc;
    if (*pp) *pp = t->next_in_proc;
    p->nthreads--;
    mutex_unlock(&p->sig_lock);
}

/* After the app thread ended: runs on the host thread's own stack. */
static void thread_finish(struct thread *t, uint64_t cpu_base)
{
    struct process *p = t->proc;
    pal_thread_trap_fini(true); /* the worker's altstack, kept for its next thread */
    sigpending_clear(&t->pending);
    mutex_lock(&proc_lock);
    live_threads--;
    if (t->orphan) { /* its process was finished without it (process/clone.c) */
        mutex_unlock(&proc_lock);
        kfree(t);
        return;
    }
    __atomic_add_fetch(&p->cpu_ns_exited, thread_cpu_ns() - cpu_base, __ATOMIC_RELAXED);
    thread_unlink_locked(t);
    /* Threads lent to vfork children come back, unless p is dying (it
     * orphaned them then). */
    bool last = p->nthreads == 0 && !p->lent;
    mutex_unlock(&proc_lock);
    kfree(t);
    if (last) process_finish(p);
}

static void *finish_main(void *arg)
{
    process_finish(arg);
    return NULL;
}

void process_finish_async(struct process *p)
{
    int r = pal_thread_create(finish_main, p, HOST_STACK_SIZE);
    if (r < 0)
        log_error("cannot create a host thread to end process %d (%s): it stays until its vfork "
                  "children are done",
                  p->pid, strerror(-r));
}

static void run_thread(struct worker *w, struct thread *t)
{
    uint64_t cpu_base = thread_cpu_ns();
    t->cpu_base = cpu_base; /* the host thread may have run others before */
    t->altstack = w->altstack;
    t->altstack_size = ALTSTACK_SIZE;
    t->wake_efd = w->wake_efd;
    t->tcb.stack_top = ((uint64_t)t->altstack + ALTSTACK_SIZE) & ~63UL;
    int r = pal_thread_trap_init(&t->tcb, t->altstack, ALTSTACK_SIZE);
    if (r < 0) {
        log_error("cannot start thread %d: %s", t->tid, strerror(-r));
        if (!t->proc->exiting) t->proc->exit_status = SIGKILL;
    } else if (!t->must_exit && sigsetjmp(t->exit_jmp, 0) == 0) {
        /* fork's CLONE_CHILD_SETTID: a write to the child's memory, which
         * only its own host process can make */
        uint32_t *settid = (uint32_t *)t->set_child_tid;
        if (settid && user_ok(settid, sizeof(*settid), true))
            uaccess_store32(settid, (uint32_t)t->tid);
        rewrite_leave(t,
                      &t->start.rip); /* a clone's or fork's child resumes at its parent's site */
        pal_enter_user(&t->tcb, &t->start);
    }
    w->wake_efd = t->wake_efd; /* created during the thread's life, kept */
    thread_finish(t, cpu_base);
}

/* Wait for the next job; NULL when none came in time (or the pool is full). */
static struct thread *park(struct worker *w)
{
    mutex_lock(&pool_lock);
    if (n_idle_workers >= WORKER_MAX_IDLE) {
        mutex_unlock(&pool_lock);
        return NULL;
    }
    __atomic_store_n(&w->state, 0, __ATOMIC_RELAXED);
    w->job = NULL;
    w->next = idle_workers;
    idle_workers = w;
    n_idle_workers++;
    mutex_unlock(&pool_lock);
    struct timespec idle = {WORKER_IDLE_SECONDS, 0};
    while (__atomic_load_n(&w->state, __ATOMIC_ACQUIRE) == 0) {
        long r = pal_futex(&w->state, FUTEX_WAIT, 0, &idle, NULL, 0);
        if (r != -ETIMEDOUT) continue;
        mutex_lock(&pool_lock);
        if (__atomic_load_n(&w->state, __ATOMIC_ACQUIRE) == 0) { /* still idle: leave */
            struct worker **pp = &idle_workers;
            while (*pp && *pp != w)
                pp = &(*pp)->next;
            if (*pp) *pp = w->next;
            n_idle_workers--;
            mutex_unlock(&pool_lock);
            return NULL;
        }
        mutex_unlock(&pool_lock);
    }
    return w->job;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (struct thread *t = w->job; t; t = park(w)) {
        run_thread(w, t);
        if (vm_host_unused()) pal_as_exit(); /* its last process is done */
    }
    pal_thread_trap_fini(false); /* no signal may find the altstack unmapped */
    pal_private_stack_free(w->altstack, ALTSTACK_SIZE);
    if (w->wake_efd) pal_host_close(w->wake_efd - 1);
    kfree(w);
    return NULL;
}

int thread_slot_reserve(const char *who)
{
    mutex_lock(&proc_lock);
    if ((uint64_t)live_threads >= libos_config.max_num_of_threads) {
        mutex_unlock(&proc_lock);
        log_warn("resource_limits.max_num_of_threads (%llu) reached: a new thread of %s gets "
                 "EAGAIN; raise it in Occlum.json",
                 (unsigned long long)libos_config.max_num_of_threads, who);
        return -EAGAIN;
    }
    live_threads++;
    mutex_unlock(&proc_lock);
    return 0;
}

/* Undo thread_link for a thread that got no host thread (and its slot). */
static void thread_unlink_failed(struct thread *t)
{
    mutex_lock(&proc_lock);
    thread_unlink_locked(t);
    live_threads--;
    mutex_unlock(&proc_lock);
}

/* t joins its process's threads (its slot is reserved). */
static void thread_link(struct thread *t)
{
    mutex_lock(&proc_lock);
    mutex_lock(&t->proc->sig_lock);
    t->next_in_proc = t->proc->threads;
    t->proc->threads = t;
    t->proc->nthreads++;
    mutex_unlock(&t->proc->sig_lock);
    if (t->proc->exiting) t->must_exit = true; /* killed while it had no thread */
    mutex_unlock(&proc_lock);
}

void thread_leave_process(struct thread *t)
{
    struct process *p = t->proc;
    t->clear_child_tid = 0; /* its memory is not this process's any more */
    mutex_lock(&proc_lock);
    __atomic_add_fetch(&p->cpu_ns_exited, thread_cpu_ns() - t->cpu_base, __ATOMIC_RELAXED);
    thread_unlink_locked(t);
    t->orphan = true; /* thread_finish then only frees it */
    mutex_unlock(&proc_lock);
}

_Noreturn void thread_run_forked(struct thread *t, void *altstack, size_t altstack_size)
{
    thread_link(t);
    struct worker *w = kcalloc(1, sizeof(*w));
    /* the forking thread's trap stack (this host's copy), free once
     * pal_as_forked_run has moved off it: no new one to map */
    if (w && altstack && altstack_size == ALTSTACK_SIZE)
        w->altstack = altstack;
    else if (w)
        w->altstack = pal_private_stack_alloc(ALTSTACK_SIZE);
    if (w && w->altstack) {
        w->job = t;
        pal_as_forked_run(worker_main, w, HOST_STACK_SIZE);
    }
    kfree(w); /* no memory: the child dies as it starts */
    struct process *p = t->proc;
    thread_unlink_failed(t);
    kfree(t);
    p->exit_status = SIGKILL;
    process_finish(p);
    pal_as_exit();
}

int thread_start_reserved(struct thread *t)
{
    thread_link(t);
    mutex_lock(&pool_lock);
    struct worker *w = idle_workers;
    if (w) {
        idle_workers = w->next;
        n_idle_workers--;
    }
    mutex_unlock(&pool_lock);
    if (w) { /* a parked host thread takes it */
        w->job = t;
        __atomic_store_n(&w->state, 1, __ATOMIC_RELEASE);
        pal_futex(&w->state, FUTEX_WAKE, 1, NULL, NULL, 0);
        return 0;
    }
    int r = -ENOMEM;
    w = kcalloc(1, sizeof(*w));
    /* A stack is private memory of the host process, never the shared
     * kernel heap: after a host fork both processes would run on it. */
    if (w) w->altstack = pal_private_stack_alloc(ALTSTACK_SIZE);
    if (w && w->altstack) {
        w->job = t;
        r = pal_thread_create(worker_main, w, HOST_STACK_SIZE);
    }
    if (r < 0 && w) {
        pal_private_stack_free(w->altstack, ALTSTACK_SIZE);
        kfree(w);
    }
    if (r < 0) {
        thread_unlink_failed(t);
        log_warn("cannot create a host thread: %s", strerror(-r));
        return -EAGAIN;
    }
    return 0;
}

void thread_slot_release(void)
{
    mutex_lock(&proc_lock);
    live_threads--;
    mutex_unlock(&proc_lock);
}

int thread_start(struct thread *t)
{
    int r = thread_slot_reserve(t->proc->exe_path);
    return r < 0 ? r : thread_start_reserved(t);
}
