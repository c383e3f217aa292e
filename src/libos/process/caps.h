/*
 * caps: a process's capability sets (effective, permitted, inheritable,
 * bounding, ambient) and securebits, with Linux's rules (man 7
 * capabilities): capget/capset, the changes that set*id and execve make,
 * and the prctl options about them. The privilege checks of the rest of
 * the LibOS ask capable() rather than "is the uid 0".
 */
#ifndef LIBOS_PROCESS_CAPS_H
#define LIBOS_PROCESS_CAPS_H

#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>

#include "process/cred.h"

/* Capabilities 0..CAPS_LAST (CAP_CHECKPOINT_RESTORE, Linux 5.9+). */
#define CAPS_LAST 40
#define CAPS_ALL ((1ULL << (CAPS_LAST + 1)) - 1)

/* Does c have capability cap in its effective set? */
static inline bool cred_capable(const struct cred *c, int cap)
{
    return (c->cap_eff >> cap) & 1;
}

/* The calling process (true when no application thread runs: start-up,
 * the FUSE server, unit tests). */
bool capable(int cap);

/* After a set*id call changed the ids of c from old's: Linux's
 * cap_emulate_setxuid, and for the fs uid its fs set fix-up. */
void caps_fix_setuid(struct cred *c, const struct cred *old);
/* execve of a file without file capabilities (the LibOS has none). */
void caps_exec(struct cred *c);
/* prctl's capability options (PR_CAPBSET_*, PR_*_KEEPCAPS,
 * PR_*_SECUREBITS, PR_CAP_AMBIENT); -EINVAL for any other option. */
long caps_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);

// clang-format off
#define CAPS_SYSCALLS(X) X(capget, 2) X(capset, 2)
// clang-format on

long sys_capget(void *header, void *data);
long sys_capset(void *header, const void *data);

#endif
