/*
 * pipe_packet: pipe2(O_DIRECT) is a packet-mode pipe: each write is a
 * packet (writes over PIPE_BUF are cut into PIPE_BUF-byte ones), a read
 * returns at most one packet and drops what of it did not fit; at most
 * cap/4096 packets wait (16 by default); FIONREAD counts bytes; EOF after
 * the writer closes; F_SETFL O_DIRECT on both ends does the same. (Ends in
 * different modes follow Linux's buffer-merging details, not tested here.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>

#include "check.h"

int main(void)
{
    int p[2];
    CHECK_EQ(pipe2(p, O_DIRECT | O_NONBLOCK), 0);
    CHECK(fcntl(p[1], F_GETFL) & O_DIRECT);
    char buf[2 * PIPE_BUF];
    CHECK_EQ(write(p[1], "a", 1), 1);
    CHECK_EQ(write(p[1], "bbb", 3), 3);
    CHECK_EQ(write(p[1], "cc", 2), 2);
    int n = -1;
    CHECK_EQ(ioctl(p[0], FIONREAD, &n), 0);
    CHECK_EQ(n, 6);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
    CHECK_EQ(buf[0], 'a');
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
    CHECK(memcmp(buf, "bbb", 3) == 0);
    CHECK_EQ(read(p[0], buf, 1), 1); /* the rest of "cc" is dropped */
    CHECK_EQ(buf[0], 'c');
    CHECK_ERRNO(read(p[0], buf, sizeof(buf)), EAGAIN);

    /* a write longer than PIPE_BUF: several packets */
    memset(buf, 'x', sizeof(buf));
    CHECK_EQ(write(p[1], buf, PIPE_BUF + 10), PIPE_BUF + 10);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), PIPE_BUF);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 10);

    /* 16 packets fill a 64 KiB pipe, whatever their size */
    for (int i = 0; i < 16; i++)
        CHECK_EQ(write(p[1], "z", 1), 1);
    CHECK_ERRNO(write(p[1], "z", 1), EAGAIN);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
    CHECK_EQ(write(p[1], "y", 1), 1); /* a buffer is free again */
    for (int i = 0; i < 16; i++)
        CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
    CHECK_EQ(buf[0], 'y');
    CHECK_EQ(close(p[1]), 0);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
    CHECK_EQ(close(p[0]), 0);

    /* F_SETFL O_DIRECT on both ends of an empty pipe: the same as pipe2's */
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(fcntl(p[1], F_SETFL, O_DIRECT), 0);
    CHECK_EQ(fcntl(p[0], F_SETFL, O_DIRECT), 0);
    CHECK_EQ(write(p[1], "pkt", 3), 3);
    CHECK_EQ(write(p[1], "abc", 3), 3);
    CHECK_EQ(read(p[0], buf, 2), 2); /* "pkt": the "t" is dropped */
    CHECK(memcmp(buf, "pk", 2) == 0);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    return 0;
}
