/*
 * sigaltstack_min: the smallest alternate signal stacks Linux takes.
 * Go's runtime gives each thread a 32 KiB sigaltstack, which glibc's
 * MINSIGSTKSZ (sysconf's, ~47 KiB on AMX hosts) would refuse: the kernel
 * compares with its own 2048-byte constant. A stack of AT_MINSIGSTKSZ
 * bytes, with a guard page right below it, must hold a whole signal
 * frame: the auxiliary vector says what the kernel (or LibOS) writes.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

static volatile uintptr_t handler_sp;
static volatile int handled;

static void on_usr1(int sig)
{
    int here;
    handler_sp = (uintptr_t)&here;
    handled = sig;
}

/* A stack of `size` usable bytes ending at a page boundary, with an
 * inaccessible page right below it. */
static char *guarded_stack(size_t size)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE), span = (size + pg - 1) / pg * pg;
    char *m = mmap(NULL, span + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    CHECK(mprotect(m, pg, PROT_NONE) == 0);
    return m + pg + span - size;
}

static void run_on(char *base, size_t size)
{
    stack_t ss = {.ss_sp = base, .ss_size = size, .ss_flags = 0};
    CHECK(sigaltstack(&ss, NULL) == 0);
    handled = 0;
    CHECK(raise(SIGUSR1) == 0);
    CHECK(handled == SIGUSR1);
    CHECK(handler_sp > (uintptr_t)base && handler_sp < (uintptr_t)base + size);
    ss.ss_flags = SS_DISABLE;
    CHECK(sigaltstack(&ss, NULL) == 0);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);

    /* the kernel's limit, not the libc's */
    static char small[4096];
    stack_t ss = {.ss_sp = small, .ss_size = 2047, .ss_flags = 0};
    errno = 0;
    CHECK(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM);
    ss.ss_size = 2048;
    CHECK(sigaltstack(&ss, NULL) == 0);
    stack_t old;
    CHECK(sigaltstack(NULL, &old) == 0);
    CHECK(old.ss_sp == small && old.ss_size == 2048 && old.ss_flags == 0);

    /* Go's: 32 KiB */
    run_on(guarded_stack(32 * 1024), 32 * 1024);

    /* AT_MINSIGSTKSZ bytes for the frame, and a little for the handler */
    unsigned long min = getauxval(AT_MINSIGSTKSZ);
    CHECK(min >= 1024 && min <= 64 * 1024);
    size_t tight = min + 1024;
    run_on(guarded_stack(tight), tight);

    puts("sigaltstack ok");
    return 0;
}
