/* mt_vfork_exec: vfork + execve: parent resumes at exec; failed execve seen via shared memory. */
#define _GNU_SOURCE
#include "mt_util.h"

static volatile int exec_errno;

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        /* the parent pid was passed as argv[2] */
        CHECK_EQ(getppid(), atoi(argv[2]));
        return 33;
    }
    char spid[16];
    snprintf(spid, sizeof(spid), "%d", (int)getpid());
    char *av[] = {(char *)"mt", (char *)"child", spid, NULL};
    char *ev[] = {(char *)"MT_VFORK=1", NULL};
    pid_t pid = vfork();
    if (pid == 0) {
        execve("/proc/self/exe", av, ev);
        _exit(127);
    }
    CHECK(pid > 0);
    MT_WAIT_EXIT(pid, 33);

    /* execve failure in the child: the errno lands in our memory */
    exec_errno = 0;
    pid = vfork();
    if (pid == 0) {
        execve("/nonexistent-mt-file", av, ev);
        exec_errno = errno;
        _exit(127);
    }
    CHECK(pid > 0);
    CHECK_EQ(exec_errno, ENOENT);
    MT_WAIT_EXIT(pid, 127);

    /* a vfork child's own vfork + execve (two levels) */
    pid = vfork();
    if (pid == 0) {
        char sme[16];
        snprintf(sme, sizeof(sme), "%d", (int)getpid());
        char *av2[] = {(char *)"mt", (char *)"child", sme, NULL};
        pid_t g = vfork();
        if (g == 0) {
            execve("/proc/self/exe", av2, ev);
            _exit(127);
        }
        int st = 0;
        if (g < 0 || waitpid(g, &st, 0) != g) _exit(120);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) + 1 : 121);
    }
    CHECK(pid > 0);
    MT_WAIT_EXIT(pid, 34);
    return 0;
}
