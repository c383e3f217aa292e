/*
 * sefs_rw.h: the union's persistent, encrypted writable layer
 * (fs/sefs_rw.c; on-disk format in docs/sefs-format.md).
 */
#ifndef LIBOS_FS_SEFS_RW_H
#define LIBOS_FS_SEFS_RW_H

#include <stddef.h>
#include <stdint.h>

struct mount;
struct inode;

/* The layer's 256-bit key (HKDF of the sealing secret and mrsigner:
 * sefs_writable_key), handed over by the PAL before libos_boot. */
void sefs_rw_set_key(const uint8_t key[32]);

/* The block cache of layers mounted from now on, in bytes (0: 32 MiB):
 * the writable layer entry's options.cache_size, as Occlum's. */
void sefs_rw_set_cache_size(uint64_t bytes);

/*
 * Mounts the layer stored in host directory `hostdir`, creating the
 * directory (and its parent) and an empty layer on first use. NULL with
 * one line in err naming the layer and the fix when it does not verify
 * (tampered, or another host's or signer's key) or cannot be read.
 */
struct inode *sefs_rw_mount(struct mount *m, const char *hostdir, char *err, size_t errlen);
/* The same with its own key (a unionfs mounted at run time). */
struct inode *sefs_rw_mount_key(struct mount *m, const char *hostdir, const uint8_t key[32],
                                char *err, size_t errlen);

/* Commit every mounted layer (sync(2), the end of the run). 0 or -EIO. */
int sefs_rw_sync_all(void);

/* Commit and release a layer mounted by sefs_rw_mount, given its root
 * (the caller's reference is consumed; no other may remain). */
int sefs_rw_unmount(struct inode *root);

#endif
