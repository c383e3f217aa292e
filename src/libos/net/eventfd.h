/*
 * eventfd: eventfd(2) and eventfd2(2) as LibOS counters (eventfd.c).
 */
#ifndef LIBOS_NET_EVENTFD_H
#define LIBOS_NET_EVENTFD_H

// clang-format off
#define EVENTFD_SYSCALLS(X) X(eventfd, 1) X(eventfd2, 2)
// clang-format on

long sys_eventfd(unsigned int initval);
long sys_eventfd2(unsigned int initval, int flags);

#endif
