/*
 * clone_bad_stack: a thread created with a stack pointer into memory it
 * cannot write. On Linux the new thread faults on its first use of the
 * stack and SIGSEGV ends the whole process; the LibOS, which writes the
 * thread's entry on that stack, must do the same and not fault itself.
 * The clone runs in a child process (this program spawned again), whose
 * death the parent checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int child(void)
{
    char *guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (guard == MAP_FAILED) return 2;
    unsigned long flags =
        CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
    long ret;
    register long r10 __asm__("r10") = 0;
    register long r8 __asm__("r8") = 0;
    /* raw: a libc wrapper would write to the new stack in this thread */
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "push %%rax\n\t" /* the new thread: its stack is not writable */
                     "ud2\n"
                     "1:"
                     : "=a"(ret)
                     : "a"((long)SYS_clone), "D"(flags), "S"(guard + 4096), "d"(0L), "r"(r10),
                       "r"(r8)
                     : "rcx", "r11", "memory");
    if (ret < 0) return 3;
    sleep(10); /* the new thread's fault ends this process first */
    return 4;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) return child();
    char *args[] = {argv[0], "child", NULL};
    pid_t pid;
    int r = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, environ);
    if (r) {
        fprintf(stderr, "posix_spawn: %s\n", strerror(r));
        return 1;
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) return 1;
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV) {
        fprintf(stderr, "child: status %#x, expected death by SIGSEGV\n", st);
        return 1;
    }
    puts("bad clone stack: SIGSEGV");
    return 0;
}
