/* unit-sources: src/libos/loader/elf_check.c */
/*
 * test_elf: the loader's header checks reject every kind of malformed ELF
 * header or program header table before anything is mapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "loader/elf_check.h"

#include <errno.h>
#include <string.h>

static Elf64_Ehdr good_ehdr(void)
{
    Elf64_Ehdr eh;
    memset(&eh, 0, sizeof(eh));
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_DYN;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 2;
    return eh;
}

static void accepts_pie_and_exec(void **state)
{
    Elf64_Ehdr eh = good_ehdr();
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), 0);
    eh.e_type = ET_EXEC;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), 0);
}

static void rejects_short_and_bad_magic(void **state)
{
    Elf64_Ehdr eh = good_ehdr();
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh) - 1), -ENOEXEC);
    assert_int_equal(elf_check_ehdr(&eh, 0), -ENOEXEC);
    eh.e_ident[1] = 'X';
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
    const char script[64] = "#!/bin/sh\necho hi\n";
    assert_int_equal(elf_check_ehdr(script, sizeof(script)), -ENOEXEC);
}

static void rejects_other_class_endianness_arch(void **state)
{
    Elf64_Ehdr eh = good_ehdr();
    eh.e_ident[EI_CLASS] = ELFCLASS32;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
    eh = good_ehdr();
    eh.e_ident[EI_DATA] = ELFDATA2MSB;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
    eh = good_ehdr();
    eh.e_machine = EM_AARCH64;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
    eh = good_ehdr();
    eh.e_ident[EI_VERSION] = 0;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
}

static void rejects_relocatable_and_core(void **state)
{
    Elf64_Ehdr eh = good_ehdr();
    eh.e_type = ET_REL;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
    eh.e_type = ET_CORE;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
}

static void rejects_bad_phdr_table(void **state)
{
    Elf64_Ehdr eh = good_ehdr();
    eh.e_phentsize = 32;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
    eh = good_ehdr();
    eh.e_phnum = 0;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
    eh.e_phnum = ELF_MAX_PHNUM + 1;
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
    eh = good_ehdr();
    eh.e_phoff = 8; /* inside the ELF header */
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
    eh.e_phoff = UINT64_MAX - 10; /* would wrap */
    assert_int_equal(elf_check_ehdr(&eh, sizeof(eh)), -ENOEXEC);
}

static Elf64_Phdr load(uint64_t off, uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    Elf64_Phdr p;
    memset(&p, 0, sizeof(p));
    p.p_type = PT_LOAD;
    p.p_offset = off;
    p.p_vaddr = vaddr;
    p.p_filesz = filesz;
    p.p_memsz = memsz;
    p.p_flags = PF_R;
    p.p_align = 4096;
    return p;
}

static void segments_span(void **state)
{
    Elf64_Phdr ph[3] = {load(0, 0, 0x1234, 0x1234), load(0x2000, 0x3000, 0x100, 0x5000)};
    ph[2].p_type = PT_NOTE; /* ignored */
    uint64_t lo, hi;
    assert_int_equal(elf_check_phdrs(ph, 3, 0x3000, &lo, &hi), 0);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 0x8000);
}

static void segments_rejected(void **state)
{
    uint64_t lo, hi;
    Elf64_Phdr p = load(0, 0, 0x2000, 0x1000); /* filesz > memsz */
    assert_int_equal(elf_check_phdrs(&p, 1, 0x10000, &lo, &hi), -ENOEXEC);
    p = load(0x1000, 0x1000, 0x2000, 0x2000); /* past the end of the file */
    assert_int_equal(elf_check_phdrs(&p, 1, 0x2000, &lo, &hi), -ENOEXEC);
    p = load(UINT64_MAX - 5, 0x1000, 0x10, 0x10); /* offset wraps */
    assert_int_equal(elf_check_phdrs(&p, 1, 0x2000, &lo, &hi), -ENOEXEC);
    p = load(0, UINT64_MAX - 0x10, 0, 0x100); /* address wraps */
    assert_int_equal(elf_check_phdrs(&p, 1, 0x2000, &lo, &hi), -ENOEXEC);
    p = load(0x10, 0x1000, 0x10, 0x10); /* offset and address not congruent */
    assert_int_equal(elf_check_phdrs(&p, 1, 0x2000, &lo, &hi), -ENOEXEC);
    p = load(0, 1ULL << 47, 0, 0x1000); /* beyond the user address space */
    assert_int_equal(elf_check_phdrs(&p, 1, 0x2000, &lo, &hi), -ENOEXEC);
    p.p_type = PT_DYNAMIC; /* no PT_LOAD at all */
    assert_int_equal(elf_check_phdrs(&p, 1, 0x2000, &lo, &hi), -ENOEXEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_pie_and_exec),
        cmocka_unit_test(rejects_short_and_bad_magic),
        cmocka_unit_test(rejects_other_class_endianness_arch),
        cmocka_unit_test(rejects_relocatable_and_core),
        cmocka_unit_test(rejects_bad_phdr_table),
        cmocka_unit_test(segments_span),
        cmocka_unit_test(segments_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
