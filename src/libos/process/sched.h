/*
 * sched: scheduling policy and priority calls (sched.c).
 */
#ifndef LIBOS_PROCESS_SCHED_H
#define LIBOS_PROCESS_SCHED_H

// clang-format off
#define SCHED_SYSCALLS(X)                                                                          \
    X(sched_setparam, 2) X(sched_getparam, 2) X(sched_setscheduler, 3) X(sched_getscheduler, 1)   \
    X(sched_get_priority_max, 1) X(sched_get_priority_min, 1) X(sched_rr_get_interval, 2)         \
    X(sched_setattr, 3) X(sched_getattr, 4) X(getpriority, 2) X(setpriority, 3)                   \
    X(ioprio_get, 2) X(ioprio_set, 3) X(getcpu, 3) X(personality, 1)
// clang-format on

long sys_sched_setparam(int pid, const void *param);
long sys_sched_getparam(int pid, void *param);
long sys_sched_setscheduler(int pid, int policy, const void *param);
long sys_sched_getscheduler(int pid);
long sys_sched_get_priority_max(int policy);
long sys_sched_get_priority_min(int policy);
long sys_sched_rr_get_interval(int pid, void *ts);
long sys_sched_setattr(int pid, void *attr, unsigned flags);
long sys_sched_getattr(int pid, void *attr, unsigned size, unsigned flags);
long sys_getpriority(int which, int who);
long sys_setpriority(int which, int who, int prio);
long sys_ioprio_get(int which, int who);
long sys_ioprio_set(int which, int who, int ioprio);
long sys_getcpu(unsigned *cpu, unsigned *node, void *cache);
long sys_personality(unsigned long persona);

#endif
