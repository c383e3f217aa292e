/* mt_sig_eintr_restart: blocking pipe read: EINTR without SA_RESTART, restarted with it. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/time.h>
#include "mt_util.h"

static atomic_int hits;
static atomic_int reader_done;
static pthread_t main_thread;
static int wfd;

static void on_sig(int sig)
{
    (void)sig;
    atomic_fetch_add(&hits, 1);
}

static void install(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sig;
    sa.sa_flags = flags;
    CHECK_EQ(sigaction(sig, &sa, NULL), 0);
}

/* keeps signalling the main thread every 20 ms until its read returns */
static void *nagger(void *arg)
{
    (void)arg;
    while (!atomic_load(&reader_done)) {
        mt_sleep_ms(20);
        if (!atomic_load(&reader_done)) pthread_kill(main_thread, SIGUSR1);
    }
    return NULL;
}

/* signals 3 times 20 ms apart, then writes the data */
static void *signal_then_write(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        mt_sleep_ms(20);
        pthread_kill(main_thread, SIGUSR1);
    }
    mt_sleep_ms(20);
    if (write(wfd, "data", 4) != 4) abort();
    return NULL;
}

int main(void)
{
    main_thread = pthread_self();
    int p[2];
    CHECK_EQ(pipe(p), 0);
    wfd = p[1];
    char buf[16];

    /* 1. no SA_RESTART: EINTR */
    install(SIGUSR1, 0);
    atomic_store(&reader_done, 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, nagger, NULL), 0);
    CHECK_ERRNO(read(p[0], buf, sizeof(buf)), EINTR);
    atomic_store(&reader_done, 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(atomic_load(&hits) >= 1);

    /* 2. SA_RESTART: the read survives three signals and returns the data */
    install(SIGUSR1, SA_RESTART);
    atomic_store(&hits, 0);
    CHECK_EQ(pthread_create(&t, NULL, signal_then_write, NULL), 0);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 4);
    CHECK_STR(buf, "data");
    CHECK_EQ(atomic_load(&hits), 3);
    CHECK_EQ(pthread_join(t, NULL), 0);

    /* 3. a one-shot ITIMER_REAL (SIGALRM) without SA_RESTART */
    install(SIGALRM, 0);
    atomic_store(&hits, 0);
    struct itimerval it = {{0, 0}, {0, 30000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    double t0 = mt_now_ms();
    CHECK_ERRNO(read(p[0], buf, sizeof(buf)), EINTR);
    CHECK(mt_now_ms() - t0 >= 25);
    CHECK_EQ(atomic_load(&hits), 1);

    /* 4. a signal that is ignored does not interrupt anything */
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    CHECK_EQ(pthread_kill(main_thread, SIGUSR2), 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(read(p[0], buf, sizeof(buf)), 1);
    return 0;
}
