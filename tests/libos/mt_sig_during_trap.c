/* mt_sig_during_trap: signals sent without pause to a thread that makes
 * system calls without end, its handler on an alternate stack
 * (SA_ONSTACK, as Go's runtime installs its SIGURG preemption handler).
 *
 * The system call site here is `mov %reg, %rax; syscall`, which the
 * LibOS's fast path does not rewrite: every call takes the trap path. A
 * signal that reached the thread in the first or last instructions of
 * that path (interception still on, the application's registers already
 * saved) once ran the handler on the trap's own context: the handler's
 * rt_sigreturn then wrote over the live frame of the trap, and the thread
 * went on with garbage registers (Go programs: "system call number -9",
 * "fatal: morestack on g0"). Here every call must return the right value
 * with the callee-saved registers intact, and the handler must run on
 * its alternate stack every time. Signals go one at a time, each as soon
 * as the last was handled. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include "mt_util.h"

#define CALLS 20000
#define ALT_SIZE (64 * 1024)

static char *alt;
static atomic_long handled, off_altstack;
static atomic_int ready, done;
static pid_t pid;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    char here;
    if (sig != SIGUSR1 || &here < alt || &here >= alt + ALT_SIZE)
        atomic_fetch_add(&off_altstack, 1);
    atomic_fetch_add(&handled, 1);
}

/* getpid through a site the LibOS leaves in place; r12-r15 hold known
 * values across it, and come back as they went in. */
static long getpid_checked(uint64_t seed, int *regs_ok)
{
    long ret;
    uint64_t v[8] = {seed, ~seed, seed * 3, seed ^ 0x5a5a5a5a5a5a5a5aULL};
    __asm__ volatile("mov 0(%[v]), %%r12\n\t"
                     "mov 8(%[v]), %%r13\n\t"
                     "mov 16(%[v]), %%r14\n\t"
                     "mov 24(%[v]), %%r15\n\t"
                     "mov %[nr], %%rax\n\t"
                     "syscall\n\t"
                     "mov %%r12, 32(%[v])\n\t"
                     "mov %%r13, 40(%[v])\n\t"
                     "mov %%r14, 48(%[v])\n\t"
                     "mov %%r15, 56(%[v])"
                     : "=&a"(ret)
                     : [nr] "r"((long)SYS_getpid), [v] "r"(v)
                     : "rcx", "r11", "r12", "r13", "r14", "r15", "memory");
    *regs_ok = v[4] == v[0] && v[5] == v[1] && v[6] == v[2] && v[7] == v[3];
    return ret;
}

static void *caller(void *arg)
{
    (void)arg;
    stack_t ss = {.ss_sp = alt, .ss_size = ALT_SIZE, .ss_flags = 0};
    CHECK_EQ(sigaltstack(&ss, NULL), 0);
    atomic_store(&ready, 1);
    long bad = 0, bad_regs = 0;
    /* at least one signal handled, however the threads are scheduled */
    for (long i = 0; i < CALLS || atomic_load(&handled) == 0; i++) {
        int ok;
        if (getpid_checked((uint64_t)i * 0x9e3779b97f4a7c15ULL, &ok) != pid) bad++;
        if (!ok) bad_regs++;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(bad_regs, 0);
    atomic_store(&done, 1);
    return NULL;
}

int main(void)
{
    pid = getpid();
    alt = malloc(ALT_SIZE);
    CHECK(alt != NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, caller, NULL), 0);
    while (!atomic_load(&ready))
        sched_yield();
    long sent = 0;
    while (!atomic_load(&done)) {
        long before = atomic_load(&handled);
        int r = pthread_kill(t, SIGUSR1);
        CHECK(r == 0 || r == ESRCH);
        sent++;
        /* One in flight at a time: a flood only starves the caller (it
         * took over a minute on a 2-core VM); each signal still lands at
         * whatever point of its next call the caller has reached. */
        for (long spin = 0;
             spin < 1000000 && atomic_load(&handled) == before && !atomic_load(&done); spin++)
            ;
    }
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(sent > 0);
    CHECK(atomic_load(&handled) > 0);
    CHECK_EQ(atomic_load(&off_altstack), 0);
    return 0;
}
