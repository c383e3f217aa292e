/*
 * stack: the initial stack of a new image, laid out as the Linux kernel
 * does (System V AMD64 ABI, section 3.4.1): argc, argv[], NULL, envp[],
 * NULL, auxv pairs ending in AT_NULL, then the strings and AT_RANDOM's
 * bytes near the top. Both glibc's and musl's loaders read most of auxv.
 */
#include "loader/loader.h"

#include "common/config.h"
#include "pal/pal.h"
#include "process/process.h"
#include "signal/signal.h"
#include "vm/vm.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

extern struct occlum_config libos_config;

#define MAX_AUXV 32

static size_t count(char *const v[])
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

int loader_build_stack(struct process *p, char *const argv[], char *const envp[],
                       const struct image_info *img, uint64_t *rsp)
{
    uint64_t size = PAGE_UP(libos_config.default_stack_size);
    size_t argc = count(argv), envc = count(envp);
    size_t strings = strlen(img->execfn) + 1 + sizeof("x86_64") + 16;
    for (size_t i = 0; i < argc; i++)
        strings += strlen(argv[i]) + 1;
    for (size_t i = 0; i < envc; i++)
        strings += strlen(envp[i]) + 1;
    size_t words = 1 + argc + 1 + envc + 1 + 2 * MAX_AUXV;
    if (strings + words * 8 + 64 > size / 4) return -E2BIG;

    int64_t base = vm_map(p, 0, size, PROT_READ | PROT_WRITE, false, false);
    if (base < 0) return (int)base;
    char *sp = (char *)(base + size);

#define PUSH_BYTES(src, n) (sp -= (n), memcpy(sp, (src), (n)), sp)
    char *execfn = PUSH_BYTES(img->execfn, strlen(img->execfn) + 1);
    char *platform = PUSH_BYTES("x86_64", sizeof("x86_64"));
    sp -= 16;
    sp = (char *)((uint64_t)sp & ~15UL);
    char *random = sp;
    pal_random(random, 16);
    char *env_str[envc ? envc : 1], *arg_str[argc ? argc : 1];
    for (size_t i = envc; i-- > 0;)
        env_str[i] = PUSH_BYTES(envp[i], strlen(envp[i]) + 1);
    for (size_t i = argc; i-- > 0;)
        arg_str[i] = PUSH_BYTES(argv[i], strlen(argv[i]) + 1);
#undef PUSH_BYTES

    uint64_t auxv[MAX_AUXV * 2];
    size_t na = 0;
#define AUX(type, val) (auxv[na++] = (type), auxv[na++] = (uint64_t)(val))
    uint64_t vdso = pal_host_auxval(AT_SYSINFO_EHDR);
    if (vdso) AUX(AT_SYSINFO_EHDR, vdso);
    /* what the LibOS writes, for the largest state the CPU can have (as
     * Linux: AMX tile data included) */
    AUX(AT_MINSIGSTKSZ, signal_frame_size(pal_xsave_size()));
    AUX(AT_HWCAP, pal_host_auxval(AT_HWCAP));
    AUX(AT_PAGESZ, PAGE_SIZE);
    AUX(AT_CLKTCK, 100);
    AUX(AT_PHDR, img->phdr);
    AUX(AT_PHENT, sizeof(Elf64_Phdr));
    AUX(AT_PHNUM, img->phnum);
    AUX(AT_BASE, img->interp_base);
    AUX(AT_FLAGS, 0);
    AUX(AT_ENTRY, img->entry);
    AUX(AT_UID, 0);
    AUX(AT_EUID, 0);
    AUX(AT_GID, 0);
    AUX(AT_EGID, 0);
    AUX(AT_SECURE, 0);
    AUX(AT_RANDOM, random);
    AUX(AT_HWCAP2, pal_host_auxval(AT_HWCAP2));
    AUX(AT_EXECFN, execfn);
    AUX(AT_PLATFORM, platform);
    AUX(AT_NULL, 0);
#undef AUX

    size_t nwords = 1 + argc + 1 + envc + 1 + na;
    uint64_t *w = (uint64_t *)(((uint64_t)sp - nwords * 8) & ~15UL);
    *rsp = (uint64_t)w;
    *w++ = argc;
    for (size_t i = 0; i < argc; i++)
        *w++ = (uint64_t)arg_str[i];
    *w++ = 0;
    for (size_t i = 0; i < envc; i++)
        *w++ = (uint64_t)env_str[i];
    *w++ = 0;
    memcpy(w, auxv, na * 8);
    return 0;
}
