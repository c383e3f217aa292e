/*
 * timerfd: timerfd_create(2), timerfd_settime(2), timerfd_gettime(2) as
 * LibOS objects (timerfd.c).
 */
#ifndef LIBOS_TIME_TIMERFD_H
#define LIBOS_TIME_TIMERFD_H

#include <time.h>

// clang-format off
#define TIMERFD_SYSCALLS(X) X(timerfd_create, 2) X(timerfd_settime, 4) X(timerfd_gettime, 2)
// clang-format on

struct itimerspec;
long sys_timerfd_create(clockid_t clockid, int flags);
long sys_timerfd_settime(int fd, int flags, const struct itimerspec *new_value,
                         struct itimerspec *old_value);
long sys_timerfd_gettime(int fd, struct itimerspec *curr_value);

#endif
