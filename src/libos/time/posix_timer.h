/*
 * posix_timer: POSIX per-process timers (timer_create(2) and its family).
 */
#ifndef LIBOS_TIME_POSIX_TIMER_H
#define LIBOS_TIME_POSIX_TIMER_H

struct process;

/* Delete all of p's timers (exec, exit). Call with no LibOS lock held. */
void posix_timers_release(struct process *p);

#endif
