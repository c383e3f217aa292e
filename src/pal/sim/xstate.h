/*
 * xstate: the layout of the CPU's extended state (XSAVE standard format)
 * as CPUID leaf 0xD describes it, and what the fast path needs from it.
 *
 * Nothing here reads the CPU: the CPUID answers come through a function,
 * so that the unit test can replay the leaves of CPUs the developer does
 * not have (AVX-512, AMX) and check the layout for every feature set.
 */
#ifndef PAL_SIM_XSTATE_H
#define PAL_SIM_XSTATE_H

#include <stdbool.h>
#include <stdint.h>

/* XSAVE components a user may enable with arch_prctl(ARCH_REQ_XCOMP_PERM)
 * (Linux's XFEATURE_MASK_USER_DYNAMIC): AMX tile data, 8 KiB. */
#define XFEATURE_XTILEDATA 18
#define XSTATE_DYNAMIC_MASK (1ULL << XFEATURE_XTILEDATA)
/* x87 and SSE: the 512-byte legacy area; the 64-byte header follows. */
#define XSTATE_LEGACY_MASK 3ULL
#define XSTATE_LEGACY_SIZE 576u
/* The kernel's signal frames append FP_XSTATE_MAGIC2 (4 bytes). */
#define XSTATE_MAGIC2_SIZE 4u
/* The most any x86 CPU describes today is ~11 KiB (AMX); a CPUID that
 * claims more than this is not believed. */
#define XSTATE_SIZE_LIMIT (64u * 1024)

/* One CPUID query: out = {eax, ebx, ecx, edx} of (leaf, subleaf). */
typedef void (*xstate_cpuid_fn)(uint32_t leaf, uint32_t subleaf, uint32_t out[4], void *ctx);

struct xstate_config {
    uint64_t xcr0;         /* the features the OS enabled (XGETBV 0) */
    uint64_t default_mask; /* saved before any permission request: xcr0 less dynamic */
    uint32_t default_size; /* standard-format bytes for default_mask */
    uint32_t full_size;    /* ... for all of xcr0 (AMX tile data included) */
    uint32_t fast_frame;   /* bytes of the fast path's frame (fast_layout.h) */
    /* The fast path may store only MXCSR, xmm0-15 and the AVX upper halves
     * by hand (fast.c): XCR0 has nothing beyond x87, SSE, AVX and PKRU, the
     * CPU reports XINUSE (XGETBV 1), and AVX sits at its usual offset. */
    bool manual_vectors;
    const char *error; /* why the state cannot be saved safely, or NULL */
};

/* Bytes of an XSAVE standard-format area holding `mask` (the end of its
 * furthest component, at least the legacy area and header), or 0 when
 * CPUID's description of a component of mask is not believable. */
uint32_t xstate_size_for(uint64_t mask, xstate_cpuid_fn cpuid, void *ctx);

/* The layout for this CPU; c->error says why the fast path must not save
 * it (no XSAVEOPT, an inconsistent CPUID, a frame larger than
 * frame_limit). */
void xstate_config_compute(struct xstate_config *c, uint64_t xcr0, uint32_t frame_limit,
                           xstate_cpuid_fn cpuid, void *ctx);

#endif
