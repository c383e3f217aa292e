/*
 * ipc_abi: the x86-64 Linux ABI of System V IPC (the structures the
 * calls read and write, their commands and flags) and the limits the
 * LibOS enforces, which are Linux's defaults (include/uapi/linux/shm.h,
 * sem.h, msg.h, ipc.h) and what /proc/sys/kernel shows.
 *
 * The structures are the kernel's "64" forms (ipc64_perm, shmid64_ds...)
 * spelled out here with their sizes checked, so that the LibOS does not
 * depend on how a libc's headers name or pad them.
 */
#ifndef LIBOS_IPC_ABI_H
#define LIBOS_IPC_ABI_H

#include <stdint.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

/* Commands and flags are glibc's names (the kernel's numbers); these are
 * the ones glibc does not spell: */
#ifndef SHM_DEST
#define SHM_DEST 01000 /* in the mode: destroyed at the last detach */
#endif
#ifndef SHM_LOCKED
#define SHM_LOCKED 02000 /* in the mode: SHM_LOCK */
#endif

/* ---- limits: Linux's defaults, enforced ---- */
#define K_IPCMNI 32768 /* ids per kind (IPCMNI): an id is seq * K_IPCMNI + index */
#define K_IPCMNI_SHIFT 15
#define K_IPCSEQ_MAX (0x7fffffff >> K_IPCMNI_SHIFT)

#define K_SHMMAX (~0UL - (1UL << 24)) /* bytes per segment (shmmax) */
#define K_SHMALL (~0UL - (1UL << 24)) /* pages of all segments (shmall) */
#define K_SHMMNI 4096                 /* segments (shmmni) */
#define K_SHMMIN 1

#define K_SEMMSL 32000           /* semaphores per set */
#define K_SEMMNS (32000 * 32000) /* semaphores in all sets */
#define K_SEMOPM 500             /* operations per semop */
#define K_SEMMNI 32000           /* sets */
#define K_SEMVMX 32767           /* largest value */
#define K_SEMAEM K_SEMVMX        /* largest adjust-on-exit value */
#define K_SEMMNU K_SEMMNS
#define K_SEMMAP K_SEMMNS
#define K_SEMUME K_SEMOPM
#define K_SEMUSZ 20

#define K_MSGMAX 8192  /* bytes per message */
#define K_MSGMNB 16384 /* default bytes per queue */
#define K_MSGMNI 32000 /* queues */
#define K_MSGSSZ 16
#define K_MSGSEG 0xffff
#define K_MSGPOOL (K_MSGMNI * K_MSGMNB / 1024)
#define K_MSGMAP K_MSGMNB
#define K_MSGTQL K_MSGMNB

/* ---- structures ---- */
struct ipc64_perm_abi {
    int32_t key;
    uint32_t uid, gid, cuid, cgid;
    uint32_t mode;
    uint16_t seq, pad2;
    uint64_t unused1, unused2;
};

struct shmid64_ds_abi {
    struct ipc64_perm_abi shm_perm;
    uint64_t shm_segsz;
    int64_t shm_atime, shm_dtime, shm_ctime;
    int32_t shm_cpid, shm_lpid;
    uint64_t shm_nattch;
    uint64_t unused4, unused5;
};

struct shminfo64_abi {
    uint64_t shmmax, shmmin, shmmni, shmseg, shmall;
    uint64_t unused1, unused2, unused3, unused4;
};

struct shm_info_abi {
    int32_t used_ids;
    uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

struct semid64_ds_abi {
    struct ipc64_perm_abi sem_perm;
    int64_t sem_otime;
    uint64_t unused1;
    int64_t sem_ctime;
    uint64_t unused2;
    uint64_t sem_nsems;
    uint64_t unused3, unused4;
};

struct seminfo_abi {
    int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

struct sembuf_abi {
    uint16_t sem_num;
    int16_t sem_op;
    int16_t sem_flg;
};

struct msqid64_ds_abi {
    struct ipc64_perm_abi msg_perm;
    int64_t msg_stime, msg_rtime, msg_ctime;
    uint64_t msg_cbytes, msg_qnum, msg_qbytes;
    int32_t msg_lspid, msg_lrpid;
    uint64_t unused4, unused5;
};

struct msginfo_abi {
    int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
    uint16_t msgseg;
};

_Static_assert(sizeof(struct ipc64_perm_abi) == 48, "ipc64_perm");
_Static_assert(sizeof(struct shmid64_ds_abi) == 112, "shmid64_ds");
_Static_assert(sizeof(struct shminfo64_abi) == 72, "shminfo64");
_Static_assert(sizeof(struct shm_info_abi) == 48, "shm_info");
_Static_assert(sizeof(struct semid64_ds_abi) == 104, "semid64_ds");
_Static_assert(sizeof(struct seminfo_abi) == 40, "seminfo");
_Static_assert(sizeof(struct sembuf_abi) == 6, "sembuf");
_Static_assert(sizeof(struct msqid64_ds_abi) == 120, "msqid64_ds");
_Static_assert(sizeof(struct msginfo_abi) == 32, "msginfo");

#endif
