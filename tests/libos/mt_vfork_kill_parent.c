/*
 * mt_vfork_kill_parent: a process whose thread is suspended in vfork dies
 * at once of exit_group from another thread or of a fatal signal, while
 * its vfork child (a process of its own) runs on to its end; and a vfork
 * child killed by a signal lets its parent resume, also one suspended in
 * a vfork of its own (the parent's vfork returns that child's pid).
 *
 * Roles: the test's main process spawns a "parent" that vforks a child
 * sleeping CHILD_MS. Each child reports on a pipe: its pid when it starts,
 * "done" when its sleep ended (proof that it outlived its parent).
 */
#define _GNU_SOURCE
#include "mt_util.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>

#define CHILD_MS 2000
#define QUICK_MS 1000 /* the parent's end, well before the child's */

static int report_fd;

/* The vfork child: tell our pid, sleep, tell we are done. */
static void vfork_child_body(void)
{
    pid_t me = getpid();
    mt_writen(report_fd, &me, sizeof(me));
    mt_sleep_ms(CHILD_MS);
    mt_writen(report_fd, "done", 4);
    _exit(0);
}

static void *exit_group_soon(void *arg)
{
    (void)arg;
    mt_sleep_ms(100);
    syscall(SYS_exit_group, 7);
    return NULL;
}

/* "exit_group": thread B calls exit_group(7) while thread A is in vfork. */
static int role_exit_group(void)
{
    pthread_t b;
    CHECK(pthread_create(&b, NULL, exit_group_soon, NULL) == 0);
    if (vfork() == 0) vfork_child_body();
    return 3; /* not reached: exit_group ended the process during vfork */
}

/* "suspended": single-threaded, killed by the test while in vfork. The
 * child then says "done" from a new image (execve after its parent died). */
static int role_suspended(void)
{
    if (vfork() == 0) {
        pid_t me = getpid();
        mt_writen(report_fd, &me, sizeof(me));
        mt_sleep_ms(CHILD_MS);
        char fdarg[16];
        snprintf(fdarg, sizeof(fdarg), "%d", report_fd);
        char *args[] = {(char *)"mt", (char *)"report_done", fdarg, NULL};
        execve("/proc/self/exe", args, environ);
        _exit(5);
    }
    return 3; /* not reached: SIGTERM ended the process during vfork */
}

/* "killed_child": the vfork child is killed by the test; we resume. */
static int role_killed_child(void)
{
    pid_t pid = vfork();
    if (pid == 0) vfork_child_body();
    CHECK(pid > 0);
    int st = mt_wait_status(pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    return 0;
}

/* "nested": clone(CLONE_VM | CLONE_VFORK) twice, each child on a stack of
 * its own (as posix_spawn does), so that the outer parent may resume while
 * the innermost child runs; the test kills the middle one, whose pid the
 * innermost reports. */
static char mid_stack[64 * 1024] __attribute__((aligned(16)));
static char inner_stack[64 * 1024] __attribute__((aligned(16)));

static int inner_main(void *arg)
{
    (void)arg;
    pid_t parent = getppid();
    mt_writen(report_fd, &parent, sizeof(parent));
    mt_sleep_ms(300);
    return 0;
}

static int mid_main(void *arg)
{
    (void)arg;
    clone(inner_main, inner_stack + sizeof(inner_stack), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    return 4; /* not reached: killed while suspended */
}

static int role_nested(void)
{
    pid_t mid =
        clone(mid_main, mid_stack + sizeof(mid_stack), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
    CHECK(mid > 0);
    mt_writen(report_fd, &mid, sizeof(mid));
    int st = mt_wait_status(mid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    return 0;
}

/* Spawn `role` with the write end of a pipe; returns its pid, *rfd the read end. */
static pid_t start(const char *role, int *rfd)
{
    int p[2];
    CHECK(pipe(p) == 0);
    char fdarg[16];
    snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
    pid_t pid = mt_spawn_self(NULL, NULL, role, fdarg, NULL);
    CHECK(close(p[1]) == 0);
    *rfd = p[0];
    return pid;
}

static pid_t read_child_pid(int rfd)
{
    pid_t c = 0;
    CHECK_EQ(mt_readn(rfd, &c, sizeof(c)), sizeof(c));
    CHECK(c > 0);
    return c;
}

/* The child outlives its parent: "done" comes after its sleep, then EOF. */
static void expect_done(int rfd)
{
    char buf[8];
    CHECK_EQ(mt_readn(rfd, buf, 4), 4);
    CHECK(memcmp(buf, "done", 4) == 0);
    CHECK_EQ(mt_readn(rfd, buf, sizeof(buf)), 0);
    CHECK(close(rfd) == 0);
}

int main(int argc, char **argv)
{
    if (argc == 3) {
        report_fd = atoi(argv[2]);
        if (strcmp(argv[1], "exit_group") == 0) return role_exit_group();
        if (strcmp(argv[1], "suspended") == 0) return role_suspended();
        if (strcmp(argv[1], "killed_child") == 0) return role_killed_child();
        if (strcmp(argv[1], "nested") == 0) return role_nested();
        if (strcmp(argv[1], "report_done") == 0) {
            mt_writen(report_fd, "done", 4);
            return 0;
        }
        return 2;
    }

    /* exit_group from another thread */
    int rfd;
    double t0 = mt_now_ms();
    pid_t pid = start("exit_group", &rfd);
    read_child_pid(rfd);
    MT_WAIT_EXIT(pid, 7);
    double took = mt_now_ms() - t0;
    if (took >= QUICK_MS) fprintf(stderr, "exit_group during vfork took %.0f ms\n", took);
    CHECK(took < QUICK_MS);
    expect_done(rfd);
    CHECK(mt_now_ms() - t0 >= CHILD_MS - 50);

    /* a fatal signal to the suspended parent */
    t0 = mt_now_ms();
    pid = start("suspended", &rfd);
    read_child_pid(rfd);
    CHECK(kill(pid, SIGTERM) == 0);
    int st = mt_wait_status(pid);
    took = mt_now_ms() - t0;
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    if (took >= QUICK_MS) fprintf(stderr, "SIGTERM during vfork took %.0f ms\n", took);
    CHECK(took < QUICK_MS);
    expect_done(rfd);

    /* a fatal signal to the vfork child: the parent resumes and reaps it */
    t0 = mt_now_ms();
    pid = start("killed_child", &rfd);
    pid_t child = read_child_pid(rfd);
    CHECK(kill(child, SIGTERM) == 0);
    MT_WAIT_EXIT(pid, 0);
    took = mt_now_ms() - t0;
    CHECK(took < QUICK_MS);
    char buf[4];
    CHECK_EQ(mt_readn(rfd, buf, sizeof(buf)), 0); /* it never said "done" */
    CHECK(close(rfd) == 0);

    /* the middle one of two nested vforks killed */
    pid = start("nested", &rfd);
    pid_t mid = read_child_pid(rfd);
    CHECK(kill(mid, SIGTERM) == 0);
    CHECK_EQ(read_child_pid(rfd), mid); /* what the outer parent's clone returned */
    MT_WAIT_EXIT(pid, 0);
    CHECK_EQ(mt_readn(rfd, buf, sizeof(buf)), 0);
    CHECK(close(rfd) == 0);
    return 0;
}
