/* nopie: a non-position-independent executable (ET_EXEC, linked at the
 * fixed address 0x400000) runs at its link address, with its data, heap
 * (brk and mmap), threads and signals, spawns a PIE program and a second
 * copy of itself (which runs while this one does), has a shell and a
 * clone(CLONE_VM) child execve a copy of itself while this one holds the
 * fixed range (plain execve, not vfork's: the LibOS moves that process to
 * an address space of its own, keeping its pid), and execve's a fresh copy
 * of itself over its own fixed range. Built -no-pie dynamic (nopie.flags);
 * nopie_static is the -static -no-pie twin. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "check.h"

extern char **environ;

static int counter = 7;           /* .data at a link-time address */
static char zeroes[1 << 16];      /* .bss */
static volatile sig_atomic_t got; /* set by the handler */

static void on_usr1(int sig)
{
    got = sig;
}

static char *self_path;

/* a clone(CLONE_VM) child: shares this memory until its execve */
static int exec_self(void *arg)
{
    char *again[] = {self_path, "again", NULL};
    execve(self_path, again, environ);
    return 99;
}

static void *worker(void *arg)
{
    *(int *)arg += counter;
    return arg;
}

int main(int argc, char **argv)
{
    /* Linked below 2 GiB (0x400000 by default); a PIE would be loaded high. */
    CHECK((uintptr_t)&main < 0x80000000UL);
    CHECK((uintptr_t)&counter < 0x80000000UL);
    CHECK(counter == 7);
    for (size_t i = 0; i < sizeof(zeroes); i++)
        CHECK(zeroes[i] == 0);
    if (argc == 2 && strcmp(argv[1], "again") == 0) return 0;
    if (argc == 2 && strcmp(argv[1], "sleep") == 0) { /* ready on fd 3, then wait for a kill */
        CHECK(write(3, "r", 1) == 1);
        for (;;)
            pause();
    }
    self_path = argv[0];

    /* the brk heap (musl's sbrk takes no increment: the system call) */
    char *heap = (char *)syscall(SYS_brk, 0);
    CHECK((char *)syscall(SYS_brk, heap + (1 << 20)) == heap + (1 << 20));
    memset(heap, 0x5a, 1 << 20);
    char *m = malloc(3 << 20);
    CHECK(m != NULL);
    memset(m, 1, 3 << 20);
    free(m);
    void *a = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    CHECK(munmap(a, 1 << 20) == 0);

    int v = 1;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, worker, &v) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(v == 8);

    CHECK(signal(SIGUSR1, on_usr1) != SIG_ERR);
    CHECK(raise(SIGUSR1) == 0);
    CHECK(got == SIGUSR1);

    /* a PIE child (the shell) next to this fixed-address image */
    pid_t pid;
    char *sh_argv[] = {"sh", "-c", "exit 3", NULL};
    CHECK(posix_spawn(&pid, "/bin/sh", NULL, NULL, sh_argv, environ) == 0);
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);

    /* a second process of this image while this one runs: the LibOS gives
     * it an address space of its own */
    char *again_argv[] = {argv[0], "again", NULL};
    CHECK(posix_spawn(&pid, argv[0], NULL, NULL, again_argv, environ) == 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* a shell in this address space (vfork + execve of a PIE) that execs a
     * copy of this image: the same process, now in an address space of its
     * own, exits 0; then one that waits to be killed */
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "exec %s again", argv[0]);
    char *exec_argv[] = {"sh", "-c", cmd, NULL};
    CHECK(posix_spawn(&pid, "/bin/sh", NULL, NULL, exec_argv, environ) == 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    int ready[2];
    CHECK(pipe2(ready, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    CHECK(posix_spawn_file_actions_init(&fa) == 0);
    CHECK(posix_spawn_file_actions_adddup2(&fa, ready[1], 3) == 0);
    snprintf(cmd, sizeof(cmd), "exec %s sleep", argv[0]);
    CHECK(posix_spawn(&pid, "/bin/sh", &fa, NULL, exec_argv, environ) == 0);
    CHECK(posix_spawn_file_actions_destroy(&fa) == 0);
    CHECK(close(ready[1]) == 0);
    char c;
    CHECK(read(ready[0], &c, 1) == 1 && c == 'r');
    CHECK(kill(pid, SIGTERM) == 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    CHECK(close(ready[0]) == 0);

    /* a clone(CLONE_VM) child (a process sharing this memory) that execs
     * a copy of this image */
    static char stack[64 << 10] __attribute__((aligned(16)));
    pid = clone(exec_self, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
    CHECK(pid > 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* a new copy of this image over the old one, at the same address */
    char *again[] = {argv[0], "again", NULL};
    execv(argv[0], again);
    CHECK(!"execv returned");
    return 1;
}
