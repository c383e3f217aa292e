/* mt_sig_faults: SIGSEGV si_addr/si_code, SIGFPE FPE_INTDIV, SIGILL at ud2; siglongjmp out. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "mt_util.h"

static sigjmp_buf env;
static volatile int got_sig, got_code;
static void *volatile got_addr;
static volatile uintptr_t got_rip;

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    got_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    CHECK_EQ(si->si_signo, sig);
    siglongjmp(env, 1);
}

extern char mt_ud2_site[];
__attribute__((noinline)) static void do_ud2(void)
{
    __asm__ volatile(".globl mt_ud2_site\nmt_ud2_site: ud2" ::: "memory");
}

static volatile int zero = 0;

static void touch_read(volatile char *p)
{
    got_sig = 0;
    if (sigsetjmp(env, 1) == 0) {
        (void)*p;
        fprintf(stderr, "no fault reading %p\n", (void *)p);
        exit(1);
    }
}

static void touch_write(volatile char *p)
{
    got_sig = 0;
    if (sigsetjmp(env, 1) == 0) {
        *p = 1;
        fprintf(stderr, "no fault writing %p\n", (void *)p);
        exit(1);
    }
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    CHECK_EQ(sigaction(SIGSEGV, &sa, NULL), 0);
    CHECK_EQ(sigaction(SIGFPE, &sa, NULL), 0);
    CHECK_EQ(sigaction(SIGILL, &sa, NULL), 0);
    long pg = sysconf(_SC_PAGESIZE);

    /* PROT_NONE page: SEGV_ACCERR, exact address */
    char *m = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    CHECK_EQ(mprotect(m + pg, pg, PROT_NONE), 0);
    touch_read(m + pg + 123);
    CHECK_EQ(got_sig, SIGSEGV);
    CHECK_EQ(got_code, SEGV_ACCERR);
    CHECK(got_addr == m + pg + 123);

    /* read-only page written: SEGV_ACCERR */
    CHECK_EQ(mprotect(m + 2 * pg, pg, PROT_READ), 0);
    touch_write(m + 2 * pg + 7);
    CHECK_EQ(got_sig, SIGSEGV);
    CHECK_EQ(got_code, SEGV_ACCERR);
    CHECK(got_addr == m + 2 * pg + 7);
    CHECK_EQ(m[2 * pg + 7], 0); /* the write did not happen */

    /* unmapped page: SEGV_MAPERR */
    CHECK_EQ(munmap(m + pg, pg), 0);
    touch_write(m + pg + 4000);
    CHECK_EQ(got_sig, SIGSEGV);
    CHECK_EQ(got_code, SEGV_MAPERR);
    CHECK(got_addr == m + pg + 4000);

    /* near-NULL */
    touch_read((volatile char *)16);
    CHECK_EQ(got_sig, SIGSEGV);
    CHECK_EQ(got_code, SEGV_MAPERR);
    CHECK(got_addr == (void *)16);

    /* the page before the fault is still usable */
    m[0] = 5;
    CHECK_EQ(m[0], 5);

    /* integer division by zero */
    got_sig = 0;
    if (sigsetjmp(env, 1) == 0) {
        volatile int x = 10 / zero;
        (void)x;
        fprintf(stderr, "no SIGFPE\n");
        return 1;
    }
    CHECK_EQ(got_sig, SIGFPE);
    CHECK_EQ(got_code, FPE_INTDIV);
    CHECK((uintptr_t)got_addr == got_rip); /* si_addr is the faulting instruction */

    /* INT_MIN / -1 overflows: also SIGFPE (FPE_INTDIV on x86) */
    got_sig = 0;
    static volatile int minus1 = -1, imin = (-2147483647 - 1);
    if (sigsetjmp(env, 1) == 0) {
        volatile int x = imin / minus1;
        (void)x;
        fprintf(stderr, "no SIGFPE for INT_MIN/-1\n");
        return 1;
    }
    CHECK_EQ(got_sig, SIGFPE);

    /* ud2 */
    got_sig = 0;
    if (sigsetjmp(env, 1) == 0) {
        do_ud2();
        fprintf(stderr, "no SIGILL\n");
        return 1;
    }
    CHECK_EQ(got_sig, SIGILL);
    CHECK_EQ(got_code, ILL_ILLOPN);
    CHECK(got_addr == (void *)mt_ud2_site);
    CHECK_EQ(got_rip, (uintptr_t)mt_ud2_site);

    /* after all that, the faulting signals are not left blocked */
    sigset_t cur;
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
    CHECK_EQ(sigismember(&cur, SIGSEGV), 0);
    CHECK_EQ(sigismember(&cur, SIGFPE), 0);
    CHECK_EQ(sigismember(&cur, SIGILL), 0);
    munmap(m, 3 * pg);
    return 0;
}
