/* lock_fcntl: fcntl record locks between processes (F_SETLK/F_SETLKW/F_GETLK), released by any
 * close and at exit; OFD locks per open file description. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "mt_util.h"

static int setlk(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

static int child(const char *role, const char *path, const char *ppid)
{
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    if (strcmp(role, "probe") == 0) {
        /* parent holds a write lock on [0, 100) */
        CHECK_ERRNO(setlk(fd, F_SETLK, F_WRLCK, 50, 10), EAGAIN);
        CHECK_ERRNO(setlk(fd, F_SETLK, F_RDLCK, 0, 10), EAGAIN);
        CHECK_EQ(setlk(fd, F_SETLK, F_WRLCK, 200, 100), 0);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 5};
        CHECK_EQ(fcntl(fd, F_GETLK, &fl), 0);
        CHECK_EQ(fl.l_type, F_WRLCK);
        CHECK_EQ(fl.l_start, 0);
        CHECK_EQ(fl.l_len, 100);
        CHECK_EQ(fl.l_pid, atoi(ppid));
        return 0;
    }
    if (strcmp(role, "half") == 0) { /* parent unlocked [0, 50) */
        CHECK_EQ(setlk(fd, F_SETLK, F_WRLCK, 0, 50), 0);
        CHECK_ERRNO(setlk(fd, F_SETLK, F_WRLCK, 50, 1), EAGAIN);
        return 0;
    }
    if (strcmp(role, "wait") == 0) { /* blocks until the parent closes its fd */
        double t0 = mt_now_ms();
        CHECK_EQ(setlk(fd, F_SETLKW, F_WRLCK, 0, 100), 0);
        CHECK(mt_now_ms() - t0 >= 40);
        return 0;
    }
    if (strcmp(role, "free") == 0) {
        CHECK_EQ(setlk(fd, F_SETLK, F_WRLCK, 0, 0), 0); /* the whole file */
        return 0;
    }
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 4) return child(argv[1], argv[2], argv[3]);
    char path[256], ppid[16];
    tmp_path(path, sizeof(path), "lock_fcntl");
    snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "0123456789", 10), 10);

    CHECK_EQ(setlk(fd, F_SETLK, F_WRLCK, 0, 100), 0);
    /* our own lock never conflicts with us */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    CHECK_EQ(fcntl(fd, F_GETLK, &fl), 0);
    CHECK_EQ(fl.l_type, F_UNLCK);
    MT_WAIT_EXIT(mt_spawn_self(NULL, NULL, "probe", path, ppid, (char *)NULL), 0);

    CHECK_EQ(setlk(fd, F_SETLK, F_UNLCK, 0, 50), 0);
    MT_WAIT_EXIT(mt_spawn_self(NULL, NULL, "half", path, ppid, (char *)NULL), 0);

    /* F_SETLKW waits; closing ANY fd of the file drops our locks on it */
    pid_t w = mt_spawn_self(NULL, NULL, "wait", path, ppid, (char *)NULL);
    mt_sleep_ms(100);
    int other = open(path, O_RDONLY);
    CHECK(other >= 0);
    CHECK_EQ(close(other), 0);
    MT_WAIT_EXIT(w, 0);
    MT_WAIT_EXIT(mt_spawn_self(NULL, NULL, "free", path, ppid, (char *)NULL), 0);

    /* a read lock needs a readable fd, a write lock a writable one */
    int wo = open(path, O_WRONLY);
    CHECK(wo >= 0);
    CHECK_ERRNO(setlk(wo, F_SETLK, F_RDLCK, 0, 1), EBADF);
    close(wo);
    fl = (struct flock){.l_type = 7, .l_whence = SEEK_SET};
    CHECK_ERRNO(fcntl(fd, F_SETLK, &fl), EINVAL);

    /* OFD locks belong to the open file description: two opens conflict */
    int a = open(path, O_RDWR), b = open(path, O_RDWR);
    CHECK(a >= 0 && b >= 0);
    CHECK_EQ(setlk(a, F_OFD_SETLK, F_WRLCK, 0, 10), 0);
    CHECK_ERRNO(setlk(b, F_OFD_SETLK, F_WRLCK, 5, 10), EAGAIN);
    CHECK_EQ(setlk(b, F_OFD_SETLK, F_WRLCK, 10, 10), 0);
    close(a);
    CHECK_EQ(setlk(b, F_OFD_SETLK, F_WRLCK, 0, 10), 0); /* a's went with its description */
    close(b);
    close(fd);
    unlink(path);
    return 0;
}
