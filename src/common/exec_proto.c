/*
 * exec_proto.c: moving exec_proto.h's messages over the server's socket,
 * for both ends (the CLI's occlum exec/stop and the runtime's server).
 */
#include "common/exec_proto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool exec_read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

bool exec_send_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

bool exec_send_msg(int fd, const char tag[4], uint32_t value)
{
    struct exec_msg m;
    memcpy(m.tag, tag, 4);
    m.value = value;
    return exec_send_all(fd, &m, sizeof(m));
}
