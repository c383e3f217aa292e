/* pipe_wakeups: blocked pipe readers and writers are woken whenever they
 * can go on, however small the reads and writes that free or fill the
 * pipe (pipe(7)): a writer blocked on a full pipe while the reader takes
 * one byte at a time, several readers blocked on an empty pipe fed by
 * small writes and then end of file, a write larger than the pipe read in
 * odd pieces, poll's POLLOUT once reads have made room, and F_SETPIPE_SZ
 * while a reader and a writer keep copying (a resize waits for the copy
 * in flight, however full or empty the pipe ends up). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: %s failed (errno %d)\n", __FILE__, __LINE__, #c, errno);       \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

struct job {
    int fd;
    size_t len, chunk;
    long got;
};

static void *writer(void *arg)
{
    struct job *j = arg;
    char *buf = malloc(j->chunk);
    size_t done = 0;
    while (done < j->len) {
        size_t n = j->len - done < j->chunk ? j->len - done : j->chunk;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)((done + i) % 251);
        ssize_t w = write(j->fd, buf, n);
        CHECK(w > 0);
        done += (size_t)w;
    }
    free(buf);
    return NULL;
}

static void *reader(void *arg)
{
    struct job *j = arg;
    char buf[64];
    ssize_t n;
    while ((n = read(j->fd, buf, sizeof(buf))) > 0)
        j->got += n;
    CHECK(n == 0);
    return NULL;
}

/* Read everything from fd in `piece`-byte reads and check the pattern. */
static void drain_checked(int fd, size_t len, size_t piece)
{
    char *buf = malloc(piece);
    size_t seen = 0;
    while (seen < len) {
        ssize_t n = read(fd, buf, piece);
        CHECK(n > 0);
        for (ssize_t i = 0; i < n; i++)
            CHECK(buf[i] == (char)((seen + (size_t)i) % 251));
        seen += (size_t)n;
    }
    free(buf);
}

static volatile int stop;

static void *pump_writer(void *arg)
{
    static char buf[65536];
    while (!stop)
        CHECK(write(*(int *)arg, buf, sizeof(buf)) > 0);
    return NULL;
}

static void *pump_reader(void *arg)
{
    static char buf[3000];
    ssize_t n;
    while ((n = read(*(int *)arg, buf, sizeof(buf))) > 0)
        ;
    CHECK(n == 0);
    return NULL;
}

int main(void)
{
    int fds[2];
    pthread_t t;

    /* A full pipe; a writer of 16-byte writes blocks; the reader takes one
     * byte at a time: the writer must get through to the end. */
    CHECK(pipe(fds) == 0);
    int cap = fcntl(fds[1], F_GETPIPE_SZ);
    CHECK(cap >= 4096);
    struct job wj = {fds[1], (size_t)cap * 3, 16, 0};
    CHECK(pthread_create(&t, NULL, writer, &wj) == 0);
    drain_checked(fds[0], wj.len, 1);
    CHECK(pthread_join(t, NULL) == 0);
    close(fds[0]);
    close(fds[1]);

    /* Four readers asleep on an empty pipe, small writes, then EOF. */
    CHECK(pipe(fds) == 0);
    struct job rj[4];
    pthread_t rt[4];
    for (int i = 0; i < 4; i++) {
        rj[i] = (struct job){fds[0], 0, 0, 0};
        CHECK(pthread_create(&rt[i], NULL, reader, &rj[i]) == 0);
    }
    usleep(20000); /* let them sleep: the test passes either way */
    char msg[7] = "abcdefg";
    long sent = 0;
    for (int i = 0; i < 20000; i++) {
        CHECK(write(fds[1], msg, sizeof(msg)) == sizeof(msg));
        sent += sizeof(msg);
    }
    close(fds[1]);
    long got = 0;
    for (int i = 0; i < 4; i++) {
        CHECK(pthread_join(rt[i], NULL) == 0);
        got += rj[i].got;
    }
    CHECK(got == sent);
    close(fds[0]);

    /* One write of three pipes' worth, read in 1000-byte pieces. */
    CHECK(pipe(fds) == 0);
    wj = (struct job){fds[1], (size_t)cap * 3, (size_t)cap * 3, 0};
    CHECK(pthread_create(&t, NULL, writer, &wj) == 0);
    drain_checked(fds[0], wj.len, 1000);
    CHECK(pthread_join(t, NULL) == 0);

    /* POLLOUT: not on a full pipe, and again once reads made PIPE_BUF room. */
    CHECK(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
    char *fill = calloc(1, (size_t)cap);
    CHECK(write(fds[1], fill, (size_t)cap) == cap);
    CHECK(write(fds[1], fill, 1) == -1 && errno == EAGAIN);
    struct pollfd p = {fds[1], POLLOUT, 0};
    CHECK(poll(&p, 1, 0) == 0);
    size_t freed = 0;
    while (freed < 4096) {
        CHECK(read(fds[0], fill, 512) == 512);
        freed += 512;
    }
    p.revents = 0;
    CHECK(poll(&p, 1, 1000) == 1 && (p.revents & POLLOUT));
    free(fill);
    close(fds[0]);
    close(fds[1]);

    /* Resizes among a writer and a reader copying all the time. */
    CHECK(pipe(fds) == 0);
    pthread_t pw, pr;
    CHECK(pthread_create(&pr, NULL, pump_reader, &fds[0]) == 0);
    CHECK(pthread_create(&pw, NULL, pump_writer, &fds[1]) == 0);
    for (int i = 0; i < 3000; i++) {
        int want = (i & 1) ? 65536 : 131072;
        int r = fcntl(fds[1], F_SETPIPE_SZ, want);
        CHECK(r == want || (r == -1 && errno == EBUSY)); /* EBUSY: more is in it */
    }
    stop = 1;
    CHECK(pthread_join(pw, NULL) == 0);
    close(fds[1]);
    CHECK(pthread_join(pr, NULL) == 0);
    close(fds[0]);
    puts("ok");
    return 0;
}
