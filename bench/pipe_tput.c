/* pipe_tput: bytes/s through a pipe between two processes, for one buffer
 * size: pipe_tput <self> <bufsize> <total bytes> [fork]. The reader is
 * posix_spawn'd (inside the LibOS: the same address space), or with
 * "fork" a forked child (inside: another address space, a host process of
 * its own). */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int reader(int fd, size_t bs)
{
    char *buf = malloc(bs);
    unsigned long long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, bs)) > 0)
        total += (unsigned long long)n;
    return total ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "reader") == 0) return reader(0, strtoul(argv[2], NULL, 0));
    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "fork") == 0)) {
        fprintf(stderr, "usage: pipe_tput <self> <bufsize> <total> [fork]\n");
        return 2;
    }
    size_t bs = strtoul(argv[2], NULL, 0);
    unsigned long long total = strtoull(argv[3], NULL, 0);
    int fds[2];
    if (pipe(fds) < 0) return 1;
    pid_t pid;
    if (argc == 5) {
        pid = fork();
        if (pid < 0) return 1;
        if (pid == 0) {
            close(fds[1]);
            _exit(reader(fds[0], bs));
        }
    } else {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
        posix_spawn_file_actions_addclose(&fa, fds[1]);
        char *cargv[] = {argv[1], "reader", argv[2], NULL};
        if (posix_spawn(&pid, argv[1], &fa, NULL, cargv, environ) != 0) return 1;
    }
    close(fds[0]);
    char *buf = malloc(bs);
    memset(buf, 'x', bs);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned long long done = 0; done < total;) {
        ssize_t n = write(fds[1], buf, bs);
        if (n <= 0) return 1;
        done += (unsigned long long)n;
    }
    close(fds[1]);
    int st;
    waitpid(pid, &st, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%.1f\n", total / s / 1e6); /* MB/s */
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
