/*
 * loader: turns a path into a ready-to-run process image: the ELF
 * executable (PIE or static-pie) and its interpreter mapped into the user
 * region, a brk heap, and the initial stack with argv, envp and auxv as
 * the kernel lays them out. `#!` scripts run through their interpreter.
 */
#ifndef LIBOS_LOADER_H
#define LIBOS_LOADER_H

#include <stddef.h>
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

/* Linux's bounds on execve's argv and envp (execve(2), "Limits on size
 * of arguments and environment"): one string at most 32 pages with its
 * NUL, at most 0x7FFFFFFF of them. */
#define MAX_ARG_STRLEN (32 * 4096UL)
#define MAX_ARG_STRINGS 0x7FFFFFFFUL

/* The bytes argv and envp (strings, pointers and the file name) may take
 * under a stack limit of rlim_stack: a quarter of it, at most 6 MiB, at
 * least 128 KiB. */
size_t loader_args_limit(uint64_t rlim_stack);

/* What is left of limit for the strings once argc + envc pointers are
 * counted: 0 with *room set, or -E2BIG. */
int loader_args_room(size_t limit, size_t argc, size_t envc, size_t *room);

/* Lays out the stack of the new image, whose size grows with the
 * arguments; -E2BIG when they are past the limit of p's RLIMIT_STACK. */
int loader_build_stack(struct process *p, char *const argv[], char *const envp[],
                       const struct image_info *img, uint64_t *rsp);

#endif
