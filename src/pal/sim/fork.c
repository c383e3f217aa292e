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
 * that every forked host process watches from a thread of its own; when
 * the root ends, however it ends, the pipe reports end-of-file and they
 * exit; that thread is the copy of the forking thread, once the LibOS is
 * done with it (pal_as_forked_thread_done). It also ends a forked host
 * process whose address space no process uses any more. Host children are reaped by the host kernel
 * (SIGCHLD ignored): the LibOS waits for its processes through its own
 * shared state, never with waitpid.
 */
#include "pal/pal.h"
#include "pal/sim/handles.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

static int life_pipe[2] = {-1, -1};
static pthread_once_t life_once = PTHREAD_ONCE_INIT;
static const int *users_word; /* of this host process's address space */

static void life_init(void)
{
    if (pipe2(life_pipe, O_CLOEXEC) < 0) life_pipe[0] = life_pipe[1] = -1;
    if (handle_adopter_start() < 0) { /* a fork's files would die with it */
        close(life_pipe[0]);
        close(life_pipe[1]);
        life_pipe[0] = life_pipe[1] = -1;
    }
    struct sigaction sa = {.sa_handler = SIG_IGN};
    sigaction(SIGCHLD, &sa, NULL);
}

static void *watch(void *arg)
{
    (void)arg;
    int idle = 0;
    for (;;) {
        struct pollfd p = {life_pipe[0], POLLIN, 0};
        if (poll(&p, 1, 1000) > 0) _exit(137); /* the root is gone */
        /* Unused for two looks in a row: whatever ended the last process
         * has had a second to tell its parent. */
        if (users_word && __atomic_load_n(users_word, __ATOMIC_ACQUIRE) == 0) {
            if (++idle >= 2) pal_as_exit();
        } else {
            idle = 0;
        }
    }
    return NULL;
}

int pal_as_fork(const int *child_users)
{
    pthread_once(&life_once, life_init);
    if (life_pipe[0] < 0) return -EMFILE;
    int idx = handle_host_reserve();
    if (idx < 0) return idx;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        handle_host_unreserve(idx);
        return -e;
    }
    if (pid > 0) return pid;
    handle_host_become(idx);
    handle_host_forked_child();
    if (life_pipe[1] >= 0) { /* the root's alone */
        close(life_pipe[1]);
        life_pipe[1] = -1;
    }
    users_word = child_users;
    return 0;
}

_Noreturn void pal_as_exit(void)
{
    handle_host_exiting();
    syscall(SYS_exit_group, 0);
    __builtin_unreachable();
}

_Noreturn void pal_as_forked_thread_done(void)
{
    /* The copy of the forking thread has done its part: it stays as the
     * host process's watcher (one thread creation less per fork). */
    watch(NULL);
    pal_as_exit();
}
