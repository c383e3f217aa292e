/*
 * robust: the robust futex list of a thread, released when the thread
 * ends or execs (see robust.c).
 */
#ifndef LIBOS_ROBUST_H
#define LIBOS_ROBUST_H

struct thread;

/* Walk t's robust list (t is the current thread) and forget it. */
void robust_list_release(struct thread *t);

#endif
