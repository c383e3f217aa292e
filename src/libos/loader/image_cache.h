/*
 * image_cache: the loader's cache of executable files' bytes, so that
 * loading a program for the hundredth time maps its segments copy-on-write
 * instead of reading (and, on an encrypted image, verifying) them again;
 * private mmaps of the image's files (shared libraries) use it too, and
 * sendfile of large image files (fs/host_copy.c).
 */
#ifndef LIBOS_IMAGE_CACHE_H
#define LIBOS_IMAGE_CACHE_H

#include <stdint.h>
#include <sys/stat.h>

struct file;

/* A host fd holding exactly the file's bytes, or -1 (too big, no memory:
 * the loader then reads the file as usual). The fd stays owned by the
 * cache and stays valid until image_cache_put. */
int image_cache_get(struct file *f, const struct stat *st);
/* The same for a file of the image layer only (file_immutable_source):
 * -1 for any other. */
int image_cache_get_immutable(struct file *f);
/* The same, but only when the file is already cached (never fills). */
int image_cache_find_immutable(struct file *f);
void image_cache_put(int fd);

#endif
