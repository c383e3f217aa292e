/* ids: getpid/getppid/gettid and the uid/gid calls are consistent with each other. */
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
    /* Linux: a process has a parent with a positive pid, except the first
     * process of a pid namespace (pid 1, e.g. a container's init), whose
     * parent lies outside the namespace and reads as 0. The LibOS models
     * one such namespace: its first process is pid 1. */
    if (pid == 1)
        CHECK_EQ(getppid(), 0);
    else
        CHECK(getppid() > 0 && getppid() != pid);
    /* The process group and the session may belong to a process outside
     * our pid namespace (a container's runner, CI): then they read as 0.
     * What always holds is that the forms agree with each other. */
    CHECK(getpgrp() >= 0);
    CHECK(getsid(0) >= 0);
    CHECK_EQ(getpgid(0), getpgrp());
    CHECK_EQ(getpgid(pid), getpgrp());
    CHECK_EQ(getsid(pid), getsid(0));
    /* Beyond any pid_max (at most 2^22): no such process. */
    CHECK_ERRNO(getsid(0x3fffffff), ESRCH);
    CHECK_ERRNO(getpgid(0x3fffffff), ESRCH);

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
