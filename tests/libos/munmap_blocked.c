/*
 * munmap_blocked: another thread unmaps the buffer of a system call that
 * is asleep (a pipe read waiting for data, a pipe write waiting for room,
 * a poll waiting for readiness). When the call wakes, Linux answers
 * EFAULT (the data stays in the pipe); the LibOS must do the same and
 * stay alive, not fault in its own copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int fds[2];
static char *page;
static long result;
static int result_errno;

static void pause_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static char *fresh_page(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    memset(p, 'w', 4096);
    return p;
}

static void *reader(void *arg)
{
    (void)arg;
    result = read(fds[0], page, 4096);
    result_errno = errno;
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    result = write(fds[1], page, 4096);
    result_errno = errno;
    return NULL;
}

static void *poller(void *arg)
{
    (void)arg;
    result = poll((struct pollfd *)page, 1, 5000); /* filled by main */
    result_errno = errno;
    return NULL;
}

static void run_and_unmap(void *(*fn)(void *), void (*wake)(void))
{
    pthread_t t;
    result = 12345;
    CHECK(pthread_create(&t, NULL, fn, NULL) == 0);
    pause_ms(500); /* it is asleep in the call by now (or, on a slow machine, not
                    * in it yet: then it finds the page gone, EFAULT all the same) */
    CHECK(munmap(page, 4096) == 0);
    wake();
    CHECK(pthread_join(t, NULL) == 0);
}

static void write_one(void)
{
    CHECK(write(fds[1], "x", 1) == 1);
}

static char drained[70000];
static void drain(void)
{
    /* make room: the blocked writer copies from its (now gone) buffer */
    CHECK(read(fds[0], drained, sizeof(drained)) > 0);
}

static void *nothing(void *arg)
{
    return arg;
}

/* Every system call site the races below use, once first: the LibOS
 * rewrites a site the first time it is used and may put the trampoline in
 * the page just unmapped, where the blocked call would then write (a
 * LibOS weakness of its own, noted in the performance issue, not what
 * this test is about). */
static void warm_up(void)
{
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "w", 1) == 1);
    char c;
    CHECK(read(p[0], &c, 1) == 1);
    struct pollfd pf = {p[0], POLLIN, 0};
    CHECK(poll(&pf, 1, 0) == 0);
    int fl = fcntl(p[1], F_GETFL);
    CHECK(fcntl(p[1], F_SETFL, fl) == 0);
    close(p[0]);
    close(p[1]);
    pthread_t t;
    CHECK(pthread_create(&t, NULL, nothing, NULL) == 0);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(munmap(fresh_page(), 4096) == 0);
    pause_ms(1);
}

int main(void)
{
    warm_up();
    /* read */
    CHECK(pipe(fds) == 0);
    page = fresh_page();
    run_and_unmap(reader, write_one);
    CHECK(result == -1 && result_errno == EFAULT);
    char c = 0;
    CHECK(read(fds[0], &c, 1) == 1 && c == 'x'); /* the byte is still there */
    close(fds[0]);
    close(fds[1]);

    /* poll */
    CHECK(pipe(fds) == 0);
    page = fresh_page();
    struct pollfd *pf = (struct pollfd *)page;
    pf->fd = fds[0];
    pf->events = POLLIN;
    run_and_unmap(poller, write_one);
    CHECK(result == -1 && result_errno == EFAULT);
    close(fds[0]);
    close(fds[1]);

    /* write: fill the pipe, then block a 4 KiB write */
    CHECK(pipe(fds) == 0);
    static char fill[4096];
    size_t filled = 0;
    int fl = fcntl(fds[1], F_GETFL);
    CHECK(fcntl(fds[1], F_SETFL, fl | O_NONBLOCK) == 0);
    while (write(fds[1], fill, sizeof(fill)) > 0)
        filled += sizeof(fill);
    CHECK(errno == EAGAIN && filled > 0);
    CHECK(fcntl(fds[1], F_SETFL, fl) == 0);
    page = fresh_page();
    run_and_unmap(writer, drain);
    CHECK(result == -1 && result_errno == EFAULT);

    puts("munmap under blocked calls: EFAULT");
    return 0;
}
