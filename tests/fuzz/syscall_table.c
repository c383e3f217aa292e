/*
 * syscall_table: which system calls the fuzzer makes, the kind of each
 * argument, and the few fix-ups that keep a call from ending the test
 * instead of exercising the LibOS (killing the parent, closing the log
 * descriptor, blocking the watchdog's signal, touching host files outside
 * the scratch directories). Everything else is left random on purpose.
 */
#include "syscall_fuzz.h"

#include <asm/prctl.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/ipc.h>
#include <sys/shm.h>

/* Argument kinds, one letter each, so that the table reads as signatures. */
#define N A_NUM
#define F A_FD
#define P A_PTR
#define L A_LEN
#define G A_FLAGS
#define S A_PATH
#define I A_PID
#define Z A_SIG
#define T A_TIMEOUT
#define M A_MSEC
#define D A_ADDR
#define K A_SOCKADDR
#define Q A_SIGSET
#define V A_IOV
#define H A_MSGHDR
#define O A_OFF
#define U A_SIGNUM
#define W A_SCRATCH
#define Y A_IPCID

#define C(name, w, ...)                                                                            \
    {                                                                                              \
#name, SYS_##name, sizeof((unsigned char[]){__VA_ARGS__}) - 1, {__VA_ARGS__ }, w, 0, 0, 0  \
    }
#define CFD(name, w, ...)                                                                          \
    {                                                                                              \
#name, SYS_##name, sizeof((unsigned char[]){__VA_ARGS__}) - 1, {__VA_ARGS__ }, w, 1, 0, 0  \
    }
#define CPAIR(name, w, ...)                                                                        \
    {                                                                                              \
#name, SYS_##name, sizeof((unsigned char[]){__VA_ARGS__}) - 1, {__VA_ARGS__ }, w, 0, 1, 0  \
    }
#define CIPC(name, kind, w, ...)                                                                   \
    {                                                                                              \
#name, SYS_##name, sizeof((unsigned char[]){__VA_ARGS__}) - 1,                             \
            {__VA_ARGS__ }, w, 0, 0, kind                                                          \
    }
/* The trailing 0 in every list makes an empty list legal; it is not counted. */
#define X 0

const struct call calls[] = {
    /* file I/O */
    C(read, 10, F, P, L, X),
    C(write, 10, F, P, L, X),
    C(readv, 5, F, V, L, X),
    C(writev, 5, F, V, L, X),
    C(pread64, 5, F, P, L, O, X),
    C(pwrite64, 5, F, P, L, O, X),
    C(preadv, 3, F, V, L, O, O, X),
    C(pwritev, 3, F, V, L, O, O, X),
    C(preadv2, 2, F, V, L, O, O, G, X),
    C(pwritev2, 2, F, V, L, O, O, G, X),
    C(lseek, 4, F, O, N, X),
    C(sendfile, 3, F, F, P, L, X),
    C(copy_file_range, 3, F, P, F, P, L, G, X),
    C(fadvise64, 2, F, O, L, N, X),
    /* files and directories */
    CFD(open, 8, S, G, N, X),
    CFD(openat, 8, F, S, G, N, X),
    CFD(creat, 2, S, N, X),
    C(close, 3, F, X),
    C(close_range, 1, F, F, G, X),
    CFD(dup, 3, F, X),
    CFD(dup2, 3, F, F, X),
    CFD(dup3, 2, F, F, G, X),
    C(stat, 4, S, P, X),
    C(fstat, 6, F, P, X),
    C(lstat, 3, S, P, X),
    C(newfstatat, 4, F, S, P, G, X),
    C(statx, 4, F, S, G, N, P, X),
    C(access, 2, S, N, X),
    C(faccessat, 2, F, S, N, X),
    C(faccessat2, 2, F, S, N, G, X),
    C(readlink, 3, S, P, L, X),
    C(readlinkat, 3, F, S, P, L, X),
    C(getcwd, 3, P, L, X),
    C(chdir, 2, S, X),
    C(fchdir, 2, F, X),
    C(mkdir, 3, S, N, X),
    C(mkdirat, 2, F, S, N, X),
    C(mknod, 2, S, N, N, X),
    C(mknodat, 2, F, S, N, N, X),
    C(rmdir, 3, S, X),
    C(unlink, 3, S, X),
    C(unlinkat, 3, F, S, G, X),
    C(rename, 3, S, S, X),
    C(renameat, 2, F, S, F, S, X),
    C(renameat2, 2, F, S, F, S, G, X),
    C(link, 2, S, S, X),
    C(linkat, 2, F, S, F, S, G, X),
    C(symlink, 2, S, S, X),
    C(symlinkat, 2, S, F, S, X),
    C(getdents64, 5, F, P, L, X),
    C(fcntl, 8, F, N, N, X),
    C(ioctl, 6, F, N, P, X),
    C(chmod, 2, S, N, X),
    C(fchmod, 2, F, N, X),
    C(fchmodat, 2, F, S, N, X),
    C(truncate, 2, S, O, X),
    C(ftruncate, 3, F, O, X),
    C(utimensat, 2, F, S, P, G, X),
    C(umask, 1, N, X),
    C(fsync, 2, F, X),
    C(fdatasync, 2, F, X),
    C(statfs, 2, S, P, X),
    C(fstatfs, 2, F, P, X),
    C(chown, 1, S, N, N, X),
    C(fchown, 1, F, N, N, X),
    C(lchown, 1, S, N, N, X),
    C(fchownat, 1, F, S, N, N, G, X),
    C(getxattr, 2, S, S, P, L, X),
    C(lgetxattr, 1, S, S, P, L, X),
    C(fgetxattr, 2, F, S, P, L, X),
    C(listxattr, 2, S, P, L, X),
    C(llistxattr, 1, S, P, L, X),
    C(flistxattr, 2, F, P, L, X),
    C(setxattr, 2, S, S, P, L, G, X),
    C(lsetxattr, 1, S, S, P, L, G, X),
    C(fsetxattr, 2, F, S, P, L, G, X),
    C(removexattr, 1, S, S, X),
    C(lremovexattr, 1, S, S, X),
    C(fremovexattr, 1, F, S, X),
    C(flock, 3, F, N, X),
    C(mount, 2, S, W, S, G, P, X),
    C(umount2, 2, W, G, X),
    C(fallocate, 3, F, N, O, L, X),
    C(sync, 1, X),
    C(syncfs, 1, F, X),
    CPAIR(pipe, 2, P, X),
    CPAIR(pipe2, 2, P, G, X),
    /* memory */
    C(mmap, 6, D, L, G, G, F, O, X),
    C(munmap, 4, D, L, X),
    C(mprotect, 4, D, L, G, X),
    C(brk, 1, D, X),
    C(mremap, 4, D, L, L, G, D, X),
    C(madvise, 3, D, L, N, X),
    C(msync, 2, D, L, G, X),
    C(mlock, 1, D, L, X),
    C(munlock, 1, D, L, X),
    /* process and identity */
    C(getpid, 1, X),
    C(getppid, 1, X),
    C(gettid, 1, X),
    C(getuid, 1, X),
    C(getresuid, 2, P, P, P, X),
    C(getresgid, 2, P, P, P, X),
    C(getgroups, 2, N, P, X),
    C(getpgrp, 1, X),
    C(getpgid, 1, I, X),
    C(getsid, 1, I, X),
    C(setpgid, 1, I, I, X),
    C(setsid, 1, X),
    C(set_tid_address, 2, P, X),
    C(set_robust_list, 2, P, L, X),
    C(get_robust_list, 2, I, P, P, X),
    C(rseq, 2, P, L, G, N, X),
    C(arch_prctl, 3, N, P, X),
    C(prctl, 4, N, N, N, N, N, X),
    C(prlimit64, 2, I, N, P, P, X),
    C(getrlimit, 2, N, P, X),
    C(setrlimit, 1, N, P, X),
    C(getrusage, 2, N, P, X),
    C(sched_getaffinity, 2, I, L, P, X),
    C(sched_setaffinity, 1, I, L, P, X),
    C(sched_yield, 1, X),
    C(futex, 8, P, N, N, T, P, N, X),
    C(clock_gettime, 3, N, P, X),
    C(clock_getres, 2, N, P, X),
    C(gettimeofday, 2, P, P, X),
    C(time, 1, P, X),
    C(nanosleep, 2, T, P, X),
    C(clock_nanosleep, 2, N, G, T, P, X),
    C(uname, 2, P, X),
    C(sysinfo, 2, P, X),
    C(getrandom, 3, P, L, G, X),
    C(wait4, 2, I, P, G, P, X),
    C(waitid, 2, N, I, P, G, P, X),
    C(membarrier, 1, N, G, N, X),
    /* signals */
    C(rt_sigaction, 4, U, P, P, L, X),
    C(rt_sigprocmask, 4, N, Q, P, L, X),
    C(sigaltstack, 2, P, P, X),
    C(kill, 2, I, Z, X),
    C(tkill, 2, I, Z, X),
    C(tgkill, 2, I, I, Z, X),
    C(rt_sigqueueinfo, 2, I, Z, P, X),
    C(rt_tgsigqueueinfo, 2, I, I, Z, P, X),
    C(rt_sigpending, 2, P, L, X),
    C(rt_sigsuspend, 1, Q, L, X),
    C(pause, 1, X),
    C(rt_sigtimedwait, 2, Q, P, T, L, X),
    C(setitimer, 2, N, P, P, X),
    C(getitimer, 2, N, P, X),
    C(alarm, 1, N, X),
    C(times, 2, P, X),
    C(rt_sigreturn, 1, X),
    /* polling and events */
    C(poll, 4, P, L, M, X),
    C(ppoll, 3, P, L, T, Q, L, X),
    C(select, 3, N, P, P, P, T, X),
    C(pselect6, 2, N, P, P, P, T, P, X),
    CFD(epoll_create, 1, N, X),
    CFD(epoll_create1, 2, G, X),
    C(epoll_ctl, 6, F, N, F, P, X),
    C(epoll_wait, 4, F, P, N, M, X),
    C(epoll_pwait, 2, F, P, N, M, Q, L, X),
    CFD(eventfd, 1, N, X),
    CFD(eventfd2, 2, N, G, X),
    CFD(timerfd_create, 2, N, G, X),
    C(timerfd_settime, 3, F, G, P, P, X),
    C(timerfd_gettime, 2, F, P, X),
    C(timer_create, 2, N, P, P, X),
    C(timer_settime, 2, N, G, P, P, X),
    C(timer_gettime, 1, N, P, X),
    C(timer_getoverrun, 1, N, X),
    C(timer_delete, 1, N, X),
    CFD(memfd_create, 2, P, G, X),
    C(getdents, 2, F, P, L, X),
    C(readahead, 1, F, O, L, X),
    C(sync_file_range, 1, F, O, O, G, X),
    C(splice, 2, F, P, F, P, L, G, X),
    C(tee, 2, F, F, L, G, X),
    C(vmsplice, 2, F, V, N, G, X),
    CFD(signalfd4, 2, F, Q, L, G, X),
    CFD(inotify_init1, 2, G, X),
    C(inotify_add_watch, 3, F, S, G, X),
    C(inotify_rm_watch, 2, F, N, X),
    CFD(mq_open, 2, S, G, N, P, X),
    C(mq_unlink, 1, S, X),
    C(mq_timedsend, 2, F, P, L, N, T, X),
    C(mq_timedreceive, 2, F, P, L, P, T, X),
    C(mq_notify, 2, F, P, X),
    C(mq_getsetattr, 2, F, P, P, X),
    C(mincore, 2, D, L, P, X),
    C(mlock2, 2, D, L, G, X),
    C(mlockall, 1, G, X),
    C(remap_file_pages, 1, D, L, N, N, G, X),
    C(get_mempolicy, 2, P, P, N, D, G, X),
    C(set_mempolicy, 2, N, P, N, X),
    C(mbind, 2, D, L, N, P, N, G, X),
    C(move_pages, 1, I, N, P, P, P, G, X),
    C(sched_setattr, 1, I, P, G, X),
    C(sched_getattr, 1, I, P, L, G, X),
    C(setpriority, 1, N, I, N, X),
    C(futimesat, 2, F, S, P, X),
    C(adjtimex, 1, P, X),
    C(clock_settime, 1, N, P, X),
    /* sockets (only local names: see A_SOCKADDR) */
    CFD(socket, 6, N, N, N, X),
    CPAIR(socketpair, 2, N, N, N, P, X),
    C(bind, 4, F, K, L, X),
    C(listen, 3, F, N, X),
    CFD(accept, 3, F, P, P, X),
    CFD(accept4, 3, F, P, P, G, X),
    C(connect, 4, F, K, L, X),
    C(getsockname, 3, F, P, P, X),
    C(getpeername, 3, F, P, P, X),
    C(setsockopt, 4, F, N, N, P, L, X),
    C(getsockopt, 4, F, N, N, P, P, X),
    C(shutdown, 2, F, N, X),
    C(sendto, 4, F, P, L, G, K, L, X),
    C(recvfrom, 4, F, P, L, G, P, P, X),
    C(sendmsg, 4, F, H, G, X),
    C(recvmsg, 4, F, H, G, X),
    C(sendmmsg, 2, F, P, N, G, X),
    C(recvmmsg, 2, F, P, N, G, T, X),
    /* System V IPC (private keys only: see the fix-ups) */
    CIPC(shmget, IPC_SHM, 2, N, L, G, X),
    C(shmat, 3, Y, D, G, X),
    C(shmdt, 2, D, X),
    C(shmctl, 3, Y, N, P, X),
    CIPC(semget, IPC_SEM, 2, N, N, G, X),
    C(semop, 3, Y, P, L, X),
    C(semtimedop, 3, Y, P, L, T, X),
    C(semctl, 3, Y, N, N, P, X),
    CIPC(msgget, IPC_MSG, 2, N, G, X),
    C(msgsnd, 3, Y, P, L, G, X),
    C(msgrcv, 3, Y, P, L, N, G, X),
    C(msgctl, 3, Y, N, P, X),
};
const size_t ncalls = sizeof(calls) / sizeof(calls[0]);

/* System calls that only the random-number mode could reach and that must
 * not run: they end the fuzzer, reach outside it (other processes, the
 * host's clock, modules, namespaces), or create processes. */
static int denied(long nr)
{
    static const long deny[] = {SYS_exit,
                                SYS_exit_group,
                                SYS_execve,
                                SYS_execveat,
                                SYS_fork,
                                SYS_vfork,
                                SYS_clone,
                                SYS_clone3,
                                SYS_kill,
                                SYS_tkill,
                                SYS_tgkill,
                                SYS_rt_sigqueueinfo,
                                SYS_rt_tgsigqueueinfo,
                                SYS_reboot,
                                SYS_kexec_load,
                                SYS_kexec_file_load,
                                SYS_init_module,
                                SYS_finit_module,
                                SYS_delete_module,
                                SYS_ptrace,
                                SYS_process_vm_writev,
                                SYS_process_vm_readv,
                                SYS_pidfd_send_signal,
                                SYS_settimeofday,
                                SYS_clock_settime,
                                SYS_clock_adjtime,
                                SYS_adjtimex,
                                SYS_sethostname,
                                SYS_setdomainname,
                                SYS_iopl,
                                SYS_ioperm,
                                SYS_swapon,
                                SYS_swapoff,
                                SYS_pivot_root,
                                SYS_chroot,
                                SYS_mount,
                                SYS_umount2,
                                SYS_acct,
                                SYS_quotactl,
                                SYS_unshare,
                                SYS_setns,
                                SYS_bpf,
                                SYS_perf_event_open,
                                SYS_kcmp,
                                SYS_sched_setscheduler,
                                SYS_sched_setparam,
                                SYS_sched_setattr,
                                SYS_setpriority,
                                SYS_ioprio_set,
                                SYS_migrate_pages,
                                SYS_move_pages,
                                SYS_mbind,
                                SYS_set_mempolicy,
                                SYS_keyctl,
                                SYS_add_key,
                                SYS_request_key,
                                SYS_open_by_handle_at,
                                SYS_vhangup,
                                SYS_syslog,
                                SYS_fanotify_init,
                                SYS_seccomp,
                                SYS_prlimit64,
                                SYS_setrlimit,
                                SYS_fsopen,
                                SYS_fsmount,
                                SYS_move_mount,
                                SYS_open_tree,
                                SYS_mlockall,
                                SYS_userfaultfd,
                                SYS_io_uring_setup,
                                SYS_rt_sigreturn,
                                SYS_pause};
    for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
        if (deny[i] == nr) return 1;
    /* The table's calls go through their own generators, whose fix-ups
     * (the watchdog's signal, the log descriptor) must hold. */
    for (size_t i = 0; i < ncalls; i++)
        if (calls[i].nr == nr) return 1;
    return 0;
}

static const struct call random_call = {"nr", -1, 6, {N, P, L, F, G, P}, 0, 0, 0, 0};

static const struct call *pick_weighted(struct rng *r)
{
    static unsigned total;
    if (!total)
        for (size_t i = 0; i < ncalls; i++)
            total += calls[i].weight;
    unsigned x = (unsigned)rng_below(r, total);
    for (size_t i = 0; i < ncalls; i++) {
        if (x < calls[i].weight) return &calls[i];
        x -= calls[i].weight;
    }
    return &calls[0];
}

const struct call *pick_call(struct rng *r, int w, uint64_t a[MAX_ARGS], long *nr)
{
    const struct call *c;
    if (rng_below(r, 50) == 0) {
        /* Any number, also ones the LibOS does not implement (ENOSYS) and
         * out-of-range ones. */
        do {
            *nr = rng_below(r, 8) ? (long)rng_below(r, 460) : (long)(int)rng_next(r);
        } while (denied(*nr));
        c = &random_call;
    } else {
        c = pick_weighted(r);
        *nr = c->nr;
    }
    for (int i = 0; i < MAX_ARGS; i++)
        a[i] = i < c->nargs ? gen_arg(r, w, (enum arg_kind)c->kind[i]) : rng_next(r);

    switch (*nr) {
    case SYS_rt_sigreturn:
        /* a garbage signal frame ends the fuzzer's process (as on Linux):
         * rare, or every child would die of it early */
        if (rng_below(r, 512)) return pick_call(r, w, a, nr);
        break;
    case SYS_munmap:
    case SYS_mprotect:
    case SYS_madvise:
    case SYS_mremap:
    case SYS_msync:
    case SYS_mlock:
        /* a huge range from the racer's pages would unmap the fuzzer
         * itself: huge lengths go with the other addresses only */
        if (pool_in_race(a[0]) || rng_below(r, 2)) a[1] = 4096 * (1 + rng_below(r, 4));
        break;
    case SYS_close_range:
        /* never reach the log descriptor above the pool */
        if (a[1] > FD_POOL_MAX) a[1] = FD_POOL_MAX;
        break;
    case SYS_dup2:
    case SYS_dup3:
        if (a[1] == LOG_FD) a[1] = FD_POOL_MAX;
        break;
    case SYS_fcntl:
        /* mostly real commands, so that the descriptor code is reached */
        if (rng_below(r, 4)) a[1] = rng_below(r, 48);
        if (a[1] == F_SETOWN || a[1] == 15 /* F_SETOWN_EX */ || a[1] == F_SETSIG)
            a[1] = F_GETFL; /* SIGIO/SIGURG to a random owner */
        if (rng_below(r, 2)) a[2] = gen_arg(r, w, A_PTR);
        break;
    case SYS_arch_prctl:
        /* the fuzzer's own TLS must survive; the GET codes take pointers */
        if (a[0] == ARCH_SET_FS || a[0] == ARCH_SET_GS || rng_below(r, 2))
            a[0] = rng_below(r, 2) ? ARCH_GET_FS : ARCH_GET_GS;
        break;
    case SYS_prctl:
        if (rng_below(r, 2)) a[0] = rng_below(r, 64);
        if (a[0] == PR_SET_SECCOMP) a[0] = PR_GET_SECCOMP;
        break;
    case SYS_rt_sigprocmask:
        a[0] = rng_below(r, 4) ? rng_below(r, 3) : a[0];
        a[3] = rng_below(r, 4) ? 8 : a[3];
        break;
    case SYS_rt_sigaction:
        a[3] = rng_below(r, 4) ? 8 : a[3];
        break;
    case SYS_socket:
    case SYS_socketpair: {
        static const int dom[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET};
        if (rng_below(r, 4)) a[0] = (uint64_t)dom[rng_below(r, 5)];
        if (rng_below(r, 4)) a[1] = (1 + rng_below(r, 5)) | (rng_below(r, 2) ? SOCK_NONBLOCK : 0);
        if (rng_below(r, 2)) a[2] = 0;
        break;
    }
    case SYS_mmap:
        if (rng_below(r, 2))
            a[3] = (rng_below(r, 2) ? MAP_PRIVATE : MAP_SHARED) |
                   (rng_below(r, 2) ? MAP_ANONYMOUS : 0) | (rng_below(r, 3) ? 0 : MAP_FIXED);
        if (rng_below(r, 2)) a[2] = rng_below(r, 8);
        if ((a[3] & MAP_FIXED) && pool_in_race(a[0])) a[1] = 4096 * (1 + rng_below(r, 4));
        /* populating a huge mapping only measures the host's memory */
        if (a[1] > (64 << 20)) a[3] &= ~(uint64_t)(MAP_POPULATE | MAP_LOCKED);
        break;
    case SYS_prlimit64:
        /* the parent's limits are not the fuzzer's to change */
        if (a[0] != 0 && a[0] != (uint64_t)getpid()) a[0] = 0;
        break;
    case SYS_getrlimit:
    case SYS_setrlimit:
        if (rng_below(r, 2)) a[0] = rng_below(r, RLIM_NLIMITS + 1);
        break;
    case SYS_futex:
        if (rng_below(r, 2)) a[1] = rng_below(r, 14) | (rng_below(r, 2) ? 128 : 0);
        break;
    case SYS_shmget:
    case SYS_semget:
    case SYS_msgget: {
        /* private objects only (a key could name a host's object natively),
         * small segments (attached with SHM_REMAP inside the racer's pages) */
        a[0] = IPC_PRIVATE;
        int fl = *nr == SYS_msgget ? 1 : 2;
        a[fl] = (a[fl] & ~(uint64_t)0777) | 0600;
        if (*nr == SYS_shmget && rng_below(r, 8)) a[1] = 4096 * (1 + rng_below(r, 4));
        if (*nr == SYS_shmget && a[1] > 4 * 4096) a[1] = ~0ULL - rng_below(r, 4096); /* EINVAL */
        if (*nr == SYS_semget && rng_below(r, 4)) a[1] = rng_below(r, 8);
        break;
    }
    case SYS_shmat:
        /* SHM_REMAP replaces what is there: only the racer's pages, with
         * room for the largest segment the fuzzer makes */
        if (!pool_in_race(a[1]) || !pool_in_race(a[1] + 4 * 4096 - 1)) a[2] &= ~(uint64_t)SHM_REMAP;
        break;
    case SYS_shmctl:
    case SYS_msgctl:
        if (rng_below(r, 4)) a[1] = rng_below(r, 16);
        break;
    case SYS_semctl:
        if (rng_below(r, 4)) a[2] = rng_below(r, 21);
        if (rng_below(r, 2)) a[1] = rng_below(r, 5);
        break;
    case SYS_semop:
    case SYS_semtimedop:
    case SYS_msgsnd:
    case SYS_msgrcv:
        if (rng_below(r, 2)) a[2] = rng_below(r, *nr == SYS_msgsnd || *nr == SYS_msgrcv ? 256 : 4);
        break;
    default:
        break;
    }
    return c;
}
