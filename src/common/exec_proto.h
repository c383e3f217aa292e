/*
 * exec_proto: the messages between `occlum exec` / `occlum stop` (the CLI)
 * and the server `occlum start` leaves running (the sim PAL's server.c),
 * over the instance's Unix socket run/occlum.sock (mode 0600: only the
 * instance's owner can talk to it).
 *
 * Every message is a header (a 4-byte tag and a little-endian u32) and,
 * for EXEC only, a payload of `value` bytes. One connection per request:
 *
 *   EXEC  client -> server, the program's stdin, stdout and stderr passed
 *         with SCM_RIGHTS on the header. Payload: u32 argc, u32 envc, then
 *         argc + envc NUL-terminated strings (argv[0] is the program's path
 *         inside the instance; env is the client's, which the server
 *         filters through env.untrusted as `occlum run` does).
 *   SIGN  client -> server, value = a signal for the program's process
 *         group (the client got Ctrl-C, SIGTERM...); any number of them.
 *   EXIT  server -> client, value = the exit code `occlum run` would give
 *         (the program's status, 128+signal, 126/127 when it did not start).
 *   STOP  client -> server: end every program, commit the writable layer
 *         and exit; the server answers BYE! when it has.
 *   PS\0\0 client -> server (`occlum ps`): the server answers LIST, value =
 *         the length of the text table that follows.
 *   KILL  client -> server (`occlum kill`), value = a pid inside, then a
 *         u32 signal; the server answers DONE, value = 0 or an errno.
 */
#ifndef OCCLUM_EXEC_PROTO_H
#define OCCLUM_EXEC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXEC_SOCKET "run/occlum.sock"
#define EXEC_SERVER_LOG "run/occlum-server.log"
#define EXEC_MAX_PAYLOAD (4u << 20) /* argv + env, as Linux's ARG_MAX order */

struct exec_msg {
    char tag[4];
    uint32_t value;
};

/* Whole reads and writes on the socket (EINTR retried; no SIGPIPE);
 * false when the other end is gone. */
bool exec_read_full(int fd, void *buf, size_t len);
bool exec_send_all(int fd, const void *buf, size_t len);
bool exec_send_msg(int fd, const char tag[4], uint32_t value);

#endif
