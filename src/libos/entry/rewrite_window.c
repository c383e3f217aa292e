/*
 * rewrite_window: choosing the bytes around a `syscall` that move into a
 * trampoline, and building that trampoline (docs/architecture.md,
 * "Entering the LibOS"). Decoding is Zydis's.
 *
 * A jmp needs 5 bytes; a `syscall` has 2. The window is a run of whole
 * instructions around it: before it, after it, or both. Moving them is
 * safe only if no branch lands strictly inside the window, and x86 cannot
 * be decoded backwards with certainty, so every window but the three
 * exact forms below is proven against the enclosing function (its bounds
 * from the unwind table): decoding from the function's start must land on
 * the syscall, and no direct branch of the function may target the
 * window's inside. A function with a jump through a register or a table
 * (a switch whose targets cannot be seen) proves nothing.
 *
 * Without function bounds only these stay: one instruction right before
 * the syscall, which stays in place,
 *
 *     b8 imm32            mov $nr, %eax       (the immediate = the number)
 *     48 c7 c0 imm32      mov $nr, %rax       (signal restorers: glibc, musl, Go)
 *     4c 89 5c 24 08      mov %r11, 8(%rsp)   (musl's __syscall_cp_asm)
 *     4c 8b 4c 24 08      mov 8(%rsp), %r9    (glibc's syscall())
 */
#include "entry/rewrite_window.h"

#include <Zydis/Zydis.h>
#include <string.h>

enum kind {
    K_PLAIN,   /* runs anywhere */
    K_RIPREL,  /* a RIP-relative memory operand: re-aimed */
    K_JCC,     /* jcc rel8/rel32 */
    K_JMP,     /* jmp rel8/rel32 */
    K_RET,     /* ret */
    K_JMP_MEM, /* jmp *disp(%rip): a tail call through a pointer */
    K_JMP_IND, /* jmp through a register or an indexed table */
    K_OTHER,   /* anything else that cannot move: call, loop, syscall... */
};

struct insn {
    uint64_t addr;
    uint8_t len;
    uint8_t kind;
    uint8_t disp_off; /* K_RIPREL, K_JMP_MEM: where the disp32 is */
    int64_t target;   /* K_JCC, K_JMP and direct calls: the branch target;
                       * K_RIPREL/K_JMP_MEM: the operand's address */
    bool direct;      /* target is a direct branch target */
};

const char *rw_refusal_str(int why)
{
    static const char *const s[RW_NREFUSALS] = {
        [RW_OK] = "ok",
        [RW_NO_SYSCALL] = "no syscall instruction there",
        [RW_NO_PROOF] = "no function bounds and not an exact form",
        [RW_UNDECODABLE] = "the function does not decode",
        [RW_MISALIGNED] = "decoding the function does not land on the syscall",
        [RW_INDIRECT_JUMP] = "the function jumps through a register or table",
        [RW_BRANCH_INSIDE] = "a branch targets the inside of every window",
        [RW_TOO_SHORT] = "no run of movable instructions of 5 bytes",
        [RW_THREADS] = "only windows unsafe while other threads run",
        [RW_UNREACHABLE] = "an operand or branch out of rel32 reach",
        [RW_OVERLAP] = "the window overlaps another site's",
        [RW_NOMEM] = "no kernel memory for it",
    };
    return why >= 0 && why < RW_NREFUSALS ? s[why] : "?";
}

static bool decode(const ZydisDecoder *dec, const struct rw_code *c, uint64_t addr, struct insn *in)
{
    if (addr < c->addr || addr >= c->addr + c->len) return false;
    ZydisDecoderContext ctx;
    ZydisDecodedInstruction d;
    size_t left = c->addr + c->len - addr;
    if (!ZYAN_SUCCESS(
            ZydisDecoderDecodeInstruction(dec, &ctx, c->code + (addr - c->addr), left, &d)))
        return false;
    const uint8_t *b = c->code + (addr - c->addr);
    in->addr = addr;
    in->len = d.length;
    in->kind = K_PLAIN;
    in->direct = false;
    in->target = 0;
    bool riprel =
        (d.attributes & ZYDIS_ATTRIB_HAS_MODRM) && d.raw.modrm.mod == 0 && d.raw.modrm.rm == 5;
    if (riprel) {
        if (d.address_width != 64 || d.raw.disp.size != 32) {
            in->kind = K_OTHER; /* eip-relative */
            return true;
        }
        in->disp_off = d.raw.disp.offset;
        in->target = (int64_t)(addr + d.length) + d.raw.disp.value;
        in->kind = K_RIPREL;
    }
    switch (d.meta.category) {
    case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_UNCOND_BR:
    case ZYDIS_CATEGORY_CALL:
        if (d.raw.imm[0].is_relative) {
            in->direct = true;
            in->target = (int64_t)(addr + d.length) + d.raw.imm[0].value.s;
            bool jcc8 = d.length == 2 && b[0] >= 0x70 && b[0] <= 0x7f;
            bool jcc32 = d.length == 6 && b[0] == 0x0f && b[1] >= 0x80 && b[1] <= 0x8f;
            bool jmp = (d.length == 2 && b[0] == 0xeb) || (d.length == 5 && b[0] == 0xe9);
            in->kind = jcc8 || jcc32 ? K_JCC : jmp ? K_JMP : K_OTHER;
        } else if (d.meta.category == ZYDIS_CATEGORY_UNCOND_BR) {
            in->kind = riprel ? K_JMP_MEM : K_JMP_IND;
        } else {
            in->kind =
                K_OTHER; /* indirect call: its return lands after it, fine, but it cannot move */
        }
        break;
    case ZYDIS_CATEGORY_RET:
        in->kind = d.mnemonic == ZYDIS_MNEMONIC_RET ? K_RET : K_OTHER;
        break;
    case ZYDIS_CATEGORY_SYSCALL:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSTEM:
        in->kind = K_OTHER;
        break;
    default:
        if (d.attributes & ZYDIS_ATTRIB_IS_RELATIVE && !riprel) in->kind = K_OTHER; /* xbegin... */
        break;
    }
    return true;
}

static bool movable(const struct insn *in)
{
    return in->kind == K_PLAIN || in->kind == K_RIPREL;
}

/* Ends a window: the trampoline branches or returns itself. */
static bool terminal(const struct insn *in)
{
    return in->kind == K_JCC || in->kind == K_JMP || in->kind == K_RET || in->kind == K_JMP_MEM;
}

static bool known_form5(const uint8_t *b, long nr)
{
    static const uint8_t mov_r11_to_stack[5] = {0x4c, 0x89, 0x5c, 0x24, 0x08};
    static const uint8_t mov_stack_to_r9[5] = {0x4c, 0x8b, 0x4c, 0x24, 0x08};
    if (b[0] == 0xb8) {
        int32_t imm;
        memcpy(&imm, b + 1, 4);
        return imm == nr;
    }
    return memcmp(b, mov_r11_to_stack, 5) == 0 || memcmp(b, mov_stack_to_r9, 5) == 0;
}

/* The exact form right before the syscall at s, with room bytes before
 * it: its length, or 0. */
static int known_form(const uint8_t *s, size_t room, long nr)
{
    int32_t imm;
    if (room >= 7 && s[-7] == 0x48 && s[-6] == 0xc7 && s[-5] == 0xc0) {
        memcpy(&imm, s - 4, 4);
        if (imm == nr) return 7;
    }
    return room >= 5 && known_form5(s - 5, nr) ? 5 : 0;
}

static void init_decoder(ZydisDecoder *dec)
{
    ZydisDecoderInit(dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
}

/* What the scan of the function found around the syscall. */
struct around {
    struct insn pre[RW_MAX_INSNS]; /* pre[0] ends at the syscall, pre[1] before it... */
    int npre;
    struct insn post[RW_MAX_INSNS]; /* from the end of the syscall on */
    int npost;
    /* direct branch targets in [site - RW_MAX_LEN, site + 2 + RW_MAX_LEN] */
    bool target[2 * RW_MAX_LEN + 2];
};

static int scan_function(const ZydisDecoder *dec, const struct rw_code *c, uint64_t site,
                         struct around *a)
{
    memset(a, 0, sizeof(*a));
    uint64_t end = c->addr + c->len, lo = site - RW_MAX_LEN;
    bool landed = false;
    struct insn ring[RW_MAX_INSNS];
    int n = 0;
    for (uint64_t addr = c->addr; addr < end;) {
        struct insn in;
        if (!decode(dec, c, addr, &in)) return RW_UNDECODABLE;
        if (addr == site) landed = true;
        if (addr < site) {
            if (addr + in.len > site) return RW_MISALIGNED;
            ring[n++ % RW_MAX_INSNS] = in;
        }
        if (in.kind == K_JMP_IND) return RW_INDIRECT_JUMP;
        if (in.direct && in.target >= (int64_t)lo && in.target < (int64_t)(lo + sizeof(a->target)))
            a->target[in.target - (int64_t)lo] = true;
        addr += in.len;
    }
    if (!landed) return RW_MISALIGNED;
    a->npre = n < RW_MAX_INSNS ? n : RW_MAX_INSNS;
    for (int i = 0; i < a->npre; i++)
        a->pre[i] = ring[(n - 1 - i) % RW_MAX_INSNS];
    for (uint64_t addr = site + 2;
         a->npost < RW_MAX_INSNS && addr < end && addr < site + 2 + RW_MAX_LEN;) {
        if (!decode(dec, c, addr, &a->post[a->npost])) break;
        addr += a->post[a->npost++].len;
    }
    return RW_OK;
}

/* No direct branch lands strictly inside [start, end). */
static bool unentered(const struct around *a, uint64_t site, uint64_t start, uint64_t end)
{
    uint64_t lo = site - RW_MAX_LEN;
    for (uint64_t x = start + 1; x < end; x++)
        if (a->target[x - lo]) return false;
    return true;
}

/* Window of npre instructions before the syscall, the syscall when
 * with_syscall, and npost after it. RW_OK, or why not. */
static int try_window(const struct around *a, uint64_t site, int npre, bool with_syscall, int npost,
                      struct rw_window *w)
{
    uint64_t start = npre ? a->pre[npre - 1].addr : site, end = site;
    if (with_syscall) {
        end = site + 2;
        for (int j = 0; j < npost; j++)
            end += a->post[j].len;
    }
    int ninsn = npre + (with_syscall ? 1 + npost : 0);
    if (end - start < 5) return RW_TOO_SHORT;
    if (end - start > RW_MAX_LEN || ninsn > RW_MAX_INSNS) return RW_TOO_SHORT;
    if (!unentered(a, site, start, end)) return RW_BRANCH_INSIDE;
    memset(w, 0, sizeof(*w));
    w->start = start;
    w->len = (uint8_t)(end - start);
    w->with_syscall = with_syscall;
    w->syscall_off = (uint8_t)(site - start);
    w->ninsn = (uint8_t)ninsn;
    int k = 0;
    for (int i = npre - 1; i >= 0; i--)
        w->off[k++] = (uint8_t)(a->pre[i].addr - start);
    if (with_syscall) {
        w->off[k++] = w->syscall_off;
        for (int j = 0; j < npost; j++)
            w->off[k++] = (uint8_t)(a->post[j].addr - start);
    }
    w->off[k] = w->len;
    w->thread_safe = with_syscall ? npre == 0 : npre == 1;
    return RW_OK;
}

int rw_choose(const struct rw_code *c, uint64_t site, long nr, bool threaded, struct rw_window *w)
{
    if (site < c->addr || site + 2 > c->addr + c->len) return RW_NO_SYSCALL;
    const uint8_t *s = c->code + (site - c->addr);
    if (s[0] != 0x0f || s[1] != 0x05) return RW_NO_SYSCALL;
    if (!c->func) {
        int n = known_form(s, site - c->addr, nr);
        if (!n) return RW_NO_PROOF;
        memset(w, 0, sizeof(*w));
        *w = (struct rw_window){.start = site - n,
                                .len = (uint8_t)n,
                                .syscall_off = (uint8_t)n,
                                .ninsn = 1,
                                .off = {0, (uint8_t)n},
                                .thread_safe = true};
        return RW_OK;
    }
    ZydisDecoder dec;
    init_decoder(&dec);
    struct around a;
    int r = scan_function(&dec, c, site, &a);
    if (r) return r;
    int npre = 0; /* movable instructions right before the syscall */
    while (npre < a.npre && movable(&a.pre[npre]))
        npre++;
    int npost = 0;
    while (npost < a.npost && movable(&a.post[npost]))
        npost++;
    if (npost < a.npost && terminal(&a.post[npost])) npost++;
    int why = RW_TOO_SHORT;
    /* in order of preference: nothing moves that a thread can be inside of
     * (one instruction before the syscall), then windows that start at the
     * syscall, then the rest */
    if (npre >= 1 && (r = try_window(&a, site, 1, false, 0, w)) == RW_OK) return RW_OK;
    if (r == RW_BRANCH_INSIDE) why = r;
    for (int j = 0; j <= npost; j++) {
        if ((r = try_window(&a, site, 0, true, j, w)) == RW_OK) return RW_OK;
        if (r == RW_BRANCH_INSIDE) why = r;
    }
    for (int i = 2; i <= npre; i++) {
        if ((r = try_window(&a, site, i, false, 0, w)) == RW_OK) break;
        if (r == RW_BRANCH_INSIDE) why = r;
    }
    for (int i = 1; r != RW_OK && i <= npre; i++)
        for (int j = 0; j <= npost; j++) {
            if ((r = try_window(&a, site, i, true, j, w)) == RW_OK) break;
            if (r == RW_BRANCH_INSIDE) why = r;
        }
    if (r != RW_OK) return why;
    return threaded ? RW_THREADS : RW_OK;
}

static bool put_rel32(uint8_t *at, int64_t target, uint64_t next)
{
    int64_t d = target - (int64_t)next;
    if (d != (int32_t)d) return false;
    int32_t v = (int32_t)d;
    memcpy(at, &v, 4);
    return true;
}

/* Copy in to out+pos (running at tramp+pos); returns the bytes written or 0. */
static size_t relocate(const struct rw_code *c, const struct insn *in, uint8_t *out, size_t pos,
                       uint64_t tramp)
{
    const uint8_t *b = c->code + (in->addr - c->addr);
    uint64_t at = tramp + pos;
    switch (in->kind) {
    case K_JCC: {
        uint8_t cc = b[0] == 0x0f ? b[1] & 0xf : b[0] & 0xf;
        out[pos] = 0x0f;
        out[pos + 1] = 0x80 | cc;
        return put_rel32(out + pos + 2, in->target, at + 6) ? 6 : 0;
    }
    case K_JMP:
        out[pos] = 0xe9;
        return put_rel32(out + pos + 1, in->target, at + 5) ? 5 : 0;
    case K_RIPREL:
    case K_JMP_MEM:
        memcpy(out + pos, b, in->len);
        return put_rel32(out + pos + in->disp_off, in->target, at + in->len) ? in->len : 0;
    default:
        memcpy(out + pos, b, in->len);
        return in->len;
    }
}

int rw_build(const struct rw_code *c, const struct rw_window *w, uint64_t tramp, uint64_t entry,
             uint8_t out[RW_TRAMP_MAX], struct rw_tramp *t)
{
    ZydisDecoder dec;
    init_decoder(&dec);
    memset(t, 0, sizeof(*t));
    uint64_t site = w->start + w->syscall_off;
    size_t pos = 0;
    struct insn in;
    int i = 0;
    for (; i < w->ninsn && w->off[i] < w->syscall_off; i++) {
        if (!decode(&dec, c, w->start + w->off[i], &in)) return RW_UNREACHABLE;
        t->map[i] = (uint16_t)pos;
        size_t n = relocate(c, &in, out, pos, tramp);
        if (!n) return RW_UNREACHABLE;
        pos += n;
    }
    t->call_off = (uint16_t)pos;
    if (w->with_syscall) t->map[i++] = (uint16_t)pos;
    static const uint8_t lea_below_red_zone[5] = {0x48, 0x8d, 0x64, 0x24, 0x80};
    static const uint8_t call_entry_quad[6] = {0xff, 0x15, 0x10, 0, 0, 0}; /* call *16(%rip) */
    memcpy(out + pos, lea_below_red_zone, 5);
    memcpy(out + pos + 5, call_entry_quad, 6);
    pos += 11;
    t->quads_off = (uint16_t)pos;
    uint64_t quads[3] = {site + 2, site + 2, entry};
    pos += sizeof(quads);
    t->cont_off = (uint16_t)pos;
    if (w->with_syscall) {
        quads[1] = tramp + pos;
        bool tail = false;
        for (; i < w->ninsn; i++) {
            if (!decode(&dec, c, w->start + w->off[i], &in)) return RW_UNREACHABLE;
            t->map[i] = (uint16_t)pos;
            size_t n = relocate(c, &in, out, pos, tramp);
            if (!n) return RW_UNREACHABLE;
            pos += n;
            tail = in.kind == K_RET || in.kind == K_JMP || in.kind == K_JMP_MEM;
        }
        if (!tail) { /* back to the code after the window */
            out[pos] = 0xe9;
            if (!put_rel32(out + pos + 1, (int64_t)(w->start + w->len), tramp + pos + 5))
                return RW_UNREACHABLE;
            pos += 5;
        }
    }
    memcpy(out + t->quads_off, quads, sizeof(quads));
    t->map[w->ninsn] = (uint16_t)pos;
    t->size = (uint16_t)pos;
    return RW_OK;
}

uint64_t rw_translate(const struct rw_window *w, const struct rw_tramp *t, uint64_t tramp,
                      uint64_t addr)
{
    if (addr <= w->start || addr >= w->start + w->len) return 0;
    for (int i = 1; i < w->ninsn; i++)
        if (w->start + w->off[i] == addr) return tramp + t->map[i];
    return 0;
}
