/* mt_poll_child: poll/select wake up when child processes write to or close pipes. */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/select.h>
#include "mt_util.h"

#define N 3

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        int delay = atoi(argv[2]);
        mt_sleep_ms(delay);
        char c = (char)('a' + delay / 30);
        CHECK_EQ(write(1, &c, 1), 1);
        mt_sleep_ms(20);
        return 0; /* closing stdout: POLLHUP for the parent */
    }
    int rd[N];
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        int p[2];
        CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
        posix_spawn_file_actions_t fa;
        CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
        CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
        char d[8];
        snprintf(d, sizeof(d), "%d", 30 * (N - i)); /* the last one writes first */
        pids[i] = mt_spawn_self(&fa, NULL, "child", d, (char *)NULL);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        rd[i] = p[0];
    }
    /* the first readiness comes from the last child */
    struct pollfd fds[N];
    for (int i = 0; i < N; i++)
        fds[i] = (struct pollfd){.fd = rd[i], .events = POLLIN};
    CHECK_EQ(poll(fds, N, 5000), 1);
    CHECK_EQ(fds[N - 1].revents & POLLIN, POLLIN);
    /* collect everything until all report hang-up */
    int hup = 0, got[N] = {0};
    double t0 = mt_now_ms();
    while (hup < N && mt_now_ms() - t0 < 5000) {
        int n = poll(fds, N, 5000);
        CHECK(n > 0);
        for (int i = 0; i < N; i++) {
            if (fds[i].revents & POLLIN) {
                char c;
                ssize_t r = read(rd[i], &c, 1);
                CHECK(r >= 0);
                if (r == 1) {
                    CHECK_EQ(c, 'a' + (N - i));
                    got[i]++;
                }
            }
            if ((fds[i].revents & POLLHUP) && !(fds[i].revents & POLLIN)) {
                fds[i].fd = -1; /* done with it */
                hup++;
            }
        }
    }
    CHECK_EQ(hup, N);
    for (int i = 0; i < N; i++) {
        CHECK_EQ(got[i], 1);
        MT_WAIT_EXIT(pids[i], 0);
        close(rd[i]);
    }

    /* select woken by a child write */
    int p[2];
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    pid_t pid = mt_spawn_self(&fa, NULL, "child", "30", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK_EQ(select(p[0] + 1, &r, NULL, NULL, NULL), 1);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'b');
    MT_WAIT_EXIT(pid, 0);
    close(p[0]);
    return 0;
}
