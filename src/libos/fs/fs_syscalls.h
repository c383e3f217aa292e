/*
 * fs_syscalls: the file-system system calls, as X(name, nargs) for the
 * dispatcher (syscall/dispatch.c maps __NR_name to sys_name), and their
 * prototypes. Pointers are the application's, unchecked: each handler
 * checks them (bad pointer -> -EFAULT). Handlers return >= 0 or -errno.
 */
#ifndef LIBOS_FS_SYSCALLS_H
#define LIBOS_FS_SYSCALLS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

struct iovec;
struct statfs;
struct statx;

// clang-format off
#define FS_SYSCALLS(X)                                                                             \
    X(read, 3) X(write, 3) X(readv, 3) X(writev, 3) X(pread64, 4) X(pwrite64, 4) X(preadv, 5)      \
    X(pwritev, 5) X(preadv2, 6) X(pwritev2, 6) X(lseek, 3) X(sendfile, 4) X(copy_file_range, 6)    \
    X(fadvise64, 4)                                                                                \
    X(open, 3) X(openat, 4) X(creat, 2) X(close, 1) X(close_range, 3) X(dup, 1) X(dup2, 2)                           \
    X(dup3, 3) X(stat, 2) X(fstat, 2) X(lstat, 2) X(newfstatat, 4) X(statx, 5) X(access, 2)        \
    X(faccessat, 3) X(faccessat2, 4) X(readlink, 3) X(readlinkat, 4) X(getcwd, 2) X(chdir, 1)      \
    X(fchdir, 1) X(mkdir, 2) X(mkdirat, 3) X(mknod, 3) X(mknodat, 4) X(rmdir, 1) X(unlink, 1) X(unlinkat, 3) X(rename, 2)    \
    X(renameat, 4) X(renameat2, 5) X(link, 2) X(linkat, 5) X(symlink, 2) X(symlinkat, 3)           \
    X(getdents64, 3) X(fcntl, 3) X(ioctl, 3) X(chmod, 2) X(fchmod, 2) X(fchmodat, 3)               \
    X(truncate, 2) X(ftruncate, 2) X(utimensat, 4) X(futimesat, 3) X(utimes, 2) X(utime, 2) X(umask, 1) X(fsync, 1) X(fdatasync, 1)         \
    X(statfs, 2) X(fstatfs, 2) X(chown, 3) X(fchown, 3) X(lchown, 3) X(fchownat, 5)               \
    X(getxattr, 4) X(lgetxattr, 4) X(fgetxattr, 4) X(listxattr, 3) X(llistxattr, 3)                \
    X(flistxattr, 3) X(setxattr, 5) X(lsetxattr, 5) X(fsetxattr, 5) X(removexattr, 2)              \
    X(lremovexattr, 2) X(fremovexattr, 2) X(memfd_create, 2) X(getdents, 3) X(readahead, 3)      \
    X(sync_file_range, 4) X(splice, 6) X(tee, 4) X(vmsplice, 4)
// clang-format on

/* memfd.c */
long sys_memfd_create(const char *name, unsigned flags);

/* sys_rw.c */
long sys_read(int fd, void *buf, size_t count);
long sys_write(int fd, const void *buf, size_t count);
long sys_readv(int fd, const struct iovec *iov, int iovcnt);
long sys_writev(int fd, const struct iovec *iov, int iovcnt);
long sys_pread64(int fd, void *buf, size_t count, off_t off);
long sys_pwrite64(int fd, const void *buf, size_t count, off_t off);
long sys_preadv(int fd, const struct iovec *iov, int iovcnt, off_t pos_l, unsigned long pos_h);
long sys_pwritev(int fd, const struct iovec *iov, int iovcnt, off_t pos_l, unsigned long pos_h);
long sys_preadv2(int fd, const struct iovec *iov, int iovcnt, off_t pos_l, unsigned long pos_h,
                 int flags);
long sys_pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t pos_l, unsigned long pos_h,
                  int flags);
long sys_lseek(int fd, off_t off, int whence);
long sys_sendfile(int out_fd, int in_fd, off_t *offset, size_t count);
long sys_copy_file_range(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len,
                         unsigned int flags);
long sys_fadvise64(int fd, off_t offset, off_t len, int advice);

/* sys_open.c */
long sys_open(const char *path, int flags, mode_t mode);
long sys_openat(int dirfd, const char *path, int flags, mode_t mode);
long sys_creat(const char *path, mode_t mode);
long sys_close(int fd);
long sys_close_range(unsigned first, unsigned last, unsigned flags);
long sys_dup(int fd);
long sys_dup2(int oldfd, int newfd);
long sys_dup3(int oldfd, int newfd, int flags);

/* sys_stat.c */
long sys_stat(const char *path, struct stat *st);
long sys_fstat(int fd, struct stat *st);
long sys_lstat(const char *path, struct stat *st);
long sys_newfstatat(int dirfd, const char *path, struct stat *st, int flags);
long sys_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx);
long sys_access(const char *path, int mode);
long sys_faccessat(int dirfd, const char *path, int mode);
long sys_faccessat2(int dirfd, const char *path, int mode, int flags);
long sys_readlink(const char *path, char *buf, int bufsiz);
long sys_readlinkat(int dirfd, const char *path, char *buf, int bufsiz);

/* sys_dir.c */
long sys_getcwd(char *buf, size_t size);
long sys_chdir(const char *path);
long sys_fchdir(int fd);
long sys_mkdir(const char *path, mode_t mode);
long sys_mkdirat(int dirfd, const char *path, mode_t mode);
long sys_mknod(const char *path, mode_t mode, unsigned dev);
long sys_mknodat(int dirfd, const char *path, mode_t mode, unsigned dev);
long sys_rmdir(const char *path);
long sys_unlink(const char *path);
long sys_unlinkat(int dirfd, const char *path, int flags);
long sys_rename(const char *oldpath, const char *newpath);
long sys_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
long sys_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                   unsigned int flags);
long sys_link(const char *oldpath, const char *newpath);
long sys_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
long sys_symlink(const char *target, const char *linkpath);
long sys_symlinkat(const char *target, int newdirfd, const char *linkpath);
long sys_getdents64(int fd, void *dirp, unsigned int count);
long sys_splice(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len, unsigned flags);
long sys_tee(int fd_in, int fd_out, size_t len, unsigned flags);
long sys_vmsplice(int fd, const struct iovec *iov, unsigned long nr, unsigned flags);
long sys_getdents(int fd, void *dirp, unsigned int count);

/* sys_fcntl.c */
long sys_fcntl(int fd, int cmd, unsigned long arg);
long sys_ioctl(int fd, unsigned long req, unsigned long arg);

/* sys_attr.c */
long sys_chmod(const char *path, mode_t mode);
long sys_fchmod(int fd, mode_t mode);
long sys_fchmodat(int dirfd, const char *path, mode_t mode);
long sys_truncate(const char *path, off_t length);
long sys_ftruncate(int fd, off_t length);
long sys_utimensat(int dirfd, const char *path, const struct timespec *times, int flags);
struct timeval;
struct utimbuf;
long sys_futimesat(int dirfd, const char *path, const struct timeval *tv);
long sys_utimes(const char *path, const struct timeval *tv);
long sys_utime(const char *path, const struct utimbuf *buf);
long sys_umask(mode_t mask);
long sys_fsync(int fd);
long sys_fdatasync(int fd);
long sys_readahead(int fd, long off, size_t count);
long sys_sync_file_range(int fd, long off, long nbytes, unsigned flags);
long sys_statfs(const char *path, struct statfs *buf);
long sys_fstatfs(int fd, struct statfs *buf);
long sys_chown(const char *path, uid_t uid, gid_t gid);
long sys_fchown(int fd, uid_t uid, gid_t gid);
long sys_lchown(const char *path, uid_t uid, gid_t gid);
long sys_fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags);
long sys_getxattr(const char *path, const char *name, void *value, size_t size);
long sys_lgetxattr(const char *path, const char *name, void *value, size_t size);
long sys_fgetxattr(int fd, const char *name, void *value, size_t size);
long sys_listxattr(const char *path, char *list, size_t size);
long sys_llistxattr(const char *path, char *list, size_t size);
long sys_flistxattr(int fd, char *list, size_t size);
long sys_setxattr(const char *path, const char *name, const void *value, size_t size, int flags);
long sys_lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags);
long sys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags);
long sys_removexattr(const char *path, const char *name);
long sys_lremovexattr(const char *path, const char *name);
long sys_fremovexattr(int fd, const char *name);

#endif
