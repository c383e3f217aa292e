/* mt_exec_cloexec: across execve CLOEXEC fds close, plain fds and dups stay (with offsets). */
#define _GNU_SOURCE
#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc == 8 && strcmp(argv[1], "after") == 0) {
        int pipe_cx = atoi(argv[2]), pipe_plain_w = atoi(argv[3]), file_cx = atoi(argv[4]);
        int file_plain = atoi(argv[5]), setfd_cx = atoi(argv[6]), dup_of_cx = atoi(argv[7]);
        CHECK_ERRNO(fcntl(pipe_cx, F_GETFD), EBADF);
        CHECK_ERRNO(fcntl(file_cx, F_GETFD), EBADF);
        CHECK_ERRNO(fcntl(setfd_cx, F_GETFD), EBADF);
        CHECK_ERRNO(close(pipe_cx), EBADF);
        CHECK_EQ(fcntl(pipe_plain_w, F_GETFD), 0);
        CHECK_EQ(fcntl(file_plain, F_GETFD), 0);
        CHECK_EQ(fcntl(dup_of_cx, F_GETFD), 0);
        /* the file offset survives: 3 bytes were read before exec */
        CHECK_EQ(lseek(file_plain, 0, SEEK_CUR), 3);
        char buf[8] = {0};
        CHECK_EQ(read(file_plain, buf, 3), 3);
        CHECK_STR(buf, "def");
        /* the pipe still works */
        CHECK_EQ(write(pipe_plain_w, "after-exec", 10), 10);
        /* new fds reuse the lowest free numbers: the closed ones */
        int fd = open("/dev/null", O_RDONLY);
        CHECK(fd >= 0);
        CHECK(fd <= pipe_cx || fd <= file_cx || fd <= setfd_cx);
        return 0;
    }
    char path[64];
    tmp_path(path, sizeof(path), "mt-cloexec");
    int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(w >= 0);
    CHECK_EQ(write(w, "abcdef", 6), 6);
    close(w);

    int pc[2], pp[2];
    CHECK_EQ(pipe2(pc, O_CLOEXEC), 0);
    CHECK_EQ(pipe(pp), 0);
    int fcx = open(path, O_RDONLY | O_CLOEXEC);
    int fplain = open(path, O_RDONLY);
    CHECK(fcx >= 0 && fplain >= 0);
    char tmp[3];
    CHECK_EQ(read(fplain, tmp, 3), 3);
    int fset = open(path, O_RDONLY);
    CHECK(fset >= 0);
    CHECK_EQ(fcntl(fset, F_SETFD, FD_CLOEXEC), 0);
    int fdup = dup(fcx); /* dup clears close-on-exec */
    CHECK(fdup >= 0);
    CHECK_EQ(fcntl(fdup, F_GETFD), 0);
    CHECK_EQ(unlink(path), 0);

    /* exec happens in a child so the parent can read the pipe */
    char a[6][16];
    snprintf(a[0], 16, "%d", pc[1]);
    snprintf(a[1], 16, "%d", pp[1]);
    snprintf(a[2], 16, "%d", fcx);
    snprintf(a[3], 16, "%d", fplain);
    snprintf(a[4], 16, "%d", fset);
    snprintf(a[5], 16, "%d", fdup);
    pid_t pid = vfork();
    if (pid == 0) {
        char *av[] = {(char *)"mt", (char *)"after", a[0], a[1], a[2], a[3], a[4], a[5], NULL};
        execve("/proc/self/exe", av, environ);
        _exit(127);
    }
    CHECK(pid > 0);
    close(pp[1]);
    close(pc[1]);
    char buf[32] = {0};
    CHECK_EQ(mt_readn(pp[0], buf, sizeof(buf)), 10);
    CHECK_STR(buf, "after-exec");
    MT_WAIT_EXIT(pid, 0);
    /* ours are all still open */
    CHECK_EQ(fcntl(fcx, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fset, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(lseek(fplain, 0, SEEK_CUR), 6); /* shared offset: the child read 3 more */

    /* and in place: this process execs itself, checking the same rules */
    int pp2[2];
    CHECK_EQ(pipe(pp2), 0);
    snprintf(a[1], 16, "%d", pp2[1]);
    CHECK_EQ(lseek(fplain, 3, SEEK_SET), 3);
    close(pc[0]); /* pc[1] was closed above: a fresh O_CLOEXEC pipe */
    CHECK_EQ(pipe2(pc, O_CLOEXEC), 0);
    snprintf(a[0], 16, "%d", pc[1]);
    char *av[] = {(char *)"mt", (char *)"after", a[0], a[1], a[2], a[3], a[4], a[5], NULL};
    execve("/proc/self/exe", av, environ);
    perror("execve");
    return 1;
}
