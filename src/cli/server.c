/*
 * server.c: a long-running instance, as Occlum's server mode:
 *   occlum start   starts the LibOS runtime in the background (occlum-libos
 *                  --server), which listens on run/occlum.sock;
 *   occlum exec    runs a program in it with this terminal's stdin, stdout
 *                  and stderr, forwards Ctrl-C and friends, and exits with
 *                  the program's code (as `occlum run` would);
 *   occlum stop    ends every program, commits the writable layer, and
 *                  waits for the server to exit.
 * The messages are common/exec_proto.h's.
 */
#include "cli/cli.h"

#include "common/exec_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- occlum start ---- */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The last non-empty line of the server's log, for an error message. */
static void last_log_line(const char *dir, char *out, size_t len)
{
    char path[PATH_MAX];
    size_t n = 0;
    out[0] = 0;
    if (pathf(path, sizeof(path), "%s/%s", dir, EXEC_SERVER_LOG) < 0) return;
    char *text = read_text(path, &n);
    if (!text) return;
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = 0;
    char *line = strrchr(text, '\n');
    snprintf(out, len, "%s", line ? line + 1 : text);
    free(text);
}

static int start_main(int argc, char **argv)
{
    const char *cmd = "start";
    for (int before = 0; before != argc;) { /* the options, in any order */
        before = argc;
        if (cli_take_image_key(cmd, &argc, &argv) < 0) return 1;
        if (cli_take_trace_options(cmd, &argc, &argv) < 0) return 1;
    }
    if (argc > 1) {
        cli_error(cmd,
                  "unexpected argument %s (usage: occlum start [--image-key <file>] "
                  "[--strace[=FILE]] [--stats])",
                  argv[1]);
        return 1;
    }
    char dir[PATH_MAX], runtime[PATH_MAX + 32], path[PATH_MAX];
    if (cli_instance(cmd, dir, sizeof(dir)) < 0 || cli_check_build(cmd, dir) < 0) return 1;
    if (cli_runtime(cmd, runtime, sizeof(runtime)) < 0) return 1;
    int conn = cli_server_connect(dir);
    if (conn >= 0) {
        close(conn);
        cli_error(cmd, "the instance is already running; 'occlum stop' it first");
        return 1;
    }
    if (pathf(path, sizeof(path), "%s/run", dir) < 0 || mkdir_p(path, 0755) < 0 ||
        pathf(path, sizeof(path), "%s/%s", dir, EXEC_SERVER_LOG) < 0) {
        cli_error(cmd, "cannot create %s/run: %s", dir, strerror(errno));
        return 1;
    }
    int log = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) {
        cli_error(cmd, "cannot create %s: %s", path, strerror(errno));
        return 1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        cli_error(cmd, "cannot start the server: %s", strerror(errno));
        return 1;
    }
    if (pid == 0) { /* the server: its own session, no terminal, output to the log */
        setsid();
        int null = open("/dev/null", O_RDONLY);
        if (null < 0 || dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0) _exit(1);
        execl(runtime, runtime, "--server", dir, (char *)NULL);
        fprintf(stderr, "occlum start: cannot run %s: %s\n", runtime, strerror(errno));
        _exit(1);
    }
    close(log);
    /* Ready when the socket answers; the start-up checks (signature,
     * image, writable layer) come first, so a refusal ends the child. */
    for (double until = now() + 60; now() < until;) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            char line[512];
            last_log_line(dir, line, sizeof(line));
            cli_error(cmd, "the server did not start: %s", line[0] ? line : "(no message)");
            return 1;
        }
        if ((conn = cli_server_connect(dir)) >= 0) {
            close(conn);
            return 0;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    cli_error(cmd, "the server did not answer within 60 s (see %s)", path);
    return 1;
}

const struct cli_cmd cmd_start = {
    "start",
    "start [--image-key <file>] [--strace[=FILE]] [--stats]",
    "Start the instance's LibOS in the background, for 'occlum exec'.",
    "Must run inside a built instance. The server performs the checks of\n"
    "'occlum run' (signature, measurement, image, writable layer) and then\n"
    "runs the programs 'occlum exec' sends it, all in this one LibOS, until\n"
    "'occlum stop'. Its log is run/occlum-server.log. While it runs,\n"
    "'occlum run' refuses to start (the writable layer has one user).\n"
    "--strace[=FILE] traces every system call of the programs it runs (to the log,\n"
    "or to FILE on the host); --stats prints the table of 'occlum run --stats'\n"
    "there when it stops.\n",
    start_main,
};

/* ---- occlum exec ---- */

static int sig_pipe[2] = {-1, -1};

static void note_signal(int sig)
{
    unsigned char c = (unsigned char)sig;
    int e = errno;
    if (write(sig_pipe[1], &c, 1) < 0) { /* full: the program gets fewer copies */
    }
    errno = e;
}

/* The request: header with our fds 0, 1, 2, then argv and environ. */
static bool send_exec(int conn, int argc, char **argv)
{
    size_t envc = 0, len = 8;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    for (char **e = environ; e && *e; e++, envc++)
        len += strlen(*e) + 1;
    if (len > EXEC_MAX_PAYLOAD) {
        errno = E2BIG;
        return false;
    }
    char *buf = malloc(len), *p = buf + 8;
    if (!buf) return false;
    uint32_t n32 = (uint32_t)argc, e32 = (uint32_t)envc;
    memcpy(buf, &n32, 4);
    memcpy(buf + 4, &e32, 4);
    for (int i = 0; i < argc; i++)
        p = stpcpy(p, argv[i]) + 1;
    for (size_t i = 0; i < envc; i++)
        p = stpcpy(p, environ[i]) + 1;
    /* A closed std fd travels as /dev/null (SCM_RIGHTS needs open fds);
     * the program then sees an open fd where ours was closed. */
    int fds[3];
    for (int i = 0; i < 3; i++)
        fds[i] = fcntl(i, F_GETFD) >= 0 ? i : open("/dev/null", O_RDWR | O_CLOEXEC);
    struct exec_msg m = {.tag = {'E', 'X', 'E', 'C'}, .value = (uint32_t)len};
    union {
        char buf[CMSG_SPACE(sizeof(fds))];
        struct cmsghdr align;
    } ctl;
    memset(&ctl, 0, sizeof(ctl));
    struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(fds));
    memcpy(CMSG_DATA(c), fds, sizeof(fds));
    ssize_t sent;
    do
        sent = sendmsg(conn, &mh, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    bool ok = sent == (ssize_t)sizeof(m) && exec_send_all(conn, buf, len);
    free(buf);
    return ok;
}

static int exec_main(int argc, char **argv)
{
    const char *cmd = "exec";
    if (argc >= 2 && strcmp(argv[1], "--") == 0) {
        argv++;
        argc--;
    }
    if (argc < 2) {
        cli_error(cmd, "expected a program: occlum exec <path> [args...], e.g. occlum exec "
                       "/bin/hello_world");
        return 1;
    }
    char dir[PATH_MAX];
    if (cli_instance(cmd, dir, sizeof(dir)) < 0) return 1;
    int conn = cli_server_connect(dir);
    if (conn < 0) {
        cli_error(cmd, "the instance is not running; start it with 'occlum start' (or use "
                       "'occlum run')");
        return 1;
    }
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        cli_error(cmd, "cannot set up signal forwarding: %s", strerror(errno));
        return 1;
    }
    struct sigaction sa = {.sa_handler = note_signal};
    sigemptyset(&sa.sa_mask);
    const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        sigaction(forwarded[i], &sa, NULL);
    if (!send_exec(conn, argc - 1, argv + 1)) {
        cli_error(cmd, "cannot send the request to the server: %s", strerror(errno));
        return 1;
    }
    for (;;) {
        struct pollfd p[2] = {{.fd = conn, .events = POLLIN},
                              {.fd = sig_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        unsigned char s;
        while (p[1].revents && read(sig_pipe[0], &s, 1) == 1)
            exec_send_msg(conn, "SIGN", s);
        if (!p[0].revents) continue;
        struct exec_msg m;
        if (exec_read_full(conn, &m, sizeof(m)) && memcmp(m.tag, "EXIT", 4) == 0)
            return (int)(m.value & 0xff);
        break;
    }
    cli_error(cmd, "the server went away before the program ended (occlum stop, or it was "
                   "killed); see run/occlum-server.log");
    return 1;
}

const struct cli_cmd cmd_exec = {
    "exec",
    "exec <path> [args...]",
    "Run a program in the instance 'occlum start' started.",
    "Like 'occlum run <path> [args...]', but in the running instance: the\n"
    "program shares the LibOS (and its processes, files and writable layer)\n"
    "with every other program exec'd there. Its stdin, stdout and stderr are\n"
    "this command's; Ctrl-C, SIGTERM, SIGHUP and SIGQUIT sent to this command\n"
    "go to the program's process group. The exit status is the program's, as\n"
    "for 'occlum run'. The environment passes through env.untrusted as for\n"
    "'occlum run'.\n",
    exec_main,
};

/* ---- occlum stop ---- */

static int stop_main(int argc, char **argv)
{
    const char *cmd = "stop";
    if (argc > 1) {
        cli_error(cmd, "unexpected argument %s (usage: occlum stop)", argv[1]);
        return 1;
    }
    char dir[PATH_MAX];
    if (cli_instance(cmd, dir, sizeof(dir)) < 0) return 1;
    int conn = cli_server_connect(dir);
    if (conn < 0) {
        fprintf(stderr, "occlum stop: the instance is not running\n");
        return 0;
    }
    struct exec_msg m;
    if (!exec_send_msg(conn, "STOP", 0) || !exec_read_full(conn, &m, sizeof(m)) ||
        memcmp(m.tag, "BYE!", 4) != 0) {
        cli_error(cmd, "the server did not confirm that it stopped; see run/occlum-server.log");
        return 1;
    }
    if (m.value != 0) {
        cli_error(cmd, "the server stopped, but the writable layer could not commit; see "
                       "run/occlum-server.log");
        return 1;
    }
    return 0;
}

const struct cli_cmd cmd_stop = {
    "stop",
    "stop",
    "Stop the instance 'occlum start' started.",
    "Kills the programs still running in it (their 'occlum exec' exits with\n"
    "137), commits the writable layer and waits until the server has exited.\n"
    "Stopping an instance that is not running only says so.\n",
    stop_main,
};
