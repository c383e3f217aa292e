/* unit-sources: src/libos/util/kheap.c src/libos/util/lock.c src/pal/sim/host.c
 * src/pal/sim/handles.c */
/*
 * test_kheap: the LibOS kernel heap (util/kheap.c) over the PAL's shared
 * region: random alloc/free/realloc against a shadow copy, alignment,
 * exhaustion at the limit, big blocks given back to the host, and a host
 * fork in which the child's block and its contents are seen by the parent
 * and the heap's lock works across both processes.
 */
#include "pal/pal.h"
#include "util/kheap.h"
#include "util/lock.h"
#include "util/log.h"

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include <cmocka.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

/* log.c needs the rest of the LibOS: count the lines instead. */
enum log_level log_level = LOG_WARN;
static int log_lines;
void log_printf(enum log_level lvl, const char *fmt, ...)
{
    log_lines++;
}

#define REGION (1ULL << 30)
static void *region;

static int setup(void **state)
{
    region = pal_kheap_create(REGION);
    if (!region || kheap_init(region, REGION) < 0) return -1;
    log_lines = 0;
    return 0;
}

static int teardown(void **state)
{
    munmap(region, REGION);
    return 0;
}

/* xorshift: a fixed seed, so a failure replays */
static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t random_size(void)
{
    switch (next() % 8) {
    case 0:
        return next() % 17;
    case 1:
        return 2040 + next() % 20; /* around the small/large border */
    case 2:
        return 4096 * (1 + next() % 80) + next() % 3;
    default:
        return 1 + next() % 700;
    }
}

#define SLOTS 300
static void test_random_against_shadow(void **state)
{
    char *blk[SLOTS] = {0}, *shadow[SLOTS] = {0};
    size_t len[SLOTS] = {0};
    size_t base_used = kheap_used();
    for (int step = 0; step < 20000; step++) {
        int i = (int)(next() % SLOTS);
        if (blk[i]) assert_memory_equal(blk[i], shadow[i], len[i]);
        int op = (int)(next() % 3);
        if (op == 0 && blk[i]) {
            kfree(blk[i]);
            free(shadow[i]);
            blk[i] = shadow[i] = NULL;
        } else if (op == 1 && blk[i]) {
            size_t n = random_size() + 1;
            blk[i] = krealloc(blk[i], n);
            shadow[i] = realloc(shadow[i], n);
            assert_non_null(blk[i]);
            if (n > len[i]) memset(shadow[i] + len[i], (int)(next() & 0xff), n - len[i]);
            if (n > len[i]) memcpy(blk[i] + len[i], shadow[i] + len[i], n - len[i]);
            len[i] = n;
        } else if (!blk[i]) {
            size_t n = random_size();
            bool zero = next() & 1;
            blk[i] = zero ? kcalloc(1, n) : kmalloc(n);
            assert_non_null(blk[i]);
            assert_int_equal((uintptr_t)blk[i] % 16, 0);
            assert_true(kheap_contains(blk[i]) && kheap_contains(blk[i] + (n ? n - 1 : 0)));
            shadow[i] = malloc(n ? n : 1);
            if (zero)
                for (size_t k = 0; k < n; k++)
                    assert_int_equal(blk[i][k], 0);
            memset(shadow[i], (int)(next() & 0xff), n);
            memcpy(blk[i], shadow[i], n);
            len[i] = n;
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        if (blk[i]) assert_memory_equal(blk[i], shadow[i], len[i]);
        kfree(blk[i]);
        free(shadow[i]);
    }
    /* everything went back */
    assert_int_equal(kheap_used(), base_used);
    assert_int_equal(base_used, 0);
}

static void test_alignment(void **state)
{
    size_t aligns[] = {16, 32, 64, 256, 1024, 4096, 8192, 65536, 1 << 21};
    for (size_t a = 0; a < sizeof(aligns) / sizeof(aligns[0]); a++) {
        for (size_t size = 1; size < 20000; size = size * 3 + 1) {
            char *p = kmalloc_aligned(aligns[a], size);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % aligns[a], 0);
            memset(p, 0x5a, size);
            kfree(p);
        }
    }
    void *q;
    assert_int_equal(kposix_memalign(&q, 3, 10), EINVAL);
    assert_int_equal(kposix_memalign(&q, 128, 10), 0);
    assert_int_equal((uintptr_t)q % 128, 0);
    kfree(q);
    char *s = kstrdup("kernel heap"), *t = kstrndup("kernel heap", 6);
    assert_string_equal(s, "kernel heap");
    assert_string_equal(t, "kernel");
    kfree(s);
    kfree(t);
}

static void test_exhaustion(void **state)
{
    kheap_set_limit(8 << 20);
    void *big = kmalloc(16 << 20);
    assert_null(big);
    assert_int_equal(log_lines, 1);
    /* small blocks run out at the limit too, and all come back */
    void **v = NULL;
    size_t n = 0;
    for (;; n++) {
        v = realloc(v, (n + 1) * sizeof(*v));
        v[n] = kmalloc(1000);
        if (!v[n]) break;
    }
    assert_true(n > 1000 && n < 8 * 4096);
    assert_int_equal(log_lines, 1); /* one line, not one per failure */
    size_t huge = SIZE_MAX / 2;
    assert_null(kcalloc(huge, n)); /* n > 2: the product overflows */
    for (size_t i = 0; i < n; i++)
        kfree(v[i]);
    free(v);
    void *again = kmalloc(4 << 20);
    assert_non_null(again);
    kfree(again);
}

static size_t resident_pages(void *p, size_t len)
{
    size_t pages = len / 4096, r = 0;
    unsigned char *vec = malloc(pages);
    assert_int_equal(mincore(p, len, vec), 0);
    for (size_t i = 0; i < pages; i++)
        r += vec[i] & 1;
    free(vec);
    return r;
}

static void test_big_blocks_returned(void **state)
{
    size_t len = 64 << 20;
    char *p = kmalloc(len);
    assert_non_null(p);
    memset(p, 1, len);
    assert_int_equal(resident_pages(p, len), len / 4096);
    size_t used = kheap_used();
    kfree(p);
    assert_int_equal(resident_pages(p, len), 0);
    assert_true(kheap_used() <= used - len);
    /* a big block shrunk in place gives its tail back */
    char *r = kmalloc(len);
    assert_non_null(r);
    memset(r, 2, len);
    char *r2 = krealloc(r, 1 << 20);
    assert_ptr_equal(r2, r);
    assert_int_equal(resident_pages(r + (1 << 20), len - (1 << 20)), 0);
    assert_int_equal(r2[(1 << 20) - 1], 2);
    kfree(r2);
    /* the pages read as zeros when reused */
    char *q = kmalloc(len);
    assert_non_null(q);
    for (size_t i = 0; i < len; i += 4096)
        assert_int_equal(q[i], 0);
    kfree(q);
}

/* Both processes start together and yield while holding the lock, so each
 * often sleeps on it while the other holds it: a wake-up that did not
 * cross processes (a private futex) would leave one asleep for good. */
struct counted {
    struct mutex m;
    unsigned long n;
    uint32_t ready;
};

static void bump(struct counted *c)
{
    __atomic_add_fetch(&c->ready, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&c->ready, __ATOMIC_ACQUIRE) < 2)
        ;
    for (int i = 0; i < 20000; i++) {
        mutex_lock(&c->m);
        unsigned long n = c->n;
        if (i % 16 == 0) sched_yield();
        c->n = n + 1;
        mutex_unlock(&c->m);
    }
}

/* The child allocates and fills blocks under the heap lock while the
 * parent does the same; the parent then finds the child's block (its
 * address passed through a block both know) with the child's contents,
 * and no block of either overlaps another. */
static void test_fork_shares_heap(void **state)
{
    uintptr_t *mailbox = kcalloc(64, sizeof(uintptr_t));
    assert_non_null(mailbox);
    /* a LibOS mutex in the heap guards a plain counter both processes bump */
    struct counted *c = kcalloc(1, sizeof(*c));
    assert_non_null(c);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *keep[200];
        for (int i = 0; i < 200; i++) {
            keep[i] = kmalloc(100 + (size_t)i * 37);
            if (!keep[i]) _exit(1);
            memset(keep[i], 'c', 100 + (size_t)i * 37);
            if (i % 3 == 0) {
                kfree(keep[i]);
                keep[i] = NULL;
            }
        }
        bump(c);
        char *msg = kstrdup("allocated in the child");
        if (!msg) _exit(1);
        for (int i = 0; i < 200; i++)
            if (keep[i]) {
                for (size_t k = 0; k < 100 + (size_t)i * 37; k++)
                    if (keep[i][k] != 'c') _exit(2);
            }
        __atomic_store_n(&mailbox[0], (uintptr_t)msg, __ATOMIC_RELEASE);
        _exit(0);
    }
    char *mine[200];
    for (int i = 0; i < 200; i++) {
        mine[i] = kmalloc(100 + (size_t)i * 37);
        assert_non_null(mine[i]);
        memset(mine[i], 'p', 100 + (size_t)i * 37);
    }
    bump(c);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    char *msg = (char *)__atomic_load_n(&mailbox[0], __ATOMIC_ACQUIRE);
    assert_non_null(msg);
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's shadow is per process: the child's allocation is not in ours */
    ASAN_UNPOISON_MEMORY_REGION(msg, 32);
#endif
    assert_true(kheap_contains(msg));
    assert_string_equal(msg, "allocated in the child");
    for (int i = 0; i < 200; i++) {
        for (size_t k = 0; k < 100 + (size_t)i * 37; k++)
            assert_int_equal(mine[i][k], 'p');
        kfree(mine[i]);
    }
    assert_int_equal(c->n, 40000);
    kfree(c);
    kfree(msg);
    kfree(mailbox);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_random_against_shadow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alignment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_blocks_returned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fork_shares_heap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
