/* mt_system: system() through /bin/sh -c: exit statuses, 127 for a missing command. */
#define _GNU_SOURCE
#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "role-exit") == 0) return atoi(argv[2]);
    if (argc == 4 && strcmp(argv[1], "role-args") == 0) {
        /* words arrive split as separate arguments */
        CHECK_STR(argv[2], "alpha");
        CHECK_STR(argv[3], "beta");
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "role-touch") == 0) {
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CHECK(fd >= 0);
        CHECK_EQ(write(fd, "touched", 7), 7);
        close(fd);
        return 0;
    }
    CHECK(system(NULL) != 0);
    const char *self = mt_self_path();
    char cmd[PATH_MAX + 128];
    int codes[] = {0, 1, 7, 42, 255};
    for (int i = 0; i < 5; i++) {
        snprintf(cmd, sizeof(cmd), "%s role-exit %d", self, codes[i]);
        int st = system(cmd);
        CHECK(st != -1);
        CHECK(WIFEXITED(st));
        CHECK_EQ(WEXITSTATUS(st), codes[i]);
    }
    snprintf(cmd, sizeof(cmd), "%s role-args alpha beta", self);
    CHECK_EQ(system(cmd), 0);

    /* the command's side effect is complete when system returns */
    char path[64];
    tmp_path(path, sizeof(path), "mt-system");
    unlink(path);
    snprintf(cmd, sizeof(cmd), "%s role-touch %s", self, path);
    CHECK_EQ(system(cmd), 0);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    char buf[16] = {0};
    CHECK_EQ(read(fd, buf, sizeof(buf)), 7);
    CHECK_STR(buf, "touched");
    close(fd);
    unlink(path);

    /* not found: the shell exits with 127 (its message goes to stderr) */
    int st = system("/nonexistent-mt-command arg");
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 127);
    /* shell built-ins */
    st = system("exit 3");
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 3);
    /* no child is left behind */
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return 0;
}
