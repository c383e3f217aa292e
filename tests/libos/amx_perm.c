/*
 * amx_perm: arch_prctl's dynamically enabled XSAVE state (AMX tile data),
 * as Linux answers it: what the CPU supports, what the process may use,
 * a request for tile data (granted where the CPU has AMX, EOPNOTSUPP
 * where it has not; ENOSPC while a sigaltstack is too small for the
 * bigger signal frames), EINVAL and EOPNOTSUPP for other indices.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define ARCH_GET_XCOMP_SUPP 0x1021
#define ARCH_GET_XCOMP_PERM 0x1022
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18
#define XFEATURE_MASK_XTILE ((1ULL << 17) | (1ULL << 18))

static long arch_prctl(int code, unsigned long arg)
{
    return syscall(SYS_arch_prctl, code, arg);
}

int main(void)
{
    uint64_t supp = 0, perm = 0;
    CHECK(arch_prctl(ARCH_GET_XCOMP_SUPP, (unsigned long)&supp) == 0);
    CHECK((supp & 3) == 3); /* x87 and SSE, always */
    CHECK(arch_prctl(ARCH_GET_XCOMP_PERM, (unsigned long)&perm) == 0);
    CHECK(perm == (supp & ~(1ULL << XFEATURE_XTILEDATA)));
    errno = 0;
    CHECK(arch_prctl(ARCH_GET_XCOMP_SUPP, 8) == -1 && errno == EFAULT);

    errno = 0;
    CHECK(arch_prctl(ARCH_REQ_XCOMP_PERM, 1000) == -1 && errno == EINVAL);
    errno = 0;
    CHECK(arch_prctl(ARCH_REQ_XCOMP_PERM, 1) == -1 && errno == EOPNOTSUPP);

    bool amx = (supp & XFEATURE_MASK_XTILE) == XFEATURE_MASK_XTILE;
    static char small[8192];
    stack_t ss = {.ss_sp = small, .ss_size = sizeof(small), .ss_flags = 0};
    CHECK(sigaltstack(&ss, NULL) == 0);
    errno = 0;
    long r = arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA);
    if (amx) {
        /* 8 KiB of tile data do not fit an 8 KiB stack's frame */
        CHECK(r == -1 && errno == ENOSPC);
        ss.ss_flags = SS_DISABLE;
        CHECK(sigaltstack(&ss, NULL) == 0);
        CHECK(arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0);
        CHECK(arch_prctl(ARCH_GET_XCOMP_PERM, (unsigned long)&perm) == 0);
        CHECK(perm & (1ULL << XFEATURE_XTILEDATA));
        /* granted twice is still granted */
        CHECK(arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0);
    } else {
        CHECK(r == -1 && errno == EOPNOTSUPP);
        CHECK(arch_prctl(ARCH_GET_XCOMP_PERM, (unsigned long)&perm) == 0);
        CHECK(!(perm & (1ULL << XFEATURE_XTILEDATA)));
    }
    puts(amx ? "amx granted" : "no amx");
    return 0;
}
