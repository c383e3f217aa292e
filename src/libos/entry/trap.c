/*
 * trap: what the LibOS does with each trap the PAL hands it.
 *
 * A SIGSYS from Syscall User Dispatch is an application system call: its
 * number and arguments are in the interrupted registers, and the result
 * goes back into RAX. A fault signal raised by application code kills the
 * faulting process with that signal (handlers for faults are the signal
 * issue's work); one raised by LibOS code is a LibOS bug and stops the
 * instance with a message rather than corrupting anything.
 */
#include "pal/pal.h"
#include "entry/rewrite.h"
#include "fs/fasync.h"
#include "process/process.h"
#include "signal/signal.h"
#include "syscall/strace.h"
#include "syscall/syscall.h"
#include "util/log.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>

#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2 /* si_code of a SIGSYS from Syscall User Dispatch */
#endif

static uint64_t now_ns(void)
{
    struct timespec ts;
    pal_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* trapped: it came through SIGSYS, not the fast path (for --stats). */
static void handle_syscall(ucontext_t *uc, struct pal_trap_frame *frame, bool trapped)
{
    greg_t *g = uc->uc_mcontext.gregs;
    struct thread *t = current_thread();
    struct pal_trap_frame *outer = t->frame;
    void *outer_uc = t->uc;
    t->frame = frame;
    t->uc = uc;
    t->leaving = false;
    t->calls++; /* the thread's own line: no sharing on the hot path */
    struct syscall_regs r = {g[REG_RAX], g[REG_RDI], g[REG_RSI], g[REG_RDX],
                             g[REG_R10], g[REG_R8],  g[REG_R9]};
    long ret;
    if (__builtin_expect(stats_on, 0)) {
        stats_count(r.nr, trapped);
        uint64_t t0 = now_ns();
        ret = syscall_dispatch(&r);
        stats_time(r.nr, ret, now_ns() - t0);
    } else {
        ret = syscall_dispatch(&r);
    }
    bool norestart = ret == -EINTR_NORESTART;
    if (norestart) ret = -EINTR;
    g[REG_RAX] = ret;
    if (__builtin_expect(fasync_pending, 0)) fasync_flush(); /* SIGIOs the call raised */
    struct process *p = t->proc;
    thread_check_exit();
    /* After a vfork switch (a killed child gave the thread back to its
     * parent) the registers are the parent's: nothing to restart there. */
    bool same = t->proc == p;
    /* nr -1: the result stands (no restart), as for an interrupt */
    signal_deliver(uc, r.nr == SYS_rt_sigreturn || !same || norestart ? -1 : r.nr, ret);
    t->frame = outer;
    t->uc = outer_uc;
}

void libos_fast_syscall(void *uc_, struct pal_trap_frame *frame, const uint64_t *site)
{
    ucontext_t *uc = uc_;
    struct thread *t = current_thread();
    rewrite_enter(t);
    /* read now: after an execve the trampoline is gone */
    uint64_t reported = site[0], cont = site[1];
    handle_syscall(uc, frame, false);
    /* still this call's return address: on into the trampoline, which runs
     * what the patch displaced after the syscall */
    uint64_t *rip = (uint64_t *)&uc->uc_mcontext.gregs[REG_RIP];
    if (*rip == reported) {
        *rip = cont;
        rewrite_leave_trampoline(current_thread());
    } else {
        rewrite_leave(current_thread(), rip);
    }
}

/* Back to application code from a trap (the thread may have changed
 * process: execve, a vfork child's end). */
static void leave(ucontext_t *uc)
{
    rewrite_leave(current_thread(), (uint64_t *)&uc->uc_mcontext.gregs[REG_RIP]);
}

bool libos_user_writable(uint64_t addr, size_t len)
{
    return user_ok((const void *)addr, len, true);
}

/* One line of an internal error's backtrace. */
static void log_frame(int i, uint64_t pc)
{
    extern char __executable_start[], etext[];
    if (pc >= (uint64_t)__executable_start && pc < (uint64_t)etext)
        log_error("  #%d occlum-libos+%#lx", i, pc - (uint64_t)__executable_start);
    else
        log_error("  #%d %#lx (outside occlum-libos: the host's libc?)", i, pc);
}

void libos_trap_handler(int sig, void *info_, void *uc_, struct pal_trap_frame *frame)
{
    siginfo_t *info = info_;
    ucontext_t *uc = uc_;
    bool from_app = pal_trap_from_app(uc, frame);
    if (from_app) rewrite_enter(current_thread());
    if (sig == SIGSYS && info->si_code == SYS_USER_DISPATCH && from_app) {
        uint64_t site = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
        long nr = uc->uc_mcontext.gregs[REG_RAX];
        struct vm_proc *vm = current_process()->vm;
        handle_syscall(uc, frame, true);
        /* the same image still runs (no execve, no vfork switch): make
         * this site take the fast path from now on */
        if (current_process()->vm == vm && !current_thread()->vfork) rewrite_syscall_site(site, nr);
        leave(uc);
        return;
    }
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT) {
        /* Sent to `occlum run` itself (Ctrl-C at its terminal, kill from
         * the host): noted here (this may interrupt LibOS code holding
         * locks), forwarded by the boot thread. */
        signal_note_host(sig);
        if (!from_app) return;
    }
    if (sig == PAL_INTERRUPT_SIGNAL || sig == SIGINT || sig == SIGTERM || sig == SIGHUP ||
        sig == SIGQUIT) {
        /* Another thread wants this one to end: at once when it runs
         * application code; otherwise the interrupted host call returns
         * EINTR (or, about to start, does not: pal_interrupt_fixup) and
         * the end of the system call checks. */
        if (!from_app && sig == PAL_INTERRUPT_SIGNAL) {
            pal_interrupt_fixup(uc);
            /* Too late for the thread's last look on its way out, too
             * early for application code: once more, shortly. */
            struct thread *t = current_thread();
            if (t && t->proc && t->leaving && thread_has_signal_work(t))
                pal_thread_interrupt_soon();
        }
        if (from_app) {
            struct thread *t = current_thread();
            void *outer_uc = t->uc;
            struct pal_trap_frame *outer = t->frame;
            t->uc = uc;
            t->frame = frame;
            thread_check_exit();
            signal_deliver(uc, -1, 0);
            t->uc = outer_uc;
            t->frame = outer;
            leave(uc);
        }
        return;
    }
    uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    if (from_app) {
        struct thread *t = current_thread();
        void *outer_uc = t->uc;
        struct pal_trap_frame *outer = t->frame;
        t->uc = uc;
        t->frame = frame;
        uint64_t at = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
        if (sig == SIGTRAP && rewrite_int3(&at)) { /* a site being rewritten */
            uc->uc_mcontext.gregs[REG_RIP] = (greg_t)at;
            t->uc = outer_uc;
            t->frame = outer;
            leave(uc);
            return;
        }
        /* The app's handler runs, or the process dies of sig (for a vfork
         * child, its parent then resumes). */
        signal_fault(sig, info, uc);
        t->uc = outer_uc;
        t->frame = outer;
        leave(uc);
        return;
    }
    unsigned long resume = 0;
    if (sig == SIGSEGV || sig == SIGBUS) resume = uaccess_fixup(rip);
    if ((sig == SIGSEGV || sig == SIGBUS) && !resume) resume = pal_fault_fixup(rip);
    if (resume) { /* application memory gone under a copy or the way in: not a crash */
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)resume;
        return;
    }
    /* Offsets in the LibOS binary, for `addr2line -e occlum-libos`: the
     * binary is position-independent, so a rip alone changes from run to
     * run. The callers come from the frame-pointer chain (the LibOS is
     * built with frame pointers; a libc routine that faulted keeps its
     * caller's %rbp), followed only while it climbs the same stack. */
    log_error("LibOS internal error: %s at rip %#lx (address %p); please report this with "
              "the lines below",
              strsignal(sig), rip, info->si_addr);
    log_frame(0, rip);
    uint64_t bp = (uint64_t)uc->uc_mcontext.gregs[REG_RBP];
    for (int i = 1; i < 12 && bp && !(bp & 7); i++) {
        const uint64_t *f = (const uint64_t *)bp;
        log_frame(i, f[1]);
        if (f[0] <= bp || f[0] - bp > (1u << 20)) break;
        bp = f[0];
    }
    pal_exit(128 + sig);
}
