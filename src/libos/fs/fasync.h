/*
 * fasync: signal-driven I/O (O_ASYNC, F_SETOWN, F_SETSIG; fcntl(2)).
 *
 * A file with O_ASYNC set signals its owner (a process, or a process
 * group) when it becomes readable or writable. The LibOS's own files
 * (pipes, its sockets) say when that may have happened by waking the wait
 * queues their poll operation names, so an O_ASYNC file registers a
 * callback on those queues instead of a thread (Linux has each file type
 * call kill_fasync instead). The callback runs under the object's lock,
 * so it only queues the file; the signal goes out at the next system
 * call's end (any thread's) with no lock held.
 *
 * The signal goes when the file is then readable (or hung up) for a
 * reader, or has room it did not have for a writer. Pipes and the
 * LibOS's sockets support it (fops->fasync), as on Linux; other files
 * take the flag from F_SETFL and never signal, and FIOASYNC on them is
 * ENOTTY, as on Linux. Files backed by a host fd (host sockets, terminals)
 * would need the host to signal the LibOS: O_ASYNC on them gives EINVAL
 * with one warning.
 */
#ifndef LIBOS_FS_FASYNC_H
#define LIBOS_FS_FASYNC_H

#include <stdbool.h>

struct file;

/* Set or clear O_ASYNC on f, whose descriptor is fd (si_fd of the
 * signals); ioctl: through FIOASYNC. 0, -EINVAL (a host-backed file),
 * -ENOTTY (FIOASYNC on a file without signal-driven I/O), -ENOMEM. */
int fasync_set(struct file *f, int fd, bool on, bool ioctl);
/* f is going away (vfs file_put, before its release). */
void fasync_on_file_release(struct file *f);

/* F_SETOWN's argument (pid > 0, -pgid < 0, 0 none): 0 or -ESRCH. */
int fasync_set_owner(struct file *f, int owner);

/* Send the signal of signal-driven I/O to owner (F_SETOWN's value): sig
 * (F_SETSIG's; 0 for SIGIO) with fd and band (POLL_IN, POLL_OUT, POLL_MSG)
 * in its siginfo. Also the lease-break signal (fs/lease.c). */
void fasync_send(int owner, int sig, int fd, int band);

/* Signals queued by callbacks: sent from a system call's end. */
extern int fasync_pending;
void fasync_flush(void);

#endif
