/*
 * main: the sim PAL's host process: `occlum-libos <instance> <path> [args]`.
 *
 * It reads the internal config that `occlum build` wrote (host I/O, so it
 * is the PAL's job) and hands it to the LibOS, which does everything else.
 */
#include "libos.h"
#include "pal/pal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: occlum-libos <instance dir> <path> [args...]\n"
                        "(this is the LibOS runtime; use 'occlum run' instead)\n");
        return 2;
    }
    const char *instance = argv[1];
    char cfg_path[4096];
    snprintf(cfg_path, sizeof(cfg_path), "%s/build/Occlum.json.protected", instance);
    char *cfg = read_file(cfg_path);
    if (!cfg) {
        fprintf(stderr, "occlum run: cannot read %s (%s); run 'occlum build'\n", cfg_path,
                strerror(errno));
        return 1;
    }
    return libos_boot(cfg, instance, argv[2], argv + 2, environ);
}
