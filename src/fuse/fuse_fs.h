/*
 * fuse_fs.h: what the FUSE server's modules share.
 *
 * main.c     trust checks (as the runtime's start-up), the instance lock,
 *            the LibOS mount table, the FUSE session and the final commit
 * nodes.c    FUSE node ids <-> LibOS union inodes (lookup counts)
 * ops.c      the FUSE low-level operations, each one the LibOS's inode or
 *            file operation that the matching system call would run
 */
#ifndef OCCLUM_FUSE_FS_H
#define OCCLUM_FUSE_FS_H

#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>

#include <stdint.h>

struct inode;

/* One inode the kernel knows by a node id: the id is the node's address
 * (FUSE_ROOT_ID for the root), valid until the kernel forgets it. */
struct fnode {
    struct fnode *next; /* hash chain by st_ino */
    uint64_t st_ino;    /* the union's inode number: one node per object */
    struct inode *ino;  /* referenced */
    uint64_t nlookup;   /* the kernel's lookup count (the root: never dropped) */
    char *path;         /* the LibOS path of its last lookup (for log lines) */
};

/* nodes.c */
int nodes_init(struct inode *root);
struct fnode *node_of(fuse_ino_t id);
fuse_ino_t node_id(const struct fnode *n);
/*
 * The node for `ino` (reference taken over), found as `name` in parent
 * `dir`, with one more lookup: an object the kernel already knows by its
 * inode number keeps its node id (hard links and repeated lookups must give
 * the same one), and takes the freshest inode. NULL when out of memory
 * (the reference is dropped then).
 */
struct fnode *node_add(struct fnode *dir, const char *name, struct inode *ino, uint64_t st_ino);
void node_forget(struct fnode *n, uint64_t nlookup);

/* ops.c */
extern const struct fuse_lowlevel_ops occlum_fuse_ops;

#endif
