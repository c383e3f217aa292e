/*
 * mt_kill_futex_race: SIGKILL ends a process whose thread keeps going in
 * and out of FUTEX_WAIT, whenever the kill lands: a kill arriving just as
 * the thread enters the wait must not leave it asleep for good (nobody
 * would wake it: the waking thread dies too). Many rounds, each killed at
 * a different moment; each must be reaped within a bound.
 */
#define _GNU_SOURCE
#include "mt_util.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>

#define ROUNDS 60
#define REAP_LIMIT_MS 3000

static uint32_t word;

static void *waker(void *arg)
{
    (void)arg;
    for (;;)
        syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    return NULL;
}

static int role_waiter(void)
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, waker, NULL) == 0);
    mt_writen(1, "r", 1);
    for (;;)
        syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "waiter") == 0) return role_waiter();
    for (int i = 0; i < ROUNDS; i++) {
        int p[2];
        CHECK(pipe(p) == 0);
        posix_spawn_file_actions_t fa;
        CHECK(posix_spawn_file_actions_init(&fa) == 0);
        CHECK(posix_spawn_file_actions_adddup2(&fa, p[1], 1) == 0);
        pid_t pid = mt_spawn_self(&fa, NULL, "waiter", NULL);
        CHECK(posix_spawn_file_actions_destroy(&fa) == 0);
        CHECK(close(p[1]) == 0);
        char c;
        CHECK_EQ(mt_readn(p[0], &c, 1), 1); /* its threads run */
        CHECK(close(p[0]) == 0);
        struct timespec ts = {0, (i % 10) * 100000L};
        nanosleep(&ts, NULL);
        CHECK(kill(pid, SIGKILL) == 0);
        double t0 = mt_now_ms();
        int st = 0;
        pid_t r;
        while ((r = waitpid(pid, &st, WNOHANG)) == 0) {
            if (mt_now_ms() - t0 > REAP_LIMIT_MS) {
                fprintf(stderr, "round %d: the killed process is still there after %d ms\n", i,
                        REAP_LIMIT_MS);
                return 1;
            }
            mt_sleep_ms(1);
        }
        CHECK_EQ(r, pid);
        CHECK(WIFSIGNALED(st));
        CHECK_EQ(WTERMSIG(st), SIGKILL);
    }
    return 0;
}
