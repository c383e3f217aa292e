/* mt_waitid_nowait: waitid siginfo, WNOWAIT keeps the child waitable, WNOHANG, P_PGID, EINVAL. */
#define _GNU_SOURCE
#include <signal.h>
#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "exit5") == 0) return 5;
    if (argc == 2 && strcmp(argv[1], "term") == 0) {
        raise(SIGTERM);
        return 99;
    }
    if (argc == 2 && strcmp(argv[1], "wait") == 0) {
        char c;
        CHECK_EQ(read(0, &c, 1), 0);
        return 6;
    }

    pid_t pid = mt_spawn_self(NULL, NULL, "exit5", (char *)NULL);
    siginfo_t si;
    /* WNOWAIT twice: the same report, the child stays a zombie */
    for (int i = 0; i < 2; i++) {
        memset(&si, 0, sizeof(si));
        CHECK_EQ(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
        CHECK_EQ(si.si_signo, SIGCHLD);
        CHECK_EQ(si.si_code, CLD_EXITED);
        CHECK_EQ(si.si_pid, pid);
        CHECK_EQ(si.si_status, 5);
        CHECK_EQ(si.si_uid, getuid());
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid); /* the real wait */
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 5);
    CHECK_ERRNO(waitid(P_PID, (id_t)pid, &si, WEXITED), ECHILD);

    /* death by signal: CLD_KILLED, si_status is the signal; consumed by waitid itself */
    pid = mt_spawn_self(NULL, NULL, "term", (char *)NULL);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(waitid(P_ALL, 0, &si, WEXITED), 0);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_code, CLD_KILLED);
    CHECK_EQ(si.si_status, SIGTERM);
    CHECK_ERRNO(waitid(P_ALL, 0, &si, WEXITED), ECHILD);

    /* WNOHANG with a running child: 0 and si_pid 0 (we zero it first) */
    int gate[2];
    CHECK_EQ(pipe2(gate, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, gate[0], 0), 0);
    posix_spawnattr_t at;
    CHECK_EQ(posix_spawnattr_init(&at), 0);
    CHECK_EQ(posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP), 0);
    CHECK_EQ(posix_spawnattr_setpgroup(&at, 0), 0);
    pid = mt_spawn_self(&fa, &at, "wait", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0);
    CHECK_EQ(waitid(P_PGID, (id_t)pid, &si, WEXITED | WNOHANG), 0);
    CHECK_EQ(si.si_pid, 0);
    CHECK_ERRNO(waitid(P_PGID, (id_t)getpgrp(), &si, WEXITED | WNOHANG),
                ECHILD);                           /* none in our group */
    CHECK_ERRNO(waitid(P_ALL, 0, &si, 0), EINVAL); /* no state asked */
    CHECK_ERRNO(waitid((idtype_t)42, 0, &si, WEXITED), EINVAL);
    close(gate[1]);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(waitid(P_PGID, (id_t)pid, &si, WEXITED), 0); /* its own group */
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_status, 6);
    close(gate[0]);
    return 0;
}
