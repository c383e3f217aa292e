/*
 * ipc_ids: what the three kinds of System V IPC object share (Linux's
 * ipc/util.c): keys and IPC_PRIVATE, identifiers, the owner and creator
 * and their permission bits, and the lookups and checks every call makes.
 *
 * Each kind (shm.c, sem.c, msg.c) keeps one struct ipc_ids and one mutex
 * that guards it and all of its objects; an object starts with a struct
 * ipc_obj. Everything lives in the kernel heap and LibOS globals, so the
 * processes of every address space (fork) see the same objects.
 *
 * Identifiers are Linux's: seq * 32768 + index, the index allocated
 * cyclically and seq bumped when the index wraps, so that a removed id is
 * not soon reused. Credentials are the caller's effective ids; a process
 * with CAP_IPC_OWNER (root: the LibOS runs every process as uid 0 today)
 * passes every permission check, as on Linux.
 */
#ifndef LIBOS_IPC_IDS_H
#define LIBOS_IPC_IDS_H

#include <stdbool.h>
#include <stdint.h>

#include "ipc/ipc_abi.h"

struct ipc_obj {
    int32_t key; /* IPC_PRIVATE once removed while still in use (shm) */
    uint32_t uid, gid, cuid, cgid;
    uint32_t mode; /* permission bits, plus SHM_DEST / SHM_LOCKED for shm */
    uint16_t seq;
    int id;
};

struct ipc_ids {
    struct ipc_obj **slots; /* by index, grown as needed up to K_IPCMNI */
    int cap;
    int in_use;
    int max_idx;  /* the highest index in use, or -1 */
    int last_idx; /* the last index given out (cyclic allocation) */
    uint16_t seq;
};

#define IPC_IDS_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0, -1, -1, 0                                                                      \
    }

/* The object of key (not IPC_PRIVATE), or NULL. */
struct ipc_obj *ipc_find_key(struct ipc_ids *ids, int32_t key);
/* The object of identifier id, or NULL (Linux's EINVAL: no such index,
 * or an old sequence number). */
struct ipc_obj *ipc_lookup(struct ipc_ids *ids, int id);
/* The object at index idx, whatever its sequence number (*_STAT). */
struct ipc_obj *ipc_at(struct ipc_ids *ids, int idx);
/* Give o an identifier (at most limit objects of the kind: -ENOSPC) and
 * the caller's credentials, with key and the mode bits of flg. */
int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, int flg, int limit);
void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o);
/* The highest index in use, for IPC_INFO and *_INFO (0 when none). */
int ipc_max_idx(const struct ipc_ids *ids);

/*
 * The get calls' common part (Linux's ipcget): IPC_PRIVATE always makes a
 * new object; otherwise the key's object, checked (EEXIST with
 * IPC_CREAT|IPC_EXCL, then check(), then the permissions flg asks for),
 * or a new one with IPC_CREAT (ENOENT without). make() returns the new
 * object's id or -errno; check() 0 or -errno.
 */
int ipc_get(struct ipc_ids *ids, int32_t key, int flg, int (*make)(void *arg),
            int (*check)(struct ipc_obj *o, void *arg), void *arg);

/* 0 when the caller may access o as the low 9 bits of flag ask (read
 * 0444, write 0222...), else -EACCES (Linux's ipcperms). */
int ipc_perms(const struct ipc_obj *o, int flag);
/* IPC_SET and IPC_RMID: the owner, the creator or CAP_SYS_ADMIN (-EPERM). */
int ipc_owner_check(const struct ipc_obj *o);
/* The caller has CAP_IPC_LOCK, CAP_SYS_RESOURCE... (root). */
bool ipc_capable(void);
/* IPC_SET: the new owner and permission bits (-EINVAL for an invalid id). */
int ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm_abi *in);
void ipc_perm_out(const struct ipc_obj *o, struct ipc64_perm_abi *out);

/* Seconds since the epoch (the *_time fields). */
int64_t ipc_now(void);
/* The calling process's pid (0 on a host thread). */
int ipc_pid(void);

#endif
