/*
 * signalfd: signalfd(2) and signalfd4(2) over the LibOS signal
 * subsystem (signalfd.c).
 */
#ifndef LIBOS_SIGNAL_SIGNALFD_H
#define LIBOS_SIGNAL_SIGNALFD_H

#include <stddef.h>

// clang-format off
#define SIGNALFD_SYSCALLS(X) X(signalfd, 3) X(signalfd4, 4)
// clang-format on

long sys_signalfd(int fd, const void *mask, size_t sizemask);
long sys_signalfd4(int fd, const void *mask, size_t sizemask, int flags);

#endif
