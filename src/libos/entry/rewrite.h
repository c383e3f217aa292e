/*
 * rewrite: turn a trapping `syscall` site into a fast-path one (rewrite.c).
 */
#ifndef LIBOS_ENTRY_REWRITE_H
#define LIBOS_ENTRY_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

extern bool rewrite_enabled;

/* At boot: enables patching in multi-threaded processes when the host
 * supports core-serializing membarriers. */
void rewrite_init(void);

/* after_syscall: the RIP a SIGSYS trap reported; nr: the call's number. */
void rewrite_syscall_site(uint64_t after_syscall, long nr);

/* A SIGTRAP at *rip: if it is the int3 of a site being rewritten, point
 * *rip at that site's trampoline and return true. */
bool rewrite_int3(uint64_t *rip);

struct vm_proc;
/* The address space vm is being freed: forget its patches in progress. */
void rewrite_forget_vm(const struct vm_proc *vm);

#endif
