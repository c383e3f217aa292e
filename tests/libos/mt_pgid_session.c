/* mt_pgid_session: setpgid/getpgid/setsid/getsid: EPERM, EACCES after exec, ESRCH, EINVAL. */
#define _GNU_SOURCE
#include "mt_util.h"

static int role(char **argv)
{
    if (strcmp(argv[1], "setsid") == 0) {
        pid_t me = getpid(), oldsid = getsid(0);
        CHECK(oldsid != me);
        if (getpgid(0) == me) return 2; /* posix_spawn put us in a new group? */
        CHECK_EQ(setsid(), me);
        CHECK_EQ(getsid(0), me);
        CHECK_EQ(getpgid(0), me);
        CHECK_EQ(getpgrp(), me);
        CHECK_ERRNO(setsid(), EPERM); /* now a group leader */
        /* our parent is in another session: we cannot join its group */
        CHECK_ERRNO(setpgid(0, getpgid(getppid())), EPERM);
        return 0;
    }
    if (strcmp(argv[1], "setpgid") == 0) {
        pid_t me = getpid();
        CHECK_EQ(getpgid(0), getpgid(getppid()));
        CHECK_EQ(setpgid(0, 0), 0); /* own group */
        CHECK_EQ(getpgid(0), me);
        CHECK_EQ(getpgid(me), me);
        CHECK_ERRNO(setsid(), EPERM);                /* group leader */
        CHECK_EQ(setpgid(0, getpgid(getppid())), 0); /* back to the parent's group */
        CHECK_EQ(getpgid(0), getpgid(getppid()));
        /* a group leader can leave its group; setsid works again */
        CHECK_EQ(setsid(), me);
        return 0;
    }
    if (strcmp(argv[1], "wait") == 0) {
        char c;
        CHECK_EQ(read(0, &c, 1), 0);
        return 0;
    }
    return 100;
}

int main(int argc, char **argv)
{
    if (argc >= 2) return role(argv);
    pid_t me = getpid();
    CHECK_EQ(getpgid(0), getpgrp());
    CHECK_EQ(getpgid(me), getpgrp());
    CHECK_EQ(getsid(me), getsid(0));
    CHECK(getsid(0) >= 0); /* 0: the session leader is outside our pid namespace */
    CHECK_ERRNO(getpgid(0x3ffffff0), ESRCH);
    CHECK_ERRNO(getsid(0x3ffffff0), ESRCH);
    CHECK_ERRNO(setpgid(-1, 0), EINVAL);
    CHECK_ERRNO(setpgid(0, -1), EINVAL);
    CHECK_ERRNO(setpgid(0x3ffffff0, 0), ESRCH); /* neither us nor a child */

    pid_t c = mt_spawn_self(NULL, NULL, "setsid", (char *)NULL);
    MT_WAIT_EXIT(c, 0);
    c = mt_spawn_self(NULL, NULL, "setpgid", (char *)NULL);
    MT_WAIT_EXIT(c, 0);

    /* a child that has execve'd: setpgid on it gives EACCES; getpgid/getsid see it */
    int gate[2];
    CHECK_EQ(pipe2(gate, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, gate[0], 0), 0);
    c = mt_spawn_self(&fa, NULL, "wait", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);
    CHECK_EQ(getpgid(c), getpgrp());
    CHECK_EQ(getsid(c), getsid(0));
    CHECK_ERRNO(setpgid(c, c), EACCES);
    CHECK_EQ(getpgid(c), getpgrp());
    close(gate[1]);
    MT_WAIT_EXIT(c, 0);
    close(gate[0]);
    CHECK_ERRNO(getpgid(c), ESRCH); /* reaped */
    return 0;
}
