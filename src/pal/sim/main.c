/*
 * main: the sim PAL's host process: `occlum-libos <instance> <path> [args]`.
 *
 * It reads the internal config that `occlum build` wrote (host I/O, so it
 * is the PAL's job) and hands it to the LibOS, which does everything else.
 * Before that it verifies the build's signature and measurement
 * (common/measure.c): on SGX the CPU measures the enclave; here this
 * untrusted process measures its own binary, see README.md.
 */
#include "common/measure.h"
#include "libos.h"
#include "pal/pal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: occlum-libos <instance dir> <path> [args...]\n"
                        "(this is the LibOS runtime; use 'occlum run' instead)\n");
        return 2;
    }
    const char *instance = argv[1];
    /* Signing and measurement: nothing runs unless the signed build verifies. */
    char err[8192];
    size_t cfg_len;
    char *cfg = measure_load_verified(instance, "/proc/self/exe", &cfg_len, err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "occlum run: %s\n", err);
        return 1;
    }
    return libos_boot(cfg, instance, argv[2], argv + 2, environ);
}
