/*
 * host_copy: sendfile into a host socket without the data passing through
 * LibOS memory.
 *
 * The general path (sys_rw.c's copy_range) reads 64 KiB at a time into a
 * LibOS buffer (for the encrypted image: decrypts and verifies every
 * block, on every request) and writes it to the socket. When the input's
 * bytes are already in a host fd, the host's own sendfile moves them
 * instead, one host call per sendfile: a hostfs file (its host fd, at its
 * host position), or a file of the image layer whose verified copy is in
 * the image cache (loader/image_cache.h; its bytes cannot change while
 * mounted). Filling that cache reads and verifies the whole file once, so
 * it is done only for a sendfile of HOST_COPY_FILL_MIN bytes or more (a
 * large static file, which servers send whole or in chunks: lighttpd's
 * are 256 KiB); smaller sends of files not cached yet take the general
 * path. The cache is bounded (loader/image_cache.c), so a large range of
 * a file bigger than it also takes the general path.
 */
#include "fs/host_copy.h"

#include "fs/vfs.h"
#include "loader/image_cache.h"
#include "util/lock.h"
#include "vm/shared_map.h"

#include <sys/stat.h>

#define HOST_COPY_FILL_MIN (64 * 1024)

/* The image cache's host fd for an image-layer file (pinned), or -1. */
static int image_source(struct file *in, size_t count)
{
    struct file *src = file_immutable_source(in);
    if (!src) return -1;
    int fd = image_cache_find_immutable(in);
    off_t size = src->inode ? src->inode->size : 0;
    if (fd < 0 && size >= HOST_COPY_FILL_MIN && count >= HOST_COPY_FILL_MIN)
        fd = image_cache_get_immutable(in);
    return fd;
}

bool host_sendfile(struct file *in, off_t *pin, struct file *out, size_t count, long *result)
{
    if (!(out->fmode & FMODE_SOCKET) || !out->fops || !out->fops->send_host) return false;
    if (!in->inode || !S_ISREG(in->inode->mode) || !in->fops) return false;
    if (in->fops->host_fd && in->fops->read) { /* a hostfs file: the host keeps its position */
        int h = in->fops->host_fd(in);
        if (h < 0) return false;
        if (shared_map_count) shared_map_before_read(in, pin ? *pin : -1, pin ? count : 0);
        *result = out->fops->send_host(out, h, pin, count);
        return true;
    }
    if (in->fops->read) return false; /* the position is not f->pos */
    int src = image_source(in, count);
    if (src < 0) return false;
    if (pin) {
        *result = out->fops->send_host(out, src, pin, count);
    } else {
        mutex_lock(&in->pos_lock);
        off_t off = in->pos;
        *result = out->fops->send_host(out, src, &off, count);
        in->pos = off;
        mutex_unlock(&in->pos_lock);
    }
    image_cache_put(src);
    return true;
}
