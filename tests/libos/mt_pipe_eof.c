/* mt_pipe_eof: pipe EOF only once all write ends close (dups, a child's copy); EPIPE. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "holder") == 0) {
        /* fd 3 is an inherited write end: keep it for a while, write, exit */
        mt_sleep_ms(80);
        CHECK_EQ(write(3, "late", 4), 4);
        return 0;
    }
    CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    int p[2];
    char buf[16];

    /* a dup keeps the pipe open */
    CHECK_EQ(pipe(p), 0);
    int d = dup(p[1]);
    CHECK_EQ(close(p[1]), 0);
    CHECK_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    CHECK_ERRNO(read(p[0], buf, 1), EAGAIN); /* not EOF: d is open */
    CHECK_EQ(write(d, "a", 1), 1);
    CHECK_EQ(close(d), 0);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1); /* data first, then EOF */
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
    close(p[0]);

    /* a child's copy keeps it open until the child exits */
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 3), 0);
    pid_t pid = mt_spawn_self(&fa, NULL, "holder", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);
    CHECK_EQ(close(p[1]), 0);
    double t0 = mt_now_ms();
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(mt_readn(p[0], buf, sizeof(buf)), 4); /* blocks until EOF */
    CHECK(mt_now_ms() - t0 >= 70);
    CHECK_STR(buf, "late");
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 0);
    MT_WAIT_EXIT(pid, 0);
    close(p[0]);

    /* no reader: EPIPE (SIGPIPE ignored) */
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(close(p[0]), 0);
    CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
    close(p[1]);

    /* a read end dup keeps the reader side alive */
    CHECK_EQ(pipe(p), 0);
    d = dup(p[0]);
    CHECK_EQ(close(p[0]), 0);
    CHECK_EQ(write(p[1], "ok", 2), 2);
    CHECK_EQ(close(d), 0);
    CHECK_ERRNO(write(p[1], "x", 1), EPIPE);
    close(p[1]);
    return 0;
}
