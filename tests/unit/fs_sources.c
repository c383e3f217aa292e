/*
 * fs_sources: the file-system sources test_vfs.c and test_unionfs.c link
 * with, gathered in one translation unit so that their "unit-sources"
 * lines stay within the column limit (run-unit.sh reads only that first
 * line).
 */
#include "fs/path.c"
#include "fs/vfs.c"
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
