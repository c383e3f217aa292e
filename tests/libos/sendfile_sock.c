/*
 * sendfile_sock: sendfile from files into a TCP socket (in the LibOS, the
 * host's own sendfile where the bytes are in a host fd: a hostfs file, an
 * image file through the image cache): the bytes arrive whole, with and
 * without an offset pointer (which moves, or the file position moves),
 * short counts at EOF, EAGAIN on a full non-blocking socket with every
 * byte sent arriving in order, and EPIPE with SIGPIPE after shutdown. The
 * files: one written in each directory of argv (ramfs /tmp, hostfs, the
 * union's writable layer) and the program's own libc (an image file in
 * the LibOS).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "tcp_pair.h"

#define WRITTEN_SIZE 300000

static int conn[2]; /* [0] read by the receiver, [1] sendfile's output */
static unsigned char *content;
static long size;

struct recv_job {
    long want;
    unsigned char *buf;
};

static void *receiver(void *arg)
{
    struct recv_job *j = arg;
    for (long got = 0; got < j->want;) {
        ssize_t n = read(conn[0], j->buf + got, (size_t)(j->want - got));
        CHECK(n > 0);
        got += n;
    }
    return NULL;
}

/* sendfile of count bytes (off NULL: at the file position) while a thread
 * receives them; they must be the file's from `from`. */
static void send_and_check(int fd, off_t *off, long from, long count)
{
    struct recv_job j = {count, malloc((size_t)count + 1)};
    CHECK(j.buf != NULL);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, receiver, &j), 0);
    for (long sent = 0; sent < count;) {
        ssize_t n = sendfile(conn[1], fd, off, (size_t)(count - sent));
        CHECK(n > 0);
        sent += n;
    }
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(memcmp(j.buf, content + from, (size_t)count) == 0);
    free(j.buf);
}

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig)
{
    (void)sig;
    sigpipes++;
}

static void check_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    size = st.st_size;
    CHECK(size >= 65536);
    content = malloc((size_t)size);
    CHECK(content != NULL);
    CHECK_EQ(pread(fd, content, (size_t)size, 0), size);
    int l = tcp_listener();
    tcp_pair(l, conn);

    /* the whole file with an offset pointer: it moves, the position does not */
    off_t off = 0;
    send_and_check(fd, &off, 0, size);
    CHECK_EQ(off, size);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0);
    /* again, the second time (a cached copy, in the LibOS) */
    off = 0;
    send_and_check(fd, &off, 0, size);
    /* a range from the middle */
    off = size / 3;
    send_and_check(fd, &off, size / 3, 5000);
    CHECK_EQ(off, size / 3 + 5000);
    /* at the file position: it moves */
    CHECK_EQ(lseek(fd, 1000, SEEK_SET), 1000);
    send_and_check(fd, NULL, 1000, 7000);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 8000);
    CHECK_EQ(lseek(fd, size - 10, SEEK_SET), size - 10);
    struct recv_job j = {10, malloc(16)};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, receiver, &j), 0);
    CHECK_EQ(sendfile(conn[1], fd, NULL, 100), 10); /* short at EOF */
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(memcmp(j.buf, content + size - 10, 10) == 0);
    free(j.buf);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), size);
    /* at and past EOF, and a count of 0: nothing */
    CHECK_EQ(sendfile(conn[1], fd, NULL, 100), 0);
    off = size + 5;
    CHECK_EQ(sendfile(conn[1], fd, &off, 100), 0);
    CHECK_EQ(off, size + 5);
    off = 0;
    CHECK_EQ(sendfile(conn[1], fd, &off, 0), 0);
    CHECK_EQ(off, 0);

    /* non-blocking, nobody reading: what fits, then EAGAIN */
    CHECK_EQ(fcntl(conn[1], F_SETFL, O_NONBLOCK), 0);
    long total = 0;
    off = 0;
    for (;;) {
        ssize_t n = sendfile(conn[1], fd, &off, (size_t)(size - off));
        if (n < 0) {
            CHECK_EQ(errno, EAGAIN);
            break;
        }
        CHECK(n > 0);
        total += n;
        if (off == size) off = 0;
        CHECK(total < (1L << 30));
    }
    CHECK(total > 0);
    unsigned char *buf = malloc(65536);
    CHECK(buf != NULL);
    for (long got = 0; got < total;) { /* the file again and again, in order */
        ssize_t n = read(conn[0], buf, (size_t)(total - got < 65536 ? total - got : 65536));
        CHECK(n > 0);
        for (ssize_t i = 0; i < n; i++)
            CHECK(buf[i] == content[(got + i) % size]);
        got += n;
    }
    free(buf);
    CHECK_EQ(fcntl(conn[1], F_SETFL, 0), 0);

    /* after shutdown for writing: EPIPE, and SIGPIPE */
    CHECK_EQ(shutdown(conn[1], SHUT_WR), 0);
    sigpipes = 0;
    off = 0;
    CHECK_ERRNO(sendfile(conn[1], fd, &off, 100), EPIPE);
    CHECK_EQ(sigpipes, 1);
    CHECK_EQ(off, 0);

    close(conn[0]);
    close(conn[1]);
    close(l);
    close(fd);
    free(content);
}

static void written_file(void)
{
    char path[PATH_MAX];
    tmp_path(path, sizeof(path), "sendfile-sock");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    unsigned char *b = malloc(WRITTEN_SIZE);
    CHECK(b != NULL);
    for (long i = 0; i < WRITTEN_SIZE; i++)
        b[i] = (unsigned char)((i * 7 + i / 251) % 253);
    CHECK_EQ(write(fd, b, WRITTEN_SIZE), WRITTEN_SIZE);
    free(b);
    close(fd);
    check_file(path);
    CHECK_EQ(unlink(path), 0);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_sigpipe};
    CHECK_EQ(sigaction(SIGPIPE, &sa, NULL), 0);
    run_in_dirs(argc, argv, written_file);
    Dl_info info;
    CHECK(dladdr((void *)fputs, &info) != 0 && info.dli_fname != NULL);
    check_file(info.dli_fname);
    puts("sendfile_sock: ok");
    return 0;
}
