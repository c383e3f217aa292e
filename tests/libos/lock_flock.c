/* lock_flock: flock(2) locks belong to open file descriptions: two opens conflict, dup'd fds share
 * one, LOCK_NB gives EWOULDBLOCK, other processes are excluded, fcntl locks are separate. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "mt_util.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "try") == 0) {
        int fd = open(argv[2], O_RDONLY);
        CHECK(fd >= 0);
        CHECK_ERRNO(flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "wait") == 0) {
        int fd = open(argv[2], O_RDONLY);
        CHECK(fd >= 0);
        double t0 = mt_now_ms();
        CHECK_EQ(flock(fd, LOCK_EX), 0);
        CHECK(mt_now_ms() - t0 >= 40);
        return 0;
    }
    char path[256];
    tmp_path(path, sizeof(path), "lock_flock");
    /* O_CLOEXEC: a spawned child must not keep our open file descriptions
     * (and their flock locks) alive */
    int fd1 = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int fd2 = open(path, O_RDWR | O_CLOEXEC);
    CHECK(fd1 >= 0 && fd2 >= 0);
    CHECK_EQ(flock(fd1, LOCK_EX), 0);
    CHECK_EQ(flock(fd1, LOCK_EX | LOCK_NB), 0); /* again, same description: fine */
    CHECK_ERRNO(flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    CHECK_ERRNO(flock(fd2, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    MT_WAIT_EXIT(mt_spawn_self(NULL, NULL, "try", path, (char *)NULL), 0);

    /* fcntl locks do not see flock locks */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK_EQ(fcntl(fd2, F_SETLK, &fl), 0);

    /* a dup'd fd is the same description: unlocking through it unlocks */
    int d = fcntl(fd1, F_DUPFD_CLOEXEC, 0);
    CHECK(d >= 0);
    CHECK_EQ(flock(d, LOCK_UN), 0);
    CHECK_EQ(flock(fd2, LOCK_SH | LOCK_NB), 0);
    CHECK_EQ(flock(fd1, LOCK_SH | LOCK_NB), 0);              /* shared with shared */
    CHECK_ERRNO(flock(fd1, LOCK_EX | LOCK_NB), EWOULDBLOCK); /* upgrade blocked by fd2 */
    CHECK_EQ(flock(fd2, LOCK_UN), 0);
    CHECK_EQ(flock(fd1, LOCK_EX | LOCK_NB), 0);

    /* a waiter gets it when the last fd of the description closes */
    pid_t w = mt_spawn_self(NULL, NULL, "wait", path, (char *)NULL);
    mt_sleep_ms(100);
    close(fd1); /* d still refers to the description: the lock stays */
    mt_sleep_ms(20);
    close(d);
    MT_WAIT_EXIT(w, 0);

    CHECK_ERRNO(flock(fd2, LOCK_SH | LOCK_EX), EINVAL);
    CHECK_ERRNO(flock(-1, LOCK_SH), EBADF);
    close(fd2);
    unlink(path);
    return 0;
}
