/* mt_sig_chld_ign: SIGCHLD SIG_IGN / SA_NOCLDWAIT: children auto-reaped, wait gives ECHILD. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static volatile int hits;

/* Linux releases an auto-reaped child's pid a moment after wait() stops
 * waiting for it, so give kill() a little while to see it gone. */
static int gone(pid_t pid)
{
    for (int k = 0; k < 1000; k++) {
        if (kill(pid, 0) < 0 && errno == ESRCH) return 1;
        mt_sleep_ms(1);
    }
    return 0;
}
static void on_chld(int sig)
{
    (void)sig;
    hits++;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0) {
        mt_sleep_ms(30);
        return 5;
    }
    CHECK(signal(SIGCHLD, SIG_IGN) != SIG_ERR);
    pid_t a = mt_spawn_self(NULL, NULL, "child", (char *)NULL);
    pid_t b = mt_spawn_self(NULL, NULL, "child", (char *)NULL);
    CHECK(a > 0 && b > 0);
    /* wait blocks until both are gone, then fails with ECHILD */
    int st;
    CHECK_ERRNO(waitpid(-1, &st, 0), ECHILD);
    CHECK(gone(a)); /* both ended (wait blocked) and left no zombie */
    CHECK(gone(b));

    /* SA_NOCLDWAIT with a handler: no zombies, but (on Linux) the handler runs */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDWAIT;
    CHECK_EQ(sigaction(SIGCHLD, &sa, NULL), 0);
    a = mt_spawn_self(NULL, NULL, "child", (char *)NULL);
    while (waitpid(-1, &st, 0) >= 0 || errno == EINTR) {
    }
    CHECK_EQ(errno, ECHILD);
    CHECK(gone(a));
    for (int k = 0; k < 1000 && hits < 1; k++)
        mt_sleep_ms(1);
    CHECK_EQ(hits, 1);

    /* back to SIG_DFL: zombies again */
    CHECK(signal(SIGCHLD, SIG_DFL) != SIG_ERR);
    a = mt_spawn_self(NULL, NULL, "child", (char *)NULL);
    mt_sleep_ms(60);
    CHECK_EQ(kill(a, 0), 0); /* a zombie still exists */
    MT_WAIT_EXIT(a, 5);
    return 0;
}
