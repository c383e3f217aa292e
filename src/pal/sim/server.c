/*
 * server: the long-running LibOS of `occlum start` (occlum-libos --server
 * <instance>). After the start-up checks of a run and libos_init, it
 * listens on <instance>/run/occlum.sock and runs each program `occlum
 * exec` sends (common/exec_proto.h) in this one LibOS, each connection on
 * its own host thread, until `occlum stop`, SIGTERM, SIGINT, SIGHUP or
 * SIGQUIT; then it kills what still runs, commits the writable layer and
 * exits 0.
 *
 * Those four signals are blocked in every thread (threads inherit the
 * mask) and read from a signalfd by the accept loop: in a server they mean
 * "stop", not "forward to the first program" as in a run.
 */
#include "pal/sim/server.h"
#include "pal/sim/handles.h"

#include "common/exec_proto.h"
#include "libos.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int active;       /* connections being served (atomic) */
static int wake[2];      /* a STOP request wakes the accept loop */
static int stop_fd = -1; /* the STOP client, answered when all is done */

/* The header, and the fds passed with it (-1 where none). */
static bool recv_header(int fd, struct exec_msg *m, int fds[3])
{
    union {
        char buf[CMSG_SPACE(3 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl)};
    fds[0] = fds[1] = fds[2] = -1;
    ssize_t n;
    do
        n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    /* The first three are the program's stdio; any more (the buffer holds
     * a fourth) were received all the same and are closed, or each such
     * request leaked one (found by tests/fuzz/fuzz_exec_proto). */
    size_t got = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int rfd;
            memcpy(&rfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (got < 3)
                fds[got++] = rfd;
            else
                close(rfd);
        }
    }
    if (n == (ssize_t)sizeof(*m) && !(mh.msg_flags & MSG_CTRUNC)) return true;
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0) close(fds[i]);
    return false;
}

/* Split the EXEC payload into argv and envp (pointers into buf). */
static bool parse_exec(char *buf, uint32_t len, char ***argv, char ***envp)
{
    uint32_t argc, envc;
    if (len < 8) return false;
    memcpy(&argc, buf, 4);
    memcpy(&envc, buf + 4, 4);
    if (argc == 0 || argc > len || envc > len) return false;
    char **v = calloc((size_t)argc + envc + 2, sizeof(char *));
    if (!v) return false;
    char *p = buf + 8, *end = buf + len;
    for (uint32_t i = 0; i < argc + envc; i++) {
        char *nul = memchr(p, 0, (size_t)(end - p));
        if (!nul) {
            free(v);
            return false;
        }
        v[i < argc ? i : i + 1] = p;
        p = nul + 1;
    }
    if (p != end) {
        free(v);
        return false;
    }
    *argv = v;
    *envp = v + argc + 1;
    return true;
}

struct relay {
    int conn, pid;
    pthread_mutex_t lock;
    bool done; /* the program ended: its pid may soon be another's */
};

/* Forward SIGN messages until the connection ends. */
static void *relay_signals(void *arg)
{
    struct relay *r = arg;
    struct exec_msg m;
    while (exec_read_full(r->conn, &m, sizeof(m))) {
        if (memcmp(m.tag, "SIGN", 4) != 0 || m.value == 0 || m.value >= 65) continue;
        pthread_mutex_lock(&r->lock);
        if (!r->done) libos_signal_program(r->pid, (int)m.value);
        pthread_mutex_unlock(&r->lock);
    }
    return NULL;
}

static void serve_exec(int conn, uint32_t len, int fds[3])
{
    char *buf = len <= EXEC_MAX_PAYLOAD ? malloc(len ? len : 1) : NULL;
    char **argv = NULL, **envp = NULL;
    if (!buf || !exec_read_full(conn, buf, len) || !parse_exec(buf, len, &argv, &envp)) {
        fprintf(stderr, "occlum server: a malformed exec request was refused\n");
        for (int i = 0; i < 3; i++)
            if (fds[i] >= 0) close(fds[i]);
        exec_send_msg(conn, "EXIT", 126);
        free(buf);
        return;
    }
    struct relay r = {.conn = conn, .lock = PTHREAD_MUTEX_INITIALIZER};
    char err[4352];
    int errfd = fds[2] >= 0 ? fcntl(fds[2], F_DUPFD_CLOEXEC, 3) : -1; /* the LibOS takes fds */
    int handles[3]; /* what the LibOS holds host fds by (handles.c) */
    for (int i = 0; i < 3; i++)
        handles[i] = fds[i] >= 0 ? handle_new(fds[i]) : -1;
    int code = libos_start_program(argv[0], argv, envp, handles, &r.pid, err, sizeof(err));
    if (code == 0) {
        pthread_t t;
        bool relaying = pthread_create(&t, NULL, relay_signals, &r) == 0;
        code = libos_wait_exit(r.pid);
        pthread_mutex_lock(&r.lock);
        r.done = true;
        pthread_mutex_unlock(&r.lock);
        libos_release_program(r.pid);
        exec_send_msg(conn, "EXIT", (uint32_t)code);
        shutdown(conn, SHUT_RDWR); /* ends the relay's read */
        if (relaying) pthread_join(t, NULL);
    } else {
        /* the reason goes to the client's stderr, as `occlum run` prints it */
        if (errfd >= 0) dprintf(errfd, "occlum exec: %s\n", err);
        exec_send_msg(conn, "EXIT", (uint32_t)code);
    }
    if (errfd >= 0) close(errfd);
    free(argv);
    free(buf);
}

/* PS: the process table; KILL: a signal to one process. */
static void serve_ps(int conn)
{
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    size_t n = buf ? libos_ps(buf, cap) : 0;
    if (exec_send_msg(conn, "LIST", (uint32_t)n) && n) exec_send_all(conn, buf, n);
    free(buf);
}

static void serve_kill(int conn, uint32_t pid)
{
    uint32_t sig;
    int r = exec_read_full(conn, &sig, sizeof(sig)) ? libos_kill((int)pid, (int)sig) : -EINVAL;
    exec_send_msg(conn, "DONE", (uint32_t)-r);
}

static void *serve(void *arg)
{
    int conn = (int)(intptr_t)arg;
    struct exec_msg m;
    int fds[3];
    if (recv_header(conn, &m, fds)) {
        if (memcmp(m.tag, "EXEC", 4) == 0) {
            serve_exec(conn, m.value, fds);
        } else if (memcmp(m.tag, "PS\0\0", 4) == 0 || memcmp(m.tag, "KILL", 4) == 0) {
            for (int i = 0; i < 3; i++)
                if (fds[i] >= 0) close(fds[i]);
            if (m.tag[0] == 'P')
                serve_ps(conn);
            else
                serve_kill(conn, m.value);
        } else {
            for (int i = 0; i < 3; i++)
                if (fds[i] >= 0) close(fds[i]);
            int none = -1;
            if (memcmp(m.tag, "STOP", 4) == 0 &&
                __atomic_compare_exchange_n(&stop_fd, &none, conn, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
                char c = 1;
                if (write(wake[1], &c, 1) < 0) { /* the pipe is never full: one stop */
                }
                __atomic_sub_fetch(&active, 1, __ATOMIC_ACQ_REL);
                return NULL; /* the accept loop answers and closes it */
            }
        }
    }
    close(conn);
    __atomic_sub_fetch(&active, 1, __ATOMIC_ACQ_REL);
    return NULL;
}

static int listen_on(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path)) {
        fprintf(stderr, "occlum start: the instance path is too long for a Unix socket (%s)\n",
                path);
        return -1;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    unlink(path); /* a stale one: `occlum start` checked that no server answers */
    mode_t old = umask(077);
    int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
    umask(old);
    if (r < 0 || listen(fd, 64) < 0) {
        fprintf(stderr, "occlum start: cannot listen on %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int server_block_stop_signals(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    sigaddset(&s, SIGQUIT);
    if (sigprocmask(SIG_BLOCK, &s, NULL) < 0) return -1;
    return signalfd(-1, &s, SFD_CLOEXEC);
}

int server_run(const char *instance, int sigfd)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", instance, EXEC_SOCKET);
    if (pipe2(wake, O_CLOEXEC) < 0) return 1;
    int lfd = listen_on(path);
    if (lfd < 0) return 1;
    fprintf(stderr, "occlum server: running (pid %d)\n", (int)getpid());
    for (;;) {
        struct pollfd p[3] = {{.fd = lfd, .events = POLLIN},
                              {.fd = sigfd, .events = POLLIN},
                              {.fd = wake[0], .events = POLLIN}};
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[1].revents) {
            struct signalfd_siginfo si;
            if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                fprintf(stderr, "occlum server: signal %u: stopping\n", si.ssi_signo);
            break;
        }
        if (p[2].revents) break;
        if (!(p[0].revents & POLLIN)) continue;
        int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) continue;
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        __atomic_add_fetch(&active, 1, __ATOMIC_ACQ_REL);
        if (pthread_create(&t, &at, serve, (void *)(intptr_t)conn) != 0) {
            __atomic_sub_fetch(&active, 1, __ATOMIC_ACQ_REL);
            close(conn);
        }
        pthread_attr_destroy(&at);
    }
    /* Stopping: no new connections; end the programs (their clients get
     * EXIT 137) and let their connections finish, then commit. */
    close(lfd);
    unlink(path);
    libos_kill_all();
    for (int i = 0; i < 500 && __atomic_load_n(&active, __ATOMIC_ACQUIRE) > 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    libos_report(); /* occlum start --stats */
    int code = 0;
    if (libos_sync() < 0) {
        fprintf(stderr, "occlum server: the writable layer could not commit\n");
        code = 1;
    }
    fprintf(stderr, "occlum server: stopped\n");
    int sfd = __atomic_load_n(&stop_fd, __ATOMIC_ACQUIRE);
    if (sfd >= 0) {
        exec_send_msg(sfd, "BYE!", (uint32_t)code);
        close(sfd);
    }
    return code;
}
