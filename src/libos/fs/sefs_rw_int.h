/*
 * sefs_rw_int.h: what the parts of the writable layer share. Format and
 * guarantees: docs/sefs-format.md.
 *   sefs_rw.c          crypto and host helpers, the ramfs hooks, mount
 *   sefs_rw_cache.c    the bounded cache of plaintext blocks
 *   sefs_rw_data.c     file data: block maps, copy-on-write slots, I/O
 *   sefs_rw_journal.c  commits: the sealed journal, its replay at mount
 *   sefs_rw_meta.c     the snapshot (checkpoint, load) and host garbage
 *
 * Locks, in order: l->commit_lock, sb->lock (namespace), an inode's lock,
 * l->dlock (block maps, cache, data files), l->jlock (what the next commit
 * must record). jlock and dlock are leaves: nothing else is taken under
 * them, and no inode reference is dropped under them.
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
#define REC (NONCE + TAG + BLK) /* one block slot on the host */
#define NAME 16                 /* host name bytes (32 hex digits) */
#define HDR 64                  /* snapshot header, authenticated as AAD */
#define MAGIC "OCSEFSRW"
#define FORMAT 2u
#define META "meta"
#define META_TMP "meta.tmp"
#define JOURNAL "journal"
#define JHDR 32 /* journal header: "OCSEFSRJ" | format u32 | 0 u32 | jid[16] */
#define JMAGIC "OCSEFSRJ"
#define DEFAULT_CACHE (32u << 20)

/* Block map entries. */
#define HOLE UINT64_MAX          /* never written: reads as zeros */
#define UNALLOC (UINT64_MAX - 1) /* changed; so far only in the cache */
#define MAX_SLOT (1ull << 40)
/* The largest file of the writable layer (its s_maxbytes: EFBIG past it).
 * The block map is dense, 25 bytes a block in the LibOS heap and in every
 * full commit, so a sparse file of 512 GiB would cost 3 GiB of memory
 * and seconds of CPU for a single ftruncate (found by the system-call
 * fuzzer: a call the watchdog could not interrupt). 16 GiB bounds the map
 * to 100 MiB; a sparse map would lift it. */
#define MAX_FILE_BLOCKS ((16ull << 30) / BLK)

/* Journal operations (one commit record is a sequence of them). */
enum { OP_NEXT = 1, OP_INODE, OP_BLOCKS, OP_LINK, OP_UNLINK, OP_FREE };

/* A set of host names. */
struct names {
    uint8_t (*v)[NAME];
    size_t n, cap;
};
int rw_names_add(struct names *s, const uint8_t name[NAME]);

struct buf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
};

struct rw_cache;

struct layer {
    char dir[LIBOS_PATH_MAX];
    uint8_t key[32]; /* AES-256-GCM: the instance's layer key, or a runtime mount's */
    struct ramfs_sb *sb;
    struct inode *root;
    struct mutex commit_lock; /* one commit at a time */
    uint64_t counter;         /* commits so far */
    bool quiet;               /* mount and unmount: the hooks record nothing */
    /* What the next commit records (jlock). */
    struct mutex jlock;
    struct inode **q; /* changed inodes, referenced */
    size_t nq, qcap;
    struct buf ops;    /* namespace operations, encoded, in order */
    struct names dead; /* data files of freed inodes: deleted once committed */
    /* The journal (commit_lock). */
    int jfd;
    uint64_t jend;         /* end of the last good record */
    uint8_t jid[16];       /* the snapshot's journal id */
    uint8_t prev[TAG];     /* the tag the next record chains to */
    uint64_t snap_len;     /* the last snapshot's plaintext length */
    bool need_snapshot;    /* (jlock) the next commit must write the whole tree */
    struct inode **q_done; /* recorded by the commit: released after it */
    size_t nq_done;
    /* Data (dlock). */
    struct mutex dlock;
    struct rw_cache *cache;
    struct rw_file *fds; /* files with an open host fd, most recent first */
    int nfds;
    bool dir_dirty;       /* a data file was created since the last directory fsync */
    uint8_t *rbuf, *wbuf; /* RUN sealed blocks each: host reads, write-backs */
    void *genc, *gdec;    /* EVP_CIPHER_CTX with the key set, for the data */
};

#define RUN 32 /* blocks per host read or write at most */

struct bent {
    uint64_t slot; /* HOLE, UNALLOC or a slot of the data file */
    uint8_t tag[TAG];
    bool changed; /* since the last commit recorded it: slot is not committed */
};

/* A regular file's blocks (rnode->pstate); all fields under l->dlock. */
struct rw_file {
    uint64_t ino;
    uint8_t name[NAME];
    bool named;    /* the data file exists */
    bool wrote;    /* written since its last fdatasync */
    bool emit_all; /* the next commit records the whole map (see rw_dirent) */
    uint64_t nblocks;
    struct bent *map;
    uint64_t mapcap;
    struct { /* blocks changed since the last commit, with their committed slot */
        uint64_t idx, old;
    } * chg;
    size_t nchg, chgcap;
    uint64_t *freev, *pfree; /* reusable slots; freed by a commit not yet durable */
    size_t nfree, freecap, npfree, pfreecap;
    uint64_t nslots;
    int fd;
    struct rw_file *fnext, *fprev; /* in l->fds */
};

/* sefs_rw.c */
void rw_put(struct buf *b, const void *d, size_t n);
void rw_put64(struct buf *b, uint64_t v);
void rw_put32(struct buf *b, uint32_t v);
void rw_put8(struct buf *b, uint8_t v);
uint64_t rw_le(const uint8_t *p, int n);
/* AES-256-GCM with the layer's key: 0, or -EIO (tag mismatch). */
int rw_gcm(const struct layer *l, bool enc, const uint8_t nonce[NONCE], const uint8_t *aad,
           size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[TAG]);
int rw_gcm_data(struct layer *l, bool enc, const uint8_t nonce[NONCE], const uint8_t *aad,
                size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[TAG]);
void rw_key_check(const struct layer *l, uint8_t out[16]);
void rw_host_path(const struct layer *l, const char *name, char *out, size_t len);
void rw_hex_name(const uint8_t name[NAME], char out[2 * NAME + 1]);
int rw_write_all(int fd, const void *p, size_t len, off_t off);
int rw_read_all(int fd, void *p, size_t len, off_t off);
int rw_fsync_dir(const struct layer *l);
void rw_delete_names(struct layer *l, struct names *dead);

/* A cursor over decrypted metadata; `bad` once it runs past the end. */
struct cur {
    const uint8_t *p;
    size_t len, off;
    bool bad;
};
const uint8_t *rw_take(struct cur *c, size_t n);
uint64_t rw_get64(struct cur *c);
uint32_t rw_get32(struct cur *c);

/* The file types the layer stores (mknod makes FIFOs and sockets). */
static inline bool rw_mode_ok(mode_t mode)
{
    return S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode) || S_ISFIFO(mode) || S_ISSOCK(mode);
}

/* sefs_rw_cache.c: plaintext blocks keyed by (file, index); dirty ones
 * are written back through `wb` before their slot is reused. */
typedef int (*rw_writeback_fn)(void *ctx, struct rw_file *f, uint64_t idx);
struct rw_cache *rw_cache_new(size_t bytes, rw_writeback_fn wb, void *ctx);
void rw_cache_free(struct rw_cache *c);
uint8_t *rw_cache_find(struct rw_cache *c, struct rw_file *f, uint64_t idx, bool **dirty);
/* A page for (f, idx), not yet findable; NULL when a dirty victim could
 * not be written back (-EIO). */
uint8_t *rw_cache_claim(struct rw_cache *c, struct rw_file *f, uint64_t idx);
/* Make the claimed page findable (ok) or give it back. */
void rw_cache_insert(struct rw_cache *c, bool ok, bool **dirty);
void rw_cache_drop(struct rw_cache *c, struct rw_file *f, uint64_t from, uint64_t to);
size_t rw_cache_slots(const struct rw_cache *c);

/* sefs_rw_data.c (inode lock held by the callers of read/write/resize) */
struct rw_file *rw_file_new(uint64_t ino);
void rw_file_free(struct layer *l, struct rw_file *f);
int rw_map_resize(struct rw_file *f, uint64_t nblocks); /* new entries are holes */
/* len bytes at off through the uio (fs/uio.h: the caller's buffer) */
ssize_t rw_data_read(void *ctx, struct inode *ino, struct uio *to, size_t len, off_t off,
                     const char *path);
ssize_t rw_data_write(void *ctx, struct inode *ino, struct uio *from, size_t len, off_t off,
                      const char *path);
int rw_data_resize(void *ctx, struct inode *ino, off_t size);
/* Commit side (inode lock held): write back the changed blocks, fdatasync
 * the data file, and record the map into b: every entry (full: the
 * snapshot) or the changed ones (the journal's OP_BLOCKS body). The old
 * slots wait in pfree until rw_data_durable. */
int rw_data_flush(struct layer *l, struct rw_file *f, struct buf *b, bool full);
void rw_data_durable(struct layer *l, struct rw_file *f);
/* After a load: the free slots from the map; false when the map is bad. */
bool rw_data_init_slots(struct rw_file *f);
int rw_data_writeback(void *ctx, struct rw_file *f, uint64_t idx);

/* sefs_rw_journal.c */
extern uint64_t rw_checkpoint_min;
int rw_commit(void *ctx);
/* While loading: inode number -> inode, one reference each. */
struct itab {
    uint64_t *k;
    struct inode **v;
    size_t cap, n;
};
struct inode *rw_itab_get(struct itab *t, uint64_t ino);
/* Add, or with i NULL forget, an inode; the table takes i's reference. */
int rw_itab_put(struct itab *t, uint64_t ino, struct inode *i);
/* Replay the journal over the loaded snapshot: 0, or <0 with *why set
 * for a journal that does not verify or is malformed. */
int rw_journal_load(struct layer *l, struct itab *t, const char **why);
int rw_journal_reset(struct layer *l);
/* Take what the hooks noted for the next commit; give back the data
 * files to delete when that commit did not happen. */
void rw_take_noted(struct layer *l, struct inode ***q, size_t *nq, struct buf *ops,
                   struct names *dead);
void rw_keep_dead(struct layer *l, struct names *dead);
void rw_set_need_snapshot(struct layer *l, bool v);
/* After a commit (record or snapshot) of the n inodes q: when it is
 * durable (ok), their freed slots become reusable and the dead data files
 * go; when not, everything is kept for the next commit, which must then
 * be a whole snapshot (dir_dirty: the directory fsync was still owed). */
void rw_commit_settle(struct layer *l, struct inode **q, size_t n, struct names *dead,
                      bool dir_dirty, bool ok);
void rw_record_inode(struct buf *b, struct inode *ino);

/* sefs_rw_meta.c */
/* Write a snapshot of the whole tree (sb->lock and commit_lock held). */
int rw_checkpoint(struct layer *l);
/* Load the snapshot and the journal into l->root (a fresh layer when
 * absent): 0, or -1 with one line in err naming the layer and the fix. */
int rw_meta_load(struct layer *l, char *err, size_t errlen);

#endif
