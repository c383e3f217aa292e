/*
 * fs_sources: the file-system sources test_vfs.c and test_unionfs.c link
 * with, gathered in one translation unit so that their "unit-sources"
 * lines stay within the column limit (run-unit.sh reads only that first
 * line).
 */
#include "fs/path.c"
#include "fs/vfs.c"
#include "fs/uio.c"
#include "fs/namei.c"
#include "fs/permission.c"
#include "fs/mount.c"
#include "fs/ramfs.c"
#include "fs/ramfs_dir.c"
#include "fs/fdtable.c"
#include "fs/unionfs.c"
#include "fs/unionfs_dir.c"

/* vfs.c drops a file's flock locks when it is released (fs/locks.c needs
 * the process layer, which these tests do not link): no locks are ever
 * taken here. */
int locks_count;
/* Nor epolls (net/epoll.c). */
void epoll_on_file_release(struct file *f)
{
    (void)f;
}
/* Nor inotify (fs/inotify.c): with no watch the hooks never call it. */
int fsnotify_watches;
void fsnotify_inode_slow(struct inode *ino, const char *path, uint32_t mask, struct file *by)
{
    (void)ino, (void)path, (void)mask, (void)by;
}

void locks_on_file_release(struct file *f)
{
    (void)f;
}

/* Nor leases (fs/lease.c). */
void lease_on_file_release(struct file *f)
{
    (void)f;
}

/* Named pipes live in fs/pipe.c (the process layer's wait queues): these
 * tests open none. */
int fifo_open(struct inode *node, struct file *f)
{
    (void)node;
    (void)f;
    return -ENXIO;
}

/* File systems, host files and shared mappings these tests do not link:
 * mounting one fails, the host's stdio is closed, nothing is mapped. */
struct inode *hostfs_mount(struct mount *m, const char *hostdir, char *err, size_t errlen)
{
    snprintf(err, errlen, "hostfs is not in this test");
    return NULL;
}

struct inode *sefs_mount(struct mount *m, const char *hostdir, const char *mac_hex,
                         uint64_t cache_bytes, char *err, size_t errlen)
{
    snprintf(err, errlen, "sefs is not in this test");
    return NULL;
}

/* statfs of a hostfs or unionfs mount asks the host: none is mounted here. */
int pal_host_statfs(const char *path, struct statfs *st)
{
    return -ENOSYS;
}

struct inode *devfs_mount(struct mount *m)
{
    return NULL;
}

struct inode *procfs_mount(struct mount *m)
{
    return NULL;
}

struct file *stdio_open(int fd)
{
    return NULL;
}

struct file *stdio_open_owned(int fd)
{
    return NULL;
}

void fasync_on_file_release(struct file *f) {}
int shared_map_count;
void shared_map_before_read(struct file *f, off_t off, size_t len) {}
void shared_map_after_write(struct file *f, off_t off, size_t len) {}
void shared_map_truncated(struct inode *ino, off_t size) {}
bool shared_map_writable(struct inode *ino)
{
    return false;
}

/* The file-system code allocates from the LibOS kernel heap: here over a
 * private anonymous region (the allocator itself is tested, over the
 * PAL's shared one, in test_kheap.c), set up before any test runs. */
#include "util/kheap.c"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

void *pal_kheap_create(size_t size)
{
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return base == MAP_FAILED ? NULL : base;
}

int pal_kheap_discard(void *addr, size_t len)
{
    return madvise(addr, len, MADV_DONTNEED);
}

/* kheap.c logs when exhausted; tests that count log lines define their own. */
__attribute__((weak)) enum log_level log_level = LOG_WARN;
__attribute__((weak)) void log_printf(enum log_level lvl, const char *fmt, ...) {}

__attribute__((constructor)) static void unit_kheap_init(void)
{
    if (kheap_create(4ULL << 30) < 0) {
        fprintf(stderr, "fs_sources: cannot set up the kernel heap\n");
        abort();
    }
}
