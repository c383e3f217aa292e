/* sys_sync: fallocate, sync, syncfs (sys_sync.c). */
#ifndef LIBOS_FS_SYS_SYNC_H
#define LIBOS_FS_SYS_SYNC_H

#include <sys/types.h>

// clang-format off
#define SYNC_SYSCALLS(X) X(fallocate, 4) X(sync, 0) X(syncfs, 1)
// clang-format on

long sys_fallocate(int fd, int mode, off_t offset, off_t len);
long sys_sync(void);
long sys_syncfs(int fd);

#endif
