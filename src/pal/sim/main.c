/*
 * main: the sim PAL's host process: `occlum-libos <instance> <path> [args]`.
 *
 * It reads the internal config that `occlum build` wrote (host I/O, so it
 * is the PAL's job) and hands it to the LibOS, which does everything else.
 * Before that it verifies the build's signature and measurement
 * (common/measure.c): on SGX the CPU measures the enclave; here this
 * untrusted process measures its own binary, see README.md. It also takes
 * the instance lock (common/instance_lock.h) for the whole run.
 */
#include "common/instance_lock.h"
#include "common/measure.h"
#include "libos.h"
#include "image/sefs_format.h"
#include "fs/sefs_rw.h"
#include "pal/pal.h"
#include "pal/sim/image_key.h"
#include "pal/sim/sealing.h"
#include "pal/sim/server.h"

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern char **environ;

int main(int argc, char **argv)
{
    /* --server: `occlum start`'s long-running LibOS (server.c). */
    bool server = argc == 3 && strcmp(argv[1], "--server") == 0;
    if (argc < 3) {
        fprintf(stderr, "usage: occlum-libos <instance dir> <path> [args...]\n"
                        "       occlum-libos --server <instance dir>\n"
                        "(this is the LibOS runtime; use 'occlum run' or 'occlum start')\n");
        return 2;
    }
    /* One malloc arena for every host thread: the LibOS allocates from its
     * own heap, so host libc's malloc serves only libc itself (thread
     * creation), and each extra arena is one more area, page table and a
     * pair of page faults (its lock, in glibc's fork handlers) in every
     * fork of this host process (docs/performance.md). */
    mallopt(M_ARENA_MAX, 1);
    /* The LibOS's globals, then its heap, before anything allocates
     * through OpenSSL (the measurement below). */
    int sr = pal_share_globals();
    if (sr < 0) {
        fprintf(stderr, "occlum-libos: cannot share the LibOS's globals: %s\n", strerror(-sr));
        return 1;
    }
    int hr = libos_heap_init();
    if (hr != 0) return hr;
    const char *instance = server ? argv[2] : argv[1];
    const char *who = server ? "occlum start" : "occlum run";
    /* The application's umask is the LibOS's (fs_struct): host files are
     * created with exactly the modes the LibOS asks for (hostfs). */
    umask(0);
    /* A host pipe or socket closed at the other end gives EPIPE: the LibOS
     * turns it into the application's own SIGPIPE (which it may ignore). */
    signal(SIGPIPE, SIG_IGN);
    /* Signing and measurement: nothing runs unless the signed build verifies. */
    char err[8192];
    size_t cfg_len;
    struct occlum_sig sig;
    char *cfg =
        measure_load_verified_sig(instance, "/proc/self/exe", &cfg_len, &sig, err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "%s: %s\n", who, err);
        return 1;
    }
    /* The writable layer's key: the host's sealing secret (the simulated
     * SGX sealing key) and the verified signer's identity. */
    uint8_t sealing[32], mrsigner[MEASURE_HASH_LEN], key[32];
    if (pal_sealing_secret(sealing, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", who, err);
        return 1;
    }
    measure_mrsigner(&sig, mrsigner);
    if (sefs_writable_key(sealing, mrsigner, key) < 0) {
        fprintf(stderr, "%s: cannot derive the writable layer's key (OpenSSL HKDF)\n", who);
        return 1;
    }
    sefs_rw_set_key(key);
    memset(sealing, 0, sizeof(sealing));
    memset(key, 0, sizeof(key));
    if (pal_load_image_key(who) < 0) return 1;
    /* One process at a time may have the writable layer open (`occlum
     * mount` takes the same lock); the fd stays open, and the lock held,
     * until this process exits. */
    if (instance_lock_take(instance, server ? "start" : "run", NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", who, err);
        return 1;
    }
    if (!server) return libos_boot(cfg, instance, argv[2], argv + 2, environ);
    int sigfd = server_block_stop_signals(); /* before libos_init makes threads */
    if (sigfd < 0) {
        fprintf(stderr, "%s: cannot set up signal handling: %s\n", who, strerror(errno));
        return 1;
    }
    int r = libos_init(cfg, instance, environ);
    return r != 0 ? r : server_run(instance, sigfd);
}
