/*
 * poll_close_race: another thread closes the descriptors a poll waits on.
 * Linux's poll holds the files while it waits: the write end's release
 * wakes it, and it finds the descriptor closed (POLLNVAL). The LibOS held
 * nothing, and removed its waiter from a freed pipe (a use-after-free that
 * ASan caught in the system-call fuzzer).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int fds[2];

static void *closer(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    close(fds[0]);
    close(fds[1]);
    return NULL;
}

int main(void)
{
    for (int round = 0; round < 20; round++) {
        CHECK(pipe(fds) == 0);
        pthread_t t;
        CHECK(pthread_create(&t, NULL, closer, NULL) == 0);
        struct pollfd p = {fds[0], POLLIN, 0};
        int r = poll(&p, 1, 5000);
        CHECK(r == 1 && p.revents == POLLNVAL); /* woken, then the fd is gone */
        CHECK(pthread_join(t, NULL) == 0);
    }
    puts("poll keeps its files");
    return 0;
}
