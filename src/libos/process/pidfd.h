/*
 * pidfd: file descriptors that name a process (pidfd_open(2),
 * clone(CLONE_PIDFD)), and the calls that take one: pidfd_send_signal,
 * pidfd_getfd, waitid(P_PIDFD) (process/wait.c).
 */
#ifndef LIBOS_PROCESS_PIDFD_H
#define LIBOS_PROCESS_PIDFD_H

#include <stdbool.h>
#include <signal.h>

struct process;

/* p became a zombie (reaped false) or was reaped: wake its pidfds'
 * pollers; at the reap, they stop naming it. proc_lock held. */
void pidfd_process_gone_locked(struct process *p, bool reaped);

/* The pid the pidfd fd names (even once reaped) and its file status
 * flags in *flags; -EBADF when fd is not a pidfd. */
int pidfd_fd_pid(int fd, int *flags);

/* CLONE_PIDFD: a pidfd of the new process c (not started yet) at the
 * lowest free fd of the caller, close-on-exec, its number stored at
 * upidfd. Returns the fd or a negative errno (nothing left installed). */
int pidfd_clone_install(struct process *c, int *upidfd);
/* The clone failed afterwards: close that fd (fd < 0: none). */
void pidfd_clone_abort(int fd);

// clang-format off
#define PIDFD_SYSCALLS(X) X(pidfd_open, 2) X(pidfd_send_signal, 4) X(pidfd_getfd, 3)
// clang-format on

long sys_pidfd_open(int pid, unsigned flags);
long sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned flags);
long sys_pidfd_getfd(int pidfd, int targetfd, unsigned flags);

#endif
