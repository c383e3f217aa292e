/* memfd: memfd_create(2) through the raw system call: an anonymous file
 * that reads and writes, grows and shrinks, shows as "/memfd:NAME
 * (deleted)" in /proc/self/fd, mode 0777 whatever the umask, close-on-exec
 * with MFD_CLOEXEC; MAP_SHARED memory shared with a forked child; seals
 * (F_SEAL_SEAL by default, MFD_ALLOW_SEALING lifting it, SHRINK, GROW,
 * WRITE refused while a writable shared mapping exists, FUTURE_WRITE);
 * and the errors. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <linux/memfd.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "check.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static int mfd(const char *name, unsigned flags)
{
    return (int)syscall(SYS_memfd_create, name, flags);
}

int main(void)
{
    umask(077);
    int fd = mfd("buf", MFD_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0777);
    CHECK(st.st_size == 0 && st.st_nlink == 0);
    char link[64], want[64];
    snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(want, link, sizeof(link) - 1);
    CHECK(n > 0);
    link[n] = '\0';
    CHECK(strcmp(link, "/memfd:buf (deleted)") == 0);

    /* a file: write, read back, grow and shrink */
    CHECK(write(fd, "hello memfd", 11) == 11);
    char buf[32] = {0};
    CHECK(pread(fd, buf, sizeof(buf), 0) == 11 && memcmp(buf, "hello memfd", 11) == 0);
    CHECK(ftruncate(fd, 8192) == 0 && fstat(fd, &st) == 0 && st.st_size == 8192);

    /* MAP_SHARED: one memory with a forked child, and with read/write */
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    CHECK(memcmp(m, "hello memfd", 11) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        memcpy(m + 4096, "from child", 10);
        _exit(0);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(memcmp(m + 4096, "from child", 10) == 0);
    CHECK(pread(fd, buf, 10, 4096) == 10 && memcmp(buf, "from child", 10) == 0);

    /* not sealable without MFD_ALLOW_SEALING: F_SEAL_SEAL is there */
    CHECK(fcntl(fd, F_GET_SEALS) == F_SEAL_SEAL);
    CHECK_ERRNO(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);

    /* sealable: F_SEAL_WRITE refused while a writable shared mapping exists */
    int s = mfd("sealed", MFD_ALLOW_SEALING);
    CHECK(s >= 0 && fcntl(s, F_GET_SEALS) == 0);
    CHECK(ftruncate(s, 4096) == 0);
    char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, s, 0);
    CHECK(w != MAP_FAILED);
    CHECK_ERRNO(fcntl(s, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
    CHECK(munmap(w, 4096) == 0);
    CHECK(fcntl(s, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
    CHECK_ERRNO(ftruncate(s, 100), EPERM);
    CHECK_ERRNO(ftruncate(s, 8192), EPERM);
    CHECK_ERRNO(pwrite(s, "x", 1, 4096), EPERM); /* would grow it */
    CHECK(pwrite(s, "inside", 6, 0) == 6);       /* within the size: fine */
    CHECK(fcntl(s, F_ADD_SEALS, F_SEAL_WRITE) == 0);
    CHECK_ERRNO(pwrite(s, "x", 1, 0), EPERM);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, s, 0) == MAP_FAILED &&
          errno == EPERM);
    char *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, s, 0); /* reading is fine */
    CHECK(r != MAP_FAILED && memcmp(r, "inside", 6) == 0);
    CHECK(munmap(r, 4096) == 0);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, s, 0); /* a private copy too */
    CHECK(p != MAP_FAILED);
    p[0] = 'I';
    CHECK(pread(s, buf, 1, 0) == 1 && buf[0] == 'i');
    CHECK(munmap(p, 4096) == 0);
    CHECK(fcntl(s, F_ADD_SEALS, F_SEAL_SEAL) == 0);
    CHECK_ERRNO(fcntl(s, F_ADD_SEALS, F_SEAL_GROW), EPERM);
    CHECK(fcntl(s, F_GET_SEALS) == (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE));
    CHECK_ERRNO(fcntl(s, F_ADD_SEALS, 0x8000), EINVAL);

    /* F_SEAL_FUTURE_WRITE: no new writes or writable shared mappings */
    int fw = mfd("future", MFD_ALLOW_SEALING);
    CHECK(fw >= 0 && ftruncate(fw, 4096) == 0);
    CHECK(fcntl(fw, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) == 0);
    CHECK_ERRNO(write(fw, "x", 1), EPERM);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fw, 0) == MAP_FAILED &&
          errno == EPERM);

    /* a read-only descriptor cannot seal */
    snprintf(want, sizeof(want), "/proc/self/fd/%d", fw);
    int ro = open(want, O_RDONLY);
    if (ro >= 0) { /* Linux reopens a memfd through /proc */
        CHECK_ERRNO(fcntl(ro, F_ADD_SEALS, F_SEAL_GROW), EPERM);
        CHECK(close(ro) == 0);
    }

    /* seals of files that are not tmpfs' or memfds: none to get */
    int pipefd[2];
    CHECK(pipe(pipefd) == 0);
    CHECK_ERRNO(fcntl(pipefd[0], F_GET_SEALS), EINVAL);

    /* errors */
    char longname[300];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    CHECK_ERRNO(mfd(longname, 0), EINVAL);
    CHECK_ERRNO(mfd("x", 0x1000), EINVAL);
    CHECK_ERRNO(syscall(SYS_memfd_create, (void *)8, 0), EFAULT);
    CHECK(close(fd) == 0 && close(s) == 0 && close(fw) == 0);
    CHECK(munmap(m, 8192) == 0);
    puts("memfd: ok");
    return 0;
}
