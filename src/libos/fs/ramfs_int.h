/*
 * ramfs_int.h: ramfs's internals, shared with the persistent writable
 * layer (fs/sefs_rw.c), which is a ramfs whose tree it commits to
 * encrypted host files and loads back at mount.
 *
 * Locking is ramfs's (fs/ramfs.c): sb->lock guards the namespace, each
 * inode's lock its data, size and times; namespace lock first.
 */
#ifndef LIBOS_FS_RAMFS_INT_H
#define LIBOS_FS_RAMFS_INT_H

#include "fs/vfs.h"

/* Persistence hooks; all set together (NULL: a plain ramfs). A
 * persistent ramfs keeps no file data itself: read, write and resize go
 * to the hooks (inode lock held), which keep it on the host. */
struct ramfs_persist {
    /* Make the current tree durable (fsync, close of a modified file). */
    int (*commit)(void *ctx);
    /* ino's attributes or data changed (any lock may be held). */
    void (*changed)(void *ctx, struct inode *ino);
    /* A directory entry was added or removed (sb->lock held). */
    void (*dirent)(void *ctx, struct inode *dir, const char *name, struct inode *child, bool add);
    /* ino is going away. */
    void (*forget)(void *ctx, struct inode *ino);
    /* len bytes of the file at off, through the uio (fs/uio.h) */
    ssize_t (*read)(void *ctx, struct inode *ino, struct uio *to, size_t len, off_t off,
                    const char *path);
    ssize_t (*write)(void *ctx, struct inode *ino, struct uio *from, size_t len, off_t off,
                     const char *path);
    /* Set ino->size; new bytes read as zero. */
    int (*resize)(void *ctx, struct inode *ino, off_t size);
};

struct ramfs_sb {
    struct mutex lock;
    uint64_t next_ino;
    const struct ramfs_persist *persist;
    void *pctx;
    bool dirty;   /* changed since the last commit (atomic) */
    bool loading; /* the hooks are loading the tree: no times, no hooks */
};

struct rdirent {
    struct rdirent *next, *prev;
    struct rdirent *hnext; /* in its hash bucket */
    uint32_t hash;
    struct inode *inode; /* referenced */
    uint64_t cookie;
    char name[];
};

struct rnode {
    struct ramfs_sb *sb;
    /* directories */
    struct rdirent *head, *tail; /* in creation order: readdir's stable order */
    struct rdirent **buckets;    /* name index, built once a directory grows */
    size_t nbuckets, count;
    uint64_t next_cookie;
    struct inode *parent; /* not referenced; NULL for the root */
    bool dead;            /* removed: nothing can be created in it */
    /* regular files */
    bool linkable;  /* an O_TMPFILE file that linkat may still name */
    unsigned seals; /* F_SEAL_*: tmpfs files start with F_SEAL_SEAL (fs/memfd.c) */
    char *data;
    size_t cap;
    /* symlinks */
    char *target;
    /* persistence: the file's blocks (owned by the hooks) */
    void *pstate;
    bool queued;   /* in the hooks' list of changed inodes (their lock) */
    bool evicting; /* going away: its entries' removal is no change */
};

/* A ramfs whose changes go to `persist` (NULL: plain). */
struct inode *ramfs_mount_persist(struct mount *m, const struct ramfs_persist *persist, void *pctx);
/* A new inode of the file system (reference to the caller); sb->lock
 * not needed. NULL when out of memory. */
struct inode *ramfs_node_new(struct mount *m, struct ramfs_sb *sb, mode_t mode);
static inline struct rnode *RN(struct inode *ino)
{
    return ino->priv;
}
/* Note a change of ino for the next commit, with ctime (and mtime when
 * data) now. */
void ramfs_touch(struct inode *ino, bool data);
/* The entry name of dir, or NULL (sb->lock held: ramfs_dir.c). */
struct rdirent *ramfs_dir_find(struct inode *dir, const char *name);
/* Tell the persistence hooks about an entry added or removed. */
void ramfs_note_dirent(struct inode *dir, const char *name, struct inode *ino, bool add);
/* Unlink entry d of dir; its inode reference goes to the caller. */
struct inode *ramfs_dir_remove(struct inode *dir, struct rdirent *d);
/* Add a directory entry (sb->lock held); takes over a reference on ino. */
int ramfs_dir_add(struct inode *dir, const char *name, struct inode *ino);
/* Remove the entry name -> ino, nothing else (sb->lock held): ino's
 * reference to the caller, NULL when there is no such entry. */
struct inode *ramfs_dir_del(struct inode *dir, const char *name, struct inode *ino);

#endif
