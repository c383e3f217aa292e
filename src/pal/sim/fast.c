/*
 * fast: the C side of the sim PAL's system call fast path: the extended
 * state's size, and the XSAVE bookkeeping that makes the fast path's
 * ucontext look like the kernel's (so signal frames copy it the same way).
 */
#include "pal/pal.h"

#include "fast_layout.h"

#include <cpuid.h>
#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <ucontext.h>

_Static_assert(offsetof(ucontext_t, uc_mcontext.gregs) == FAST_GREGS - FAST_UC, "gregs");
_Static_assert(offsetof(ucontext_t, uc_mcontext.fpregs) == FAST_FPREGS_PTR - FAST_UC, "fpregs");
_Static_assert(sizeof(ucontext_t) == FAST_UC_SIZE, "ucontext size");
_Static_assert(FAST_UC + FAST_UC_SIZE <= FAST_XSAVE, "xsave overlap");
_Static_assert(FAST_XSAVE % 64 == 0 && FAST_FRAME_SIZE % 64 == 0, "alignment");
_Static_assert(offsetof(struct pal_tcb, stack_top) == 16, "tcb stack_top offset");
_Static_assert(offsetof(struct pal_tcb, resume_rip) == 24, "tcb resume_rip offset");

#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U

uint32_t pal_xsave_size(void)
{
    static uint32_t size;
    if (!size) {
        unsigned a, b, c, d;
        __cpuid_count(0xd, 0, a, b, c, d);
        size = b;
    }
    return size;
}

uint64_t pal_xsave_features(void)
{
    static uint64_t xcr0;
    if (!xcr0) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = ((uint64_t)hi << 32) | lo;
    }
    return xcr0;
}

/* The software-reserved bytes 464..511 of the legacy area, as the kernel
 * writes them in signal frames (struct _fpx_sw_bytes), and MAGIC2 after
 * the XSAVE area. */
static void fill_sw_bytes(char *xs)
{
    uint32_t size = pal_xsave_size();
    uint32_t *sw = (uint32_t *)(xs + 464);
    sw[0] = FP_XSTATE_MAGIC1;
    sw[1] = size + 4; /* extended_size */
    uint64_t feat = pal_xsave_features();
    memcpy(&sw[2], &feat, 8);
    sw[4] = size; /* xstate_size */
    uint32_t magic2 = FP_XSTATE_MAGIC2;
    memcpy(xs + size, &magic2, 4);
}

/* What xrstor would fault on (an application's sigreturn can copy any
 * bytes here): reset to the initial state instead. */
static void sanitize_xsave(char *xs)
{
    uint64_t hdr[8];
    memcpy(hdr, xs + 512, sizeof(hdr));
    uint32_t mxcsr, mask;
    memcpy(&mxcsr, xs + 24, 4);
    memcpy(&mask, xs + 28, 4);
    if (!mask) mask = 0xffbf;
    bool bad = (hdr[0] & ~pal_xsave_features()) || hdr[1];
    for (int i = 2; i < 8; i++)
        bad |= hdr[i] != 0;
    bad |= (mxcsr & ~mask) != 0;
    if (bad) {
        memset(xs, 0, 512 + 64);
        uint16_t fcw = 0x37f;
        memcpy(xs, &fcw, 2);
        mxcsr = 0x1f80;
        memcpy(xs + 24, &mxcsr, 4);
        hdr[0] = 3; /* x87 and SSE from this area, the rest initial */
        memcpy(xs + 512, hdr, 8);
    }
}

int pal_fast_syscall_c(ucontext_t *uc, struct pal_trap_frame *frame);

/* Returns 0 to resume through the application's stack (ret $128), 1 when
 * that stack is gone (musl's thread exit unmaps its own stack before its
 * last system call) and the exit must jump through tcb->resume_rip. */
int pal_fast_syscall_c(ucontext_t *uc, struct pal_trap_frame *frame)
{
    memset(uc, 0, offsetof(ucontext_t, uc_mcontext));
    for (int i = REG_ERR; i <= REG_CR2; i++)
        uc->uc_mcontext.gregs[i] = 0;
    char *xs = (char *)uc->uc_mcontext.fpregs;
    fill_sw_bytes(xs);
    libos_fast_syscall(uc, frame);
    /* the resumed context must point at an area xrstor accepts */
    uc->uc_mcontext.fpregs = (struct _libc_fpstate *)xs;
    sanitize_xsave(xs);
    greg_t *g = uc->uc_mcontext.gregs;
    const greg_t user_flags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000;
    g[REG_EFL] = (g[REG_EFL] & user_flags) | 0x202;
    return libos_user_writable((uint64_t)g[REG_RSP] - 152, 24) ? 0 : 1;
}
