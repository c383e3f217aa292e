/* more_calls: system calls older or rarer programs make, through the raw
 * calls: getdents (the old record layout, against getdents64's),
 * readahead, sync_file_range, execveat (fexecve's AT_EMPTY_PATH, a name
 * relative to a directory fd, AT_SYMLINK_NOFOLLOW), and sendmmsg/recvmmsg
 * on a LibOS AF_UNIX datagram pair and on loopback UDP (host sockets),
 * with MSG_WAITFORONE and the timeout written back. Argument: a writable
 * directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include "check.h"

extern char **environ;

struct old_dirent { /* getdents(2)'s linux_dirent */
    unsigned long d_ino, d_off;
    unsigned short d_reclen;
    char d_name[];
};

/* Names and types seen by getdents (old) and getdents64 must agree. */
static void check_getdents(const char *dir)
{
    char b64[4096], bold[4096];
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    long n64 = syscall(SYS_getdents64, fd, b64, sizeof(b64));
    CHECK(n64 > 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    long nold = syscall(SYS_getdents, fd, bold, sizeof(bold));
    CHECK(nold == n64);
    int entries = 0, found = 0;
    for (long o = 0, p = 0; o < n64; entries++) {
        struct dirent64 *d = (struct dirent64 *)(b64 + o);
        struct old_dirent *od = (struct old_dirent *)(bold + p);
        CHECK(od->d_reclen == d->d_reclen && od->d_ino == d->d_ino);
        CHECK(strcmp(od->d_name, d->d_name) == 0);
        CHECK(bold[p + od->d_reclen - 1] == (char)d->d_type);
        if (strcmp(d->d_name, "file") == 0 && d->d_type == DT_REG) found++;
        if (strcmp(d->d_name, "sub") == 0 && d->d_type == DT_DIR) found++;
        o += d->d_reclen;
        p += od->d_reclen;
    }
    CHECK(entries >= 4 && found == 2);
    CHECK(lseek(fd, 0, SEEK_SET) == 0); /* entries to copy: a bad buffer is EFAULT */
    CHECK_ERRNO(syscall(SYS_getdents, fd, (void *)8, 4096), EFAULT);
    CHECK(close(fd) == 0);
    int reg = open("/proc/self/exe", O_RDONLY);
    CHECK(reg >= 0);
    CHECK_ERRNO(syscall(SYS_getdents, reg, bold, sizeof(bold)), ENOTDIR);
    CHECK(close(reg) == 0);
}

static void check_hints(const char *file)
{
    int fd = open(file, O_RDWR);
    CHECK(fd >= 0);
    CHECK(syscall(SYS_readahead, fd, 0L, 4096L) == 0);
    CHECK(syscall(SYS_sync_file_range, fd, 0L, 0L, 7U) == 0);
    CHECK(syscall(SYS_sync_file_range, fd, 0L, 4096L, 2U) == 0);
    CHECK_ERRNO(syscall(SYS_sync_file_range, fd, 0L, 4096L, 8U), EINVAL);
    CHECK_ERRNO(syscall(SYS_sync_file_range, fd, -1L, 4096L, 2U), EINVAL);
    CHECK_ERRNO(syscall(SYS_readahead, 999, 0L, 1L), EBADF);
    int wo = open(file, O_WRONLY);
    CHECK(wo >= 0);
    CHECK_ERRNO(syscall(SYS_readahead, wo, 0L, 1L), EBADF);
    CHECK(close(wo) == 0);
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK_ERRNO(syscall(SYS_readahead, p[0], 0L, 1L), EINVAL);
    CHECK_ERRNO(syscall(SYS_sync_file_range, p[1], 0L, 1L, 2U), ESPIPE);
    CHECK(close(p[0]) == 0 && close(p[1]) == 0 && close(fd) == 0);
}

static int run(int dirfd, const char *path, int flags, const char *arg)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        char *argv[] = {"more_calls", (char *)arg, NULL};
        syscall(SYS_execveat, dirfd, path, argv, environ, flags);
        _exit(100 + errno);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void check_execveat(const char *dir)
{
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    CHECK(self >= 0);
    CHECK(run(self, "", AT_EMPTY_PATH, "child") == 42); /* fexecve */
    CHECK(run(self, "", 0, "child") == 100 + ENOENT);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    CHECK(n > 0);
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    *slash = '\0';
    int d = open(exe, O_RDONLY | O_DIRECTORY);
    CHECK(d >= 0);
    CHECK(run(d, slash + 1, 0, "child") == 42); /* relative to a directory fd */
    *slash = '/';
    CHECK(run(AT_FDCWD, exe, 0, "child") == 42); /* absolute */
    CHECK(run(AT_FDCWD, exe, 0x8000, "child") == 100 + EINVAL);
    char link[4200];
    snprintf(link, sizeof(link), "%s/link", dir);
    CHECK(symlink(exe, link) == 0);
    CHECK(run(AT_FDCWD, link, 0, "child") == 42);
    CHECK(run(AT_FDCWD, link, AT_SYMLINK_NOFOLLOW, "child") == 100 + ELOOP);
    CHECK(unlink(link) == 0 && close(d) == 0 && close(self) == 0);
}

static void check_mmsg(int a, int b)
{
    char out[3][8] = {"one", "two", "three"};
    struct iovec oiov[3];
    struct mmsghdr omsg[3];
    memset(omsg, 0, sizeof(omsg));
    for (int i = 0; i < 3; i++) {
        oiov[i] = (struct iovec){out[i], strlen(out[i])};
        omsg[i].msg_hdr.msg_iov = &oiov[i];
        omsg[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK(syscall(SYS_sendmmsg, a, omsg, 3, 0) == 3);
    CHECK(omsg[0].msg_len == 3 && omsg[2].msg_len == 5);
    char in[4][16];
    struct iovec iiov[4];
    struct mmsghdr imsg[4];
    memset(imsg, 0, sizeof(imsg));
    for (int i = 0; i < 4; i++) {
        iiov[i] = (struct iovec){in[i], sizeof(in[i])};
        imsg[i].msg_hdr.msg_iov = &iiov[i];
        imsg[i].msg_hdr.msg_iovlen = 1;
    }
    /* three waiting: MSG_WAITFORONE takes them and does not wait for a fourth */
    struct timespec ts = {5, 0};
    CHECK(syscall(SYS_recvmmsg, b, imsg, 4, MSG_WAITFORONE, &ts) == 3);
    CHECK(imsg[0].msg_len == 3 && memcmp(in[0], "one", 3) == 0);
    CHECK(imsg[2].msg_len == 5 && memcmp(in[2], "three", 5) == 0);
    CHECK(ts.tv_sec <= 5 && ts.tv_sec >= 0);
    CHECK_ERRNO(syscall(SYS_recvmmsg, b, imsg, 4, MSG_DONTWAIT, NULL), EAGAIN);
    struct timespec bad = {0, 1000000000L};
    CHECK_ERRNO(syscall(SYS_recvmmsg, b, imsg, 4, MSG_DONTWAIT, &bad), EINVAL);
    CHECK(syscall(SYS_sendmmsg, a, omsg, 0, 0) == 0);
    CHECK_ERRNO(syscall(SYS_sendmmsg, a, (void *)8, 1, 0), EFAULT);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0) return 42;
    CHECK(argc == 2);
    const char *dir = argv[1];
    char path[4200];
    snprintf(path, sizeof(path), "%s/file", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, "data", 4) == 4 && close(fd) == 0);
    snprintf(path, sizeof(path), "%s/sub", dir);
    CHECK(mkdir(path, 0755) == 0);
    check_getdents(dir);
    snprintf(path, sizeof(path), "%s/file", dir);
    check_hints(path);
    check_execveat(dir);

    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    check_mmsg(sv[0], sv[1]);
    CHECK(close(sv[0]) == 0 && close(sv[1]) == 0);
    int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(u1 >= 0 && u2 >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    CHECK(bind(u2, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(getsockname(u2, (struct sockaddr *)&sa, &sl) == 0);
    CHECK(connect(u1, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    check_mmsg(u1, u2);
    CHECK(close(u1) == 0 && close(u2) == 0);
    puts("more_calls: ok");
    return 0;
}
