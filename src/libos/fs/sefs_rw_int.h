/*
 * sefs_rw_int.h: what the two halves of the writable layer share:
 * sefs_rw.c (blocks, host files, mount) and sefs_rw_meta.c (the metadata:
 * commit, load, garbage collection). Format: docs/sefs-format.md.
 */
#ifndef LIBOS_FS_SEFS_RW_INT_H
#define LIBOS_FS_SEFS_RW_INT_H

#include "fs/ramfs_int.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK 4096
#define NONCE 12
#define TAG 16
#define REC (NONCE + TAG + BLK) /* one block on the host */
#define NAME 16                 /* host name bytes (32 hex digits) */
#define HDR 64                  /* metadata file header, authenticated as AAD */
#define MAGIC "OCSEFSRW"
#define FORMAT 1u
#define META "meta"
#define META_TMP "meta.tmp"

/* A set of host names. */
struct names {
    uint8_t (*v)[NAME];
    size_t n, cap;
};
int rw_names_add(struct names *s, const uint8_t name[NAME]);

struct layer {
    char dir[LIBOS_PATH_MAX];
    struct ramfs_sb *sb;
    struct inode *root;
    struct mutex commit_lock; /* one commit at a time */
    uint64_t counter;         /* commits so far (in the metadata) */
    /* Data files of replaced or evicted copies: no tree in memory names
     * them, so the next completed commit makes them garbage. */
    struct mutex dead_lock;
    struct names dead;
};

/* A regular file's committed host copy (rnode->pstate). */
struct rw_file {
    uint8_t name[NAME];
    uint64_t nblocks;
    uint8_t *tags; /* TAG bytes per block */
};

struct buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
};

void rw_put(struct buf *b, const void *d, size_t n);
void rw_put64(struct buf *b, uint64_t v);
void rw_put32(struct buf *b, uint32_t v);
uint64_t rw_le(const uint8_t *p, int n);

/* AES-256-GCM with the layer key: 0, or -EIO (tag mismatch). */
int rw_gcm(bool enc, const uint8_t nonce[NONCE], const uint8_t *aad, size_t aadlen,
           const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[TAG]);
void rw_key_check(uint8_t out[16]);
void rw_host_path(const struct layer *l, const char *name, char *out, size_t len);
void rw_hex_name(const uint8_t name[NAME], char out[2 * NAME + 1]);
int rw_write_all(int fd, const void *p, size_t len, off_t off);
int rw_read_all(int fd, void *p, size_t len, off_t off);
int rw_fsync_dir(const struct layer *l);
/* Seal data into a new durable host file; st gets its name and tags. */
int rw_write_file(struct layer *l, uint64_t ino, const char *data, size_t size, struct rw_file *st);
void rw_forget(void *ctx, void *pstate);

/* sefs_rw_meta.c */
int rw_commit(void *ctx);
/* Load `meta` into l->root (a fresh layer when absent): 0, or -1 with
 * one line in err naming the layer and the fix. */
int rw_meta_load(struct layer *l, char *err, size_t errlen);

#endif
