/* mt_sig_queue: sigqueue si_value/SI_QUEUE (self, child); RT signals queue, standard coalesce. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static volatile int vals[16], nvals, codes[16];
static volatile pid_t pids[16];

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (nvals < 16) {
        codes[nvals] = si->si_code;
        pids[nvals] = si->si_pid;
        vals[nvals++] = si->si_value.sival_int;
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "sender") == 0) {
        union sigval v = {.sival_int = 4242};
        CHECK_EQ(sigqueue((pid_t)atoi(argv[2]), SIGRTMIN + 1, v), 0);
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    CHECK_EQ(sigaction(SIGRTMIN, &sa, NULL), 0);
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);

    /* unblocked: delivered before sigqueue returns */
    union sigval v = {.sival_int = 77};
    CHECK_EQ(sigqueue(getpid(), SIGRTMIN, v), 0);
    CHECK_EQ(nvals, 1);
    CHECK_EQ(vals[0], 77);
    CHECK_EQ(codes[0], SI_QUEUE);
    CHECK_EQ(pids[0], getpid());

    /* blocked: three RT signals queue and arrive in order */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGRTMIN);
    sigaddset(&m, SIGUSR1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &m, NULL), 0);
    nvals = 0;
    for (int i = 1; i <= 3; i++) {
        v.sival_int = i * 10;
        CHECK_EQ(sigqueue(getpid(), SIGRTMIN, v), 0);
    }
    /* a standard signal queued twice is delivered once */
    v.sival_int = 500;
    CHECK_EQ(sigqueue(getpid(), SIGUSR1, v), 0);
    v.sival_int = 501;
    CHECK_EQ(sigqueue(getpid(), SIGUSR1, v), 0);
    CHECK_EQ(nvals, 0);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &m, NULL), 0);
    CHECK_EQ(nvals, 4);
    int rt = 0, std = 0;
    for (int i = 0; i < 4; i++) {
        if (vals[i] == 500)
            std++;
        else {
            CHECK_EQ(vals[i], (rt + 1) * 10); /* RT ones in queue order */
            rt++;
        }
        CHECK_EQ(codes[i], SI_QUEUE);
    }
    CHECK_EQ(rt, 3);
    CHECK_EQ(std, 1);

    /* from another process: sigwaitinfo sees its pid and value */
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGRTMIN + 1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &w, NULL), 0);
    char me[16];
    snprintf(me, sizeof(me), "%d", (int)getpid());
    pid_t child = mt_spawn_self(NULL, NULL, "sender", me, (char *)NULL);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    struct timespec ts = {5, 0};
    CHECK_EQ(sigtimedwait(&w, &si, &ts), SIGRTMIN + 1);
    CHECK_EQ(si.si_code, SI_QUEUE);
    CHECK_EQ(si.si_pid, child);
    CHECK_EQ(si.si_uid, getuid());
    CHECK_EQ(si.si_value.sival_int, 4242);
    MT_WAIT_EXIT(child, 0);

    /* errors */
    CHECK_ERRNO(sigqueue(getpid(), 0x4000, v), EINVAL);
    CHECK_ERRNO(sigqueue(0x3ffffff0, SIGRTMIN, v), ESRCH);
    CHECK_EQ(sigqueue(getpid(), 0, v), 0); /* signal 0: existence check */
    return 0;
}
