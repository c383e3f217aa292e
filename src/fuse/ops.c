/*
 * ops: the FUSE low-level operations of `occlum mount`.
 *
 * Each request runs the LibOS's own code for the matching system call on
 * the union's inodes (fs/unionfs.c over fs/sefs.c and fs/sefs_rw.c), with
 * the checks the LibOS's system-call layer makes before it calls an inode
 * operation (read-only mounts, name length, reserved names are left to
 * unionfs itself). So a change made here is exactly what a program inside
 * would have made: copy-up, whiteouts, opaque directories, the writable
 * layer's commits (at fsync, at the release of a changed file), and a
 * block of either layer that fails authentication is EIO.
 *
 * The kernel does the path walk (one lookup per component, never following
 * symlinks, whose targets are paths inside the instance) and the
 * permission checks: the mount is private to the user who made it (no
 * allow_other), who may do anything root inside the instance may.
 * Attributes and entries are cached by the kernel for a second: this
 * server is the only writer (the instance lock keeps `occlum run` out).
 */
#include "fuse/fuse_fs.h"

#include "fs/sefs_rw.h"
#include "fs/vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#define TIMEOUT 1.0

static struct file *FH(struct fuse_file_info *fi)
{
    return (struct file *)(uintptr_t)fi->fh;
}

/* Checks the system-call layer makes before a directory operation. */
static int dir_checks(struct fnode *dir, const char *name)
{
    if (!S_ISDIR(dir->ino->mode)) return -ENOTDIR;
    if (strlen(name) > LIBOS_NAME_MAX) return -ENAMETOOLONG;
    if (inode_readonly(dir->ino)) return -EROFS;
    return 0;
}

/* Reply with the entry for `name` in dir, whose inode is `ino`
 * (reference taken over). */
static void reply_entry_of(fuse_req_t req, struct fnode *dir, const char *name, struct inode *ino)
{
    struct fuse_entry_param e;
    memset(&e, 0, sizeof(e));
    int r = inode_stat(ino, &e.attr);
    if (r < 0) {
        inode_put(ino);
        fuse_reply_err(req, -r);
        return;
    }
    struct fnode *n = node_add(dir, name, ino, e.attr.st_ino);
    if (!n) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    e.ino = node_id(n);
    e.attr_timeout = TIMEOUT;
    e.entry_timeout = TIMEOUT;
    if (fuse_reply_entry(req, &e) != 0) node_forget(n, 1); /* the kernel did not take it */
}

/* Reply with the entry of `name`, looked up again after it was made. */
static void reply_made(fuse_req_t req, struct fnode *dir, const char *name, int r)
{
    struct inode *ino = NULL;
    if (r == 0) r = dir->ino->iops->lookup(dir->ino, name, &ino);
    if (r < 0) {
        fuse_reply_err(req, -r);
        return;
    }
    reply_entry_of(req, dir, name, ino);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fnode *dir = node_of(parent);
    struct inode *ino = NULL;
    int r = strlen(name) > LIBOS_NAME_MAX ? -ENAMETOOLONG
            : dir->ino->iops->lookup      ? dir->ino->iops->lookup(dir->ino, name, &ino)
                                          : -ENOTDIR;
    if (r == -ENOENT) {
        /* A negative entry the kernel may cache as long as a positive one. */
        struct fuse_entry_param e = {.ino = 0, .entry_timeout = TIMEOUT};
        fuse_reply_entry(req, &e);
        return;
    }
    if (r < 0) {
        fuse_reply_err(req, -r);
        return;
    }
    reply_entry_of(req, dir, name, ino);
}

static void op_forget(fuse_req_t req, fuse_ino_t id, uint64_t nlookup)
{
    node_forget(node_of(id), nlookup);
    fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
    for (size_t i = 0; i < count; i++)
        node_forget(node_of(forgets[i].ino), forgets[i].nlookup);
    fuse_reply_none(req);
}

static void reply_attr_of(fuse_req_t req, struct inode *ino)
{
    struct stat st;
    int r = inode_stat(ino, &st);
    if (r < 0)
        fuse_reply_err(req, -r);
    else
        fuse_reply_attr(req, &st, TIMEOUT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t id, struct fuse_file_info *fi)
{
    reply_attr_of(req, fi ? FH(fi)->inode : node_of(id)->ino);
}

static void op_setattr(fuse_req_t req, fuse_ino_t id, struct stat *attr, int to_set,
                       struct fuse_file_info *fi)
{
    struct inode *ino = fi ? FH(fi)->inode : node_of(id)->ino;
    struct iattr a = {0};
    struct timespec now;
    int r = 0;
    vfs_now(&now);
    if (to_set & FUSE_SET_ATTR_MODE) {
        a.valid |= ATTR_MODE;
        a.mode = attr->st_mode & 07777;
    }
    if (to_set & FUSE_SET_ATTR_UID) {
        a.valid |= ATTR_UID;
        a.uid = attr->st_uid;
    }
    if (to_set & FUSE_SET_ATTR_GID) {
        a.valid |= ATTR_GID;
        a.gid = attr->st_gid;
    }
    if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW)) {
        a.valid |= ATTR_ATIME;
        a.atime = (to_set & FUSE_SET_ATTR_ATIME_NOW) ? now : attr->st_atim;
    }
    if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) {
        a.valid |= ATTR_MTIME;
        a.mtime = (to_set & FUSE_SET_ATTR_MTIME_NOW) ? now : attr->st_mtim;
    }
    if (to_set & FUSE_SET_ATTR_SIZE) {
        /* As truncate(2)/ftruncate(2): through the open file when there is one. */
        struct file *f = fi ? FH(fi) : NULL;
        if (f && !(f->fmode & FMODE_WRITE))
            r = -EBADF;
        else if (f && f->fops && f->fops->ftruncate && !inode_readonly(ino))
            r = f->fops->ftruncate(f, attr->st_size);
        else
            r = vfs_truncate_inode(ino, attr->st_size);
    }
    if (r == 0 && a.valid) { /* as chmod/chown/utimensat (sys_attr.c) */
        if (inode_readonly(ino))
            r = -EROFS;
        else if (!ino->iops->setattr)
            r = -EPERM;
        else
            r = ino->iops->setattr(ino, &a);
    }
    if (r < 0)
        fuse_reply_err(req, -r);
    else
        reply_attr_of(req, ino);
}

static void op_readlink(fuse_req_t req, fuse_ino_t id)
{
    struct inode *ino = node_of(id)->ino;
    char buf[LIBOS_PATH_MAX + 1];
    ssize_t n = ino->iops->readlink ? ino->iops->readlink(ino, buf, LIBOS_PATH_MAX) : -EINVAL;
    if (n < 0) {
        fuse_reply_err(req, (int)-n);
        return;
    }
    buf[n] = 0;
    fuse_reply_readlink(req, buf);
}

/* As mknod(2) inside (sys_dir.c): regular files, FIFOs and sockets; the
 * kernel itself serves opens of a FIFO on a FUSE mount. */
static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    struct fnode *dir = node_of(parent);
    struct inode *ino = NULL;
    mode_t type = mode & S_IFMT;
    int r = (type == S_IFCHR || type == S_IFBLK)                       ? -EPERM
            : (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK) ? -EINVAL
                                                                       : dir_checks(dir, name);
    if (r == 0 && type == S_IFREG) {
        r = dir->ino->iops->create ? dir->ino->iops->create(dir->ino, name, mode & 07777, &ino)
                                   : -EPERM;
        if (r == 0) inode_put(ino);
    } else if (r == 0) {
        r = dir->ino->iops->mknod ? dir->ino->iops->mknod(dir->ino, name, type | (mode & 07777))
                                  : -EPERM;
    }
    reply_made(req, dir, name, r);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    struct fnode *dir = node_of(parent);
    int r = dir_checks(dir, name);
    if (r == 0)
        r = dir->ino->iops->mkdir ? dir->ino->iops->mkdir(dir->ino, name, mode & 07777) : -EPERM;
    reply_made(req, dir, name, r);
}

static void op_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name)
{
    struct fnode *dir = node_of(parent);
    int r = dir_checks(dir, name);
    if (r == 0 && strlen(target) >= LIBOS_PATH_MAX) r = -ENAMETOOLONG;
    if (r == 0)
        r = dir->ino->iops->symlink ? dir->ino->iops->symlink(dir->ino, name, target) : -EPERM;
    reply_made(req, dir, name, r);
}

static void op_link(fuse_req_t req, fuse_ino_t id, fuse_ino_t newparent, const char *newname)
{
    struct fnode *dir = node_of(newparent), *old = node_of(id);
    int r = dir_checks(dir, newname);
    if (r == 0 && S_ISDIR(old->ino->mode)) r = -EPERM;
    if (r == 0 && old->ino->mnt != dir->ino->mnt) r = -EXDEV;
    if (r == 0)
        r = dir->ino->iops->link ? dir->ino->iops->link(old->ino, dir->ino, newname) : -EPERM;
    reply_made(req, dir, newname, r);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fnode *dir = node_of(parent);
    int r = dir_checks(dir, name);
    if (r == 0) r = dir->ino->iops->unlink ? dir->ino->iops->unlink(dir->ino, name) : -EPERM;
    fuse_reply_err(req, -r);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct fnode *dir = node_of(parent);
    int r = dir_checks(dir, name);
    if (r == 0) r = dir->ino->iops->rmdir ? dir->ino->iops->rmdir(dir->ino, name) : -EPERM;
    fuse_reply_err(req, -r);
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
                      const char *newname, unsigned int flags)
{
    struct fnode *odir = node_of(parent), *ndir = node_of(newparent);
    /* Whiteout objects need devices, which no layer stores (sys_dir.c); the
     * kernel checked the rest (both names exist for RENAME_EXCHANGE...). */
    int r = (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) ? -EINVAL : dir_checks(odir, name);
    if (r == 0) r = dir_checks(ndir, newname);
    if (r == 0 && odir->ino->mnt != ndir->ino->mnt) r = -EXDEV;
    if (r == 0)
        r = odir->ino->iops->rename
                ? odir->ino->iops->rename(odir->ino, name, ndir->ino, newname, flags)
                : -EPERM;
    fuse_reply_err(req, -r);
}

/* The open(2) flags the LibOS file gets: the kernel keeps the position and
 * the append offset itself, and made the file already for O_CREAT. */
static int open_flags(int flags)
{
    return flags & (O_ACCMODE | O_TRUNC | O_DIRECTORY | O_NOATIME);
}

static void op_open(fuse_req_t req, fuse_ino_t id, struct fuse_file_info *fi)
{
    struct fnode *n = node_of(id);
    struct file *f;
    int r = vfs_open_inode(n->ino, n->path, open_flags(fi->flags), &f);
    if (r < 0) {
        fuse_reply_err(req, -r);
        return;
    }
    fi->fh = (uintptr_t)f;
    if (fuse_reply_open(req, fi) != 0) file_put(f);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
                      struct fuse_file_info *fi)
{
    struct fnode *dir = node_of(parent);
    struct inode *ino = NULL;
    int r = dir_checks(dir, name), flags = open_flags(fi->flags);
    if (r == 0) r = dir->ino->iops->create ? 0 : -EPERM;
    if (r == 0) {
        r = dir->ino->iops->create(dir->ino, name, mode & 07777, &ino);
        if (r == 0)
            flags &= ~O_TRUNC; /* new and empty */
        else if (r == -EEXIST && !(fi->flags & O_EXCL))
            r = dir->ino->iops->lookup(dir->ino, name, &ino); /* made meanwhile: open it */
    }
    if (r < 0) {
        fuse_reply_err(req, -r);
        return;
    }
    struct fuse_entry_param e;
    memset(&e, 0, sizeof(e));
    if ((r = inode_stat(ino, &e.attr)) < 0) {
        inode_put(ino);
        fuse_reply_err(req, -r);
        return;
    }
    struct fnode *n = node_add(dir, name, ino, e.attr.st_ino);
    struct file *f = NULL;
    r = n ? vfs_open_inode(n->ino, n->path, flags, &f) : -ENOMEM;
    if (r < 0) {
        if (n) node_forget(n, 1);
        fuse_reply_err(req, -r);
        return;
    }
    e.ino = node_id(n);
    e.attr_timeout = TIMEOUT;
    e.entry_timeout = TIMEOUT;
    fi->fh = (uintptr_t)f;
    if (fuse_reply_create(req, &e, fi) != 0) {
        file_put(f);
        node_forget(n, 1);
    }
}

static void op_read(fuse_req_t req, fuse_ino_t id, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
    char *buf = malloc(size ? size : 1);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    /* A short read means the end of the file: fill the request. */
    size_t done = 0;
    ssize_t r = 0;
    while (done < size) {
        r = vfs_pread(FH(fi), buf + done, size - done, off + (off_t)done);
        if (r <= 0) break;
        done += (size_t)r;
    }
    if (r < 0 && done == 0)
        fuse_reply_err(req, (int)-r);
    else
        fuse_reply_buf(req, buf, done);
    free(buf);
}

static void op_write(fuse_req_t req, fuse_ino_t id, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    size_t done = 0;
    ssize_t r = 0;
    while (done < size) {
        r = vfs_pwrite(FH(fi), buf + done, size - done, off + (off_t)done);
        if (r <= 0) break;
        done += (size_t)r;
    }
    if (r < 0 && done == 0)
        fuse_reply_err(req, (int)-r);
    else if (r == 0 && done == 0)
        fuse_reply_err(req, EIO);
    else
        fuse_reply_write(req, done);
}

static void op_flush(fuse_req_t req, fuse_ino_t id, struct fuse_file_info *fi)
{
    fuse_reply_err(req, 0);
}

/* The last close: the writable layer commits a changed file here
 * (fs/ramfs.c's release), as at a close inside the LibOS. */
static void op_release(fuse_req_t req, fuse_ino_t id, struct fuse_file_info *fi)
{
    file_put(FH(fi));
    fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t id, int datasync, struct fuse_file_info *fi)
{
    struct file *f = FH(fi);
    int r = f->fops && f->fops->fsync ? f->fops->fsync(f, datasync) : 0;
    fuse_reply_err(req, -r);
}

static void op_opendir(fuse_req_t req, fuse_ino_t id, struct fuse_file_info *fi)
{
    struct fnode *n = node_of(id);
    struct file *f;
    int r = vfs_open_inode(n->ino, n->path, O_RDONLY | O_DIRECTORY, &f);
    if (r < 0) {
        fuse_reply_err(req, -r);
        return;
    }
    fi->fh = (uintptr_t)f;
    if (fuse_reply_open(req, fi) != 0) file_put(f);
}

struct d64 {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

/* getdents64 of the union directory from `off` (an offset it handed out),
 * turned into FUSE entries until the reply is full. */
static void op_readdir(fuse_req_t req, fuse_ino_t id, size_t size, off_t off,
                       struct fuse_file_info *fi)
{
    struct file *f = FH(fi);
    char *out = malloc(size), *in = malloc(size + 512);
    size_t used = 0;
    off_t r = (out && in) ? vfs_lseek(f, off, SEEK_SET) : -ENOMEM;
    bool full = false;
    while (r >= 0 && !full) {
        ssize_t n = f->fops->getdents64 ? f->fops->getdents64(f, in, size + 512) : -ENOTDIR;
        if (n <= 0) {
            r = n;
            break;
        }
        for (ssize_t o = 0; o < n; o += ((struct d64 *)(in + o))->reclen) {
            struct d64 *d = (struct d64 *)(in + o);
            struct stat st = {.st_ino = d->ino, .st_mode = (mode_t)DTTOIF(d->type)};
            size_t need = fuse_add_direntry(req, out + used, size - used, d->name, &st, d->off);
            if (need > size - used) {
                full = true;
                break;
            }
            used += need;
        }
    }
    if (r < 0 && used == 0)
        fuse_reply_err(req, (int)-r);
    else
        fuse_reply_buf(req, out, used);
    free(out);
    free(in);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t id, struct fuse_file_info *fi)
{
    file_put(FH(fi));
    fuse_reply_err(req, 0);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t id, int datasync, struct fuse_file_info *fi)
{
    op_fsync(req, id, datasync, fi);
}

static void op_statfs(fuse_req_t req, fuse_ino_t id)
{
    struct statfs sf;
    struct statvfs sv;
    vfs_statfs(node_of(id)->ino->mnt, &sf);
    memset(&sv, 0, sizeof(sv));
    sv.f_bsize = (unsigned long)sf.f_bsize;
    sv.f_frsize = (unsigned long)sf.f_frsize;
    sv.f_blocks = sf.f_blocks;
    sv.f_bfree = sf.f_bfree;
    sv.f_bavail = sf.f_bavail;
    sv.f_files = sf.f_files;
    sv.f_ffree = sf.f_ffree;
    sv.f_favail = sf.f_ffree;
    sv.f_namemax = (unsigned long)sf.f_namelen;
    fuse_reply_statfs(req, &sv);
}

/* The session ends (unmount, or the kernel gives up): commit what is left,
 * as the runtime does when the last process exits. */
static void op_destroy(void *userdata)
{
    (void)sefs_rw_sync_all();
}

const struct fuse_lowlevel_ops occlum_fuse_ops = {
    .destroy = op_destroy,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .setattr = op_setattr,
    .readlink = op_readlink,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .symlink = op_symlink,
    .rename = op_rename,
    .link = op_link,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .flush = op_flush,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = op_opendir,
    .readdir = op_readdir,
    .releasedir = op_releasedir,
    .fsyncdir = op_fsyncdir,
    .statfs = op_statfs,
    .create = op_create,
};
