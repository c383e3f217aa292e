/*
 * fast_layout: the frame pal_fast_syscall_entry builds on the LibOS stack,
 * shared by the asm and by C (fast.c checks these against the C types).
 *
 *   +0     struct pal_trap_frame (fsbase, selector)
 *   +16    the XSAVE feature mask this frame was saved with (xrstor uses it)
 *   +24    the trampoline's quadwords {RIP after the syscall, continuation}
 *   +64    ucontext_t (glibc layout: gregs at +40, fpregs pointer at +224)
 *   +1088  XSAVE area, 64-byte aligned: the CPU's size (xstate.c) plus
 *          the 4 bytes of FP_XSTATE_MAGIC2 that follow it in signal frames
 *
 * The frame's size depends on the CPU (576 bytes of XSAVE area on an old
 * SSE-only machine, 11 KiB with AMX): the entry reads it from
 * pal_fast_frame_size, set once at boot.
 */
#ifndef PAL_SIM_FAST_LAYOUT_H
#define PAL_SIM_FAST_LAYOUT_H

#define FAST_UC 64
#define FAST_UC_SIZE 968
#define FAST_GREGS (FAST_UC + 40)
#define FAST_FPREGS_PTR (FAST_UC + 224)
#define FAST_XMASK 16
#define FAST_SITE 24
#define FAST_XSAVE 1088
#define FAST_FRAME_SIZE(xsave_size) (FAST_XSAVE + (((xsave_size) + 4 + 63) / 64) * 64)
/* The fast frame sits at the top of the 256 KiB LibOS stack, below which
 * the LibOS's C code runs: it may take at most this much of it. */
#define FAST_FRAME_LIMIT (64 * 1024)

/* pal.h's PAL_FAST_LEAF_NONE, for the asm */
#define FAST_LEAF_NONE 0x8000000000000000

/* gregs indices (glibc <sys/ucontext.h>), times 8 */
#define G_R8 (FAST_GREGS + 0 * 8)
#define G_R9 (FAST_GREGS + 1 * 8)
#define G_R10 (FAST_GREGS + 2 * 8)
#define G_R11 (FAST_GREGS + 3 * 8)
#define G_R12 (FAST_GREGS + 4 * 8)
#define G_R13 (FAST_GREGS + 5 * 8)
#define G_R14 (FAST_GREGS + 6 * 8)
#define G_R15 (FAST_GREGS + 7 * 8)
#define G_RDI (FAST_GREGS + 8 * 8)
#define G_RSI (FAST_GREGS + 9 * 8)
#define G_RBP (FAST_GREGS + 10 * 8)
#define G_RBX (FAST_GREGS + 11 * 8)
#define G_RDX (FAST_GREGS + 12 * 8)
#define G_RAX (FAST_GREGS + 13 * 8)
#define G_RCX (FAST_GREGS + 14 * 8)
#define G_RSP (FAST_GREGS + 15 * 8)
#define G_RIP (FAST_GREGS + 16 * 8)
#define G_EFL (FAST_GREGS + 17 * 8)
#define G_CSGSFS (FAST_GREGS + 18 * 8)

#endif
