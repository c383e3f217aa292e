/*
 * refuse: system calls answered as Linux answers an unprivileged process
 * (no capabilities) or a kernel without the feature, as
 * X(name, nargs, "why"); refuse.c holds them, numa.c the NUMA ones.
 * tools/gen-syscalls-doc lists them in docs/syscalls.md with the reason.
 */
#ifndef LIBOS_REFUSE_H
#define LIBOS_REFUSE_H

#define WHY_CAP_ADMIN "EPERM: needs CAP_SYS_ADMIN, which no LibOS process has"
#define WHY_MOUNT_API "EPERM: the new mount API needs CAP_SYS_ADMIN"
#define WHY_NUMA "one NUMA node (0): the answers of a single-node machine"
#define WHY_PIDFD_ONLY "EBADF: takes a pidfd, and the LibOS makes none"
#define WHY_LANDLOCK "EOPNOTSUPP: Landlock not enabled, as a kernel booted without it"

// clang-format off
#define REFUSE_SYSCALLS(X)                                                                         \
    X(clock_settime, 2, "EPERM after the argument checks: setting clocks needs CAP_SYS_TIME")   \
    X(settimeofday, 2, "EPERM after the argument checks: needs CAP_SYS_TIME")                   \
    X(adjtimex, 1, "reads the clock state (modes 0); changing it is EPERM without CAP_SYS_TIME") \
    X(clock_adjtime, 2, "as adjtimex for CLOCK_REALTIME; EINVAL for other clocks")               \
    X(reboot, 4, "EPERM: needs CAP_SYS_BOOT")                                                     \
    X(init_module, 3, "EPERM: needs CAP_SYS_MODULE") X(finit_module, 3, "EPERM: needs CAP_SYS_MODULE") \
    X(delete_module, 2, "EPERM: needs CAP_SYS_MODULE")                                            \
    X(kexec_load, 4, "EPERM: needs CAP_SYS_BOOT") X(kexec_file_load, 5, "EPERM: needs CAP_SYS_BOOT") \
    X(swapon, 2, "EPERM: needs CAP_SYS_ADMIN") X(swapoff, 1, "EPERM: needs CAP_SYS_ADMIN")      \
    X(sethostname, 2, "EPERM: needs CAP_SYS_ADMIN") X(setdomainname, 2, "EPERM: needs CAP_SYS_ADMIN") \
    X(acct, 1, "EPERM: needs CAP_SYS_PACCT") X(chroot, 1, "EPERM: needs CAP_SYS_CHROOT")         \
    X(pivot_root, 2, WHY_CAP_ADMIN) X(vhangup, 0, "EPERM: needs CAP_SYS_TTY_CONFIG")             \
    X(syslog, 3, "EPERM for the log as with kernel.dmesg_restrict=1; open/close succeed")       \
    X(bpf, 3, "EPERM, as with kernel.unprivileged_bpf_disabled")                                 \
    X(userfaultfd, 1, "EPERM, as with vm.unprivileged_userfaultfd=0")                            \
    X(ptrace, 4, "EPERM, as with Yama's kernel.yama.ptrace_scope=3 (no tracing)")               \
    X(process_vm_readv, 6, "EPERM: the access check of ptrace, as with ptrace_scope=3")         \
    X(process_vm_writev, 6, "EPERM: the access check of ptrace, as with ptrace_scope=3")        \
    X(fanotify_init, 2, "EPERM: needs CAP_SYS_ADMIN")                                             \
    X(fanotify_mark, 5, "EBADF/EINVAL: no fanotify descriptor can exist")                        \
    X(name_to_handle_at, 5, "EOPNOTSUPP: LibOS file systems give no file handles")               \
    X(open_by_handle_at, 3, "EPERM: needs CAP_DAC_READ_SEARCH")                                   \
    X(open_tree, 3, WHY_MOUNT_API) X(move_mount, 5, WHY_MOUNT_API) X(fsopen, 2, WHY_MOUNT_API)   \
    X(fsconfig, 5, WHY_MOUNT_API) X(fsmount, 3, WHY_MOUNT_API) X(fspick, 3, WHY_MOUNT_API)       \
    X(mount_setattr, 5, WHY_MOUNT_API)                                                            \
    X(landlock_create_ruleset, 3, WHY_LANDLOCK) X(landlock_add_rule, 4, WHY_LANDLOCK)             \
    X(landlock_restrict_self, 2, WHY_LANDLOCK)                                                    \
    X(process_madvise, 5, WHY_PIDFD_ONLY) X(process_mrelease, 2, WHY_PIDFD_ONLY)                 \
    X(pkey_alloc, 2, "ENOSPC: no protection keys, as on a CPU without PKU")                      \
    X(pkey_free, 1, "EINVAL: no key was ever allocated")                                          \
    X(pkey_mprotect, 4, "key -1 is mprotect; any other key EINVAL (none can be allocated)")     \
    X(restart_syscall, 0, "EINTR: nothing to restart, as Linux without a restart block")       \
    X(get_mempolicy, 5, WHY_NUMA) X(set_mempolicy, 3, WHY_NUMA) X(mbind, 6, WHY_NUMA)           \
    X(migrate_pages, 4, WHY_NUMA) X(move_pages, 6, WHY_NUMA)                                     \
    X(set_mempolicy_home_node, 4, WHY_NUMA)
// clang-format on

long sys_clock_settime(long clk, const void *ts);
long sys_settimeofday(const void *tv, const void *tz);
long sys_adjtimex(void *tx);
long sys_clock_adjtime(long clk, void *tx);
long sys_reboot(long a, long b, long c, long d);
long sys_init_module(long a, long b, long c);
long sys_finit_module(long a, long b, long c);
long sys_delete_module(long a, long b);
long sys_kexec_load(long a, long b, long c, long d);
long sys_kexec_file_load(long a, long b, long c, long d, long e);
long sys_swapon(long a, long b);
long sys_swapoff(long a);
long sys_sethostname(long a, long b);
long sys_setdomainname(long a, long b);
long sys_acct(long a);
long sys_chroot(const char *path);
long sys_pivot_root(long a, long b);
long sys_vhangup(void);
long sys_syslog(long type, long buf, long len);
long sys_bpf(long a, long b, long c);
long sys_userfaultfd(long flags);
long sys_ptrace(long a, long b, long c, long d);
long sys_process_vm_readv(long a, long b, long c, long d, long e, long f);
long sys_process_vm_writev(long a, long b, long c, long d, long e, long f);
long sys_fanotify_init(long a, long b);
long sys_fanotify_mark(long fd, long b, long c, long d, long e);
long sys_name_to_handle_at(long a, long b, long c, long d, long e);
long sys_open_by_handle_at(long a, long b, long c);
long sys_open_tree(long a, long b, long c);
long sys_move_mount(long a, long b, long c, long d, long e);
long sys_fsopen(long a, long b);
long sys_fsconfig(long a, long b, long c, long d, long e);
long sys_fsmount(long a, long b, long c);
long sys_fspick(long a, long b, long c);
long sys_mount_setattr(long a, long b, long c, long d, long e);
long sys_landlock_create_ruleset(long a, long b, long c);
long sys_landlock_add_rule(long a, long b, long c, long d);
long sys_landlock_restrict_self(long a, long b);
long sys_process_madvise(long fd, long b, long c, long d, long e);
long sys_process_mrelease(long fd, long b);
long sys_pkey_alloc(long flags, long rights);
long sys_pkey_free(long key);
long sys_pkey_mprotect(unsigned long addr, unsigned long len, unsigned long prot, long key);
long sys_restart_syscall(void);
long sys_get_mempolicy(int *mode, unsigned long *nmask, unsigned long maxnode, unsigned long addr,
                       unsigned long flags);
long sys_set_mempolicy(int mode, const unsigned long *nmask, unsigned long maxnode);
long sys_mbind(unsigned long start, unsigned long len, unsigned long mode,
               const unsigned long *nmask, unsigned long maxnode, unsigned flags);
long sys_migrate_pages(int pid, unsigned long maxnode, const unsigned long *old_nodes,
                       const unsigned long *new_nodes);
long sys_move_pages(int pid, unsigned long count, void **pages, const int *nodes, int *status,
                    int flags);
long sys_set_mempolicy_home_node(unsigned long start, unsigned long len, unsigned long home_node,
                                 unsigned long flags);

#endif
