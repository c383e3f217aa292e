/*
 * xstate: sizes of the extended state from CPUID leaf 0xD (see xstate.h).
 *
 * In the standard (non-compacted) format that XSAVEOPT writes, component
 * i >= 2 lives at the offset CPUID(0xD, i).EBX with size CPUID(0xD, i).EAX,
 * so the area for a feature mask ends where its furthest component ends.
 * CPUID(0xD, 0).EBX gives that end for all of XCR0 only: the fast path
 * saves less than XCR0 until an application asks for AMX, so it computes
 * the size of each mask itself.
 */
#include "xstate.h"

#include "fast_layout.h"

uint32_t xstate_size_for(uint64_t mask, xstate_cpuid_fn cpuid, void *ctx)
{
    uint32_t size = XSTATE_LEGACY_SIZE;
    for (unsigned i = 2; i < 64; i++) {
        if (!(mask & (1ULL << i))) continue;
        uint32_t r[4];
        cpuid(0xd, i, r, ctx);
        uint32_t csize = r[0], offset = r[1];
        bool supervisor = r[2] & 1;
        /* A user component has a place of its own past the header. */
        if (supervisor || csize == 0 || offset < XSTATE_LEGACY_SIZE || csize > XSTATE_SIZE_LIMIT ||
            offset > XSTATE_SIZE_LIMIT - csize)
            return 0;
        if (offset + csize > size) size = offset + csize;
    }
    return size;
}

void xstate_config_compute(struct xstate_config *c, uint64_t xcr0, uint32_t frame_limit,
                           xstate_cpuid_fn cpuid, void *ctx)
{
    *c = (struct xstate_config){.xcr0 = xcr0};
    uint32_t r[4];
    cpuid(0x1, 0, r, ctx);
    bool has_xsave = r[2] & (1u << 26), os_xsave = r[2] & (1u << 27);
    if (!has_xsave || !os_xsave) {
        c->error = "the CPU or the host kernel does not enable XSAVE";
        return;
    }
    cpuid(0xd, 1, r, ctx);
    if (!(r[0] & 1)) {
        c->error = "the CPU has no XSAVEOPT";
        return;
    }
    if ((xcr0 & XSTATE_LEGACY_MASK) != XSTATE_LEGACY_MASK) {
        c->error = "XCR0 does not enable x87 and SSE state";
        return;
    }
    c->default_mask = xcr0 & ~XSTATE_DYNAMIC_MASK;
    c->default_size = xstate_size_for(c->default_mask, cpuid, ctx);
    c->full_size = xstate_size_for(xcr0, cpuid, ctx);
    if (!c->default_size || !c->full_size) {
        c->error = "CPUID leaf 0xD describes the XSAVE area inconsistently";
        return;
    }
    /* EBX: the size XCR0 needs as the CPU computes it; never reserve less. */
    cpuid(0xd, 0, r, ctx);
    if (r[1] > XSTATE_SIZE_LIMIT) {
        c->error = "CPUID leaf 0xD describes the XSAVE area inconsistently";
        return;
    }
    if (r[1] > c->full_size) c->full_size = r[1];
    c->fast_frame = FAST_FRAME_SIZE(c->full_size);
    const uint64_t x87_sse_avx_pkru = 0x207;
    cpuid(0xd, 1, r, ctx);
    bool xinuse = r[0] & (1u << 2);
    bool avx_at_576 = true;
    if (xcr0 & 4) {
        cpuid(0xd, 2, r, ctx);
        avx_at_576 = r[1] == 576 && r[0] == 256;
    }
    c->manual_vectors = !(xcr0 & ~x87_sse_avx_pkru) && xinuse && avx_at_576;
    if (c->fast_frame > frame_limit) c->error = "the XSAVE area does not fit the LibOS stack";
}
