/* ids: getpid/getppid/gettid are positive and consistent; uid/gid calls agree with each other and
 * with getres*id. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/types.h>

#include "check.h"

int main(void)
{
    pid_t pid = getpid();
    CHECK(pid > 0);
    CHECK_EQ(getpid(), pid);
    CHECK_EQ(syscall(SYS_getpid), pid);
    CHECK_EQ(syscall(SYS_gettid), pid); /* single-threaded: tid == pid */
    CHECK(getppid() > 0);
    CHECK(getppid() != pid);
    CHECK(getpgrp() > 0);
    CHECK(getsid(0) > 0);
    CHECK_EQ(getpgid(0), getpgrp());

    uid_t r, e, s;
    gid_t gr, ge, gs;
    CHECK_EQ(getresuid(&r, &e, &s), 0);
    CHECK_EQ(r, getuid());
    CHECK_EQ(e, geteuid());
    CHECK_EQ(s, geteuid());
    CHECK_EQ(getresgid(&gr, &ge, &gs), 0);
    CHECK_EQ(gr, getgid());
    CHECK_EQ(ge, getegid());
    CHECK_EQ(gs, getegid());
    CHECK_EQ(getuid(), geteuid()); /* not setuid */
    CHECK_EQ(getgid(), getegid());

    int n = getgroups(0, NULL);
    CHECK(n >= 0);
    gid_t groups[256];
    CHECK(n <= 256);
    CHECK_EQ(getgroups(n, groups), n);
    return 0;
}
