/*
 * unwind_bounds: the bounds of the function around an application code
 * address, from the unwind table of the ELF object mapped there (its
 * PT_GNU_EH_FRAME segment, .eh_frame_hdr's sorted table of FDEs), else
 * from its dynamic symbol table (a function symbol's value and size), else
 * from Go's function table (.gopclntab). The
 * system call rewriter (rewrite.c) decodes that function from its start
 * to prove instruction boundaries. Everything is read from the process's
 * memory with fault-safe copies: another thread may unmap it meanwhile,
 * and the application may have written anything there.
 */
#include "entry/unwind_bounds.h"

#include "common/usercopy.h"
#include "process/process.h"
#include "vm/vm.h"

#include <elf.h>
#include <string.h>
#include <sys/mman.h>

/* How far below the address to look for the object's ELF header: libjvm's
 * text starts ~1 MiB above it, the largest text of a Debian library ~100 MiB. */
#define SCAN_MAX (256ULL << 20)
#define MAX_AREAS 64

static bool rd(void *dst, uint64_t src, size_t n)
{
    return uaccess_copy(dst, (const void *)src, n) == 0;
}

struct areas {
    uint64_t pc;
    int n;
    struct vm_area a[MAX_AREAS]; /* readable areas below pc, highest first once reversed */
};

static int collect(const struct vm_area *a, void *arg)
{
    struct areas *s = arg;
    if (a->start > s->pc) return 1;
    if (!(a->prot & PROT_READ) || a->end + SCAN_MAX < s->pc) return 0;
    if (s->n == MAX_AREAS) { /* keep the nearest */
        memmove(s->a, s->a + 1, (MAX_AREAS - 1) * sizeof(s->a[0]));
        s->n--;
    }
    s->a[s->n++] = *a;
    return 0;
}

/* What the object mapped at base says about itself. */
struct object {
    uint64_t base, bias;
    uint64_t eh_hdr;         /* its .eh_frame_hdr, or 0 */
    uint64_t dynamic;        /* its dynamic section, or 0 */
    uint64_t text, text_end; /* the code segment holding pc */
    uint64_t ro[4][2];       /* its read-only data segments */
    int nro;
};

/* Whether the ELF header at base is that of an object whose code holds pc. */
static bool object_at(uint64_t base, uint64_t pc, struct object *o)
{
    Elf64_Ehdr eh;
    if (!rd(&eh, base, sizeof(eh)) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 64 ||
        eh.e_phoff > 65536 || (eh.e_type != ET_DYN && eh.e_type != ET_EXEC))
        return false;
    Elf64_Phdr ph[64];
    if (!rd(ph, base + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr))) return false;
    uint64_t lo = UINT64_MAX;
    for (int i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr < lo) lo = ph[i].p_vaddr;
    if (lo == UINT64_MAX) return false;
    lo &= ~(uint64_t)(PAGE_SIZE - 1);
    *o = (struct object){.base = base, .bias = base - lo};
    if (eh.e_type == ET_EXEC && o->bias) return false;
    bool code = false;
    for (int i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && pc - o->bias >= ph[i].p_vaddr &&
            pc - o->bias < ph[i].p_vaddr + ph[i].p_memsz) {
            code = true;
            o->text = o->bias + ph[i].p_vaddr;
            o->text_end = o->text + ph[i].p_memsz;
        }
        if (ph[i].p_type == PT_LOAD && ph[i].p_flags == PF_R && o->nro < 4) {
            o->ro[o->nro][0] = o->bias + ph[i].p_vaddr;
            o->ro[o->nro++][1] = o->bias + ph[i].p_vaddr + ph[i].p_filesz;
        }
        if (ph[i].p_type == PT_GNU_EH_FRAME) o->eh_hdr = o->bias + ph[i].p_vaddr;
        if (ph[i].p_type == PT_DYNAMIC) o->dynamic = o->bias + ph[i].p_vaddr;
    }
    return code;
}

/* The object whose code holds pc: its ELF header is the nearest below. */
static bool find_object(struct process *p, uint64_t pc, struct object *o)
{
    struct areas s = {.pc = pc};
    vm_for_each_area(p->vm, collect, &s);
    for (int i = s.n - 1; i >= 0; i--) {
        uint64_t top = s.a[i].end - PAGE_SIZE;
        if (top > PAGE_DOWN(pc)) top = PAGE_DOWN(pc);
        for (uint64_t page = top; page >= s.a[i].start && page + SCAN_MAX >= pc;
             page -= PAGE_SIZE) {
            uint32_t magic;
            if (!rd(&magic, page, 4)) break;
            if (!memcmp(&magic, ELFMAG, SELFMAG)) return object_at(page, pc, o);
            if (page < PAGE_SIZE) break;
        }
    }
    return false;
}

/* A DW_EH_PE-encoded value at addr: its size, or 0 for an encoding not
 * handled (those of .eh_frame_hdr and GCC's and LLVM's FDEs are). */
static size_t read_encoded(uint64_t addr, uint8_t enc, uint64_t datarel, uint64_t *out)
{
    uint64_t v = 0;
    size_t n;
    switch (enc & 0x0f) {
    case 0x00: /* absptr */
    case 0x04: /* udata8 */
    case 0x0c: /* sdata8 */
        n = 8;
        if (!rd(&v, addr, 8)) return 0;
        break;
    case 0x03: { /* udata4 */
        uint32_t u;
        n = 4;
        if (!rd(&u, addr, 4)) return 0;
        v = u;
        break;
    }
    case 0x0b: { /* sdata4 */
        int32_t s;
        n = 4;
        if (!rd(&s, addr, 4)) return 0;
        v = (uint64_t)(int64_t)s;
        break;
    }
    default:
        return 0;
    }
    switch (enc & 0x70) {
    case 0x00:
        break;
    case 0x10: /* pcrel */
        v += addr;
        break;
    case 0x30: /* datarel: from .eh_frame_hdr's start */
        v += datarel;
        break;
    default:
        return 0;
    }
    *out = v;
    return n;
}

static size_t uleb(const uint8_t *b, size_t len, size_t i, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; i < len && shift < 64; shift += 7) {
        *v |= (uint64_t)(b[i] & 0x7f) << shift;
        if (!(b[i++] & 0x80)) return i;
    }
    return 0;
}

/* The FDE pointer encoding of the CIE at cie ('R' of its augmentation). */
static bool cie_fde_encoding(uint64_t cie, uint8_t *enc)
{
    uint8_t b[64];
    if (!rd(b, cie, sizeof(b))) return false;
    uint32_t id;
    memcpy(&id, b + 4, 4);
    if (id != 0) return false;
    uint8_t version = b[8];
    const char *aug = (const char *)b + 9;
    size_t alen = strnlen(aug, 16);
    if (alen == 16) return false;
    size_t i = 9 + alen + 1;
    if (strstr(aug, "eh")) i += 8;
    uint64_t v;
    if (!(i = uleb(b, sizeof(b), i, &v))) return false; /* code alignment */
    if (!(i = uleb(b, sizeof(b), i, &v))) return false; /* data alignment (sleb: same length) */
    if (version == 1)
        i++;
    else if (!(i = uleb(b, sizeof(b), i, &v)))
        return false;
    *enc = 0x00; /* absptr without 'R' */
    /* 'S': a signal frame's FDE, which glibc starts one byte before its
     * restorer (unwinders look up return address - 1): not an
     * instruction boundary, so no proof */
    if (strchr(aug, 'S')) return false;
    if (aug[0] != 'z') return true;
    if (!(i = uleb(b, sizeof(b), i, &v))) return false;
    for (const char *a = aug + 1; *a && i < sizeof(b); a++) {
        if (*a == 'R') {
            *enc = b[i];
            return true;
        }
        if (*a == 'L') {
            i++;
        } else if (*a == 'P') {
            uint8_t penc = b[i++];
            i += (penc & 0x0f) == 0x03 || (penc & 0x0f) == 0x0b ? 4 : 8;
        } else if (*a != 'S' && *a != 'B' && *a != 'G') {
            return false;
        }
    }
    return true;
}

/* From the object's .eh_frame_hdr. */
/* 0; 1 when no FDE covers pc; -1 when one does but proves nothing. */
static int fde_bounds(uint64_t hdr, uint64_t pc, uint64_t *start, uint64_t *len)
{
    if (!hdr) return 1;
    uint8_t h[4];
    if (!rd(h, hdr, 4) || h[0] != 1 || h[3] != 0x3b /* datarel sdata4 */) return 1;
    uint64_t at = hdr + 4, v, count;
    size_t n = read_encoded(at, h[1], hdr, &v);
    if (!n) return -1;
    at += n;
    if (!(n = read_encoded(at, h[2], hdr, &count)) || count == 0 || count > (1u << 24)) return -1;
    at += n;
    /* the last entry whose initial location is <= pc */
    uint64_t lo = 0, hi = count;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        int32_t loc;
        if (!rd(&loc, at + mid * 8, 4)) return -1;
        if (hdr + (int64_t)loc <= pc)
            lo = mid;
        else
            hi = mid;
    }
    int32_t ent[2];
    if (!rd(ent, at + lo * 8, 8)) return -1;
    uint64_t fde = hdr + (int64_t)ent[1];
    uint32_t fde_len;
    int32_t cie_ptr;
    if (!rd(&fde_len, fde, 4) || fde_len == 0xffffffff || fde_len < 12 || !rd(&cie_ptr, fde + 4, 4))
        return -1;
    uint8_t enc;
    if (!cie_fde_encoding(fde + 4 - (int64_t)cie_ptr, &enc)) return -1;
    uint64_t begin, range;
    if (!(n = read_encoded(fde + 8, enc, hdr, &begin))) return -1;
    if (!read_encoded(fde + 8 + n, enc & 0x0f, hdr, &range)) return -1;
    if (pc < begin || pc - begin >= range) return 1;
    *start = begin;
    *len = range;
    return 0;
}

/* A dynamic-section address: glibc's loader relocates them in place,
 * musl's does not. */
static uint64_t dyn_addr(const struct object *o, uint64_t v)
{
    return v >= o->base ? v : v + o->bias;
}

/* How many symbols .dynsym has, from DT_HASH or DT_GNU_HASH. */
static uint64_t dynsym_count(uint64_t hash, uint64_t gnu_hash)
{
    uint32_t h[4];
    if (hash) return rd(h, hash, 8) ? h[1] : 0; /* nbucket, nchain */
    if (!gnu_hash || !rd(h, gnu_hash, 16)) return 0;
    uint32_t nbuckets = h[0], symoffset = h[1], bloom = h[2];
    if (nbuckets == 0 || nbuckets > (1u << 20) || bloom > (1u << 20)) return 0;
    uint64_t buckets = gnu_hash + 16 + (uint64_t)bloom * 8, chains = buckets + nbuckets * 4ULL;
    uint32_t last = 0;
    for (uint32_t i = 0; i < nbuckets; i += 64) {
        uint32_t b[64], n = nbuckets - i < 64 ? nbuckets - i : 64;
        if (!rd(b, buckets + i * 4ULL, n * 4)) return 0;
        for (uint32_t k = 0; k < n; k++)
            if (b[k] > last) last = b[k];
    }
    if (last < symoffset) return symoffset;
    for (uint32_t k = 0; k < (1u << 20); k++, last++) {
        uint32_t c;
        if (!rd(&c, chains + (uint64_t)(last - symoffset) * 4, 4)) return 0;
        if (c & 1) return last + 1;
    }
    return 0;
}

/* From the dynamic symbol table: exported functions only, but that is
 * every libc entry point (musl's libc has almost no FDEs). */
static int dynsym_bounds(const struct object *o, uint64_t pc, uint64_t *start, uint64_t *len)
{
    if (!o->dynamic) return -1;
    uint64_t symtab = 0, hash = 0, gnu_hash = 0;
    for (int i = 0; i < 256; i++) {
        Elf64_Dyn d;
        if (!rd(&d, o->dynamic + i * sizeof(d), sizeof(d)) || d.d_tag == DT_NULL) break;
        if (d.d_tag == DT_SYMTAB) symtab = dyn_addr(o, d.d_un.d_ptr);
        if (d.d_tag == DT_HASH) hash = dyn_addr(o, d.d_un.d_ptr);
        if (d.d_tag == DT_GNU_HASH) gnu_hash = dyn_addr(o, d.d_un.d_ptr);
    }
    uint64_t n = symtab ? dynsym_count(hash, gnu_hash) : 0;
    if (n == 0 || n > (1u << 20)) return -1;
    bool found = false;
    for (uint64_t i = 0; i < n; i += 32) {
        Elf64_Sym sym[32];
        uint64_t k = n - i < 32 ? n - i : 32;
        if (!rd(sym, symtab + i * sizeof(Elf64_Sym), k * sizeof(Elf64_Sym))) return -1;
        for (uint64_t j = 0; j < k; j++) {
            const Elf64_Sym *y = &sym[j];
            if (ELF64_ST_TYPE(y->st_info) != STT_FUNC || y->st_shndx == SHN_UNDEF || !y->st_size)
                continue;
            uint64_t a = o->bias + y->st_value;
            if (pc < a || pc - a >= y->st_size) continue;
            if (found && *len != y->st_size) return -1; /* symbols that disagree: no proof */
            *start = a;
            *len = y->st_size;
            found = true;
        }
    }
    return found ? 0 : -1;
}

/*
 * Go's function table (.gopclntab, Go 1.18 on): Go's own code has neither
 * FDEs nor exported symbols. Its header, which no program header points
 * at, is found in the read-only segments by its magic and checked against
 * the code segment; then functab[i] = {entry offset from textStart, ...}
 * for nfunc functions and one more entry for the end of the text.
 */
struct go_pcheader {
    uint32_t magic;
    uint8_t pad1, pad2, min_lc, ptr_size;
    uint64_t nfunc, nfiles, text_start, funcname_off, cu_off, filetab_off, pctab_off, pcln_off;
};

static bool go_header_at(const struct object *o, uint64_t at, uint64_t seg_end,
                         struct go_pcheader *h)
{
    return rd(h, at, sizeof(*h)) && (h->magic == 0xfffffff0 || h->magic == 0xfffffff1) &&
           !h->pad1 && !h->pad2 && h->min_lc == 1 && h->ptr_size == 8 && h->nfunc &&
           h->nfunc < (1u << 24) && h->text_start >= o->text && h->text_start < o->text_end &&
           h->pcln_off < seg_end - at && (h->nfunc + 1) * 8 <= seg_end - at - h->pcln_off;
}

/* The .gopclntab of o, or 0; the last answer is kept per address space. */
static uint64_t go_pclntab(struct process *p, const struct object *o)
{
    struct vm_proc *m = p->vm;
    if (m->go_object == o->base) return m->go_pclntab;
    uint64_t found = 0;
    for (int i = 0; i < o->nro && !found; i++) {
        for (uint64_t at = (o->ro[i][0] + 31) & ~31ULL; at + 4096 <= o->ro[i][1] && !found;
             at += 4096) {
            uint8_t chunk[4096];
            if (!rd(chunk, at, sizeof(chunk))) break;
            for (size_t k = 0; k < sizeof(chunk); k += 32) { /* the section is 32-aligned */
                struct go_pcheader h;
                if (chunk[k + 1] == 0xff && chunk[k + 2] == 0xff && chunk[k + 3] == 0xff &&
                    (chunk[k] & 0xfe) == 0xf0 && go_header_at(o, at + k, o->ro[i][1], &h)) {
                    found = at + k;
                    break;
                }
            }
        }
    }
    m->go_object = o->base;
    m->go_pclntab = found;
    return found;
}

static int go_bounds(struct process *p, const struct object *o, uint64_t pc, uint64_t *start,
                     uint64_t *len)
{
    uint64_t at = o->nro ? go_pclntab(p, o) : 0;
    struct go_pcheader h;
    if (!at || !rd(&h, at, sizeof(h)) || pc < h.text_start) return -1;
    uint64_t tab = at + h.pcln_off, off = pc - h.text_start, lo = 0, hi = h.nfunc;
    while (hi - lo > 1) { /* the last function whose entry is <= pc */
        uint64_t mid = lo + (hi - lo) / 2;
        uint32_t e;
        if (!rd(&e, tab + mid * 8, 4)) return -1;
        if (e <= off)
            lo = mid;
        else
            hi = mid;
    }
    uint32_t e0, e1;
    if (!rd(&e0, tab + lo * 8, 4) || !rd(&e1, tab + (lo + 1) * 8, 4) || off < e0 || off >= e1)
        return -1;
    *start = h.text_start + e0;
    *len = e1 - e0;
    return 0;
}

int unwind_func_bounds(struct process *p, uint64_t pc, uint64_t *start, uint64_t *len)
{
    struct object o;
    if (!find_object(p, pc, &o)) return -1;
    int r = fde_bounds(o.eh_hdr, pc, start, len);
    /* an FDE that proves nothing (a signal frame's) is not overruled */
    if (r != 1) return r;
    if (dynsym_bounds(&o, pc, start, len) == 0) return 0;
    return go_bounds(p, &o, pc, start, len);
}
