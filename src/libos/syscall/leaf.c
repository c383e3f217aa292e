/*
 * leaf: the system calls the fast path answers without saving the
 * application's extended state (pal.h, libos_fast_leaf).
 *
 * The full fast path saves and restores the whole XSAVE area on every
 * call (2.5 KiB with AVX-512, 11 KiB with AMX tile data), because LibOS
 * code and the host's libc use vector registers that a system call must
 * leave as they were. A call that only reads LibOS state needs none of
 * that, provided the code that answers it never touches a vector
 * register: this file is compiled with -mgeneral-regs-only, without the
 * stack protector (its canary is read through %fs, still the
 * application's here) and without sanitizers, and the build checks that
 * its object calls no other function (Makefile, leaf-check). So nothing
 * here may call out, not even an inline helper of another header that is
 * not static inline.
 *
 * Each answer is a plain read: a call whose thread has work on its way
 * out (a signal to deliver, a stop, an exit, --strace or --stats) is
 * handed to the full path instead, which answers it again, so a leaf
 * must be side-effect free.
 */
#include "pal/pal.h"
#include "fs/fasync.h"
#include "process/process.h"
#include "syscall/strace.h"
#include "syscall/syscall.h"

#include <sys/syscall.h>

long sys_getpid(void)
{
    return current_process()->pid;
}

long sys_getppid(void)
{
    return current_process()->ppid;
}

long sys_gettid(void)
{
    return current_thread()->tid;
}

long sys_getpgrp(void)
{
    return current_process()->pgid;
}

long sys_getuid(void)
{
    return current_process()->cred.ruid;
}

long sys_geteuid(void)
{
    return current_process()->cred.euid;
}

long sys_getgid(void)
{
    return current_process()->cred.rgid;
}

long sys_getegid(void)
{
    return current_process()->cred.egid;
}

/* What signal_deliver, thread_check_exit and the tracing would act on at
 * the end of a call: read after the answer, as the full path reads it
 * (a signal sent later interrupts the thread again). */
static bool work_on_the_way_out(struct thread *t)
{
    return thread_has_signal_work(t) || t->has_saved_sigmask || strace_on || stats_on ||
           __atomic_load_n(&fasync_pending, __ATOMIC_RELAXED);
}

long libos_fast_leaf(long nr)
{
    long ret;
    switch (nr) {
    case SYS_getpid:
        ret = sys_getpid();
        break;
    case SYS_getppid:
        ret = sys_getppid();
        break;
    case SYS_gettid:
        ret = sys_gettid();
        break;
    case SYS_getpgrp:
        ret = sys_getpgrp();
        break;
    case SYS_getuid:
        ret = sys_getuid();
        break;
    case SYS_geteuid:
        ret = sys_geteuid();
        break;
    case SYS_getgid:
        ret = sys_getgid();
        break;
    case SYS_getegid:
        ret = sys_getegid();
        break;
    default:
        return PAL_FAST_LEAF_NONE;
    }
    struct thread *t = current_thread();
    t->leaving = true;
    return work_on_the_way_out(t) ? PAL_FAST_LEAF_NONE : ret;
}
