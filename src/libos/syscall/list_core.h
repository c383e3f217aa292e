/*
 * list_core: the LibOS's own system calls (memory, process, time, info),
 * as X(name, nargs), and their prototypes. File-system calls are listed
 * in fs/fs_syscalls.h.
 */
#ifndef LIBOS_LIST_CORE_H
#define LIBOS_LIST_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include <time.h>

// clang-format off
#define CORE_SYSCALLS(X)                                                                           \
    X(mmap, 6) X(munmap, 2) X(mprotect, 3) X(brk, 1) X(mremap, 5) X(madvise, 3) X(msync, 3)       \
    X(mlock, 2) X(munlock, 2) X(mlock2, 3) X(mlockall, 1) X(munlockall, 0) X(mincore, 3)          \
    X(remap_file_pages, 5)                                                                         \
    X(getpid, 0) X(getppid, 0) X(gettid, 0) X(getuid, 0) X(geteuid, 0) X(getgid, 0)               \
    X(getegid, 0) X(getresuid, 3) X(getresgid, 3) X(getgroups, 2) X(getpgrp, 0) X(getpgid, 1)     \
    X(getsid, 1) X(setpgid, 2) X(setsid, 0)                                                        \
    X(exit, 1) X(exit_group, 1) X(set_tid_address, 1) X(set_robust_list, 2)                        \
    X(get_robust_list, 3) X(rseq, 4) X(arch_prctl, 2) X(prctl, 5)                                  \
    X(prlimit64, 4) X(getrlimit, 2) X(setrlimit, 2) X(getrusage, 2)                                \
    X(sched_getaffinity, 3) X(sched_setaffinity, 3) X(sched_yield, 0) X(futex, 6)                  \
    X(clock_gettime, 2) X(clock_getres, 2) X(gettimeofday, 2) X(time, 1) X(nanosleep, 2)           \
    X(clock_nanosleep, 4)                                                                          \
    X(uname, 1) X(sysinfo, 1) X(getrandom, 3)                                                      \
    X(rt_sigaction, 4) X(rt_sigprocmask, 4) X(sigaltstack, 2)                                      \
    X(fork, 0) X(vfork, 0) X(clone, 5) X(clone3, 2) X(execve, 3) X(wait4, 4) X(waitid, 5)      \
    X(membarrier, 3) X(rt_sigreturn, 0) X(kill, 2) X(tkill, 2) X(tgkill, 3)                       \
    X(rt_sigqueueinfo, 3) X(rt_tgsigqueueinfo, 4) X(rt_sigpending, 2) X(rt_sigsuspend, 2)         \
    X(pause, 0) X(rt_sigtimedwait, 4) X(setitimer, 3) X(getitimer, 2) X(alarm, 1) X(times, 1)    \
    X(timer_create, 3) X(timer_settime, 4) X(timer_gettime, 2) X(timer_getoverrun, 1)             \
    X(timer_delete, 1) X(execveat, 5)
// clang-format on

long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
              unsigned long fd, unsigned long off);
long sys_munmap(unsigned long addr, unsigned long len);
long sys_mprotect(unsigned long addr, unsigned long len, unsigned long prot);
long sys_brk(unsigned long want);
long sys_mremap(unsigned long old, unsigned long old_len, unsigned long new_len,
                unsigned long flags, unsigned long new_addr);
long sys_madvise(unsigned long addr, unsigned long len, int advice);
long sys_msync(unsigned long addr, unsigned long len, int flags);
long sys_mlock(unsigned long addr, unsigned long len);
long sys_munlock(unsigned long addr, unsigned long len);
long sys_mlock2(unsigned long addr, unsigned long len, int flags);
long sys_mlockall(int flags);
long sys_munlockall(void);
long sys_mincore(unsigned long addr, unsigned long len, unsigned char *vec);
long sys_remap_file_pages(unsigned long start, unsigned long size, unsigned long prot,
                          unsigned long pgoff, unsigned long flags);

long sys_getpid(void);
long sys_getppid(void);
long sys_gettid(void);
long sys_getuid(void);
long sys_geteuid(void);
long sys_getgid(void);
long sys_getegid(void);
long sys_getresuid(unsigned *r, unsigned *e, unsigned *s);
long sys_getresgid(unsigned *r, unsigned *e, unsigned *s);
long sys_getgroups(int size, unsigned *list);
long sys_getpgrp(void);
long sys_getpgid(int pid);
long sys_getsid(int pid);
long sys_setpgid(int pid, int pgid);
long sys_setsid(void);
long sys_exit(int status);
long sys_exit_group(int status);
long sys_set_tid_address(int *tidptr);
long sys_set_robust_list(void *head, size_t len);
long sys_get_robust_list(int pid, void **head, size_t *len);
long sys_rseq(void *rseq, uint32_t len, int flags, uint32_t sig);
long sys_arch_prctl(int code, unsigned long addr);
long sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
long sys_prlimit64(int pid, int resource, const void *new_lim, void *old_lim);
long sys_getrlimit(int resource, void *lim);
long sys_setrlimit(int resource, const void *lim);
long sys_getrusage(int who, void *usage);
long sys_sched_getaffinity(int pid, size_t len, void *mask);
long sys_sched_setaffinity(int pid, size_t len, const void *mask);
long sys_sched_yield(void);
long sys_futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout,
               uint32_t *uaddr2, uint32_t val3);

long sys_clock_gettime(clockid_t clk, struct timespec *ts);
long sys_clock_getres(clockid_t clk, struct timespec *ts);
long sys_gettimeofday(void *tv, void *tz);
long sys_time(long *t);
long sys_nanosleep(const struct timespec *req, struct timespec *rem);
long sys_clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
                         struct timespec *rem);

long sys_uname(void *buf);
long sys_sysinfo(void *info);
long sys_getrandom(void *buf, size_t len, unsigned flags);

long sys_rt_sigaction(int sig, const void *act, void *oact, size_t sigsetsize);
long sys_rt_sigprocmask(int how, const void *set, void *oset, size_t sigsetsize);
long sys_sigaltstack(const void *ss, void *oss);
long sys_rt_sigreturn(void);
long sys_kill(int pid, int sig);
long sys_tkill(int tid, int sig);
long sys_tgkill(int tgid, int tid, int sig);
long sys_rt_sigqueueinfo(int pid, int sig, siginfo_t *info);
long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, siginfo_t *info);
long sys_rt_sigpending(void *set, size_t sigsetsize);
long sys_rt_sigsuspend(const void *mask, size_t sigsetsize);
long sys_pause(void);
struct itimerval;
long sys_setitimer(int which, const struct itimerval *nv, struct itimerval *ov);
long sys_getitimer(int which, struct itimerval *v);
struct itimerspec;
long sys_timer_create(clockid_t clock, const void *sev, int *id);
long sys_timer_settime(long id, int flags, const struct itimerspec *nv, struct itimerspec *ov);
long sys_timer_gettime(long id, struct itimerspec *cur);
long sys_timer_getoverrun(long id);
long sys_timer_delete(long id);
long sys_alarm(unsigned seconds);
struct tms;
long sys_times(struct tms *buf);
long sys_rt_sigtimedwait(const void *set, siginfo_t *info, const struct timespec *timeout,
                         size_t sigsetsize);
long sys_fork(void);
long sys_vfork(void);
long sys_membarrier(int cmd, unsigned flags, int cpu_id);
struct clone_args;
long sys_clone(unsigned long flags, unsigned long newsp, int *ptid, int *ctid, unsigned long tls);
long sys_clone3(struct clone_args *uargs, size_t size);
long sys_execve(const char *path, char *const *argv, char *const *envp);
long sys_execveat(int dirfd, const char *path, char *const *argv, char *const *envp, int flags);
long sys_wait4(int pid, int *status, int options, void *rusage);
long sys_waitid(int idtype, int id, siginfo_t *info, int options, void *rusage);

#endif
