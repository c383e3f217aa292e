/*
 * dispatch: system call number -> handler, with strace-style tracing
 * (OCCLUM_LOG_LEVEL=trace) and a once-per-call warning for calls the
 * LibOS does not implement.
 */
#include "syscall/syscall.h"

#include "fs/fs_syscalls.h"
#include "fs/fsnotify.h"
#include "fs/locks.h"
#include "fs/pipe.h"
#include "fs/sys_mount.h"
#include "fs/sys_sync.h"
#include "ipc/ipc.h"
#include "net/epoll.h"
#include "net/eventfd.h"
#include "net/poll.h"
#include "net/socket.h"
#include "process/caps.h"
#include "process/cred.h"
#include "process/pidfd.h"
#include "process/process.h"
#include "process/sched.h"
#include "signal/signalfd.h"
#include "syscall/list_core.h"
#include "syscall/list_enosys.h"
#include "syscall/refuse.h"
#include "syscall/strace.h"
#include "time/timerfd.h"
#include "util/log.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

typedef long (*syscall_fn)(long, long, long, long, long, long);

struct syscall_entry {
    syscall_fn fn;
    int nargs;
};

#define SYSCALL_ENTRY(name, n) [__NR_##name] = {(syscall_fn)(void (*)(void))sys_##name, n},

#define REFUSE_ENTRY(name, n, why) SYSCALL_ENTRY(name, n)

#define MAX_SYSCALL 512
// clang-format off
static const struct syscall_entry table[MAX_SYSCALL] = {
    CORE_SYSCALLS(SYSCALL_ENTRY)
    FS_SYSCALLS(SYSCALL_ENTRY)
    PIPE_SYSCALLS(SYSCALL_ENTRY)
    POLL_SYSCALLS(SYSCALL_ENTRY)
    EVENTFD_SYSCALLS(SYSCALL_ENTRY)
    EPOLL_SYSCALLS(SYSCALL_ENTRY)
    SOCKET_SYSCALLS(SYSCALL_ENTRY)
    LOCK_SYSCALLS(SYSCALL_ENTRY)
    SYNC_SYSCALLS(SYSCALL_ENTRY)
    MOUNT_SYSCALLS(SYSCALL_ENTRY)
    TIMERFD_SYSCALLS(SYSCALL_ENTRY)
    SIGNALFD_SYSCALLS(SYSCALL_ENTRY)
    REFUSE_SYSCALLS(REFUSE_ENTRY)
    SCHED_SYSCALLS(SYSCALL_ENTRY)
    IPC_SYSCALLS(SYSCALL_ENTRY)
    INOTIFY_SYSCALLS(SYSCALL_ENTRY)
    CRED_SYSCALLS(SYSCALL_ENTRY)
    CAPS_SYSCALLS(SYSCALL_ENTRY)
    PIDFD_SYSCALLS(SYSCALL_ENTRY)
};
// clang-format on

/* The name of every x86-64 call, implemented or not, generated at build
 * time from the kernel headers' __NR_* list (Makefile: SYSCALL_NAMES). */
static const char *const names[MAX_SYSCALL] = {
#include "syscall_names.h"
};

/* Why a call is ENOSYS (syscall/list_enosys.h), for the warning. */
#define WHY_ENTRY(name, why) [__NR_##name] = why,
static const char *const enosys_why[MAX_SYSCALL] = {ENOSYS_SYSCALLS(WHY_ENTRY)};

static uint8_t warned[MAX_SYSCALL];

/* Which argument is a path, for tracing it as a string (index + 1). */
static const uint8_t path_arg[MAX_SYSCALL] = {
    [__NR_open] = 1,       [__NR_openat] = 2,   [__NR_stat] = 1,       [__NR_lstat] = 1,
    [__NR_newfstatat] = 2, [__NR_statx] = 2,    [__NR_access] = 1,     [__NR_faccessat] = 2,
    [__NR_faccessat2] = 2, [__NR_readlink] = 1, [__NR_readlinkat] = 2, [__NR_chdir] = 1,
    [__NR_mkdir] = 1,      [__NR_mkdirat] = 2,  [__NR_unlink] = 1,     [__NR_unlinkat] = 2,
    [__NR_rmdir] = 1,      [__NR_rename] = 1,   [__NR_execve] = 1,     [__NR_creat] = 1,
    [__NR_truncate] = 1,   [__NR_chmod] = 1,    [__NR_symlink] = 2,    [__NR_link] = 1,
};

static size_t format_args(const struct syscall_entry *e, long nr, const long a[6], char *buf,
                          size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < e->nargs && n < len; i++) {
        const char *sep = i ? ", " : "";
        char path[96];
        if (path_arg[nr] == i + 1 && strncpy_from_user(path, (const char *)a[i], sizeof(path)) >= 0)
            n += (size_t)snprintf(buf + n, len - n, "%s\"%s\"", sep, path);
        else
            n += (size_t)snprintf(buf + n, len - n, "%s%#lx", sep, a[i]);
    }
    return n;
}

const char *syscall_name(long nr)
{
    return nr >= 0 && nr < MAX_SYSCALL ? names[nr] : NULL;
}

static long unsupported(long nr)
{
    if (nr >= 0 && nr < MAX_SYSCALL) {
        if (__atomic_exchange_n(&warned[nr], 1, __ATOMIC_RELAXED)) return -ENOSYS;
    } else { /* numbers past the table: said once, not once each */
        static char warned_beyond;
        if (__atomic_exchange_n(&warned_beyond, 1, __ATOMIC_RELAXED)) return -ENOSYS;
    }
    const char *name = syscall_name(nr);
    const char *why = nr >= 0 && nr < MAX_SYSCALL ? enosys_why[nr] : NULL;
    if (name)
        log_warn("unsupported system call %s (%ld) from %s: returning ENOSYS (%s)", name, nr,
                 current_process()->exe_path, why ? why : "not implemented");
    else /* a gap in the table or past its end, as Linux says ENOSYS */
        log_warn("system call number %ld from %s is not an x86-64 system call: returning ENOSYS",
                 nr, current_process()->exe_path);
    return -ENOSYS;
}

/* --strace: the call between its two halves of the line. */
static __attribute__((noinline)) long dispatch_traced(const struct syscall_regs *r)
{
    struct strace_call c;
    long nr = r->nr;
    bool known = nr >= 0 && nr < MAX_SYSCALL && table[nr].fn;
    c.nargs = known ? table[nr].nargs : 6;
    strace_enter(&c, r);
    long ret = known ? table[nr].fn(r->a0, r->a1, r->a2, r->a3, r->a4, r->a5) : unsupported(nr);
    strace_exit(&c, r, ret);
    return ret;
}

long syscall_dispatch(const struct syscall_regs *r)
{
    if (__builtin_expect(strace_on, 0)) return dispatch_traced(r);
    long nr = r->nr;
    if (nr < 0 || nr >= MAX_SYSCALL || !table[nr].fn) {
        long ret = unsupported(nr);
        log_trace("[%d] syscall %ld(...) = %ld", current_thread()->tid, nr, ret);
        return ret;
    }
    const struct syscall_entry *e = &table[nr];
    long ret = e->fn(r->a0, r->a1, r->a2, r->a3, r->a4, r->a5);
    if (log_level >= LOG_TRACE) {
        long a[6] = {r->a0, r->a1, r->a2, r->a3, r->a4, r->a5};
        char args[256];
        format_args(e, nr, a, args, sizeof(args));
        if (ret < 0 && ret > -4096)
            log_printf(LOG_TRACE, "[%d] %s(%s) = -1 %s", current_thread()->tid, names[nr], args,
                       strerrorname_np((int)-ret) ? strerrorname_np((int)-ret) : "?");
        else
            log_printf(LOG_TRACE, "[%d] %s(%s) = %#lx", current_thread()->tid, names[nr], args,
                       ret);
    }
    return ret;
}
