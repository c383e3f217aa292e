/*
 * image_cache: see image_cache.h.
 *
 * Entries are keyed by (device, inode, size, mtime), so a file replaced or
 * rewritten in the writable layer is never served stale. A file of the
 * image layer (MNT_IMMUTABLE) is keyed by its own layer's inode, not the
 * union's, and marked so: its entry can only be another immutable file's,
 * and it is what private mmaps of image files (ld.so's libraries) may
 * share. The bytes come
 * through file_pread, so whatever the file system verifies (sefs MACs) is
 * verified once, when the entry is filled. A few dozen entries and
 * CACHE_MAX_BYTES at most (host memory outside user_space_size), replaced
 * round-robin among those no load is using right now (pinned); a mapping
 * made from an entry keeps its pages when the entry goes.
 */
#include "loader/image_cache.h"

#include "fs/fs_core.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "util/lock.h"
#include "util/kheap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_ENTRIES 32
#define CACHE_MAX_FILE (64ULL << 20)
#define CACHE_MAX_BYTES (256ULL << 20)
#define FILL_CHUNK (256 * 1024)

struct entry {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    bool immutable;
    int fd;   /* -1: empty */
    int pins; /* loads using fd right now */
};

static struct entry cache[CACHE_ENTRIES];
static int next_victim;
static uint64_t cached_bytes;
static struct mutex cache_lock = MUTEX_INIT;
static int initialised;

static bool same(const struct entry *e, const struct stat *st, bool immutable)
{
    return e->fd >= 0 && e->immutable == immutable && e->dev == st->st_dev &&
           e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static int fill(struct file *f, off_t size)
{
    int fd = pal_memfd_create("occlum-image-cache");
    if (fd < 0) return -1;
    char *buf = kmalloc(FILL_CHUNK);
    off_t off = 0;
    while (buf && off < size) {
        size_t want = (size_t)(size - off) < FILL_CHUNK ? (size_t)(size - off) : FILL_CHUNK;
        ssize_t n = file_pread(f, buf, want, off);
        if (n <= 0 || pal_host_pwrite(fd, buf, (size_t)n, off) != n) break;
        off += n;
    }
    kfree(buf);
    if (off != size) {
        pal_host_close(fd);
        return -1;
    }
    return fd;
}

static void drop(struct entry *e)
{
    if (e->fd < 0) return;
    pal_host_close(e->fd);
    cached_bytes -= (uint64_t)e->size;
    e->fd = -1;
}

static int get(struct file *f, const struct stat *st, bool immutable, bool may_fill)
{
    if (!S_ISREG(st->st_mode) || (uint64_t)st->st_size > CACHE_MAX_FILE) return -1;
    mutex_lock(&cache_lock);
    if (!initialised) {
        for (int i = 0; i < CACHE_ENTRIES; i++)
            cache[i].fd = -1;
        initialised = 1;
    }
    for (int i = 0; i < CACHE_ENTRIES; i++) {
        if (same(&cache[i], st, immutable)) {
            cache[i].pins++;
            int fd = cache[i].fd;
            mutex_unlock(&cache_lock);
            return fd;
        }
    }
    if (!may_fill) {
        mutex_unlock(&cache_lock);
        return -1;
    }
    /* a slot, and room under CACHE_MAX_BYTES: unpinned entries go in turn */
    uint64_t size = (uint64_t)st->st_size;
    struct entry *victim = NULL;
    for (int k = 0; k < CACHE_ENTRIES; k++) {
        struct entry *e = &cache[(next_victim + k) % CACHE_ENTRIES];
        if (e->pins) continue;
        if (!victim || cached_bytes + size > CACHE_MAX_BYTES) drop(e);
        if (!victim) victim = e;
        if (cached_bytes + size <= CACHE_MAX_BYTES) break;
    }
    int fd = victim && cached_bytes + size <= CACHE_MAX_BYTES ? fill(f, st->st_size) : -1;
    if (fd >= 0) {
        next_victim = (int)(victim - cache + 1) % CACHE_ENTRIES;
        cached_bytes += size;
        *victim =
            (struct entry){st->st_dev, st->st_ino, st->st_size, st->st_mtim, immutable, fd, 1};
    }
    mutex_unlock(&cache_lock);
    return fd;
}

int image_cache_get(struct file *f, const struct stat *st)
{
    int fd = image_cache_get_immutable(f);
    return fd >= 0 ? fd : get(f, st, false, true);
}

static int get_immutable(struct file *f, bool may_fill)
{
    struct file *src = file_immutable_source(f);
    struct stat st;
    if (!src || file_fstat(src, &st) < 0) return -1;
    return get(src, &st, true, may_fill);
}

int image_cache_get_immutable(struct file *f)
{
    return get_immutable(f, true);
}

int image_cache_find_immutable(struct file *f)
{
    return get_immutable(f, false);
}

void image_cache_put(int fd)
{
    mutex_lock(&cache_lock);
    for (int i = 0; i < CACHE_ENTRIES; i++)
        if (cache[i].fd == fd && cache[i].pins > 0) cache[i].pins--;
    mutex_unlock(&cache_lock);
}
