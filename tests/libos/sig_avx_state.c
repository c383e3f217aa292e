/*
 * sig_avx_state: a signal handler that uses the AVX registers must not
 * change them for the code it interrupted: the frame saves the whole
 * extended state (the extended_size of the frame's _fpx_sw_bytes, with
 * FP_XSTATE_MAGIC2 right after it) and sigreturn restores it. Also checks
 * the frame's software bytes as a handler sees them.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U

static volatile int handled, frame_ok;

__attribute__((target("avx"))) static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    const uint32_t *sw = (const uint32_t *)((const char *)uc->uc_mcontext.fpregs + 464);
    uint32_t magic2;
    if (sw[0] == FP_XSTATE_MAGIC1 && sw[1] == sw[4] + 4 && sw[4] >= 576) {
        memcpy(&magic2, (const char *)uc->uc_mcontext.fpregs + sw[4], 4);
        uint64_t features;
        memcpy(&features, &sw[2], 8);
        frame_ok = magic2 == FP_XSTATE_MAGIC2 && (features & 7) == 7;
    }
    /* clobber every ymm register, upper halves included */
    __asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\t"
                     "vmovdqa %%ymm0, %%ymm1\n\tvmovdqa %%ymm0, %%ymm2\n\t"
                     "vmovdqa %%ymm0, %%ymm3\n\tvmovdqa %%ymm0, %%ymm8\n\t"
                     "vmovdqa %%ymm0, %%ymm15" ::
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm8", "xmm15");
    handled = sig;
}

__attribute__((target("avx"))) static int run(void)
{
    static const uint8_t pattern[32] __attribute__((aligned(32))) = {
        1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
        17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    uint8_t out0[32] __attribute__((aligned(32))), out15[32] __attribute__((aligned(32)));
    long nr = SYS_tgkill, pid = getpid(), tid = syscall(SYS_gettid), sig = SIGUSR1;
    /* ymm0 and ymm15 hold the pattern across the system call that
     * delivers the signal (the handler runs on its way out) */
    __asm__ volatile("vmovdqa %[p], %%ymm0\n\t"
                     "vmovdqa %[p], %%ymm15\n\t"
                     "syscall\n\t"
                     "vmovdqa %%ymm0, %[o0]\n\t"
                     "vmovdqa %%ymm15, %[o15]"
                     : "+a"(nr), [o0] "=m"(out0), [o15] "=m"(out15)
                     : [p] "m"(pattern), "D"(pid), "S"(tid), "d"(sig)
                     : "rcx", "r11", "memory", "xmm0", "xmm15");
    if (nr != 0) {
        fprintf(stderr, "tgkill: %ld\n", nr);
        return 1;
    }
    if (handled != SIGUSR1) {
        fprintf(stderr, "the handler did not run\n");
        return 1;
    }
    if (!frame_ok) {
        fprintf(stderr, "the frame's extended state is not described as the kernel does\n");
        return 1;
    }
    if (memcmp(out0, pattern, 32) || memcmp(out15, pattern, 32)) {
        fprintf(stderr, "ymm registers changed by the handler\n");
        return 1;
    }
    return 0;
}

int main(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx")) {
        puts("this CPU has no AVX: nothing to check");
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGUSR1, &sa, NULL)) return 1;
    for (int i = 0; i < 100; i++) {
        handled = frame_ok = 0;
        if (run()) return 1;
    }
    puts("avx state ok");
    return 0;
}
