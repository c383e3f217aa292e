/*
 * pipe: pipe(2)/pipe2(2) as LibOS ring buffers shared by two file objects,
 * and the pipes behind named pipes (FIFO nodes).
 */
#ifndef LIBOS_FS_PIPE_H
#define LIBOS_FS_PIPE_H

struct file;
struct inode;

// clang-format off
/* /proc/sys/fs/pipe-max-size: F_SETPIPE_SZ past it needs root (EPERM) */
#define PIPE_MAX_SIZE (1024 * 1024)

#define PIPE_SYSCALLS(X) X(pipe, 1) X(pipe2, 2)
// clang-format on

long sys_pipe(int *fds);
long sys_pipe2(int *fds, int flags);

/* F_GETPIPE_SZ / F_SETPIPE_SZ; -EBADF when f is not a pipe. */
long pipe_fcntl(struct file *f, int cmd, unsigned long arg);
int pipe_is(const struct file *f);

/* Open a named pipe's node (the VFS's open of an S_IFIFO inode): f gets
 * the pipe of that node. May block (see pipe.c); -ENXIO, -EINTR. */
int fifo_open(struct inode *node, struct file *f);

#endif
