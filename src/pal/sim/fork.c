/*
 * fork: address spaces as host processes (DESIGN.md, "Address spaces").
 *
 * pal_as_fork is a host fork of this host process; the child becomes one
 * more host process of the instance (handles.c gives it an index, under
 * which the host fds it opens are found by the others). The LibOS's state
 * is shared memory (the kernel heap, its globals), so both go on with the
 * same objects; everything else is the child's copy.
 *
 * No host process of an instance outlives it: the root (the runtime that
 * `occlum run` or `occlum start` made) holds the only write end of a pipe
 * of which every forked host process holds a read end of its own, O_ASYNC
 * with F_SETSIG = SIGKILL (life_end_open); when the root ends, however it ends, the host kernel
 * sends that SIGKILL to all of them (no thread has to watch). The copy of
 * the forking thread runs the child's first LibOS thread
 * (pal_as_forked_run) and afterwards ends a forked host process whose
 * address space no process uses any more. Host children are reaped by the host kernel
 * (SIGCHLD ignored): the LibOS waits for its processes through its own
 * shared state, never with waitpid.
 */
#include "pal/pal.h"
#include "pal/sim/handles.h"
#include "pal/sim/trap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

static int life_pipe[2] = {-1, -1};
static pthread_once_t life_once = PTHREAD_ONCE_INIT;
static const int *users_word; /* of this host process's address space */

/* A forked host process ended without the LibOS (killed from the host, out
 * of memory, a LibOS fault there): its processes are gone without a trace
 * in the LibOS's state, and it may have held LibOS locks, so nothing can
 * be trusted to go on; the instance stops, saying why, and the host kernel
 * ends the other forked host processes with it. */
static void host_lost(int pid)
{
    dprintf(2,
            "[occlum error] host process %d of this instance (the address space of a forked "
            "process) ended without the LibOS: killed from the host (see the kernel log for "
            "the OOM killer) or a LibOS fault there; the instance stops\n",
            pid);
    syscall(SYS_exit_group, 1);
}

static void life_init(void)
{
    if (pipe2(life_pipe, O_CLOEXEC) < 0) life_pipe[0] = life_pipe[1] = -1;
    if (handle_adopter_start(host_lost) < 0) { /* a fork's files would die with it */
        close(life_pipe[0]);
        close(life_pipe[1]);
        life_pipe[0] = life_pipe[1] = -1;
    }
    struct sigaction sa = {.sa_handler = SIG_IGN};
    sigaction(SIGCHLD, &sa, NULL);
}

/* Until this host process's address space has no user left. */
static _Noreturn void watch(void)
{
    int idle = 0;
    for (;;) {
        struct timespec second = {1, 0};
        nanosleep(&second, NULL);
        /* Unused for two looks in a row: whatever ended the last process
         * has had a second to tell its parent. */
        if (users_word && __atomic_load_n(users_word, __ATOMIC_ACQUIRE) == 0) {
            if (++idle >= 2) pal_as_exit();
        } else {
            idle = 0;
        }
    }
}

/* The root's death kills the child host process: a read end of the life
 * pipe of its own (a new open file description, so that its owner is that
 * process alone) signals SIGKILL to it when the last write end closes. The
 * parent opens it before the fork (its code and procfs's lookups are warm
 * there, a child's first touches are page faults), with no owner yet, so
 * that nothing is signalled until the child names itself its owner. */
static int life_end_open(void)
{
    char path[40] = "/proc/self/fd/";
    char digits[12];
    int n = 0;
    for (unsigned v = (unsigned)life_pipe[0]; n == 0 || v; v /= 10)
        digits[n++] = (char)('0' + v % 10);
    size_t at = strlen(path);
    while (n)
        path[at++] = digits[--n];
    path[at] = '\0';
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -errno;
    if (fcntl(fd, F_SETSIG, SIGKILL) < 0 ||
        fcntl(fd, F_SETFL, O_RDONLY | O_NONBLOCK | O_ASYNC) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

/* In the child: arm fd (life_end_open's) for this process. */
static int die_with_root(int fd)
{
    if (fcntl(fd, F_SETOWN, getpid()) < 0) return -errno;
    close(life_pipe[0]); /* the copy of the parent's, owned by whoever set it last */
    life_pipe[0] = fd;
    /* The root may have ended before the signal was armed. */
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLIN))) return -EPIPE;
    return 0;
}

int pal_as_fork(const int *child_users)
{
    pthread_once(&life_once, life_init);
    if (life_pipe[0] < 0) return -EMFILE;
    int idx = handle_host_reserve();
    if (idx < 0) return idx;
    int life_end = life_end_open();
    if (life_end < 0) {
        handle_host_unreserve(idx);
        return life_end;
    }
    pid_t pid = fork();
    if (pid != 0) {
        int e = errno;
        close(life_end); /* the child's alone */
        if (pid > 0) return pid;
        handle_host_unreserve(idx);
        return -e;
    }
    handle_host_become(idx);
    handle_host_forked_child();
    pal_trap_forked_child();
    if (life_pipe[1] >= 0) { /* the root's alone */
        close(life_pipe[1]);
        life_pipe[1] = -1;
    }
    users_word = child_users;
    if (die_with_root(life_end) < 0) _exit(137); /* the root is gone, or cannot be watched */
    return 0;
}

_Noreturn void pal_as_exit(void)
{
    handle_host_exiting();
    syscall(SYS_exit_group, 0);
    __builtin_unreachable();
}

static void *(*forked_fn)(void *);
static void *forked_arg;

static _Noreturn void forked_main(void)
{
    forked_fn(forked_arg);
    watch();
}

/* The stack of the copy of the forking thread: static, so nothing to map
 * (each forked host process has its own copy, zero pages until used). */
#define FORKED_STACK_SIZE (256 * 1024)
static char forked_stack[FORKED_STACK_SIZE] __attribute__((aligned(64)));

_Noreturn void pal_as_forked_run(void *(*fn)(void *), void *arg, size_t stack_size)
{
    void *stack = stack_size <= FORKED_STACK_SIZE ? forked_stack : NULL;
    if (!stack) stack = pal_private_stack_alloc(stack_size);
    if (!stack) pal_as_exit(); /* no memory for the child: it dies with its host process */
    if (stack == forked_stack) stack_size = FORKED_STACK_SIZE;
    forked_fn = fn;
    forked_arg = arg;
    /* Off the parent thread's frames (and its signal stack, which the
     * LibOS may make this thread's altstack again): a fresh stack, 16-byte
     * aligned at the call as the ABI wants. */
    uint64_t top = ((uint64_t)stack + stack_size) & ~15UL;
    __asm__ volatile("movq %0, %%rsp\n\t"
                     "xorl %%ebp, %%ebp\n\t"
                     "call *%1\n\t"
                     "ud2"
                     :
                     : "r"(top), "r"(forked_main)
                     : "memory");
    __builtin_unreachable();
}
