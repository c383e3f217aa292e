/* fork_threads: fork in a multi-threaded process: only the calling thread
 * goes on in the child (which can make threads of its own), the parent's
 * other threads keep running, and a fork from a thread other than the
 * main one returns in that thread's context in the child. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/wait.h>
#include "check.h"

static volatile int stop, spins[3];

static void *spinner(void *arg)
{
    int i = (int)(long)arg;
    while (!stop)
        spins[i]++;
    return NULL;
}

static void *child_thread(void *arg)
{
    *(int *)arg = 42;
    return arg;
}

/* In a fork's child: one thread, which can start another. */
static int child_work(void)
{
    int before = spins[0];
    usleep(20000);
    if (spins[0] != before) return 60; /* a parent's thread runs here */
    int v = 0;
    pthread_t t;
    if (pthread_create(&t, NULL, child_thread, &v) != 0) return 61;
    if (pthread_join(t, NULL) != 0 || v != 42) return 62;
    return 0;
}

static void *forker(void *arg)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0) _exit(child_work() ? 70 : 9); /* in this thread's context */
    return (void *)(long)pid;
}

int main(void)
{
    pthread_t t[3];
    for (long i = 0; i < 3; i++)
        CHECK(pthread_create(&t[i], NULL, spinner, (void *)i) == 0);
    while (!spins[0] || !spins[1] || !spins[2])
        usleep(1000);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(child_work());
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);

    pthread_t f;
    void *ret;
    CHECK(pthread_create(&f, NULL, forker, NULL) == 0);
    CHECK(pthread_join(f, &ret) == 0);
    pid = (pid_t)(long)ret;
    CHECK(pid > 0);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 9);

    /* ours still run: wait for a spin (a loaded machine may not run the
     * spinner within any fixed time, so no deadline short of the runner's) */
    int before = spins[1];
    while (spins[1] == before)
        usleep(1000);
    stop = 1;
    for (int i = 0; i < 3; i++)
        CHECK(pthread_join(t[i], NULL) == 0);
    return 0;
}
