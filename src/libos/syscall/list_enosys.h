/*
 * list_enosys: the x86-64 system calls the LibOS answers with ENOSYS, each
 * with the reason, as X(name, "reason"). The dispatcher's once-per-call
 * warning says the reason, and tools/gen-syscalls-doc puts it in
 * docs/syscalls.md. A call that is in no list is an unexplained ENOSYS.
 */
#ifndef LIBOS_LIST_ENOSYS_H
#define LIBOS_LIST_ENOSYS_H

#define WHY_GONE "not in Linux 6.x either (removed or never implemented): Linux answers ENOSYS too"
#define WHY_AIO "Linux AIO not implemented, as a kernel without CONFIG_AIO (libaio users fall back)"
#define WHY_URING                                                                                  \
    "io_uring not implemented, as a kernel without CONFIG_IO_URING (callers fall back)"
#define WHY_KEYS "no kernel keyring, as a kernel without CONFIG_KEYS"
#define WHY_NS "namespaces: the LibOS has one of each, and no way to make more"

// clang-format off
#define ENOSYS_SYSCALLS(X)                                                                         \
    X(create_module, WHY_GONE) X(get_kernel_syms, WHY_GONE) X(query_module, WHY_GONE)           \
    X(nfsservctl, WHY_GONE) X(getpmsg, WHY_GONE) X(putpmsg, WHY_GONE) X(afs_syscall, WHY_GONE)  \
    X(tuxcall, WHY_GONE) X(security, WHY_GONE) X(vserver, WHY_GONE) X(epoll_ctl_old, WHY_GONE)  \
    X(epoll_wait_old, WHY_GONE) X(_sysctl, WHY_GONE) X(lookup_dcookie, WHY_GONE)                \
    X(uselib, "a.out libraries: Linux without CONFIG_USELIB (every distribution) answers ENOSYS") \
    X(sysfs, "obsolete: Linux without CONFIG_SYSFS_SYSCALL answers ENOSYS")                     \
    X(ustat, "obsolete (glibc no longer wraps it); statfs is implemented")                       \
    X(modify_ldt, "no LDT for LibOS code: as Linux without CONFIG_MODIFY_LDT_SYSCALL")          \
    X(set_thread_area, "32-bit TLS descriptors: no 32-bit code runs in the LibOS")              \
    X(get_thread_area, "32-bit TLS descriptors: no 32-bit code runs in the LibOS")              \
    X(io_setup, WHY_AIO) X(io_destroy, WHY_AIO) X(io_getevents, WHY_AIO) X(io_submit, WHY_AIO)  \
    X(io_cancel, WHY_AIO) X(io_pgetevents, WHY_AIO)                                              \
    X(io_uring_setup, WHY_URING) X(io_uring_enter, WHY_URING) X(io_uring_register, WHY_URING)   \
    X(add_key, WHY_KEYS) X(request_key, WHY_KEYS) X(keyctl, WHY_KEYS)                           \
    X(unshare, WHY_NS) X(setns, WHY_NS)                                                          \
    X(perf_event_open, "no performance counters, as a kernel without CONFIG_PERF_EVENTS")       \
    X(quotactl, "no disk quotas, as a kernel without CONFIG_QUOTACTL")                          \
    X(quotactl_fd, "no disk quotas, as a kernel without CONFIG_QUOTACTL")                       \
    X(kcmp, "comparing kernel objects of processes: not implemented, as without CONFIG_KCMP")   \
    X(seccomp, "filters cannot be enforced on LibOS system calls yet: as without CONFIG_SECCOMP") \
    X(memfd_secret, "Linux's default (secretmem disabled) answers ENOSYS too")                  \
    X(openat2, "RESOLVE_* path resolution not implemented yet (callers fall back to openat)")   \
    X(futex_waitv, "not implemented yet (futex is)")                                             \
    X(iopl, "no port I/O from a LibOS process: as Linux without CONFIG_X86_IOPL_IOPERM")        \
    X(ioperm, "no port I/O from a LibOS process: as Linux without CONFIG_X86_IOPL_IOPERM")
// clang-format on

#endif
