/*
 * fast: the C side of the sim PAL's system call fast path: the extended
 * state's size, and the XSAVE bookkeeping that makes the fast path's
 * ucontext look like the kernel's (so signal frames copy it the same way).
 */
#include "pal/pal.h"

#include "fast_layout.h"
#include "xstate.h"

#include <cpuid.h>
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <stdlib.h>
#include <unistd.h>

_Static_assert(offsetof(ucontext_t, uc_mcontext.gregs) == FAST_GREGS - FAST_UC, "gregs");
_Static_assert(offsetof(ucontext_t, uc_mcontext.fpregs) == FAST_FPREGS_PTR - FAST_UC, "fpregs");
_Static_assert(sizeof(ucontext_t) == FAST_UC_SIZE, "ucontext size");
_Static_assert(FAST_UC + FAST_UC_SIZE <= FAST_XSAVE, "xsave overlap");
_Static_assert(FAST_XSAVE % 64 == 0 && FAST_FRAME_SIZE(576) % 64 == 0, "alignment");
_Static_assert(FAST_XMASK >= sizeof(struct pal_trap_frame) && FAST_XMASK + 8 <= FAST_SITE, "mask");
_Static_assert(FAST_SITE + 8 <= FAST_UC, "site");
_Static_assert((uint64_t)PAL_FAST_LEAF_NONE == FAST_LEAF_NONE, "leaf sentinel");
_Static_assert(offsetof(struct pal_tcb, stack_top) == 16, "tcb stack_top offset");
_Static_assert(offsetof(struct pal_tcb, resume_rip) == 24, "tcb resume_rip offset");

#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U

static struct xstate_config xstate;
/* Read by the entry (fast_entry.S): the frame's size and the XSAVE mask,
 * which grows by AMX tile data once an application is granted it. */
uint64_t pal_fast_frame_size;
uint64_t pal_fast_xsave_mask;
/*
 * Manual vectors: XSAVEOPT and XRSTOR of the whole state cost ~190-230 ns
 * a call on an AMD Zen 3 (docs/performance.md), most of a fast-path call,
 * though LibOS code only ever changes MXCSR, xmm0-15 and the AVX upper
 * halves (the host libc's string routines, OpenSSL): never x87 or MMX,
 * PKRU, or anything a CPU with no AVX-512 and no AMX has beyond those.
 * On such a CPU (xstate.h, manual_vectors) the entry stores just those,
 * as XSAVE would (standard-format offsets, XSTATE_BV saying which), and
 * marks the frame partial; the exit loads them back. Whoever reads the
 * context's extended state (a signal frame, sigreturn, execve, vfork)
 * calls pal_uc_fpstate first, which adds what the CPU still holds with an
 * XSAVE of the other components, and the exit then XRSTORs it all.
 */
uint8_t pal_fast_manual_vectors;
uint8_t pal_fast_has_avx;
/* The CPU's MXCSR_MASK, for the legacy area of a partial frame. */
static uint32_t mxcsr_mask;

/* uc_flags of a fast-path context whose extended state is partial (not
 * one of the kernel's UC_* bits; never seen by the application). */
#define UC_PAL_PARTIAL_FP (1UL << 62)

static void host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4], void *ctx)
{
    (void)ctx;
    __cpuid_count(leaf, subleaf, out[0], out[1], out[2], out[3]);
}

static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

const char *pal_fast_path_init(void)
{
    uint32_t r[4];
    host_cpuid(0x1, 0, r, NULL);
    uint64_t xcr0 = (r[2] & (1u << 27)) ? read_xcr0() : 0; /* OSXSAVE: xgetbv works */
    xstate_config_compute(&xstate, xcr0, FAST_FRAME_LIMIT, host_cpuid, NULL);
    if (xstate.error) return xstate.error;
    pal_fast_frame_size = xstate.fast_frame;
    pal_fast_xsave_mask = xstate.default_mask;
    const char *env = getenv("OCCLUM_FAST_XSAVE"); /* "1": the whole state, always */
    pal_fast_manual_vectors = xstate.manual_vectors && !(env && strcmp(env, "1") == 0);
    pal_fast_has_avx = (xstate.xcr0 & 4) != 0;
    if (pal_fast_manual_vectors) {
        static char legacy[512] __attribute__((aligned(64)));
        __asm__ volatile("fxsave64 %0" : "=m"(legacy));
        memcpy(&mxcsr_mask, legacy + 28, 4);
        if (!mxcsr_mask) mxcsr_mask = 0xffbf;
    }
    return NULL;
}

uint32_t pal_xsave_size(void)
{
    return xstate.full_size;
}

uint64_t pal_xsave_features(void)
{
    return xstate.xcr0;
}

#define ARCH_GET_XCOMP_SUPP 0x1021
#define ARCH_REQ_XCOMP_PERM 0x1023
#define ARCH_REQ_XCOMP_GUEST_PERM 0x1025

int pal_xcomp_supported(uint64_t *mask)
{
    return syscall(SYS_arch_prctl, ARCH_GET_XCOMP_SUPP, mask) < 0 ? -errno : 0;
}

int pal_xcomp_request(unsigned long idx, bool guest)
{
    if (syscall(SYS_arch_prctl, guest ? ARCH_REQ_XCOMP_GUEST_PERM : ARCH_REQ_XCOMP_PERM, idx) < 0)
        return -errno;
    /* From now on application threads may hold tile data: save it. A
     * thread already inside the fast path restores with the mask it
     * saved with (fast_entry.S keeps it in the frame). */
    if (!guest && xstate.fast_frame)
        __atomic_store_n(&pal_fast_xsave_mask, xstate.xcr0, __ATOMIC_RELEASE);
    return 0;
}

/* The software-reserved bytes 464..511 of the legacy area, as the kernel
 * writes them in signal frames (struct _fpx_sw_bytes), and MAGIC2 after
 * the XSAVE area: for the features this frame holds. */
static void fill_sw_bytes(char *xs, uint64_t mask)
{
    uint32_t size = mask == xstate.default_mask ? xstate.default_size : xstate.full_size;
    uint32_t *sw = (uint32_t *)(xs + 464);
    sw[0] = FP_XSTATE_MAGIC1;
    sw[1] = size + XSTATE_MAGIC2_SIZE; /* extended_size */
    memcpy(&sw[2], &mask, 8);
    sw[4] = size; /* xstate_size */
    uint32_t magic2 = FP_XSTATE_MAGIC2;
    memcpy(xs + size, &magic2, 4);
}

/* What xrstor would fault on (an application's sigreturn can copy any
 * bytes here): reset to the initial state instead. */
void pal_xstate_sanitize(void *area, uint64_t features)
{
    char *xs = area;
    uint64_t hdr[8];
    memcpy(hdr, xs + 512, sizeof(hdr));
    uint32_t mxcsr, mask;
    memcpy(&mxcsr, xs + 24, 4);
    memcpy(&mask, xs + 28, 4);
    if (!mask) mask = 0xffbf;
    /* only what this frame saved: XRSTOR of tile data the host has not
     * granted would fault in LibOS code */
    bool bad = (hdr[0] & ~features) || hdr[1];
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

struct _libc_fpstate *pal_uc_fpstate(void *uc_)
{
    ucontext_t *uc = uc_;
    if (!(uc->uc_flags & UC_PAL_PARTIAL_FP)) return uc->uc_mcontext.fpregs;
    char *xs = (char *)uc->uc_mcontext.fpregs;
    uint64_t mask = pal_fast_xsave_mask, rest = mask & ~6ULL; /* all but SSE and AVX */
    /* still the application's: LibOS code never touches them */
    __asm__ volatile("xsave64 (%0)" ::"r"(xs), "a"((uint32_t)rest), "d"((uint32_t)(rest >> 32))
                     : "memory");
    memcpy(xs + 28, &mxcsr_mask, 4);
    fill_sw_bytes(xs, mask);
    memcpy((char *)uc - FAST_UC + FAST_XMASK, &mask, sizeof(mask)); /* the exit XRSTORs */
    uc->uc_flags &= ~UC_PAL_PARTIAL_FP;
    return uc->uc_mcontext.fpregs;
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
    uint64_t mask;
    memcpy(&mask, (char *)frame + FAST_XMASK, sizeof(mask));
    if (mask)
        fill_sw_bytes(xs, mask);
    else
        uc->uc_flags |= UC_PAL_PARTIAL_FP;
    const uint64_t *site;
    memcpy(&site, (char *)frame + FAST_SITE, sizeof(site));
    libos_fast_syscall(uc, frame, site);
    /* the resumed context must point at an area xrstor accepts */
    uc->uc_mcontext.fpregs = (struct _libc_fpstate *)xs;
    memcpy(&mask, (char *)frame + FAST_XMASK, sizeof(mask)); /* pal_uc_fpstate may have set it */
    if (mask) pal_xstate_sanitize(xs, mask);
    greg_t *g = uc->uc_mcontext.gregs;
    const greg_t user_flags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000;
    g[REG_EFL] = (g[REG_EFL] & user_flags) | 0x202;
    return libos_user_writable((uint64_t)g[REG_RSP] - 152, 24) ? 0 : 1;
}
