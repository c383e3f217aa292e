/* mt_popen: popen r/w with pclose status; earlier popen streams are not inherited. */
#define _GNU_SOURCE
#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "role-echo") == 0) {
        for (int i = 2; i < argc; i++)
            printf("%s%s", argv[i], i + 1 < argc ? " " : "\n");
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "role-exit") == 0) {
        printf("exiting\n");
        return atoi(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "role-expect") == 0) {
        /* stdin must be exactly argv[2] + "\n" up to EOF */
        char buf[256] = {0};
        size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
        char want[128];
        snprintf(want, sizeof(want), "%s\n", argv[2]);
        return (n == strlen(want) && strcmp(buf, want) == 0) ? 11 : 12;
    }
    if (argc == 2 && strcmp(argv[1], "role-lines") == 0) {
        for (int i = 0; i < 1000; i++)
            printf("line %d\n", i);
        return 0;
    }
    const char *self = mt_self_path();
    char cmd[PATH_MAX + 128];

    /* read mode */
    snprintf(cmd, sizeof(cmd), "%s role-echo hello world", self);
    FILE *f = popen(cmd, "r");
    CHECK(f != NULL);
    char line[256];
    CHECK(fgets(line, sizeof(line), f) != NULL);
    CHECK_STR(line, "hello world\n");
    CHECK(fgets(line, sizeof(line), f) == NULL); /* EOF */
    CHECK_EQ(pclose(f), 0);

    /* exit status through pclose */
    snprintf(cmd, sizeof(cmd), "%s role-exit 5", self);
    f = popen(cmd, "r");
    CHECK(f != NULL);
    CHECK(fgets(line, sizeof(line), f) != NULL);
    CHECK_STR(line, "exiting\n");
    int st = pclose(f);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 5);

    /* a lot of output */
    snprintf(cmd, sizeof(cmd), "%s role-lines", self);
    f = popen(cmd, "r");
    CHECK(f != NULL);
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        char want[32];
        snprintf(want, sizeof(want), "line %d\n", n);
        CHECK_STR(line, want);
        n++;
    }
    CHECK_EQ(n, 1000);
    CHECK_EQ(pclose(f), 0);

    /* write mode */
    snprintf(cmd, sizeof(cmd), "%s role-expect ping", self);
    f = popen(cmd, "w");
    CHECK(f != NULL);
    CHECK(fputs("ping\n", f) >= 0);
    st = pclose(f);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 11);

    /* two at once: the second child must not hold the first pipe, or the
     * first reader would never see EOF and pclose would hang */
    snprintf(cmd, sizeof(cmd), "%s role-expect one", self);
    FILE *a = popen(cmd, "w");
    snprintf(cmd, sizeof(cmd), "%s role-expect two", self);
    FILE *b = popen(cmd, "w");
    CHECK(a != NULL && b != NULL);
    CHECK(fputs("one\n", a) >= 0);
    CHECK(fputs("two\n", b) >= 0);
    st = pclose(a);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 11);
    st = pclose(b);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 11);

    /* "re": the parent's end is close-on-exec */
    snprintf(cmd, sizeof(cmd), "%s role-echo e", self);
    f = popen(cmd, "re");
    CHECK(f != NULL);
    CHECK_EQ(fcntl(fileno(f), F_GETFD), FD_CLOEXEC);
    CHECK(fgets(line, sizeof(line), f) != NULL);
    CHECK_STR(line, "e\n");
    CHECK_EQ(pclose(f), 0);

    /* a missing command: popen succeeds, the shell exits 127 */
    f = popen("/nonexistent-mt-command", "r");
    CHECK(f != NULL);
    CHECK(fgets(line, sizeof(line), f) == NULL);
    st = pclose(f);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 127);
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
    return 0;
}
