/* tcp_pair.h: connected TCP sockets over the loopback, for the tests of
 * host sockets (the LibOS's AF_INET sockets are host sockets). */
#ifndef LIBOS_TEST_TCP_PAIR_H
#define LIBOS_TEST_TCP_PAIR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "check.h"

/* A listening socket on 127.0.0.1 and a free port. */
static inline int tcp_listener(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_EQ(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
    CHECK_EQ(listen(l, 64), 0);
    return l;
}

/* fds[0]: the connecting end, fds[1]: the accepted one. */
static inline void tcp_pair(int l, int fds[2])
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    CHECK_EQ(getsockname(l, (struct sockaddr *)&a, &len), 0);
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fds[0] >= 0);
    CHECK_EQ(connect(fds[0], (struct sockaddr *)&a, len), 0);
    fds[1] = accept(l, NULL, NULL);
    CHECK(fds[1] >= 0);
}

#endif
