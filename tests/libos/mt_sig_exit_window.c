/* mt_sig_exit_window: a signal sent to a thread while it is on its way
 * out of a system call is delivered even when the thread then runs only
 * user code. The target makes system calls in a tight loop (a leaf call
 * and a full-path one, in the LibOS's terms), so that many signals
 * arrive during a call, after the point where the call looks for them;
 * after each call it spins without system calls until the handler has
 * run for every signal sent so far, for at most ~10 s of spinning. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include "mt_util.h"

#define SIGNALS 3000

static atomic_int sent, handled, stop;
static volatile pid_t target_tid;

static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&handled, 1);
}

static uint64_t cycles(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void *target(void *arg)
{
    (void)arg;
    target_tid = (pid_t)syscall(SYS_gettid);
    for (unsigned long i = 0; !atomic_load(&stop); i++) {
        if (i % 2)
            syscall(SYS_getppid);
        else
            syscall(SYS_umask, 022);
        /* Only user code from here until every signal sent is handled. */
        uint64_t start = cycles();
        while (atomic_load(&handled) < atomic_load(&sent)) {
            if (cycles() - start > 30000000000ULL) { /* ~10 s at 3 GHz */
                fprintf(stderr, "signal %d of %d not delivered to a thread in user code\n",
                        atomic_load(&handled) + 1, atomic_load(&sent));
                _exit(1);
            }
        }
    }
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, target, NULL), 0);
    while (!target_tid)
        mt_sleep_ms(1);
    for (int i = 0; i < SIGNALS; i++) {
        atomic_fetch_add(&sent, 1);
        CHECK_EQ(syscall(SYS_tgkill, getpid(), target_tid, SIGUSR1), 0);
        while (atomic_load(&handled) < i + 1)
            sched_yield();
        /* let the target run a few calls before the next one */
        for (volatile int spin = (i * 7919) % 20000; spin > 0; spin--)
            ;
    }
    atomic_store(&stop, 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(atomic_load(&handled), SIGNALS);
    puts("mt_sig_exit_window: ok");
    return 0;
}
