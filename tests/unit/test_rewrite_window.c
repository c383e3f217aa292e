/* unit-sources: src/libos/entry/rewrite_window.c */
/*
 * test_rewrite_window: which bytes around a `syscall` the rewriter moves
 * into a trampoline, on the code of real libcs and runtimes (glibc's
 * read, musl's syscall(), Go's Syscall6), on what it must refuse (a
 * branch into the window, a window that would cross a ret, a syscall
 * inside a longer instruction, a jump table), and the trampolines it
 * builds (RIP-relative operands re-aimed, a final jcc re-targeted, the
 * addresses a restart or a return inside the window maps to).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "entry/rewrite_window.h"

#define BASE 0x7f0000100000ULL
#define ENTRY 0x555500001000ULL

static struct rw_code func(const uint8_t *b, size_t n)
{
    return (struct rw_code){BASE, b, n, true};
}

/* The offset of the first 0f 05 at or after from. */
static uint64_t site_of(const uint8_t *b, size_t n, size_t from)
{
    for (size_t i = from; i + 1 < n; i++)
        if (b[i] == 0x0f && b[i + 1] == 0x05) return BASE + i;
    fail_msg("no syscall in the bytes");
    return 0;
}

/* The window chosen for the first syscall of b, which must be RW_OK. */
static uint64_t window_of(const uint8_t *b, size_t n, bool threaded, struct rw_code *c,
                          struct rw_window *w)
{
    *c = func(b, n);
    uint64_t site = site_of(b, n, 0);
    assert_int_equal(rw_choose(c, site, 39, threaded, w), RW_OK);
    return site;
}

static int64_t rel32_at(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t quad_at(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* glibc 2.36's read: `xor %eax,%eax; syscall; cmp $-4096,%rax; ja`. */
static const uint8_t glibc_read[] = {
    0x80, 0x3d, 0x31, 0x33, 0x0e, 0x00, 0x00, /* cmpb $0,__libc_single_threaded(%rip) */
    0x74, 0x17,                               /* je +0x17 */
    0x31, 0xc0,                               /* xor %eax,%eax */
    0x0f, 0x05,                               /* syscall */
    0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff,       /* cmp $-4096,%rax */
    0x77, 0x5b,                               /* ja */
    0xc3,                                     /* ret */
    0x66, 0x2e, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, /* nopw */
    0x48, 0x83, 0xec, 0x28,                                     /* sub $0x28,%rsp */
    0x31, 0xc0,                                                 /* xor %eax,%eax */
    0x0f, 0x05,                                                 /* syscall */
    0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff,                         /* cmp $-4096,%rax */
    0x77, 0x34,                                                 /* ja */
    0x48, 0x83, 0xc4, 0x28,                                     /* add $0x28,%rsp */
    0xc3,
};

static void glibc_read_window(void **state)
{
    struct rw_code c;
    struct rw_window w;
    uint64_t site = window_of(glibc_read, sizeof(glibc_read), true, &c, &w);
    /* the syscall and the cmp: the xor is too short and follows a jcc */
    assert_int_equal(w.start, site);
    assert_int_equal(w.len, 8);
    assert_true(w.with_syscall);
    assert_true(w.thread_safe);
    assert_int_equal(w.ninsn, 2);

    uint8_t t[RW_TRAMP_MAX];
    struct rw_tramp tr;
    uint64_t tramp = BASE + 0x10000;
    assert_int_equal(rw_build(&c, &w, tramp, ENTRY, t, &tr), RW_OK);
    static const uint8_t lea_call[] = {0x48, 0x8d, 0x64, 0x24, 0x80, 0xff, 0x15, 0x10, 0, 0, 0};
    assert_int_equal(tr.call_off, 0);
    assert_memory_equal(t, lea_call, sizeof(lea_call));
    assert_int_equal(quad_at(t + tr.quads_off), site + 2);                /* the rip reported */
    assert_int_equal(quad_at(t + tr.quads_off + 8), tramp + tr.cont_off); /* goes on here */
    assert_int_equal(quad_at(t + tr.quads_off + 16), ENTRY);
    assert_memory_equal(t + tr.cont_off, glibc_read + 13, 6); /* the cmp, as it was */
    const uint8_t *jmp = t + tr.cont_off + 6;
    assert_int_equal(jmp[0], 0xe9); /* back to the ja */
    assert_int_equal(tramp + tr.cont_off + 11 + rel32_at(jmp + 1), site + 8);
    assert_int_equal(tr.size, tr.cont_off + 11);

    /* a return to right after the syscall (a trap's, a signal frame's)
     * runs the cmp in the trampoline; the syscall itself is the start */
    assert_int_equal(rw_translate(&w, &tr, tramp, site + 2), tramp + tr.cont_off);
    assert_int_equal(rw_translate(&w, &tr, tramp, site), 0);
    assert_int_equal(rw_translate(&w, &tr, tramp, site + 3), 0); /* not an instruction start */
    assert_int_equal(rw_translate(&w, &tr, tramp, site + 8), 0);

    /* the second site of the function (after the sub) too */
    site = site_of(glibc_read, sizeof(glibc_read), site - BASE + 2);
    assert_int_equal(rw_choose(&c, site, 0, true, &w), RW_OK);
    assert_int_equal(w.start, site);
}

/* musl 1.2's syscall(): `mov 0x18(%rdx),%rdx; syscall; mov %rax,%rdi; call`. */
static const uint8_t musl_syscall[] = {
    0x48, 0x83, 0xec, 0x58,       /* sub $0x58,%rsp */
    0x48, 0x89, 0xf8,             /* mov %rdi,%rax */
    0x48, 0x8b, 0x72, 0x10,       /* mov 0x10(%rdx),%rsi */
    0x48, 0x8b, 0x52, 0x18,       /* mov 0x18(%rdx),%rdx */
    0x0f, 0x05,                   /* syscall */
    0x48, 0x89, 0xc7,             /* mov %rax,%rdi */
    0xe8, 0x00, 0x00, 0x00, 0x00, /* call __syscall_ret */
    0x48, 0x83, 0xc4, 0x58,       /* add $0x58,%rsp */
    0xc3,
};

static void musl_syscall_window(void **state)
{
    struct rw_code c;
    struct rw_window w;
    /* several threads: the window starts at the syscall, up to the call */
    uint64_t site = window_of(musl_syscall, sizeof(musl_syscall), true, &c, &w);
    assert_int_equal(w.start, site);
    assert_int_equal(w.len, 5);
    /* one thread: the same (preferred over moving instructions before) */
    assert_int_equal(rw_choose(&c, site, 39, false, &w), RW_OK);
    assert_int_equal(w.start, site);
    /* without the function's bounds: not one of the exact forms */
    struct rw_code near = {site - 5, musl_syscall + (site - BASE - 5), 7, false};
    assert_int_equal(rw_choose(&near, site, 39, true, &w), RW_NO_PROOF);
}

/* Go 1.19's syscall.Syscall6 / runtime: `syscall; cmp $-4095,%rax; jbe`. */
static const uint8_t go_syscall[] = {
    0x48, 0x8b, 0x7c, 0x24, 0x10,                         /* mov 0x10(%rsp),%rdi */
    0x48, 0x8b, 0x44, 0x24, 0x08,                         /* mov 0x8(%rsp),%rax */
    0x0f, 0x05,                                           /* syscall */
    0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff,                   /* cmp $-4095,%rax */
    0x76, 0x0a,                                           /* jbe ok */
    0x48, 0xc7, 0x44, 0x24, 0x38, 0xff, 0xff, 0xff, 0xff, /* movq $-1,0x38(%rsp) */
    0xc3,                                                 /* ret */
    0x48, 0x89, 0x44, 0x24, 0x38,                         /* ok: mov %rax,0x38(%rsp) */
    0xc3,
};

static void go_window(void **state)
{
    struct rw_code c = func(go_syscall, sizeof(go_syscall));
    uint64_t site = BASE + 10;
    struct rw_window w;
    /* the 5-byte load before the syscall moves; the syscall stays */
    assert_int_equal(rw_choose(&c, site, 0, true, &w), RW_OK);
    assert_int_equal(w.start, site - 5);
    assert_int_equal(w.len, 5);
    assert_false(w.with_syscall);
    uint8_t t[RW_TRAMP_MAX];
    struct rw_tramp tr;
    assert_int_equal(rw_build(&c, &w, BASE - 0x1000, ENTRY, t, &tr), RW_OK);
    assert_memory_equal(t, go_syscall + 5, 5);
    assert_int_equal(tr.call_off, 5);
    /* it goes on after the syscall in place: nothing after it moved */
    assert_int_equal(quad_at(t + tr.quads_off), site + 2);
    assert_int_equal(quad_at(t + tr.quads_off + 8), site + 2);
    assert_int_equal(tr.size, tr.quads_off + 24);

    /* Go 1.21's internal/runtime/syscall: only 3-byte moves before it */
    static const uint8_t go121[] = {
        0x49, 0x89, 0xf2,                   /* mov %rsi,%r10 */
        0x48, 0x89, 0xdf,                   /* mov %rbx,%rdi */
        0x0f, 0x05,                         /* syscall */
        0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff, /* cmp $-4095,%rax */
        0x76, 0x01,                         /* jbe ok */
        0xc3,                               /* ret */
        0xc3,                               /* ok: ret */
    };
    c = func(go121, sizeof(go121));
    assert_int_equal(rw_choose(&c, BASE + 6, 0, true, &w), RW_OK);
    assert_int_equal(w.start, BASE + 6);
    assert_int_equal(w.len, 8);
    assert_true(w.thread_safe);
}

/* Without function bounds only the exact forms, as the rewriter always took. */
static void exact_forms(void **state)
{
    static const uint8_t mov_nr[] = {0xb8, 0x27, 0x00, 0x00, 0x00, 0x0f, 0x05};
    static const uint8_t musl_cp[] = {0x4c, 0x89, 0x5c, 0x24, 0x08, 0x0f, 0x05};
    static const uint8_t glibc_sc[] = {0x4c, 0x8b, 0x4c, 0x24, 0x08, 0x0f, 0x05};
    struct rw_window w;
    struct rw_code c = {BASE, mov_nr, 7, false};
    assert_int_equal(rw_choose(&c, BASE + 5, 39, true, &w), RW_OK);
    assert_int_equal(w.start, BASE);
    assert_int_equal(w.len, 5);
    assert_false(w.with_syscall);
    /* an immediate that is not the number: bytes that only look like it */
    assert_int_equal(rw_choose(&c, BASE + 5, 40, true, &w), RW_NO_PROOF);
    c.code = musl_cp;
    assert_int_equal(rw_choose(&c, BASE + 5, 1, true, &w), RW_OK);
    c.code = glibc_sc;
    assert_int_equal(rw_choose(&c, BASE + 5, 1, true, &w), RW_OK);
    uint8_t t[RW_TRAMP_MAX];
    struct rw_tramp tr;
    assert_int_equal(rw_build(&c, &w, BASE + 0x2000, ENTRY, t, &tr), RW_OK);
    assert_memory_equal(t, glibc_sc, 5);
    /* signal restorers: `mov $15,%rax` (7 bytes) */
    static const uint8_t restorer[] = {0x90, 0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05};
    c = (struct rw_code){BASE, restorer, sizeof(restorer), false};
    assert_int_equal(rw_choose(&c, BASE + 8, 15, true, &w), RW_OK);
    assert_int_equal(w.start, BASE + 1);
    assert_int_equal(w.len, 7);
    assert_int_equal(rw_choose(&c, BASE + 8, 14, true, &w), RW_NO_PROOF);
}

/* A loop that jumps back to right after the syscall: no window may cover it. */
static void branch_into_window(void **state)
{
    static const uint8_t loop[] = {
        0x4c, 0x89, 0xd0,       /* 0: mov %r10,%rax */
        0x0f, 0x05,             /* 3: syscall */
        0x49, 0x01, 0xc1,       /* 5: add %rax,%r9 */
        0x49, 0xff, 0xc8,       /* 8: dec %r8 */
        0x74, 0x08,             /* b: jz 15 */
        0x41, 0xf6, 0xc0, 0x01, /* d: test $1,%r8b */
        0x75, 0xf2,             /* 11: jnz 5 (right after the syscall) */
        0xeb, 0xeb,             /* 13: jmp 0 */
        0xc3,                   /* 15: ret */
    };
    struct rw_code c = func(loop, sizeof(loop));
    struct rw_window w;
    /* with other threads only windows from the syscall on: all entered */
    assert_int_equal(rw_choose(&c, BASE + 3, 39, true, &w), RW_THREADS);
    /* alone, the thread may move the mov with the syscall: the loop's
     * jump lands at the window's end, which stays */
    assert_int_equal(rw_choose(&c, BASE + 3, 39, false, &w), RW_OK);
    assert_int_equal(w.start, BASE);
    assert_int_equal(w.len, 5);
    assert_true(w.with_syscall);
    assert_false(w.thread_safe);
    uint8_t t[RW_TRAMP_MAX];
    struct rw_tramp tr;
    uint64_t tramp = BASE + 0x3000;
    assert_int_equal(rw_build(&c, &w, tramp, ENTRY, t, &tr), RW_OK);
    /* a restart onto the displaced syscall enters the LibOS call again */
    assert_int_equal(rw_translate(&w, &tr, tramp, BASE + 3), tramp + tr.call_off);
    assert_int_equal(tr.call_off, 3);
    assert_int_equal(quad_at(t + tr.quads_off + 8), tramp + tr.cont_off);
    assert_int_equal(t[tr.cont_off], 0xe9); /* straight back to the add */
    assert_int_equal(tramp + tr.cont_off + 5 + rel32_at(t + tr.cont_off + 1), BASE + 5);
}

/* The same loop jumping back onto the syscall as well: every window is entered. */
static void branch_into_every_window(void **state)
{
    static const uint8_t loop[] = {
        0x4c, 0x89, 0xd0,       /* 0: mov %r10,%rax */
        0x0f, 0x05,             /* 3: syscall */
        0x49, 0x01, 0xc1,       /* 5: add %rax,%r9 */
        0x49, 0xff, 0xc8,       /* 8: dec %r8 */
        0x74, 0x08,             /* b: jz 15 */
        0x41, 0xf6, 0xc0, 0x01, /* d: test $1,%r8b */
        0x75, 0xf2,             /* 11: jnz 5 */
        0xeb, 0xee,             /* 13: jmp 3 (the syscall) */
        0xc3,                   /* 15: ret */
    };
    struct rw_code c = func(loop, sizeof(loop));
    struct rw_window w;
    assert_int_equal(rw_choose(&c, BASE + 3, 39, true, &w), RW_BRANCH_INSIDE);
    assert_int_equal(rw_choose(&c, BASE + 3, 39, false, &w), RW_BRANCH_INSIDE);
}

/* `syscall; ret` then other code: a window never runs past the ret. */
static void window_crossing_ret(void **state)
{
    static const uint8_t f[] = {
        0x31, 0xc0,                         /* xor %eax,%eax */
        0x0f, 0x05,                         /* syscall */
        0xc3,                               /* ret */
        0x48, 0x89, 0xc7,                   /* mov %rax,%rdi (unreached) */
        0x48, 0x89, 0xc7, 0x90, 0x90, 0x90, /* more */
    };
    struct rw_code c = func(f, sizeof(f));
    struct rw_window w;
    assert_int_equal(rw_choose(&c, BASE + 2, 0, true, &w), RW_THREADS);
    /* alone: the xor, the syscall and the ret, which the trampoline runs */
    assert_int_equal(rw_choose(&c, BASE + 2, 0, false, &w), RW_OK);
    assert_int_equal(w.start, BASE);
    assert_int_equal(w.len, 5);
    uint8_t t[RW_TRAMP_MAX];
    struct rw_tramp tr;
    assert_int_equal(rw_build(&c, &w, BASE + 0x1000, ENTRY, t, &tr), RW_OK);
    assert_int_equal(t[tr.cont_off], 0xc3);
    assert_int_equal(tr.size, tr.cont_off + 1); /* no jmp back after the ret */
    /* the code after the ret is never part of it */
    static const uint8_t r[] = {0x0f, 0x05, 0xc3, 0x48, 0x89, 0xc7, 0x48, 0x89, 0xc7};
    c = func(r, sizeof(r));
    assert_int_equal(rw_choose(&c, BASE, 0, false, &w), RW_TOO_SHORT);
    /* with a 3-byte move first, one thread may move both before it */
    static const uint8_t g[] = {0x48, 0x89, 0xf8, 0x31, 0xc0, 0x0f, 0x05, 0xc3, 0x90, 0x90};
    c = func(g, sizeof(g));
    assert_int_equal(rw_choose(&c, BASE + 5, 0, false, &w), RW_OK);
    assert_int_equal(w.start, BASE);
    assert_int_equal(w.len, 5);
    assert_false(w.with_syscall);
    assert_int_equal(rw_choose(&c, BASE + 5, 0, true, &w), RW_THREADS);
}

/* A window may end with the function's ret or jcc: the trampoline runs it. */
static void window_ends_with_jcc(void **state)
{
    static const uint8_t f[] = {
        0x48, 0x89, 0xf8, /* mov %rdi,%rax */
        0x0f, 0x05,       /* syscall */
        0x85, 0xc0,       /* test %eax,%eax */
        0x78, 0x01,       /* js +1 */
        0xc3,             /* ret */
        0xc3,             /* js target */
    };
    struct rw_code c = func(f, sizeof(f));
    struct rw_window w;
    assert_int_equal(rw_choose(&c, BASE + 3, 39, true, &w), RW_OK);
    assert_int_equal(w.start, BASE + 3);
    assert_int_equal(w.len, 6);
    uint8_t t[RW_TRAMP_MAX];
    struct rw_tramp tr;
    uint64_t tramp = BASE + 0x7fff0000ULL;
    assert_int_equal(rw_build(&c, &w, tramp, ENTRY, t, &tr), RW_OK);
    const uint8_t *js = t + tr.cont_off + 2;
    assert_int_equal(js[0], 0x0f);
    assert_int_equal(js[1], 0x88); /* js rel32 */
    assert_int_equal(tramp + tr.cont_off + 8 + rel32_at(js + 2), BASE + 10);
    assert_int_equal(t[tr.cont_off + 8], 0xe9); /* not taken: back to the ret */
    assert_int_equal(tramp + tr.cont_off + 13 + rel32_at(t + tr.cont_off + 9), BASE + 9);
    /* too far for rel32: refused */
    assert_int_equal(rw_build(&c, &w, BASE + (3ULL << 31), ENTRY, t, &tr), RW_UNREACHABLE);
}

/* A RIP-relative operand keeps its target from the trampoline. */
static void riprel_fixup(void **state)
{
    static const uint8_t f[] = {
        0x8b, 0x05, 0x00, 0x01, 0x00, 0x00, /* mov 0x100(%rip),%eax */
        0x0f, 0x05,                         /* syscall */
        0xc3,
    };
    struct rw_code c = func(f, sizeof(f));
    struct rw_window w;
    assert_int_equal(rw_choose(&c, BASE + 6, 39, true, &w), RW_OK);
    assert_int_equal(w.start, BASE);
    assert_int_equal(w.len, 6);
    uint8_t t[RW_TRAMP_MAX];
    struct rw_tramp tr;
    uint64_t tramp = BASE - 0x40000000ULL;
    assert_int_equal(rw_build(&c, &w, tramp, ENTRY, t, &tr), RW_OK);
    assert_int_equal(t[0], 0x8b);
    assert_int_equal(t[1], 0x05);
    assert_int_equal(tramp + 6 + rel32_at(t + 2), BASE + 6 + 0x100);
    /* a trampoline the operand cannot reach from */
    assert_int_equal(rw_build(&c, &w, BASE + (1ULL << 32), ENTRY, t, &tr), RW_UNREACHABLE);
}

/* What decoding cannot prove. */
static void refusals(void **state)
{
    struct rw_window w;
    /* the 0f 05 is the immediate of `mov $0x50f,%eax` */
    static const uint8_t inside[] = {0x90, 0xb8, 0x0f, 0x05, 0x00, 0x00, 0x0f, 0x05, 0xc3};
    struct rw_code c = func(inside, sizeof(inside));
    assert_int_equal(rw_choose(&c, BASE + 2, 39, false, &w), RW_MISALIGNED);
    assert_int_equal(rw_choose(&c, BASE + 6, 39, false, &w), RW_OK);
    /* a jump through a register: a table whose targets cannot be seen */
    static const uint8_t table[] = {
        0x48, 0x8b, 0x44, 0x24, 0x08, /* mov 8(%rsp),%rax */
        0x0f, 0x05,                   /* syscall */
        0xff, 0xe1,                   /* jmp *%rcx */
    };
    c = func(table, sizeof(table));
    assert_int_equal(rw_choose(&c, BASE + 5, 39, true, &w), RW_INDIRECT_JUMP);
    /* undecodable bytes in the function */
    static const uint8_t junk[] = {0x48, 0x8b, 0x44, 0x24, 0x08, 0x0f, 0x05, 0x0f, 0xff};
    c = func(junk, sizeof(junk));
    assert_int_equal(rw_choose(&c, BASE + 5, 39, true, &w), RW_UNDECODABLE);
    /* not a syscall at all */
    assert_int_equal(rw_choose(&c, BASE + 4, 39, true, &w), RW_NO_SYSCALL);
    assert_string_equal(rw_refusal_str(RW_BRANCH_INSIDE),
                        "a branch targets the inside of every window");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(glibc_read_window),   cmocka_unit_test(musl_syscall_window),
        cmocka_unit_test(go_window),           cmocka_unit_test(exact_forms),
        cmocka_unit_test(branch_into_window),  cmocka_unit_test(branch_into_every_window),
        cmocka_unit_test(window_crossing_ret), cmocka_unit_test(window_ends_with_jcc),
        cmocka_unit_test(riprel_fixup),        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
