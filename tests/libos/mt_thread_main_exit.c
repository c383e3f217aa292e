/* mt_thread_main_exit: pthread_exit from main: the process lives until its last thread ends. */
#define _GNU_SOURCE
#include <pthread.h>
#include "mt_util.h"

static void *late_writer(void *arg)
{
    long delay = (long)arg;
    mt_sleep_ms(delay);
    char msg[32];
    int n = snprintf(msg, sizeof(msg), "done-%ld\n", delay);
    mt_writen(1, msg, (size_t)n);
    return NULL;
}

static void *late_exit(void *arg)
{
    (void)arg;
    mt_sleep_ms(50);
    exit(7); /* a thread's exit() ends the process with its status */
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "pthread-exit") == 0) {
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, late_writer, (void *)40L), 0);
        CHECK_EQ(pthread_create(&t, NULL, late_writer, (void *)80L), 0);
        pthread_exit(NULL);
    }
    if (argc == 2 && strcmp(argv[1], "thread-exit") == 0) {
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, late_exit, NULL), 0);
        pthread_exit(NULL);
    }
    int p[2];
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    pid_t pid = mt_spawn_self(&fa, NULL, "pthread-exit", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    /* the child is still running after main's pthread_exit */
    mt_sleep_ms(10);
    int st;
    CHECK_EQ(waitpid(pid, &st, WNOHANG), 0);
    char buf[64] = {0};
    CHECK_EQ(mt_readn(p[0], buf, sizeof(buf) - 1), 16);
    CHECK_STR(buf, "done-40\ndone-80\n");
    MT_WAIT_EXIT(pid, 0);
    close(p[0]);

    pid = mt_spawn_self(NULL, NULL, "thread-exit", (char *)NULL);
    MT_WAIT_EXIT(pid, 7);
    return 0;
}
