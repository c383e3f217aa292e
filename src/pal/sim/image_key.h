/*
 * image_key.h: reading the encrypted image layer's key file (image_key.c),
 * shared by the runtime's start-up (main.c) and the FUSE server of
 * `occlum mount` (src/fuse/main.c), so both accept and refuse the same
 * files with the same lines.
 */
#ifndef PAL_SIM_IMAGE_KEY_H
#define PAL_SIM_IMAGE_KEY_H

/*
 * The key from the file OCCLUM_IMAGE_KEY_FILE names (`--image-key <file>`
 * sets it), handed to the image layer (sefs_set_image_key). No variable:
 * nothing to do. 0, or -1 after one line "<who>: ..." on stderr (who:
 * "occlum run", "occlum mount"...).
 */
int pal_load_image_key(const char *who);

#endif
