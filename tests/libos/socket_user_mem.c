/*
 * socket_user_mem: the socket calls read and write the caller's memory as
 * Linux does, through copies: msghdr names and control data come back
 * with their lengths and flags (a truncated control buffer sets
 * MSG_CTRUNC), and an address, length or descriptor pair that cannot be
 * written is EFAULT with nothing left behind (no descriptor installed).
 * The LibOS used to dereference these after checking them, which another
 * thread unmapping the page in between turned into a LibOS crash
 * (tests/fuzz/syscall_fuzz).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "check.h"

static int lowest_free_fd(void)
{
    int fd = dup(0);
    CHECK(fd >= 0);
    close(fd);
    return fd;
}

int main(void)
{
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(ro != MAP_FAILED);

    /* socketpair into read-only memory: EFAULT, no descriptors */
    int before = lowest_free_fd();
    CHECK_ERRNO(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, ro), EFAULT);
    CHECK(lowest_free_fd() == before);

    /* two UDP sockets on the loopback */
    int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(a >= 0 && b >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(a, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(bind(b, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    struct sockaddr_in an, bn;
    socklen_t len = sizeof(an);
    CHECK(getsockname(a, (struct sockaddr *)&an, &len) == 0 && len == sizeof(an));
    len = sizeof(bn);
    CHECK(getsockname(b, (struct sockaddr *)&bn, &len) == 0);
    /* a length that cannot be read, or written back */
    CHECK_ERRNO(syscall(SYS_getsockname, a, &an, (socklen_t *)8), EFAULT);
    CHECK_ERRNO(syscall(SYS_getsockname, a, &an, (socklen_t *)ro), EFAULT);
    /* a short buffer gets the start of the address and the full length */
    unsigned char four[8] = {0};
    len = 4;
    CHECK(getsockname(a, (struct sockaddr *)four, &len) == 0);
    CHECK(len == sizeof(an) && four[4] == 0 && memcmp(four, &an, 4) == 0);
    int one = 1;
    CHECK(setsockopt(a, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == 0);
    socklen_t olen = sizeof(one);
    int got = 0;
    CHECK(getsockopt(a, IPPROTO_IP, IP_PKTINFO, &got, &olen) == 0 && got == 1);
    CHECK_ERRNO(syscall(SYS_getsockopt, a, IPPROTO_IP, IP_PKTINFO, &got, ro), EFAULT);

    /* sendmsg with a name; recvmsg gets the sender's name and IP_PKTINFO */
    char out1[] = "hello ", out2[] = "world";
    struct iovec ov[2] = {{out1, 6}, {out2, 5}};
    struct msghdr sm = {.msg_name = &an, .msg_namelen = sizeof(an), .msg_iov = ov, .msg_iovlen = 2};
    CHECK(sendmsg(b, &sm, 0) == 11);
    char in[32] = {0};
    struct iovec iv = {in, sizeof(in)};
    struct sockaddr_in from;
    union {
        char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } ctl;
    struct msghdr rm = {.msg_name = &from,
                        .msg_namelen = sizeof(from),
                        .msg_iov = &iv,
                        .msg_iovlen = 1,
                        .msg_control = ctl.buf,
                        .msg_controllen = sizeof(ctl)};
    CHECK(recvmsg(a, &rm, 0) == 11);
    CHECK(memcmp(in, "hello world", 11) == 0);
    CHECK(rm.msg_namelen == sizeof(from) && from.sin_port == bn.sin_port);
    CHECK(rm.msg_controllen == CMSG_SPACE(sizeof(struct in_pktinfo)));
    CHECK(!(rm.msg_flags & MSG_CTRUNC));
    struct cmsghdr *c = CMSG_FIRSTHDR(&rm);
    CHECK(c && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO);

    /* a control buffer too small for the cmsg: MSG_CTRUNC */
    CHECK(sendto(b, "x", 1, 0, (struct sockaddr *)&an, sizeof(an)) == 1);
    char small[4];
    rm.msg_control = small;
    rm.msg_controllen = sizeof(small);
    rm.msg_flags = 0;
    CHECK(recvmsg(a, &rm, 0) == 1);
    CHECK(rm.msg_flags & MSG_CTRUNC);

    /* an unreadable iovec array or msghdr: EFAULT */
    struct msghdr bad = {.msg_iov = (struct iovec *)8, .msg_iovlen = 1};
    CHECK_ERRNO(recvmsg(a, &bad, MSG_DONTWAIT), EFAULT);
    CHECK_ERRNO(syscall(SYS_recvmsg, a, (struct msghdr *)8, MSG_DONTWAIT), EFAULT);
    CHECK_ERRNO(syscall(SYS_sendmsg, b, (struct msghdr *)8, 0), EFAULT);
    /* a received message into read-only memory */
    CHECK(sendto(b, "y", 1, 0, (struct sockaddr *)&an, sizeof(an)) == 1);
    struct iovec rov = {ro, 16};
    struct msghdr rom = {.msg_iov = &rov, .msg_iovlen = 1};
    CHECK_ERRNO(recvmsg(a, &rom, 0), EFAULT);
    puts("socket_user_mem: ok");
    return 0;
}
