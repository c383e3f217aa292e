/* elf_check: see elf_check.h. */
#include "loader/elf_check.h"

#include <errno.h>
#include <string.h>

#define PAGE 4096ULL

int elf_check_ehdr(const void *buf, size_t n)
{
    const Elf64_Ehdr *eh = buf;
    if (n < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) return -ENOEXEC;
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_machine != EM_X86_64)
        return -ENOEXEC;
    if (eh->e_type != ET_DYN && eh->e_type != ET_EXEC) return -ENOEXEC;
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHNUM)
        return -ENOEXEC;
    if (eh->e_phoff < sizeof(*eh) || eh->e_phoff > UINT64_MAX - ELF_MAX_PHNUM * 56ULL)
        return -ENOEXEC;
    return 0;
}

int elf_check_phdrs(const Elf64_Phdr *ph, size_t phnum, uint64_t file_size, uint64_t *lo,
                    uint64_t *hi)
{
    uint64_t l = UINT64_MAX, h = 0;
    for (size_t i = 0; i < phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type != PT_LOAD) continue;
        if (p->p_filesz > p->p_memsz) return -ENOEXEC;
        if (p->p_offset > file_size || p->p_filesz > file_size - p->p_offset) return -ENOEXEC;
        if (p->p_vaddr > UINT64_MAX - p->p_memsz - PAGE) return -ENOEXEC;
        if ((p->p_vaddr - p->p_offset) % PAGE != 0) return -ENOEXEC;
        if (p->p_vaddr + p->p_memsz > (1ULL << 47)) return -ENOEXEC;
        uint64_t s = p->p_vaddr & ~(PAGE - 1);
        uint64_t e = (p->p_vaddr + p->p_memsz + PAGE - 1) & ~(PAGE - 1);
        if (s < l) l = s;
        if (e > h) h = e;
    }
    if (l >= h) return -ENOEXEC;
    *lo = l;
    *hi = h;
    return 0;
}
