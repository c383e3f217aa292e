/*
 * fifo: named pipes made with mkfifo/mknod on ramfs (/tmp), hostfs
 * (argv[2]) and the union over the image (argv[1]): open rules (a blocking
 * open waits for the other side, O_NONBLOCK writer without a reader gets
 * ENXIO, O_RDWR never waits, a signal interrupts a waiting open), data,
 * EOF, poll's POLLHUP only after a writer came and went, fstat, lseek;
 * mknod of regular files and sockets, and its errors.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "union_util.h"

static char fifo_path[PATH_MAX];

static void *late_writer(void *arg)
{
    (void)arg;
    usleep(50 * 1000); /* the reader is (most likely) already waiting */
    int fd = open(fifo_path, O_WRONLY);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "from the writer", 15), 15);
    CHECK_EQ(close(fd), 0);
    return NULL;
}

static void *late_reader(void *arg)
{
    (void)arg;
    usleep(50 * 1000);
    int fd = open(fifo_path, O_RDONLY);
    CHECK(fd >= 0);
    char buf[32] = {0};
    CHECK_EQ(read(fd, buf, sizeof(buf)), 6);
    CHECK_STR(buf, "ping!\n");
    CHECK_EQ(read(fd, buf, sizeof(buf)), 0); /* the writer closed */
    CHECK_EQ(close(fd), 0);
    return NULL;
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void fifo_in(const char *dir)
{
    CHECK(snprintf(fifo_path, sizeof(fifo_path), "%s/fifo", dir) < (int)sizeof(fifo_path));
    umask(022);
    CHECK_EQ(mkfifo(fifo_path, 0666), 0);
    CHECK_ERRNO(mkfifo(fifo_path, 0666), EEXIST);
    struct stat st;
    CHECK_EQ(stat(fifo_path, &st), 0);
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0644);
    CHECK_EQ(st.st_size, 0);

    /* non-blocking opens */
    CHECK_ERRNO(open(fifo_path, O_WRONLY | O_NONBLOCK), ENXIO);
    int r = open(fifo_path, O_RDONLY | O_NONBLOCK);
    CHECK(r >= 0);
    char buf[64];
    CHECK_EQ(read(r, buf, sizeof(buf)), 0); /* no writer: EOF at once */
    struct pollfd pfd = {.fd = r, .events = POLLIN};
    CHECK_EQ(poll(&pfd, 1, 0), 0); /* no writer yet is not a hang-up */
    int w = open(fifo_path, O_WRONLY | O_NONBLOCK);
    CHECK(w >= 0);
    CHECK_ERRNO(read(r, buf, sizeof(buf)), EAGAIN); /* a writer, nothing written */
    CHECK_EQ(write(w, "hello", 5), 5);
    int n = -1;
    CHECK_EQ(ioctl(r, FIONREAD, &n), 0);
    CHECK_EQ(n, 5);
    CHECK_EQ(poll(&pfd, 1, 0), 1);
    CHECK(pfd.revents & POLLIN);
    CHECK_EQ(read(r, buf, sizeof(buf)), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    struct stat fst;
    CHECK_EQ(fstat(r, &fst), 0); /* the node, not an anonymous pipe */
    CHECK(S_ISFIFO(fst.st_mode));
    CHECK_EQ(fst.st_ino, st.st_ino);
    CHECK_EQ(fst.st_dev, st.st_dev);
    CHECK_ERRNO(lseek(r, 0, SEEK_SET), ESPIPE);
    CHECK_ERRNO(pread(r, buf, 1, 0), ESPIPE);
    CHECK_EQ(close(w), 0);
    CHECK_EQ(poll(&pfd, 1, 0), 1); /* the writer came and went */
    CHECK(pfd.revents & POLLHUP);
    CHECK_EQ(close(r), 0);

    /* blocking opens meet, either side first */
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, late_writer, NULL), 0);
    r = open(fifo_path, O_RDONLY); /* waits for late_writer */
    CHECK(r >= 0);
    memset(buf, 0, sizeof(buf));
    ssize_t got = 0, k;
    while ((k = read(r, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
        got += k;
    CHECK_EQ(k, 0);
    CHECK_STR(buf, "from the writer");
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(close(r), 0);
    CHECK_EQ(pthread_create(&t, NULL, late_reader, NULL), 0);
    w = open(fifo_path, O_WRONLY); /* waits for late_reader */
    CHECK(w >= 0);
    CHECK_EQ(write(w, "ping!\n", 6), 6);
    CHECK_EQ(close(w), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);

    /* O_RDWR never waits; what is left in the pipe goes with its last opener */
    int rw = open(fifo_path, O_RDWR | O_NONBLOCK);
    CHECK(rw >= 0);
    CHECK_EQ(write(rw, "xyz", 3), 3);
    CHECK_EQ(read(rw, buf, 2), 2);
    CHECK_EQ(close(rw), 0);
    rw = open(fifo_path, O_RDWR | O_NONBLOCK);
    CHECK(rw >= 0);
    CHECK_ERRNO(read(rw, buf, sizeof(buf)), EAGAIN);

    /* a name removed while open: the pipe goes on */
    CHECK_EQ(unlink(fifo_path), 0);
    CHECK_EQ(write(rw, "after", 5), 5);
    CHECK_EQ(read(rw, buf, sizeof(buf)), 5);
    CHECK_EQ(close(rw), 0);

    /* a waiting open is interrupted by a signal without SA_RESTART */
    CHECK_EQ(mkfifo(fifo_path, 0600), 0);
    struct sigaction sa = {.sa_handler = on_alarm};
    CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval it = {.it_value = {.tv_usec = 50 * 1000}};
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    CHECK_ERRNO(open(fifo_path, O_RDONLY), EINTR);
    CHECK_ERRNO(open(fifo_path, O_WRONLY | O_NONBLOCK), ENXIO); /* no reader left behind */
    CHECK_EQ(unlink(fifo_path), 0);

    /* mknod: a regular file, a socket node (not openable), bad types */
    char p[PATH_MAX];
    CHECK(snprintf(p, sizeof(p), "%s/node", dir) < (int)sizeof(p));
    CHECK_EQ(mknod(p, S_IFREG | 0600, 0), 0);
    CHECK_EQ(stat(p, &st), 0);
    CHECK(S_ISREG(st.st_mode) && st.st_size == 0 && (st.st_mode & 0777) == 0600);
    CHECK_ERRNO(mknod(p, S_IFIFO | 0600, 0), EEXIST);
    CHECK_EQ(unlink(p), 0);
    CHECK_EQ(mknod(p, 0600, 0), 0); /* type 0: a regular file */
    CHECK_EQ(stat(p, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(unlink(p), 0);
    CHECK_EQ(mknod(p, S_IFSOCK | 0600, 0), 0);
    CHECK_EQ(lstat(p, &st), 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK_ERRNO(open(p, O_RDONLY), ENXIO);
    CHECK_EQ(unlink(p), 0);
    CHECK_ERRNO(mknod(p, S_IFMT | 0600, 0), EINVAL);
    CHECK(snprintf(p, sizeof(p), "%s/missing/node", dir) < (int)sizeof(p));
    CHECK_ERRNO(mkfifo(p, 0600), ENOENT);
}

int main(int argc, char **argv)
{
    CHECK(argc == 3);
    char tmp[PATH_MAX];
    temp_dir(tmp, sizeof(tmp), "fifo-test");
    fifo_in(tmp);
    CHECK_EQ(rmdir(tmp), 0);
    fifo_in(argv[2]);
    char work[PATH_MAX];
    work_dir(argv[1], work, sizeof(work));
    fifo_in(work);
    if (!in_libos()) remove_tree(work);
    return 0;
}
