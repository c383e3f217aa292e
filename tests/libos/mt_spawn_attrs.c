/* mt_spawn_attrs: posix_spawn attrs SETPGROUP, SETSID, SETSIGMASK, SETSIGDEF seen by the child. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

static int is_ign(int sig)
{
    struct sigaction sa;
    CHECK_EQ(sigaction(sig, NULL, &sa), 0);
    return sa.sa_handler == SIG_IGN;
}

static int is_dfl(int sig)
{
    struct sigaction sa;
    CHECK_EQ(sigaction(sig, NULL, &sa), 0);
    return sa.sa_handler == SIG_DFL;
}

static int role(char **argv)
{
    const char *r = argv[1];
    if (strcmp(r, "pgroup-own") == 0) { /* a new group led by us, same session as the parent */
        CHECK_EQ(getpgid(0), getpid());
        CHECK_EQ(getpgrp(), getpid());
        CHECK_EQ(getsid(0), atoi(argv[2]));
        return 0;
    }
    if (strcmp(r, "pgroup-wait") == 0) { /* group leader; wait for EOF on stdin */
        CHECK_EQ(getpgid(0), getpid());
        char c;
        CHECK_EQ(read(0, &c, 1), 0);
        return 0;
    }
    if (strcmp(r, "pgroup-join") == 0) { /* joined group argv[2] */
        CHECK_EQ(getpgid(0), atoi(argv[2]));
        return 0;
    }
    if (strcmp(r, "setsid") == 0) { /* session and group leader */
        CHECK_EQ(getsid(0), getpid());
        CHECK_EQ(getpgid(0), getpid());
        CHECK_ERRNO(setsid(), EPERM);
        return 0;
    }
    if (strcmp(r, "mask") == 0) { /* exactly SIGUSR1 and SIGHUP blocked */
        sigset_t cur;
        CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
        for (int s = 1; s < 32; s++) {
            int want = (s == SIGUSR1 || s == SIGHUP);
            if (sigismember(&cur, s) != want) {
                fprintf(stderr, "signal %d blocked=%d, expected %d\n", s, sigismember(&cur, s),
                        want);
                return 2;
            }
        }
        return 0;
    }
    if (strcmp(r, "inherit-mask") == 0) { /* the parent's mask (SIGUSR2) without SETSIGMASK */
        sigset_t cur;
        CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
        CHECK_EQ(sigismember(&cur, SIGUSR2), 1);
        CHECK_EQ(sigismember(&cur, SIGUSR1), 0);
        return 0;
    }
    if (strcmp(r, "sigdef") == 0) { /* SIGUSR1 reset, SIGUSR2 still ignored */
        CHECK(is_dfl(SIGUSR1));
        CHECK(is_ign(SIGUSR2));
        return 0;
    }
    if (strcmp(r, "noattr") == 0) { /* ignored dispositions are inherited */
        CHECK(is_ign(SIGUSR1));
        CHECK(is_ign(SIGUSR2));
        CHECK_EQ(getpgid(0), getpgid(getppid()));
        CHECK_EQ(getsid(0), getsid(getppid()));
        return 0;
    }
    return 100;
}

int main(int argc, char **argv)
{
    if (argc >= 2) return role(argv);
    char ssid[16], spg[16];
    snprintf(ssid, sizeof(ssid), "%d", (int)getsid(0));

    posix_spawnattr_t at;
    short flags;

    /* SETPGROUP with pgroup 0: the child leads a new group */
    CHECK_EQ(posix_spawnattr_init(&at), 0);
    CHECK_EQ(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP), 0);
    CHECK_EQ(posix_spawnattr_setpgroup(&at, 0), 0);
    CHECK_EQ(posix_spawnattr_getflags(&at, &flags), 0);
    CHECK_EQ(flags, POSIX_SPAWN_SETPGROUP);
    pid_t leader = mt_spawn_self(NULL, &at, "pgroup-own", ssid, (char *)NULL);
    CHECK_EQ(getpgid(leader), leader); /* set before posix_spawn returned */
    posix_spawnattr_destroy(&at);
    MT_WAIT_EXIT(leader, 0);

    /* SETPGROUP with an existing group: a second child joins the first's group */
    int gate[2];
    CHECK_EQ(pipe2(gate, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, gate[0], 0), 0);
    CHECK_EQ(posix_spawnattr_init(&at), 0);
    CHECK_EQ(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP), 0);
    CHECK_EQ(posix_spawnattr_setpgroup(&at, 0), 0);
    leader = mt_spawn_self(&fa, &at, "pgroup-wait", (char *)NULL); /* alive until the gate closes */
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    snprintf(spg, sizeof(spg), "%d", (int)leader);
    CHECK_EQ(posix_spawnattr_init(&at), 0);
    CHECK_EQ(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP), 0);
    CHECK_EQ(posix_spawnattr_setpgroup(&at, leader), 0);
    pid_t member = mt_spawn_self(NULL, &at, "pgroup-join", spg, (char *)NULL);
    CHECK_EQ(getpgid(member), leader);
    posix_spawnattr_destroy(&at);
    MT_WAIT_EXIT(member, 0);
    close(gate[1]);
    MT_WAIT_EXIT(leader, 0);
    close(gate[0]);

    /* SETSID: a new session */
    CHECK_EQ(posix_spawnattr_init(&at), 0);
    CHECK_EQ(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID), 0);
    pid_t s = mt_spawn_self(NULL, &at, "setsid", (char *)NULL);
    CHECK_EQ(getsid(s), s);
    CHECK_EQ(getpgid(s), s);
    posix_spawnattr_destroy(&at);
    MT_WAIT_EXIT(s, 0);

    /* SETSIGMASK: the child's mask is exactly the attribute's, not ours */
    sigset_t mine, want;
    sigemptyset(&mine);
    sigaddset(&mine, SIGUSR2);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &mine, NULL), 0);
    sigemptyset(&want);
    sigaddset(&want, SIGUSR1);
    sigaddset(&want, SIGHUP);
    CHECK_EQ(posix_spawnattr_init(&at), 0);
    CHECK_EQ(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK), 0);
    CHECK_EQ(posix_spawnattr_setsigmask(&at, &want), 0);
    pid_t m = mt_spawn_self(NULL, &at, "mask", (char *)NULL);
    posix_spawnattr_destroy(&at);
    MT_WAIT_EXIT(m, 0);
    m = mt_spawn_self(NULL, NULL, "inherit-mask", (char *)NULL);
    MT_WAIT_EXIT(m, 0);
    CHECK_EQ(sigprocmask(SIG_UNBLOCK, &mine, NULL), 0);

    /* SETSIGDEF: SIGUSR1 back to SIG_DFL, SIGUSR2 stays SIG_IGN */
    CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
    CHECK(signal(SIGUSR2, SIG_IGN) != SIG_ERR);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGUSR1);
    CHECK_EQ(posix_spawnattr_init(&at), 0);
    CHECK_EQ(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF), 0);
    CHECK_EQ(posix_spawnattr_setsigdefault(&at, &def), 0);
    pid_t d = mt_spawn_self(NULL, &at, "sigdef", (char *)NULL);
    posix_spawnattr_destroy(&at);
    MT_WAIT_EXIT(d, 0);
    d = mt_spawn_self(NULL, NULL, "noattr", (char *)NULL);
    MT_WAIT_EXIT(d, 0);
    CHECK(is_ign(SIGUSR1)); /* the parent is unchanged */
    return 0;
}
