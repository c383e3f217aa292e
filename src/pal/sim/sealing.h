/*
 * sealing.h: the sim PAL's per-host sealing secret (sealing.c).
 */
#ifndef PAL_SIM_SEALING_H
#define PAL_SIM_SEALING_H

#include <stddef.h>
#include <stdint.h>

/* Where the secret lives: $XDG_DATA_HOME/occlum/sealing_key, else
 * $HOME/.local/share/occlum/sealing_key. 0, or -1 when neither is set. */
int pal_sealing_path(char *out, size_t len);
/*
 * The 32-byte sealing secret, created on first use (random, mode 0600, in
 * a 0700 directory). Refused when the file is not the user's or others can
 * read or write it. 0, or -1 with one line in err.
 */
int pal_sealing_secret(uint8_t out[32], char *err, size_t errlen);

#endif
