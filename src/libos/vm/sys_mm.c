/*
 * sys_mm: mmap, munmap, mprotect, mremap, brk, madvise and friends.
 *
 * MAP_PRIVATE file mappings copy the file's content into fresh anonymous
 * memory (there is no page cache shared with the host), except for files
 * of the image layer: their verified bytes are in the image cache, mapped
 * copy-on-write, so the libraries that ld.so maps (often twice: the whole
 * span, then each segment) are read and verified once per instance.
 * MAP_SHARED ones map the file's shared backing (vm/shared_map.c).
 */
#include "common/usercopy.h"
#include "vm/shared_map.h"
#include "vm/uaccess.h"
#include "vm/vm.h"
#include "syscall/list_core.h"

#include "fs/fs_core.h"
#include "fs/vfs.h"
#include "ipc/ipc.h"
#include "loader/image_cache.h"
#include "entry/rewrite.h"
#include "pal/pal.h"
#include "process/process.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)
#define TASK_SIZE 0x7ffffffff000UL /* the x86-64 user address limit */
#define MAP_KNOWN                                                                                  \
    (MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT |      \
     MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE |  \
     MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB | MAP_SYNC | MAP_FIXED_NOREPLACE)

/* [addr, addr+len) (a fresh read-write area) becomes f's shared pages
 * from off, with protection prot. */
static long map_shared_at(struct process *p, uint64_t addr, uint64_t len, int prot, struct file *f,
                          off_t off)
{
    long r = shared_map_add(p, f, addr, len, off, PROT_READ | PROT_WRITE);
    if (r == 0) vm_set_shared(p, addr, len);
    if (r == 0 && prot != (PROT_READ | PROT_WRITE)) r = vm_protect(p, addr, len, prot);
    return r;
}

/* [addr, addr+len) becomes a copy-on-write view of f from off through the
 * image cache: 0, or -1 when f is not an image file (the caller reads). */
static int map_cached(uint64_t addr, uint64_t len, struct file *f, off_t off, off_t size)
{
    if (off >= size) return -1; /* nothing of the file to show */
    int fd = image_cache_get_immutable(f);
    if (fd < 0) return -1;
    /* pages past the end of the file stay the fresh area's zeros */
    uint64_t in_file = PAGE_UP((uint64_t)(size - off));
    int r = pal_vm_map_file((void *)addr, in_file < len ? in_file : len, PROT_READ | PROT_WRITE, fd,
                            off);
    image_cache_put(fd);
    return r < 0 ? -1 : 0;
}

/* A memfd sealed against writes (fs/memfd.c): no writable shared mapping. */
static bool write_sealed(struct file *f)
{
    long seals = f->fops && f->fops->fcntl ? f->fops->fcntl(f, F_GET_SEALS, 0) : -EINVAL;
    return seals > 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
}

static int map_file_at(struct process *p, uint64_t addr, uint64_t len, int prot, int flags,
                       struct file *f, off_t off)
{
    int r = 0;
    int acc = file_access_mode(f);
    struct stat st = {0};
    bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
    if (acc == O_WRONLY)
        r = -EACCES;
    else if (shared && (prot & PROT_WRITE) && acc != O_RDWR)
        r = -EACCES;
    else if (shared && (prot & PROT_WRITE) && write_sealed(f))
        r = -EPERM;
    else if (file_fstat(f, &st) < 0 || S_ISDIR(st.st_mode))
        r = -ENODEV;
    if (r < 0) goto out;
    if (shared && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5)) { /* /dev/zero */
        r = pal_vm_share((void *)addr, len, PROT_READ | PROT_WRITE);    /* fresh, as Linux */
        if (r == -EMFILE || r == -ENFILE) r = -ENOMEM;
        if (r == 0) vm_set_shared(p, addr, len);
        if (r == 0 && prot != (PROT_READ | PROT_WRITE)) r = vm_protect(p, addr, len, prot);
        return r;
    }
    if (shared && !S_ISREG(st.st_mode)) return -ENODEV; /* no device has pages to share */
    if (shared) /* the file's shared pages replace the fresh area */
        return (int)map_shared_at(p, addr, len, prot, f, off);
    if (S_ISREG(st.st_mode) && map_cached(addr, len, f, off, st.st_size) == 0) {
        if (prot & PROT_EXEC) {
            r = vm_protect(p, addr, len, prot);
            if (r == 0) rewrite_share_map(p, f, addr, addr + len, (uint64_t)off);
            return r;
        }
        goto protect;
    }
    /* a private copy, filled while writable */
    if (shared_map_count && f->inode) shared_map_before_read(f, off, len);
    ssize_t n = file_pread(f, (void *)addr, len, off);
    if (n < 0) r = (int)n;
protect:
    if (r == 0 && prot != (PROT_READ | PROT_WRITE)) r = vm_protect(p, addr, len, prot);
out:
    return r;
}

static int map_file(struct process *p, uint64_t addr, uint64_t len, int prot, int flags, int fd,
                    off_t off)
{
    struct file *f = fd_get(p, fd);
    if (!f) return -EBADF;
    int r = map_file_at(p, addr, len, prot, flags, f, off);
    file_put(f);
    return r;
}

long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
              unsigned long fd, unsigned long off)
{
    struct process *p = current_process();
    int type = (int)(flags & MAP_TYPE);
    if (len == 0 || (off & (PAGE_SIZE - 1)) || (prot & ~(unsigned long)PROT_ALL)) return -EINVAL;
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) return -EINVAL;
    if (type == MAP_SHARED_VALIDATE && (flags & ~(unsigned long)MAP_KNOWN)) return -EOPNOTSUPP;
    if (type == MAP_SHARED_VALIDATE && (flags & MAP_ANONYMOUS)) return -EINVAL; /* as Linux */
    bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    if (fixed && (addr & (PAGE_SIZE - 1))) return -EINVAL;
    if (PAGE_UP(len) < len || PAGE_UP(len) == 0 || len > TASK_SIZE) return -ENOMEM;
    if (!(flags & MAP_ANONYMOUS) && (off + PAGE_UP(len) < off)) return -EOVERFLOW;
    if (!(flags & MAP_ANONYMOUS)) { /* validate the fd before touching memory */
        struct file *f = fd_get(p, (int)fd);
        if (!f) return -EBADF;
        file_put(f);
    }
    int map_prot = (flags & MAP_ANONYMOUS) ? (int)prot : (int)prot | PROT_READ | PROT_WRITE;
    if (fixed && !(flags & MAP_FIXED_NOREPLACE)) {
        shared_map_sync_range(p, addr, PAGE_UP(len), true);
        shm_unmap_range(p, addr, PAGE_UP(len));
    }
    int64_t a = vm_map(p, addr, len, map_prot, fixed, flags & MAP_FIXED_NOREPLACE);
    if (a < 0) return a;
    if ((flags & MAP_ANONYMOUS) && type == MAP_SHARED) {
        /* host-shared memory, so that a fork's child and its parent share it */
        int r = pal_vm_share((void *)a, PAGE_UP(len), (int)prot);
        if (r == 0) vm_set_shared(p, (uint64_t)a, PAGE_UP(len));
        if (r < 0) {
            vm_unmap(p, (uint64_t)a, len);
            return r == -EMFILE || r == -ENFILE ? -ENOMEM : r;
        }
    }
    if (!(flags & MAP_ANONYMOUS)) {
        int r = map_file(p, (uint64_t)a, PAGE_UP(len), (int)prot, (int)flags, (int)fd, (off_t)off);
        if (r < 0) {
            vm_unmap(p, (uint64_t)a, len);
            return r;
        }
    }
    return a;
}

long sys_munmap(unsigned long addr, unsigned long len)
{
    if ((addr & (PAGE_SIZE - 1)) || len == 0 || addr > TASK_SIZE || len > TASK_SIZE - addr)
        return -EINVAL;
    shared_map_sync_range(current_process(), addr, PAGE_UP(len), true);
    shm_unmap_range(current_process(), addr, PAGE_UP(len)); /* a whole attachment: shmdt */
    return vm_unmap(current_process(), addr, len);
}

long sys_mprotect(unsigned long addr, unsigned long len, unsigned long prot)
{
    if ((addr & (PAGE_SIZE - 1)) ||
        (prot & ~(unsigned long)(PROT_ALL | PROT_GROWSDOWN | PROT_GROWSUP)))
        return -EINVAL;
    if (len == 0) return 0;
    if (PAGE_UP(len) < len || addr + len < addr) return -ENOMEM;
    /* a shared mapping of a file opened read-only never becomes writable */
    if ((prot & PROT_WRITE) && shared_map_readonly_in(current_process(), addr, PAGE_UP(len)))
        return -EACCES;
    return vm_protect(current_process(), addr, len, (int)(prot & PROT_ALL));
}

long sys_brk(unsigned long want)
{
    return (long)vm_brk(current_process(), want);
}

static long mremap_area(struct process *p, uint64_t old, uint64_t old_len, uint64_t new_len,
                        unsigned long flags, uint64_t new_addr, int prot, struct file *shared,
                        off_t foff);

long sys_mremap(unsigned long old, unsigned long old_len, unsigned long new_len,
                unsigned long flags, unsigned long new_addr)
{
    struct process *p = current_process();
    if ((old & (PAGE_SIZE - 1)) ||
        (flags & ~(unsigned long)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)))
        return -EINVAL;
    if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
    if (flags & MREMAP_DONTUNMAP) return -EINVAL;
    if (new_len == 0) return -EINVAL;
    old_len = PAGE_UP(old_len);
    new_len = PAGE_UP(new_len);
    if (old_len == 0) return -EINVAL; /* duplicating shared mappings: not supported */
    uint64_t area_end;
    int prot = vm_prot_at(p, old, &area_end);
    if (prot < 0 || !vm_check(p, old, old_len, 0)) return -EFAULT;
    long r = shm_mremap(p, old, old_len, new_len, flags, new_addr); /* a SysV attachment */
    if (r != -ENOENT) return r;
    off_t foff = 0;
    struct file *shared = shared_map_file_at(p, old, old_len, &foff);
    r = mremap_area(p, old, old_len, new_len, flags, new_addr, prot, shared, foff);
    if (shared) file_put(shared);
    return r;
}

/* The rest of mremap, for an area of protection prot that is a shared
 * mapping of file shared at foff (or private memory when NULL). */
static long mremap_area(struct process *p, uint64_t old, uint64_t old_len, uint64_t new_len,
                        unsigned long flags, uint64_t new_addr, int prot, struct file *shared,
                        off_t foff)
{
    if (!(flags & MREMAP_FIXED)) {
        if (new_len <= old_len) {
            if (new_len < old_len) {
                shared_map_sync_range(p, old + new_len, old_len - new_len, true);
                shm_unmap_range(p, old + new_len, old_len - new_len);
                vm_unmap(p, old + new_len, old_len - new_len);
            }
            return (long)old;
        }
        /* grow in place when the pages after it are free */
        if (vm_range_free(p, old + old_len, new_len - old_len)) {
            uint64_t ext = old + old_len, ext_len = new_len - old_len;
            int map_prot = shared ? PROT_READ | PROT_WRITE : prot;
            int64_t a = vm_map(p, ext, ext_len, map_prot, true, true);
            long r = a < 0 ? a : 0;
            if (r == 0 && shared)
                r = map_shared_at(p, ext, ext_len, prot, shared, foff + (off_t)old_len);
            if (r == 0) return (long)old;
            if (a >= 0) vm_unmap(p, ext, ext_len);
        }
        if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
    } else if ((new_addr & (PAGE_SIZE - 1)) ||
               (new_addr < old + old_len && old < new_addr + new_len)) {
        return -EINVAL;
    }
    if (flags & MREMAP_FIXED) { /* what was at the new place goes, as munmap would */
        shared_map_sync_range(p, new_addr, new_len, true);
        shm_unmap_range(p, new_addr, new_len);
    }
    int64_t a = vm_map(p, new_addr, new_len, PROT_READ | PROT_WRITE, flags & MREMAP_FIXED, false);
    if (a < 0) return a;
    if (shared) { /* the file's pages, mapped at the new place: nothing to copy */
        long r = map_shared_at(p, (uint64_t)a, new_len, prot, shared, foff);
        if (r < 0) {
            vm_unmap(p, (uint64_t)a, new_len);
            return r;
        }
        shared_map_sync_range(p, old, old_len, true);
        vm_unmap(p, old, old_len);
        return a;
    }
    if (!(prot & PROT_READ)) vm_protect(p, old, old_len, prot | PROT_READ);
    /* fault-safe: another thread may unmap or protect either range meanwhile
     * (what did not move is then lost, as the race deserves) */
    uaccess_copy((void *)a, (void *)old, old_len < new_len ? old_len : new_len);
    if (prot != (PROT_READ | PROT_WRITE)) vm_protect(p, (uint64_t)a, new_len, prot);
    vm_unmap(p, old, old_len);
    return a;
}

/* MADV_DONTNEED: private anonymous pages read back as zero, as on Linux,
 * whatever their protection. The range may span areas of different
 * protections: each is cleared on its own, made writable for the time of
 * it (clearing the whole range through the first area's protection
 * faulted in the LibOS on a read-only second area, and left read-only
 * pages as they were; found reading the memory calls while reducing a
 * system-call fuzzer finding). */
struct zero_range {
    uint64_t lo, hi;
};

static int zero_area(const struct vm_area *a, void *arg)
{
    const struct zero_range *z = arg;
    uint64_t lo = a->start > z->lo ? a->start : z->lo, hi = a->end < z->hi ? a->end : z->hi;
    int prot = a->prot;
    /* shared pages are the file's or the other processes' too: Linux
     * only drops this process's view of them, which reads the same */
    if (lo >= hi || a->shared) return 0;
    bool ro = (prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE);
    if (ro && pal_vm_protect((void *)lo, hi - lo, PROT_READ | PROT_WRITE) < 0) return 0;
    uaccess_zero((void *)lo, hi - lo); /* another thread may change the range meanwhile */
    if (ro) pal_vm_protect((void *)lo, hi - lo, prot);
    return 0;
}

long sys_madvise(unsigned long addr, unsigned long len, int advice)
{
    if (addr & (PAGE_SIZE - 1)) return -EINVAL;
    struct process *p = current_process();
    len = PAGE_UP(len);
    if (len && !vm_check(p, addr, len, 0)) return -ENOMEM;
    if (advice == MADV_DONTNEED && len) {
        struct zero_range z = {addr, addr + len};
        vm_for_each_area(p->vm, zero_area, &z);
    }
    return 0;
}

long sys_msync(unsigned long addr, unsigned long len, int flags)
{
    if ((addr & (PAGE_SIZE - 1)) || (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)))
        return -EINVAL;
    if (!vm_check(current_process(), addr, PAGE_UP(len), 0)) return -ENOMEM;
    shared_map_sync_range(current_process(), addr, PAGE_UP(len), false);
    return 0;
}

long sys_mlock(unsigned long addr, unsigned long len)
{
    return vm_check(current_process(), PAGE_DOWN(addr), PAGE_UP(addr + len) - PAGE_DOWN(addr), 0)
               ? 0
               : -ENOMEM;
}

long sys_munlock(unsigned long addr, unsigned long len)
{
    return sys_mlock(addr, len);
}

/* mlock2(2): MLOCK_ONFAULT is the one flag. Pages are never swapped
 * here, so locking is accounting only: like an unprivileged process, a
 * lock larger than RLIMIT_MEMLOCK gives ENOMEM (each call is checked on
 * its own: the LibOS does not add up what is locked) and a zero limit
 * EPERM. */
long sys_mlock2(unsigned long addr, unsigned long len, int flags)
{
    if (flags & ~1 /* MLOCK_ONFAULT */) return -EINVAL;
    struct process *p = current_process();
    uint64_t lim = p->rlimits[RLIMIT_MEMLOCK].cur;
    if (lim == 0) return -EPERM;
    uint64_t lo = PAGE_DOWN(addr), hi = PAGE_UP(addr + len);
    if (hi < lo) return -EINVAL;
    if (lim != RLIM_INFINITY && hi - lo > lim) return -ENOMEM;
    return vm_check(p, lo, hi - lo, 0) ? 0 : -ENOMEM;
}

long sys_mlockall(int flags)
{
    if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
        return -EINVAL;
    struct process *p = current_process();
    uint64_t lim = p->rlimits[RLIMIT_MEMLOCK].cur;
    if (lim == 0) return -EPERM;
    return 0;
}

long sys_munlockall(void)
{
    return 0;
}

/* mincore(2): LibOS memory is host memory the LibOS never pages out, so
 * every page of a mapped range is reported resident. */
long sys_mincore(unsigned long addr, unsigned long len, unsigned char *vec)
{
    if (addr & (PAGE_SIZE - 1)) return -EINVAL;
    if (len > TASK_SIZE || addr > TASK_SIZE - len) return -ENOMEM;
    uint64_t n = PAGE_UP(len) / PAGE_SIZE;
    if (n && !vm_check(current_process(), addr, n * PAGE_SIZE, 0)) return -ENOMEM;
    unsigned char ones[256];
    memset(ones, 1, sizeof(ones));
    for (uint64_t i = 0; i < n; i += sizeof(ones)) {
        uint64_t k = n - i < sizeof(ones) ? n - i : sizeof(ones);
        if (copy_to_user(vec + i, ones, k)) return -EFAULT;
    }
    return 0;
}

/* remap_file_pages(2), deprecated: Linux 4.0+ emulates it with a new
 * mmap of the range at the requested offset of the same file, only in
 * shared mappings and with prot 0 (EINVAL otherwise); so does this. */
long sys_remap_file_pages(unsigned long start, unsigned long size, unsigned long prot,
                          unsigned long pgoff, unsigned long flags)
{
    if (prot || (flags & ~(unsigned long)MAP_NONBLOCK)) return -EINVAL;
    start = PAGE_DOWN(start);
    size = PAGE_DOWN(size);
    if (start + size <= start) return -EINVAL;
    if (pgoff + (size >> 12) < pgoff || pgoff > (unsigned long)INT64_MAX >> 12) return -EINVAL;
    struct process *p = current_process();
    uint64_t end;
    int vprot = vm_prot_at(p, start, &end);
    if (vprot < 0 || end < start + size) return -EINVAL;
    off_t off;
    struct file *f = shared_map_file_at(p, start, size, &off);
    if (!f) return -EINVAL;
    long r = 0;
    if (off != (off_t)(pgoff << 12)) {
        shared_map_sync_range(p, start, size, true);
        int64_t a = vm_map(p, start, size, PROT_READ | PROT_WRITE, true, false);
        r = a < 0 ? a : map_file_at(p, start, size, vprot, MAP_SHARED, f, (off_t)(pgoff << 12));
    }
    file_put(f);
    return r;
}
