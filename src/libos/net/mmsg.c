/*
 * mmsg: sendmmsg(2) and recvmmsg(2), several messages in one call, as
 * Linux's loops of sendmsg and recvmsg over the vector: the count done is
 * returned once at least one message went (an error then waits for the
 * next call), each message's length stored in its msg_len. recvmmsg's
 * timeout is checked after each message (the first one waits as recvmsg
 * would, as on Linux) and the time left is written back.
 */
#include "net/socket.h"

#include "pal/pal.h"
#include "vm/uaccess.h"

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#define MMSG_MAX 1024 /* UIO_MAXIOV: Linux's bound on vlen */
#define NS 1000000000LL

static int64_t now_ns(void)
{
    struct timespec ts;
    pal_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

long sys_sendmmsg(int fd, struct mmsghdr *uvec, unsigned vlen, int flags)
{
    if (vlen > MMSG_MAX) vlen = MMSG_MAX;
    unsigned i = 0;
    for (; i < vlen; i++) {
        long r = sys_sendmsg(fd, &uvec[i].msg_hdr, flags);
        unsigned len = (unsigned)r;
        if (r >= 0 && copy_to_user(&uvec[i].msg_len, &len, sizeof(len))) r = -EFAULT;
        if (r < 0) return i ? (long)i : r;
    }
    return (long)i;
}

long sys_recvmmsg(int fd, struct mmsghdr *uvec, unsigned vlen, int flags, struct timespec *utimeout)
{
    struct timespec left;
    int64_t deadline = 0;
    if (utimeout) {
        if (copy_from_user(&left, utimeout, sizeof(left))) return -EFAULT;
        if (left.tv_sec < 0 || left.tv_nsec < 0 || left.tv_nsec >= NS) return -EINVAL;
        deadline = now_ns() + (int64_t)left.tv_sec * NS + left.tv_nsec;
    }
    if (vlen > MMSG_MAX) vlen = MMSG_MAX;
    int each = flags & ~MSG_WAITFORONE;
    unsigned i = 0;
    long err = 0;
    for (; i < vlen; i++) {
        long r = sys_recvmsg(fd, &uvec[i].msg_hdr, each);
        unsigned len = (unsigned)r;
        if (r >= 0 && copy_to_user(&uvec[i].msg_len, &len, sizeof(len))) r = -EFAULT;
        if (r < 0) {
            err = r;
            break;
        }
        if (flags & MSG_WAITFORONE) each |= MSG_DONTWAIT;
        if (utimeout && now_ns() >= deadline) {
            i++;
            break;
        }
    }
    if (utimeout) {
        int64_t rest = deadline - now_ns();
        if (rest < 0) rest = 0;
        left.tv_sec = (time_t)(rest / NS);
        left.tv_nsec = (long)(rest % NS);
        if (copy_to_user(utimeout, &left, sizeof(left))) return -EFAULT;
    }
    return i ? (long)i : err;
}
