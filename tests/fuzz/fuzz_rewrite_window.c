/* fuzz-sources: src/libos/entry/rewrite_window.c */
/*
 * fuzz_rewrite_window: the system call rewriter's window choice and
 * trampoline building on any bytes taken as a function (the application
 * controls its code). The first two bytes pick the syscall's offset and
 * whether other threads run; a 0f 05 is placed there. Whatever is chosen
 * must lie inside the function, cover the syscall (or end at it), hold 5
 * to 32 bytes, have increasing instruction starts, be thread-safe when
 * asked, and its trampoline must fit and map every inner instruction
 * start to inside itself. A refusal must be one of the known ones.
 */
#include "entry/rewrite_window.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BASE 0x7f0000200000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size > 4096) return 0;
    size_t n = size - 2;
    uint8_t *code = malloc(n);
    if (!code) return 0;
    memcpy(code, data + 2, n);
    size_t off = data[0] % (n - 1);
    bool threaded = data[1] & 1;
    code[off] = 0x0f;
    code[off + 1] = 0x05;
    struct rw_code c = {BASE, code, n, !(data[1] & 2)};
    uint64_t site = BASE + off;
    struct rw_window w;
    int r = rw_choose(&c, site, data[1] >> 2, threaded, &w);
    if (r == RW_OK) {
        if (w.start < BASE || w.start + w.len > BASE + n || w.len < 5 || w.len > RW_MAX_LEN)
            abort();
        uint64_t end = w.with_syscall ? site + 2 : site;
        if (w.start > site || w.start + w.len < end) abort();
        if (w.with_syscall && w.start + w.syscall_off != site) abort();
        if (threaded && !w.thread_safe) abort();
        if (w.off[0] != 0 || w.off[w.ninsn] != w.len) abort();
        for (int i = 0; i < w.ninsn; i++)
            if (w.off[i] >= w.off[i + 1]) abort();
        uint8_t t[RW_TRAMP_MAX];
        struct rw_tramp tr;
        uint64_t tramp = BASE + 0x10000;
        if (rw_build(&c, &w, tramp, 0x1000, t, &tr) == RW_OK) {
            if (tr.size > RW_TRAMP_MAX || tr.quads_off + 24 > tr.size) abort();
            for (int i = 1; i < w.ninsn; i++) {
                uint64_t to = rw_translate(&w, &tr, tramp, w.start + w.off[i]);
                if (to < tramp || to > tramp + tr.size) abort();
            }
        }
    } else if (r < 0 || r >= RW_NREFUSALS) {
        abort();
    }
    free(code);
    return 0;
}
