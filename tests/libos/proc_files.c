/*
 * proc_files: /proc/self/{stat,maps,environ} and /proc/{stat,loadavg,
 * filesystems} say what Linux's say, in Linux's formats: stat's pid,
 * (comm), state, ppid, pgrp and session; maps lists the stack's range and
 * the running code's address as executable; environ is the environment the
 * program started with; /proc/stat starts with the cpu line and has btime
 * and processes; loadavg has its five fields with running/total.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

extern char **environ;

static size_t slurp(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    size_t got = 0;
    ssize_t r;
    while ((r = read(fd, buf + got, n - 1 - got)) > 0)
        got += (size_t)r;
    CHECK(r == 0);
    close(fd);
    buf[got] = 0;
    return got;
}

/* Is addr inside a maps line with permission character `perm` at index i? */
static int in_maps(const char *maps, uintptr_t addr, int i, char perm)
{
    for (const char *l = maps; *l;) {
        unsigned long lo, hi;
        char perms[5];
        if (sscanf(l, "%lx-%lx %4s", &lo, &hi, perms) == 3 && addr >= lo && addr < hi)
            return perms[i] == perm;
        const char *nl = strchr(l, '\n');
        if (!nl) break;
        l = nl + 1;
    }
    return 0;
}

int main(void)
{
    static char buf[1 << 16];
    /* /proc/self/stat */
    slurp("/proc/self/stat", buf, sizeof(buf));
    int pid, ppid, pgrp, sid;
    char comm[64], state;
    CHECK_EQ(sscanf(buf, "%d (%63[^)]) %c %d %d %d", &pid, comm, &state, &ppid, &pgrp, &sid), 6);
    CHECK_EQ(pid, getpid());
    CHECK_EQ(ppid, getppid());
    CHECK_EQ(pgrp, getpgrp());
    CHECK_EQ(sid, getsid(0));
    CHECK_EQ(state, 'R');
    int fields = 0;
    for (char *p = strrchr(buf, ')') + 1; *p; p++)
        if (*p == ' ') fields++;
    CHECK(fields >= 44); /* Linux has 52 fields: 50 after the comm */

    /* /proc/self/maps: our stack is readable and writable, our code executable */
    slurp("/proc/self/maps", buf, sizeof(buf));
    int local = 0;
    CHECK(in_maps(buf, (uintptr_t)&local, 1, 'w'));
    CHECK(in_maps(buf, (uintptr_t)&main, 2, 'x'));
    CHECK(in_maps(buf, (uintptr_t)&main, 0, 'r'));

    /* /proc/self/environ: the starting environment, NUL-separated */
    size_t n = slurp("/proc/self/environ", buf, sizeof(buf));
    size_t off = 0;
    for (char **e = environ; *e; e++) {
        CHECK(off < n);
        CHECK_STR(buf + off, *e);
        off += strlen(*e) + 1;
    }
    CHECK_EQ(off, n);

    /* /proc/stat, /proc/loadavg, /proc/filesystems */
    slurp("/proc/stat", buf, sizeof(buf));
    CHECK(strncmp(buf, "cpu ", 4) == 0);
    CHECK(strstr(buf, "\nbtime ") && strstr(buf, "\nprocesses "));
    slurp("/proc/loadavg", buf, sizeof(buf));
    double l1, l5, l15;
    int running, total, last;
    CHECK_EQ(sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &running, &total, &last), 6);
    CHECK(running >= 1 && total >= running && last >= 1);
    slurp("/proc/filesystems", buf, sizeof(buf));
    CHECK(strstr(buf, "\tproc\n") != NULL);
    return 0;
}
