/* mt_spawn_fileactions: posix_spawn(p) file actions addopen/addclose/adddup2; spawnp uses PATH. */
#define _GNU_SOURCE
#include <libgen.h>
#include "mt_util.h"

/* child roles */
static int role(int argc, char **argv)
{
    if (strcmp(argv[1], "echo") == 0) { /* write argv[2] to stdout */
        size_t n = strlen(argv[2]);
        CHECK_EQ(write(1, argv[2], n), (ssize_t)n);
        return 0;
    }
    if (strcmp(argv[1], "closed") == 0) { /* fd argv[2] must be closed */
        CHECK_ERRNO(fcntl(atoi(argv[2]), F_GETFD), EBADF);
        return 0;
    }
    if (strcmp(argv[1], "open") ==
        0) { /* fd argv[2] is open, not close-on-exec; write argv[3] (if any) to it */
        int fd = atoi(argv[2]);
        CHECK_EQ(fcntl(fd, F_GETFD), 0);
        if (argv[3][0] != '\0')
            CHECK_EQ(write(fd, argv[3], strlen(argv[3])), (ssize_t)strlen(argv[3]));
        return 0;
    }
    if (strcmp(argv[1], "readin") == 0) { /* stdin holds argv[2] */
        char buf[64] = {0};
        CHECK_EQ(mt_readn(0, buf, sizeof(buf) - 1), strlen(argv[2]));
        CHECK_STR(buf, argv[2]);
        return 0;
    }
    (void)argc;
    return 100;
}

int main(int argc, char **argv)
{
    if (argc >= 2) return role(argc, argv);

    char path[64];
    tmp_path(path, sizeof(path), "mt-spawnfa");
    unlink(path);

    /* addopen: stdout redirected to a new file in /tmp */
    posix_spawn_file_actions_t fa;
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0640), 0);
    pid_t pid = mt_spawn_self(&fa, NULL, "echo", "to-a-file\n", (char *)NULL);
    MT_WAIT_EXIT(pid, 0);
    posix_spawn_file_actions_destroy(&fa);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    char buf[64] = {0};
    CHECK_EQ(read(fd, buf, sizeof(buf)), 10);
    CHECK_STR(buf, "to-a-file\n");
    close(fd);

    /* addopen of stdin (O_RDONLY) from the same file */
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_addopen(&fa, 0, path, O_RDONLY, 0), 0);
    pid = mt_spawn_self(&fa, NULL, "readin", "to-a-file\n", (char *)NULL);
    MT_WAIT_EXIT(pid, 0);
    posix_spawn_file_actions_destroy(&fa);

    /* addclose: an inherited (non-CLOEXEC) fd is closed in the child only */
    int keep = open(path, O_RDONLY);
    CHECK(keep > 2);
    char sfd[16];
    snprintf(sfd, sizeof(sfd), "%d", keep);
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_addclose(&fa, keep), 0);
    pid = mt_spawn_self(&fa, NULL, "closed", sfd, (char *)NULL);
    MT_WAIT_EXIT(pid, 0);
    posix_spawn_file_actions_destroy(&fa);
    CHECK_EQ(fcntl(keep, F_GETFD), 0); /* still open here */
    /* without the action the child inherits it */
    pid = mt_spawn_self(NULL, NULL, "open", sfd, "", (char *)NULL);
    MT_WAIT_EXIT(pid, 0);
    close(keep);

    /* adddup2: stdout to a pipe */
    int p[2];
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    pid = mt_spawn_self(&fa, NULL, "echo", "via-pipe", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(mt_readn(p[0], buf, sizeof(buf)), 8); /* EOF: the child's copy was the last writer */
    CHECK_STR(buf, "via-pipe");
    MT_WAIT_EXIT(pid, 0);
    close(p[0]);

    /* adddup2(fd, fd) clears FD_CLOEXEC on fd in the child */
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    snprintf(sfd, sizeof(sfd), "%d", p[1]);
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], p[1]), 0);
    pid = mt_spawn_self(&fa, NULL, "open", sfd, "same-fd", (char *)NULL);
    posix_spawn_file_actions_destroy(&fa);
    CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC); /* unchanged in the parent */
    close(p[1]);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(mt_readn(p[0], buf, sizeof(buf)), 7);
    CHECK_STR(buf, "same-fd");
    MT_WAIT_EXIT(pid, 0);
    close(p[0]);

    /* a CLOEXEC fd without actions is closed in the child */
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    snprintf(sfd, sizeof(sfd), "%d", p[1]);
    pid = mt_spawn_self(NULL, NULL, "closed", sfd, (char *)NULL);
    MT_WAIT_EXIT(pid, 0);
    close(p[0]);
    close(p[1]);

    /* posix_spawnp: the binary found through PATH (its directory, after a missing one) */
    char self[PATH_MAX], dir[PATH_MAX], env_path[PATH_MAX + 64];
    snprintf(self, sizeof(self), "%s", mt_self_path());
    snprintf(dir, sizeof(dir), "%s", self);
    snprintf(env_path, sizeof(env_path), "/nonexistent-mt-dir:%s", dirname(dir));
    CHECK_EQ(setenv("PATH", env_path, 1), 0);
    CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_adddup2(&fa, p[1], 1), 0);
    char *av[] = {(char *)base_name(self), (char *)"echo", (char *)"spawnp", NULL};
    pid = -1;
    CHECK_EQ(posix_spawnp(&pid, base_name(self), &fa, NULL, av, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(mt_readn(p[0], buf, sizeof(buf)), 6);
    CHECK_STR(buf, "spawnp");
    MT_WAIT_EXIT(pid, 0);
    close(p[0]);

    /* posix_spawnp of a name in no PATH directory: ENOENT, no child */
    char *av2[] = {(char *)"mt-no-such-command", NULL};
    CHECK_EQ(posix_spawnp(&pid, "mt-no-such-command", NULL, NULL, av2, environ), ENOENT);
    /* a failing addopen: posix_spawn returns its error, no child is left */
    CHECK_EQ(posix_spawn_file_actions_init(&fa), 0);
    CHECK_EQ(posix_spawn_file_actions_addopen(&fa, 0, "/nonexistent-mt-dir/file", O_RDONLY, 0), 0);
    char *av3[] = {(char *)"mt", (char *)"echo", (char *)"x", NULL};
    CHECK_EQ(posix_spawn(&pid, "/proc/self/exe", &fa, NULL, av3, environ), ENOENT);
    posix_spawn_file_actions_destroy(&fa);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);

    unlink(path);
    return 0;
}
