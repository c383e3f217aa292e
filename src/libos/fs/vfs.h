/*
 * vfs: the LibOS's file-system object model (Linux fs/ style).
 *
 * - struct inode: one file-system object (refcounted). Its fs supplies
 *   struct inode_ops; the cached attributes (mode, ino, size...) are
 *   authoritative for in-memory file systems and a snapshot for hostfs
 *   (whose getattr asks the host again).
 * - struct file: one open file description (refcounted, shared by dup'd
 *   fds and across spawn). Its fs supplies struct file_ops when the
 *   inode is opened; anonymous files (pipes, sockets, eventfds) have no
 *   inode and are made with file_alloc_anon().
 * - struct mount: a mount table entry. The path walk switches to a mount's
 *   root inode when the canonical path walked so far equals its target.
 * - the path walk (namei.c), the fd table (fdtable.c), fs_struct (cwd,
 *   umask) and the constructors of each file system.
 *
 * All operations return 0 / a count, or a negative errno.
 */
#ifndef LIBOS_FS_VFS_H
#define LIBOS_FS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "fs/fs_core.h"
#include "fs/path.h"
#include "fs/uio.h"
#include "util/lock.h"

struct inode;
struct file;
struct mount;
struct poll_table;
struct statfs;
struct text;

/* Attributes to change (setattr); `valid` says which. Times are absolute
 * (the VFS resolves UTIME_NOW and drops UTIME_OMIT). */
#define ATTR_MODE 1u
#define ATTR_SIZE 2u
#define ATTR_ATIME 4u
#define ATTR_MTIME 8u
#define ATTR_UID 16u
#define ATTR_GID 32u
struct iattr {
    unsigned valid;
    mode_t mode;
    off_t size;
    struct timespec atime, mtime;
    uid_t uid;
    gid_t gid;
};

struct inode_ops {
    /* Directory operations; `name` is one component (no '/', not "."/"..").
     * lookup: -ENOENT when absent. create/mkdir/symlink: -EEXIST when
     * present. The VFS has already checked read-only mounts. */
    int (*lookup)(struct inode *dir, const char *name, struct inode **out);
    int (*create)(struct inode *dir, const char *name, mode_t mode, struct inode **out);
    int (*mkdir)(struct inode *dir, const char *name, mode_t mode);
    int (*unlink)(struct inode *dir, const char *name);
    int (*rmdir)(struct inode *dir, const char *name);
    /* flags: 0, RENAME_NOREPLACE or RENAME_EXCHANGE (the VFS checked the
     * combination); both dirs are on the same mount. */
    int (*rename)(struct inode *odir, const char *oname, struct inode *ndir, const char *nname,
                  unsigned flags);
    /* O_TMPFILE: a regular file without a name (st_nlink 0) in dir's file
     * system; linkat can give it one if `linkable`. Reference to *out. */
    int (*tmpfile)(struct inode *dir, mode_t mode, bool linkable, struct inode **out);
    /* A FIFO or socket node (mode has the type; the VFS applied umask). */
    int (*mknod)(struct inode *dir, const char *name, mode_t mode);
    int (*link)(struct inode *old, struct inode *dir, const char *name);
    int (*symlink)(struct inode *dir, const char *name, const char *target);
    /* Symlinks: the link text (not NUL-terminated, truncated to len). */
    ssize_t (*readlink)(struct inode *ino, char *buf, size_t len);
    /* "Magic" links (/proc/[pid]/fd/N): resolve straight to an object and
     * its canonical path (malloc'd) instead of walking the link text. */
    int (*get_link)(struct inode *ino, struct inode **target, char **path);
    int (*getattr)(struct inode *ino, struct stat *st);
    int (*setattr)(struct inode *ino, const struct iattr *attr);
    /* Fill f->fops and f->priv. `f->flags` has the open flags; the op
     * applies O_TRUNC itself (after the VFS checked it is allowed). */
    int (*open)(struct inode *ino, struct file *f);
    /* Free fs-private data; called when the last reference goes. */
    void (*evict)(struct inode *ino);
};

struct file_ops {
    /* read/write use and advance f->pos; when absent the VFS uses
     * pread/pwrite at f->pos under f->pos_lock. They move up to
     * uio_resid() bytes through the uio (fs/uio.h: never touching the
     * memory directly) and return the count moved (uio_result), 0 at the
     * end of the file, or -errno when nothing moved. */
    ssize_t (*read)(struct file *f, struct uio *to);
    ssize_t (*write)(struct file *f, struct uio *from);
    ssize_t (*pread)(struct file *f, struct uio *to, off_t off);
    ssize_t (*pwrite)(struct file *f, struct uio *from, off_t off);
    /* Absent: the VFS seeks within the inode's size (SEEK_SET/CUR/END). */
    off_t (*lseek)(struct file *f, off_t off, int whence);
    /* arg is the application's pointer or value, unchecked. -ENOTTY when
     * the request is unknown. */
    long (*ioctl)(struct file *f, unsigned long req, unsigned long arg);
    /* Fill buf (a LibOS buffer: sys_getdents64 copies it out) with struct linux_dirent64s
     * starting at f->pos; -EINVAL when the first entry does not fit. */
    ssize_t (*getdents64)(struct file *f, void *buf, size_t len);
    int (*fsync)(struct file *f, int datasync);
    int (*ftruncate)(struct file *f, off_t len);
    /* Overrides the inode's getattr (anonymous files, host fds). */
    int (*fstat)(struct file *f, struct stat *st);
    /* F_SETFL changed O_NONBLOCK/O_APPEND; the new flags are in f->flags. */
    int (*setfl)(struct file *f, int newflags);
    /* fcntl commands the VFS does not handle itself (F_GETPIPE_SZ...);
     * absent: -EINVAL. */
    long (*fcntl)(struct file *f, int cmd, unsigned long arg);
    /* Readiness (POLL* bits) for poll/select/epoll (net/poll.h): with pt
     * non-NULL, also register on the wait queues that can change it. */
    unsigned (*poll)(struct file *f, struct poll_table *pt);
    /* A file that forwards its data to another (unionfs): that one. */
    struct file *(*data_source)(struct file *f);
    /* The lines of its kind that /proc/[pid]/fdinfo/N adds (pidfd's Pid:). */
    int (*fdinfo)(struct file *f, struct text *t);
    /* Files backed by a host fd: that fd, so that poll asks the host. */
    int (*host_fd)(struct file *f);
    /* Host-fd files: write up to count bytes that the host takes from the
     * host fd src at *off (advanced; NULL: src's own position), without
     * a copy through LibOS memory (sendfile, fs/host_copy.c). */
    ssize_t (*send_host)(struct file *f, int src, off_t *off, size_t count);
    void (*release)(struct file *f);
    /* Signal-driven I/O works (O_ASYNC, fs/fasync.c): Linux's pipes and
     * sockets; FIOASYNC on other files is ENOTTY. */
    bool fasync;
};

struct inode {
    int refcount;
    mode_t mode; /* type and permission bits */
    ino_t ino;
    nlink_t nlink;
    uid_t uid;
    gid_t gid;
    off_t size;
    dev_t rdev;
    struct timespec atime, mtime, ctime;
    const struct inode_ops *iops;
    struct mount *mnt;
    void *priv;        /* fs-private */
    struct mutex lock; /* for the fs's use (ramfs: data and attributes) */
};

/* Mount flags */
#define MNT_RDONLY 1 /* every modification gives EROFS */
#define MNT_NOEXEC 2 /* execve gives EACCES (hostfs, as Occlum) */
/* The files' bytes cannot change while mounted (the verified SEFS image
 * layer), so copies of them never go stale (loader/image_cache.c). */
#define MNT_IMMUTABLE 4

struct mount {
    char target[LIBOS_PATH_MAX]; /* canonical */
    const char *type;            /* "hostfs", "ramfs", ..., for /proc/mounts */
    char *source;                /* host directory (hostfs), or NULL */
    int flags;
    dev_t dev;
    long magic; /* f_type for statfs */
    struct inode *root;
};

/* f->fmode */
#define FMODE_READ 1
#define FMODE_WRITE 2
#define FMODE_PATH 4   /* O_PATH: no I/O at all */
#define FMODE_SOCKET 8 /* a host socket made by socket(2) and friends (net/socket.c) */

struct file {
    int refcount;
    struct inode *inode; /* NULL for anonymous files */
    char *path;          /* canonical LibOS path, or a name such as "pipe:[3]" */
    int flags;           /* open flags; status bits change with F_SETFL */
    int fmode;
    off_t pos;
    struct mutex pos_lock;
    const struct file_ops *fops;
    void *priv;
    /* Signal-driven I/O (fs/fasync.c): F_SETOWN's owner (pid, or -pgid;
     * 0 none), F_SETSIG's signal (0: SIGIO), the registration while
     * O_ASYNC is set. */
    int owner, async_sig;
    struct fasync *fasync;
    /* fs/inotify.c: the key of the directory holding the file, while
     * notify_gen is current (0: not looked up). */
    uint32_t notify_gen;
    dev_t notify_pdev;
    ino_t notify_pino;
    int epolls; /* epoll entries on it (net/epoll.c): none, no work at release */
};

/* ---- inodes and files (vfs.c) ---- */
struct inode *inode_new(struct mount *mnt, const struct inode_ops *iops, mode_t mode);
void inode_get(struct inode *ino);
void inode_put(struct inode *ino);
/* stat of an inode (its getattr, with the mount's st_dev). */
int inode_stat(struct inode *ino, struct stat *st);
bool inode_readonly(const struct inode *ino);
/* The file that f reads its bytes from (f itself, or the layer file a
 * unionfs file forwards to) when that one lies on an MNT_IMMUTABLE mount;
 * else NULL. */
struct file *file_immutable_source(struct file *f);
void vfs_now(struct timespec *ts);

/* A new file on ino (reference taken on ino), path copied. */
struct file *file_new(struct inode *ino, const char *path, int flags);
/*
 * For other LibOS objects (pipes, sockets, eventfd...): a file with no
 * inode. `flags` are the open flags (O_RDONLY/O_WRONLY/O_RDWR,
 * O_NONBLOCK); `name` is what /proc/[pid]/fd/N shows. fops->fstat should
 * be set. Returns NULL when out of memory.
 */
struct file *file_alloc_anon(const struct file_ops *fops, void *priv, int flags, const char *name);
/* A file description is going away: epolls drop it (net/epoll.c). */
void epoll_on_file_release(struct file *f);

/* Read/write with the checks of read(2)/write(2) (EBADF, EISDIR...),
 * through a uio (the system calls: the application's segments), or one
 * buffer (LibOS memory or checked application memory). */
ssize_t vfs_read_uio(struct file *f, struct uio *to);
ssize_t vfs_write_uio(struct file *f, struct uio *from);
ssize_t vfs_pread_uio(struct file *f, struct uio *to, off_t off);
ssize_t vfs_pwrite_uio(struct file *f, struct uio *from, off_t off);
ssize_t vfs_read(struct file *f, void *buf, size_t len);
ssize_t vfs_write(struct file *f, const void *buf, size_t len);
ssize_t vfs_pread(struct file *f, void *buf, size_t len, off_t off);
ssize_t vfs_pwrite(struct file *f, const void *buf, size_t len, off_t off);
off_t vfs_lseek(struct file *f, off_t off, int whence);
/* Open an inode reached by a path walk (flags: open(2) flags). */
int vfs_open_inode(struct inode *ino, const char *path, int flags, struct file **out);
int vfs_truncate_inode(struct inode *ino, off_t len);
/* A write or truncate by an unprivileged process clears the file's
 * set-ID bits (fs/permission.h). */
void vfs_kill_privs(struct inode *ino);

/* Fill one struct linux_dirent64; returns the record length, or 0 when it
 * does not fit in len. */
size_t dirent_emit(void *buf, size_t len, uint64_t ino, int64_t off, unsigned char type,
                   const char *name);

/* A directory listing fixed at open time (devfs, procfs): getdents64 and
 * lseek over it use f->pos as an index. */
struct dir_snapshot {
    size_t n, cap;
    struct dir_snapshot_ent {
        uint64_t ino;
        unsigned char type;
        char name[LIBOS_NAME_MAX + 1];
    } * ents;
};
int dir_snapshot_add(struct dir_snapshot *s, uint64_t ino, unsigned char type, const char *name);
extern const struct file_ops dir_snapshot_fops; /* f->priv = struct dir_snapshot * */

/* A read-only file whose content is built at open time (procfs). */
struct buf_file {
    char *data;
    size_t len;
};
int buf_file_open(struct file *f, char *data, size_t len); /* takes data (malloc'd) */
extern const struct file_ops buf_file_fops;

/* ---- mounts (mount.c) ---- */
/* The mount whose target equals the canonical path, or NULL. */
struct mount *mount_find(const char *canon);
struct inode *vfs_root(void);
/* mount(2) / umount2(2): add a mount at a canonical target (-EBUSY when
 * one is there already), remove one (the object stays allocated; its
 * device number is free again unless files or a cwd still use it). */
int mount_runtime_add(const char *canon_target, const char *type, const char *hostdir, int flags);
int mount_runtime_remove(struct mount *m, bool in_use);
/* A mount built by the caller (its target canonical): -EBUSY when one is
 * there already, -ENOMEM when the table is full. */
int mount_runtime_insert(struct mount *m);
/* A host path of a mount's source: relative ones start at the instance
 * directory. 0 or -ENAMETOOLONG. */
int mount_host_path(const char *source, char *out, size_t outlen);
/* statfs f_type of the union root and the sefs layers. */
#define SEFS_STATFS_MAGIC 0x53454653 /* "SEFS" */
/* For /proc/mounts: the i-th mount, or NULL. */
struct mount *mount_at(size_t i);
/* statfs of a mount (NULL: an anonymous file's). */
int vfs_statfs(struct mount *m, struct statfs *st);
/* CLOCK_MONOTONIC at vfs_init, for /proc/uptime */
void vfs_boot_time(struct timespec *ts);

/* ---- the path walk (namei.c) ---- */
#define WALK_FOLLOW 1    /* follow a final symlink */
#define WALK_DIRECTORY 2 /* the result must be a directory */
#define WALK_EMPTY 4     /* "" means the dirfd itself (AT_EMPTY_PATH) */
#define WALK_PARENT 8    /* stop at the parent of the last component */

enum { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT };

struct nameidata {
    struct inode *inode;           /* result, or the parent with WALK_PARENT */
    char *path;                    /* its canonical path (malloc'd, PATH_MAX) */
    char last[LIBOS_NAME_MAX + 1]; /* WALK_PARENT: the last component */
    int last_type;                 /* WALK_PARENT: LAST_* */
    bool trailing;                 /* the last component had a trailing slash */
    int nlinks;                    /* symlinks followed so far (max 40) */
};

/*
 * Walk `path` (LibOS memory) for process p, relative to dirfd (AT_FDCWD:
 * the cwd) when it is relative. On success nd->inode and nd->path hold
 * references the caller drops with nd_release().
 */
int namei_at(struct process *p, int dirfd, const char *path, int flags, struct nameidata *nd);
void nd_release(struct nameidata *nd);
/* The directory at a canonical path, walked again by the LibOS (no search
 * checks); a reference to it in *out. */
int namei_canonical_dir(const char *path, struct inode **out);
/* WALK_PARENT result: look up nd->last in nd->inode (crossing a mount
 * mounted there). -ENOENT when absent. */
int nd_lookup_last(struct nameidata *nd, struct inode **child);
/* WALK_PARENT result: canonical path of the last component, malloc'd. */
char *nd_last_path(const struct nameidata *nd);

/* fs_struct internals */
struct fs_struct {
    int refcount;
    struct mutex lock;
    char *cwd; /* canonical */
    struct inode *cwd_inode;
    mode_t umask;
};
/* Set the cwd (takes a reference on ino, copies path). */
int fs_struct_set_cwd(struct fs_struct *fs, struct inode *ino, const char *path);

/* ---- fd tables (fdtable.c) ---- */
#define FD_MAX 4096 /* the hard RLIMIT_NOFILE; the soft one (1024) is per process */

/* fds p may use: its RLIMIT_NOFILE soft limit, at most FD_MAX. */
int fd_limit(struct process *p);
/* Install f at the lowest free fd in [minfd, limit). Takes over the
 * caller's reference on success. Returns the fd, -EMFILE, or -EINVAL
 * (minfd out of range). */
int fdtable_install(struct fdtable *t, struct file *f, int minfd, int limit, bool cloexec);
/* Put f at fd (closing what was there). Takes over the reference. */
int fdtable_install_at(struct fdtable *t, int fd, struct file *f, bool cloexec);
struct file *fdtable_get(struct fdtable *t, int fd); /* reference taken, or NULL */
int fdtable_close(struct fdtable *t, int fd);        /* 0 or -EBADF */
int fdtable_get_cloexec(struct fdtable *t, int fd);  /* 0/1 or -EBADF */
int fdtable_set_cloexec(struct fdtable *t, int fd, bool on);
/* For /proc/[pid]/fd: the open fds, ascending, into fds (at most max). */
size_t fdtable_list(struct fdtable *t, int *fds, size_t max);
/* Convenience for other subsystems: install in p's table; flags may have
 * O_CLOEXEC. Takes over the reference on success. */
int fd_install(struct process *p, struct file *f, int flags);

/* ---- file systems ---- */
struct inode *hostfs_mount(struct mount *m, const char *hostdir, char *err, size_t errlen);
struct inode *ramfs_mount(struct mount *m);
/* A ramfs in no directory, with a device number of its own (memfd_create's
 * files live there); NULL without memory. */
struct mount *mount_internal_ramfs(const char *name);
/* A memfd_create file with MFD_ALLOW_SEALING (fs/memfd.c): seals may be added. */
void ramfs_allow_sealing(struct inode *ino);
/* unionfs.c: a writable union of a read-only lower and a writable upper
 * file system, given by their roots (references taken over). */
struct inode *unionfs_mount(struct mount *m, struct inode *lower, struct inode *upper);
struct inode *devfs_mount(struct mount *m);
struct inode *procfs_mount(struct mount *m);
/* stdio.c: a file over the host's fd 0, 1 or 2 (NULL when it is closed). */
struct file *stdio_open(int hostfd);
/* The same for any host fd, which the LibOS then owns (closed with the
 * last file or inode using it; also when this fails). NULL: fd < 0. */
struct file *stdio_open_owned(int hostfd);
/* stdio.c: a file over a host fd the file owns (devfs tty). */
int hostfd_file_init(struct file *f, int hostfd);
/* The same when the host fd's file type (mode's S_IFMT bits) is known. */
int hostfd_file_init_typed(struct file *f, int hostfd, mode_t mode);

#endif
