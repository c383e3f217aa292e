/*
 * ipc: System V IPC (shared memory, semaphores, message queues) as the
 * rest of the LibOS sees it: the system calls, as X(name, nargs) for the
 * dispatch table, the hooks the memory and process code call (munmap,
 * fork, execve and exit), and the /proc files.
 *
 * One file per concern: ipc_ids.c (keys, identifiers, permissions),
 * shm.c, sem.c, msg.c, ipc_proc.c (/proc/sysvipc, /proc/sys/kernel).
 */
#ifndef LIBOS_IPC_H
#define LIBOS_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct process;
struct vm_proc;

// clang-format off
#define IPC_SYSCALLS(X)                                                                            \
    X(shmget, 3) X(shmat, 3) X(shmdt, 1) X(shmctl, 3)                                              \
    X(semget, 3) X(semop, 3) X(semtimedop, 4) X(semctl, 4)                                         \
    X(msgget, 2) X(msgsnd, 4) X(msgrcv, 5) X(msgctl, 3)                                          \
    X(mq_open, 4) X(mq_unlink, 1) X(mq_timedsend, 5) X(mq_timedreceive, 5) X(mq_notify, 2)        \
    X(mq_getsetattr, 3)
// clang-format on

long sys_shmget(int key, size_t size, int flg);
long sys_shmat(int id, unsigned long addr, int flg);
long sys_shmdt(unsigned long addr);
long sys_shmctl(int id, int cmd, void *buf);
long sys_semget(int key, int nsems, int flg);
long sys_semop(int id, void *sops, unsigned nsops);
long sys_semtimedop(int id, void *sops, unsigned nsops, const struct timespec *timeout);
long sys_semctl(int id, int num, int cmd, unsigned long arg);
long sys_msgget(int key, int flg);
long sys_msgsnd(int id, const void *msgp, size_t size, int flg);
long sys_msgrcv(int id, void *msgp, size_t size, long type, int flg);
long sys_msgctl(int id, int cmd, void *buf);

/* ---- POSIX message queues (mqueue.c) ---- */
long sys_mq_open(const char *name, int oflag, mode_t mode, const void *attr);
long sys_mq_unlink(const char *name);
long sys_mq_timedsend(int fd, const char *msg, size_t len, unsigned prio,
                      const struct timespec *abs_timeout);
long sys_mq_timedreceive(int fd, char *msg, size_t len, unsigned *prio,
                         const struct timespec *abs_timeout);
struct sigevent;
long sys_mq_notify(int fd, const struct sigevent *sev);
long sys_mq_getsetattr(int fd, const void *newattr, void *oldattr);
/* Linux's defaults (/proc/sys/fs/mqueue, read-only) and hard ceilings
 * (what a privileged process may ask for). */
#define MQ_MSG_DEFAULT 10
#define MQ_MSG_MAX 10
#define MQ_MSGSIZE_DEFAULT 8192
#define MQ_MSGSIZE_MAX 8192
#define MQ_QUEUES_MAX 256
#define MQ_HARD_MSGMAX 65536
#define MQ_HARD_MSGSIZEMAX (16 * 1024 * 1024)
#define MQ_PRIO_MAX 32768

/* ---- shared memory attachments (shm.c) ---- */
/* [addr, addr+len) of p stops being attached (munmap, a MAP_FIXED mmap
 * over it, mremap): a whole attachment counts as a shmdt, a part of one
 * leaves the rest attached, as Linux's areas do. */
void shm_unmap_range(struct process *p, uint64_t addr, uint64_t len);
/* Every attachment of a memory goes (execve, the last user of a memory
 * going); shm_exit says which process did it (the last thread of an
 * exiting process runs without a current thread). */
void shm_detach_all(struct vm_proc *m);
void shm_exit(struct vm_proc *m, int pid);
/* A fork: child (a copy of parent's areas) holds the same attachments. */
int shm_fork(struct vm_proc *parent, struct vm_proc *child);
/* mremap of an attachment: the segment's pages at the new place (the
 * result, or -errno); -ENOENT when [old, old+old_len) is no attachment. */
long shm_mremap(struct process *p, uint64_t old, uint64_t old_len, uint64_t new_len,
                unsigned long flags, uint64_t new_addr);

/* ---- semaphores (sem.c) ---- */
/* p exits: its SEM_UNDO adjustments are applied. */
void sem_exit(struct process *p);

/* ---- /proc (ipc_proc.c) ---- */
/* The text of /proc/sysvipc/<name> (shm, sem, msg) or of
 * /proc/sys/kernel/<name> (shmmax, shmall, shmmni, sem, msgmax, msgmnb,
 * msgmni) in a new kmalloc'd *buf: 0, -ENOENT for another name, -ENOMEM. */
int ipc_proc_sysvipc(const char *name, char **buf, size_t *len);
int ipc_proc_sysctl(const char *name, char **buf, size_t *len);
/* The names of those files, NULL-terminated, for directory listings. */
extern const char *const ipc_sysvipc_names[];

#endif
