/*
 * usercopy: fault-safe copies (usercopy.S). Inside the LibOS, a fault on
 * one of these instructions makes the copy stop short instead of crashing
 * (the trap handler resumes at the instruction's fixup); in host tools
 * they are plain copies. Every copy to or from application memory goes
 * through them (see libos/vm/uaccess.h for the checks that come first).
 */
#ifndef OCCLUM_COMMON_USERCOPY_H
#define OCCLUM_COMMON_USERCOPY_H

#include <stddef.h>
#include <stdint.h>

/* 0, or the bytes left undone at a fault. */
size_t uaccess_copy(void *dst, const void *src, size_t len);
size_t uaccess_zero(void *dst, size_t len);
/* An atomic store of a futex word: 0, or 1 when dst faulted. */
int uaccess_store32(uint32_t *dst, uint32_t v);
/* A futex word's atomic load (0, or 1 at a fault) and compare-exchange
 * (0 done, 1 *p differed and *expected has it now, -1 at a fault). */
int uaccess_load32(const uint32_t *src, uint32_t *out);
int uaccess_cmpxchg32(uint32_t *p, uint32_t *expected, uint32_t v);
/* The length of the string copied with its NUL, -2 when max bytes hold
 * no NUL, -1 at a fault. */
long uaccess_strncpy(char *dst, const char *src, size_t max);
/* The same without copying: the string's length, -2 or -1. */
long uaccess_strnlen(const char *src, size_t max);

/* The exception table: each faulting instruction and where to resume. */
struct uaccess_fixup_entry {
    unsigned long insn, resume;
};
extern const struct uaccess_fixup_entry uaccess_fixups[];
extern const unsigned long uaccess_nfixups;

#endif
