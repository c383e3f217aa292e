/*
 * devfs: /dev. A fixed directory of character devices (null, zero, full,
 * random, urandom, tty), the standard stream links (stdin, stdout, stderr
 * -> /proc/self/fd/N, fd -> /proc/self/fd) and shm/ (a ramfs mounted on
 * /dev/shm by vfs_init; listed here so that directory listings show it).
 */
#include "common/usercopy.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "util/kheap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

/* ---- device file operations ---- */

static ssize_t zero_read(struct file *f, struct uio *to)
{
    uio_zero(to, uio_resid(to));
    return uio_result(to, 0);
}

static ssize_t zero_pread(struct file *f, struct uio *to, off_t off)
{
    return zero_read(f, to);
}

static ssize_t null_read(struct file *f, struct uio *to)
{
    return 0;
}

static ssize_t null_pread(struct file *f, struct uio *to, off_t off)
{
    return 0;
}

static ssize_t sink_write(struct file *f, struct uio *from)
{
    size_t n = uio_resid(from);
    uio_advance(from, n);
    return (ssize_t)n;
}

static ssize_t sink_pwrite(struct file *f, struct uio *from, off_t off)
{
    return sink_write(f, from);
}

static ssize_t full_write(struct file *f, struct uio *from)
{
    return -ENOSPC;
}

static ssize_t full_pwrite(struct file *f, struct uio *from, off_t off)
{
    return -ENOSPC;
}

/* The host fills the application's memory itself (EFAULT, never a fault). */
static ssize_t random_read(struct file *f, struct uio *to)
{
    void *p;
    size_t n;
    while ((n = uio_piece(to, &p, SIZE_MAX))) {
        int r = pal_random(p, n);
        if (r < 0) return uio_result(to, r);
        uio_advance(to, n);
    }
    return uio_result(to, 0);
}

static ssize_t random_pread(struct file *f, struct uio *to, off_t off)
{
    return random_read(f, to);
}

/* Seeking a device is allowed and always lands at 0, as on Linux. */
static off_t dev_lseek(struct file *f, off_t off, int whence)
{
    return 0;
}

static const struct file_ops null_fops = {
    .read = null_read,
    .pread = null_pread,
    .write = sink_write,
    .pwrite = sink_pwrite,
    .lseek = dev_lseek,
};
static const struct file_ops zero_fops = {
    .read = zero_read,
    .pread = zero_pread,
    .write = sink_write,
    .pwrite = sink_pwrite,
    .lseek = dev_lseek,
};
static const struct file_ops full_fops = {
    .read = zero_read,
    .pread = zero_pread,
    .write = full_write,
    .pwrite = full_pwrite,
    .lseek = dev_lseek,
};
/* Writing to /dev/[u]random is accepted (Linux mixes it into the pool). */
static const struct file_ops random_fops = {
    .read = random_read,
    .pread = random_pread,
    .write = sink_write,
    .pwrite = sink_pwrite,
    .lseek = dev_lseek,
};

/* ---- the directory ---- */

struct devent {
    const char *name;
    mode_t mode;
    unsigned major, minor;
    const char *link;            /* symlinks */
    const struct file_ops *fops; /* devices; NULL for tty (a host fd) */
};

static const struct devent devents[] = {
    {"null", S_IFCHR | 0666, 1, 3, NULL, &null_fops},
    {"zero", S_IFCHR | 0666, 1, 5, NULL, &zero_fops},
    {"full", S_IFCHR | 0666, 1, 7, NULL, &full_fops},
    {"random", S_IFCHR | 0666, 1, 8, NULL, &random_fops},
    {"urandom", S_IFCHR | 0666, 1, 9, NULL, &random_fops},
    {"tty", S_IFCHR | 0666, 5, 0, NULL, NULL},
    {"stdin", S_IFLNK | 0777, 0, 0, "/proc/self/fd/0", NULL},
    {"stdout", S_IFLNK | 0777, 0, 0, "/proc/self/fd/1", NULL},
    {"stderr", S_IFLNK | 0777, 0, 0, "/proc/self/fd/2", NULL},
    {"fd", S_IFLNK | 0777, 0, 0, "/proc/self/fd", NULL},
    {"shm", S_IFDIR | 01777, 0, 0, NULL, NULL},
};
#define NDEV (sizeof(devents) / sizeof(devents[0]))

static struct inode *dev_inodes[NDEV];

static int devfs_lookup(struct inode *dir, const char *name, struct inode **out)
{
    for (size_t i = 0; i < NDEV; i++) {
        if (strcmp(devents[i].name, name) == 0) {
            inode_get(dev_inodes[i]);
            *out = dev_inodes[i];
            return 0;
        }
    }
    return -ENOENT;
}

static int devfs_open_dir(struct inode *ino, struct file *f)
{
    struct dir_snapshot *s = kcalloc(1, sizeof(*s));
    if (!s) return -ENOMEM;
    f->priv = s;
    f->fops = &dir_snapshot_fops;
    int r = dir_snapshot_add(s, ino->ino, DT_DIR, ".");
    if (r == 0) r = dir_snapshot_add(s, ino->ino, DT_DIR, "..");
    for (size_t i = 0; r == 0 && i < NDEV; i++)
        r = dir_snapshot_add(s, dev_inodes[i]->ino, IFTODT(devents[i].mode), devents[i].name);
    return r;
}

static int devfs_open(struct inode *ino, struct file *f)
{
    const struct devent *d = ino->priv;
    if (!d || S_ISDIR(ino->mode)) return devfs_open_dir(ino, f);
    if (d->fops) {
        f->fops = d->fops;
        return 0;
    }
    /* /dev/tty: the host's controlling terminal. */
    int acc = f->flags & O_ACCMODE;
    int fd = pal_host_open(
        "/dev/tty", (acc == 3 ? O_RDWR : acc) | O_NOCTTY | O_CLOEXEC | (f->flags & O_NONBLOCK), 0);
    if (fd < 0) return fd == -ENOENT ? -ENXIO : fd;
    return hostfd_file_init(f, fd);
}

static ssize_t devfs_readlink(struct inode *ino, char *buf, size_t len)
{
    const struct devent *d = ino->priv;
    size_t n = strlen(d->link);
    if (n > len) n = len;
    memcpy(buf, d->link, n);
    return (ssize_t)n;
}

static const struct inode_ops devfs_iops = {
    .lookup = devfs_lookup,
    .readlink = devfs_readlink,
    .open = devfs_open,
};

struct inode *devfs_mount(struct mount *m)
{
    struct inode *root = inode_new(m, &devfs_iops, S_IFDIR | 0755);
    if (!root) return NULL;
    root->ino = 1;
    root->nlink = 3;
    for (size_t i = 0; i < NDEV; i++) {
        const struct devent *d = &devents[i];
        struct inode *ino = inode_new(m, &devfs_iops, d->mode);
        if (!ino) return NULL;
        ino->ino = 2 + i;
        ino->rdev = makedev(d->major, d->minor);
        ino->priv = (void *)d;
        if (d->link) ino->size = (off_t)strlen(d->link);
        if (S_ISDIR(d->mode)) ino->nlink = 2;
        dev_inodes[i] = ino; /* kept for the life of the LibOS */
    }
    return root;
}
