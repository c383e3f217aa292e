/*
 * image_key: the encrypted image layer's key, from the file that
 * OCCLUM_IMAGE_KEY_FILE names. Reading a host file is the PAL's job; the
 * LibOS gets the bytes (sefs_set_image_key) and keeps only derived keys.
 */
#include "pal/sim/image_key.h"

#include "fs/sefs.h"
#include "image/sefs_format.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pal_load_image_key(const char *who)
{
    const char *path = getenv("OCCLUM_IMAGE_KEY_FILE");
    if (!path || !*path) return 0;
    char text[256];
    uint8_t key[32];
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr,
                "%s: image key %s: %s; pass the file 'occlum gen-image-key' "
                "wrote\n",
                who, path, strerror(errno));
        return -1;
    }
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = 0;
    int len = sefs_key_parse(text, key);
    memset(text, 0, sizeof(text));
    if (len < 0 || sefs_set_image_key(key, (size_t)len) < 0) {
        fprintf(stderr,
                "%s: image key %s: not a key file (16 or 32 hex bytes); pass the "
                "file 'occlum gen-image-key' wrote\n",
                who, path);
        return -1;
    }
    memset(key, 0, sizeof(key));
    return 0;
}
