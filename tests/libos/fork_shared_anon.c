/* fork_shared_anon: MAP_SHARED|MAP_ANONYMOUS memory stays shared between
 * a forked child and its parent (both see each other's writes, and a
 * counter bumped by both with atomics adds up), while MAP_PRIVATE memory
 * mapped next to it is copied. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include "check.h"

int main(void)
{
    int *shared = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED && priv != MAP_FAILED);
    CHECK(shared[0] == 0 && shared[(1 << 14) - 1] == 0); /* zero-filled */
    shared[1] = 11;
    priv[0] = 1;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int bad = shared[1] != 11;
        shared[2] = 22; /* the parent sees it */
        priv[0] = 2;    /* the parent does not */
        for (int i = 0; i < 100000; i++)
            __atomic_add_fetch(&shared[3], 1, __ATOMIC_RELAXED);
        while (__atomic_load_n(&shared[4], __ATOMIC_ACQUIRE) != 44) /* written by the parent */
            ;
        _exit(bad ? 1 : 0);
    }
    for (int i = 0; i < 100000; i++)
        __atomic_add_fetch(&shared[3], 1, __ATOMIC_RELAXED);
    __atomic_store_n(&shared[4], 44, __ATOMIC_RELEASE);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(shared[2] == 22);
    CHECK(shared[3] == 200000);
    CHECK(priv[0] == 1);
    CHECK(munmap(shared, 1 << 16) == 0);
    CHECK(munmap(priv, 4096) == 0);
    return 0;
}
