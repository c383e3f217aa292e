/*
 * locks: flock(2) and fcntl(2) record locks (F_SETLK, F_SETLKW, F_GETLK and
 * the open-file-description F_OFD_* forms) between LibOS processes.
 */
#ifndef LIBOS_FS_LOCKS_H
#define LIBOS_FS_LOCKS_H

#include <stdbool.h>

struct file;
struct process;

// clang-format off
#define LOCK_SYSCALLS(X) X(flock, 2)
// clang-format on

long sys_flock(int fd, int op);

/* fcntl lock commands; other commands are not ours (returns false). */
bool locks_is_fcntl_cmd(int cmd);
long locks_fcntl(struct process *p, struct file *f, int cmd, unsigned long arg);

/* close(2) of any fd for a file drops the process's POSIX locks on it;
 * an exiting process drops all of them; the last reference to an open
 * file description drops its flock and OFD locks. */
extern int locks_count;
void locks_on_close(struct process *p, struct file *f);
void locks_on_exit(struct process *p);
void locks_on_file_release(struct file *f);

#endif
