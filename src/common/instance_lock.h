/*
 * instance_lock.h: the instance lock, which keeps an instance's writable
 * layer (run/mount/__ROOT) open in one process at a time.
 *
 * The writable layer is held in memory and committed whole (fs/sefs_rw.c):
 * two processes with it open would each commit their own tree and the
 * last commit would silently drop the other's changes. So the runtime
 * (`occlum run`, `occlum start`: src/pal/sim/main.c) and the FUSE server (`occlum mount`,
 * src/fuse/main.c) both take an exclusive flock(2) on
 * <instance>/run/occlum.lock before they mount the layer, and hold it until
 * they exit (the kernel drops it then, even after SIGKILL). The file's
 * content names the holder ("run", "start" or "mount", its pid and mount point), so
 * that the refusal can say who holds it and how to stop it.
 */
#ifndef OCCLUM_INSTANCE_LOCK_H
#define OCCLUM_INSTANCE_LOCK_H

#include <stddef.h>

#define INSTANCE_LOCK_PATH "run/occlum.lock"

/*
 * Takes the lock of `instance` for `holder` ("run", "start" or "mount"; `mountpoint`
 * is the mount's absolute directory, NULL for a run). Returns the lock's
 * fd (close-on-exec; keep it open for as long as the layer is), or -1 with
 * one line in err (no "occlum <cmd>:" prefix), e.g.
 *   instance /x is in use by 'occlum mount' (pid 42) at /mnt; stop it or
 *   unmount /mnt ('fusermount3 -u /mnt')
 * A holder that is an `occlum mount` whose directory is already unmounted
 * is finishing its last commit: it is waited for (up to 10 s).
 */
int instance_lock_take(const char *instance, const char *holder, const char *mountpoint, char *err,
                       size_t errlen);

#endif
