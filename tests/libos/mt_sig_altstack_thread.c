/* mt_sig_altstack_thread: small-stack thread overflow: SIGSEGV on its own sigaltstack, recovers. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include "mt_util.h"

static __thread sigjmp_buf env;
static __thread char *alt;
static __thread size_t altsz;
static __thread volatile int on_alt;
static volatile long stop_depth = -1;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    (void)si;
    char here;
    on_alt = (&here >= alt && &here < alt + altsz);
    siglongjmp(env, sig);
}

static long recurse(long depth)
{
    volatile char pad[256];
    pad[0] = (char)depth;
    if (depth == stop_depth) return pad[0];
    return recurse(depth + 1) + pad[0];
}

static void *worker(void *arg)
{
    altsz = 32 * 1024;
    alt = malloc(altsz);
    if (!alt) return (void *)1;
    stack_t ss = {.ss_sp = alt, .ss_size = altsz, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) return (void *)2;
    int s = sigsetjmp(env, 1);
    if (s == 0) {
        recurse(0);
        return (void *)3;
    }
    if (s != SIGSEGV) return (void *)4;
    if (!on_alt) return (void *)5;
    (void)arg;
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    CHECK_EQ(sigaction(SIGSEGV, &sa, NULL), 0);
    pthread_attr_t at;
    CHECK_EQ(pthread_attr_init(&at), 0);
    CHECK_EQ(pthread_attr_setstacksize(&at, 256 * 1024), 0);
    for (int i = 0; i < 3; i++) {
        pthread_t t;
        CHECK_EQ(pthread_create(&t, &at, worker, NULL), 0);
        void *r;
        CHECK_EQ(pthread_join(t, &r), 0);
        CHECK_EQ((long)r, 0);
    }
    /* two at once */
    pthread_t t1, t2;
    CHECK_EQ(pthread_create(&t1, &at, worker, NULL), 0);
    CHECK_EQ(pthread_create(&t2, &at, worker, NULL), 0);
    void *r1, *r2;
    CHECK_EQ(pthread_join(t1, &r1), 0);
    CHECK_EQ(pthread_join(t2, &r2), 0);
    CHECK_EQ((long)r1, 0);
    CHECK_EQ((long)r2, 0);
    pthread_attr_destroy(&at);
    return 0;
}
