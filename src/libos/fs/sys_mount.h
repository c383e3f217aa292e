/* sys_mount: mount(2), umount2(2) at run time (sys_mount.c). */
#ifndef LIBOS_FS_SYS_MOUNT_H
#define LIBOS_FS_SYS_MOUNT_H

// clang-format off
#define MOUNT_SYSCALLS(X) X(mount, 5) X(umount2, 2)
// clang-format on

long sys_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
               const void *data);
long sys_umount2(const char *target, int flags);

#endif
