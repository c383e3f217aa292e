/* ipc_ids: see ipc_ids.h. The caller holds its kind's lock throughout. */
#include "ipc/ipc_ids.h"

#include "pal/pal.h"
#include "process/process.h"
#include "syscall/list_core.h"
#include "util/kheap.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The caller's credentials: the LibOS's getuid family answers them, so
 * SysV IPC follows when processes get credentials of their own. */
static uint32_t euid(void)
{
    return (uint32_t)sys_geteuid();
}

static uint32_t egid(void)
{
    return (uint32_t)sys_getegid();
}

bool ipc_capable(void)
{
    return euid() == 0;
}

struct ipc_obj *ipc_find_key(struct ipc_ids *ids, int32_t key)
{
    if (key == IPC_PRIVATE) return NULL;
    for (int i = 0; i <= ids->max_idx; i++)
        if (ids->slots[i] && ids->slots[i]->key == key) return ids->slots[i];
    return NULL;
}

struct ipc_obj *ipc_at(struct ipc_ids *ids, int idx)
{
    idx %= K_IPCMNI; /* Linux's ipcid_to_idx: an id names its index too */
    return idx >= 0 && idx <= ids->max_idx ? ids->slots[idx] : NULL;
}

struct ipc_obj *ipc_lookup(struct ipc_ids *ids, int id)
{
    if (id < 0) return NULL;
    struct ipc_obj *o = ipc_at(ids, id);
    return o && o->id == id ? o : NULL;
}

/* A free index, cyclically after the last one given out (Linux's
 * idr_alloc_cyclic), or -1. */
static int free_index(const struct ipc_ids *ids)
{
    for (int n = 0; n < K_IPCMNI; n++) {
        int i = (ids->last_idx + 1 + n) % K_IPCMNI;
        if (i >= ids->cap || !ids->slots[i]) return i;
    }
    return -1;
}

int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, int flg, int limit)
{
    if (ids->in_use >= limit) return -ENOSPC;
    int idx = free_index(ids);
    if (idx < 0) return -ENOSPC;
    if (idx >= ids->cap) {
        int cap = ids->cap ? ids->cap : 64;
        while (cap <= idx)
            cap *= 2;
        if (cap > K_IPCMNI) cap = K_IPCMNI;
        struct ipc_obj **s = krealloc(ids->slots, (size_t)cap * sizeof(*s));
        if (!s) return -ENOMEM;
        memset(s + ids->cap, 0, (size_t)(cap - ids->cap) * sizeof(*s));
        ids->slots = s;
        ids->cap = cap;
    }
    /* an index at or below the last one: the sequence number moves on,
     * so the new id differs from the one that was removed */
    if (idx <= ids->last_idx && ++ids->seq >= K_IPCSEQ_MAX) ids->seq = 0;
    ids->last_idx = idx;
    o->key = key;
    o->uid = o->cuid = euid();
    o->gid = o->cgid = egid();
    o->mode = (uint32_t)flg & 0777;
    o->seq = ids->seq;
    o->id = (int)((uint32_t)ids->seq << K_IPCMNI_SHIFT) + idx;
    ids->slots[idx] = o;
    ids->in_use++;
    if (idx > ids->max_idx) ids->max_idx = idx;
    return o->id;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o)
{
    int idx = o->id % K_IPCMNI;
    if (idx >= ids->cap || ids->slots[idx] != o) return;
    ids->slots[idx] = NULL;
    ids->in_use--;
    while (ids->max_idx >= 0 && !ids->slots[ids->max_idx])
        ids->max_idx--;
}

int ipc_max_idx(const struct ipc_ids *ids)
{
    if (ids->in_use == 0) return 0;
    return ids->in_use == K_IPCMNI ? K_IPCMNI - 1 : ids->max_idx;
}

int ipc_get(struct ipc_ids *ids, int32_t key, int flg, int (*make)(void *arg),
            int (*check)(struct ipc_obj *o, void *arg), void *arg)
{
    if (key == IPC_PRIVATE) return make(arg);
    struct ipc_obj *o = ipc_find_key(ids, key);
    if (!o) return (flg & IPC_CREAT) ? make(arg) : -ENOENT;
    if ((flg & IPC_CREAT) && (flg & IPC_EXCL)) return -EEXIST;
    int r = check ? check(o, arg) : 0;
    if (r == 0) r = ipc_perms(o, flg);
    return r < 0 ? r : o->id;
}

int ipc_perms(const struct ipc_obj *o, int flag)
{
    /* Linux takes flag as a short: bits above 0777 (IPC_CREAT...) fall out */
    int requested = ((flag >> 6) | (flag >> 3) | flag) & 07;
    uint32_t granted = o->mode, uid = euid(), gid = egid();
    if (uid == o->cuid || uid == o->uid)
        granted >>= 6;
    else if (gid == o->cgid || gid == o->gid)
        granted >>= 3;
    if ((requested & ~granted & 07) && !ipc_capable()) return -EACCES;
    return 0;
}

int ipc_owner_check(const struct ipc_obj *o)
{
    uint32_t uid = euid();
    return uid == o->cuid || uid == o->uid || ipc_capable() ? 0 : -EPERM;
}

int ipc_set_perm(struct ipc_obj *o, const struct ipc64_perm_abi *in)
{
    if (in->uid == (uint32_t)-1 || in->gid == (uint32_t)-1) return -EINVAL; /* no such id */
    o->uid = in->uid;
    o->gid = in->gid;
    o->mode = (o->mode & ~(uint32_t)0777) | (in->mode & 0777);
    return 0;
}

void ipc_perm_out(const struct ipc_obj *o, struct ipc64_perm_abi *out)
{
    memset(out, 0, sizeof(*out));
    out->key = o->key;
    out->uid = o->uid;
    out->gid = o->gid;
    out->cuid = o->cuid;
    out->cgid = o->cgid;
    out->mode = o->mode;
    out->seq = o->seq;
}

int64_t ipc_now(void)
{
    /* Linux's ktime_get_real_seconds is the tick's time, which time(2)
     * reads too: a precise clock could be a second ahead of time() */
    struct timespec ts;
    pal_clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return ts.tv_sec;
}

int ipc_pid(void)
{
    struct thread *t = current_thread();
    return t && t->proc ? t->proc->pid : 0;
}
