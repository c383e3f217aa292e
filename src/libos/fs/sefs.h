/*
 * sefs.h: the SEFS image layer as a LibOS file system (fs/sefs.c), and how
 * the PAL hands it the image key.
 */
#ifndef LIBOS_FS_SEFS_H
#define LIBOS_FS_SEFS_H

#include <stddef.h>
#include <stdint.h>

struct mount;
struct inode;

/* The user's image key (16 or 32 bytes), read by the PAL from
 * OCCLUM_IMAGE_KEY_FILE before libos_boot. Returns 0, or -1 when the
 * length is wrong. The LibOS keeps only the derived keys. */
int sefs_set_image_key(const uint8_t *key, size_t len);

/*
 * Mounts the read-only image layer in host directory `hostdir` (which
 * holds sefs.img), authenticated by `mac_hex` (the root MAC from the
 * protected config). cache_bytes bounds the block cache (0: default).
 * NULL with one line in err naming the layer and the fix.
 */
struct inode *sefs_mount(struct mount *m, const char *hostdir, const char *mac_hex,
                         uint64_t cache_bytes, char *err, size_t errlen);
/* The same with its own image key (16 or 32 bytes; NULL: integrity-only)
 * instead of the run's, and the default cache: a unionfs mounted at run
 * time. */
struct inode *sefs_mount_key(struct mount *m, const char *hostdir, const char *mac_hex,
                             const uint8_t *key, size_t keylen, char *err, size_t errlen);

#endif
