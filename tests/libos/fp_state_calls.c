/* fp_state_calls: a system call keeps the whole floating-point and vector
 * state: the x87 control word and register stack, MXCSR, xmm0-15 and (with
 * AVX) the ymm upper halves, whether the call is answered quickly (getpid),
 * on the general path (umask) or delivers a signal (tgkill to itself); the
 * signal handler sees the interrupted state in its ucontext, and what it
 * changes there is what the program has after sigreturn. Each site runs
 * many times, so most calls take the LibOS's fast path. */
#define _GNU_SOURCE
#include "check.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <ucontext.h>

#define CW 0x027f    /* x87: 53-bit precision, all exceptions masked */
#define MXCSR 0x7fa0 /* round toward zero, all exceptions masked, PE set */

static uint8_t in[16][32] __attribute__((aligned(32)));
static uint8_t out[16][32] __attribute__((aligned(32)));
static uint16_t cw_out;
static uint32_t mxcsr_out;
static double st_out[2];
static const uint16_t cw_in = CW, cw_default = 0x037f;
static const uint32_t mxcsr_in = MXCSR, mxcsr_default = 0x1f80;

#define LOAD_X(n) "movdqu " #n "*32(%%r8), %%xmm" #n "\n"
#define STORE_X(n) "movdqu %%xmm" #n ", " #n "*32(%%r9)\n"
#define LOAD_Y(n) "vmovdqu " #n "*32(%%r8), %%ymm" #n "\n"
#define STORE_Y(n) "vmovdqu %%ymm" #n ", " #n "*32(%%r9)\n"
#define ALL16(M)                                                                                   \
    M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define CLOBBERS                                                                                   \
    "rax", "rcx", "r11", "rdi", "rsi", "rdx", "r8", "r9", "r10", "memory", "xmm0", "xmm1", "xmm2", \
        "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",         \
        "xmm13", "xmm14", "xmm15", "st", "st(1)"

/* One call with the state loaded; the state after it is in the outs. */
#define CALL_WITH_STATE(LOAD, STORE, nr, a1, a2, a3, a4)                                           \
    __asm__ volatile(                                                                              \
        "fldcw %[cw]\n ldmxcsr %[mx]\n fld1\n fldpi\n"                                             \
        "mov %[pin], %%r8\n" ALL16(                                                                \
            LOAD) "mov %[n], %%rax\n mov %[x1], %%rdi\n"                                           \
                  "mov %[x2], %%rsi\n mov %[x3], %%rdx\n"                                          \
                  "mov %[x4], %%r10\n"                                                             \
                  "syscall\n"                                                                      \
                  "mov %[pout], %%r9\n" ALL16(                                                     \
                      STORE) "fnstcw %[cwo]\n stmxcsr %[mxo]\n fstpl %[s0]\n fstpl %[s1]\n"        \
                             "fldcw %[cwd]\n ldmxcsr %[mxd]\n"                                     \
        : [cwo] "=m"(cw_out), [mxo] "=m"(mxcsr_out), [s0] "=m"(st_out[0]), [s1] "=m"(st_out[1])    \
        : [cw] "m"(cw_in), [mx] "m"(mxcsr_in), [cwd] "m"(cw_default), [mxd] "m"(mxcsr_default),    \
          [pin] "r"(in), [pout] "r"(out), [n] "m"(nr), [x1] "m"(a1), [x2] "m"(a2), [x3] "m"(a3),   \
          [x4] "m"(a4)                                                                             \
        : CLOBBERS)

static void call_sse(long nr, long a1, long a2, long a3, long a4)
{
    CALL_WITH_STATE(LOAD_X, STORE_X, nr, a1, a2, a3, a4);
}

static void call_avx(long nr, long a1, long a2, long a3, long a4)
{
    CALL_WITH_STATE(LOAD_Y, STORE_Y, nr, a1, a2, a3, a4);
}

static volatile int handled;
static int handler_bad;

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ucv;
    const __typeof__(*uc->uc_mcontext.fpregs) *fp =
        uc->uc_mcontext.fpregs; /* musl and glibc name it apart */
    if (!fp || fp->cwd != CW || (fp->mxcsr & 0xffbf) != (MXCSR & 0xffbf)) handler_bad = 1;
    for (int i = 0; fp && i < 16; i++)
        if (memcmp(&fp->_xmm[i], in[i], 16)) handler_bad = 2;
    /* what the handler changes is what the program gets back */
    if (fp) uc->uc_mcontext.fpregs->_xmm[5].element[0] ^= 0xffffffffu;
    handled++;
}

static void check_state(int avx, bool xmm5_flipped)
{
    CHECK_EQ(cw_out, CW);
    CHECK_EQ(mxcsr_out & 0xffbf, MXCSR & 0xffbf);
    CHECK(st_out[0] > 3.14159 && st_out[0] < 3.1416); /* fldpi, rounded to double */
    CHECK(st_out[1] == 1.0);
    for (int i = 0; i < 16; i++) {
        uint8_t want[32];
        memcpy(want, in[i], 32);
        if (i == 5 && xmm5_flipped)
            for (int b = 0; b < 4; b++)
                want[b] ^= 0xff;
        if (memcmp(out[i], want, avx ? 32 : 16)) {
            fprintf(stderr, "register %d changed (avx %d)\n", i, avx);
            exit(1);
        }
    }
}

/* The calls of a round: a quick one, a general one, two whose work uses
 * libc's string routines (a path walk, text formatting), and a signal. */
static void round_of(void (*call)(long, long, long, long, long), int avx, int status_fd)
{
    static char buf[4096];
    static struct stat st;
    static const char path[] = "/proc/self/../self/./status";
    long pid = getpid(), tid = syscall(SYS_gettid);
    int want_handled = handled + 1;
    call(SYS_getpid, 0, 0, 0, 0);
    check_state(avx, false);
    call(SYS_umask, 022, 0, 0, 0);
    check_state(avx, false);
    call(SYS_newfstatat, AT_FDCWD, (long)path, (long)&st, 0);
    check_state(avx, false);
    call(SYS_pread64, status_fd, (long)buf, sizeof(buf), 0);
    check_state(avx, false);
    call(SYS_tgkill, pid, tid, SIGUSR1, 0);
    CHECK_EQ(handled, want_handled);
    CHECK_EQ(handler_bad, 0);
    check_state(avx, true);
}

int main(void)
{
    for (int i = 0; i < 16; i++)
        for (int b = 0; b < 32; b++)
            in[i][b] = (uint8_t)(i * 37 + b * 11 + 1);
    struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    int avx = __builtin_cpu_supports("avx");
    int status_fd = open("/proc/self/status", O_RDONLY);
    CHECK(status_fd >= 0);
    for (int round = 0; round < 100; round++) {
        if (avx)
            __asm__ volatile("vzeroupper"); /* the upper halves clean, as after libc's AVX code */
        round_of(call_sse, 0, status_fd);
        if (avx) round_of(call_avx, 1, status_fd);
    }
    puts("fp_state_calls: ok");
    return 0;
}
