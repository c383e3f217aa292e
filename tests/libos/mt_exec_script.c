/* mt_exec_script: #! script in /tmp run by execve/posix_spawn with this binary as interpreter. */
#define _GNU_SOURCE
#include <sys/stat.h>
#include "mt_util.h"

int main(int argc, char **argv)
{
    char script[64];
    if (argc >= 2 && strcmp(argv[1], "the-optarg") == 0) {
        /* interpreter run: argv = {interp, "the-optarg", script path, args...} */
        CHECK_EQ(argc, 5);
        CHECK_STR(argv[0], mt_self_path());
        CHECK(strstr(argv[2], "/tmp/libos-mt-script-") == argv[2]);
        CHECK_STR(argv[3], "a1");
        return atoi(argv[4]);
    }
    if (argc == 2 && strcmp(argv[1], "exec") == 0) {
        /* in place: the pid stays; exit code 44 from the interpreter run */
        snprintf(script, sizeof(script), "/tmp/libos-mt-script-%d", (int)getppid());
        char *av[] = {script, (char *)"a1", (char *)"44", NULL};
        execve(script, av, environ);
        perror("execve");
        return 1;
    }
    tmp_path(script, sizeof(script), "mt-script");
    int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    CHECK(fd >= 0);
    char line[PATH_MAX + 64];
    int n = snprintf(line, sizeof(line), "#!%s the-optarg\nthis line is not read by anyone\n",
                     mt_self_path());
    CHECK_EQ(write(fd, line, (size_t)n), n);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(chmod(script, 0755), 0);

    char *av[] = {script, (char *)"a1", (char *)"17", NULL};
    pid_t pid;
    CHECK_EQ(posix_spawn(&pid, script, NULL, NULL, av, environ), 0);
    MT_WAIT_EXIT(pid, 17);

    pid = mt_spawn_self(NULL, NULL, "exec", (char *)NULL);
    MT_WAIT_EXIT(pid, 44);

    /* the script without execute permission: EACCES */
    CHECK_EQ(chmod(script, 0644), 0);
    CHECK_EQ(posix_spawn(&pid, script, NULL, NULL, av, environ), EACCES);
    unlink(script);
    return 0;
}
