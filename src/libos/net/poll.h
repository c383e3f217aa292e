/*
 * poll: readiness of files, for poll/ppoll/select/pselect6 (and later
 * epoll). A file's fops->poll reports its POLL* bits and, when given a
 * poll_table, registers the calling thread on the wait queues whose
 * changes can alter them; files backed by a host fd report it through
 * fops->host_fd and the host's poll decides for them.
 */
#ifndef LIBOS_NET_POLL_H
#define LIBOS_NET_POLL_H

#include <stdbool.h>
#include <stddef.h>

#include "process/waitq.h"
#include "util/lock.h"

struct poll_entry {
    struct waitq *q;
    struct mutex *lock;
    struct waiter w;
    void *owner; /* the table's, for a callback */
};

struct poll_table {
    struct poll_entry **e; /* each allocated once: its waiter is queued */
    size_t n, cap;
    int error; /* -ENOMEM when an entry could not be added */
    /* Register a callback instead of the calling thread (fs/fasync.c),
     * with owner in each entry. */
    void (*wake)(struct waiter *w);
    void *owner;
};

/* Called by fops->poll with *lock held: wake the polling thread when q is woken. */
void poll_wait(struct poll_table *pt, struct waitq *q, struct mutex *lock);
/* Take every registration of pt off its queue (each under its lock). */
void poll_table_clear(struct poll_table *pt);
void poll_table_free(struct poll_table *pt);

/* One thing to watch: the file (referenced by the caller) or, when file
 * is NULL, the caller's fd (< 0: skipped). events/revents are POLL* bits. */
struct file;
struct poll_req {
    int fd;
    short events, revents;
    struct file *file;
};
struct timespec;
/* Fill each revents; the number ready, 0 at the CLOCK_MONOTONIC deadline
 * (NULL: none; {0, 0}: do not wait), -EINTR, -ENOMEM. */
long poll_requests(struct poll_req *req, size_t n, const struct timespec *deadline);
/* Milliseconds to the CLOCK_MONOTONIC deadline, rounded up, at most
 * INT_MAX (a host poll's timeout; a longer wait simply waits again). */
long poll_ms_until(const struct timespec *deadline);
/* ms < 0: no deadline (returns 0); else *dl = now + ms (returns 1). */
int poll_deadline_from_ms(int ms, struct timespec *dl);
/* The ppoll/pselect/epoll_pwait mask for the call, and putting it back
 * when no handler will (r: the call's result). */
int poll_apply_sigmask(const void *umask, size_t size);
void poll_restore_sigmask(long r);
/* A user timespec timeout (NULL: none) as a deadline. */
int poll_timeout_from_ts(const struct timespec *utmo, struct timespec *dl, bool *has);

// clang-format off
#define POLL_SYSCALLS(X) X(poll, 3) X(ppoll, 5) X(select, 5) X(pselect6, 6)
// clang-format on

struct pollfd;
long sys_poll(struct pollfd *fds, unsigned long nfds, int timeout_ms);
long sys_ppoll(struct pollfd *fds, unsigned long nfds, const struct timespec *tmo,
               const void *sigmask, size_t sigsetsize);
long sys_select(int nfds, void *rfds, void *wfds, void *efds, void *timeout);
long sys_pselect6(int nfds, void *rfds, void *wfds, void *efds, const struct timespec *tmo,
                  const void *sigmask_arg);

#endif
