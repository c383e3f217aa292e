/* fuzz-sources: src/common/exec_proto.c */
/*
 * fuzz_exec_proto: what a client of `occlum start`'s socket can send, as
 * the server reads it (pal/sim/server.c, included here whole so that its
 * static request parsing is reached): a header with 0-4 descriptors passed
 * by SCM_RIGHTS, an EXEC payload (argc, envc, strings) and any SIGN
 * messages after it. The LibOS behind the server is replaced by the stubs
 * below, which check what the parser hands them: argv and envp
 * NULL-terminated, every string inside the payload.
 *
 * Input: byte 0 is the number of descriptors to pass (mod 5); the rest is
 * written to the client's end of a socketpair, which is then shut down.
 */
#include "pal/sim/handles.c"
#include "pal/sim/server.c"

#include <stdint.h>

/* Every string ends inside the payload buffer (AddressSanitizer sees a
 * read past it) and the vector ends with NULL before its count runs out. */
static void check_strings(char *const v[])
{
    size_t total = 0;
    for (size_t i = 0; v[i]; i++) {
        total += strlen(v[i]) + 1;
        if (total > EXEC_MAX_PAYLOAD) abort();
    }
}

int libos_start_program(const char *path, char *const argv[], char *const host_envp[],
                        const int stdio_fds[3], int *pid, char *err, size_t errlen)
{
    check_strings(argv);
    check_strings(host_envp);
    if (path != argv[0]) abort();
    for (int i = 0; i < 3; i++)
        if (stdio_fds[i] >= 0 && handle_close(stdio_fds[i]) < 0)
            abort(); /* handles, as the LibOS gets */
    if (path[0] != '/') {
        snprintf(err, errlen, "%s: not found", path);
        return 127;
    }
    *pid = 2;
    return 0;
}

int libos_wait_exit(int pid)
{
    return pid == 2 ? 0 : 127;
}

void libos_release_program(int pid)
{
    if (pid != 2) abort();
}

void libos_signal_program(int pid, int sig)
{
    if (pid != 2 || sig <= 0 || sig >= 65) abort();
}

void libos_kill_all(void) {}
void libos_report(void) {}

size_t libos_ps(char *buf, size_t len)
{
    return len ? (buf[0] = '\0', 0) : 0;
}

int libos_kill(int pid, int sig)
{
    return pid == 2 && sig >= 0 && sig <= 64 ? 0 : -3; /* -ESRCH */
}

int libos_sync(void)
{
    return 0;
}

/* Open descriptors among the first 256 (where a leak would show). */
static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 256; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0) abort();
    /* The server's "malformed request" line is expected for most inputs:
     * its stream goes nowhere. libFuzzer and the sanitizers keep fd 2
     * (libFuzzer took its own copy of the stream pointer at start-up). */
    stderr = fopen("/dev/null", "w");
    if (!stderr) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int before = open_fds();
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) abort();
    int nfds = data[0] % 5, pass[4];
    for (int i = 0; i < nfds; i++)
        pass[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
    data++;
    size--;
    /* the header goes with the descriptors, as exec_send_fds does */
    size_t first = size < sizeof(struct exec_msg) ? size : sizeof(struct exec_msg);
    union {
        char buf[CMSG_SPACE(4 * sizeof(int))];
        struct cmsghdr align;
    } ctl;
    struct iovec iov = {.iov_base = (void *)data, .iov_len = first};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds) {
        mh.msg_control = ctl.buf;
        mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(c), pass, nfds * sizeof(int));
    }
    if (first && sendmsg(sv[0], &mh, 0) < 0) abort();
    for (int i = 0; i < nfds; i++)
        close(pass[i]);
    /* the rest: a socket buffer holds it (libFuzzer's inputs are small) */
    if (size > first && !exec_send_all(sv[0], data + first, size - first)) abort();
    shutdown(sv[0], SHUT_WR);
    __atomic_add_fetch(&active, 1, __ATOMIC_ACQ_REL);
    serve((void *)(intptr_t)sv[1]); /* closes sv[1] */
    /* a STOP request: answered by the accept loop, which is not here */
    if (stop_fd >= 0) {
        close(stop_fd);
        stop_fd = -1;
        char c;
        while (read(wake[0], &c, 1) == 1) {
        }
    }
    if (__atomic_load_n(&active, __ATOMIC_ACQUIRE) != 0) abort();
    close(sv[0]);
    if (open_fds() != before) abort(); /* every descriptor it brought is closed again */
    return 0;
}
