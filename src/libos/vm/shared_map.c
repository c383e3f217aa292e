/* shared_map: see shared_map.h. */
#include "vm/shared_map.h"

#include "fs/fs_core.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "process/process.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "vm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

/* The page cache of one mapped file. */
struct backing {
    int fd;             /* host memfd handle (valid in every host process) */
    uint64_t size;      /* its length: covers every mapping of the file */
    struct file *rfile; /* a file of the inode, to read it (referenced) */
    struct file *wfile; /* one opened for writing, or NULL: no mapping can store */
    int refs;           /* mappings */
    struct backing *next;
};

/* One mapping: a range of one process's memory. */
struct shared_map {
    struct vm_proc *owner;
    struct file *f; /* the file it was made from (its access mode matters) */
    struct backing *b;
    uint64_t addr, len;
    off_t off;
    struct shared_map *next;
};

int shared_map_count; /* mappings: the VFS hooks cost nothing while 0 */
static struct shared_map *maps;
static struct backing *backings;
static struct mutex maps_lock = MUTEX_INIT;

#define COPY_CHUNK (64 * 1024)

static bool same_inode(const struct inode *a, const struct inode *b)
{
    if (a == b) return true;
    if (!a || !b) return false;
    /* the union and the writable layer may give one file several inode objects */
    return a->ino == b->ino && a->mnt && b->mnt && a->mnt->dev == b->mnt->dev;
}

static off_t file_size(struct file *f)
{
    struct stat st;
    return file_fstat(f, &st) == 0 ? st.st_size : 0;
}

/* The end of the file's bytes the backing holds: min(backing, file). */
static uint64_t held_end(struct backing *b)
{
    off_t size = file_size(b->rfile);
    return size <= 0 ? 0 : (uint64_t)size < b->size ? (uint64_t)size : b->size;
}

/* Copy the file's [lo, hi) into the backing (maps_lock held). */
static void load(struct backing *b, uint64_t lo, uint64_t hi)
{
    if (lo >= hi || !b->rfile->fops->pread) return;
    char *buf = kmalloc(COPY_CHUNK);
    if (!buf) return;
    for (uint64_t at = lo; at < hi;) {
        size_t n = hi - at < COPY_CHUNK ? hi - at : COPY_CHUNK;
        struct uio u;
        uio_init(&u, buf, n);
        ssize_t got = b->rfile->fops->pread(b->rfile, &u, (off_t)at);
        if (got <= 0) break;
        if (pal_host_pwrite(b->fd, buf, (size_t)got, (off_t)at) != got) break;
        at += (uint64_t)got;
    }
    kfree(buf);
}

/* Copy the backing's [lo, hi) (clamped to the file) to the file (maps_lock held). */
static void write_back(struct backing *b, uint64_t lo, uint64_t hi)
{
    if (!b->wfile || !b->wfile->fops->pwrite) return; /* nothing could store into it */
    uint64_t end = held_end(b);
    if (hi > end) hi = end;
    if (lo >= hi) return;
    char *buf = kmalloc(COPY_CHUNK);
    if (!buf) return;
    for (uint64_t at = lo; at < hi;) {
        size_t n = hi - at < COPY_CHUNK ? hi - at : COPY_CHUNK;
        ssize_t got = pal_host_pread(b->fd, buf, n, (off_t)at);
        if (got <= 0) break;
        struct uio u;
        uio_init(&u, buf, (size_t)got);
        if (b->wfile->fops->pwrite(b->wfile, &u, (off_t)at) != got) break;
        at += (uint64_t)got;
    }
    kfree(buf);
}

static struct backing *backing_of(const struct inode *ino)
{
    for (struct backing *b = backings; b; b = b->next)
        if (same_inode(b->rfile->inode, ino)) return b;
    return NULL;
}

/* The backing of f's file, found or made (maps_lock held). */
static struct backing *backing_get(struct file *f, int *err)
{
    struct backing *b = backing_of(f->inode);
    if (!b) {
        b = kcalloc(1, sizeof(*b));
        if (!b) {
            *err = -ENOMEM;
            return NULL;
        }
        b->fd = pal_memfd_create("occlum-shared-file");
        if (b->fd < 0) {
            *err = b->fd == -EMFILE || b->fd == -ENFILE ? -ENOMEM : b->fd;
            kfree(b);
            return NULL;
        }
        file_get(f);
        b->rfile = f;
        b->next = backings;
        backings = b;
    }
    if ((f->fmode & FMODE_WRITE) && !b->wfile) {
        file_get(f);
        b->wfile = f;
    }
    return b;
}

/* Make the backing hold at least [0, need) of the file (maps_lock held). */
static int backing_cover(struct backing *b, uint64_t need)
{
    if (need <= b->size) return 0;
    int r = pal_host_ftruncate(b->fd, (off_t)need);
    if (r < 0) return r == -EFBIG || r == -ENOSPC ? -ENOMEM : r;
    off_t fsize = file_size(b->rfile);
    uint64_t want = fsize <= 0 ? 0 : (uint64_t)fsize < need ? (uint64_t)fsize : need;
    load(b, b->size, want);
    b->size = need;
    return 0;
}

static void backing_free(struct backing *b)
{
    for (struct backing **pp = &backings; *pp; pp = &(*pp)->next) {
        if (*pp == b) {
            *pp = b->next;
            break;
        }
    }
    pal_host_close(b->fd);
    file_put(b->rfile);
    if (b->wfile) file_put(b->wfile);
    kfree(b);
}

/* One mapping fewer; the last one brings the file up to date and frees
 * the backing (maps_lock held). */
static void backing_put(struct backing *b)
{
    if (--b->refs > 0) return;
    write_back(b, 0, b->size);
    backing_free(b);
}

static struct shared_map *map_new(struct vm_proc *owner, struct file *f, struct backing *b,
                                  uint64_t addr, uint64_t len, off_t off)
{
    struct shared_map *m = kmalloc(sizeof(*m));
    if (!m) return NULL;
    file_get(f);
    b->refs++;
    *m = (struct shared_map){owner, f, b, addr, len, off, maps};
    maps = m;
    __atomic_add_fetch(&shared_map_count, 1, __ATOMIC_RELAXED);
    return m;
}

static void map_free(struct shared_map *m)
{
    backing_put(m->b);
    file_put(m->f);
    kfree(m);
    __atomic_sub_fetch(&shared_map_count, 1, __ATOMIC_RELAXED);
}

int shared_map_add(struct process *p, struct file *f, uint64_t addr, uint64_t len, off_t off,
                   int prot)
{
    if (!f->inode) return -ENODEV;
    uint64_t need = PAGE_UP((uint64_t)off + len);
    if (need < (uint64_t)off || need > (uint64_t)INT64_MAX) return -EOVERFLOW;
    int r = -ENOMEM;
    mutex_lock(&maps_lock);
    struct backing *b = backing_get(f, &r);
    if (b) r = backing_cover(b, need);
    if (b && r == 0) r = pal_vm_map_shared((void *)addr, len, prot, b->fd, off);
    if (b && r == 0 && !map_new(p->vm, f, b, addr, len, off)) r = -ENOMEM;
    if (b && !b->refs) backing_free(b); /* never mapped: nothing to write back */
    mutex_unlock(&maps_lock);
    return r;
}

void shared_map_sync_range(struct process *p, uint64_t addr, uint64_t len, bool drop)
{
    if (!__atomic_load_n(&shared_map_count, __ATOMIC_RELAXED)) return;
    mutex_lock(&maps_lock);
    for (struct shared_map **pp = &maps; *pp;) {
        struct shared_map *m = *pp;
        uint64_t lo = m->addr > addr ? m->addr : addr;
        uint64_t hi = m->addr + m->len < addr + len ? m->addr + m->len : addr + len;
        if (m->owner != p->vm || lo >= hi) {
            pp = &m->next;
            continue;
        }
        if (!drop) {
            uint64_t at = (uint64_t)m->off + (lo - m->addr);
            write_back(m->b, at, at + (hi - lo));
        } else if (lo == m->addr && hi == m->addr + m->len) {
            *pp = m->next;
            map_free(m);
            continue;
        } else if (lo == m->addr) { /* the head was unmapped */
            m->off += (off_t)(hi - m->addr);
            m->len -= hi - m->addr;
            m->addr = hi;
        } else if (hi == m->addr + m->len) { /* the tail */
            m->len = lo - m->addr;
        } else { /* a hole in the middle: two mappings */
            struct shared_map *tail = map_new(m->owner, m->f, m->b, hi, m->addr + m->len - hi,
                                              m->off + (off_t)(hi - m->addr));
            (void)tail; /* without memory the tail stays part of m: harmless */
            if (tail) m->len = lo - m->addr;
        }
        pp = &m->next;
    }
    mutex_unlock(&maps_lock);
}

void shared_map_release_all(struct vm_proc *owner)
{
    if (!__atomic_load_n(&shared_map_count, __ATOMIC_RELAXED)) return;
    mutex_lock(&maps_lock);
    for (struct shared_map **pp = &maps; *pp;) {
        struct shared_map *m = *pp;
        if (m->owner != owner) {
            pp = &m->next;
            continue;
        }
        *pp = m->next;
        map_free(m);
    }
    mutex_unlock(&maps_lock);
}

int shared_map_fork(struct vm_proc *parent, struct vm_proc *child)
{
    if (!__atomic_load_n(&shared_map_count, __ATOMIC_RELAXED)) return 0;
    int r = 0;
    mutex_lock(&maps_lock);
    for (struct shared_map *m = maps; m && r == 0; m = m->next)
        if (m->owner == parent && !map_new(child, m->f, m->b, m->addr, m->len, m->off)) r = -ENOMEM;
    mutex_unlock(&maps_lock);
    if (r < 0) shared_map_release_all(child);
    return r;
}

void shared_map_before_read(struct file *f, off_t off, size_t len)
{
    mutex_lock(&maps_lock);
    struct backing *b = backing_of(f->inode);
    if (b) {
        uint64_t lo = off < 0 ? 0 : (uint64_t)off;
        uint64_t hi = off < 0 || len > UINT64_MAX - lo ? UINT64_MAX : lo + len;
        write_back(b, lo, hi);
    }
    mutex_unlock(&maps_lock);
}

void shared_map_after_write(struct file *f, off_t off, size_t len)
{
    mutex_lock(&maps_lock);
    struct backing *b = backing_of(f->inode);
    if (b) {
        uint64_t lo = off < 0 ? 0 : (uint64_t)off;
        uint64_t hi = off < 0 || lo >= b->size || len > b->size - lo ? b->size : lo + len;
        off_t size = file_size(f);
        if (size >= 0 && hi > (uint64_t)size) hi = (uint64_t)size;
        load(b, lo, hi);
    }
    mutex_unlock(&maps_lock);
}

void shared_map_truncated(struct inode *ino, off_t size)
{
    if (!__atomic_load_n(&shared_map_count, __ATOMIC_RELAXED)) return;
    mutex_lock(&maps_lock);
    struct backing *b = backing_of(ino);
    /* cutting the memfd and growing it back zeros what lay past size */
    if (b && size >= 0 && (uint64_t)size < b->size && pal_host_ftruncate(b->fd, size) == 0)
        pal_host_ftruncate(b->fd, (off_t)b->size);
    mutex_unlock(&maps_lock);
}

struct file *shared_map_file_at(struct process *p, uint64_t addr, uint64_t len, off_t *off)
{
    struct file *f = NULL;
    mutex_lock(&maps_lock);
    for (struct shared_map *m = maps; m; m = m->next) {
        if (m->owner == p->vm && m->addr <= addr && addr + len <= m->addr + m->len) {
            f = m->f;
            file_get(f);
            *off = m->off + (off_t)(addr - m->addr);
            break;
        }
    }
    mutex_unlock(&maps_lock);
    return f;
}

bool shared_map_readonly_in(struct process *p, uint64_t addr, uint64_t len)
{
    if (!__atomic_load_n(&shared_map_count, __ATOMIC_RELAXED)) return false;
    bool ro = false;
    mutex_lock(&maps_lock);
    for (struct shared_map *m = maps; m && !ro; m = m->next)
        ro = m->owner == p->vm && m->addr < addr + len && addr < m->addr + m->len &&
             file_access_mode(m->f) != O_RDWR;
    mutex_unlock(&maps_lock);
    return ro;
}

bool shared_map_writable(struct inode *ino)
{
    if (!__atomic_load_n(&shared_map_count, __ATOMIC_ACQUIRE)) return false;
    bool found = false;
    mutex_lock(&maps_lock);
    for (struct shared_map *m = maps; m && !found; m = m->next)
        found = same_inode(m->f->inode, ino) && (m->f->fmode & FMODE_WRITE);
    mutex_unlock(&maps_lock);
    return found;
}
