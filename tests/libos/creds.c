/*
 * creds: the set*id calls with Linux's rules, from root (each case in a
 * forked child, as dropping root cannot be undone): setgroups/getgroups,
 * setresuid/setresgid, the saved id that lets a process take root back
 * (seteuid-style drops), setreuid's saved-id rule, setuid from root for
 * good, setfsuid answering the old value, EPERM once unprivileged, and
 * what /proc/self/status and a forked grandchild show.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/wait.h>

#include <sys/prctl.h>
#include <sys/stat.h>
#include "check.h"

static void resuid(uid_t r, uid_t e, uid_t s)
{
    uid_t a, b, c;
    CHECK_EQ(getresuid(&a, &b, &c), 0);
    CHECK_EQ(a, r);
    CHECK_EQ(b, e);
    CHECK_EQ(c, s);
}

/* The Uid: (or Gid:) line of /proc/self/status. */
static void status_line(const char *key, const char *want)
{
    FILE *f = fopen("/proc/self/status", "r");
    CHECK(f != NULL);
    char line[256];
    int found = 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, strlen(key)) == 0) {
            found = 1;
            CHECK_STR(line + strlen(key), want);
        }
    fclose(f);
    CHECK(found);
}

static void drop_for_good(void)
{
    gid_t g[2] = {100, 200}, back[4];
    CHECK_EQ(setgroups(2, g), 0);
    CHECK_EQ(getgroups(0, NULL), 2);
    CHECK_EQ(getgroups(4, back), 2);
    CHECK(back[0] == 100 && back[1] == 200);
    CHECK_ERRNO(getgroups(1, back), EINVAL);
    CHECK_EQ(setresgid(1000, 1000, 1000), 0);
    CHECK_EQ(setresuid(1000, 1001, 1002), 0);
    resuid(1000, 1001, 1002);
    CHECK_EQ(getuid(), 1000);
    CHECK_EQ(geteuid(), 1001);
    CHECK_EQ(getgid(), 1000);
    status_line("Uid:", "\t1000\t1001\t1002\t1001\n");
    status_line("Gid:", "\t1000\t1000\t1000\t1000\n");
    status_line("Groups:", "\t100 200 \n");
    /* unprivileged now: only among its own ids */
    CHECK_ERRNO(setuid(0), EPERM);
    CHECK_ERRNO(setresuid(-1, 0, -1), EPERM);
    CHECK_ERRNO(setgroups(0, NULL), EPERM);
    CHECK_ERRNO(setgid(0), EPERM);
    CHECK_EQ(setresuid(1002, -1, 1000), 0);
    resuid(1002, 1001, 1000);
    CHECK_EQ(setfsuid(0), 1001); /* the old fsuid; root is not allowed */
    CHECK_EQ(setfsuid(-1), 1001);
    CHECK_EQ(setfsuid(1002), 1001);
    CHECK_EQ(setfsuid(-1), 1002);
    pid_t pid = fork(); /* inherited */
    CHECK(pid >= 0);
    if (pid == 0) _exit(getuid() == 1002 && geteuid() == 1001 && getgid() == 1000 ? 0 : 1);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void drop_and_take_back(void)
{
    CHECK_EQ(setresuid(-1, 1000, -1), 0); /* seteuid(1000): saved stays 0 */
    resuid(0, 1000, 0);
    CHECK_EQ(setresuid(-1, 0, -1), 0); /* back, through the saved id */
    resuid(0, 0, 0);
    /* setreuid: setting the effective id to other than the real one moves
     * the saved id along */
    CHECK_EQ(setreuid(-1, 1000), 0);
    resuid(0, 1000, 1000);
    CHECK_EQ(setreuid(-1, 0), 0); /* 0 is the real id: allowed, saved kept */
    resuid(0, 0, 1000);
}

/* A change of the effective ids makes a process non-dumpable (its
 * /proc/[pid] then belongs to root); PR_SET_DUMPABLE and a fork keep what
 * was set. */
static void dumpable(void)
{
    CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
    CHECK_ERRNO(prctl(PR_SET_DUMPABLE, 2), EINVAL);
    CHECK_EQ(setresgid(1000, 1000, 1000), 0);
    CHECK_EQ(prctl(PR_GET_DUMPABLE), 0);
    CHECK_EQ(setresuid(1000, 1000, 1000), 0);
    CHECK_EQ(prctl(PR_GET_DUMPABLE), 0);
    struct stat st;
    CHECK_EQ(stat("/proc/self/status", &st), 0);
    CHECK(st.st_uid == 0 && st.st_gid == 0);
    CHECK_EQ(prctl(PR_SET_DUMPABLE, 1), 0);
    CHECK_EQ(prctl(PR_GET_DUMPABLE), 1);
    CHECK_EQ(stat("/proc/self/status", &st), 0);
    CHECK(st.st_uid == 1000 && st.st_gid == 1000);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(prctl(PR_GET_DUMPABLE) == 1 ? 0 : 1);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void setuid_from_root(void)
{
    CHECK_ERRNO(setuid(-1), EINVAL);
    CHECK_EQ(setuid(1000), 0);
    resuid(1000, 1000, 1000);
    CHECK_ERRNO(setuid(0), EPERM);
    CHECK_ERRNO(setreuid(0, -1), EPERM);
    CHECK_EQ(setuid(1000), 0);
}

static void in_child(void (*fn)(void))
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
    CHECK_EQ(getuid(), 0); /* creds.root: natively it runs as root */
    in_child(drop_for_good);
    in_child(drop_and_take_back);
    in_child(setuid_from_root);
    in_child(dumpable);
    resuid(0, 0, 0);
    puts("creds: ok");
    return 0;
}
