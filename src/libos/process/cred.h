/*
 * cred: a process's credentials, Linux's model: real, effective, saved and
 * file-system user and group ids and the supplementary groups, changed by
 * the set*id calls with Linux's rules (a process whose effective uid is 0
 * may set any; another may only move among the ids it has). The first
 * process starts with Occlum.json's process.default_uid/default_gid (0,
 * root, as in Occlum, unless set); a fork or spawn inherits them and
 * execve keeps them (the LibOS has no set-user-ID programs). The file
 * systems check mode bits and owners against the fs ids
 * (fs/permission.c). Privilege is the capability sets (process/caps.c):
 * a root process has them all, and the set*id calls take them away as
 * Linux does when the ids leave 0.
 */
#ifndef LIBOS_PROCESS_CRED_H
#define LIBOS_PROCESS_CRED_H

#include <stdbool.h>
#include <stdint.h>

/* At most this many supplementary groups (Linux: NGROUPS_MAX, 65536):
 * setgroups with more gives EINVAL. */
#define CRED_MAX_GROUPS 64

struct cred {
    uint32_t ruid, euid, suid, fsuid;
    uint32_t rgid, egid, sgid, fsgid;
    int ngroups;
    uint32_t groups[CRED_MAX_GROUPS];
    /* capabilities (process/caps.c): bit n is capability n */
    uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
    unsigned securebits; /* SECBIT_* of linux/securebits.h (PR_SET_KEEPCAPS) */
};

/* The first process's credentials: uid and gid, with a root's
 * capabilities when uid is 0 and none otherwise. */
void cred_init(struct cred *c, uint32_t uid, uint32_t gid);

struct process;
/* May `from` send sig to `to`? Linux's kill_ok_by_cred: the sender's real
 * or effective uid is the target's real or saved uid, or CAP_KILL; and
 * SIGCONT within a session. */
bool cred_may_signal(const struct process *from, const struct process *to, int sig);
/* May `from` reach into `to` (pidfd_getfd)? ptrace_may_access with
 * PTRACE_MODE_ATTACH_REALCREDS: the same process, the caller's real ids
 * equal to all of the target's, or CAP_SYS_PTRACE. */
bool cred_may_ptrace(const struct process *from, const struct process *to);

// clang-format off
#define CRED_SYSCALLS(X)                                                                           \
    X(setuid, 1) X(setgid, 1) X(setreuid, 2) X(setregid, 2) X(setresuid, 3) X(setresgid, 3)       \
    X(setfsuid, 1) X(setfsgid, 1) X(setgroups, 2)
// clang-format on

long sys_setuid(unsigned uid);
long sys_setgid(unsigned gid);
long sys_setreuid(unsigned ruid, unsigned euid);
long sys_setregid(unsigned rgid, unsigned egid);
long sys_setresuid(unsigned ruid, unsigned euid, unsigned suid);
long sys_setresgid(unsigned rgid, unsigned egid, unsigned sgid);
long sys_setfsuid(unsigned fsuid);
long sys_setfsgid(unsigned fsgid);
long sys_setgroups(int size, const unsigned *list);

#endif
