/*
 * unionfs.h: what unionfs.c (union inodes, lookup, copy-up, namespace
 * operations) and unionfs_dir.c (merged listings, emptiness) share. See
 * unionfs.c for the design.
 */
#ifndef LIBOS_FS_UNIONFS_H
#define LIBOS_FS_UNIONFS_H

#include "fs/vfs.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define UPPER_INO_BASE (1ULL << 32) /* SEFS inode numbers are 32-bit */
#define UPPER_POS ((off_t)1 << 40)  /* readdir offsets of the upper phase */
#define ORIGIN_BUCKETS 256
#define COPY_CHUNK 65536

struct origin {
    struct origin *next;
    uint64_t upper_ino, ino;
};

struct union_sb {
    struct mutex lock;
    struct origin *origins[ORIGIN_BUCKETS]; /* upper ino -> lower ino, after copy-up */
};

struct unode {
    struct union_sb *sb;
    struct inode *upper;  /* referenced; set once (copy-up), under sb->lock */
    struct inode *lower;  /* referenced; NULL when upper-only or opaque */
    struct inode *parent; /* the union parent, referenced; NULL for the root */
    char *name;           /* name in parent, for copy-up */
};

static inline struct unode *UN(struct inode *ino)
{
    return ino->priv;
}

static inline struct inode *upper_of(struct inode *ino)
{
    return __atomic_load_n(&UN(ino)->upper, __ATOMIC_ACQUIRE);
}

static inline bool is_wh_name(const char *name)
{
    return strncmp(name, WH_PREFIX, sizeof(WH_PREFIX) - 1) == 0;
}

/* unionfs.c; all with the sb lock held. */
/* The union inode number of an object with these layer objects. */
uint64_t unionfs_ino(struct union_sb *sb, struct inode *upper, struct inode *lower);
/* lookup in a layer directory (NULL: -ENOENT). */
int unionfs_layer_lookup(struct inode *dir, const char *name, struct inode **out);
/* Is there a whiteout for name in upper directory udir (may be NULL)? */
bool unionfs_has_whiteout(struct inode *udir, const char *name);
/* Does the lower side of union directory dir show name? */
bool unionfs_lower_shows(struct inode *dir, const char *name);
/* Adopt an upper copy another union inode of the object made. */
void unionfs_revalidate(struct inode *ino);

/* unionfs_dir.c */
/* Is the union directory empty (sb lock held)? 0, -ENOTEMPTY, or an error. */
int unionfs_empty(struct inode *dir);
/* Remove the markers of an otherwise empty upper directory. */
int unionfs_purge_markers(struct inode *udir);
/* The open op for union directories. */
int unionfs_dir_open(struct inode *ino, struct file *f);

#endif
