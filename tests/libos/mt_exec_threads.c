/* mt_exec_threads: execve from a multi-threaded process (main, then a thread): others vanish. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include "mt_util.h"

static int tick_fd;

static void *ticker(void *arg)
{
    (void)arg;
    for (;;) { /* keep writing to a pipe: must stop once the image is replaced */
        if (write(tick_fd, "t", 1) != 1) abort();
        mt_sleep_ms(2);
    }
    return NULL;
}

static void *spinner(void *arg)
{
    volatile unsigned long *x = arg;
    for (;;)
        (*x)++;
    return NULL;
}

static char **exec_argv;

static void *exec_thread(void *arg)
{
    (void)arg;
    mt_sleep_ms(20);
    execve("/proc/self/exe", exec_argv, environ);
    perror("execve from thread");
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "after") == 0) {
        CHECK_EQ(getpid(), atoi(argv[2]));
        CHECK_EQ(syscall(SYS_gettid), getpid()); /* we are the (only) main thread */
        int rfd = atoi(argv[3]);
        int fl = fcntl(rfd, F_GETFL);
        CHECK_EQ(fcntl(rfd, F_SETFL, fl | O_NONBLOCK), 0);
        /* drain what the old tickers wrote, then nothing more may come */
        char buf[4096];
        while (read(rfd, buf, sizeof(buf)) > 0) {
        }
        CHECK_EQ(errno, EAGAIN);
        mt_sleep_ms(60);
        CHECK_ERRNO(read(rfd, buf, sizeof(buf)), EAGAIN);
        if (strcmp(argv[4], "from-main") == 0) {
            /* second round: exec from a secondary thread */
            static char *av[6];
            av[0] = argv[0];
            av[1] = argv[1];
            av[2] = argv[2];
            av[3] = argv[3];
            av[4] = (char *)"from-thread";
            av[5] = NULL;
            exec_argv = av;
            tick_fd = atoi(argv[3]) + 1; /* the write end is rfd+1 (pipe() order) */
            pthread_t t;
            static volatile unsigned long spin;
            CHECK_EQ(pthread_create(&t, NULL, ticker, NULL), 0);
            CHECK_EQ(pthread_create(&t, NULL, spinner, (void *)&spin), 0);
            CHECK_EQ(pthread_create(&t, NULL, exec_thread, NULL), 0);
            for (;;)
                pause(); /* main blocks; the exec thread replaces us */
        }
        CHECK_STR(argv[4], "from-thread");
        return 0;
    }
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(p[1], p[0] + 1);
    tick_fd = p[1];
    pthread_t t;
    static volatile unsigned long spin;
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&t, NULL, ticker, NULL), 0);
    CHECK_EQ(pthread_create(&t, NULL, spinner, (void *)&spin), 0);
    while (spin == 0)
        mt_sleep_ms(1);
    mt_sleep_ms(10);
    char spid[16], sfd[16];
    snprintf(spid, sizeof(spid), "%d", (int)getpid());
    snprintf(sfd, sizeof(sfd), "%d", p[0]);
    char *av[] = {(char *)"mt", (char *)"after", spid, sfd, (char *)"from-main", NULL};
    execve("/proc/self/exe", av, environ);
    perror("execve");
    return 1;
}
