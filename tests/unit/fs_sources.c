/*
 * fs_sources: the file-system sources test_vfs.c and test_unionfs.c link
 * with, gathered in one translation unit so that their "unit-sources"
 * lines stay within the column limit (run-unit.sh reads only that first
 * line).
 */
#include "fs/path.c"
#include "fs/vfs.c"
#include "fs/uio.c"
#include "fs/namei.c"
#include "fs/mount.c"
#include "fs/ramfs.c"
#include "fs/fdtable.c"
#include "fs/unionfs.c"
#include "fs/unionfs_dir.c"

/* vfs.c drops a file's flock locks when it is released (fs/locks.c needs
 * the process layer, which these tests do not link): no locks are ever
 * taken here. */
int locks_count;
/* Nor epolls (net/epoll.c). */
void epoll_on_file_release(struct file *f)
{
    (void)f;
}

void locks_on_file_release(struct file *f)
{
    (void)f;
}

/* Named pipes live in fs/pipe.c (the process layer's wait queues): these
 * tests open none. */
int fifo_open(struct inode *node, struct file *f)
{
    (void)node;
    (void)f;
    return -ENXIO;
}

/* File systems, host files and shared mappings these tests do not link:
 * mounting one fails, the host's stdio is closed, nothing is mapped. */
struct inode *hostfs_mount(struct mount *m, const char *hostdir, char *err, size_t errlen)
{
    snprintf(err, errlen, "hostfs is not in this test");
    return NULL;
}

struct inode *sefs_mount(struct mount *m, const char *hostdir, const char *mac_hex,
                         uint64_t cache_bytes, char *err, size_t errlen)
{
    snprintf(err, errlen, "sefs is not in this test");
    return NULL;
}

struct inode *devfs_mount(struct mount *m)
{
    return NULL;
}

struct inode *procfs_mount(struct mount *m)
{
    return NULL;
}

struct file *stdio_open(int fd)
{
    return NULL;
}

struct file *stdio_open_owned(int fd)
{
    return NULL;
}

int shared_map_count;
void shared_map_before_io(struct file *f) {}
void shared_map_after_write(struct file *f) {}
