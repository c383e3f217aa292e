/* clone_vm: clone(CLONE_VM) without CLONE_VFORK or CLONE_THREAD makes a
 * new process in the caller's memory: it has its own pid (its parent is
 * the caller), its writes are the parent's memory, it runs while the
 * parent goes on, and its exit status reaches waitpid. Its fd table is a
 * copy unless CLONE_FILES; CLONE_CHILD_CLEARTID clears (and wakes) the
 * word when it ends; an execve in it leaves the parent's memory alone.
 * The child only makes raw system calls: it shares the parent's TLS. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "check.h"

static char stack1[64 * 1024] __attribute__((aligned(16)));
static char stack2[64 * 1024] __attribute__((aligned(16)));
static volatile int shared_word, child_pid_seen, child_ppid_seen, go;
static volatile pid_t ctid = -1;
static char *self_path;

static int child_main(void *arg)
{
    shared_word = (int)(intptr_t)arg;
    child_pid_seen = (int)syscall(SYS_getpid);
    child_ppid_seen = (int)syscall(SYS_getppid);
    int fd = (int)syscall(SYS_open, "/dev/null", O_RDONLY);
    while (!go) /* the parent runs meanwhile: it sets go */
        syscall(SYS_sched_yield);
    return 7 + (fd < 0);
}

static int exec_main(void *arg)
{
    (void)arg;
    char *argv[] = {self_path, "exec-child", NULL};
    syscall(SYS_execve, self_path, argv, NULL);
    return 99; /* execve failed */
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "exec-child") == 0) return shared_word == 0 ? 5 : 6;
    self_path = argv[0];
    int fd_before = open("/dev/null", O_RDONLY);
    CHECK(fd_before >= 0);
    CHECK(close(fd_before) == 0);

    /* a copied fd table: the child's open does not show here */
    pid_t pid = clone(child_main, stack1 + sizeof(stack1), CLONE_VM | SIGCHLD, (void *)41);
    CHECK(pid > 0);
    while (shared_word != 41) /* it writes our memory */
        sched_yield();
    go = 1;
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    CHECK(child_pid_seen == pid && child_pid_seen != getpid());
    CHECK(child_ppid_seen == getpid());
    CHECK(fcntl(fd_before, F_GETFD) == -1 && errno == EBADF);

    /* CLONE_FILES: its open is our fd too; CLONE_CHILD_CLEARTID */
    go = 0;
    shared_word = 0;
    pid = clone(child_main, stack2 + sizeof(stack2),
                CLONE_VM | CLONE_FILES | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD,
                (void *)42, NULL, NULL, &ctid);
    CHECK(pid > 0);
    while (shared_word != 42)
        sched_yield();
    go = 1;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    CHECK(ctid == 0);
    CHECK(fcntl(fd_before, F_GETFD) == 0); /* the child's /dev/null */
    CHECK(close(fd_before) == 0);

    /* execve in a CLONE_VM child: a new image of its own */
    shared_word = 0;
    pid = clone(exec_main, stack1 + sizeof(stack1), CLONE_VM | SIGCHLD, NULL);
    CHECK(pid > 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
    shared_word = 3; /* our memory is still ours */
    CHECK(shared_word == 3);
    return 0;
}
