/* mt_wait_status: W* macros: exit codes (8-bit), SIGTERM, SIGKILL, exit() from a thread. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include "mt_util.h"

static void *exiter(void *arg)
{
    (void)arg;
    exit(23); /* from a non-main thread: the whole process exits */
}

static int role(const char *r)
{
    if (strcmp(r, "exit3") == 0) exit(3);
    if (strcmp(r, "exit263") == 0) exit(263); /* 263 & 0xff = 7 */
    if (strcmp(r, "ret-1") == 0) return -1;   /* 255 */
    if (strcmp(r, "_exit0") == 0) _exit(0);
    if (strcmp(r, "term") == 0) {
        raise(SIGTERM);
        return 100;
    }
    if (strcmp(r, "kill") == 0) {
        kill(getpid(), SIGKILL);
        for (;;)
            pause();
    }
    if (strcmp(r, "thread-exit") == 0) {
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, exiter, NULL), 0);
        for (;;)
            pause();
    }
    return 100;
}

static int run(const char *r)
{
    pid_t pid = mt_spawn_self(NULL, NULL, r, (char *)NULL);
    return mt_wait_status(pid);
}

int main(int argc, char **argv)
{
    if (argc == 2) return role(argv[1]);
    int st = run("exit3");
    CHECK(WIFEXITED(st) && !WIFSIGNALED(st) && !WIFSTOPPED(st));
    CHECK_EQ(WEXITSTATUS(st), 3);
    CHECK_EQ(st, 3 << 8);
    st = run("exit263");
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 7);
    st = run("ret-1");
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 255);
    st = run("_exit0");
    CHECK_EQ(st, 0);
    CHECK(WIFEXITED(st));
    st = run("term");
    CHECK(WIFSIGNALED(st) && !WIFEXITED(st));
    CHECK_EQ(WTERMSIG(st), SIGTERM);
    CHECK(!WCOREDUMP(st));
    CHECK_EQ(st, SIGTERM);
    st = run("kill");
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGKILL);
    CHECK_EQ(st, SIGKILL);
    st = run("thread-exit");
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 23);
    /* wait(NULL) is allowed */
    pid_t pid = mt_spawn_self(NULL, NULL, "exit3", (char *)NULL);
    CHECK_EQ(wait(NULL), pid);
    return 0;
}
