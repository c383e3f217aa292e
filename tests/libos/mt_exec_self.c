/* mt_exec_self: execve in place, 3 stages: pid/ppid kept, new argv/envp, old env gone. */
#define _GNU_SOURCE
#include "mt_util.h"

int main(int argc, char **argv, char **envp)
{
    if (argc == 1) {
        CHECK_EQ(setenv("MT_OLD_VAR", "1", 1), 0);
        char spid[16], sppid[16];
        snprintf(spid, sizeof(spid), "%d", (int)getpid());
        snprintf(sppid, sizeof(sppid), "%d", (int)getppid());
        char *av[] = {(char *)"stage-name",      (char *)"2", spid, sppid,
                      (char *)"arg with spaces", (char *)"",  NULL};
        char *ev[] = {(char *)"MT_STAGE=two", (char *)"EMPTY=", NULL};
        execve("/proc/self/exe", av, ev);
        perror("execve");
        return 1;
    }
    CHECK_EQ(argc, 6);
    CHECK_EQ(getpid(), atoi(argv[2]));
    CHECK_EQ(getppid(), atoi(argv[3]));
    CHECK_STR(argv[4], "arg with spaces");
    CHECK_STR(argv[5], "");
    CHECK(argv[6] == NULL);
    CHECK(getenv("MT_OLD_VAR") == NULL);
    if (strcmp(argv[1], "2") == 0) {
        CHECK_STR(argv[0], "stage-name");
        CHECK_STR(getenv("MT_STAGE"), "two");
        CHECK_STR(getenv("EMPTY"), "");
        CHECK_STR(envp[0], "MT_STAGE=two");
        CHECK_STR(envp[1], "EMPTY=");
        CHECK(envp[2] == NULL);
        /* again, with an empty environment */
        argv[1] = (char *)"3";
        char *ev[] = {NULL};
        execve("/proc/self/exe", argv, ev);
        perror("execve");
        return 1;
    }
    CHECK_STR(argv[1], "3");
    CHECK(envp[0] == NULL);
    CHECK(getenv("MT_STAGE") == NULL);
    return 0;
}
