/* mt_sig_kill_busy: kill() from another process reaches a child spinning in user code. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    (void)sig;
    got = 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "spin-handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_usr1;
        CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
        CHECK_EQ(write(1, "r", 1), 1); /* ready */
        unsigned long n = 0;
        while (!got)
            n++;
        return n > 0 ? 21 : 22;
    }
    if (argc == 2 && strcmp(argv[1], "spin") == 0) {
        CHECK_EQ(write(1, "r", 1), 1);
        volatile unsigned long n = 0;
        for (;;)
            n++;
    }
    const char *roles[] = {"spin-handler", "spin", "spin"};
    int sigs[] = {SIGUSR1, SIGTERM, SIGKILL};
    for (int i = 0; i < 3; i++) {
        int p[2];
        CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
        posix_spawn_file_actions_t fa;
        CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
        CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
        pid_t pid = mt_spawn_self(&fa, NULL, roles[i], (char *)NULL);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        char c;
        CHECK_EQ(read(p[0], &c, 1), 1);
        mt_sleep_ms(5); /* well inside the loop */
        CHECK_EQ(kill(pid, sigs[i]), 0);
        int st = mt_wait_status(pid);
        if (i == 0) {
            CHECK(WIFEXITED(st));
            CHECK_EQ(WEXITSTATUS(st), 21);
        } else {
            CHECK(WIFSIGNALED(st));
            CHECK_EQ(WTERMSIG(st), sigs[i]);
        }
        close(p[0]);
        CHECK_ERRNO(kill(pid, 0), ESRCH);
    }
    return 0;
}
