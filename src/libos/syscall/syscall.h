/*
 * syscall: the table and dispatcher of LibOS system calls.
 *
 * Each family lists its calls in an X-macro, X(name, nargs), next to its
 * prototypes (core calls in syscall/list_core.h, file calls in
 * fs/fs_syscalls.h). Handlers take their real types and return a long:
 * >= 0 on success, -errno on failure, exactly as the Linux kernel does.
 */
#ifndef LIBOS_SYSCALL_H
#define LIBOS_SYSCALL_H

#include <stdint.h>

struct syscall_regs {
    long nr, a0, a1, a2, a3, a4, a5;
};

/* Run one system call for the current thread; returns the value for RAX. */
long syscall_dispatch(const struct syscall_regs *r);

/* Name of a syscall number, or NULL. */
const char *syscall_name(long nr);

#endif
