/* mt_sig_thread_spin: pthread_kill/tgkill reach a thread spinning in user code (no syscalls). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include "mt_util.h"

static volatile sig_atomic_t flag;
static volatile pid_t handler_tid;
static atomic_int spinning;
static volatile pid_t spinner_tid;

static void on_usr1(int sig)
{
    (void)sig;
    handler_tid = (pid_t)syscall(SYS_gettid);
    flag = 1;
}

static void *spinner(void *arg)
{
    (void)arg;
    spinner_tid = (pid_t)syscall(SYS_gettid);
    atomic_store(&spinning, 1);
    unsigned long n = 0;
    while (!flag)
        n++; /* pure user-space loop */
    return (void *)n;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    for (int round = 0; round < 5; round++) {
        flag = 0;
        handler_tid = 0;
        atomic_store(&spinning, 0);
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, spinner, NULL), 0);
        while (!atomic_load(&spinning))
            mt_sleep_ms(1);
        mt_sleep_ms(5);
        CHECK_EQ(pthread_kill(t, SIGUSR1), 0);
        void *n;
        CHECK_EQ(pthread_join(t, &n), 0); /* returns only if the handler ran */
        CHECK_EQ(flag, 1);
        CHECK_EQ(handler_tid, spinner_tid);
        CHECK(handler_tid != getpid());
    }
    /* tgkill with the raw ids does the same */
    flag = 0;
    atomic_store(&spinning, 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, spinner, NULL), 0);
    while (!atomic_load(&spinning))
        mt_sleep_ms(1);
    CHECK_EQ(syscall(SYS_tgkill, getpid(), spinner_tid, SIGUSR1), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(handler_tid, spinner_tid);
    CHECK_ERRNO(syscall(SYS_tgkill, getpid(), spinner_tid + 1000000, SIGUSR1), ESRCH);
    CHECK_ERRNO(syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), 1000), EINVAL);
    return 0;
}
