/*
 * unix_stream: SOCK_STREAM AF_UNIX sockets bound to path names in each
 * directory given (ramfs /tmp, hostfs, the union's writable layer): bind
 * makes a socket node (stat: S_IFSOCK, mode per umask), getsockname and
 * getpeername with Linux's lengths, listen/connect/accept4 (SOCK_CLOEXEC,
 * the client's address), data both ways (read/write, readv/writev,
 * send/recv, MSG_PEEK, MSG_WAITALL, FIONREAD, SIOCOUTQ), SO_PEERCRED,
 * shutdown (EOF, POLLRDHUP; SHUT_RD), a full SO_SNDBUF, close (EPIPE with SIGPIPE, MSG_NOSIGNAL,
 * POLLHUP, ECONNRESET when data was left unread), unlink (the socket
 * lives on, the name can be bound again), EADDRINUSE, ECONNREFUSED,
 * ENOENT, EPROTOTYPE, ENOTCONN/EINVAL on unconnected sockets, listen's
 * backlog (a non-blocking connect gets EAGAIN, a blocking one waits for an
 * accept), poll/epoll readiness, a connection from a forked child, and
 * blocking calls against signals (EINTR, SA_RESTART, SO_RCVTIMEO).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/sockios.h>

#include "check.h"

#define UNNAMED_LEN ((socklen_t)offsetof(struct sockaddr_un, sun_path))

static atomic_int sigpipes, sigusr1s;

static void on_sigpipe(int sig)
{
    (void)sig;
    atomic_fetch_add(&sigpipes, 1);
}

static void on_sigusr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&sigusr1s, 1);
}

static socklen_t make_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    CHECK(strlen(path) < sizeof(a->sun_path));
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static short poll1(int fd, short events)
{
    struct pollfd p = {fd, events, 0};
    CHECK(poll(&p, 1, 0) >= 0);
    return p.revents;
}

static int connect_to(const char *path, int flags)
{
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, path);
    int c = socket(AF_UNIX, SOCK_STREAM | flags, 0);
    CHECK(c >= 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&a, len), 0);
    return c;
}

/* Names: bind, stat, getsockname, EADDRINUSE, EINVAL. Returns the listener. */
static int make_listener(const char *path)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(s >= 0);
    struct sockaddr_un got;
    socklen_t gl = sizeof(got);
    CHECK_EQ(getsockname(s, (struct sockaddr *)&got, &gl), 0);
    CHECK_EQ(gl, UNNAMED_LEN);
    CHECK_EQ(got.sun_family, AF_UNIX);
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, path);
    CHECK_ERRNO(listen(s, 4), EINVAL); /* not bound */
    umask(022);
    /* the length may leave out the NUL, or count bytes past it */
    CHECK_EQ(bind(s, (struct sockaddr *)&a, len - 1), 0);
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK_EQ(st.st_mode & 0777, 0755);
    gl = sizeof(got);
    CHECK_EQ(getsockname(s, (struct sockaddr *)&got, &gl), 0);
    CHECK_EQ(gl, len);
    CHECK_STR(got.sun_path, path);
    /* a short buffer gets the start and the full length */
    char small[4];
    gl = sizeof(small);
    CHECK_EQ(getsockname(s, (struct sockaddr *)small, &gl), 0);
    CHECK_EQ(gl, len);
    CHECK(memcmp(small, &a, sizeof(small)) == 0);
    CHECK_ERRNO(bind(s, (struct sockaddr *)&a, len), EADDRINUSE); /* the name exists */
    char other[PATH_MAX];
    struct sockaddr_un oa;
    socklen_t ol = make_addr(&oa, tmp_path(other, sizeof(other), "unix-other"));
    CHECK_ERRNO(bind(s, (struct sockaddr *)&oa, ol), EINVAL); /* bound already */
    CHECK_ERRNO(access(other, F_OK), ENOENT);                 /* and no node is left */
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERRNO(bind(s2, (struct sockaddr *)&a, len), EADDRINUSE);
    CHECK_ERRNO(connect(s2, (struct sockaddr *)&a, len), ECONNREFUSED); /* nobody listens */
    CHECK_EQ(close(s2), 0);
    int v = -1;
    socklen_t vl = sizeof(v);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(listen(s, 4), 0);
    vl = sizeof(v);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl), 0);
    CHECK_EQ(v, 1);
    return s;
}

static void data_both_ways(int a, int c)
{
    char buf[64];
    CHECK_EQ(write(c, "hello", 5), 5);
    CHECK_EQ(send(c, " world", 6, 0), 6);
    int n = -1;
    CHECK_EQ(ioctl(a, FIONREAD, &n), 0);
    CHECK_EQ(n, 11);
    CHECK_EQ(ioctl(c, SIOCOUTQ, &n), 0);
    CHECK(n >= 11); /* what c has in flight, overheads included */
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(recv(a, buf, 5, MSG_PEEK), 5);
    CHECK_STR(buf, "hello");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(recv(a, buf, 11, MSG_WAITALL), 11); /* across the two sends */
    CHECK_STR(buf, "hello world");
    CHECK_EQ(ioctl(c, SIOCOUTQ, &n), 0);
    CHECK_EQ(n, 0);
    CHECK_ERRNO(recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    CHECK_EQ(writev(a, out, 3), 5);
    char x[1], y[8] = {0};
    struct iovec in[2] = {{x, 1}, {y, sizeof(y)}};
    CHECK_EQ(readv(c, in, 2), 5);
    CHECK(x[0] == 'a' && strcmp(y, "bcde") == 0);
    /* a big transfer through a small buffer: the writer waits for the reader */
    int sz = 4096;
    CHECK_EQ(setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
    socklen_t sl = sizeof(sz);
    CHECK_EQ(getsockopt(c, SOL_SOCKET, SO_SNDBUF, &sz, &sl), 0);
    CHECK_EQ(sz, 8192); /* Linux doubles it */
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        static char big[1 << 20];
        for (size_t i = 0; i < sizeof(big); i++)
            big[i] = (char)(i * 7);
        _exit(write(c, big, sizeof(big)) == (ssize_t)sizeof(big) ? 0 : 1);
    }
    static char got[1 << 20];
    size_t have = 0;
    while (have < sizeof(got)) {
        ssize_t r = read(a, got + have, sizeof(got) - have);
        CHECK(r > 0);
        have += (size_t)r;
    }
    for (size_t i = 0; i < sizeof(got); i++)
        CHECK(got[i] == (char)(i * 7));
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void peercred(int a, int c)
{
    struct ucred cr;
    socklen_t l = sizeof(cr);
    CHECK_EQ(getsockopt(a, SOL_SOCKET, SO_PEERCRED, &cr, &l), 0);
    CHECK_EQ(l, sizeof(cr));
    CHECK_EQ(cr.pid, getpid());
    CHECK_EQ(cr.uid, getuid());
    CHECK_EQ(cr.gid, getgid());
    l = sizeof(cr);
    CHECK_EQ(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &l), 0);
    CHECK_EQ(cr.pid, getpid()); /* the listener's, at listen */
}

static void shutdown_and_close(int a, int c)
{
    char buf[16];
    atomic_store(&sigpipes, 0);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = 1};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev), 0);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    CHECK_EQ(shutdown(c, SHUT_WR), 0);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 5000), 1);
    CHECK_EQ(ev.events, EPOLLIN | EPOLLRDHUP);
    CHECK_EQ(read(a, buf, sizeof(buf)), 0); /* EOF */
    short r = poll1(a, POLLIN | POLLOUT | POLLRDHUP);
    CHECK((r & (POLLIN | POLLRDHUP | POLLOUT)) == (POLLIN | POLLRDHUP | POLLOUT));
    CHECK(!(r & POLLHUP));
    CHECK_ERRNO(write(c, "x", 1), EPIPE); /* c shut down its own writing */
    CHECK_EQ(atomic_load(&sigpipes), 1);
    CHECK_EQ(write(a, "back", 4), 4); /* the other direction still works */
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(read(c, buf, sizeof(buf)), 4);
    CHECK_STR(buf, "back");
    CHECK_EQ(close(c), 0);
    r = poll1(a, POLLIN | POLLOUT);
    CHECK((r & (POLLIN | POLLHUP)) == (POLLIN | POLLHUP));
    CHECK_EQ(epoll_wait(ep, &ev, 1, 5000), 1);
    CHECK_EQ(ev.events, EPOLLIN | EPOLLRDHUP | EPOLLHUP);
    CHECK_EQ(close(ep), 0);
    CHECK_ERRNO(write(a, "x", 1), EPIPE);
    CHECK_EQ(atomic_load(&sigpipes), 2);
    CHECK_ERRNO(send(a, "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ(atomic_load(&sigpipes), 2);
    CHECK_EQ(close(a), 0);
}

/* Closing with data unread resets the peer once. */
static void reset(const char *path, int s)
{
    int c = connect_to(path, 0);
    int a = accept(s, NULL, NULL);
    CHECK(a >= 0);
    CHECK_EQ(write(c, "unread", 6), 6);
    CHECK_EQ(close(a), 0);
    char buf[8];
    CHECK_EQ(poll1(c, POLLIN), POLLIN | POLLERR | POLLHUP);
    CHECK_ERRNO(read(c, buf, sizeof(buf)), ECONNRESET);
    CHECK_EQ(poll1(c, POLLIN), POLLIN | POLLHUP); /* the error was reported */
    CHECK_EQ(read(c, buf, sizeof(buf)), 0);
    CHECK_EQ(close(c), 0);
}

static char blocked_path[PATH_MAX];
static atomic_int connected;

static void *blocked_connect(void *arg)
{
    (void)arg;
    int c = connect_to(blocked_path, 0); /* waits for room in the backlog */
    atomic_store(&connected, 1);
    CHECK_EQ(write(c, "late", 4), 4);
    CHECK_EQ(close(c), 0);
    return NULL;
}

/* listen(fd, 0) holds one pending connection. */
static void backlog(const char *dir)
{
    CHECK(snprintf(blocked_path, sizeof(blocked_path), "%s/libos-unix-bl-%d", dir, getpid()) <
          (int)sizeof(blocked_path));
    struct sockaddr_un a;
    socklen_t len = make_addr(&a, blocked_path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK_EQ(bind(s, (struct sockaddr *)&a, len), 0);
    CHECK_EQ(listen(s, 0), 0);
    int c1 = connect_to(blocked_path, SOCK_NONBLOCK);
    int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK_ERRNO(connect(c2, (struct sockaddr *)&a, len), EAGAIN);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, blocked_connect, NULL), 0);
    int a1 = accept(s, NULL, NULL);
    CHECK(a1 >= 0);
    int fl = fcntl(s, F_GETFL);
    CHECK_EQ(fcntl(s, F_SETFL, fl & ~O_NONBLOCK), 0);
    int a2 = accept(s, NULL, NULL); /* the blocked connect's */
    CHECK(a2 >= 0);
    char buf[8] = {0};
    CHECK_EQ(recv(a2, buf, 4, MSG_WAITALL), 4);
    CHECK_STR(buf, "late");
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(atomic_load(&connected), 1);
    /* a non-blocking connect to a listener with room succeeds at once */
    CHECK_EQ(connect(c2, (struct sockaddr *)&a, len), 0);
    CHECK_ERRNO(connect(c2, (struct sockaddr *)&a, len), EAGAIN); /* full again: checked first */
    int a3 = accept4(s, NULL, NULL, SOCK_NONBLOCK);
    CHECK(a3 >= 0);
    CHECK(fcntl(a3, F_GETFL) & O_NONBLOCK);
    CHECK_ERRNO(recv(a3, buf, sizeof(buf), 0), EAGAIN);
    CHECK_ERRNO(connect(c2, (struct sockaddr *)&a, len), EISCONN);
    CHECK_EQ(close(a3), 0);
    CHECK_EQ(close(c1), 0);
    CHECK_EQ(close(c2), 0);
    CHECK_EQ(close(a1), 0);
    CHECK_EQ(close(a2), 0);
    CHECK_EQ(close(s), 0);
    CHECK_EQ(unlink(blocked_path), 0);
}

/* A forked child connects; SO_PEERCRED names it. */
static void from_child(const char *path, int s)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int c = connect_to(path, 0);
        char buf[8] = {0};
        if (write(c, "child", 5) != 5 || read(c, buf, sizeof(buf)) != 2 || strcmp(buf, "ok"))
            _exit(1);
        _exit(0);
    }
    int a = accept(s, NULL, NULL);
    CHECK(a >= 0);
    struct ucred cr;
    socklen_t l = sizeof(cr);
    CHECK_EQ(getsockopt(a, SOL_SOCKET, SO_PEERCRED, &cr, &l), 0);
    CHECK_EQ(cr.pid, pid);
    char buf[8] = {0};
    CHECK_EQ(recv(a, buf, 5, MSG_WAITALL), 5);
    CHECK_STR(buf, "child");
    CHECK_EQ(write(a, "ok", 2), 2);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(read(a, buf, sizeof(buf)), 0); /* the child's exit closed its end */
    CHECK_EQ(close(a), 0);
}

static void body(void)
{
    char path[PATH_MAX];
    tmp_path(path, sizeof(path), "unix-stream");
    int s = make_listener(path);
    CHECK_EQ(fcntl(s, F_SETFL, O_NONBLOCK), 0);
    CHECK_ERRNO(accept(s, NULL, NULL), EAGAIN);
    CHECK_EQ(fcntl(s, F_SETFL, 0), 0);
    CHECK_EQ(poll1(s, POLLIN | POLLOUT), 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 42};
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev), 0);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);

    int c = connect_to(path, 0);
    CHECK_EQ(poll1(s, POLLIN), POLLIN);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 5000), 1);
    CHECK_EQ(ev.data.u32, 42);
    struct sockaddr_un got;
    socklen_t gl = sizeof(got);
    CHECK_EQ(getpeername(c, (struct sockaddr *)&got, &gl), 0);
    CHECK_STR(got.sun_path, path);
    gl = sizeof(got);
    CHECK_EQ(getsockname(c, (struct sockaddr *)&got, &gl), 0);
    CHECK_EQ(gl, UNNAMED_LEN);

    struct sockaddr_un peer;
    socklen_t pl = sizeof(peer);
    int a = accept4(s, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
    CHECK(a >= 0);
    CHECK_EQ(pl, UNNAMED_LEN); /* the client has no name */
    CHECK_EQ(peer.sun_family, AF_UNIX);
    CHECK_EQ(fcntl(a, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(epoll_wait(ep, &ev, 1, 0), 0);
    gl = sizeof(got);
    CHECK_EQ(getsockname(a, (struct sockaddr *)&got, &gl), 0);
    CHECK_STR(got.sun_path, path); /* the listener's name */
    gl = sizeof(got);
    CHECK_EQ(getpeername(a, (struct sockaddr *)&got, &gl), 0);
    CHECK_EQ(gl, UNNAMED_LEN);
    CHECK_EQ(poll1(c, POLLIN | POLLOUT), POLLOUT);
    struct stat st;
    CHECK_EQ(fstat(a, &st), 0);
    CHECK(S_ISSOCK(st.st_mode));

    data_both_ways(a, c);
    peercred(a, c);
    shutdown_and_close(a, c);
    reset(path, s);
    from_child(path, s);

    /* the name goes, the socket stays; the name can be bound again */
    CHECK_EQ(unlink(path), 0);
    CHECK_ERRNO(stat(path, &st), ENOENT);
    struct sockaddr_un addr;
    socklen_t len = make_addr(&addr, path);
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERRNO(connect(c2, (struct sockaddr *)&addr, len), ENOENT);
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ(bind(s2, (struct sockaddr *)&addr, len), 0);
    CHECK_EQ(listen(s2, 1), 0);
    CHECK_EQ(connect(c2, (struct sockaddr *)&addr, len), 0);
    int a2 = accept(s2, NULL, NULL);
    CHECK(a2 >= 0);
    CHECK_EQ(poll1(s, POLLIN), 0); /* the first listener got nothing */
    /* a datagram socket cannot reach a stream listener */
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_ERRNO(connect(d, (struct sockaddr *)&addr, len), EPROTOTYPE);
    CHECK_EQ(close(d), 0);
    CHECK_EQ(close(a2), 0);
    CHECK_EQ(close(c2), 0);
    CHECK_EQ(close(s2), 0);
    CHECK_ERRNO(connect(c2 = socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&addr, len),
                ECONNREFUSED); /* a node nobody is bound to */
    CHECK_EQ(close(c2), 0);
    CHECK_EQ(unlink(path), 0);
    CHECK_EQ(close(ep), 0);
    CHECK_EQ(close(s), 0);

    /* a file that is not a socket, and no file at all */
    int f = open(path, O_CREAT | O_WRONLY, 0600);
    CHECK(f >= 0);
    CHECK_EQ(close(f), 0);
    int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERRNO(connect(c3, (struct sockaddr *)&addr, len), ECONNREFUSED);
    CHECK_ERRNO(bind(c3, (struct sockaddr *)&addr, len), EADDRINUSE);
    CHECK_EQ(unlink(path), 0);
    CHECK_ERRNO(connect(c3, (struct sockaddr *)&addr, len), ENOENT);
    CHECK_EQ(close(c3), 0);
    backlog(test_dir);
}

/* Sockets that are not connected. */
static void unconnected(void)
{
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(u >= 0);
    char buf[4];
    CHECK_ERRNO(send(u, "x", 1, 0), ENOTCONN);
    CHECK_ERRNO(recv(u, buf, sizeof(buf), 0), EINVAL);
    CHECK_ERRNO(getpeername(u, (struct sockaddr *)buf, &(socklen_t){sizeof(buf)}), ENOTCONN);
    CHECK_EQ(poll1(u, POLLIN | POLLOUT), POLLOUT | POLLHUP);
    CHECK_EQ(shutdown(u, SHUT_RDWR), 0); /* AF_UNIX does not mind */
    CHECK_ERRNO(shutdown(u, 3), EINVAL);
    int v = 0;
    socklen_t vl = sizeof(v);
    CHECK_EQ(getsockopt(u, SOL_SOCKET, SO_TYPE, &v, &vl), 0);
    CHECK_EQ(v, SOCK_STREAM);
    vl = sizeof(v);
    CHECK_EQ(getsockopt(u, SOL_SOCKET, SO_DOMAIN, &v, &vl), 0);
    CHECK_EQ(v, AF_UNIX);
    vl = sizeof(v);
    CHECK_EQ(getsockopt(u, SOL_SOCKET, SO_ERROR, &v, &vl), 0);
    CHECK_EQ(v, 0);
    struct ucred cr;
    socklen_t cl = sizeof(cr);
    CHECK_EQ(getsockopt(u, SOL_SOCKET, SO_PEERCRED, &cr, &cl), 0);
    CHECK(cr.pid == 0 && cr.uid == (uid_t)-1 && cr.gid == (gid_t)-1);
    CHECK_ERRNO(socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
    CHECK_ERRNO(socket(AF_UNIX, 9, 0), ESOCKTNOSUPPORT);
    CHECK_EQ(close(u), 0);
}

/* shutdown(SHUT_RD) and a full send buffer, on a socketpair. */
static void shut_rd_and_full(void)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    char buf[64];
    atomic_store(&sigpipes, 0);
    CHECK_EQ(shutdown(sv[0], SHUT_RD), 0);
    CHECK_EQ(read(sv[0], buf, sizeof(buf)), 0); /* not EAGAIN: shut down */
    CHECK_EQ(poll1(sv[0], POLLIN | POLLRDHUP), POLLIN | POLLRDHUP);
    CHECK_ERRNO(send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE); /* the peer reads no more */
    CHECK_EQ(atomic_load(&sigpipes), 0);
    CHECK_ERRNO(write(sv[1], "x", 1), EPIPE);
    CHECK_EQ(atomic_load(&sigpipes), 1);
    CHECK_EQ(write(sv[0], "still", 5), 5); /* the other way still goes */
    CHECK_EQ(read(sv[1], buf, sizeof(buf)), 5);
    CHECK_EQ(shutdown(sv[0], SHUT_RDWR), 0);
    CHECK_EQ(poll1(sv[0], POLLIN) & POLLHUP, POLLHUP);
    CHECK_EQ(read(sv[1], buf, sizeof(buf)), 0);
    CHECK_EQ(close(sv[0]), 0);
    CHECK_EQ(close(sv[1]), 0);
    /* a non-blocking writer fills its SO_SNDBUF, then may write again
     * once the reader took the data */
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    int sz = 8192;
    CHECK_EQ(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
    size_t sent = 0;
    ssize_t w;
    while ((w = write(sv[0], buf, sizeof(buf))) > 0)
        sent += (size_t)w;
    CHECK_EQ(errno, EAGAIN);
    CHECK(sent > 0);
    CHECK_EQ(poll1(sv[0], POLLOUT), 0);
    size_t got = 0;
    while ((w = read(sv[1], buf, sizeof(buf))) > 0)
        got += (size_t)w;
    CHECK_EQ(got, sent);
    CHECK_EQ(poll1(sv[0], POLLOUT), POLLOUT);
    CHECK_EQ(close(sv[0]), 0);
    CHECK_EQ(close(sv[1]), 0);
}

static pthread_t main_thread;
static atomic_int done;
static int feed_fd = -1;

/* Signals the main thread every 10 ms until its call returns; then, when
 * asked, writes to feed_fd so that a restarted call can end. */
static void *nagger(void *arg)
{
    int rounds = 0;
    while (!atomic_load(&done)) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (atomic_load(&done)) break;
        pthread_kill(main_thread, SIGUSR1);
        if (arg && ++rounds == 5) CHECK_EQ(write(feed_fd, "z", 1), 1);
    }
    return NULL;
}

static void signals(void)
{
    main_thread = pthread_self();
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    char buf[4];
    struct sigaction sa = {.sa_handler = on_sigusr1};
    pthread_t t;
    /* no SA_RESTART: EINTR */
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    atomic_store(&done, 0);
    CHECK_EQ(pthread_create(&t, NULL, nagger, NULL), 0);
    CHECK_ERRNO(read(sv[0], buf, sizeof(buf)), EINTR);
    atomic_store(&done, 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    /* SA_RESTART: the read goes on until data comes */
    sa.sa_flags = SA_RESTART;
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    feed_fd = sv[1];
    atomic_store(&done, 0);
    int before = atomic_load(&sigusr1s);
    CHECK_EQ(pthread_create(&t, NULL, nagger, (void *)1), 0);
    CHECK_EQ(read(sv[0], buf, sizeof(buf)), 1);
    CHECK(atomic_load(&sigusr1s) - before >= 5);
    atomic_store(&done, 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    /* SA_RESTART, but the socket has a timeout: EINTR, as Linux */
    struct timeval tv = {30, 0};
    CHECK_EQ(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    atomic_store(&done, 0);
    CHECK_EQ(pthread_create(&t, NULL, nagger, NULL), 0);
    CHECK_ERRNO(read(sv[0], buf, sizeof(buf)), EINTR);
    atomic_store(&done, 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    /* the timeout itself: EAGAIN */
    tv = (struct timeval){0, 20 * 1000};
    CHECK_EQ(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    struct timeval back;
    socklen_t bl = sizeof(back);
    CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &back, &bl), 0);
    CHECK(bl == sizeof(back) && back.tv_sec == 0 && back.tv_usec == 20 * 1000);
    CHECK_ERRNO(read(sv[0], buf, sizeof(buf)), EAGAIN);
    tv.tv_usec = 1000000;
    CHECK_ERRNO(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), EDOM);
    CHECK_EQ(close(sv[0]), 0);
    CHECK_EQ(close(sv[1]), 0);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_sigpipe};
    CHECK_EQ(sigaction(SIGPIPE, &sa, NULL), 0);
    int r = run_in_dirs(argc, argv, body);
    unconnected();
    shut_rd_and_full();
    signals();
    return r;
}
