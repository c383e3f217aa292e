/*
 * eventfd: the counter (write adds, read takes all, or 1 with
 * EFD_SEMAPHORE), EAGAIN at the limits with EFD_NONBLOCK, a blocked read
 * woken by a write from another thread, poll bits, and the errors (short
 * buffers, the value 2^64-1, bad flags).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>

#include "check.h"

static int shared_fd;

static void *late_write(void *arg)
{
    (void)arg;
    struct timespec t = {0, 30 * 1000 * 1000};
    nanosleep(&t, NULL);
    uint64_t v = 5;
    CHECK_EQ(write(shared_fd, &v, 8), 8);
    return NULL;
}

int main(void)
{
    int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    uint64_t v = 4;
    CHECK_EQ(write(fd, &v, 8), 8);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 7);
    CHECK_ERRNO(read(fd, &v, 8), EAGAIN); /* taken whole */
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLOUT);
    /* the limit: 2^64 - 2 */
    v = 0xfffffffffffffffeULL;
    CHECK_EQ(write(fd, &v, 8), 8);
    v = 1;
    CHECK_ERRNO(write(fd, &v, 8), EAGAIN);
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLIN);
    v = UINT64_MAX;
    CHECK_ERRNO(write(fd, &v, 8), EINVAL);
    char small[4];
    CHECK_ERRNO(read(fd, small, 4), EINVAL);
    CHECK_ERRNO(write(fd, small, 4), EINVAL);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 0xfffffffffffffffeULL);
    CHECK_EQ(lseek(fd, 100, SEEK_SET), 0); /* a no-op, as Linux */
    CHECK_EQ(close(fd), 0);

    /* semaphore mode: one at a time */
    fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK(fd >= 0);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    CHECK_ERRNO(read(fd, &v, 8), EAGAIN);
    CHECK_EQ(close(fd), 0);

    /* a blocking read waits for a write from another thread */
    shared_fd = eventfd(0, 0);
    CHECK(shared_fd >= 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, late_write, NULL), 0);
    CHECK_EQ(read(shared_fd, &v, 8), 8);
    CHECK_EQ(v, 5);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(close(shared_fd), 0);

    CHECK_ERRNO(eventfd(0, 0x2), EINVAL); /* 1 is EFD_SEMAPHORE; 2 is nothing */
    return 0;
}
