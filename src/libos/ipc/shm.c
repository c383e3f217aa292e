/*
 * shm: System V shared memory (shmget, shmat, shmdt, shmctl) and the
 * attachments it leaves in processes' memory.
 *
 * A segment is a host memfd (a PAL handle, valid in every host process)
 * of its size rounded up to pages. An attachment is an area of the
 * process's memory (vm_map) over which that memfd is mapped MAP_SHARED
 * (pal_vm_map_shared), so every attachment in any process and any
 * address space (a fork's child is another host process) is the same
 * memory. The area is marked a segment (vm_set_segment): /proc/[pid]/maps
 * shows it shared, and it does not count against user_space_size; the
 * segment does, once, from shmget until it is destroyed, however many
 * times it is attached.
 *
 * Attachments are recorded here, per memory (struct vm_proc), one record
 * per piece: munmap of part of one leaves the rest attached, fork copies
 * them, execve and exit drop them; shm_nattch counts the records, which
 * is what Linux counts (its areas). IPC_RMID of an attached segment makes
 * its key private at once and destroys it at the last detach.
 *
 * Locking: shm_lock guards the ids, the segments and the records. It is
 * never held across a vm_* call (fork calls shm_fork with its address
 * space locked, so the order is address space, then shm_lock): shmat
 * pins the segment (nattch) while it maps, and shmdt drops its records
 * before it unmaps.
 */
#include "ipc/ipc.h"
#include "ipc/ipc_ids.h"
#include "ipc/ipc_proc.h"

#include "pal/pal.h"
#include "process/process.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "vm/shared_map.h"
#include "vm/uaccess.h"
#include "vm/vm.h"

#include <errno.h>
#include <linux/mman.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

struct shm_seg {
    struct ipc_obj perm; /* first */
    int fd;              /* host memfd handle */
    uint64_t segsz;      /* the size asked for */
    uint64_t size;       /* what an attachment maps: segsz rounded up to pages */
    int64_t atime, dtime, ctime;
    int cpid, lpid;
    unsigned long nattch; /* attachment records, plus shmat/mremap in progress */
};

/* One piece of an attachment: [addr, addr+len) of a memory maps the
 * segment's bytes from off. */
struct shm_attach {
    struct vm_proc *owner;
    struct shm_seg *seg;
    uint64_t addr, len, off;
    struct shm_attach *next;
};

static struct mutex shm_lock = MUTEX_INIT;
static struct ipc_ids shm_ids = IPC_IDS_INIT;
static struct shm_attach *attaches;
static int nattaches;    /* records: munmap and exit skip the lock while 0 */
static uint64_t shm_tot; /* pages of all segments (shmall) */

#define PAGES(bytes) (((bytes) + PAGE_SIZE - 1) / PAGE_SIZE)

static struct shm_seg *seg_of(struct ipc_obj *o)
{
    return (struct shm_seg *)o;
}

/* shm_lock held. */
static void destroy(struct shm_seg *s)
{
    ipc_remove(&shm_ids, &s->perm);
    shm_tot -= PAGES(s->segsz);
    vm_uncharge(s->size);
    pal_host_close(s->fd);
    kfree(s);
}

/* One attachment (or pin) fewer; the last one of a removed segment
 * destroys it (shm_lock held). */
static void put_attach(struct shm_seg *s, int pid)
{
    s->lpid = pid;
    s->dtime = ipc_now();
    if (--s->nattch == 0 && (s->perm.mode & SHM_DEST)) destroy(s);
}

/* Drop the pin of a shmat or mremap in progress (shm_lock held). */
static void unpin(struct shm_seg *s)
{
    if (--s->nattch == 0 && (s->perm.mode & SHM_DEST)) destroy(s);
}

/* shm_lock held. */
static struct shm_attach *record_new(struct vm_proc *owner, struct shm_seg *s, uint64_t addr,
                                     uint64_t len, uint64_t off)
{
    struct shm_attach *a = kmalloc(sizeof(*a));
    if (!a) return NULL;
    *a = (struct shm_attach){owner, s, addr, len, off, attaches};
    attaches = a;
    s->nattch++;
    __atomic_add_fetch(&nattaches, 1, __ATOMIC_RELAXED);
    return a;
}

/* Unlink and free *pp, detaching it (shm_lock held). */
static void record_drop(struct shm_attach **pp, int pid)
{
    struct shm_attach *a = *pp;
    *pp = a->next;
    put_attach(a->seg, pid);
    kfree(a);
    __atomic_sub_fetch(&nattaches, 1, __ATOMIC_RELAXED);
}

/* ---- shmget ---- */

struct get_arg {
    int32_t key;
    size_t size;
    int flg;
};

static int newseg(void *arg)
{
    const struct get_arg *g = arg;
    if (g->size < K_SHMMIN || g->size > K_SHMMAX) return -EINVAL;
    uint64_t pages = PAGES((uint64_t)g->size);
    if (shm_tot + pages < shm_tot || shm_tot + pages > K_SHMALL) return -ENOSPC;
    struct shm_seg *s = kcalloc(1, sizeof(*s));
    if (!s) return -ENOMEM;
    s->segsz = g->size;
    s->size = pages * PAGE_SIZE;
    int r = vm_charge(s->size); /* the segment's memory, counted once */
    if (r < 0) {
        kfree(s);
        return r;
    }
    char name[16];
    snprintf(name, sizeof(name), "SYSV%08x", (unsigned)g->key);
    s->fd = pal_memfd_create(name);
    if (s->fd < 0) {
        r = s->fd == -EMFILE ? -ENFILE : s->fd;
    } else if ((r = pal_host_ftruncate(s->fd, (off_t)s->size)) < 0) {
        r = -ENOMEM;
        pal_host_close(s->fd);
    } else if ((r = ipc_add(&shm_ids, &s->perm, g->key, g->flg, K_SHMMNI)) < 0) {
        pal_host_close(s->fd);
    }
    if (r < 0) {
        vm_uncharge(s->size);
        kfree(s);
        return r;
    }
    s->cpid = ipc_pid();
    s->ctime = ipc_now();
    shm_tot += pages;
    return s->perm.id;
}

static int more_checks(struct ipc_obj *o, void *arg)
{
    const struct get_arg *g = arg;
    return seg_of(o)->segsz < g->size ? -EINVAL : 0;
}

long sys_shmget(int key, size_t size, int flg)
{
    struct get_arg g = {key, size, flg};
    mutex_lock(&shm_lock);
    long r = ipc_get(&shm_ids, key, flg, newseg, more_checks, &g);
    mutex_unlock(&shm_lock);
    return r;
}

/* ---- shmat ---- */

/* Map segment s (its memfd fd, id and key) at [addr, addr+len) of p from
 * off: a fresh area (fixed: exactly there, replacing what p had unless
 * noreplace), the memfd's pages over it, marked a segment. */
static int64_t map_segment(struct process *p, int fd, int id, int key, uint64_t addr, uint64_t len,
                           uint64_t off, int prot, bool fixed, bool noreplace)
{
    if (fixed && !noreplace) { /* what was there goes, as munmap would */
        shm_unmap_range(p, addr, len);
        shared_map_sync_range(p, addr, len, true);
    }
    /* PROT_NONE: the area is not counted while it is being made a segment */
    int64_t a = vm_map(p, addr, len, PROT_NONE, fixed, noreplace);
    if (a < 0) return a;
    int r = pal_vm_map_shared((void *)a, len, prot, fd, (off_t)off);
    if (r == 0) vm_set_segment(p, (uint64_t)a, len, id, key);
    if (r == 0) r = vm_protect(p, (uint64_t)a, len, prot);
    if (r < 0) {
        vm_unmap(p, (uint64_t)a, len);
        return r == -EMFILE || r == -ENFILE ? -ENOMEM : r;
    }
    return a;
}

long sys_shmat(int id, unsigned long addr, int flg)
{
    if (id < 0) return -EINVAL;
    if (addr) {
        if (addr & (PAGE_SIZE - 1)) { /* SHMLBA is a page on x86-64 */
            if (!(flg & SHM_RND)) return -EINVAL;
            addr = PAGE_DOWN(addr);
            if (!addr && (flg & SHM_REMAP)) return -EINVAL;
        }
    } else if (flg & SHM_REMAP) {
        return -EINVAL;
    }
    int prot = PROT_READ, acc = 0444;
    if (!(flg & SHM_RDONLY)) {
        prot |= PROT_WRITE;
        acc |= 0222;
    }
    if (flg & SHM_EXEC) {
        prot |= PROT_EXEC;
        acc |= 0111;
    }
    struct process *p = current_process();
    mutex_lock(&shm_lock);
    struct ipc_obj *o = ipc_lookup(&shm_ids, id);
    long r = !o ? -EINVAL : ipc_perms(o, acc);
    if (r < 0) {
        mutex_unlock(&shm_lock);
        return r;
    }
    struct shm_seg *s = seg_of(o);
    s->nattch++; /* pinned while it is mapped, the lock released */
    int fd = s->fd, key = s->perm.key;
    uint64_t size = s->size;
    mutex_unlock(&shm_lock);

    bool fixed = addr != 0;
    if (fixed && addr + size < addr)
        r = -EINVAL;
    else
        r = map_segment(p, fd, id, key, addr, size, 0, prot, fixed, !(flg & SHM_REMAP));
    if (r == -EEXIST) r = -EINVAL; /* the range holds a mapping: Linux's EINVAL */

    mutex_lock(&shm_lock);
    if (r >= 0 && !record_new(p->vm, s, (uint64_t)r, size, 0)) {
        mutex_unlock(&shm_lock);
        vm_unmap(p, (uint64_t)r, size);
        mutex_lock(&shm_lock);
        r = -ENOMEM;
    }
    if (r >= 0) {
        s->atime = ipc_now();
        s->lpid = p->pid;
        s->nattch--; /* the pin became the record's count */
    } else {
        unpin(s);
    }
    mutex_unlock(&shm_lock);
    return r;
}

/* ---- shmdt, munmap ---- */

struct range {
    uint64_t addr, len;
};

long sys_shmdt(unsigned long addr)
{
    if (addr & (PAGE_SIZE - 1)) return -EINVAL;
    struct process *p = current_process();
    mutex_lock(&shm_lock);
    /* As Linux: the first piece at or above addr whose offset says its
     * attachment starts at addr names the segment; every piece of that
     * segment so placed within its size goes. */
    struct shm_attach *first = NULL;
    for (struct shm_attach *a = attaches; a; a = a->next)
        if (a->owner == p->vm && a->addr >= addr && a->addr - addr == a->off &&
            (!first || a->addr < first->addr))
            first = a;
    if (!first) {
        mutex_unlock(&shm_lock);
        return -EINVAL;
    }
    struct shm_seg *s = first->seg;
    uint64_t size = s->size;
    size_t n = 0, cap = 4;
    struct range *ranges = kmalloc(cap * sizeof(*ranges));
    for (struct shm_attach **pp = &attaches; *pp && ranges;) {
        struct shm_attach *a = *pp;
        if (a->owner != p->vm || a->seg != s || a->addr < addr || a->addr - addr != a->off ||
            a->addr + a->len - addr > size) {
            pp = &a->next;
            continue;
        }
        if (n == cap) {
            struct range *bigger = krealloc(ranges, 2 * cap * sizeof(*ranges));
            if (!bigger) break; /* the rest stays attached: still consistent */
            ranges = bigger;
            cap *= 2;
        }
        ranges[n++] = (struct range){a->addr, a->len};
        record_drop(pp, p->pid);
    }
    mutex_unlock(&shm_lock);
    if (!ranges) return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        vm_unmap(p, ranges[i].addr, ranges[i].len);
    kfree(ranges);
    return 0;
}

void shm_unmap_range(struct process *p, uint64_t addr, uint64_t len)
{
    if (!__atomic_load_n(&nattaches, __ATOMIC_RELAXED) || !len) return;
    uint64_t end = addr + len < addr ? UINT64_MAX : addr + len;
    mutex_lock(&shm_lock);
    for (struct shm_attach **pp = &attaches; *pp;) {
        struct shm_attach *a = *pp;
        uint64_t lo = a->addr > addr ? a->addr : addr;
        uint64_t hi = a->addr + a->len < end ? a->addr + a->len : end;
        if (a->owner != p->vm || lo >= hi) {
            pp = &a->next;
            continue;
        }
        if (lo == a->addr && hi == a->addr + a->len) {
            record_drop(pp, p->pid);
            continue;
        }
        if (lo == a->addr) { /* the head goes */
            a->off += hi - a->addr;
            a->len -= hi - a->addr;
            a->addr = hi;
        } else if (hi == a->addr + a->len) { /* the tail */
            a->len = lo - a->addr;
        } else if (record_new(a->owner, a->seg, hi, a->addr + a->len - hi,
                              a->off + (hi - a->addr))) { /* a hole: two pieces */
            a->len = lo - a->addr;
        } /* without memory the piece stays whole: its count is one too many */
        pp = &a->next;
    }
    mutex_unlock(&shm_lock);
}

void shm_detach_all(struct vm_proc *m)
{
    shm_exit(m, ipc_pid());
}

void shm_exit(struct vm_proc *m, int pid)
{
    if (!__atomic_load_n(&nattaches, __ATOMIC_RELAXED)) return;
    mutex_lock(&shm_lock);
    for (struct shm_attach **pp = &attaches; *pp;) {
        if ((*pp)->owner == m)
            record_drop(pp, pid);
        else
            pp = &(*pp)->next;
    }
    mutex_unlock(&shm_lock);
}

int shm_fork(struct vm_proc *parent, struct vm_proc *child)
{
    if (!__atomic_load_n(&nattaches, __ATOMIC_RELAXED)) return 0;
    int r = 0, pid = ipc_pid();
    int64_t now = ipc_now();
    mutex_lock(&shm_lock);
    /* new records go to the head of the list: the walk never meets them */
    for (struct shm_attach *a = attaches; a && r == 0; a = a->next) {
        if (a->owner != parent) continue;
        if (!record_new(child, a->seg, a->addr, a->len, a->off)) r = -ENOMEM;
        a->seg->atime = now;
        a->seg->lpid = pid;
    }
    mutex_unlock(&shm_lock);
    if (r < 0) shm_detach_all(child);
    return r;
}

/* ---- mremap of an attachment ---- */

long shm_mremap(struct process *p, uint64_t old, uint64_t old_len, uint64_t new_len,
                unsigned long flags, uint64_t new_addr)
{
    if (!__atomic_load_n(&nattaches, __ATOMIC_RELAXED)) return -ENOENT;
    mutex_lock(&shm_lock);
    struct shm_attach *in = NULL;
    bool meets = false;
    for (struct shm_attach *a = attaches; a; a = a->next) {
        if (a->owner != p->vm || a->addr >= old + old_len || old >= a->addr + a->len) continue;
        meets = true;
        if (a->addr <= old && old + old_len <= a->addr + a->len) in = a;
    }
    if (!in) {
        mutex_unlock(&shm_lock);
        return meets ? -EFAULT : -ENOENT; /* past the end of one area: Linux's EFAULT */
    }
    struct shm_seg *s = in->seg;
    uint64_t off = in->off + (old - in->addr);
    int fd = s->fd, id = s->perm.id, key = s->perm.key;
    s->nattch++; /* pinned meanwhile */
    mutex_unlock(&shm_lock);
    int prot = vm_prot_at(p, old, NULL);
    long r;
    if (!(flags & MREMAP_FIXED) && new_len <= old_len) { /* shrink in place */
        shm_unmap_range(p, old + new_len, old_len - new_len);
        vm_unmap(p, old + new_len, old_len - new_len);
        r = (long)old;
    } else if (!(flags & MREMAP_FIXED) && vm_range_free(p, old + old_len, new_len - old_len)) {
        /* grow in place: the pages after it become more of the segment */
        uint64_t ext = old + old_len;
        r = map_segment(p, fd, id, key, ext, new_len - old_len, off + old_len, prot, true, true);
        mutex_lock(&shm_lock);
        struct shm_attach *a = attaches;
        while (a && !(a->owner == p->vm && a->addr + a->len == ext && a->seg == s))
            a = a->next;
        if (r >= 0 && a)
            a->len += new_len - old_len;
        else if (r >= 0 && !record_new(p->vm, s, ext, new_len - old_len, off + old_len))
            r = -ENOMEM;
        mutex_unlock(&shm_lock);
        if (r >= 0) r = (long)old;
    } else if (!(flags & MREMAP_MAYMOVE)) {
        r = -ENOMEM;
    } else if ((flags & MREMAP_FIXED) && ((new_addr & (PAGE_SIZE - 1)) ||
                                          (new_addr < old + old_len && old < new_addr + new_len))) {
        r = -EINVAL;
    } else { /* move: the same pages at the new place, the old place unmapped */
        bool fixed = flags & MREMAP_FIXED;
        r = map_segment(p, fd, id, key, fixed ? new_addr : 0, new_len, off, prot, fixed, false);
        mutex_lock(&shm_lock);
        if (r >= 0 && !record_new(p->vm, s, (uint64_t)r, new_len, off)) r = -ENOMEM;
        mutex_unlock(&shm_lock);
        if (r >= 0) {
            shm_unmap_range(p, old, old_len);
            vm_unmap(p, old, old_len);
        }
    }
    mutex_lock(&shm_lock);
    unpin(s);
    mutex_unlock(&shm_lock);
    return r;
}

/* ---- shmctl ---- */

/* Pages of s in memory (the memfd's blocks). */
static uint64_t rss_pages(const struct shm_seg *s)
{
    struct stat st;
    return pal_host_fstat(s->fd, &st) == 0 ? (uint64_t)st.st_blocks * 512 / PAGE_SIZE : 0;
}

static void stat_out(const struct shm_seg *s, struct shmid64_ds_abi *ds)
{
    memset(ds, 0, sizeof(*ds));
    ipc_perm_out(&s->perm, &ds->shm_perm);
    ds->shm_segsz = s->segsz;
    ds->shm_atime = s->atime;
    ds->shm_dtime = s->dtime;
    ds->shm_ctime = s->ctime;
    ds->shm_cpid = s->cpid;
    ds->shm_lpid = s->lpid;
    ds->shm_nattch = s->nattch;
}

static long shm_info(int cmd, void *buf)
{
    mutex_lock(&shm_lock);
    int r = ipc_max_idx(&shm_ids);
    struct shminfo64_abi info = {0};
    struct shm_info_abi usage = {0};
    if (cmd == IPC_INFO) {
        info.shmmax = K_SHMMAX;
        info.shmmin = K_SHMMIN;
        info.shmmni = info.shmseg = K_SHMMNI;
        info.shmall = K_SHMALL;
    } else {
        usage.used_ids = shm_ids.in_use;
        usage.shm_tot = shm_tot;
        for (int i = 0; i <= shm_ids.max_idx; i++)
            if (shm_ids.slots[i]) usage.shm_rss += rss_pages(seg_of(shm_ids.slots[i]));
    }
    mutex_unlock(&shm_lock);
    int e = cmd == IPC_INFO ? copy_to_user(buf, &info, sizeof(info))
                            : copy_to_user(buf, &usage, sizeof(usage));
    return e ? e : r;
}

static long shm_stat(int id, int cmd, void *buf)
{
    struct shmid64_ds_abi ds;
    mutex_lock(&shm_lock);
    struct ipc_obj *o = cmd == IPC_STAT ? ipc_lookup(&shm_ids, id) : ipc_at(&shm_ids, id);
    long r = !o ? -EINVAL : cmd == SHM_STAT_ANY ? 0 : ipc_perms(o, 0444);
    if (r == 0) {
        stat_out(seg_of(o), &ds);
        r = cmd == IPC_STAT ? 0 : o->id;
    }
    mutex_unlock(&shm_lock);
    if (r >= 0 && copy_to_user(buf, &ds, sizeof(ds))) r = -EFAULT;
    return r;
}

/* IPC_SET, IPC_RMID, SHM_LOCK, SHM_UNLOCK (ds: IPC_SET's copy). */
static long shm_change(int id, int cmd, const struct shmid64_ds_abi *ds)
{
    mutex_lock(&shm_lock);
    struct ipc_obj *o = ipc_lookup(&shm_ids, id);
    long r = -EINVAL;
    if (o && (cmd == IPC_SET || cmd == IPC_RMID)) r = ipc_owner_check(o);
    if (o && (cmd == SHM_LOCK || cmd == SHM_UNLOCK)) {
        /* without CAP_IPC_LOCK: the owner, and a memlock limit to lock */
        r = ipc_capable() ? 0 : ipc_owner_check(o);
        if (r == 0 && !ipc_capable() && cmd == SHM_LOCK &&
            current_process()->rlimits[RLIMIT_MEMLOCK].cur == 0)
            r = -EPERM;
    }
    struct shm_seg *s = o ? seg_of(o) : NULL;
    if (r == 0) {
        switch (cmd) {
        case IPC_SET:
            r = ipc_set_perm(o, &ds->shm_perm);
            if (r == 0) s->ctime = ipc_now();
            break;
        case IPC_RMID:
            if (s->nattch) {
                /* gone for new users: the key is free at once */
                s->perm.mode |= SHM_DEST;
                s->perm.key = IPC_PRIVATE;
            } else {
                destroy(s);
            }
            break;
        case SHM_LOCK: /* memory is never swapped here: the flag is all there is */
            s->perm.mode |= SHM_LOCKED;
            break;
        default:
            s->perm.mode &= ~(uint32_t)SHM_LOCKED;
            break;
        }
    }
    mutex_unlock(&shm_lock);
    return r;
}

long sys_shmctl(int id, int cmd, void *buf)
{
    if (cmd < 0 || id < 0) return -EINVAL;
    struct shmid64_ds_abi ds;
    switch (cmd) {
    case IPC_INFO:
    case SHM_INFO:
        return shm_info(cmd, buf);
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY:
        return shm_stat(id, cmd, buf);
    case IPC_SET:
        if (copy_from_user(&ds, buf, sizeof(ds))) return -EFAULT;
        return shm_change(id, cmd, &ds);
    case IPC_RMID:
    case SHM_LOCK:
    case SHM_UNLOCK:
        return shm_change(id, cmd, NULL);
    default:
        return -EINVAL;
    }
}

/* ---- /proc/sysvipc/shm ---- */

int shm_proc_show(struct text *t)
{
    int r = text_printf(t, "       key      shmid perms                  size  cpid  lpid nattch   "
                           "uid   gid  cuid  cgid      atime      dtime      ctime                "
                           "   rss                  swap\n");
    mutex_lock(&shm_lock);
    for (int i = 0; r == 0 && i <= shm_ids.max_idx; i++) {
        struct ipc_obj *o = shm_ids.slots[i];
        if (!o) continue;
        struct shm_seg *s = seg_of(o);
        r = text_printf(t,
                        "%10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10llu %10llu %10llu "
                        "%21lu %21lu\n",
                        o->key, o->id, o->mode, (unsigned long)s->segsz, (unsigned)s->cpid,
                        (unsigned)s->lpid, s->nattch, o->uid, o->gid, o->cuid, o->cgid,
                        (unsigned long long)s->atime, (unsigned long long)s->dtime,
                        (unsigned long long)s->ctime, (unsigned long)(rss_pages(s) * PAGE_SIZE),
                        0UL);
    }
    mutex_unlock(&shm_lock);
    return r;
}
