/*
 * stack: the initial stack of a new image, laid out as the Linux kernel
 * does (System V AMD64 ABI, section 3.4.1): argc, argv[], NULL, envp[],
 * NULL, auxv pairs ending in AT_NULL, then the strings and AT_RANDOM's
 * bytes near the top. Both glibc's and musl's loaders read most of auxv.
 * It also owns Linux's bound on the size of argv and envp (fs/exec.c),
 * which execve applies while copying them and every new image here.
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
#include <sys/resource.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

extern struct occlum_config libos_config;

#define MAX_AUXV 32
#define STK_LIM (8UL << 20) /* Linux's _STK_LIM */
#define ARG_MAX_MIN (32 * PAGE_SIZE)

size_t loader_args_limit(uint64_t rlim_stack)
{
    /* A quarter of the stack limit leaves the program most of its stack;
     * 3/4 of _STK_LIM caps what an unlimited stack allows; and 32 pages
     * were always allowed, whatever the limit. */
    uint64_t limit = STK_LIM / 4 * 3;
    if (rlim_stack / 4 < limit) limit = rlim_stack / 4;
    return limit < ARG_MAX_MIN ? ARG_MAX_MIN : (size_t)limit;
}

int loader_args_room(size_t limit, size_t argc, size_t envc, size_t *room)
{
    /* The pointers count too (an empty argv gets "" as argv[0]). */
    if (argc > MAX_ARG_STRINGS || envc > MAX_ARG_STRINGS) return -E2BIG;
    size_t ptrs = ((argc ? argc : 1) + envc) * sizeof(char *);
    if (limit <= ptrs) return -E2BIG;
    *room = limit - ptrs;
    return 0;
}

static size_t count(char *const v[])
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* Adds the strings of v to *used; -E2BIG past MAX_ARG_STRLEN or room. */
static int add_strings(char *const v[], size_t n, size_t room, size_t *used)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        if (len > MAX_ARG_STRLEN || len > room - *used) return -E2BIG;
        *used += len;
    }
    return 0;
}

/* The stack is Occlum.json's default_stack_size; arguments larger than a
 * quarter of it come on top, so a program keeps at least three quarters
 * of that size whatever Linux's bound (from RLIMIT_STACK) let through. */
static uint64_t stack_size(uint64_t need)
{
    uint64_t base = PAGE_UP(libos_config.default_stack_size);
    return need <= base / 4 ? base : PAGE_UP(need + base - base / 4);
}

/* Copies v's strings upwards from *cursor and their addresses into w. */
static void place_strings(char *const v[], size_t n, char **cursor, uint64_t *w)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(*cursor, v[i], len);
        w[i] = (uint64_t)*cursor;
        *cursor += len;
    }
}

int loader_build_stack(struct process *p, char *const argv[], char *const envp[],
                       const struct image_info *img, uint64_t *rsp)
{
    size_t argc = count(argv), envc = count(envp), room, used = strlen(img->execfn) + 1;
    int r = loader_args_room(loader_args_limit(p->rlimits[RLIMIT_STACK].cur), argc, envc, &room);
    if (r == 0 && used > room) r = -E2BIG;
    if (r == 0) r = add_strings(envp, envc, room, &used);
    if (r == 0) r = add_strings(argv, argc, room, &used);
    if (r < 0) return r;
    size_t args = used - (strlen(img->execfn) + 1); /* the argv and envp strings */
    size_t words = 1 + argc + 1 + envc + 1 + 2 * MAX_AUXV;
    uint64_t size = stack_size(used + sizeof("x86_64") + 16 + words * 8 + 64);

    int64_t base = vm_map(p, 0, size, PROT_READ | PROT_WRITE, false, false);
    if (base < 0) return (int)base;
    char *sp = (char *)(base + size);

#define PUSH_BYTES(src, n) (sp -= (n), memcpy(sp, (src), (n)), sp)
    char *execfn = PUSH_BYTES(img->execfn, strlen(img->execfn) + 1);
    char *platform = PUSH_BYTES("x86_64", sizeof("x86_64"));
#undef PUSH_BYTES
    sp -= 16;
    sp = (char *)((uint64_t)sp & ~15UL);
    char *random = sp;
    pal_random(random, 16);
    char *strings = sp - args; /* argv's strings, then envp's, upwards */

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
    AUX(AT_UID, p->cred.ruid);
    AUX(AT_EUID, p->cred.euid);
    AUX(AT_GID, p->cred.rgid);
    AUX(AT_EGID, p->cred.egid);
    AUX(AT_SECURE, 0);
    AUX(AT_RANDOM, random);
    AUX(AT_HWCAP2, pal_host_auxval(AT_HWCAP2));
    AUX(AT_EXECFN, execfn);
    AUX(AT_PLATFORM, platform);
    AUX(AT_NULL, 0);
#undef AUX

    size_t nwords = 1 + argc + 1 + envc + 1 + na;
    uint64_t *w = (uint64_t *)(((uint64_t)strings - nwords * 8) & ~15UL);
    *rsp = (uint64_t)w;
    *w++ = argc;
    place_strings(argv, argc, &strings, w);
    w += argc;
    *w++ = 0;
    place_strings(envp, envc, &strings, w);
    w += envc;
    *w++ = 0;
    memcpy(w, auxv, na * 8);
    return 0;
}
