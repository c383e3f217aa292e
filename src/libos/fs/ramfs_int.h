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

/* Persistence hooks; all optional together (NULL: a plain ramfs). */
struct ramfs_persist {
    /* Fill the data of a regular file that has pstate (inode lock held):
     * 0, or -EIO when it does not verify. path: for the log, or NULL. */
    int (*load)(void *ctx, struct inode *ino, const char *path);
    /* Make the current tree durable (fsync, close of a modified file). */
    int (*commit)(void *ctx);
    /* An inode with pstate is going away. */
    void (*forget)(void *ctx, void *pstate);
};

struct ramfs_sb {
    struct mutex lock;
    uint64_t next_ino;
    const struct ramfs_persist *persist;
    void *pctx;
    bool dirty; /* changed since the last commit (atomic) */
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
    bool linkable; /* an O_TMPFILE file that linkat may still name */
    char *data;
    size_t cap;
    /* symlinks */
    char *target;
    /* persistence: the committed host copy (owned by the hooks) */
    void *pstate;
    bool loaded;     /* data holds the host copy's content */
    bool data_dirty; /* data changed since pstate was written (atomic) */
};

/* A ramfs whose changes go to `persist` (NULL: plain). */
struct inode *ramfs_mount_persist(struct mount *m, const struct ramfs_persist *persist, void *pctx);
/* A new inode of the file system (reference to the caller); sb->lock
 * not needed. NULL when out of memory. */
struct inode *ramfs_node_new(struct mount *m, struct ramfs_sb *sb, mode_t mode);
/* Add a directory entry (sb->lock held); takes over a reference on ino. */
int ramfs_dir_add(struct inode *dir, const char *name, struct inode *ino);

#endif
