/*
 * trap: Syscall User Dispatch and the host signal handlers of the sim PAL.
 *
 * Handlers are installed with the raw rt_sigaction so that their restorer
 * is pal_sud_restorer, the one piece of code whose system calls are never
 * intercepted (the host libc's restorer would be, and sigreturn would
 * loop into SIGSYS forever).
 */
#include "pal/pal.h"
#include "pal/sim/trap.h"

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#endif

extern void pal_trap_entry(int, siginfo_t *, void *);
extern void pal_sud_restorer(void);
extern char pal_trap_entry_end[];
extern char __start_occlum_sud_allowed[], __stop_occlum_sud_allowed[];

/* The kernel's struct sigaction, which the raw syscall takes. */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static const int trapped_signals[] = {
    SIGSYS, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, PAL_INTERRUPT_SIGNAL,
    /* sent to `occlum run` by the user (Ctrl-C, kill): forwarded to the application */
    SIGINT, SIGTERM, SIGHUP, SIGQUIT};

int pal_trap_install(void)
{
    struct kernel_sigaction ksa = {
        .handler = (void *)pal_trap_entry,
        .flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER | SA_NODEFER,
        .restorer = pal_sud_restorer,
        .mask = 0,
    };
    for (size_t i = 0; i < sizeof(trapped_signals) / sizeof(trapped_signals[0]); i++) {
        /* The interrupt is a real-time signal: the host queues every one
         * sent, and delivers all that are pending at once, each frame on
         * top of the last before any handler runs. Blocked in its own
         * handler, they come one after the other instead, and a burst of
         * them cannot overflow the alternate stack. */
        ksa.mask =
            trapped_signals[i] == PAL_INTERRUPT_SIGNAL ? 1ULL << (PAL_INTERRUPT_SIGNAL - 1) : 0;
        if (syscall(SYS_rt_sigaction, trapped_signals[i], &ksa, NULL, 8) < 0) return -errno;
    }
    return 0;
}

/* What a pooled host thread keeps from one LibOS thread to the next: its
 * tid, its process's pid and its alternate stack do not change, so asking
 * or setting them again costs host calls on every spawn for nothing. A
 * fork's child forgets them (pal_trap_forked_child). */
static __thread int host_tid;
static __thread const void *host_altstack;
static int host_pid;

void pal_trap_forked_child(void)
{
    host_tid = host_pid = 0;
    host_altstack = NULL;
}

int pal_thread_trap_init(struct pal_tcb *tcb, void *altstack, size_t altstack_size)
{
    uint64_t fs;
    __asm__ volatile("rdfsbase %0" : "=r"(fs));
    tcb->libos_fsbase = fs;
    tcb->selector = 0;
    tcb->interrupt_sent = 0;
    if (!host_tid) host_tid = (int)syscall(SYS_gettid);
    if (!host_pid) host_pid = getpid();
    tcb->host_tid = host_tid;
    tcb->host_pid = host_pid;
    __asm__ volatile("wrgsbase %0" ::"r"(tcb) : "memory");

    if (host_altstack != altstack) {
        stack_t ss = {.ss_sp = altstack, .ss_size = altstack_size, .ss_flags = 0};
        if (sigaltstack(&ss, NULL) < 0) return -errno;
        host_altstack = altstack;
    }
    /* A thread that ended inside the interrupt's handler (siglongjmp to
     * its exit) left the interrupt blocked in this host thread. */
    uint64_t intr = 1ULL << (PAL_INTERRUPT_SIGNAL - 1);
    if (syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &intr, NULL, 8) < 0) return -errno;

    unsigned long start = (unsigned long)__start_occlum_sud_allowed;
    unsigned long len = (unsigned long)(__stop_occlum_sud_allowed - __start_occlum_sud_allowed);
    if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, start, len, &tcb->selector) < 0)
        return -errno;
    return 0;
}

void pal_thread_trap_fini(bool keep_altstack)
{
    struct pal_tcb *tcb;
    __asm__ volatile("rdgsbase %0" : "=r"(tcb));
    if (tcb && tcb->retry_timer) {
        syscall(SYS_timer_delete, tcb->retry_timer - 1);
        tcb->retry_timer = 0;
    }
    prctl(PR_SET_SYSCALL_USER_DISPATCH, 0 /* PR_SYS_DISPATCH_OFF */, 0, 0, 0);
    if (!keep_altstack) {
        stack_t ss = {.ss_flags = SS_DISABLE};
        sigaltstack(&ss, NULL);
        host_altstack = NULL;
    }
    __asm__ volatile("wrgsbase %0" ::"r"(0UL) : "memory");
}

bool pal_trap_from_app(const void *uc_, const struct pal_trap_frame *frame)
{
    const ucontext_t *uc = uc_;
    if (!frame || frame->selector != 1) return false;
    uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    if ((rip >= (uint64_t)pal_trap_entry && rip < (uint64_t)pal_trap_entry_end) ||
        (rip >= (uint64_t)__start_occlum_sud_allowed && rip < (uint64_t)__stop_occlum_sud_allowed))
        return false;
    return true;
}

struct fault_fixup {
    uint64_t insn, resume;
};
extern const struct fault_fixup pal_fault_fixups[];
extern const uint64_t pal_nfault_fixups;

uint64_t pal_fault_fixup(uint64_t rip)
{
    for (uint64_t i = 0; i < pal_nfault_fixups; i++)
        if (pal_fault_fixups[i].insn == rip) return pal_fault_fixups[i].resume;
    return 0;
}

_Static_assert(offsetof(struct pal_tcb, interrupt_sent) == 40, "trap_entry.S uses offset 40");

int pal_thread_interrupt(struct pal_tcb *tcb)
{
    /* Cleared (a full barrier) by trap_entry.S when the handler starts,
     * before it looks at the LibOS's state: whatever the caller changed
     * before this exchange, that handler or the next sees it. */
    if (__atomic_exchange_n(&tcb->interrupt_sent, 1, __ATOMIC_SEQ_CST)) return 0;
    if (syscall(SYS_tgkill, tcb->host_pid, tcb->host_tid, PAL_INTERRUPT_SIGNAL) < 0) {
        int e = errno;
        __atomic_store_n(&tcb->interrupt_sent, 0, __ATOMIC_SEQ_CST);
        return -e;
    }
    return 0;
}

void pal_thread_interrupt_soon(void)
{
    struct pal_tcb *tcb;
    __asm__ volatile("rdgsbase %0" : "=r"(tcb));
    if (!tcb) return;
    if (!tcb->retry_timer) {
        struct sigevent sev = {.sigev_notify = SIGEV_THREAD_ID,
                               .sigev_signo = PAL_INTERRUPT_SIGNAL};
        sev._sigev_un._tid = tcb->host_tid;
        int id; /* the kernel's timer_t */
        if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) < 0) return;
        tcb->retry_timer = id + 1;
    }
    struct itimerspec soon = {.it_value = {.tv_nsec = 50000}};
    syscall(SYS_timer_settime, tcb->retry_timer - 1, 0, &soon, NULL);
}

/* interruptible.S */
long pal_syscall_interruptible(const uint32_t *cancel, long nr, long a1, long a2, long a3, long a4,
                               long a5, long a6);
extern char pal_interruptible_check[], pal_interruptible_done[], pal_interruptible_cancel[];

void pal_interrupt_fixup(void *uc_)
{
    ucontext_t *uc = uc_;
    uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    /* Past the check, not yet in the host: the interrupt would be lost
     * (with the handlers' flags, a `syscall` already entered returns
     * EINTR instead, with rip at pal_interruptible_done). */
    if (rip >= (uint64_t)pal_interruptible_check && rip < (uint64_t)pal_interruptible_done)
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)pal_interruptible_cancel;
}

long pal_futex_interruptible(const uint32_t *cancel, uint32_t *uaddr, int op, uint32_t val,
                             const struct timespec *timeout, uint32_t *uaddr2, uint32_t val3)
{
    return pal_syscall_interruptible(cancel, SYS_futex, (long)uaddr, op, val, (long)timeout,
                                     (long)uaddr2, val3);
}

int pal_nanosleep_interruptible(const uint32_t *cancel, clockid_t clk, int flags,
                                const struct timespec *req, struct timespec *rem)
{
    return (int)pal_syscall_interruptible(cancel, SYS_clock_nanosleep, clk, flags, (long)req,
                                          (long)rem, 0, 0);
}
