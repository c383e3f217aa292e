/*
 * dispatch: system call number -> handler, with strace-style tracing
 * (OCCLUM_LOG_LEVEL=trace) and a once-per-call warning for calls the
 * LibOS does not implement.
 */
#include "syscall/syscall.h"

#include "fs/fs_syscalls.h"
#include "process/process.h"
#include "syscall/list_core.h"
#include "util/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

typedef long (*syscall_fn)(long, long, long, long, long, long);

struct syscall_entry {
    const char *name;
    syscall_fn fn;
    int nargs;
};

#define SYSCALL_ENTRY(name, n) [__NR_##name] = {#name, (syscall_fn)(void (*)(void))sys_##name, n},

#define MAX_SYSCALL 512
static const struct syscall_entry table[MAX_SYSCALL] = {CORE_SYSCALLS(SYSCALL_ENTRY)
                                                            FS_SYSCALLS(SYSCALL_ENTRY)};

/* Names of calls we do not implement, for the warning (a small subset of
 * the x86-64 table: the ones programs commonly try). */
static const char *const unimplemented_names[MAX_SYSCALL] = {
    [__NR_fork] = "fork",
    [__NR_vfork] = "vfork",
    [__NR_clone] = "clone",
    [__NR_clone3] = "clone3",
    [__NR_execve] = "execve",
    [__NR_wait4] = "wait4",
    [__NR_kill] = "kill",
    [__NR_pipe] = "pipe",
    [__NR_pipe2] = "pipe2",
    [__NR_socket] = "socket",
    [__NR_poll] = "poll",
    [__NR_select] = "select",
    [__NR_epoll_create1] = "epoll_create1",
    [__NR_eventfd2] = "eventfd2",
    [__NR_tgkill] = "tgkill",
    [__NR_setitimer] = "setitimer",
    [__NR_alarm] = "alarm",
    [__NR_mount] = "mount",
};

static uint8_t warned[MAX_SYSCALL];

const char *syscall_name(long nr)
{
    if (nr < 0 || nr >= MAX_SYSCALL) return NULL;
    return table[nr].name ? table[nr].name : unimplemented_names[nr];
}

static long unsupported(long nr)
{
    if (nr >= 0 && nr < MAX_SYSCALL) {
        if (__atomic_exchange_n(&warned[nr], 1, __ATOMIC_RELAXED)) return -ENOSYS;
    }
    const char *name = syscall_name(nr);
    log_warn("unsupported system call %s (%ld) from %s: returning ENOSYS", name ? name : "?", nr,
             current_process()->exe_path);
    return -ENOSYS;
}

long syscall_dispatch(const struct syscall_regs *r)
{
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
        char args[160];
        size_t n = 0;
        args[0] = '\0';
        for (int i = 0; i < e->nargs && n < sizeof(args); i++)
            n += (size_t)snprintf(args + n, sizeof(args) - n, "%s%#lx", i ? ", " : "", a[i]);
        if (ret < 0 && ret > -4096)
            log_printf(LOG_TRACE, "[%d] %s(%s) = -1 %s", current_thread()->tid, e->name, args,
                       strerrorname_np((int)-ret) ? strerrorname_np((int)-ret) : "?");
        else
            log_printf(LOG_TRACE, "[%d] %s(%s) = %#lx", current_thread()->tid, e->name, args, ret);
    }
    return ret;
}
