/*
 * robust_list: what the kernel does with a thread's robust futex list
 * (set_robust_list(2)) when the thread ends, driven with raw system calls:
 * words owned by the thread get FUTEX_OWNER_DIED (keeping FUTEX_WAITERS)
 * and one waiter is woken; words of another owner are left alone; the
 * list_op_pending entry is handled last; a cyclic list is walked a bounded
 * number of times; a list through a bad address ends the walk there (the
 * pending entry included), neither hanging nor crashing the thread's end.
 * All of it happens before the thread's clear_child_tid word is cleared.
 * get_robust_list tells the head, the thread's own or another's by tid.
 */
#define _GNU_SOURCE
#include "check.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

struct lock {
    struct robust_list link; /* what the list links */
    uint32_t word;           /* the futex word, futex_offset after link */
};

enum { L_MINE, L_OTHER, L_WAITED, L_PENDING, L_COUNT };
static struct lock locks[L_COUNT];
static struct robust_list_head head;
static volatile int tid_of_thread;
static volatile int scenario;
static uint32_t alive; /* the thread's clear_child_tid word */
static uint32_t go;    /* the main thread looked at our list */

static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

/* The thread: register the list built for the scenario and end at once
 * with the raw exit system call (no libc cleanup in between). */
static void *thread_main(void *arg)
{
    (void)arg;
    int tid = (int)syscall(SYS_gettid);
    head.futex_offset = offsetof(struct lock, word);
    if (scenario == 0) {
        /* head -> MINE -> OTHER -> WAITED -> head, PENDING as list_op_pending */
        locks[L_MINE].word = (uint32_t)tid;
        locks[L_OTHER].word = (uint32_t)tid + 1;
        locks[L_WAITED].word = (uint32_t)tid | FUTEX_WAITERS;
        locks[L_PENDING].word = (uint32_t)tid;
        head.list.next = &locks[L_MINE].link;
        locks[L_MINE].link.next = &locks[L_OTHER].link;
        locks[L_OTHER].link.next = &locks[L_WAITED].link;
        locks[L_WAITED].link.next = &head.list;
        head.list_op_pending = &locks[L_PENDING].link;
    } else if (scenario == 1) {
        /* a cycle that never comes back to the head */
        locks[L_MINE].word = (uint32_t)tid;
        head.list.next = &locks[L_MINE].link;
        locks[L_MINE].link.next = &locks[L_MINE].link;
        head.list_op_pending = NULL;
    } else {
        /* a bad pointer after the first entry: the walk stops there */
        locks[L_MINE].word = (uint32_t)tid;
        locks[L_PENDING].word = (uint32_t)tid | FUTEX_WAITERS;
        head.list.next = &locks[L_MINE].link;
        locks[L_MINE].link.next = (struct robust_list *)16;
        head.list_op_pending = &locks[L_PENDING].link;
    }
    CHECK_EQ(syscall(SYS_set_robust_list, &head, sizeof(head)), 0);
    CHECK_EQ(syscall(SYS_set_robust_list, &head, sizeof(head) + 1), -1);
    CHECK_EQ(errno, EINVAL);
    struct robust_list_head *h = NULL;
    size_t len = 0;
    CHECK_EQ(syscall(SYS_get_robust_list, 0, &h, &len), 0);
    CHECK(h == &head);
    CHECK_EQ(len, sizeof(head));
    alive = (uint32_t)tid;
    CHECK_EQ(syscall(SYS_set_tid_address, &alive), tid);
    __atomic_store_n(&tid_of_thread, tid, __ATOMIC_RELEASE);
    syscall(SYS_futex, &tid_of_thread, FUTEX_WAKE, 1, NULL, NULL, 0);
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        syscall(SYS_futex, &go, FUTEX_WAIT, 0, NULL, NULL, 0);
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL); /* let the main thread start waiting */
    syscall(SYS_exit, 0);
    return NULL;
}

static int start(int which)
{
    scenario = which;
    __atomic_store_n(&go, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&tid_of_thread, 0, __ATOMIC_RELEASE);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, thread_main, NULL), 0);
    while (__atomic_load_n(&tid_of_thread, __ATOMIC_ACQUIRE) == 0)
        futex((uint32_t *)&tid_of_thread, FUTEX_WAIT, 0, NULL);
    int tid = tid_of_thread;
    /* another thread's list, by its tid */
    struct robust_list_head *h = NULL;
    size_t len = 0;
    CHECK_EQ(syscall(SYS_get_robust_list, tid, &h, &len), 0);
    CHECK(h == &head);
    CHECK_EQ(len, sizeof(head));
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    futex(&go, FUTEX_WAKE, 1, NULL);
    return tid;
}

/* Wait (shared futex, as the kernel's wakes are) while *w == val: a lost
 * wake-up hangs here. */
static void wait_change(uint32_t *w, uint32_t val)
{
    while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == val) {
        long r = futex(w, FUTEX_WAIT, val, NULL);
        CHECK(r == 0 || errno == EAGAIN || errno == EINTR);
    }
}

int main(void)
{
    /* the main thread has one too (libc registered it) */
    struct robust_list_head *h = NULL;
    size_t len = 0;
    CHECK_EQ(syscall(SYS_get_robust_list, 0, &h, &len), 0);
    CHECK_EQ(len, sizeof(head));
    CHECK_EQ(syscall(SYS_get_robust_list, 999999, &h, &len), -1);
    CHECK_EQ(errno, ESRCH);

    int tid = start(0);
    wait_change(&locks[L_WAITED].word, (uint32_t)tid | FUTEX_WAITERS); /* woken: it had waiters */
    wait_change(&alive, (uint32_t)tid);
    CHECK_EQ(locks[L_MINE].word, FUTEX_OWNER_DIED);
    CHECK_EQ(locks[L_OTHER].word, (uint32_t)tid + 1);
    CHECK_EQ(locks[L_WAITED].word, FUTEX_OWNER_DIED | FUTEX_WAITERS);
    CHECK_EQ(locks[L_PENDING].word, FUTEX_OWNER_DIED);

    tid = start(1);
    wait_change(&alive, (uint32_t)tid);
    CHECK_EQ(locks[L_MINE].word, FUTEX_OWNER_DIED);

    tid = start(2);
    wait_change(&alive, (uint32_t)tid);
    CHECK_EQ(locks[L_MINE].word, FUTEX_OWNER_DIED);
    CHECK_EQ(locks[L_PENDING].word, (uint32_t)tid | FUTEX_WAITERS);
    return 0;
}
