/* fuzz-sources: src/libos/loader/elf_check.c */
/*
 * fuzz_elf: an executable file's headers as the loader reads them
 * (loader/elf.c): elf_check_ehdr on the first bytes, the program headers
 * at e_phoff, elf_check_phdrs against the file's size, then the loader's
 * own walks over the accepted headers (PT_PHDR / the PT_LOAD holding the
 * headers, PT_INTERP's bounds). Whatever passes the checks must keep every
 * later computation within the file and the 47-bit address space.
 */
#include "loader/elf_check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof(eh));
    memcpy(&eh, data, size < sizeof(eh) ? size : sizeof(eh));
    if (elf_check_ehdr(&eh, size < sizeof(eh) ? size : sizeof(eh)) != 0) return 0;
    if (eh.e_phnum == 0 || eh.e_phnum > ELF_MAX_PHNUM) abort();
    size_t len = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
    /* the loader's pread: short reads are refused */
    if (eh.e_phoff > size || len > size - eh.e_phoff) return 0;
    Elf64_Phdr ph[ELF_MAX_PHNUM];
    memcpy(ph, data + eh.e_phoff, len);
    uint64_t lo, hi;
    if (elf_check_phdrs(ph, eh.e_phnum, size, &lo, &hi) != 0) return 0;
    if (lo >= hi || hi > (1ULL << 47) || (lo & 4095) || (hi & 4095)) abort();
    for (size_t i = 0; i < eh.e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type != PT_LOAD) continue;
        /* every loadable byte lies in the file, every page in [lo, hi) */
        if (p->p_offset + p->p_filesz > size || p->p_filesz > p->p_memsz) abort();
        if (p->p_vaddr < lo || p->p_vaddr + p->p_memsz > hi) abort();
    }
    return 0;
}
