/*
 * epoll: the epoll family over LibOS objects and host fds (epoll.c).
 */
#ifndef LIBOS_NET_EPOLL_H
#define LIBOS_NET_EPOLL_H

#include <stddef.h>

// clang-format off
#define EPOLL_SYSCALLS(X) X(epoll_create, 1) X(epoll_create1, 1) X(epoll_ctl, 4) \
    X(epoll_wait, 4) X(epoll_pwait, 6) X(epoll_pwait2, 6)
// clang-format on

struct epoll_event;
struct timespec;
long sys_epoll_create(int size);
long sys_epoll_create1(int flags);
long sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event);
long sys_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);
long sys_epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
                     const void *sigmask, size_t sigsetsize);
long sys_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
                      const struct timespec *timeout, const void *sigmask, size_t sigsetsize);

#endif
