/*
 * signal: generation and delivery (see signal.h).
 */
#include "signal/signal.h"

#include "pal/pal.h"
#include "process/process.h"
#include "process/waitq.h"
#include "util/log.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>

long vfork_child_exit(int status);

enum sig_default { SIGDFL_TERM, SIGDFL_CORE, SIGDFL_IGNORE, SIGDFL_STOP, SIGDFL_CONT };

static enum sig_default default_action(int sig)
{
    switch (sig) {
    case SIGQUIT:
    case SIGILL:
    case SIGABRT:
    case SIGFPE:
    case SIGSEGV:
    case SIGBUS:
    case SIGSYS:
    case SIGTRAP:
    case SIGXCPU:
    case SIGXFSZ:
        return SIGDFL_CORE;
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
        return SIGDFL_IGNORE;
    case SIGCONT:
        return SIGDFL_CONT;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
        return SIGDFL_STOP;
    default:
        return SIGDFL_TERM;
    }
}

static bool is_fatal_default(int sig)
{
    enum sig_default d = default_action(sig);
    return d == SIGDFL_TERM || d == SIGDFL_CORE;
}

/* Ignored at generation time (Linux's sig_ignored): dropped, unless blocked. */
static bool ignored(struct process *p, int sig)
{
    uint64_t h = p->sigactions[sig].handler;
    if (h == (uint64_t)SIG_IGN) return true;
    if (h == (uint64_t)SIG_DFL) {
        enum sig_default d = default_action(sig);
        return d == SIGDFL_IGNORE || d == SIGDFL_CONT; /* a stop must reach a thread */
    }
    return false;
}

static void fill_default_info(siginfo_t *si, int sig)
{
    memset(si, 0, sizeof(*si));
    si->si_signo = sig;
    si->si_code = SI_USER;
    struct thread *t = current_thread();
    si->si_pid = t ? t->proc->pid : 0;
    si->si_uid = 0;
}

/* End every thread of p with wait status `status` (proc_lock held).
 * Threads p lent to vfork children go on with the children; when they
 * were all it had, nobody else is left to finish p. */
static void kill_process_locked(struct process *p, int status)
{
    if (!p->exiting) {
        p->exiting = true;
        p->exit_status = status;
    }
    bool lent = vfork_orphan_lent_locked(p);
    for (struct thread *t = p->threads; t; t = t->next_in_proc) {
        t->must_exit = true;
        thread_wake(t);
        if (t != current_thread() && t->tcb.host_tid) pal_thread_interrupt(&t->tcb);
    }
    if (lent && p->nthreads == 0) process_finish_async(p);
}

/* Poke t so that it notices a pending signal soon. */
static void notify(struct thread *t)
{
    thread_wake(t);
    if (t != current_thread() && t->tcb.host_tid) pal_thread_interrupt(&t->tcb);
}

static const uint64_t stop_signals =
    SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU);

/* Drop the signals of mask pending anywhere in p (sig_lock held). */
static void discard_pending(struct process *p, uint64_t mask)
{
    for (int sig = 1; sig < 32; sig++) {
        if (!(mask & SIGBIT(sig))) continue;
        sigpending_discard(&p->shared, sig);
        for (struct thread *t = p->threads; t; t = t->next_in_proc)
            sigpending_discard(&t->pending, sig);
    }
}

/*
 * Job control at generation time, as Linux's prepare_signal: SIGCONT
 * cancels pending stops and resumes a stopped process (whatever its
 * action: a handler runs afterwards); a stop signal cancels a pending
 * SIGCONT. The stop itself happens at delivery (signal_deliver), so that
 * a blocked or handled SIGTSTP does not stop (proc_lock held).
 */
static void job_control_locked(struct process *p, int sig)
{
    if (sig == SIGCONT) {
        mutex_lock(&p->sig_lock);
        discard_pending(p, stop_signals);
        mutex_unlock(&p->sig_lock);
        if (!p->stopped) return;
        p->stopped = false;
        process_report_locked(p, CLD_CONTINUED, SIGCONT);
        for (struct thread *t = p->threads; t; t = t->next_in_proc)
            thread_wake(t);
    } else if (stop_signals & SIGBIT(sig)) {
        mutex_lock(&p->sig_lock);
        discard_pending(p, SIGBIT(SIGCONT));
        mutex_unlock(&p->sig_lock);
    }
}

/* proc_lock held. */
static int send_locked(struct process *p, struct thread *target, int sig, const siginfo_t *info)
{
    if (p->zombie || p->exiting) return 0;
    job_control_locked(p, sig);
    mutex_lock(&p->sig_lock);
    uint64_t bit = SIGBIT(sig);
    /* "Blocked" as Linux's complete_signal sees it: a thread waiting in
     * rt_sigtimedwait keeps the mask it had before (real_blocked). */
    bool blocked_everywhere = true, waited_for = false;
    for (struct thread *t = p->threads; t; t = t->next_in_proc) {
        if (!(t->sigmask & bit) && !(t->in_sigwait && (t->real_blocked & bit)))
            blocked_everywhere = false;
        if (t->in_sigwait && !(t->sigmask & bit)) waited_for = true;
    }
    if (vfork_lent_unblocked_locked(p, bit))
        blocked_everywhere = false; /* Linux's vfork wait is killable */
    if (target) blocked_everywhere = ((target->sigmask | target->real_blocked) & bit) != 0;
    if (sig != SIGKILL && ignored(p, sig) && !blocked_everywhere && !waited_for) {
        mutex_unlock(&p->sig_lock);
        return 0;
    }
    bool fatal = sig == SIGKILL || (p->sigactions[sig].handler == (uint64_t)SIG_DFL &&
                                    is_fatal_default(sig) && !blocked_everywhere && !waited_for);
    if (fatal) {
        mutex_unlock(&p->sig_lock);
        kill_process_locked(p, sig);
        return 0;
    }
    siginfo_t si;
    if (!info) fill_default_info(&si, sig);
    int r = sigpending_add(target ? &target->pending : &p->shared, sig, info ? info : &si);
    if (r < 0) {
        mutex_unlock(&p->sig_lock);
        return r;
    }
    if (!waitq_empty(&p->signalfd_wait)) waitq_wake_all(&p->signalfd_wait);
    if (!target) {
        for (struct thread *t = p->threads; t; t = t->next_in_proc) {
            if (!(t->sigmask & bit)) {
                target = t;
                break;
            }
        }
    }
    mutex_unlock(&p->sig_lock);
    if (target) notify(target);
    return 0;
}

int signal_send_process(struct process *p, int sig, const siginfo_t *info)
{
    if (sig < 0 || sig > 64) return -EINVAL;
    if (sig == 0) return 0;
    mutex_lock(&proc_lock);
    int r = send_locked(p, NULL, sig, info);
    mutex_unlock(&proc_lock);
    return r;
}

int signal_send_thread(struct thread *t, int sig, const siginfo_t *info)
{
    if (sig < 0 || sig > 64) return -EINVAL;
    if (sig == 0) return 0;
    mutex_lock(&proc_lock);
    int r = send_locked(t->proc, t, sig, info);
    mutex_unlock(&proc_lock);
    return r;
}

int signal_send_process_locked(struct process *p, int sig, const siginfo_t *info)
{
    if (sig < 0 || sig > 64) return -EINVAL;
    return sig ? send_locked(p, NULL, sig, info) : 0;
}

int signal_send_thread_locked(struct thread *t, int sig, const siginfo_t *info)
{
    if (sig < 0 || sig > 64) return -EINVAL;
    return sig ? send_locked(t->proc, t, sig, info) : 0;
}

bool signal_pending(struct thread *t)
{
    uint64_t pend = t->pending.set | t->proc->shared.set;
    return (pend & ~t->sigmask) != 0;
}

/* Take the lowest deliverable signal, synchronous ones first. */
static int dequeue(struct thread *t, siginfo_t *info)
{
    struct process *p = t->proc;
    mutex_lock(&p->sig_lock);
    int sig = 0;
    uint64_t mine = t->pending.set & ~t->sigmask, shared = p->shared.set & ~t->sigmask;
    const uint64_t sync = SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) |
                          SIGBIT(SIGFPE) | SIGBIT(SIGSYS);
    uint64_t pick = (mine & sync) ? (mine & sync) : mine ? mine : shared;
    if (pick) {
        sig = __builtin_ctzll(pick) + 1;
        sigpending_take((mine & SIGBIT(sig)) ? &t->pending : &p->shared, sig, info);
    }
    mutex_unlock(&p->sig_lock);
    return sig;
}

/* The process dies of sig (default action) on this thread's way out.
 * A signal that dumps core on Linux (a fault, an abort) is said at the
 * default log level, as a shell would say it; `fault` adds where. */
static void die_of(int sig, ucontext_t *uc, const siginfo_t *fault)
{
    struct thread *t = current_thread();
    if (fault)
        log_warn("%s: killed by SIG%s at %#lx, fault address %p (pid %d)", t->proc->exe_path,
                 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?",
                 (unsigned long)uc->uc_mcontext.gregs[REG_RIP], fault->si_addr, t->proc->pid);
    else if (default_action(sig) == SIGDFL_CORE)
        log_warn("%s: killed by SIG%s (pid %d)", t->proc->exe_path,
                 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", t->proc->pid);
    if (t->vfork) {
        uc->uc_mcontext.gregs[REG_RAX] = vfork_child_exit(sig);
        return;
    }
    mutex_lock(&proc_lock);
    kill_process_locked(t->proc, sig);
    mutex_unlock(&proc_lock);
    thread_exit_current();
}

struct rt_sigframe {
    uint64_t pretcode; /* the handler returns here: sa_restorer */
    ucontext_t uc;
    siginfo_t info;
};

/* (completes a fast-path context's extended state: pal_uc_fpstate) */
static size_t fpstate_size(ucontext_t *uc)
{
    const struct _libc_fpstate *fp = pal_uc_fpstate(uc);
    if (!fp) return 0;
    /* struct _fpx_sw_bytes at offset 464 of the legacy area */
    const uint32_t *sw = (const uint32_t *)((const char *)fp + 464);
    if (sw[0] == 0x46505853U /* FP_XSTATE_MAGIC1 */ && sw[1] >= 512 && sw[1] <= 64 * 1024)
        return sw[1]; /* extended_size */
    return 512;
}

size_t signal_frame_size(size_t xstate_size)
{
    /* setup_frame: the state (+ MAGIC2) 64-aligned, then the frame
     * 16-aligned less 8, as a call would leave it */
    return xstate_size + 4 + 63 + sizeof(struct rt_sigframe) + 15 + 8;
}

static bool on_altstack(const struct thread *t, uint64_t sp)
{
    return t->user_altstack.size && sp > t->user_altstack.sp &&
           sp <= t->user_altstack.sp + t->user_altstack.size;
}

/* Point uc at the handler of sig. Returns false (and kills) when the
 * frame cannot be written. */
static bool setup_frame(struct thread *t, ucontext_t *uc, int sig, const siginfo_t *info)
{
    struct process *p = t->proc;
    greg_t *g = uc->uc_mcontext.gregs;
    uint64_t handler = p->sigactions[sig].handler, flags = p->sigactions[sig].flags;
    uint64_t sp = (uint64_t)g[REG_RSP];
    bool onstack = on_altstack(t, sp);
    if ((flags & SA_ONSTACK) && t->user_altstack.size && !onstack)
        sp = t->user_altstack.sp + t->user_altstack.size;
    else
        sp -= 128; /* the red zone of the interrupted code */
    size_t fpsize = fpstate_size(uc);
    sp = (sp - fpsize) & ~63UL;
    uint64_t fp_user = sp;
    sp = ((sp - sizeof(struct rt_sigframe)) & ~15UL) - 8;
    struct rt_sigframe *f = (struct rt_sigframe *)sp;
    if (!user_ok(f, sizeof(*f) + (fp_user - sp - sizeof(*f)) + fpsize, true)) {
        log_warn("%s: cannot write the frame of signal %d at %#lx: killing it", p->exe_path, sig,
                 (unsigned long)sp);
        die_of(SIGSEGV, uc, NULL);
        return false;
    }
    /* built here, then copied: another thread may unmap the stack */
    struct rt_sigframe k;
    memset(&k, 0, sizeof(k));
    k.pretcode = p->sigactions[sig].restorer;
    k.uc.uc_flags = fpsize > 512 ? 1 /* UC_FP_XSTATE */ : 0;
    k.uc.uc_stack.ss_sp = (void *)t->user_altstack.sp;
    k.uc.uc_stack.ss_size = t->user_altstack.size;
    k.uc.uc_stack.ss_flags = !t->user_altstack.size ? SS_DISABLE : onstack ? SS_ONSTACK : 0;
    memcpy(k.uc.uc_mcontext.gregs, g, sizeof(k.uc.uc_mcontext.gregs));
    k.uc.uc_mcontext.fpregs = fpsize ? (struct _libc_fpstate *)fp_user : NULL;
    uint64_t oldmask = t->has_saved_sigmask ? t->saved_sigmask : t->sigmask;
    memcpy(&k.uc.uc_sigmask, &oldmask, sizeof(oldmask));
    k.info = *info;
    if ((fpsize && uaccess_copy((void *)fp_user, uc->uc_mcontext.fpregs, fpsize)) ||
        uaccess_copy(f, &k, sizeof(k))) {
        log_warn("%s: the stack of signal %d's frame at %#lx went away: killing it", p->exe_path,
                 sig, (unsigned long)sp);
        die_of(SIGSEGV, uc, NULL);
        return false;
    }
    t->has_saved_sigmask = false;

    g[REG_RIP] = (greg_t)handler;
    g[REG_RSP] = (greg_t)sp;
    g[REG_RDI] = sig;
    g[REG_RSI] = (greg_t)&f->info; /* addresses in the application's frame */
    g[REG_RDX] = (greg_t)&f->uc;
    g[REG_RAX] = 0;
    g[REG_EFL] &= ~(greg_t)(0x400 | 0x100 | 0x10000); /* DF, TF, RF */
    if (uc->uc_mcontext.fpregs) { /* the handler starts with a clean FPU control state */
        uc->uc_mcontext.fpregs->cwd = 0x37f;
        uc->uc_mcontext.fpregs->mxcsr = 0x1f80;
    }

    mutex_lock(&p->sig_lock);
    t->sigmask |= p->sigactions[sig].mask;
    if (!(flags & SA_NODEFER)) t->sigmask |= SIGBIT(sig);
    t->sigmask &= ~SIG_UNBLOCKABLE;
    /* only the handler goes: Linux keeps the flags (SA_SIGINFO included)
     * that sigaction reports afterwards */
    if (flags & SA_RESETHAND) p->sigactions[sig].handler = (uint64_t)SIG_DFL;
    mutex_unlock(&p->sig_lock);
    return true;
}

/* System calls that return EINTR after a handler even under SA_RESTART (signal(7)). */
static bool never_restarted(long nr)
{
    switch (nr) {
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
    case SYS_poll:
    case SYS_ppoll:
    case SYS_select:
    case SYS_pselect6:
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
    case SYS_epoll_pwait2:
    case SYS_rt_sigsuspend:
    case SYS_pause:
    case SYS_rt_sigtimedwait:
    case SYS_semop: /* SysV IPC waits: Linux answers EINTR or ERESTARTNOHAND */
    case SYS_semtimedop:
    case SYS_msgsnd:
    case SYS_msgrcv:
        return true;
    default:
        return false;
    }
}

/* Wait here while the process is stopped (or until it must exit). */
static void stop_wait(struct thread *t)
{
    struct process *p = t->proc;
    for (;;) {
        mutex_lock(&proc_lock);
        thread_prepare_sleep(); /* under the lock SIGCONT takes to wake us */
        bool wait = p->stopped && !t->must_exit;
        mutex_unlock(&proc_lock);
        if (!wait || thread_sleep_stopped() < 0) return;
    }
}

/* A stop signal's default action: stop every thread of the process,
 * tell the parent, wait for SIGCONT. */
static void group_stop(struct thread *t, int sig)
{
    struct process *p = t->proc;
    mutex_lock(&proc_lock);
    if (!p->stopped && !p->exiting) {
        p->stopped = true;
        p->stop_sig = sig;
        process_report_locked(p, CLD_STOPPED, sig);
        for (struct thread *u = p->threads; u; u = u->next_in_proc)
            if (u != t) notify(u); /* they stop in signal_deliver */
    }
    mutex_unlock(&proc_lock);
    stop_wait(t);
}

void signal_deliver(void *uc_, long nr, long ret)
{
    ucontext_t *uc = uc_;
    struct thread *t = current_thread();
    greg_t *g = uc->uc_mcontext.gregs;
    bool interrupted = nr >= 0 && ret == -EINTR;
    /* The common case, without the lock: nothing to do. A signal sent
     * after this look interrupts the thread again: in application code it
     * is taken at once; still in the LibOS, on the way out, the trap
     * handler sees `leaving` and has the interrupt sent once more. */
    t->leaving = true;
    bool stopped = __atomic_load_n(&t->proc->stopped, __ATOMIC_ACQUIRE);
    if (!interrupted && !t->has_saved_sigmask && !signal_pending(t) && !stopped) return;
    t->leaving = false; /* what follows looks again (and may sleep in a stop) */
    if (stopped && !t->vfork) stop_wait(t);
    for (;;) {
        siginfo_t info;
        int sig = dequeue(t, &info);
        if (!sig) break;
        struct process *p = t->proc;
        uint64_t h = p->sigactions[sig].handler;
        if (h == (uint64_t)SIG_IGN) continue;
        if (h == (uint64_t)SIG_DFL) {
            if (default_action(sig) == SIGDFL_STOP && !t->vfork) group_stop(t, sig);
            if (t->must_exit) {
                thread_check_exit(); /* a killed vfork child returns, in its parent */
                return;
            }
            if (!is_fatal_default(sig)) continue;
            die_of(sig, uc, NULL);
            return;
        }
        if (interrupted) { /* decide what the interrupted call returns */
            if ((p->sigactions[sig].flags & SA_RESTART) && !never_restarted(nr)) {
                g[REG_RAX] = nr;
                g[REG_RIP] -= 2; /* back onto the syscall instruction */
            } else {
                g[REG_RAX] = -EINTR;
            }
        }
        setup_frame(t, uc, sig, &info);
        return;
    }
    if (interrupted && !t->must_exit && !never_restarted(nr)) {
        /* Woken for a signal that needed no handler: restart transparently. */
        g[REG_RAX] = nr;
        g[REG_RIP] -= 2;
    }
    if (t->has_saved_sigmask) { /* rt_sigsuspend returned without a handler */
        t->sigmask = t->saved_sigmask;
        t->has_saved_sigmask = false;
    }
}

void signal_fault(int sig, const siginfo_t *info, void *uc_)
{
    ucontext_t *uc = uc_;
    struct thread *t = current_thread();
    struct process *p = t->proc;
    uint64_t h = p->sigactions[sig].handler;
    if (h == (uint64_t)SIG_DFL || h == (uint64_t)SIG_IGN || (t->sigmask & SIGBIT(sig))) {
        die_of(sig, uc, info);
        return;
    }
    siginfo_t si = *info;
    if (sig == SIGSEGV && (si.si_code == SEGV_ACCERR || si.si_code == SEGV_MAPERR)) {
        /* The host sees the whole user region as mapped (PROT_NONE where
         * the application has nothing): tell the application what Linux
         * would, MAPERR for an address it never mapped. */
        si.si_code = vm_prot_at(p, (uint64_t)si.si_addr, NULL) < 0 ? SEGV_MAPERR : SEGV_ACCERR;
    }
    setup_frame(t, uc, sig, &si);
}

long sys_rt_sigreturn(void)
{
    struct thread *t = current_thread();
    ucontext_t *uc = t->uc;
    greg_t *g = uc->uc_mcontext.gregs;
    /* The handler's `ret` popped pretcode: the frame's ucontext is at rsp. */
    ucontext_t *fuc = (ucontext_t *)g[REG_RSP];
    ucontext_t k;
    if (copy_from_user(&k, fuc, sizeof(k))) goto bad;
    greg_t csgsfs = g[REG_CSGSFS], efl = g[REG_EFL];
    memcpy(g, k.uc_mcontext.gregs, sizeof(k.uc_mcontext.gregs));
    g[REG_CSGSFS] = csgsfs;
    /* user-changeable flags only: CF PF AF ZF SF TF DF OF RF AC */
    const greg_t user_flags =
        0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x10000 | 0x40000;
    g[REG_EFL] = (efl & ~user_flags) | (k.uc_mcontext.gregs[REG_EFL] & user_flags);
    size_t fpsize = fpstate_size(uc);
    if (k.uc_mcontext.fpregs && fpsize) {
        if (!user_ok(k.uc_mcontext.fpregs, fpsize, false)) goto bad;
        /* The area's software bytes (464..511) and MAGIC2 describe the
         * area itself, for whoever restores it (the fast path, the host
         * kernel's sigreturn): keep ours, take only the state, and make
         * sure XRSTOR accepts what the application wrote. */
        char *xs = (char *)uc->uc_mcontext.fpregs, sw[48], magic2[4];
        memcpy(sw, xs + 464, sizeof(sw));
        if (fpsize > 512) memcpy(magic2, xs + fpsize - 4, 4);
        if (uaccess_copy(xs, k.uc_mcontext.fpregs, fpsize)) goto bad;
        memcpy(xs + 464, sw, sizeof(sw));
        if (fpsize > 512) memcpy(xs + fpsize - 4, magic2, 4);
        uint64_t features;
        memcpy(&features, sw + 8, 8);
        if (fpsize >= 576)
            pal_xstate_sanitize(xs, features);
        else /* a legacy (FXSAVE) area: only MXCSR can make FXRSTOR fault */
            uc->uc_mcontext.fpregs->mxcsr &= 0xffbf;
    }
    uint64_t mask;
    memcpy(&mask, &k.uc_sigmask, sizeof(mask));
    t->sigmask = mask & ~SIG_UNBLOCKABLE;
    return g[REG_RAX]; /* the dispatcher stores this into RAX: leave it as restored */
bad:
    log_warn("%s: rt_sigreturn with a bad frame at %#lx: killing it", t->proc->exe_path,
             (unsigned long)g[REG_RSP]);
    die_of(SIGSEGV, uc, NULL);
    return g[REG_RAX];
}

uint32_t host_event_seq;
static uint64_t host_pending;

void signal_note_host(int sig)
{
    __atomic_or_fetch(&host_pending, SIGBIT(sig), __ATOMIC_RELEASE);
    __atomic_add_fetch(&host_event_seq, 1, __ATOMIC_RELEASE);
    pal_futex(&host_event_seq, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

/* Ctrl-C and friends at `occlum run`'s terminal: to the first process's
 * group, as a terminal sends them to its foreground group. */
static void forward(int sig)
{
    process_signal_group_of(1, sig);
}

void signal_forward_host_pending(void)
{
    uint64_t pend = __atomic_exchange_n(&host_pending, 0, __ATOMIC_ACQ_REL);
    while (pend) {
        int sig = __builtin_ctzll(pend) + 1;
        pend &= pend - 1;
        forward(sig);
    }
}
