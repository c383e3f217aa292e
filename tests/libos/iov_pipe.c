/*
 * iov_pipe: readv and writev on a pipe are one operation over all their
 * segments, as on Linux: a readv returns what the pipe holds without
 * blocking again once a segment is full, and writevs of up to PIPE_BUF
 * bytes from several threads never interleave, whatever their segments.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"

#define RECORD 300 /* bytes per writev, in three segments */
#define ROUNDS 2000

static int fds[2];

static void *writer(void *arg)
{
    char c = *(char *)arg;
    char a[100], b[50], d[150];
    memset(a, c, sizeof(a));
    memset(b, c, sizeof(b));
    memset(d, c, sizeof(d));
    struct iovec iov[3] = {{a, sizeof(a)}, {b, sizeof(b)}, {d, sizeof(d)}};
    for (int i = 0; i < ROUNDS; i++)
        CHECK(writev(fds[1], iov, 3) == RECORD);
    return NULL;
}

int main(void)
{
    alarm(20); /* a readv that blocks again would hang */
    CHECK(pipe(fds) == 0);

    /* three bytes in the pipe, a readv of 3 + 3: returns 3 */
    CHECK(write(fds[1], "xyz", 3) == 3);
    char s1[3], s2[3] = {0};
    struct iovec in[2] = {{s1, sizeof(s1)}, {s2, sizeof(s2)}};
    CHECK(readv(fds[0], in, 2) == 3);
    CHECK(memcmp(s1, "xyz", 3) == 0);

    /* one readv fills several segments in order */
    CHECK(write(fds[1], "0123456789", 10) == 10);
    char t1[2], t2[0 + 1], t3[20];
    struct iovec in2[4] = {{t1, 2}, {NULL, 0}, {t2, 1}, {t3, sizeof(t3)}};
    CHECK(readv(fds[0], in2, 4) == 10);
    CHECK(memcmp(t1, "01", 2) == 0 && t2[0] == '2' && memcmp(t3, "3456789", 7) == 0);

    /* concurrent writevs of RECORD (< PIPE_BUF) bytes stay whole */
    pthread_t ta, tb;
    char ca = 'a', cb = 'b';
    CHECK(pthread_create(&ta, NULL, writer, &ca) == 0);
    CHECK(pthread_create(&tb, NULL, writer, &cb) == 0);
    static char rec[RECORD];
    int counts[2] = {0, 0};
    for (int i = 0; i < 2 * ROUNDS; i++) {
        size_t got = 0;
        while (got < RECORD) {
            ssize_t n = read(fds[0], rec + got, RECORD - got);
            CHECK(n > 0);
            got += (size_t)n;
        }
        for (int j = 1; j < RECORD; j++)
            CHECK(rec[j] == rec[0]);
        CHECK(rec[0] == 'a' || rec[0] == 'b');
        counts[rec[0] - 'a']++;
    }
    CHECK(pthread_join(ta, NULL) == 0 && pthread_join(tb, NULL) == 0);
    CHECK(counts[0] == ROUNDS && counts[1] == ROUNDS);
    puts("iov pipe ok");
    return 0;
}
