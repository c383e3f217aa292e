/* fork_basic: fork(2) as Linux has it: the child's exit status and its
 * death by a signal reach waitpid; memory is copied on write both ways
 * (globals, heap, private mappings); a pipe and a socketpair carry data
 * between the two; an fd open before the fork shares its offset; the
 * child can exec; the parent can kill a child blocked in a call; a wait
 * for any child sees forked and spawned children alike. */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "check.h"

extern char **environ;
static int global = 1;

static int wait_status(pid_t pid)
{
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    return st;
}

static void exit_and_signal(void)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) _exit(getppid() == parent ? 3 : 4);
    int st = wait_status(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);

    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        kill(getpid(), SIGTERM);
        _exit(5);
    }
    st = wait_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
}

static void copy_on_write(void)
{
    char *heap = malloc(1 << 20);
    CHECK(heap != NULL);
    memset(heap, 'p', 1 << 20);
    char *map = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(map != MAP_FAILED);
    memset(map, 'm', 1 << 20);
    int to_child[2], to_parent[2];
    CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int bad = global != 1 || heap[12345] != 'p' || map[777] != 'm';
        global = 2;
        heap[12345] = 'c';
        map[777] = 'c';
        char c;
        if (write(to_parent[1], "w", 1) != 1) _exit(20);
        if (read(to_child[0], &c, 1) != 1) _exit(21); /* the parent wrote its own */
        bad |= global != 2 || heap[12345] != 'c' || map[777] != 'c' || heap[1] != 'p';
        _exit(bad ? 22 : 0);
    }
    char c;
    CHECK(read(to_parent[0], &c, 1) == 1); /* the child has written */
    CHECK(global == 1 && heap[12345] == 'p' && map[777] == 'm');
    heap[1] = 'q';
    global = 9;
    CHECK(write(to_child[1], "g", 1) == 1);
    int st = wait_status(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(heap[1] == 'q' && global == 9);
    global = 1;
    free(heap);
    CHECK(munmap(map, 1 << 20) == 0);
    for (int i = 0; i < 2; i++) {
        close(to_child[i]);
        close(to_parent[i]);
    }
}

static void pipe_and_socketpair(void)
{
    int p[2], sv[2];
    CHECK(pipe(p) == 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    size_t total = 4 << 20;
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        close(sv[0]);
        static char block[65536];
        for (size_t off = 0; off < total; off += sizeof(block)) {
            for (size_t i = 0; i < sizeof(block); i++)
                block[i] = (char)((off + i) * 7);
            if (write(p[1], block, sizeof(block)) != (ssize_t)sizeof(block)) _exit(30);
        }
        close(p[1]); /* the parent reads to end of file */
        char q[16];
        if (read(sv[1], q, 4) != 4 || memcmp(q, "ping", 4) != 0) _exit(31);
        if (write(sv[1], "pong", 4) != 4) _exit(32);
        _exit(0);
    }
    close(p[1]);
    close(sv[1]);
    static char buf[100000];
    size_t got = 0;
    ssize_t n;
    while ((n = read(p[0], buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++)
            CHECK(buf[i] == (char)((got + (size_t)i) * 7));
        got += (size_t)n;
    }
    CHECK(n == 0 && got == total); /* end of file: the child closed its write end */
    CHECK(write(sv[0], "ping", 4) == 4);
    CHECK(read(sv[0], buf, 4) == 4 && memcmp(buf, "pong", 4) == 0);
    int st = wait_status(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(p[0]);
    close(sv[0]);
}

static void shared_offset(const char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/fork_basic.txt", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, "0123456789", 10) == 10);
    CHECK(lseek(fd, 2, SEEK_SET) == 2);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char b[3] = {0};
        if (read(fd, b, 3) != 3 || memcmp(b, "234", 3) != 0) _exit(40);
        if (write(fd, "X", 1) != 1) _exit(41); /* at 5, the shared offset */
        _exit(0);
    }
    int st = wait_status(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 6);
    char b[11] = {0};
    CHECK(pread(fd, b, 10, 0) == 10);
    CHECK_STR(b, "01234X6789");
    CHECK(close(fd) == 0);
    CHECK(unlink(path) == 0);
}

static void exec_kill_and_mixed_wait(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", "exit 6", (char *)NULL);
        _exit(50);
    }
    int st = wait_status(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 6);

    /* a child blocked in read is killed from here */
    int p[2];
    CHECK(pipe(p) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char c;
        close(p[1]);
        (void)!read(p[0], &c, 1);
        _exit(51);
    }
    usleep(20000);
    CHECK(kill(pid, SIGKILL) == 0);
    st = wait_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    close(p[0]);
    close(p[1]);

    /* wait(-1) for a spawned and a forked child */
    pid_t spawned, forked = fork();
    CHECK(forked >= 0);
    if (forked == 0) _exit(7);
    char *argv[] = {"sh", "-c", "exit 8", NULL};
    CHECK(posix_spawn(&spawned, "/bin/sh", NULL, NULL, argv, environ) == 0);
    int seen = 0;
    for (int i = 0; i < 2; i++) {
        pid_t w = wait(&st);
        CHECK(WIFEXITED(st));
        if (w == forked && WEXITSTATUS(st) == 7) seen |= 1;
        if (w == spawned && WEXITSTATUS(st) == 8) seen |= 2;
    }
    CHECK(seen == 3);
    CHECK_ERRNO(wait(&st), ECHILD);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    exit_and_signal();
    copy_on_write();
    pipe_and_socketpair();
    shared_offset(argv[1]);
    exec_kill_and_mixed_wait();
    return 0;
}
