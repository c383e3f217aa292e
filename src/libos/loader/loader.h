/*
 * loader: turns a path into a ready-to-run process image: the ELF
 * executable (PIE or static-pie) and its interpreter mapped into the user
 * region, a brk heap, and the initial stack with argv, envp and auxv as
 * the kernel lays them out. `#!` scripts run through their interpreter.
 */
#ifndef LIBOS_LOADER_H
#define LIBOS_LOADER_H

#include <stdint.h>

struct process;

struct load_result {
    uint64_t entry; /* where the first instruction is (interpreter's entry, if any) */
    uint64_t rsp;   /* initial stack pointer, pointing at argc */
};

/* Returns 0, or -ENOENT, -EACCES, -ENOEXEC, -ENOMEM, -E2BIG, -ELOOP. */
int loader_load(struct process *p, const char *path, char *const argv[], char *const envp[],
                struct load_result *out);

/* The checks execve makes before dropping the old image: the file opens
 * for execution and starts like an ELF file or a script. */
int loader_check(struct process *p, const char *path);

/* What the initial stack needs to know about the loaded image. */
struct image_info {
    uint64_t phdr, phnum, entry, interp_base;
    const char *execfn;
};

int loader_build_stack(struct process *p, char *const argv[], char *const envp[],
                       const struct image_info *img, uint64_t *rsp);

#endif
