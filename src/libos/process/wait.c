/*
 * wait: wait4(2) and waitid(2), reaping zombies.
 *
 * A waiter sleeps on its own process's child_event counter, which every
 * child's exit bumps under the table lock; reading it under the same lock
 * before sleeping makes a lost wake-up impossible.
 */
#include "process/pidfd.h"
#include "process/process.h"
#include "syscall/list_core.h"

#include "pal/pal.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Returns the pid of the child found (reaped when it exited, unless
 * WNOWAIT) with what happened in *st, 0 for WNOHANG with none ready, or
 * -ECHILD / -EINTR. reports: WANT_* of process.h. */
static long do_wait(int sel, int id, int options, int reports, struct child_state *st)
{
    struct process *self = current_process();
    if (!(options & WNOWAIT)) reports |= CONSUME_REPORT;
    for (;;) {
        bool have_child;
        uint32_t seen;
        struct process *found =
            process_scan_children(self, sel, id, reports, &have_child, &seen, st);
        if (found) {
            if (st->kind == CHILD_EXITED && !(options & WNOWAIT)) process_reap(found);
            return st->pid;
        }
        if (!have_child) return -ECHILD;
        if (options & WNOHANG) return 0;
        struct waiter *w = &current_thread()->sleep_waiter;
        mutex_lock(&proc_lock);
        thread_prepare_sleep();
        bool changed = __atomic_load_n(&self->child_event, __ATOMIC_ACQUIRE) != seen;
        if (!changed) waitq_add(&self->child_waiters, w);
        mutex_unlock(&proc_lock);
        if (changed) continue;
        int r = thread_sleep(NULL);
        mutex_lock(&proc_lock);
        waitq_remove(&self->child_waiters, w);
        mutex_unlock(&proc_lock);
        if (r == -EINTR) return -EINTR;
    }
}

long sys_wait4(int pid, int *ustatus, int options, void *rusage)
{
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD))
        return -EINVAL;
    if (pid == INT32_MIN) return -ESRCH;
    int sel = SEL_ANY, id = 0;
    if (pid > 0) {
        sel = SEL_PID;
        id = pid;
    } else if (pid == 0) {
        sel = SEL_PGID;
        id = current_process()->pgid;
    } else if (pid < -1) {
        sel = SEL_PGID;
        id = -pid;
    }
    int reports = WANT_EXITED | ((options & WUNTRACED) ? WANT_STOPPED : 0) |
                  ((options & WCONTINUED) ? WANT_CONTINUED : 0);
    struct child_state st;
    long r = do_wait(sel, id, options & ~WNOWAIT, reports, &st);
    if (r > 0) {
        /* as Linux: the child is reaped first, a status that cannot be
         * stored is EFAULT afterwards */
        if (ustatus && copy_to_user(ustatus, &st.status, sizeof(int))) return -EFAULT;
        if (rusage) {
            struct rusage ru;
            memset(&ru, 0, sizeof(ru));
            if (copy_to_user(rusage, &ru, sizeof(ru))) return -EFAULT;
        }
    }
    return r;
}

long sys_waitid(int idtype, int id, siginfo_t *uinfo, int options, void *rusage)
{
    if (options &
        ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WALL | __WCLONE | __WNOTHREAD))
        return -EINVAL;
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
    int sel, fflags = 0;
    switch (idtype) {
    case P_PID:
        if (id <= 0) return -EINVAL;
        sel = SEL_PID;
        break;
    case P_PGID:
        if (id < 0) return -EINVAL;
        sel = SEL_PGID;
        if (id == 0) id = current_process()->pgid;
        break;
    case P_ALL:
        sel = SEL_ANY;
        break;
    case P_PIDFD: /* its process, even once reaped: then no child is it (ECHILD) */
        if (id < 0) return -EINVAL;
        if ((id = pidfd_fd_pid(id, &fflags)) < 0) return id;
        sel = SEL_PID;
        break;
    default:
        return -EINVAL;
    }
    int reports = ((options & WEXITED) ? WANT_EXITED : 0) |
                  ((options & WSTOPPED) ? WANT_STOPPED : 0) |
                  ((options & WCONTINUED) ? WANT_CONTINUED : 0);
    struct child_state st;
    /* a PIDFD_NONBLOCK pidfd waits as WNOHANG, and says EAGAIN (with the
     * info cleared) when nothing is there */
    bool nonblock = (fflags & O_NONBLOCK) && !(options & WNOHANG);
    long r = do_wait(sel, id, options | (nonblock ? WNOHANG : 0), reports, &st);
    if (r < 0) return r;
    if (uinfo) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        if (r > 0) {
            int status = st.status;
            si.si_signo = SIGCHLD;
            si.si_pid = st.pid;
            si.si_uid = 0;
            if (st.kind == CHILD_STOPPED) {
                si.si_code = CLD_STOPPED;
                si.si_status = WSTOPSIG(status);
            } else if (st.kind == CHILD_CONTINUED) {
                si.si_code = CLD_CONTINUED;
                si.si_status = SIGCONT;
            } else if (WIFEXITED(status)) {
                si.si_code = CLD_EXITED;
                si.si_status = WEXITSTATUS(status);
            } else {
                si.si_code = WCOREDUMP(status) ? CLD_DUMPED : CLD_KILLED;
                si.si_status = WTERMSIG(status);
            }
        }
        if (copy_to_user(uinfo, &si, sizeof(si))) return -EFAULT;
    }
    if (rusage) {
        struct rusage ru;
        memset(&ru, 0, sizeof(ru));
        if (copy_to_user(rusage, &ru, sizeof(ru))) return -EFAULT;
    }
    return r == 0 && nonblock ? -EAGAIN : 0;
}
