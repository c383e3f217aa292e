/*
 * stubs: what the LibOS's file-system sources reference from the rest of
 * the LibOS, which the FUSE server does not link (processes, file
 * locks, shared mappings, the special file systems).
 *
 * The server builds the mount table with the LibOS's own vfs_init, so that
 * "/" is assembled exactly as in `occlum run` (the image layer with the
 * config's MAC and cache size under the writable layer from the config's
 * layers). The config's other mounts (/host, /dev, /proc) get empty
 * ramfs roots here: the server only serves the union below "/" and never
 * crosses into another mount, so they are never seen.
 */
#include "fs/locks.h"
#include "fs/pipe.h"
#include "fs/vfs.h"
#include "vm/shared_map.h"

#include <errno.h>
#include <stddef.h>

struct inode *hostfs_mount(struct mount *m, const char *hostdir, char *err, size_t errlen)
{
    return ramfs_mount(m);
}

struct inode *devfs_mount(struct mount *m)
{
    return ramfs_mount(m);
}

struct inode *procfs_mount(struct mount *m)
{
    return ramfs_mount(m);
}

/* namei.c resolves dirfds through the calling process; the server walks
 * with the inode operations instead (the kernel does the path walk). */
struct file *fd_get(struct process *p, int fd)
{
    return NULL;
}

/* vfs.c drops a file's flock/fcntl locks on release (fs/locks.c needs the
 * process layer). FUSE requests never take LibOS locks. */
int locks_count;
void locks_on_file_release(struct file *f) {}
void lease_on_file_release(struct file *f) {}
void epoll_on_file_release(struct file *f) {}
/* No inotify in the FUSE server: fsnotify_watches stays 0. */
int fsnotify_watches;
void fsnotify_inode_slow(struct inode *ino, const char *path, uint32_t mask, struct file *by) {}
void fasync_on_file_release(struct file *f) {}

/* fs/pipe.c (the process layer's wait queues) opens FIFO nodes inside; on
 * a FUSE mount the kernel opens them itself and never asks the server. */
int fifo_open(struct inode *node, struct file *f)
{
    return -ENXIO;
}

/* vm/shared_map.c: no MAP_SHARED mappings exist without processes (a host
 * mmap of a file on the mount is served by the kernel's page cache). */
int shared_map_count;
void shared_map_before_read(struct file *f, off_t off, size_t len) {}
void shared_map_after_write(struct file *f, off_t off, size_t len) {}
void shared_map_truncated(struct inode *ino, off_t size) {}
bool shared_map_writable(struct inode *ino)
{
    return false;
}
