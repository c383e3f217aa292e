/*
 * robust: a thread's robust futex list: set_robust_list(2),
 * get_robust_list(2), and the walk when the thread ends or execs as Linux's exit_robust_list does.
 * Every futex word the list names that the thread still owns gets FUTEX_OWNER_DIED and one waiter
 * is woken, so that a robust mutex held by a dead thread goes to the next locker with EOWNERDEAD
 * instead of blocking it forever.
 *
 * The list lives in application memory and may be anything: every read
 * goes through the checked user access, and the walk is bounded, so a
 * bad or cyclic list only ends the walk early.
 */
#include "process/robust.h"

#include "pal/pal.h"
#include "process/process.h"
#include "syscall/list_core.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>

#define ROBUST_LIST_LIMIT 2048 /* Linux's bound on entries walked */
#define ROBUST_HEAD_SIZE 24    /* sizeof(struct robust_list_head) */

/* struct robust_list_head: the list's first link, then these. */
#define HEAD_FUTEX_OFFSET 8
#define HEAD_LIST_OP_PENDING 16

/* A list link at uptr: the entry it points to, and bit 0, which marks
 * a PI futex. 0 or -EFAULT. */
static int fetch_entry(uint64_t uptr, uint64_t *entry, bool *pi)
{
    uint64_t v;
    if (copy_from_user(&v, (const void *)uptr, sizeof(v))) return -EFAULT;
    *entry = v & ~1ULL;
    *pi = v & 1;
    return 0;
}

/* The waiter is woken with a shared futex wake, as Linux does: robust
 * mutexes (glibc's) wait with shared futex operations for that reason. */
static void wake_one(uint32_t *w)
{
    pal_futex(w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Linux's handle_futex_death for the word at uaddr. */
static void futex_death(uint64_t uaddr, uint32_t tid, bool pi, bool pending)
{
    uint32_t *w = (uint32_t *)uaddr;
    uint32_t uval;
    /* fault-safe: another thread may unmap the word meanwhile */
    if (uaddr % sizeof(*w) || !user_ok(w, sizeof(*w), false) || uaccess_load32(w, &uval)) return;
    /* An unlock raced with our end: the lock is free, but a waiter may
     * have missed its wake-up, which the unlocker was about to give. */
    if (pending && !pi && uval == 0) {
        wake_one(w);
        return;
    }
    if (!user_ok(w, sizeof(*w), true)) return;
    for (;;) {
        if ((uval & FUTEX_TID_MASK) != tid) return;
        uint32_t mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        int r = uaccess_cmpxchg32(w, &uval, mval);
        if (r < 0) return;
        if (r == 0) break;
    }
    /* PI futexes are handed over by the kernel's PI state, which the
     * LibOS does not keep: only plain robust futexes are woken. */
    if (!pi && (uval & FUTEX_WAITERS)) wake_one(w);
}

void robust_list_release(struct thread *t)
{
    uint64_t head = t->robust_list;
    t->robust_list = 0;
    if (!head) return;
    uint64_t entry, pending;
    bool pi, pending_pi;
    int64_t offset;
    if (fetch_entry(head, &entry, &pi)) return;
    if (copy_from_user(&offset, (const void *)(head + HEAD_FUTEX_OFFSET), sizeof(offset))) return;
    if (fetch_entry(head + HEAD_LIST_OP_PENDING, &pending, &pending_pi)) return;
    uint32_t tid = (uint32_t)t->tid;
    for (int limit = ROBUST_LIST_LIMIT; entry != head && limit > 0; limit--) {
        uint64_t next;
        bool next_pi;
        int rc = fetch_entry(entry, &next, &next_pi);
        /* The pending entry may be half linked: it is handled once, last. */
        if (entry != pending) futex_death(entry + (uint64_t)offset, tid, pi, false);
        if (rc) return;
        entry = next;
        pi = next_pi;
    }
    if (pending) futex_death(pending + (uint64_t)offset, tid, pending_pi, true);
}

long sys_set_robust_list(void *head, size_t len)
{
    if (len != ROBUST_HEAD_SIZE) return -EINVAL;
    current_thread()->robust_list = (uint64_t)head;
    return 0;
}

struct robust_query {
    int tid;
    bool found;
    uint64_t head;
};

static int find_thread(struct process *p, void *arg)
{
    struct robust_query *q = arg;
    if (p->pid < 0) return 0;
    for (struct thread *t = p->threads; t; t = t->next_in_proc) {
        if (t->tid == q->tid) {
            q->found = true;
            q->head = t->robust_list;
            return 1;
        }
    }
    return 0;
}

long sys_get_robust_list(int pid, void **head, size_t *len)
{
    struct robust_query q = {.tid = pid, .found = pid == 0, .head = current_thread()->robust_list};
    if (pid != 0) process_for_each(find_thread, &q); /* under the table lock */
    if (!q.found) return -ESRCH;
    void *h = (void *)q.head;
    size_t l = ROBUST_HEAD_SIZE;
    if (copy_to_user(head, &h, sizeof(h)) || copy_to_user(len, &l, sizeof(l))) return -EFAULT;
    return 0;
}
