/*
 * lease: fcntl F_SETLEASE / F_GETLEASE as Linux answers them: a read
 * lease on a read-only descriptor, none while the file is open for
 * writing (EAGAIN), a write lease only without other open descriptions,
 * F_UNLCK without a lease is EAGAIN, directories and pipes are EINVAL,
 * an unknown type EINVAL; and the break: another process's O_NONBLOCK
 * open is EWOULDBLOCK and signals the holder (F_SETSIG's signal with
 * si_fd), F_GETLEASE then says what the lease must become, the blocking
 * open waits until the holder downgrades (a reader) or removes (a writer)
 * the lease, and the lease goes with its last descriptor.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check.h"

static char path[4096];

/* The child: open path with flags; report errno (0: opened) on the pipe. */
static pid_t opener(int flags, int report)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int fd = open(path, flags);
        int e = fd < 0 ? errno : 0;
        if (write(report, &e, sizeof(e)) != sizeof(e)) _exit(2);
        _exit(0);
    }
    return pid;
}

static int report_of(int rd, pid_t pid)
{
    int e = -1;
    CHECK_EQ(read(rd, &e, sizeof(e)), sizeof(e));
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return e;
}

/* The break signal of the lease on fd. */
static void await_break(const sigset_t *set, int fd)
{
    siginfo_t si;
    CHECK_EQ(sigwaitinfo(set, &si), SIGRTMIN + 1);
    CHECK_EQ(si.si_fd, fd);
}

static void breaks(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    CHECK_EQ(sigprocmask(SIG_BLOCK, &set, NULL), 0);
    int p[2];
    CHECK_EQ(pipe(p), 0);

    /* a reader against a write lease: downgrade */
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl(fd, F_SETSIG, SIGRTMIN + 1), 0);
    CHECK_EQ(fcntl(fd, F_SETLEASE, F_WRLCK), 0);
    pid_t c = opener(O_RDONLY | O_NONBLOCK, p[1]);
    CHECK_EQ(report_of(p[0], c), EWOULDBLOCK);
    await_break(&set, fd);
    CHECK_EQ(fcntl(fd, F_GETLEASE), F_RDLCK); /* what it must become */
    c = opener(O_RDONLY, p[1]);               /* waits for the holder */
    CHECK_EQ(fcntl(fd, F_SETLEASE, F_RDLCK), 0);
    CHECK_EQ(report_of(p[0], c), 0);
    CHECK_EQ(fcntl(fd, F_GETLEASE), F_RDLCK);

    /* a writer against the read lease: removal */
    c = opener(O_WRONLY, p[1]);
    await_break(&set, fd);
    CHECK_EQ(fcntl(fd, F_GETLEASE), F_UNLCK);
    CHECK_EQ(fcntl(fd, F_SETLEASE, F_UNLCK), 0);
    CHECK_EQ(report_of(p[0], c), 0);

    /* the lease goes with its descriptor: nothing to break afterwards */
    CHECK_EQ(fcntl(fd, F_SETLEASE, F_RDLCK), 0);
    close(fd);
    c = opener(O_WRONLY | O_NONBLOCK, p[1]);
    CHECK_EQ(report_of(p[0], c), 0);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    tmp_path(path, sizeof(path), "lease");
    int w = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    CHECK(w >= 0);
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETLEASE), F_UNLCK);
    CHECK_ERRNO(fcntl(fd, F_SETLEASE, F_RDLCK), EAGAIN); /* w is open for writing */
    close(w);
    CHECK_EQ(fcntl(fd, F_SETLEASE, F_RDLCK), 0);
    CHECK_EQ(fcntl(fd, F_GETLEASE), F_RDLCK);
    int fd2 = open(path, O_RDONLY); /* readers do not break a read lease */
    CHECK(fd2 >= 0);
    CHECK_EQ(fcntl(fd2, F_SETLEASE, F_RDLCK), 0);        /* two read leases */
    CHECK_ERRNO(fcntl(fd, F_SETLEASE, F_WRLCK), EAGAIN); /* fd2 is open */
    CHECK_EQ(fcntl(fd2, F_SETLEASE, F_UNLCK), 0);
    CHECK_ERRNO(fcntl(fd2, F_SETLEASE, F_UNLCK), EAGAIN); /* none to remove */
    close(fd2);
    CHECK_EQ(fcntl(fd, F_SETLEASE, F_WRLCK), 0); /* the only open description */
    CHECK_EQ(fcntl(fd, F_GETLEASE), F_WRLCK);
    CHECK_ERRNO(fcntl(fd, F_SETLEASE, 7), EINVAL);
    CHECK_EQ(fcntl(fd, F_SETLEASE, F_UNLCK), 0);
    close(fd);
    int rw = open(path, O_RDWR); /* a read lease needs the file open for writing nowhere */
    CHECK(rw >= 0);
    CHECK_ERRNO(fcntl(rw, F_SETLEASE, F_RDLCK), EAGAIN);
    CHECK_EQ(fcntl(rw, F_SETLEASE, F_WRLCK), 0);
    CHECK_EQ(fcntl(rw, F_SETLEASE, F_UNLCK), 0);
    close(rw);

    int d = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK(d >= 0);
    struct stat st;
    CHECK_EQ(fstat(d, &st), 0);
    if (st.st_uid == geteuid()) CHECK_ERRNO(fcntl(d, F_SETLEASE, F_RDLCK), EINVAL);
    close(d);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_ERRNO(fcntl(p[0], F_SETLEASE, F_RDLCK), EINVAL);
    close(p[0]);
    close(p[1]);

    breaks();
    CHECK_EQ(unlink(path), 0);
    return 0;
}
