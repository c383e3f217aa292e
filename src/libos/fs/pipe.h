/*
 * pipe: pipe(2)/pipe2(2) as LibOS ring buffers shared by two file objects,
 * and the pipes behind named pipes (FIFO nodes).
 */
#ifndef LIBOS_FS_PIPE_H
#define LIBOS_FS_PIPE_H

#include <stdbool.h>
#include <sys/types.h>

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
/* splice, tee and vmsplice (sys_rw.c): a read or write of pipe file f
 * with O_NONBLOCK when nonblock; the free space; whether two files are
 * ends of one pipe; a copy of up to len bytes without consuming them
 * (waits for some, 0 when no writer is left). */
struct uio;
ssize_t pipe_splice_io(struct file *f, struct uio *u, bool write, bool nonblock);
size_t pipe_room(struct file *f);
bool pipe_same(const struct file *a, const struct file *b);
ssize_t pipe_peek(struct file *f, void *buf, size_t len, bool nonblock);

/* Open a named pipe's node (the VFS's open of an S_IFIFO inode): f gets
 * the pipe of that node. May block (see pipe.c); -ENXIO, -EINTR. */
int fifo_open(struct inode *node, struct file *f);

#endif
