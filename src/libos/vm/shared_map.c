/* shared_map: see shared_map.h. */
#include "vm/shared_map.h"

#include "fs/fs_core.h"
#include "fs/vfs.h"
#include "pal/pal.h"
#include "process/process.h"
#include "util/lock.h"
#include "vm/vm.h"
#include "util/kheap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

struct shared_map {
    struct vm_proc *owner;
    struct file *f;
    uint64_t addr, len;
    off_t off;
    struct shared_map *next;
};

int shared_map_count;
static struct shared_map *maps;
static struct mutex maps_lock = MUTEX_INIT;

static bool same_file(const struct file *a, const struct file *b)
{
    if (a == b) return true;
    if (!a->inode || !b->inode) return false;
    if (a->inode == b->inode) return true;
    return a->inode->ino == b->inode->ino && a->inode->mnt && b->inode->mnt &&
           a->inode->mnt->dev == b->inode->mnt->dev;
}

int shared_map_add(struct process *p, struct file *f, uint64_t addr, uint64_t len, off_t off)
{
    struct shared_map *m = kmalloc(sizeof(*m));
    if (!m) return -ENOMEM;
    file_get(f);
    *m = (struct shared_map){p->vm, f, addr, len, off, NULL};
    mutex_lock(&maps_lock);
    m->next = maps;
    maps = m;
    __atomic_add_fetch(&shared_map_count, 1, __ATOMIC_RELAXED);
    mutex_unlock(&maps_lock);
    return 0;
}

static off_t file_size(struct file *f)
{
    struct stat st;
    return file_fstat(f, &st) == 0 ? st.st_size : 0;
}

/* Copy [addr, addr+len) of mapping m back to its file (maps_lock held). */
static void write_back(struct shared_map *m, uint64_t addr, uint64_t len)
{
    if (!m->f->fops->pwrite || !(m->f->fmode & FMODE_WRITE)) return; /* never writable */
    /* Unsigned: an offset past 2^63 (mmap takes any page-aligned one) is
     * negative as an off_t, and clamping len with it overflowed into a
     * length of 2^63, whose pal_vm_protect below made every page above
     * the mapping, other processes' code included, read-write and not
     * executable (found by tests/fuzz/syscall_fuzz). */
    uint64_t off = (uint64_t)m->off + (addr - m->addr);
    off_t size = file_size(m->f);
    if (size <= 0 || off >= (uint64_t)size) return; /* beyond EOF: Linux would SIGBUS */
    if (len > (uint64_t)size - off) len = (uint64_t)size - off;
    /* The pages may be read-protected by the application meanwhile. */
    pal_vm_protect((void *)PAGE_DOWN(addr), PAGE_UP(addr + len) - PAGE_DOWN(addr),
                   PROT_READ | PROT_WRITE);
    struct uio u;
    uio_init(&u, (void *)addr, len);
    m->f->fops->pwrite(m->f, &u, (off_t)off);
    vm_reapply_prot(m->owner, PAGE_DOWN(addr), PAGE_UP(addr + len));
}

/* Reload mapping m from its file (maps_lock held). */
static void reload(struct shared_map *m)
{
    if (!m->f->fops->pread) return;
    pal_vm_protect((void *)m->addr, PAGE_UP(m->len), PROT_READ | PROT_WRITE);
    off_t size = file_size(m->f);
    uint64_t off = (uint64_t)m->off; /* unsigned, as in write_back */
    uint64_t n = size <= 0 || off >= (uint64_t)size ? 0 : (uint64_t)size - off;
    if (n > m->len) n = m->len;
    struct uio u;
    uio_init(&u, (void *)m->addr, n);
    if (n) m->f->fops->pread(m->f, &u, m->off);
    vm_reapply_prot(m->owner, m->addr, m->addr + PAGE_UP(m->len));
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
        write_back(m, lo, hi - lo);
        if (drop && lo == m->addr && hi == m->addr + m->len) {
            *pp = m->next;
            file_put(m->f);
            kfree(m);
            __atomic_sub_fetch(&shared_map_count, 1, __ATOMIC_RELAXED);
            continue;
        }
        if (drop && lo == m->addr) { /* the head was unmapped */
            m->off += (off_t)(hi - m->addr);
            m->len -= hi - m->addr;
            m->addr = hi;
        } else if (drop && hi == m->addr + m->len) { /* the tail */
            m->len = lo - m->addr;
        } else if (drop) { /* a hole in the middle: two registrations */
            struct shared_map *tail = kmalloc(sizeof(*tail));
            if (tail) {
                file_get(m->f);
                *tail = (struct shared_map){
                    m->owner, m->f, hi, m->addr + m->len - hi, m->off + (off_t)(hi - m->addr),
                    m->next};
                m->next = tail;
                __atomic_add_fetch(&shared_map_count, 1, __ATOMIC_RELAXED);
            }
            m->len = lo - m->addr;
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
        write_back(m, m->addr, m->len);
        *pp = m->next;
        file_put(m->f);
        kfree(m);
        __atomic_sub_fetch(&shared_map_count, 1, __ATOMIC_RELAXED);
    }
    mutex_unlock(&maps_lock);
}

void shared_map_before_io(struct file *f)
{
    mutex_lock(&maps_lock);
    for (struct shared_map *m = maps; m; m = m->next)
        if (same_file(m->f, f)) write_back(m, m->addr, m->len);
    mutex_unlock(&maps_lock);
}

void shared_map_after_write(struct file *f)
{
    mutex_lock(&maps_lock);
    for (struct shared_map *m = maps; m; m = m->next)
        if (same_file(m->f, f)) reload(m);
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
