/*
 * pipe: pipe(2)/pipe2(2) as LibOS ring buffers shared by two file objects.
 */
#ifndef LIBOS_FS_PIPE_H
#define LIBOS_FS_PIPE_H

struct file;

// clang-format off
#define PIPE_SYSCALLS(X) X(pipe, 1) X(pipe2, 2)
// clang-format on

long sys_pipe(int *fds);
long sys_pipe2(int *fds, int flags);

/* F_GETPIPE_SZ / F_SETPIPE_SZ; -EBADF when f is not a pipe. */
long pipe_fcntl(struct file *f, int cmd, unsigned long arg);
int pipe_is(const struct file *f);

#endif
