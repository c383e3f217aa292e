/*
 * rewrite_window: which bytes around a `syscall` instruction can move into
 * a trampoline, and the trampoline that runs them (rewrite_window.c).
 * Pure functions of the code's bytes: no process, no memory access.
 */
#ifndef LIBOS_ENTRY_REWRITE_WINDOW_H
#define LIBOS_ENTRY_REWRITE_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RW_MAX_LEN 32   /* bytes a window may span */
#define RW_MAX_INSNS 12 /* instructions in it */
#define RW_TRAMP_MAX 192

/* Code to decode: the enclosing function's bytes when its bounds are
 * known (func true), else just the 5 bytes before the syscall and it. */
struct rw_code {
    uint64_t addr; /* address of code[0] */
    const uint8_t *code;
    size_t len;
    bool func; /* [addr, addr+len) is the whole function (its FDE) */
};

/*
 * A window: [start, start+len) is overwritten by a 5-byte jmp to the
 * trampoline. It holds instructions before the syscall and/or the syscall
 * and instructions after it. When the syscall is not in it (with_syscall
 * false), it ends right at the syscall, which stays in place.
 */
struct rw_window {
    uint64_t start;
    uint8_t len;
    bool with_syscall;
    uint8_t syscall_off; /* the syscall's offset from start (may equal len) */
    uint8_t ninsn;
    uint8_t off[RW_MAX_INSNS + 1]; /* instruction starts; off[ninsn] = len */
    /* No instruction of it starts strictly inside its first 5 bytes
     * before the end of the syscall: another thread can then be inside
     * the bytes the jmp covers only by having returned from this site's
     * system call (what rewrite.c can see), not by running into it. */
    bool thread_safe;
};

enum rw_refusal {
    RW_OK = 0,
    RW_NO_SYSCALL,    /* no 0f 05 at the site */
    RW_NO_PROOF,      /* no function bounds and not one of the exact forms */
    RW_UNDECODABLE,   /* linear decoding of the function failed */
    RW_MISALIGNED,    /* decoding from the function start does not land on the syscall */
    RW_INDIRECT_JUMP, /* the function has a jump through a register/table */
    RW_BRANCH_INSIDE, /* every candidate has a branch target inside it */
    RW_TOO_SHORT,     /* no run of relocatable instructions of >= 5 bytes */
    RW_THREADS,       /* only windows unsafe while other threads run */
    RW_UNREACHABLE,   /* a RIP-relative operand or branch out of rel32 reach */
    RW_OVERLAP,       /* the window shares bytes with another site's (rewrite.c) */
    RW_NOMEM,         /* no kernel memory for the site's entry */
    RW_NREFUSALS
};
const char *rw_refusal_str(int why);

/*
 * Choose the window for the syscall at `site` (inside c). nr: the number
 * that trapped there (the exact form `mov $nr,%eax` must carry it).
 * threaded: other threads may run this code (only thread_safe windows).
 * Returns RW_OK and fills w, or a refusal.
 */
int rw_choose(const struct rw_code *c, uint64_t site, long nr, bool threaded, struct rw_window *w);

/* Where a trampoline's parts are, as offsets from its start. */
struct rw_tramp {
    uint16_t size;
    uint16_t call_off;              /* the entry call: a restart of the syscall resumes here */
    uint16_t quads_off;             /* reported rip, continuation, entry */
    uint16_t cont_off;              /* continuation: the displaced instructions after the syscall */
    uint16_t map[RW_MAX_INSNS + 1]; /* window instruction i runs at map[i] */
};

/*
 * Build the trampoline at address `tramp` for window w (decoded from c):
 * the displaced instructions before the syscall (RIP-relative operands
 * re-aimed), `lea -128(%rsp),%rsp; call *entry`, the quads {rip after the
 * syscall, where to resume, entry}, the displaced instructions after it
 * (a final jcc/jmp re-targeted as rel32), and a jmp back to the window's
 * end. Returns RW_OK or RW_UNREACHABLE.
 */
int rw_build(const struct rw_code *c, const struct rw_window *w, uint64_t tramp, uint64_t entry,
             uint8_t out[RW_TRAMP_MAX], struct rw_tramp *t);

/* The address inside the trampoline that stands for `addr` strictly inside
 * the window (an instruction start), or 0. */
uint64_t rw_translate(const struct rw_window *w, const struct rw_tramp *t, uint64_t tramp,
                      uint64_t addr);

#endif
