/* mt_sig_trap: int3 raises SIGTRAP (SI_KERNEL, RIP after int3); handler returns; default. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <ucontext.h>
#include "mt_util.h"

static volatile int hits, code;
static volatile uintptr_t rip;

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)sig;
    hits++;
    code = si->si_code;
    rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
}

extern char mt_after_int3[];
__attribute__((noinline)) static int do_int3(int x)
{
    __asm__ volatile("int3\n.globl mt_after_int3\nmt_after_int3: nop" ::: "memory");
    return x + 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "default") == 0) {
        struct rlimit rl = {0, 0};
        CHECK_EQ(setrlimit(RLIMIT_CORE, &rl), 0);
        do_int3(0); /* no handler: killed by SIGTRAP */
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    CHECK_EQ(sigaction(SIGTRAP, &sa, NULL), 0);
    int r = 0;
    for (int i = 0; i < 3; i++)
        r = do_int3(r);
    CHECK_EQ(r, 3);
    CHECK_EQ(hits, 3);
    CHECK_EQ(code, SI_KERNEL);
    CHECK_EQ(rip, (uintptr_t)mt_after_int3);
    /* raise(SIGTRAP) is a user signal: SI_TKILL */
    CHECK_EQ(raise(SIGTRAP), 0);
    CHECK_EQ(hits, 4);
    CHECK_EQ(code, SI_TKILL);
    /* the default action kills */
    pid_t pid = mt_spawn_self(NULL, NULL, "default", (char *)NULL);
    int st = mt_wait_status(pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGTRAP);
    return 0;
}
