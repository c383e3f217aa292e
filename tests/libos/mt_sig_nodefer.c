/* mt_sig_nodefer: a signal re-raised in its handler is deferred, or nests with SA_NODEFER. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static volatile int depth, max_depth, calls, log_n;
static volatile int log_ev[16];
static volatile int usr2_blocked;

static void on_usr1(int sig)
{
    calls++;
    depth++;
    if (depth > max_depth) max_depth = depth;
    if (log_n < 16) log_ev[log_n++] = depth;
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    usr2_blocked = sigismember(&m, SIGUSR2);
    if (calls == 1) raise(sig); /* re-raise once from inside */
    if (log_n < 16) log_ev[log_n++] = -depth;
    depth--;
}

static void install(int flags, int mask_usr2)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (mask_usr2) sigaddset(&sa.sa_mask, SIGUSR2);
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    depth = max_depth = calls = log_n = 0;
}

int main(void)
{
    /* default: deferred -> two sequential runs: +1 -1 +1 -1 */
    install(0, 1);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(calls, 2);
    CHECK_EQ(max_depth, 1);
    CHECK_EQ(log_n, 4);
    CHECK(log_ev[0] == 1 && log_ev[1] == -1 && log_ev[2] == 1 && log_ev[3] == -1);
    CHECK_EQ(usr2_blocked, 1); /* sa_mask applied during the handler */

    /* SA_NODEFER: nested: +1 +2 -2 -1 */
    install(SA_NODEFER, 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(calls, 2);
    CHECK_EQ(max_depth, 2);
    CHECK_EQ(log_n, 4);
    CHECK(log_ev[0] == 1 && log_ev[1] == 2 && log_ev[2] == -2 && log_ev[3] == -1);
    CHECK_EQ(usr2_blocked, 0);

    /* the mask is back to normal afterwards */
    sigset_t m;
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &m), 0);
    CHECK_EQ(sigismember(&m, SIGUSR1), 0);
    CHECK_EQ(sigismember(&m, SIGUSR2), 0);
    struct sigaction cur;
    CHECK_EQ(sigaction(SIGUSR1, NULL, &cur), 0);
    CHECK(cur.sa_flags & SA_NODEFER);
    return 0;
}
