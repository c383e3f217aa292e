/* unit-sources: src/pal/sim/xstate.c */
/*
 * test_xstate: the fast path's XSAVE layout against the CPUID leaves of
 * CPUs the developer may not have (SSE/AVX only, AMD Zen, AVX-512, AMX),
 * for every XCR0 feature set each of them can enable, and against the
 * CPU the test runs on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cpuid.h>
#include <string.h>

#include "pal/sim/fast_layout.h"
#include "pal/sim/xstate.h"

struct component {
    uint32_t size, offset, flags;
};

/* A CPU as CPUID leaf 0xD describes it (standard-format offsets). */
struct fake_cpu {
    const char *name;
    uint64_t xcr0;
    bool no_xsaveopt;
    struct component c[64];
    bool no_xinuse; /* CPUID(0xD, 1).EAX bit 2: XGETBV(1) */
};

static uint64_t current_xcr0;

static void fake_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4], void *ctx)
{
    const struct fake_cpu *cpu = ctx;
    memset(out, 0, 16);
    if (leaf == 1) {
        out[2] = (1u << 26) | (1u << 27); /* XSAVE, OSXSAVE */
    } else if (leaf == 0xd && sub == 0) {
        uint32_t end = 576;
        for (int i = 2; i < 64; i++)
            if ((current_xcr0 >> i) & 1 && cpu->c[i].offset + cpu->c[i].size > end)
                end = cpu->c[i].offset + cpu->c[i].size;
        out[0] = (uint32_t)cpu->xcr0;
        out[1] = end; /* for the XCR0 in force, as the CPU reports it */
    } else if (leaf == 0xd && sub == 1) {
        out[0] = (cpu->no_xsaveopt ? 0 : 1) | (cpu->no_xinuse ? 0 : 4);
    } else if (leaf == 0xd && sub < 64) {
        out[0] = cpu->c[sub].size;
        out[1] = cpu->c[sub].offset;
        out[2] = cpu->c[sub].flags;
    }
}

/* Sandy Bridge: x87, SSE, AVX. */
static const struct fake_cpu avx_cpu = {"avx", 0x7, false, {[2] = {256, 576, 0}}};
/* AMD Zen 3 (the PKRU component right after AVX). */
static const struct fake_cpu zen3 = {
    "zen3", 0x207, false, {[2] = {256, 576, 0}, [9] = {8, 2432, 0}, [11] = {16, 0, 1}}};
/* Skylake-SP: AVX-512 and MPX. */
static const struct fake_cpu skx = {"skx",
                                    0x2ff,
                                    false,
                                    {[2] = {256, 576, 0},
                                     [3] = {64, 960, 0},
                                     [4] = {64, 1024, 0},
                                     [5] = {64, 1088, 0},
                                     [6] = {512, 1152, 0},
                                     [7] = {1024, 1664, 0},
                                     [8] = {128, 0, 1},
                                     [9] = {8, 2688, 0}}};
/* Sapphire Rapids: AVX-512 and AMX (the host of the 11,008-byte area). */
static const struct fake_cpu spr = {"spr",
                                    0x602e7,
                                    false,
                                    {[2] = {256, 576, 0},
                                     [5] = {64, 1088, 0},
                                     [6] = {512, 1152, 0},
                                     [7] = {1024, 1664, 0},
                                     [8] = {128, 0, 1},
                                     [9] = {8, 2688, 0},
                                     [17] = {64, 2752, 0},
                                     [18] = {8192, 2816, 0}}};

static uint32_t expected_size(const struct fake_cpu *cpu, uint64_t mask)
{
    uint32_t end = 576;
    for (int i = 2; i < 64; i++)
        if ((mask >> i) & 1 && cpu->c[i].offset + cpu->c[i].size > end)
            end = cpu->c[i].offset + cpu->c[i].size;
    return end;
}

/* Every feature set the CPU can enable (x87 and SSE always on): the size,
 * the frame, and an XSAVE of that size plus MAGIC2 inside the frame. */
static void check_every_feature_set(const struct fake_cpu *cpu)
{
    uint64_t optional = cpu->xcr0 & ~XSTATE_LEGACY_MASK;
    uint64_t sub = 0;
    int sets = 0;
    do {
        uint64_t xcr0 = XSTATE_LEGACY_MASK | sub;
        current_xcr0 = xcr0;
        struct xstate_config c;
        xstate_config_compute(&c, xcr0, FAST_FRAME_LIMIT, fake_cpuid, (void *)cpu);
        assert_null(c.error);
        assert_int_equal(c.full_size, expected_size(cpu, xcr0));
        assert_int_equal(c.default_mask, xcr0 & ~XSTATE_DYNAMIC_MASK);
        assert_int_equal(c.default_size, expected_size(cpu, xcr0 & ~XSTATE_DYNAMIC_MASK));
        assert_true(c.default_size <= c.full_size);
        /* the frame holds the ucontext, then the area and MAGIC2 */
        assert_int_equal(c.fast_frame % 64, 0);
        assert_true(c.fast_frame >= FAST_XSAVE + c.full_size + XSTATE_MAGIC2_SIZE);
        assert_true(c.fast_frame < FAST_XSAVE + c.full_size + XSTATE_MAGIC2_SIZE + 64);
        assert_true(c.fast_frame <= FAST_FRAME_LIMIT);
        /* vectors by hand only when nothing beyond x87, SSE, AVX, PKRU */
        assert_int_equal(c.manual_vectors, !(xcr0 & ~0x207ULL));
        sub = (sub - optional) & optional; /* the next subset */
        sets++;
    } while (sub);
    assert_int_equal(sets, 1 << __builtin_popcountll(optional));
}

static void test_every_cpu_and_feature_set(void **state)
{
    (void)state;
    check_every_feature_set(&avx_cpu);
    check_every_feature_set(&zen3);
    check_every_feature_set(&skx);
    check_every_feature_set(&spr);
}

static void test_amx_sizes(void **state)
{
    (void)state;
    struct xstate_config c;
    current_xcr0 = spr.xcr0;
    xstate_config_compute(&c, spr.xcr0, FAST_FRAME_LIMIT, fake_cpuid, (void *)&spr);
    assert_null(c.error);
    assert_int_equal(c.full_size, 11008);   /* the host of the issue */
    assert_int_equal(c.default_size, 2816); /* tile config, no tile data */
    assert_int_equal(c.default_mask, 0x202e7);
    /* the 8 KiB of the old fixed layout were too small */
    assert_true(c.fast_frame > 1088 + 8192);
}

/* Without XINUSE the entry cannot tell live AVX upper halves: XSAVE. */
static void test_manual_vectors_need_xinuse(void **state)
{
    (void)state;
    struct fake_cpu old = zen3;
    old.no_xinuse = true;
    current_xcr0 = old.xcr0;
    struct xstate_config c;
    xstate_config_compute(&c, old.xcr0, FAST_FRAME_LIMIT, fake_cpuid, &old);
    assert_null(c.error);
    assert_false(c.manual_vectors);
    current_xcr0 = zen3.xcr0;
    xstate_config_compute(&c, zen3.xcr0, FAST_FRAME_LIMIT, fake_cpuid, (void *)&zen3);
    assert_true(c.manual_vectors);
    current_xcr0 = spr.xcr0;
    xstate_config_compute(&c, spr.xcr0, FAST_FRAME_LIMIT, fake_cpuid, (void *)&spr);
    assert_false(c.manual_vectors); /* AVX-512 and AMX: the host libc uses ymm16-31 */
}

static void test_frame_too_large_disables(void **state)
{
    (void)state;
    struct xstate_config c;
    current_xcr0 = spr.xcr0;
    xstate_config_compute(&c, spr.xcr0, 8192, fake_cpuid, (void *)&spr);
    assert_non_null(c.error);
    assert_non_null(strstr(c.error, "does not fit"));
}

static void test_bad_cpuid_disables(void **state)
{
    (void)state;
    struct xstate_config c;
    struct fake_cpu bad = spr;
    bad.c[18].size = 0; /* a component without a size */
    current_xcr0 = bad.xcr0;
    xstate_config_compute(&c, bad.xcr0, FAST_FRAME_LIMIT, fake_cpuid, &bad);
    assert_non_null(c.error);
    bad = spr;
    bad.c[9].offset = 100; /* inside the legacy area */
    xstate_config_compute(&c, bad.xcr0, FAST_FRAME_LIMIT, fake_cpuid, &bad);
    assert_non_null(c.error);
    bad = spr;
    bad.c[18].size = 0xfffff000u; /* would wrap around */
    xstate_config_compute(&c, bad.xcr0, FAST_FRAME_LIMIT, fake_cpuid, &bad);
    assert_non_null(c.error);
    bad = zen3;
    bad.no_xsaveopt = true;
    current_xcr0 = bad.xcr0;
    xstate_config_compute(&c, bad.xcr0, FAST_FRAME_LIMIT, fake_cpuid, &bad);
    assert_non_null(c.error);
    /* XCR0 without SSE cannot be what the fast path saves */
    xstate_config_compute(&c, 0x1, FAST_FRAME_LIMIT, fake_cpuid, (void *)&zen3);
    assert_non_null(c.error);
}

static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4], void *ctx)
{
    (void)ctx;
    __cpuid_count(leaf, sub, out[0], out[1], out[2], out[3]);
}

/* The CPU this runs on: the size agrees with what it says for XCR0. */
static void test_this_cpu(void **state)
{
    (void)state;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    uint64_t xcr0 = ((uint64_t)hi << 32) | lo;
    struct xstate_config c;
    xstate_config_compute(&c, xcr0, FAST_FRAME_LIMIT, host_cpuid, NULL);
    assert_null(c.error);
    uint32_t r[4];
    host_cpuid(0xd, 0, r, NULL);
    assert_int_equal(c.full_size, r[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_cpu_and_feature_set),
        cmocka_unit_test(test_amx_sizes),
        cmocka_unit_test(test_manual_vectors_need_xinuse),
        cmocka_unit_test(test_frame_too_large_disables),
        cmocka_unit_test(test_bad_cpuid_disables),
        cmocka_unit_test(test_this_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
