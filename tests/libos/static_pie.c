/* static_pie: a -static-pie binary (no PT_INTERP, AT_BASE 0) relocates itself and runs. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>

#include "check.h"

extern char _start[];
static const char *const table[] = {"alpha", "beta", "gamma"}; /* needs relocation */
static int counter = 41;

int main(int argc, char **argv)
{
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    unsigned long n = getauxval(AT_PHNUM);
    CHECK(ph != NULL && n > 0);
    int has_dynamic = 0;
    for (unsigned long i = 0; i < n; i++) {
        if (ph[i].p_type == PT_INTERP) fprintf(stderr, "PT_INTERP present: not a static binary\n");
        CHECK(ph[i].p_type != PT_INTERP);
        if (ph[i].p_type == PT_DYNAMIC) has_dynamic = 1;
    }
    CHECK(has_dynamic); /* static-pie keeps a dynamic section for self-relocation */
    /* The ELF header is mapped right before the program headers (the first
     * PT_LOAD covers file offset 0, and the linker puts them at offset 64). */
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)((uintptr_t)ph - sizeof(Elf64_Ehdr));
    CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0);
    CHECK_EQ(eh->e_phoff, sizeof(Elf64_Ehdr));
    CHECK_EQ(eh->e_type, ET_DYN);
    uintptr_t bias = (uintptr_t)eh;
    CHECK(bias != 0); /* position independent: loaded at a non-zero bias */
    CHECK_EQ(eh->e_entry + bias, getauxval(AT_ENTRY));
    CHECK_EQ(getauxval(AT_BASE), 0); /* no interpreter */
    CHECK_EQ(getauxval(AT_ENTRY), (unsigned long)_start);
    CHECK_EQ(getauxval(AT_PAGESZ), 4096);

    /* relocated data and libc both work */
    CHECK_STR(table[2], "gamma");
    CHECK_EQ(++counter, 42);
    char *s = malloc(100);
    CHECK(s != NULL);
    snprintf(s, 100, "%s-%d", table[0], counter);
    CHECK_STR(s, "alpha-42");
    free(s);
    CHECK(argc >= 1 && argv[0] != NULL);
    printf("static-pie ok\n");
    return 0;
}
