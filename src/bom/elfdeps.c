/*
 * elfdeps.c: reads the loader's instructions out of an ELF file (see
 * elfdeps.h). Every offset, size and string taken from the file is checked
 * against the file's length before use, because the file is untrusted
 * input: a truncated or corrupt ELF gives one error, never a crash.
 */
#include "bom/elfdeps.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* off + size within len, without overflow. */
static bool in_bounds(uint64_t off, uint64_t size, size_t len)
{
    return off <= len && size <= len - off;
}

/* A NUL-terminated string at buf[off] that ends before `end`, or NULL. */
static const char *str_at(const unsigned char *buf, uint64_t off, uint64_t end)
{
    if (off >= end) return NULL;
    const void *nul = memchr(buf + off, '\0', end - off);
    return nul ? (const char *)buf + off : NULL;
}

/* The file offset of virtual address `va` and how many of the segment's
 * file bytes follow it, from the PT_LOAD segments. */
static int va_to_off(const Elf64_Phdr *ph, size_t n, uint64_t va, uint64_t *off, uint64_t *avail)
{
    for (size_t i = 0; i < n; i++) {
        if (ph[i].p_type != PT_LOAD) continue;
        if (va >= ph[i].p_vaddr && va - ph[i].p_vaddr < ph[i].p_filesz) {
            *off = ph[i].p_offset + (va - ph[i].p_vaddr);
            *avail = ph[i].p_filesz - (va - ph[i].p_vaddr);
            return 0;
        }
    }
    return -1;
}

static int add_needed(struct elf_deps *d, const char *name)
{
    char **n = realloc(d->needed, (d->n_needed + 1) * sizeof(*n));
    if (!n) return -1;
    d->needed = n;
    if (!(n[d->n_needed] = strdup(name))) return -1;
    d->n_needed++;
    return 0;
}

static int parse_dynamic(const unsigned char *buf, size_t len, const Elf64_Phdr *ph, size_t nph,
                         const Elf64_Phdr *dyn, struct elf_deps *d, char *err, size_t errlen)
{
    if (!in_bounds(dyn->p_offset, dyn->p_filesz, len))
        return fail(err, errlen, "its dynamic section lies outside the file");
    if (dyn->p_offset % _Alignof(Elf64_Dyn))
        return fail(err, errlen, "its dynamic section is misaligned");
    const Elf64_Dyn *dt = (const Elf64_Dyn *)(buf + dyn->p_offset);
    size_t ndt = dyn->p_filesz / sizeof(Elf64_Dyn);
    uint64_t strtab_va = 0, strsz = 0;
    bool have_strtab = false;
    for (size_t i = 0; i < ndt && dt[i].d_tag != DT_NULL; i++) {
        if (dt[i].d_tag == DT_STRTAB) {
            strtab_va = dt[i].d_un.d_ptr;
            have_strtab = true;
        } else if (dt[i].d_tag == DT_STRSZ) {
            strsz = dt[i].d_un.d_val;
        }
    }
    if (!have_strtab) return 0; /* nothing can be named without a string table */
    uint64_t stroff, avail;
    if (va_to_off(ph, nph, strtab_va, &stroff, &avail) < 0 || strsz > avail ||
        !in_bounds(stroff, strsz, len))
        return fail(err, errlen, "its dynamic string table lies outside the file");
    uint64_t strend = stroff + strsz;
    for (size_t i = 0; i < ndt && dt[i].d_tag != DT_NULL; i++) {
        int64_t tag = dt[i].d_tag;
        if (tag != DT_NEEDED && tag != DT_RUNPATH && tag != DT_RPATH) continue;
        const char *s =
            dt[i].d_un.d_val < strsz ? str_at(buf, stroff + dt[i].d_un.d_val, strend) : NULL;
        if (!s) return fail(err, errlen, "a dynamic entry names a string outside its string table");
        if (tag == DT_NEEDED) {
            if (add_needed(d, s) < 0) return fail(err, errlen, "out of memory");
        } else {
            char **slot = tag == DT_RUNPATH ? &d->runpath : &d->rpath;
            free(*slot);
            if (!(*slot = strdup(s))) return fail(err, errlen, "out of memory");
        }
    }
    return 0;
}

int elf_deps_parse(const unsigned char *buf, size_t len, struct elf_deps *d, char *err,
                   size_t errlen)
{
    memset(d, 0, sizeof(*d));
    if (len < SELFMAG || memcmp(buf, ELFMAG, SELFMAG)) return 0;
    if (len < sizeof(Elf64_Ehdr)) return fail(err, errlen, "truncated ELF header");
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_X86_64 || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN))
        return 0; /* another architecture or kind of ELF: the loader would not take it */
    if (eh->e_phnum == 0) return fail(err, errlen, "it has no program headers");
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return fail(err, errlen, "its program header size is %u, not %zu", eh->e_phentsize,
                    sizeof(Elf64_Phdr));
    if (!in_bounds(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
        return fail(err, errlen, "its program headers lie outside the file");
    if (eh->e_phoff % _Alignof(Elf64_Phdr))
        return fail(err, errlen, "its program headers are misaligned");
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(buf + eh->e_phoff);
    d->is_elf = true;
    int rc = 0;
    for (size_t i = 0; i < eh->e_phnum && rc == 0; i++) {
        if (ph[i].p_type == PT_INTERP) {
            if (!in_bounds(ph[i].p_offset, ph[i].p_filesz, len)) {
                rc = fail(err, errlen, "its interpreter path lies outside the file");
                break;
            }
            const char *s = str_at(buf, ph[i].p_offset, ph[i].p_offset + ph[i].p_filesz);
            if (!s || !*s) {
                rc = fail(err, errlen, "its interpreter path is not a terminated string");
                break;
            }
            free(d->interp);
            if (!(d->interp = strdup(s))) rc = fail(err, errlen, "out of memory");
        } else if (ph[i].p_type == PT_DYNAMIC) {
            rc = parse_dynamic(buf, len, ph, eh->e_phnum, &ph[i], d, err, errlen);
        }
    }
    if (rc < 0) elf_deps_free(d);
    return rc;
}

int elf_deps_read(const char *path, struct elf_deps *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof(*d));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(err, errlen, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return fail(err, errlen, "%s", strerror(e));
    }
    if (!S_ISREG(st.st_mode) || st.st_size == 0) {
        close(fd);
        return 0;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return fail(err, errlen, "%s", strerror(errno));
    int rc = elf_deps_parse(map, (size_t)st.st_size, d, err, errlen);
    munmap(map, (size_t)st.st_size);
    return rc;
}

enum elf_kind elf_kind_of(const char *path)
{
    Elf64_Ehdr eh;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ELF_NOT;
    ssize_t n = read(fd, &eh, sizeof(eh));
    close(fd);
    if (n < SELFMAG || memcmp(eh.e_ident, ELFMAG, SELFMAG)) return ELF_NOT;
    if (n < (ssize_t)sizeof(eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64)
        return ELF_OTHER;
    return ELF_X86_64;
}

void elf_deps_free(struct elf_deps *d)
{
    free(d->interp);
    for (size_t i = 0; i < d->n_needed; i++)
        free(d->needed[i]);
    free(d->needed);
    free(d->runpath);
    free(d->rpath);
    memset(d, 0, sizeof(*d));
}
