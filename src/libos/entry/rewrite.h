/*
 * rewrite: turn a trapping `syscall` site into a fast-path one (rewrite.c).
 */
#ifndef LIBOS_ENTRY_REWRITE_H
#define LIBOS_ENTRY_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

extern bool rewrite_enabled;

/* after_syscall: the RIP a SIGSYS trap reported; nr: the call's number. */
void rewrite_syscall_site(uint64_t after_syscall, long nr);

#endif
