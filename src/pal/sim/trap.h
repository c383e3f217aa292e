/*
 * trap (sim PAL internals): what pal_thread_trap_init keeps per host
 * thread (tid, pid, alternate stack) must be forgotten in a host fork's
 * child, where the copy of the forking thread is another host thread.
 */
#ifndef PAL_SIM_TRAP_H
#define PAL_SIM_TRAP_H

void pal_trap_forked_child(void);

#endif
