/*
 * sys_sync: fallocate(2), sync(2) and syncfs(2).
 *
 * fallocate reserves nothing in advance on these file systems (ramfs and
 * the union's memory layer allocate as they are written; hostfs passes
 * through ftruncate): mode 0 extends the size like the kernel does,
 * FALLOC_FL_KEEP_SIZE only validates, and the hole-punching and range
 * modes are not supported (EOPNOTSUPP, as on file systems without them).
 */
#include "fs/fsnotify.h"
#include "fs/sys_sync.h"

#include "fs/sefs_rw.h"
#include "fs/sys_common.h"
#include "pal/pal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>

long sys_fallocate(int fd, int mode, off_t offset, off_t len)
{
    if (offset < 0 || len <= 0) return -EINVAL;
    if (mode & ~FALLOC_FL_KEEP_SIZE) return -EOPNOTSUPP;
    if (offset > INT64_MAX - len) return -EFBIG;
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    long r = 0;
    struct stat st;
    if ((f->fmode & FMODE_PATH) || !(f->fmode & FMODE_WRITE)) {
        r = -EBADF;
    } else if (!f->inode) {
        r = -ESPIPE; /* pipes and sockets */
    } else if (S_ISDIR(f->inode->mode)) {
        r = -EISDIR;
    } else if (!S_ISREG(f->inode->mode)) {
        r = -ENODEV;
    } else if (inode_readonly(f->inode)) {
        r = -EROFS;
    } else if (!(mode & FALLOC_FL_KEEP_SIZE) && (r = file_fstat(f, &st)) == 0 &&
               offset + len > st.st_size) {
        r = f->fops->ftruncate ? f->fops->ftruncate(f, offset + len)
                               : vfs_truncate_inode(f->inode, offset + len);
    }
    if (r == 0) fsnotify_file(f, IN_MODIFY); /* even with KEEP_SIZE, as Linux's vfs_fallocate */
    file_put(f);
    return r;
}

long sys_sync(void)
{
    sefs_rw_sync_all(); /* the writable layer commits (failures are logged) */
    pal_host_sync();    /* hostfs files */
    return 0;
}

long sys_syncfs(int fd)
{
    struct file *f = fs_fd(fd);
    if (!f) return -EBADF;
    file_put(f);
    sefs_rw_sync_all();
    pal_host_sync();
    return 0;
}
