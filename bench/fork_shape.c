/* fork_shape: what a host fork costs for a process shaped like the LibOS
 * runtime, without the LibOS: fork + _exit + waitpid of a host process
 * with 1 MB of touched heap (median of N, microseconds), plus the parts of
 * the runtime's shape named in <parts>. It bounds what bench/fork.c can
 * reach inside the LibOS (docs/performance.md, "fork of a 1 MB process").
 *
 *   k  the kernel heap: 64 GiB of a memfd mapped MAP_SHARED | MAP_NORESERVE,
 *      1.7 MB touched; the child touches 10 scattered pages of it
 *   r  the heap inside a 16 GiB PROT_NONE reservation (the user region)
 *   t  four more host threads, asleep (the runtime's timer, adopter,
 *      main and worker threads)
 *   c  libcrypto in use (its relocated data)
 *   s  fork with the raw system call, not glibc's fork() (no atfork
 *      handlers, no lock resets in the child: not safe with threads, see
 *      the docs; measured to show what glibc's fork adds)
 *   x  none of them
 *
 * Build and run (host only): gcc -O2 bench/fork_shape.c -o fork_shape
 * -lcrypto -lpthread; ./fork_shape krtc 1000
 */
#define _GNU_SOURCE
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_time.h"

#define KHEAP_SIZE (64UL << 30)
#define REGION_SIZE (16UL << 30)
#define HEAP_SIZE (1UL << 20)

static const size_t kheap_touched[] = {0x0,         0x1000,     0x13fff000,  0x180fd000,
                                       0x18107000,  0x1e1000,   0xffffaf000, 0xffffbd000,
                                       0xffffcf000, 0xffffd2000};

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 3 || strspn(argv[1], "krtcsx") != strlen(argv[1])) {
        fprintf(stderr, "usage: fork_shape <parts: any of k r t c s, or x> <iterations>\n");
        return 2;
    }
    const char *parts = argv[1];
    int n = atoi(argv[2]);
    if (n <= 0) {
        fprintf(stderr, "fork_shape: iterations must be a positive number, not '%s'\n", argv[2]);
        return 2;
    }
    char *heap;
    if (strchr(parts, 'r')) {
        char *region =
            mmap(NULL, REGION_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (region == MAP_FAILED) die("mmap (region)");
        heap = region + REGION_SIZE / 2;
        if (mprotect(heap, HEAP_SIZE, PROT_READ | PROT_WRITE) < 0) die("mprotect");
    } else if (!(heap = malloc(HEAP_SIZE))) {
        die("malloc");
    }
    memset(heap, 1, HEAP_SIZE);
    char *kheap = NULL;
    if (strchr(parts, 'k')) {
        int fd = memfd_create("kheap", 0);
        if (fd < 0 || ftruncate(fd, (off_t)KHEAP_SIZE) < 0) die("memfd");
        kheap = mmap(NULL, KHEAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
        if (kheap == MAP_FAILED) die("mmap (kheap)");
        memset(kheap, 1, 1700 << 10);
        for (size_t i = 0; i < sizeof(kheap_touched) / sizeof(kheap_touched[0]); i++)
            kheap[kheap_touched[i]] = 1;
    }
    if (strchr(parts, 'c')) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (!md || !EVP_DigestInit(md, EVP_sha256())) die("EVP_DigestInit");
    }
    for (int i = 0; strchr(parts, 't') && i < 4; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, sleeper, NULL) != 0) die("pthread_create");
    }
    bool raw = strchr(parts, 's') != NULL;
    double *t = malloc(sizeof(double) * (size_t)n);
    if (!t) die("malloc");
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        pid_t pid = raw ? (pid_t)syscall(SYS_fork) : fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            for (size_t j = 0; kheap && j < sizeof(kheap_touched) / sizeof(kheap_touched[0]); j++)
                kheap[kheap_touched[j]]++;
            _exit(0);
        }
        waitpid(pid, NULL, 0);
        t[i] = now_us() - t0;
    }
    printf("%.1f\n", median_of(t, (size_t)n));
    return 0;
}
