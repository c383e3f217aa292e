/* mt_pipe_nonblock: O_NONBLOCK pipes: EAGAIN empty/full, capacity, partial writes, F_SETFL. */
#define _GNU_SOURCE
#include <limits.h>
#include "mt_util.h"

int main(void)
{
    int p[2];
    CHECK_EQ(pipe2(p, O_NONBLOCK), 0);
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(p[1], F_GETFL) & O_NONBLOCK);
    char buf[16384];
    CHECK_ERRNO(read(p[0], buf, 1), EAGAIN);
    CHECK_ERRNO(read(p[0], buf, sizeof(buf)), EAGAIN);
    CHECK_EQ(read(p[0], buf, 0), 0);

    /* fill with page-sized writes: exactly the pipe size fits */
    int cap = fcntl(p[1], F_GETPIPE_SZ);
    CHECK_EQ(cap, 65536);
    memset(buf, 'a', sizeof(buf));
    long total = 0;
    for (;;) {
        ssize_t w = write(p[1], buf, 4096);
        if (w < 0) {
            CHECK_EQ(errno, EAGAIN);
            break;
        }
        CHECK_EQ(w, 4096);
        total += w;
        CHECK(total <= cap);
    }
    CHECK_EQ(total, cap);
    CHECK_ERRNO(write(p[1], buf, 1), EAGAIN);
    CHECK_ERRNO(write(p[1], buf, PIPE_BUF + 1), EAGAIN);

    /* free two pages: a small write fits, a large one is partial */
    CHECK_EQ(read(p[0], buf, 8192), 8192);
    CHECK_EQ(write(p[1], buf, 16384), 8192);
    CHECK_ERRNO(write(p[1], buf, 100), EAGAIN);

    /* drain: then empty again */
    long drained = 0;
    for (;;) {
        ssize_t r = read(p[0], buf, sizeof(buf));
        if (r < 0) {
            CHECK_EQ(errno, EAGAIN);
            break;
        }
        CHECK(r > 0);
        drained += r;
    }
    CHECK_EQ(drained, cap);

    /* switch the read end to blocking with F_SETFL and back */
    int fl = fcntl(p[0], F_GETFL);
    CHECK_EQ(fcntl(p[0], F_SETFL, fl & ~O_NONBLOCK), 0);
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    CHECK_EQ(write(p[1], "xyz", 3), 3);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 3); /* data present: no blocking */
    CHECK_EQ(fcntl(p[0], F_SETFL, fl), 0);
    CHECK_ERRNO(read(p[0], buf, 1), EAGAIN);

    /* EOF beats EAGAIN once the writer is gone */
    close(p[1]);
    CHECK_EQ(read(p[0], buf, 1), 0);
    close(p[0]);

    /* a plain pipe made non-blocking with F_SETFL */
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    CHECK_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    CHECK_ERRNO(read(p[0], buf, 1), EAGAIN);
    /* the flag belongs to the open file description: a dup shares it */
    int d = dup(p[0]);
    CHECK(fcntl(d, F_GETFL) & O_NONBLOCK);
    CHECK_ERRNO(read(d, buf, 1), EAGAIN);
    close(d);
    close(p[0]);
    close(p[1]);
    return 0;
}
