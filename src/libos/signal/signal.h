/*
 * signal: generation, pending sets and delivery of application signals.
 *
 * Application signals are LibOS objects: nothing here involves a host
 * signal except PAL_INTERRUPT_SIGNAL, which only pokes a target thread so
 * that it notices a pending signal at once (while running application
 * code, or blocked in a host call). Delivery happens on the target thread
 * when it leaves the LibOS: at the end of a system call, or in the
 * interrupt's trap. It builds a Linux-layout rt_sigframe on the
 * application's stack and points the interrupted context at the handler;
 * rt_sigreturn reads the frame back.
 */
#ifndef LIBOS_SIGNAL_H
#define LIBOS_SIGNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct process;
struct thread;

#define SIGBIT(sig) (1ULL << ((sig)-1))

/* What a system call returns for an EINTR that SA_RESTART must not
 * restart (Linux's -EINTR as opposed to -ERESTARTSYS: a socket wait with
 * SO_RCVTIMEO/SO_SNDTIMEO, signal(7)). The application sees EINTR. */
#define EINTR_NORESTART 1025
#define SIG_UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/* Send to a process (kill) or one thread (tgkill, faults, SIGPIPE).
 * info may be NULL (SI_USER from the current process). Returns 0 or -errno. */
int signal_send_process(struct process *p, int sig, const siginfo_t *info);
int signal_send_thread(struct thread *t, int sig, const siginfo_t *info);
int signal_send_process_locked(struct process *p, int sig, const siginfo_t *info);
/* The same, with proc_lock already held (t cannot go away meanwhile). */
int signal_send_thread_locked(struct thread *t, int sig, const siginfo_t *info);

/* A signal the thread does not block is pending. */
bool signal_pending(struct thread *t);

/*
 * Called with the context the thread is about to return to (uc, the
 * trapped ucontext_t). nr/ret: the system call just handled and its
 * result (nr < 0 when the thread was interrupted in application code).
 * Delivers at most one handler frame, applies default actions (which may
 * end the thread), and restarts a system call interrupted by a signal
 * when Linux would.
 */
void signal_deliver(void *uc, long nr, long ret);

/* A signal sent to the LibOS host process (async-signal-safe: only notes
 * it and wakes the boot thread, which calls signal_forward_host_pending
 * to send it to the first process's group, as a terminal sends Ctrl-C to
 * its foreground group). */
void signal_note_host(int sig);
void signal_forward_host_pending(void);
/* Bumped on every noted host signal and on the first process's exit. */
extern uint32_t host_event_seq;

/* The kernel's MINSIGSTKSZ (uapi), the smallest sigaltstack it takes. */
#define LINUX_MINSIGSTKSZ 2048
/* The most bytes a signal frame takes on the application's stack when the
 * extended state is xstate_size bytes (AT_MINSIGSTKSZ: what
 * setup_frame writes, with its worst-case alignment). */
size_t signal_frame_size(size_t xstate_size);

/* A synchronous fault in application code: run the app's handler, or
 * kill the process when it has none (or blocks the signal). */
void signal_fault(int sig, const siginfo_t *info, void *uc);

#endif
