/*
 * sem: System V semaphores (semget, semop, semtimedop, semctl) and their
 * SEM_UNDO adjustments, applied when a process exits.
 *
 * A semop's operations happen all at once or not at all, in order (a
 * later operation sees the earlier ones' effect, as Linux's). One that
 * cannot proceed waits in its set's queue, oldest first; whoever changes
 * the set (a semop, SETVAL, SETALL, an exit's undo) runs the waiting
 * operations that now can and wakes their threads with the result, as
 * Linux's update_queue does, so that no waiter can be overtaken forever by
 * later arrivals. A waiter is told -EIDRM when its set is removed, and
 * ends with -EINTR on a signal (semop is never restarted, even under
 * SA_RESTART: signal.c's never_restarted) or -EAGAIN at its timeout.
 *
 * Waiting operations and undo records are in the kernel heap, never on a
 * stack: the thread that completes an operation may be in another host
 * process (fork). One mutex, sem_lock, guards every set, queue and undo
 * record. GETNCNT and GETZCNT count a waiter on the semaphore of the
 * operation it blocks on only (Linux since 3.16, as SUSv3 says).
 *
 * Undo records belong to a process (all its threads: glibc's threads are
 * made with CLONE_SYSVSEM); a fork's child starts with none, and execve
 * keeps them. A clone(CLONE_SYSVSEM) child that is a process of its own
 * gets its own list here, where Linux would share its parent's.
 */
#include "ipc/ipc.h"
#include "ipc/ipc_ids.h"
#include "ipc/ipc_proc.h"

#include "pal/pal.h"
#include "process/process.h"
#include "process/waitq.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <string.h>

struct sem_one {
    int semval;
    int sempid;
};

struct sem_undo {
    struct sem_undo *next_proc, *next_array;
    struct process *owner;
    struct sem_array *sma;
    short adj[]; /* one per semaphore of the set */
};

#define PENDING 1 /* a waiting operation's status until it is done (0 or -errno) */

struct sem_queue {
    struct sem_queue *next;
    struct thread *sleeper;
    struct sem_undo *undo;
    int pid;
    int status;
    int blocking; /* the operation it waits on (GETNCNT, GETZCNT) */
    int nsops;
    struct sembuf_abi sops[];
};

struct sem_array {
    struct ipc_obj perm; /* first */
    int nsems;
    int64_t otime, ctime;
    struct sem_queue *pending; /* oldest first */
    struct sem_undo *undos;
    struct sem_one sems[];
};

static struct mutex sem_lock = MUTEX_INIT;
static struct ipc_ids sem_ids = IPC_IDS_INIT;
static long used_sems; /* semaphores in all sets (semmns) */

static struct sem_array *sma_of(struct ipc_obj *o)
{
    return (struct sem_array *)o;
}

/* Try q's operations on sma: 0 when done, 1 when it must wait (q->blocking
 * set), -EAGAIN when it must wait but IPC_NOWAIT says not to, -ERANGE past
 * a limit. Nothing changes unless all of them succeed. */
static int perform(struct sem_array *sma, struct sem_queue *q)
{
    int i, r;
    for (i = 0; i < q->nsops; i++) {
        const struct sembuf_abi *op = &q->sops[i];
        struct sem_one *c = &sma->sems[op->sem_num];
        int result = c->semval;
        if (!op->sem_op && result) goto would_block;
        result += op->sem_op;
        if (result < 0) goto would_block;
        if (result > K_SEMVMX) {
            r = -ERANGE;
            goto undo;
        }
        if (op->sem_flg & SEM_UNDO) {
            int adj = q->undo->adj[op->sem_num] - op->sem_op;
            if (adj < -K_SEMAEM - 1 || adj > K_SEMAEM) {
                r = -ERANGE;
                goto undo;
            }
            q->undo->adj[op->sem_num] = (short)adj;
        }
        c->semval = result;
    }
    for (i = 0; i < q->nsops; i++)
        sma->sems[q->sops[i].sem_num].sempid = q->pid;
    return 0;
would_block:
    q->blocking = i;
    r = (q->sops[i].sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
undo:
    while (--i >= 0) {
        const struct sembuf_abi *op = &q->sops[i];
        sma->sems[op->sem_num].semval -= op->sem_op;
        if (op->sem_flg & SEM_UNDO) q->undo->adj[op->sem_num] += op->sem_op;
    }
    return r;
}

/* The set changed: complete what waits and now can, oldest first, and
 * start over after each completion (it changed the set again). */
static void update_queue(struct sem_array *sma)
{
    for (bool again = true; again;) {
        again = false;
        for (struct sem_queue **pp = &sma->pending; *pp;) {
            struct sem_queue *q = *pp;
            int r = perform(sma, q);
            if (r > 0) {
                pp = &q->next;
                continue;
            }
            *pp = q->next;
            q->status = r;
            thread_wake(q->sleeper);
            if (r == 0) {
                sma->otime = ipc_now();
                again = true;
                break;
            }
        }
    }
}

static void unlink_queue(struct sem_array *sma, struct sem_queue *q)
{
    for (struct sem_queue **pp = &sma->pending; *pp; pp = &(*pp)->next) {
        if (*pp == q) {
            *pp = q->next;
            return;
        }
    }
}

static void unlink_undo_from_proc(struct sem_undo *un)
{
    for (struct sem_undo **pp = &un->owner->sem_undo; *pp; pp = &(*pp)->next_proc) {
        if (*pp == un) {
            *pp = un->next_proc;
            return;
        }
    }
}

/* IPC_RMID: waiters get -EIDRM, undo records go (sem_lock held). */
static void freeary(struct sem_array *sma)
{
    while (sma->undos) {
        struct sem_undo *un = sma->undos;
        sma->undos = un->next_array;
        unlink_undo_from_proc(un);
        kfree(un);
    }
    while (sma->pending) {
        struct sem_queue *q = sma->pending;
        sma->pending = q->next;
        q->status = -EIDRM;
        thread_wake(q->sleeper);
    }
    ipc_remove(&sem_ids, &sma->perm);
    used_sems -= sma->nsems;
    kfree(sma);
}

/* ---- semget ---- */

struct get_arg {
    int32_t key;
    int nsems, flg;
};

static int newary(void *arg)
{
    const struct get_arg *g = arg;
    if (!g->nsems) return -EINVAL;
    if (used_sems + g->nsems > K_SEMMNS) return -ENOSPC;
    struct sem_array *sma = kcalloc(1, sizeof(*sma) + (size_t)g->nsems * sizeof(sma->sems[0]));
    if (!sma) return -ENOMEM;
    int r = ipc_add(&sem_ids, &sma->perm, g->key, g->flg, K_SEMMNI);
    if (r < 0) {
        kfree(sma);
        return r;
    }
    sma->nsems = g->nsems;
    sma->ctime = ipc_now();
    used_sems += g->nsems;
    return r;
}

static int more_checks(struct ipc_obj *o, void *arg)
{
    const struct get_arg *g = arg;
    return g->nsems > sma_of(o)->nsems ? -EINVAL : 0;
}

long sys_semget(int key, int nsems, int flg)
{
    if (nsems < 0 || nsems > K_SEMMSL) return -EINVAL;
    struct get_arg g = {key, nsems, flg};
    mutex_lock(&sem_lock);
    long r = ipc_get(&sem_ids, key, flg, newary, more_checks, &g);
    mutex_unlock(&sem_lock);
    return r;
}

/* ---- semop, semtimedop ---- */

/* p's undo record of sma, found or made (sem_lock held); NULL: no memory. */
static struct sem_undo *find_alloc_undo(struct process *p, struct sem_array *sma)
{
    for (struct sem_undo *un = p->sem_undo; un; un = un->next_proc)
        if (un->sma == sma) return un;
    struct sem_undo *un = kcalloc(1, sizeof(*un) + (size_t)sma->nsems * sizeof(short));
    if (!un) return NULL;
    un->owner = p;
    un->sma = sma;
    un->next_proc = p->sem_undo;
    p->sem_undo = un;
    un->next_array = sma->undos;
    sma->undos = un;
    return un;
}

/* Sleep until q is done (sem_lock held, and held again on return). */
static void wait_done(struct sem_array *sma, struct sem_queue *q, const struct timespec *deadline)
{
    for (;;) {
        thread_prepare_sleep();
        if (q->status != PENDING) return;
        mutex_unlock(&sem_lock);
        int w = thread_sleep(deadline);
        mutex_lock(&sem_lock);
        if (q->status != PENDING) return; /* done, whatever woke us */
        if (w == -EINTR || w == -ETIMEDOUT) {
            unlink_queue(sma, q);
            q->status = w == -EINTR ? -EINTR : -EAGAIN;
            return;
        }
    }
}

static long do_semtimedop(int id, const void *usops, unsigned nsops,
                          const struct timespec *utimeout)
{
    if (nsops < 1 || id < 0) return -EINVAL;
    if (nsops > K_SEMOPM) return -E2BIG;
    struct sem_queue *q = kcalloc(1, sizeof(*q) + nsops * sizeof(q->sops[0]));
    if (!q) return -ENOMEM;
    long r = copy_from_user(q->sops, usops, nsops * sizeof(q->sops[0]));
    struct timespec deadline;
    if (r == 0 && utimeout) {
        struct timespec to;
        if (copy_from_user(&to, utimeout, sizeof(to))) {
            r = -EFAULT;
        } else if (to.tv_sec < 0 || to.tv_nsec < 0 || to.tv_nsec >= 1000000000L) {
            r = -EINVAL;
        } else {
            pal_clock_gettime(CLOCK_MONOTONIC, &deadline);
            deadline.tv_sec += to.tv_sec;
            deadline.tv_nsec += to.tv_nsec;
            if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
            }
        }
    }
    if (r < 0) {
        kfree(q);
        return r;
    }
    int max = 0;
    bool undos = false, alter = false;
    for (unsigned i = 0; i < nsops; i++) {
        if (q->sops[i].sem_num > max) max = q->sops[i].sem_num;
        if (q->sops[i].sem_flg & SEM_UNDO) undos = true;
        if (q->sops[i].sem_op) alter = true;
    }
    struct process *p = current_process();
    q->nsops = (int)nsops;
    q->pid = p->pid;
    q->sleeper = current_thread();
    mutex_lock(&sem_lock);
    struct ipc_obj *o = ipc_lookup(&sem_ids, id);
    struct sem_array *sma = o ? sma_of(o) : NULL;
    if (!sma)
        r = -EINVAL;
    else if (max >= sma->nsems)
        r = -EFBIG;
    else
        r = ipc_perms(o, alter ? 0222 : 0444);
    if (r == 0 && undos && !(q->undo = find_alloc_undo(p, sma))) r = -ENOMEM;
    if (r == 0) r = perform(sma, q);
    if (r == 0) {
        sma->otime = ipc_now();
        if (alter) update_queue(sma);
    } else if (r > 0) {
        q->status = PENDING;
        struct sem_queue **pp = &sma->pending;
        while (*pp)
            pp = &(*pp)->next;
        *pp = q;
        wait_done(sma, q, utimeout ? &deadline : NULL);
        r = q->status;
    }
    mutex_unlock(&sem_lock);
    kfree(q);
    return r;
}

long sys_semop(int id, void *sops, unsigned nsops)
{
    return do_semtimedop(id, sops, nsops, NULL);
}

long sys_semtimedop(int id, void *sops, unsigned nsops, const struct timespec *timeout)
{
    return do_semtimedop(id, sops, nsops, timeout);
}

void sem_exit(struct process *p)
{
    if (!__atomic_load_n(&p->sem_undo, __ATOMIC_ACQUIRE)) return;
    mutex_lock(&sem_lock);
    while (p->sem_undo) {
        struct sem_undo *un = p->sem_undo;
        p->sem_undo = un->next_proc;
        struct sem_array *sma = un->sma;
        for (struct sem_undo **pp = &sma->undos; *pp; pp = &(*pp)->next_array) {
            if (*pp == un) {
                *pp = un->next_array;
                break;
            }
        }
        /* Linux clamps the result to [0, SEMVMX] rather than wait */
        for (int i = 0; i < sma->nsems; i++) {
            if (!un->adj[i]) continue;
            int v = sma->sems[i].semval + un->adj[i];
            sma->sems[i].semval = v < 0 ? 0 : v > K_SEMVMX ? K_SEMVMX : v;
            sma->sems[i].sempid = p->pid;
        }
        update_queue(sma);
        kfree(un);
    }
    mutex_unlock(&sem_lock);
}

/* ---- semctl ---- */

static int count_waiters(struct sem_array *sma, int num, bool zero)
{
    int n = 0;
    for (struct sem_queue *q = sma->pending; q; q = q->next) {
        const struct sembuf_abi *op = &q->sops[q->blocking];
        if (op->sem_num == num && (zero ? op->sem_op == 0 : op->sem_op < 0)) n++;
    }
    return n;
}

static long sem_info(int cmd, void *buf)
{
    struct seminfo_abi si = {.semmni = K_SEMMNI,
                             .semmns = K_SEMMNS,
                             .semmsl = K_SEMMSL,
                             .semopm = K_SEMOPM,
                             .semvmx = K_SEMVMX,
                             .semmnu = K_SEMMNU,
                             .semmap = K_SEMMAP,
                             .semume = K_SEMUME,
                             .semusz = K_SEMUSZ,
                             .semaem = K_SEMAEM};
    mutex_lock(&sem_lock);
    if (cmd == SEM_INFO) {
        si.semusz = sem_ids.in_use;
        si.semaem = (int)used_sems;
    }
    int r = ipc_max_idx(&sem_ids);
    mutex_unlock(&sem_lock);
    return copy_to_user(buf, &si, sizeof(si)) ? -EFAULT : r;
}

static long sem_stat(int id, int cmd, void *buf)
{
    struct semid64_ds_abi ds;
    memset(&ds, 0, sizeof(ds));
    mutex_lock(&sem_lock);
    struct ipc_obj *o = cmd == IPC_STAT ? ipc_lookup(&sem_ids, id) : ipc_at(&sem_ids, id);
    long r = !o ? -EINVAL : cmd == SEM_STAT_ANY ? 0 : ipc_perms(o, 0444);
    if (r == 0) {
        ipc_perm_out(o, &ds.sem_perm);
        ds.sem_otime = sma_of(o)->otime;
        ds.sem_ctime = sma_of(o)->ctime;
        ds.sem_nsems = (uint64_t)sma_of(o)->nsems;
        r = cmd == IPC_STAT ? 0 : o->id;
    }
    mutex_unlock(&sem_lock);
    if (r >= 0 && copy_to_user(buf, &ds, sizeof(ds))) r = -EFAULT;
    return r;
}

static long sem_setval(int id, int num, int val)
{
    if (val > K_SEMVMX || val < 0) return -ERANGE;
    mutex_lock(&sem_lock);
    struct ipc_obj *o = ipc_lookup(&sem_ids, id);
    struct sem_array *sma = o ? sma_of(o) : NULL;
    long r = !sma ? -EINVAL : num < 0 || num >= sma->nsems ? -EINVAL : ipc_perms(o, 0222);
    if (r == 0) {
        for (struct sem_undo *un = sma->undos; un; un = un->next_array)
            un->adj[num] = 0;
        sma->sems[num].semval = val;
        sma->sems[num].sempid = current_process()->pid;
        sma->ctime = ipc_now();
        update_queue(sma);
    }
    mutex_unlock(&sem_lock);
    return r;
}

static long sem_getall(int id, unsigned short *uarray)
{
    mutex_lock(&sem_lock);
    struct ipc_obj *o = ipc_lookup(&sem_ids, id);
    long r = !o ? -EINVAL : ipc_perms(o, 0444);
    int n = r == 0 ? sma_of(o)->nsems : 0;
    unsigned short *vals = r == 0 ? kmalloc((size_t)n * sizeof(*vals)) : NULL;
    if (r == 0 && !vals) r = -ENOMEM;
    for (int i = 0; r == 0 && i < n; i++)
        vals[i] = (unsigned short)sma_of(o)->sems[i].semval;
    mutex_unlock(&sem_lock);
    if (r == 0 && copy_to_user(uarray, vals, (size_t)n * sizeof(*vals))) r = -EFAULT;
    kfree(vals);
    return r;
}

static long sem_setall(int id, const unsigned short *uarray)
{
    mutex_lock(&sem_lock);
    struct ipc_obj *o = ipc_lookup(&sem_ids, id);
    long r = !o ? -EINVAL : ipc_perms(o, 0222);
    int n = r == 0 ? sma_of(o)->nsems : 0;
    mutex_unlock(&sem_lock);
    if (r < 0) return r;
    unsigned short *vals = kmalloc((size_t)n * sizeof(*vals));
    if (!vals) return -ENOMEM;
    if (copy_from_user(vals, uarray, (size_t)n * sizeof(*vals))) r = -EFAULT;
    for (int i = 0; r == 0 && i < n; i++)
        if (vals[i] > K_SEMVMX) r = -ERANGE;
    if (r == 0) {
        mutex_lock(&sem_lock);
        /* removed meanwhile (the id, with its sequence number, is not reused soon) */
        struct ipc_obj *again = ipc_lookup(&sem_ids, id);
        struct sem_array *sma = again ? sma_of(again) : NULL;
        if (!sma || sma->nsems != n) {
            r = -EIDRM;
        } else {
            for (int i = 0; i < n; i++) {
                sma->sems[i].semval = vals[i];
                sma->sems[i].sempid = current_process()->pid;
            }
            for (struct sem_undo *un = sma->undos; un; un = un->next_array)
                memset(un->adj, 0, (size_t)n * sizeof(short));
            sma->ctime = ipc_now();
            update_queue(sma);
        }
        mutex_unlock(&sem_lock);
    }
    kfree(vals);
    return r;
}

/* GETVAL, GETPID, GETNCNT, GETZCNT. */
static long sem_get(int id, int num, int cmd)
{
    mutex_lock(&sem_lock);
    struct ipc_obj *o = ipc_lookup(&sem_ids, id);
    struct sem_array *sma = o ? sma_of(o) : NULL;
    long r = !sma ? -EINVAL : ipc_perms(o, 0444);
    if (r == 0 && (num < 0 || num >= sma->nsems)) r = -EINVAL;
    if (r == 0) {
        switch (cmd) {
        case GETVAL:
            r = sma->sems[num].semval;
            break;
        case GETPID:
            r = sma->sems[num].sempid;
            break;
        default:
            r = count_waiters(sma, num, cmd == GETZCNT);
            break;
        }
    }
    mutex_unlock(&sem_lock);
    return r;
}

/* IPC_SET (ds: the caller's copy) and IPC_RMID. */
static long sem_change(int id, int cmd, const struct semid64_ds_abi *ds)
{
    mutex_lock(&sem_lock);
    struct ipc_obj *o = ipc_lookup(&sem_ids, id);
    long r = !o ? -EINVAL : ipc_owner_check(o);
    if (r == 0 && cmd == IPC_RMID) {
        freeary(sma_of(o));
    } else if (r == 0) {
        r = ipc_set_perm(o, &ds->sem_perm);
        if (r == 0) sma_of(o)->ctime = ipc_now();
    }
    mutex_unlock(&sem_lock);
    return r;
}

/* arg is the union semun, passed by value as both libcs do: an int for
 * SETVAL (its low half on x86-64), else a pointer. */
long sys_semctl(int id, int num, int cmd, unsigned long arg)
{
    if (id < 0) return -EINVAL;
    void *p = (void *)arg;
    struct semid64_ds_abi ds;
    switch (cmd) {
    case IPC_INFO:
    case SEM_INFO:
        return sem_info(cmd, p);
    case IPC_STAT:
    case SEM_STAT:
    case SEM_STAT_ANY:
        return sem_stat(id, cmd, p);
    case GETALL:
        return sem_getall(id, p);
    case SETALL:
        return sem_setall(id, p);
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT:
        return sem_get(id, num, cmd);
    case SETVAL:
        return sem_setval(id, num, (int)arg);
    case IPC_SET:
        if (copy_from_user(&ds, p, sizeof(ds))) return -EFAULT;
        return sem_change(id, cmd, &ds);
    case IPC_RMID:
        return sem_change(id, cmd, NULL);
    default:
        return -EINVAL;
    }
}

/* ---- /proc/sysvipc/sem ---- */

int sem_proc_show(struct text *t)
{
    int r = text_printf(t, "       key      semid perms      nsems   uid   gid  cuid  cgid      "
                           "otime      ctime\n");
    mutex_lock(&sem_lock);
    for (int i = 0; r == 0 && i <= sem_ids.max_idx; i++) {
        struct ipc_obj *o = sem_ids.slots[i];
        if (!o) continue;
        struct sem_array *sma = sma_of(o);
        r = text_printf(t, "%10d %10d  %4o %10u %5u %5u %5u %5u %10llu %10llu\n", o->key, o->id,
                        o->mode, (unsigned)sma->nsems, o->uid, o->gid, o->cuid, o->cgid,
                        (unsigned long long)sma->otime, (unsigned long long)sma->ctime);
    }
    mutex_unlock(&sem_lock);
    return r;
}
