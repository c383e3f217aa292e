/*
 * elfdeps.h: what an ELF file asks of the dynamic loader (PT_INTERP,
 * DT_NEEDED, DT_RUNPATH, DT_RPATH), read from the file's bytes alone: the
 * files come from users and are never run to find out (no ldd).
 */
#ifndef OCCLUM_BOM_ELFDEPS_H
#define OCCLUM_BOM_ELFDEPS_H

#include <stdbool.h>
#include <stddef.h>

struct elf_deps {
    bool is_elf;   /* an ELF64 x86-64 executable or shared object */
    char *interp;  /* PT_INTERP, or NULL */
    char **needed; /* DT_NEEDED names, in order */
    size_t n_needed;
    char *runpath; /* DT_RUNPATH, or NULL */
    char *rpath;   /* DT_RPATH, or NULL */
};

/*
 * Parses an ELF image held in memory. A buffer that is not an ELF64 x86-64
 * ET_EXEC/ET_DYN file gives 0 with is_elf false (nothing to follow). A
 * file that claims to be one but whose headers point outside it or whose
 * strings are not terminated gives -1 and the reason in err.
 */
int elf_deps_parse(const unsigned char *buf, size_t len, struct elf_deps *d, char *err,
                   size_t errlen);
/* The same for a file (mapped read-only); -1 also when it cannot be read. */
int elf_deps_read(const char *path, struct elf_deps *d, char *err, size_t errlen);
/* What a file is at first sight, from its first bytes. */
enum elf_kind { ELF_NOT, ELF_X86_64, ELF_OTHER };
enum elf_kind elf_kind_of(const char *path);
void elf_deps_free(struct elf_deps *d);

#endif
