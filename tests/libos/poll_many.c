/*
 * poll_many: poll and select on more pipes than fit the first allocation
 * of the LibOS's wait table (16), again and again, with writes waking the
 * pollers and pipes closed afterwards. The LibOS grew that table with
 * realloc, which moved the waiters that the pipes' wait queues pointed
 * to: the next wake-up or close followed freed memory and crashed the
 * LibOS (tests/fuzz/syscall_fuzz).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <time.h>

#include "check.h"

#define NPIPES 40
#define ROUNDS 100

static int fds[NPIPES][2];

static void *writer(void *arg)
{
    (void)arg;
    for (int r = 0; r < ROUNDS; r++) {
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
        int k = (r * 7) % NPIPES;
        CHECK(write(fds[k][1], "x", 1) == 1);
    }
    return NULL;
}

int main(void)
{
    for (int i = 0; i < NPIPES; i++)
        CHECK(pipe(fds[i]) == 0);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, writer, NULL) == 0);
    struct pollfd p[NPIPES];
    int got = 0;
    while (got < ROUNDS) {
        for (int i = 0; i < NPIPES; i++)
            p[i] = (struct pollfd){fds[i][0], POLLIN, 0};
        int n = poll(p, NPIPES, 5000);
        CHECK(n > 0);
        for (int i = 0; i < NPIPES; i++) {
            if (!(p[i].revents & POLLIN)) continue;
            char c;
            CHECK(read(fds[i][0], &c, 1) == 1 && c == 'x');
            got++;
        }
    }
    CHECK(pthread_join(t, NULL) == 0);
    /* select the same way: nothing ready, a short timeout */
    fd_set rs;
    FD_ZERO(&rs);
    int maxfd = 0;
    for (int i = 0; i < NPIPES; i++) {
        FD_SET(fds[i][0], &rs);
        if (fds[i][0] > maxfd) maxfd = fds[i][0];
    }
    struct timeval tv = {0, 10000};
    CHECK(select(maxfd + 1, &rs, NULL, NULL, &tv) == 0);
    /* writes and closes wake the queues the pollers were on */
    for (int i = 0; i < NPIPES; i++) {
        CHECK(write(fds[i][1], "y", 1) == 1);
        CHECK(close(fds[i][1]) == 0);
        CHECK(close(fds[i][0]) == 0);
    }
    printf("poll_many: %d wake-ups over %d pipes\n", got, NPIPES);
    return 0;
}
