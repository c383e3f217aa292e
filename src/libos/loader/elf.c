/*
 * elf: the ELF64 x86-64 loader and `#!` scripts.
 *
 * Segments are loaded by copying (no host file mapping): the whole span of
 * PT_LOAD segments is reserved as one area so that PIE objects keep their
 * layout, each segment's file bytes are read into it, the bss is already
 * zero, and each page then gets its segment's protection (pages shared by
 * two segments get the union, as the kernel's mapping of both would).
 */
#include "loader/loader.h"
#include "loader/elf_check.h"
#include "loader/image_cache.h"
#include "entry/rewrite.h"
#include "pal/pal.h"

#include "common/config.h"
#include "fs/fs_core.h"
#include "process/process.h"
#include "util/log.h"
#include "vm/vm.h"
#include "util/kheap.h"

#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAX_SCRIPT_DEPTH 4
#define SHEBANG_MAX 256

extern struct occlum_config libos_config;

struct elf_object {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[ELF_MAX_PHNUM];
};

static int elf_read_headers(struct file *f, struct elf_object *o, const char *path)
{
    ssize_t n = file_pread(f, &o->eh, sizeof(o->eh), 0);
    if (n < 0) return (int)n;
    const Elf64_Ehdr *eh = &o->eh;
    if (elf_check_ehdr(eh, (size_t)n) < 0) {
        log_info("%s: not an x86-64 ELF64 executable", path);
        return -ENOEXEC;
    }
    size_t len = eh->e_phnum * sizeof(Elf64_Phdr);
    n = file_pread(f, o->ph, len, (off_t)eh->e_phoff);
    if (n < 0) return (int)n;
    return (size_t)n == len ? 0 : -ENOEXEC;
}

static int prot_of(uint32_t pf)
{
    return ((pf & PF_R) ? PROT_READ : 0) | ((pf & PF_W) ? PROT_WRITE : 0) |
           ((pf & PF_X) ? PROT_EXEC : 0);
}

/*
 * Segments straight from the image cache: each PT_LOAD's file pages become
 * a copy-on-write view of the cached bytes, as the kernel's own loader maps
 * files, so a program loaded many times is read once. Needs every pair of
 * segments that share a page to come from the same file page (same
 * vaddr - offset), which linkers produce; otherwise -1 and the caller reads.
 */
/* A segment whose pages are its own can be mapped with its protection
 * at once, sparing a host mprotect per segment on every spawn: unless
 * the loader writes into it (padzero), or the host pages past its file
 * pages are the span's plain read-write memory. */
static bool final_prot_ok(const Elf64_Phdr *ph)
{
    int prot = prot_of(ph->p_flags);
    uint64_t file_end = ph->p_vaddr + ph->p_filesz, mem_end = ph->p_vaddr + ph->p_memsz;
    bool padzero = ph->p_memsz > ph->p_filesz && PAGE_UP(file_end) > file_end;
    bool anon_tail = ph->p_filesz == 0 || PAGE_UP(mem_end) > PAGE_UP(file_end);
    return !(padzero && !(prot & PROT_WRITE)) && !(anon_tail && prot != (PROT_READ | PROT_WRITE));
}

/* Whether the segments' file pages tile [lo, hi) with nothing between or
 * after them and all get their own protection: mapping them from the
 * image cache then leaves no page of the span to be given memory first. */
static bool cache_tiles_span(const struct elf_object *o, uint64_t lo, uint64_t hi)
{
    uint64_t next = lo;
    for (int i = 0; i < o->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &o->ph[i];
        if (ph->p_type != PT_LOAD) continue;
        uint64_t file_end = PAGE_UP(ph->p_vaddr + ph->p_filesz);
        if (PAGE_DOWN(ph->p_vaddr) != next || ph->p_filesz == 0 ||
            PAGE_UP(ph->p_vaddr + ph->p_memsz) != file_end || !final_prot_ok(ph))
            return false;
        next = file_end;
    }
    return next == hi;
}

/* *final: every segment got its own protection (see final_prot_ok). */
static int map_from_cache(struct file *f, const struct stat *st, const struct elf_object *o,
                          uint64_t bias, bool *final)
{
    const Elf64_Phdr *prev = NULL;
    *final = true;
    for (int i = 0; i < o->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &o->ph[i];
        if (ph->p_type != PT_LOAD) continue;
        bool shares = prev && PAGE_DOWN(ph->p_vaddr) < PAGE_UP(prev->p_vaddr + prev->p_memsz);
        if (shares && (ph->p_vaddr - ph->p_offset != prev->p_vaddr - prev->p_offset ||
                       prev->p_memsz > prev->p_filesz)) /* bss under the next segment's page */
            return -1;
        if (shares || !final_prot_ok(ph)) *final = false;
        prev = ph;
    }
    int fd = image_cache_get(f, st);
    if (fd < 0) return -1;
    for (int i = 0; i < o->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &o->ph[i];
        if (ph->p_type != PT_LOAD || ph->p_filesz == 0) continue;
        uint64_t start = PAGE_DOWN(bias + ph->p_vaddr);
        uint64_t file_end = bias + ph->p_vaddr + ph->p_filesz;
        int prot = *final ? prot_of(ph->p_flags) : PROT_READ | PROT_WRITE;
        if (pal_vm_map_file((void *)start, PAGE_UP(file_end) - start, prot, fd,
                            (off_t)PAGE_DOWN(ph->p_offset)) < 0) {
            image_cache_put(fd);
            /* The span must be plain writable memory again for reading. */
            for (int j = 0; *final && j < i; j++) {
                const Elf64_Phdr *q = &o->ph[j];
                if (q->p_type != PT_LOAD || q->p_filesz == 0) continue;
                uint64_t qs = PAGE_DOWN(bias + q->p_vaddr);
                pal_vm_protect((void *)qs, PAGE_UP(bias + q->p_vaddr + q->p_filesz) - qs,
                               PROT_READ | PROT_WRITE);
            }
            *final = false;
            return -1;
        }
        /* Like the kernel's padzero: when a bss follows, the rest of the
         * last file page reads as zero (glibc's loader allocates there,
         * past _end, relying on it). */
        if (ph->p_memsz > ph->p_filesz && PAGE_UP(file_end) > file_end)
            memset((void *)file_end, 0, PAGE_UP(file_end) - file_end);
    }
    image_cache_put(fd);
    return 0;
}

/* Map o's PT_LOAD segments; sets *bias (load address - link address). */
static int elf_map(struct process *p, struct file *f, const struct elf_object *o, const char *path,
                   uint64_t *bias)
{
    uint64_t lo, hi;
    struct stat st;
    int r = file_fstat(f, &st);
    if (r < 0) return r;
    if (elf_check_phdrs(o->ph, o->eh.e_phnum, (uint64_t)st.st_size, &lo, &hi) < 0) {
        log_info("%s: malformed program headers", path);
        return -ENOEXEC;
    }
    int64_t base;
    bool committed = true;
    if (o->eh.e_type == ET_DYN) {
        committed = !cache_tiles_span(o, lo, hi);
        base = committed ? vm_map(p, 0, hi - lo, PROT_READ | PROT_WRITE, false, false)
                         : vm_map_uncommitted(p, hi - lo, PROT_READ | PROT_WRITE);
    } else {
        base = vm_map_image_fixed(p, lo, hi - lo, PROT_READ | PROT_WRITE);
        if (base == -EEXIST) /* another process of this address space has it: the
                              * caller may move the process to a new one */
            return -EEXIST;
        if (base < 0) {
            log_error("%s is not position-independent and its fixed range %#lx-%#lx is not "
                      "available; rebuild it with -fPIE -pie (occlum-gcc does by default)",
                      path, (unsigned long)lo, (unsigned long)hi);
            return -ENOMEM;
        }
    }
    if (base < 0) return (int)base;
    *bias = (uint64_t)base - lo;
    bool final = false;
    r = map_from_cache(f, &st, o, *bias, &final);
    if (r < 0 && !committed) { /* the plain way below needs the whole span as memory */
        int c = pal_vm_commit((void *)base, hi - lo, PROT_READ | PROT_WRITE);
        if (c < 0) {
            vm_unmap(p, (uint64_t)base, hi - lo);
            return c;
        }
    }
    for (int i = 0; r < 0 && i < o->eh.e_phnum; i++) { /* the plain way: read them in */
        const Elf64_Phdr *ph = &o->ph[i];
        if (ph->p_type != PT_LOAD || ph->p_filesz == 0) continue;
        ssize_t n = file_pread(f, (void *)(*bias + ph->p_vaddr), ph->p_filesz, (off_t)ph->p_offset);
        if (n != (ssize_t)ph->p_filesz) return n < 0 ? (int)n : -EIO;
    }
    /* Protections: each segment's own, the union on a page two segments
     * share, and nothing for the gaps between segments (PT_LOADs come in
     * ascending order, as the ELF spec requires). */
    uint64_t prev_end = (uint64_t)base;
    int prev_prot = 0;
    for (int i = 0; i < o->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &o->ph[i];
        if (ph->p_type != PT_LOAD) continue;
        uint64_t s = PAGE_DOWN(*bias + ph->p_vaddr), e = PAGE_UP(*bias + ph->p_vaddr + ph->p_memsz);
        int prot = prot_of(ph->p_flags);
        if (s > prev_end) vm_protect(p, prev_end, s - prev_end, PROT_NONE);
        if (prot != (PROT_READ | PROT_WRITE))
            (r == 0 && final ? vm_protect_recorded : vm_protect)(p, s, e - s, prot);
        if (s < prev_end) vm_protect(p, s, PAGE_SIZE, prot | prev_prot);
        prev_end = e > prev_end ? e : prev_end;
        prev_prot = prot;
    }
    /* the whole object is in place: the sites of its code that earlier
     * processes patched go in before it runs */
    for (int i = 0; i < o->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &o->ph[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || ph->p_filesz == 0) continue;
        uint64_t s = PAGE_DOWN(*bias + ph->p_vaddr);
        rewrite_share_map(p, f, s, PAGE_UP(*bias + ph->p_vaddr + ph->p_filesz),
                          PAGE_DOWN(ph->p_offset));
    }
    return 0;
}

static uint64_t elf_phdr_addr(const struct elf_object *o, uint64_t bias)
{
    for (int i = 0; i < o->eh.e_phnum; i++)
        if (o->ph[i].p_type == PT_PHDR) return bias + o->ph[i].p_vaddr;
    for (int i = 0; i < o->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &o->ph[i];
        if (ph->p_type == PT_LOAD && o->eh.e_phoff >= ph->p_offset &&
            o->eh.e_phoff < ph->p_offset + ph->p_filesz)
            return bias + ph->p_vaddr + (o->eh.e_phoff - ph->p_offset);
    }
    return 0;
}

static int elf_interp_path(struct file *f, const struct elf_object *o, char *buf, size_t len)
{
    for (int i = 0; i < o->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &o->ph[i];
        if (ph->p_type != PT_INTERP) continue;
        if (ph->p_filesz < 2 || ph->p_filesz > len) return -ENOEXEC;
        ssize_t n = file_pread(f, buf, ph->p_filesz, (off_t)ph->p_offset);
        if (n != (ssize_t)ph->p_filesz || buf[n - 1] != '\0') return -ENOEXEC;
        return 1;
    }
    return 0;
}

/* "#!interp [arg]\n": fills interp and arg (arg may be empty). */
static int parse_shebang(const char *buf, size_t n, char *interp, char *arg)
{
    const char *p = buf + 2, *end = memchr(buf, '\n', n);
    if (!end) end = buf + n;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    const char *q = p;
    while (q < end && *q != ' ' && *q != '\t')
        q++;
    if (q == p || (size_t)(q - p) >= SHEBANG_MAX) return -ENOEXEC;
    memcpy(interp, p, (size_t)(q - p));
    interp[q - p] = '\0';
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    const char *r = end;
    while (r > q && (r[-1] == ' ' || r[-1] == '\t' || r[-1] == '\r'))
        r--;
    memcpy(arg, q, (size_t)(r - q));
    arg[r - q] = '\0';
    return 0;
}

static int load_interp(struct process *p, const char *path, uint64_t *base, uint64_t *entry)
{
    struct file *f;
    char abs[PATH_MAX];
    int r = vfs_open_exec(p, path, &f, abs, sizeof(abs));
    if (r < 0) {
        log_warn("cannot load the program interpreter %s: %s; copy it into the image", path,
                 strerror(-r));
        return r == -ENOENT ? -ENOENT : -ENOEXEC;
    }
    struct elf_object *o = kmalloc(sizeof(*o));
    r = o ? elf_read_headers(f, o, path) : -ENOMEM;
    uint64_t bias = 0;
    if (r == 0) r = o->eh.e_type == ET_DYN ? elf_map(p, f, o, path, &bias) : -ENOEXEC;
    if (r == 0) {
        *base = bias + 0; /* interpreters are linked at 0 */
        *entry = bias + o->eh.e_entry;
    }
    kfree(o);
    file_put(f);
    return r;
}

int loader_load(struct process *p, const char *path, char *const argv[], char *const envp[],
                struct load_result *out)
{
    char **script_argv = NULL; /* on the heap: Linux lets argv hold ~800,000 entries */
    char interps[MAX_SCRIPT_DEPTH][SHEBANG_MAX], args[MAX_SCRIPT_DEPTH][SHEBANG_MAX];
    const char *execfn = path;
    struct file *f = NULL;
    struct elf_object *o = kmalloc(sizeof(*o));
    if (!o) return -ENOMEM;
    int r;
    for (int depth = 0;; depth++) {
        r = vfs_open_exec(p, path, &f, p->exe_path, sizeof(p->exe_path));
        if (r < 0) goto out_nofile;
        char head[SHEBANG_MAX];
        ssize_t n = file_pread(f, head, sizeof(head), 0);
        if (n < 0) {
            r = (int)n;
            goto out;
        }
        if (n < 2 || head[0] != '#' || head[1] != '!') break;
        if (depth == MAX_SCRIPT_DEPTH) {
            r = -ELOOP;
            goto out;
        }
        /* argv becomes: interp [arg] script-path original-argv[1..] */
        r = parse_shebang(head, (size_t)n, interps[depth], args[depth]);
        if (r < 0) goto out;
        size_t k = 0, argc = 0;
        while (argv[argc])
            argc++;
        char **nv = kmalloc((argc + 4) * sizeof(char *));
        if (!nv) {
            r = -ENOMEM;
            goto out;
        }
        nv[k++] = interps[depth];
        if (args[depth][0]) nv[k++] = args[depth];
        nv[k++] = (char *)path;
        for (size_t i = 1; i < argc; i++)
            nv[k++] = argv[i];
        nv[k] = NULL;
        kfree(script_argv);
        argv = script_argv = nv;
        path = interps[depth];
        file_put(f);
        f = NULL;
    }
    r = elf_read_headers(f, o, path);
    if (r < 0) goto out;
    uint64_t bias = 0;
    r = elf_map(p, f, o, path, &bias);
    if (r < 0) goto out;
    struct image_info img = {
        .phdr = elf_phdr_addr(o, bias),
        .phnum = o->eh.e_phnum,
        .entry = bias + o->eh.e_entry,
        .interp_base = 0,
        .execfn = execfn,
    };
    uint64_t start = img.entry;
    char interp[PATH_MAX];
    r = elf_interp_path(f, o, interp, sizeof(interp));
    if (r < 0) goto out;
    if (r == 1) {
        r = load_interp(p, interp, &img.interp_base, &start);
        if (r < 0) goto out;
    }
    r = vm_heap_init(p, libos_config.default_heap_size);
    if (r < 0) goto out;
    r = loader_build_stack(p, argv, envp, &img, &out->rsp);
    if (r < 0) goto out;
    out->entry = start;
out:
    if (f) file_put(f);
out_nofile:
    kfree(script_argv);
    kfree(o);
    return r;
}

int loader_check(struct process *p, const char *path)
{
    struct file *f;
    char abs[PATH_MAX];
    int r = vfs_open_exec(p, path, &f, abs, sizeof(abs));
    if (r < 0) return r;
    char head[4];
    ssize_t n = file_pread(f, head, sizeof(head), 0);
    file_put(f);
    if (n < 0) return (int)n;
    if (n >= 2 && head[0] == '#' && head[1] == '!') return 0;
    if (n == 4 && memcmp(head, ELFMAG, SELFMAG) == 0) return 0;
    return -ENOEXEC;
}
