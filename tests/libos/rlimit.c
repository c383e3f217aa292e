/* rlimit: getrlimit/prlimit64 are sane; a lowered RLIMIT_NOFILE is enforced. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "check.h"

struct rlimit64_ {
    unsigned long long cur, max;
};

int main(void)
{
    struct rlimit rl;
    CHECK_EQ(getrlimit(RLIMIT_STACK, &rl), 0);
    CHECK(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= 64 * 1024);
    CHECK(rl.rlim_max == RLIM_INFINITY || rl.rlim_cur <= rl.rlim_max);

    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
    CHECK(rl.rlim_cur >= 64 && rl.rlim_cur != RLIM_INFINITY);
    CHECK(rl.rlim_cur <= rl.rlim_max);
    struct rlimit orig = rl;

    CHECK_EQ(getrlimit(RLIMIT_AS, &rl), 0);
    CHECK(rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (64u << 20));
    CHECK_EQ(getrlimit(RLIMIT_DATA, &rl), 0);
    CHECK_EQ(getrlimit(RLIMIT_CORE, &rl), 0);
    CHECK_EQ(getrlimit(RLIMIT_CPU, &rl), 0);
    CHECK_ERRNO(getrlimit(1000, &rl), EINVAL);

    /* prlimit64 (raw) on self: pid 0 and our own pid agree with getrlimit */
    struct rlimit64_ old = {0, 0};
    CHECK_EQ(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old), 0);
    CHECK_EQ(old.cur, orig.rlim_cur);
    CHECK_EQ(old.max, orig.rlim_max);
    CHECK_EQ(syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, NULL, &old), 0);
    CHECK_EQ(old.cur, orig.rlim_cur);
    CHECK_ERRNO(syscall(SYS_prlimit64, 0, 1000, NULL, &old), EINVAL);

    /* lower the soft NOFILE limit: fds at or above it are refused */
    rl = orig;
    rl.rlim_cur = 32;
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
    CHECK_EQ(rl.rlim_cur, 32);
    CHECK_EQ(dup2(0, 31), 31);
    CHECK_ERRNO(dup2(0, 32), EBADF);
    CHECK_ERRNO(fcntl(0, F_DUPFD, 32), EINVAL);
    int opened = 0;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) {
            CHECK_EQ(errno, EMFILE);
            break;
        }
        CHECK(fd < 32);
        opened++;
    }
    CHECK(opened > 0);
    /* soft above hard is EINVAL */
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? rl.rlim_max : rl.rlim_max + 1;
    if (rl.rlim_max != RLIM_INFINITY) CHECK_ERRNO(setrlimit(RLIMIT_NOFILE, &rl), EINVAL);
    /* raise it back */
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &orig), 0);
    int fd = open("/dev/null", O_RDONLY);
    CHECK(fd >= 32);
    return 0;
}
