/*
 * msg: System V message queues (msgget, msgsnd, msgrcv, msgctl).
 *
 * A queue is a list of messages in the kernel heap, bounded as Linux's:
 * msgsnd waits while the bytes queued plus the new message's would pass
 * msg_qbytes, or the messages would outnumber it; msgrcv takes the first
 * message of the type asked for (0: any; > 0: that type, or any other with
 * MSG_EXCEPT; < 0: the lowest type up to its absolute value), and waits
 * while there is none. Senders and readers wait on the queue's two wait
 * queues and look again when woken; a queue removed meanwhile makes them
 * return EIDRM (each waiter holds a reference, so the queue's memory
 * outlives IPC_RMID until its last waiter has looked), a signal EINTR
 * (never restarted, as Linux's ERESTARTNOHAND after a handler).
 *
 * One mutex, msg_lock, guards every queue.
 */
#include "ipc/ipc.h"
#include "ipc/ipc_ids.h"
#include "ipc/ipc_proc.h"

#include "process/process.h"
#include "process/waitq.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

struct msg {
    struct msg *next;
    long type;
    size_t size;
    char text[];
};

struct msg_queue {
    struct ipc_obj perm; /* first */
    int64_t stime, rtime, ctime;
    uint64_t cbytes, qnum, qbytes;
    int lspid, lrpid;
    struct msg *head, **tail;
    struct waitq senders, receivers;
    int refs;     /* waiters holding it across a sleep */
    bool removed; /* IPC_RMID: freed when refs drops to 0 */
};

static struct mutex msg_lock = MUTEX_INIT;
static struct ipc_ids msg_ids = IPC_IDS_INIT;
static long msg_hdrs, msg_bytes; /* messages and bytes of all queues (MSG_INFO) */

static struct msg_queue *msq_of(struct ipc_obj *o)
{
    return (struct msg_queue *)o;
}

/* Sleep on wq of msq (msg_lock held, and held again on return): 0 when
 * woken, -EINTR, or -EIDRM when the queue was removed meanwhile. */
static int wait_on(struct msg_queue *msq, struct waitq *wq)
{
    struct waiter *w = &current_thread()->sleep_waiter;
    waitq_add(wq, w);
    msq->refs++;
    mutex_unlock(&msg_lock);
    int r = thread_sleep(NULL);
    mutex_lock(&msg_lock);
    waitq_remove(wq, w);
    msq->refs--;
    if (!msq->removed) return r == -EINTR ? -EINTR : 0;
    if (msq->refs == 0) kfree(msq); /* the last one to look */
    return -EIDRM;
}

/* ---- msgget ---- */

struct get_arg {
    int32_t key;
    int flg;
};

static int newque(void *arg)
{
    const struct get_arg *g = arg;
    struct msg_queue *msq = kcalloc(1, sizeof(*msq));
    if (!msq) return -ENOMEM;
    int r = ipc_add(&msg_ids, &msq->perm, g->key, g->flg, K_MSGMNI);
    if (r < 0) {
        kfree(msq);
        return r;
    }
    msq->qbytes = K_MSGMNB;
    msq->ctime = ipc_now();
    msq->tail = &msq->head;
    return r;
}

long sys_msgget(int key, int flg)
{
    struct get_arg g = {key, flg};
    mutex_lock(&msg_lock);
    long r = ipc_get(&msg_ids, key, flg, newque, NULL, &g);
    mutex_unlock(&msg_lock);
    return r;
}

/* ---- msgsnd ---- */

long sys_msgsnd(int id, const void *msgp, size_t size, int flg)
{
    long type;
    if (copy_from_user(&type, msgp, sizeof(type))) return -EFAULT;
    if (size > K_MSGMAX || (long)size < 0 || id < 0) return -EINVAL;
    if (type < 1) return -EINVAL;
    struct msg *m = kmalloc(sizeof(*m) + size);
    if (!m) return -ENOMEM;
    m->next = NULL;
    m->type = type;
    m->size = size;
    if (copy_from_user(m->text, (const char *)msgp + sizeof(long), size)) {
        kfree(m);
        return -EFAULT;
    }
    mutex_lock(&msg_lock);
    struct ipc_obj *o = ipc_lookup(&msg_ids, id);
    struct msg_queue *msq = o ? msq_of(o) : NULL;
    long r = msq ? 0 : -EINVAL;
    while (r == 0) {
        thread_prepare_sleep();
        if ((r = ipc_perms(o, 0222)) < 0) break;
        if (size + msq->cbytes <= msq->qbytes && 1 + msq->qnum <= msq->qbytes) break;
        if (flg & IPC_NOWAIT) {
            r = -EAGAIN;
            break;
        }
        r = wait_on(msq, &msq->senders);
    }
    if (r == 0) {
        *msq->tail = m;
        msq->tail = &m->next;
        msq->cbytes += size;
        msq->qnum++;
        msq->lspid = current_process()->pid;
        msq->stime = ipc_now();
        msg_hdrs++;
        msg_bytes += (long)size;
        waitq_wake_all(&msq->receivers);
        m = NULL;
    }
    mutex_unlock(&msg_lock);
    kfree(m);
    return r;
}

/* ---- msgrcv ---- */

enum search { ANY, EQUAL, NOT_EQUAL, LESS_EQUAL, NUMBER };

/* The message msgrcv takes, and the link that points to it, or NULL. */
static struct msg *find_msg(struct msg_queue *msq, long type, enum search mode, struct msg ***link)
{
    struct msg *found = NULL;
    long count = 0;
    for (struct msg **pp = &msq->head; *pp; pp = &(*pp)->next) {
        struct msg *m = *pp;
        bool match = mode == ANY || mode == NUMBER || (mode == EQUAL && m->type == type) ||
                     (mode == NOT_EQUAL && m->type != type) ||
                     (mode == LESS_EQUAL && m->type <= type);
        if (!match) continue;
        if (mode == LESS_EQUAL && m->type != 1) { /* keep looking for a lower type */
            found = m;
            *link = pp;
            type = m->type - 1;
        } else if (mode == NUMBER) {
            if (count++ == type) {
                *link = pp;
                return m;
            }
        } else {
            *link = pp;
            return m;
        }
    }
    return found;
}

/* Put message m (type, then up to size bytes of text) in the caller's
 * buffer: the bytes copied, or -EFAULT. */
static long deliver(void *msgp, const struct msg *m, size_t size)
{
    size_t n = size < m->size ? size : m->size;
    if (copy_to_user(msgp, &m->type, sizeof(long)) ||
        copy_to_user((char *)msgp + sizeof(long), m->text, n))
        return -EFAULT;
    return (long)n;
}

long sys_msgrcv(int id, void *msgp, size_t size, long type, int flg)
{
    if (id < 0 || (long)size < 0) return -EINVAL;
    enum search mode;
    if (flg & MSG_COPY) {
        /* a peek at the type-th message (Linux's checkpoint/restore aid) */
        if ((flg & MSG_EXCEPT) || !(flg & IPC_NOWAIT)) return -EINVAL;
        mode = NUMBER;
    } else if (type == 0) {
        mode = ANY;
    } else if (type < 0) {
        type = type == LONG_MIN ? LONG_MAX : -type;
        mode = LESS_EQUAL;
    } else {
        mode = (flg & MSG_EXCEPT) ? NOT_EQUAL : EQUAL;
    }
    struct msg *taken = NULL;
    mutex_lock(&msg_lock);
    struct ipc_obj *o = ipc_lookup(&msg_ids, id);
    struct msg_queue *msq = o ? msq_of(o) : NULL;
    long r = msq ? 0 : -EINVAL;
    while (r == 0) {
        thread_prepare_sleep();
        if ((r = ipc_perms(o, 0444)) < 0) break;
        struct msg **link = NULL;
        struct msg *m = find_msg(msq, type, mode, &link);
        if (m) {
            if (size < m->size && !(flg & MSG_NOERROR)) {
                r = -E2BIG; /* it stays queued */
            } else if (flg & MSG_COPY) {
                size_t cap = size < K_MSGMAX ? size : K_MSGMAX;
                if (m->size > cap) { /* Linux's copy_msg: the copy must hold it */
                    r = -EINVAL;
                } else if (!(taken = kmalloc(sizeof(*m) + m->size))) {
                    r = -ENOMEM;
                } else {
                    memcpy(taken, m, sizeof(*m) + m->size);
                }
            } else {
                *link = m->next;
                if (msq->tail == &m->next) msq->tail = link;
                msq->qnum--;
                msq->cbytes -= m->size;
                msq->rtime = ipc_now();
                msq->lrpid = current_process()->pid;
                msg_hdrs--;
                msg_bytes -= (long)m->size;
                waitq_wake_all(&msq->senders);
                taken = m;
            }
            break;
        }
        if (flg & IPC_NOWAIT) {
            r = -ENOMSG;
            break;
        }
        r = wait_on(msq, &msq->receivers);
    }
    mutex_unlock(&msg_lock);
    if (taken) r = deliver(msgp, taken, size); /* dequeued: lost on EFAULT, as on Linux */
    kfree(taken);
    return r;
}

/* ---- msgctl ---- */

static long msg_info(int cmd, void *buf)
{
    struct msginfo_abi mi = {.msgmni = K_MSGMNI,
                             .msgmax = K_MSGMAX,
                             .msgmnb = K_MSGMNB,
                             .msgssz = K_MSGSSZ,
                             .msgseg = K_MSGSEG,
                             .msgmap = K_MSGMAP,
                             .msgpool = K_MSGPOOL,
                             .msgtql = K_MSGTQL};
    mutex_lock(&msg_lock);
    if (cmd == MSG_INFO) {
        mi.msgpool = msg_ids.in_use;
        mi.msgmap = msg_hdrs > INT_MAX ? INT_MAX : (int)msg_hdrs;
        mi.msgtql = msg_bytes > INT_MAX ? INT_MAX : (int)msg_bytes;
    }
    int r = ipc_max_idx(&msg_ids);
    mutex_unlock(&msg_lock);
    return copy_to_user(buf, &mi, sizeof(mi)) ? -EFAULT : r;
}

static long msg_stat(int id, int cmd, void *buf)
{
    struct msqid64_ds_abi ds;
    memset(&ds, 0, sizeof(ds));
    mutex_lock(&msg_lock);
    struct ipc_obj *o = cmd == IPC_STAT ? ipc_lookup(&msg_ids, id) : ipc_at(&msg_ids, id);
    long r = !o ? -EINVAL : cmd == MSG_STAT_ANY ? 0 : ipc_perms(o, 0444);
    if (r == 0) {
        struct msg_queue *msq = msq_of(o);
        ipc_perm_out(o, &ds.msg_perm);
        ds.msg_stime = msq->stime;
        ds.msg_rtime = msq->rtime;
        ds.msg_ctime = msq->ctime;
        ds.msg_cbytes = msq->cbytes;
        ds.msg_qnum = msq->qnum;
        ds.msg_qbytes = msq->qbytes;
        ds.msg_lspid = msq->lspid;
        ds.msg_lrpid = msq->lrpid;
        r = cmd == IPC_STAT ? 0 : o->id;
    }
    mutex_unlock(&msg_lock);
    if (r >= 0 && copy_to_user(buf, &ds, sizeof(ds))) r = -EFAULT;
    return r;
}

/* IPC_RMID: waiters see it removed; messages go (msg_lock held). */
static void freeque(struct msg_queue *msq)
{
    ipc_remove(&msg_ids, &msq->perm);
    while (msq->head) {
        struct msg *m = msq->head;
        msq->head = m->next;
        msg_hdrs--;
        msg_bytes -= (long)m->size;
        kfree(m);
    }
    waitq_wake_all(&msq->senders);
    waitq_wake_all(&msq->receivers);
    msq->removed = true;
    if (msq->refs == 0) kfree(msq);
}

/* IPC_SET (ds: the caller's copy) and IPC_RMID. */
static long msg_change(int id, int cmd, const struct msqid64_ds_abi *ds)
{
    mutex_lock(&msg_lock);
    struct ipc_obj *o = ipc_lookup(&msg_ids, id);
    long r = !o ? -EINVAL : ipc_owner_check(o);
    if (r == 0 && cmd == IPC_RMID) {
        freeque(msq_of(o));
    } else if (r == 0) {
        struct msg_queue *msq = msq_of(o);
        if (ds->msg_qbytes > K_MSGMNB && !ipc_capable()) r = -EPERM; /* CAP_SYS_RESOURCE */
        if (r == 0) r = ipc_set_perm(o, &ds->msg_perm);
        if (r == 0) {
            msq->qbytes = ds->msg_qbytes;
            msq->ctime = ipc_now();
            /* readers may have lost the right to read, senders gained room */
            waitq_wake_all(&msq->receivers);
            waitq_wake_all(&msq->senders);
        }
    }
    mutex_unlock(&msg_lock);
    return r;
}

long sys_msgctl(int id, int cmd, void *buf)
{
    if (id < 0 || cmd < 0) return -EINVAL;
    struct msqid64_ds_abi ds;
    switch (cmd) {
    case IPC_INFO:
    case MSG_INFO:
        return msg_info(cmd, buf);
    case IPC_STAT:
    case MSG_STAT:
    case MSG_STAT_ANY:
        return msg_stat(id, cmd, buf);
    case IPC_SET:
        if (copy_from_user(&ds, buf, sizeof(ds))) return -EFAULT;
        return msg_change(id, cmd, &ds);
    case IPC_RMID:
        return msg_change(id, cmd, NULL);
    default:
        return -EINVAL;
    }
}

/* ---- /proc/sysvipc/msg ---- */

int msg_proc_show(struct text *t)
{
    int r = text_printf(t, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   "
                           "gid  cuid  cgid      stime      rtime      ctime\n");
    mutex_lock(&msg_lock);
    for (int i = 0; r == 0 && i <= msg_ids.max_idx; i++) {
        struct ipc_obj *o = msg_ids.slots[i];
        if (!o) continue;
        struct msg_queue *q = msq_of(o);
        r = text_printf(
            t, "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10llu %10llu %10llu\n", o->key,
            o->id, o->mode, (unsigned long)q->cbytes, (unsigned long)q->qnum, (unsigned)q->lspid,
            (unsigned)q->lrpid, o->uid, o->gid, o->cuid, o->cgid, (unsigned long long)q->stime,
            (unsigned long long)q->rtime, (unsigned long long)q->ctime);
    }
    mutex_unlock(&msg_lock);
    return r;
}
