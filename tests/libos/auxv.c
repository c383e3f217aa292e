/* auxv: the auxiliary vector is complete and correct (pagesz, phdr, entry, random, ids, vDSO). */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>

#include "check.h"

extern char _start[]; /* entry point, defined by crt1 */

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

static int has_interp(const Elf64_Phdr *ph, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++)
        if (ph[i].p_type == PT_INTERP) return 1;
    return 0;
}

int main(int argc, char **argv, char **envp)
{
    /* Walk the raw vector that follows envp on the initial stack. */
    char **p = envp;
    while (*p)
        p++;
    Elf64_auxv_t *av = (Elf64_auxv_t *)(p + 1);
    static const unsigned long required[] = {
        AT_PHDR,   AT_PHENT,  AT_PHNUM,  AT_PAGESZ, AT_BASE,         AT_FLAGS,       AT_ENTRY,
        AT_UID,    AT_EUID,   AT_GID,    AT_EGID,   AT_PLATFORM,     AT_HWCAP,       AT_CLKTCK,
        AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_SYSINFO_EHDR, AT_MINSIGSTKSZ,
    };
    for (size_t r = 0; r < sizeof(required) / sizeof(required[0]); r++) {
        int found = 0;
        for (Elf64_auxv_t *a = av; a->a_type != AT_NULL; a++)
            if (a->a_type == required[r]) found++;
        if (found != 1) fprintf(stderr, "auxv entry %lu appears %d times\n", required[r], found);
        CHECK(found == 1);
    }
    unsigned long hw = 0;
    for (Elf64_auxv_t *a = av; a->a_type != AT_NULL; a++) {
        if (a->a_type == AT_HWCAP) {
            hw = a->a_un.a_val; /* glibc's getauxval(AT_HWCAP) returns its own bits on x86 */
            continue;
        }
        CHECK_EQ(getauxval(a->a_type), a->a_un.a_val);
    }

    CHECK_EQ(getauxval(AT_PAGESZ), 4096);
    CHECK_EQ(sysconf(_SC_PAGESIZE), 4096);
    CHECK_EQ(getauxval(AT_CLKTCK), 100);
    CHECK_EQ(getauxval(AT_SECURE), 0);
    CHECK_EQ(getauxval(AT_FLAGS), 0);
    CHECK_EQ(getauxval(AT_UID), getuid());
    CHECK_EQ(getauxval(AT_EUID), geteuid());
    CHECK_EQ(getauxval(AT_GID), getgid());
    CHECK_EQ(getauxval(AT_EGID), getegid());

    /* Program headers: AT_PHDR points at this executable's own table. */
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    unsigned long phnum = getauxval(AT_PHNUM);
    CHECK(ph != NULL);
    CHECK_EQ(getauxval(AT_PHENT), sizeof(Elf64_Phdr));
    CHECK(phnum >= 2 && phnum < 64);
    int self_found = 0, load = 0;
    for (unsigned long i = 0; i < phnum; i++) {
        if (ph[i].p_type == PT_PHDR) self_found = 1; /* PIE: p_vaddr + load bias == AT_PHDR */
        if (ph[i].p_type == PT_LOAD) load++;
    }
    CHECK(self_found);
    CHECK(load >= 1);

    /* Entry point is crt1's _start of this program. */
    CHECK(getauxval(AT_ENTRY) != 0);
    CHECK_EQ(getauxval(AT_ENTRY), (unsigned long)_start);

    /* Dynamic programs have an interpreter base, static ones have 0. */
    if (has_interp(ph, phnum))
        CHECK(getauxval(AT_BASE) != 0);
    else
        CHECK_EQ(getauxval(AT_BASE), 0);

    /* 16 random bytes, not all zero. */
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    CHECK(rnd != NULL);
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero |= rnd[i];
    CHECK(nonzero);

    /* AT_EXECFN: the path given to execve; the runner uses absolute paths. */
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    CHECK(execfn != NULL && execfn[0] == '/');
    CHECK_STR(base_name(execfn), base_name(argv[0]));

    CHECK_STR((const char *)getauxval(AT_PLATFORM), "x86_64");

    /* vDSO: an ELF image mapped by the kernel (or the LibOS). */
    const unsigned char *vdso = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
    CHECK(vdso != NULL);
    CHECK(memcmp(vdso, ELFMAG, SELFMAG) == 0);

    /* x86-64 baseline: FPU (bit 0), TSC (4), CX8 (8), CMOV (15), SSE (25), SSE2 (26). */
    unsigned long base = 1ul << 0 | 1ul << 4 | 1ul << 8 | 1ul << 15 | 1ul << 25 | 1ul << 26;
    CHECK_EQ(hw & base, base);
    unsigned eax = 1, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
    CHECK_EQ(hw, edx); /* Linux: AT_HWCAP is CPUID.1:EDX */

    CHECK(getauxval(AT_MINSIGSTKSZ) >= 1024);
    (void)argc;
    return 0;
}
