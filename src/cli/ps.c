/*
 * ps.c: `occlum ps` and `occlum kill [-s SIG | -SIG] <pid>`: the processes
 * of a started instance (occlum start), and a signal to one of them, as
 * ps(1) and kill(1) would inside. Both talk to the server over the
 * instance's socket (common/exec_proto.h: PS, KILL).
 */
#include "cli/cli.h"
#include "common/exec_proto.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A connection to the instance's server, or -1 after an error line. */
static int connect_server(const char *cmd)
{
    char dir[PATH_MAX];
    if (cli_instance(cmd, dir, sizeof(dir)) < 0) return -1;
    int conn = cli_server_connect(dir);
    if (conn < 0) cli_error(cmd, "the instance is not running; start it with 'occlum start'");
    return conn;
}

static int ps_main(int argc, char **argv)
{
    const char *cmd = "ps";
    if (argc > 1) {
        cli_error(cmd, "unexpected argument %s (usage: occlum ps)", argv[1]);
        return 1;
    }
    int conn = connect_server(cmd);
    if (conn < 0) return 1;
    struct exec_msg m;
    char *text = NULL;
    bool ok = exec_send_msg(conn, "PS\0\0", 0) && exec_read_full(conn, &m, sizeof(m)) &&
              memcmp(m.tag, "LIST", 4) == 0 && m.value <= (16u << 20) &&
              (text = malloc(m.value + 1)) && exec_read_full(conn, text, m.value);
    close(conn);
    if (!ok) {
        free(text);
        cli_error(cmd, "the server did not answer; see run/occlum-server.log");
        return 1;
    }
    fwrite(text, 1, m.value, stdout);
    free(text);
    return 0;
}

/* A signal given as a number, a name (TERM, SIGTERM) or RTMIN+n. */
static int parse_signal(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (*s && !*end) return n >= 0 && n <= 64 ? (int)n : -1;
    if (!strncmp(s, "SIG", 3)) s += 3;
    if (!strncmp(s, "RTMIN+", 6)) {
        n = strtol(s + 6, &end, 10);
        return *end || n < 0 || SIGRTMIN + n > SIGRTMAX ? -1 : SIGRTMIN + (int)n;
    }
    for (int i = 1; i < 32; i++)
        if (sigabbrev_np(i) && !strcmp(s, sigabbrev_np(i))) return i;
    return -1;
}

static int kill_main(int argc, char **argv)
{
    const char *cmd = "kill";
    int sig = SIGTERM, i = 1;
    if (i < argc && !strcmp(argv[i], "-s")) {
        if (i + 1 >= argc || (sig = parse_signal(argv[i + 1])) < 0) {
            cli_error(cmd, "-s needs a signal, e.g. -s TERM, -s KILL or -s 9");
            return 1;
        }
        i += 2;
    } else if (i < argc && argv[i][0] == '-' && argv[i][1]) {
        if ((sig = parse_signal(argv[i] + 1)) < 0) {
            cli_error(cmd, "%s is not a signal; e.g. -TERM, -KILL or -9", argv[i]);
            return 1;
        }
        i++;
    }
    char *end = NULL;
    long pid = i + 1 == argc ? strtol(argv[i], &end, 10) : 0;
    if (i + 1 != argc || !end || *end || pid <= 0 || pid > INT32_MAX) {
        cli_error(cmd, "expected one pid inside the instance (see occlum ps): occlum kill [-s SIG] "
                       "<pid>");
        return 1;
    }
    int conn = connect_server(cmd);
    if (conn < 0) return 1;
    struct exec_msg m;
    uint32_t s = (uint32_t)sig;
    bool ok = exec_send_msg(conn, "KILL", (uint32_t)pid) && exec_send_all(conn, &s, sizeof(s)) &&
              exec_read_full(conn, &m, sizeof(m)) && memcmp(m.tag, "DONE", 4) == 0;
    close(conn);
    if (!ok) {
        cli_error(cmd, "the server did not answer; see run/occlum-server.log");
        return 1;
    }
    if (m.value == ESRCH) {
        cli_error(cmd, "no process %ld in the instance (see occlum ps)", pid);
        return 1;
    }
    if (m.value) {
        cli_error(cmd, "cannot signal process %ld: %s", pid, strerror((int)m.value));
        return 1;
    }
    return 0;
}

const struct cli_cmd cmd_ps = {
    "ps",
    "ps",
    "List the processes of the started instance.",
    "Must run inside an instance that 'occlum start' started. One line per\n"
    "process: its pid and parent's pid and process group inside the LibOS, its\n"
    "state (S running or sleeping, T stopped, Z zombie), its threads and its\n"
    "command line.\n",
    ps_main,
};

const struct cli_cmd cmd_kill = {
    "kill",
    "kill [-s SIG | -SIG] <pid>",
    "Send a signal to a process of the started instance.",
    "Sends SIG (default TERM; a name such as KILL or SIGKILL, RTMIN+n, or a\n"
    "number) to the process <pid> inside the started instance, as kill(1)\n"
    "would from inside. Exits 1 when there is no such process.\n",
    kill_main,
};
