/*
 * build_image.h: the SEFS image half of `occlum build` (build_image.c).
 */
#ifndef OCCLUM_CLI_BUILD_IMAGE_H
#define OCCLUM_CLI_BUILD_IMAGE_H

#include "image/sefs_format.h"

#include <stddef.h>
#include <stdint.h>

/* Reads a key file; returns its length (16 or 32), or -1 with err. */
int image_key_read(const char *path, uint8_t key[32], char *err, size_t errlen);
/* Packs image_dir into out_dir/sefs.img, encrypted when key_file is not
 * NULL; mac_hex gets the root MAC. Returns 0 or -1 with one line in err. */
int image_build(const char *image_dir, const char *out_dir, const char *key_file,
                char mac_hex[SEFS_MAC_HEX + 1], char *err, size_t errlen);
/* Copies the config src to dst with the unionfs image layer's
 * options.MAC set to mac_hex. Returns 0 or -1 with one line in err. */
int image_write_config(const char *src, const char *dst, const char *mac_hex, char *err,
                       size_t errlen);

#endif
