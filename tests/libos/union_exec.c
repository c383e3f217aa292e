/*
 * union_exec: an image program whose attributes were changed (so that the
 * union copied it up to the writable layer) is still executable: same
 * mode, size and inode number, and it runs.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

extern char **environ;

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0) return 42;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    CHECK(n > 0);
    exe[n] = 0;
    struct stat a, b;
    CHECK_EQ(stat(exe, &a), 0);
    CHECK(a.st_mode & S_IXUSR);
    /* New times and the same mode: each a copy-up in the LibOS. */
    struct timespec t[2] = {{1000000000, 0}, {1000000000, 0}};
    CHECK_EQ(utimensat(AT_FDCWD, exe, t, 0), 0);
    CHECK_EQ(chmod(exe, a.st_mode & 07777), 0);
    CHECK_EQ(stat(exe, &b), 0);
    CHECK_EQ(b.st_mode, a.st_mode);
    CHECK_EQ(b.st_size, a.st_size);
    CHECK_EQ(b.st_ino, a.st_ino);
    CHECK_EQ(b.st_mtime, 1000000000);
    char *args[] = {exe, "child", NULL};
    pid_t pid;
    CHECK_EQ(posix_spawn(&pid, exe, NULL, NULL, args, environ), 0);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 42);
    return 0;
}
