/* mt_sig_altstack: main-thread stack overflow: SIGSEGV on the sigaltstack, siglongjmp out. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include "mt_util.h"

static sigjmp_buf env;
static char *alt;
static size_t altsz;
static volatile int on_alt, onstack_flag;
static volatile long stop_depth = -1;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    char here;
    on_alt = (&here >= alt && &here < alt + altsz);
    stack_t ss;
    sigaltstack(NULL, &ss);
    onstack_flag = (ss.ss_flags & SS_ONSTACK) != 0;
    (void)si;
    siglongjmp(env, sig);
}

static long recurse(long depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (depth == stop_depth) return pad[0];
    return recurse(depth + 1) + pad[0]; /* not a tail call */
}

int main(void)
{
    altsz = 64 * 1024;
    alt = malloc(altsz);
    CHECK(alt != NULL);
    stack_t ss = {.ss_sp = alt, .ss_size = altsz, .ss_flags = 0};
    CHECK_EQ(sigaltstack(&ss, NULL), 0);
    stack_t cur;
    CHECK_EQ(sigaltstack(NULL, &cur), 0);
    CHECK(cur.ss_sp == alt && cur.ss_size == altsz && cur.ss_flags == 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    CHECK_EQ(sigaction(SIGSEGV, &sa, NULL), 0);

    for (int round = 0; round < 2; round++) {
        on_alt = onstack_flag = 0;
        int s = sigsetjmp(env, 1);
        if (s == 0) {
            recurse(0);
            fprintf(stderr, "recursion returned\n");
            return 1;
        }
        CHECK_EQ(s, SIGSEGV);
        CHECK_EQ(on_alt, 1);
        CHECK_EQ(onstack_flag, 1);
        /* back on the normal stack, the mask restored */
        CHECK_EQ(sigaltstack(NULL, &cur), 0);
        CHECK_EQ(cur.ss_flags & SS_ONSTACK, 0);
        sigset_t m;
        CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &m), 0);
        CHECK_EQ(sigismember(&m, SIGSEGV), 0);
    }
    /* errors */
    stack_t small = {.ss_sp = alt, .ss_size = 1024, .ss_flags = 0};
    CHECK_ERRNO(sigaltstack(&small, NULL), ENOMEM);
    stack_t badf = {.ss_sp = alt, .ss_size = altsz, .ss_flags = 0x1234};
    CHECK_ERRNO(sigaltstack(&badf, NULL), EINVAL);
    stack_t dis = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    CHECK_EQ(sigaltstack(&dis, NULL), 0);
    CHECK_EQ(sigaltstack(NULL, &cur), 0);
    CHECK(cur.ss_flags & SS_DISABLE);
    return 0;
}
