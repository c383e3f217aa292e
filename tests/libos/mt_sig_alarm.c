/* mt_sig_alarm: alarm() fires SIGALRM after 1 s, returns seconds left, alarm(0) cancels. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static volatile sig_atomic_t rang;
static void on_alrm(int sig)
{
    (void)sig;
    rang++;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "default") == 0) {
        alarm(1);
        for (;;)
            pause();
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alrm;
    CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    CHECK_EQ(alarm(0), 0u);
    CHECK_EQ(alarm(5), 0u);
    CHECK_EQ(alarm(1), 5u);                                           /* 4.99 s left rounds to 5 */
    pid_t child = mt_spawn_self(NULL, NULL, "default", (char *)NULL); /* runs meanwhile */
    double t0 = mt_now_ms();
    while (!rang)
        pause();
    double el = mt_now_ms() - t0;
    CHECK(el >= 900 && el < 3000);
    CHECK_EQ(rang, 1);
    CHECK_EQ(alarm(0), 0u); /* nothing pending any more */

    /* alarm(0) cancels */
    CHECK_EQ(alarm(2), 0u);
    unsigned left = alarm(0);
    CHECK(left == 2);

    /* a child's alarm is its own: it dies of SIGALRM, we got no second one */
    int st = mt_wait_status(child);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGALRM);
    CHECK_EQ(rang, 1);
    return 0;
}
