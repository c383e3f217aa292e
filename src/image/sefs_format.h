/*
 * sefs_format.h: the SEFS image layer's on-disk format (docs/sefs-format.md),
 * shared by `occlum build` (writer) and the LibOS (reader).
 *
 * Everything here is pure computation over buffers plus a struct sefs_io of
 * I/O callbacks, so that the CLI plugs in POSIX pread/pwrite and the LibOS
 * the PAL's host-file calls. Functions return 0 / a count, or a negative
 * errno (-EIO: authentication failed, -EINVAL: malformed, -ENOMEM).
 */
#ifndef OCCLUM_IMAGE_SEFS_FORMAT_H
#define OCCLUM_IMAGE_SEFS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SEFS_BLOCK 4096
#define SEFS_ENTRY 32                         /* one MAC entry of the tree */
#define SEFS_FANOUT (SEFS_BLOCK / SEFS_ENTRY) /* entries per tree node: 128 */
#define SEFS_IMAGE_FILE "sefs.img"            /* the one host file in __ROOT */
#define SEFS_MAC_HEX (SEFS_ENTRY * 2)         /* the root MAC as hex */
#define SEFS_META_ID 0                        /* the metadata's file id */
#define SEFS_ROOT_INO 1                       /* "/" */
#define SEFS_DEFAULT_CACHE (32u << 20)        /* options.cache_size default */

enum sefs_mode {
    SEFS_INTEGRITY = 1, /* content in clear, blocks hashed (SHA-256 Merkle tree) */
    SEFS_ENCRYPTED = 2, /* AES-256-GCM per block, tags in the tree */
};

/* I/O on the one host file of the layer. Return bytes or a negative errno. */
struct sefs_io {
    void *ctx;
    ssize_t (*pread)(void *ctx, void *buf, size_t len, uint64_t off);
    ssize_t (*pwrite)(void *ctx, const void *buf, size_t len, uint64_t off);
};

/* ---- keys and block sealing (sefs_crypto.c) ---- */
struct sefs_keys {
    enum sefs_mode mode;
    uint8_t enc[32];   /* AES-256-GCM key */
    uint8_t nonce[32]; /* HMAC key deriving the image layer's nonces */
    uint8_t check[16]; /* key check value stored in the header */
};

/* Integrity-only mode: no key. */
void sefs_keys_integrity(struct sefs_keys *k);
/* Encrypted mode from a 16- or 32-byte user key (derived by HMAC-SHA256). */
int sefs_keys_derive(struct sefs_keys *k, const uint8_t *key, size_t len);
/* Parses a key file's text: hex bytes, optionally separated by '-' or
 * whitespace (Occlum's "xx-xx-..." format). 16 or 32 bytes; returns the
 * length, or -1. */
int sefs_key_parse(const char *text, uint8_t out[32]);
/* Formats 32 random-or-given bytes as the key file text ("xx-xx-...\n"). */
void sefs_key_format(const uint8_t key[32], char out[32 * 3 + 1]);

/* The position a block is bound to: its file, tree level (0 = data) and
 * index within the level. Every MAC covers it, so a block moved, swapped
 * or replayed from elsewhere fails. */
struct sefs_pos {
    uint64_t file;
    uint32_t level;
    uint64_t index;
};

struct sefs_crypto; /* per-thread scratch (cipher contexts) */
struct sefs_crypto *sefs_crypto_new(const struct sefs_keys *k);
void sefs_crypto_free(struct sefs_crypto *c);
/* Seal one plaintext block: `out` gets what goes on disk, `entry` the
 * 32-byte MAC entry for the parent. Deterministic (image layer). */
int sefs_seal(struct sefs_crypto *c, const struct sefs_pos *p, const uint8_t *plain, uint8_t *out,
              uint8_t entry[SEFS_ENTRY]);
/* Check and open one on-disk block against its entry: -EIO on mismatch.
 * In encrypted mode `plain` receives the decryption before the tag is
 * checked: pass private memory (a cache slot), never the application's
 * buffer, and discard it on failure (sefs_cache_commit(..., false) zeroes
 * it). In integrity mode the block is hashed first, then copied. */
int sefs_open(struct sefs_crypto *c, const struct sefs_pos *p, const uint8_t *disk,
              const uint8_t entry[SEFS_ENTRY], uint8_t *plain);
bool sefs_entry_is_zero(const uint8_t e[SEFS_ENTRY]);
void sefs_hex(const uint8_t *b, size_t n, char *out); /* out: 2n+1 */
int sefs_unhex(const char *s, uint8_t *b, size_t n);  /* exactly 2n hex digits */

/* ---- tree geometry (sefs_merkle.c) ---- */
/* Number of tree levels above the data (0 when nblocks <= 1). */
uint32_t sefs_tree_height(uint64_t nblocks);
/* Blocks at `level` (level 0 = nblocks). */
uint64_t sefs_level_count(uint64_t nblocks, uint32_t level);
/* Index of the node block (level >= 1) among the file's node blocks,
 * which are stored level 1 first. */
uint64_t sefs_node_slot(uint64_t nblocks, uint32_t level, uint64_t index);
uint64_t sefs_node_blocks(uint64_t nblocks);
/* Builds all node blocks over the level-0 entries (nblocks of them): writes
 * them through `seal_node` (which seals and stores) and returns the root
 * entry in root. With nblocks == 1 the root is entries[0]; 0 gives zeros. */
typedef int (*sefs_node_sink)(void *ctx, uint32_t level, uint64_t index, const uint8_t *node,
                              uint8_t entry[SEFS_ENTRY]);
int sefs_tree_build(const uint8_t *entries, uint64_t nblocks, sefs_node_sink sink, void *ctx,
                    uint8_t root[SEFS_ENTRY]);

/* ---- the header (block 0 of sefs.img, not secret) ---- */
#define SEFS_MAGIC "OCSEFS01"
struct sefs_header {
    uint32_t version;
    uint32_t mode;
    uint64_t total_blocks;
    uint64_t meta_data; /* first data block of the metadata file */
    uint64_t meta_nblocks;
    uint64_t meta_tree; /* its first node block */
    uint8_t root[SEFS_ENTRY];
    uint8_t check[16];
};
void sefs_header_encode(const struct sefs_header *h, uint8_t block[SEFS_BLOCK]);
int sefs_header_decode(const uint8_t block[SEFS_BLOCK], struct sefs_header *h);

/* ---- metadata records (inside the authenticated metadata file) ---- */
#define SEFS_META_MAGIC "OCSEFSMD"
#define SEFS_META_HDR 40
#define SEFS_INODE_REC 88
#define SEFS_DIRENT_REC 12
struct sefs_inode {
    uint32_t mode, uid, gid, nlink;
    uint64_t size;
    int64_t mtime_sec;
    uint32_t mtime_nsec;
    uint64_t a; /* file: first data block; dir: first dirent; symlink: target offset */
    uint64_t b; /* file: first node block;  dir: dirent count */
    uint8_t root[SEFS_ENTRY];
};
void sefs_inode_encode(const struct sefs_inode *in, uint8_t *rec);
void sefs_inode_decode(const uint8_t *rec, struct sefs_inode *in);

/* ---- the writer (sefs_build.c) ---- */
/* A tree to build, prepared by the caller (the CLI walks image/). */
struct sefs_bnode {
    char *name; /* component; "" for the root */
    uint32_t mode, uid, gid;
    int64_t mtime_sec;
    uint32_t mtime_nsec;
    uint64_t size;   /* regular files */
    char *target;    /* symlinks */
    char *host_path; /* regular files: where read_file gets the bytes */
    struct sefs_bnode **kids;
    size_t nkids;
    uint32_t ino; /* set by sefs_build */
};
struct sefs_build_src {
    void *ctx;
    /* Reads up to len bytes of node's content at off. */
    ssize_t (*read_file)(void *ctx, const struct sefs_bnode *n, void *buf, size_t len,
                         uint64_t off);
};
/* Writes the whole image; children are sorted here, so the caller's order
 * does not matter. root_mac gets the layer's root MAC. err: one line. */
int sefs_build(const struct sefs_keys *k, struct sefs_bnode *root, const struct sefs_build_src *src,
               const struct sefs_io *out, uint8_t root_mac[SEFS_ENTRY], char *err, size_t errlen);

/* ---- the reader (sefs_image.c) ---- */
struct sefs_image;
/*
 * Opens an image: checks the header's root against `root_mac` (the value
 * in the protected config; NULL for an encrypted image whose key alone
 * vouches for it, refused for an integrity-only one), the key check value
 * against `keys`, then reads
 * and verifies all metadata. Errors return a negative errno and one line
 * in err (-EKEYREJECTED for a wrong or missing key, -EIO for tampering).
 * cache_bytes bounds the verified-block cache.
 */
int sefs_image_open(const struct sefs_io *io, const struct sefs_keys *keys,
                    const uint8_t root_mac[SEFS_ENTRY], size_t cache_bytes, struct sefs_image **out,
                    char *err, size_t errlen);
void sefs_image_close(struct sefs_image *img);
int sefs_image_stat(struct sefs_image *img, uint32_t ino, struct sefs_inode *out);
/* -ENOENT when absent, -ENOTDIR when dir is not a directory. */
int sefs_image_lookup(struct sefs_image *img, uint32_t dir, const char *name, uint32_t *ino);
/* The i-th entry of a directory: 1 and fills name (NUL-terminated, at most
 * 255 bytes) and ino; 0 past the end. */
int sefs_image_readdir(struct sefs_image *img, uint32_t dir, uint64_t i, char name[256],
                       uint32_t *ino);
ssize_t sefs_image_readlink(struct sefs_image *img, uint32_t ino, char *buf, size_t len);
/* Reads file content, verifying every block; -EIO when any block fails.
 * Not thread-safe: the caller serialises calls on one image. */
ssize_t sefs_image_read(struct sefs_image *img, uint32_t ino, void *buf, size_t len, uint64_t off);
uint32_t sefs_image_ninodes(const struct sefs_image *img);

/* ---- the writable layer's key (sefs_seal.c) ---- */
/* HKDF-SHA256 (RFC 5869); 0 or -1. */
int sefs_hkdf_sha256(const uint8_t *salt, size_t saltlen, const uint8_t *ikm, size_t ikmlen,
                     const uint8_t *info, size_t infolen, uint8_t *out, size_t outlen);
/* The writable layer's 256-bit key from the host's sealing secret and the
 * signer's identity (mrsigner); 0 or -1. */
int sefs_writable_key(const uint8_t sealing[32], const uint8_t mrsigner[32], uint8_t out[32]);

/* ---- the verified-block cache (sefs_cache.c) ---- */
struct sefs_cache;
struct sefs_cache *sefs_cache_new(size_t bytes);
void sefs_cache_free(struct sefs_cache *c);
/* The cached plaintext of a block, or NULL. */
const uint8_t *sefs_cache_get(struct sefs_cache *c, const struct sefs_pos *p);
/* A slot for p (evicting another); fill it, then sefs_cache_commit. */
uint8_t *sefs_cache_slot(struct sefs_cache *c, const struct sefs_pos *p);
void sefs_cache_commit(struct sefs_cache *c, const struct sefs_pos *p, bool ok);

#endif
