/*
 * mount_dev: every mounted file system has a st_dev of its own, as Linux's
 * anonymous device numbers: tmpfs on m1, m2, m3, then m1 unmounted and m4
 * mounted give four roots whose st_dev differ from each other and from
 * their parent's (the number m1 freed may come back, but only for m4), and
 * file locks on m3 and m4 do not see each other, even on files with the
 * same inode number.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static dev_t dev_of(const char *path)
{
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    return st.st_dev;
}

/* An OFD write lock on all of fd: OFD locks of two open files conflict
 * even within one process. */
static int ofd_lock(int fd)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    return fcntl(fd, F_OFD_SETLK, &fl);
}

int main(void)
{
    char base[256], m[5][300], file[2][320];
    tmp_path(base, sizeof(base), "mntdev");
    CHECK_EQ(mkdir(base, 0755), 0);
    for (int i = 1; i <= 4; i++) {
        snprintf(m[i], sizeof(m[i]), "%s/m%d", base, i);
        CHECK_EQ(mkdir(m[i], 0755), 0);
    }
    dev_t parent = dev_of(base);
    for (int i = 1; i <= 3; i++)
        CHECK_EQ(mount("none", m[i], "tmpfs", 0, NULL), 0);
    dev_t d1 = dev_of(m[1]);
    CHECK_EQ(umount2(m[1], 0), 0);
    CHECK_EQ(dev_of(m[1]), parent); /* the directory itself again */
    CHECK_EQ(mount("none", m[4], "tmpfs", 0, NULL), 0);

    dev_t d[5] = {parent, d1, dev_of(m[2]), dev_of(m[3]), dev_of(m[4])};
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            if (!(i == 1 && j == 4)) CHECK(d[i] != d[j]);

    /* One file on each of m3 and m4: fresh file systems, so the same inode
     * number is likely, but the locks must not meet whatever it is. */
    int fd[2];
    struct stat st[2];
    for (int i = 0; i < 2; i++) {
        snprintf(file[i], sizeof(file[i]), "%s/f", m[3 + i]);
        fd[i] = open(file[i], O_CREAT | O_RDWR, 0644);
        CHECK(fd[i] >= 0);
        CHECK_EQ(fstat(fd[i], &st[i]), 0);
        CHECK_EQ(st[i].st_dev, d[3 + i]);
    }
    CHECK_EQ(ofd_lock(fd[0]), 0);
    CHECK_EQ(ofd_lock(fd[1]), 0);
    CHECK_EQ(flock(fd[0], LOCK_EX | LOCK_NB), 0);
    CHECK_EQ(flock(fd[1], LOCK_EX | LOCK_NB), 0);
    /* the same file opened again does conflict: the check can fail */
    int again = open(file[1], O_RDWR);
    CHECK(again >= 0);
    CHECK_ERRNO(ofd_lock(again), EAGAIN);
    CHECK_ERRNO(flock(again, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    close(again);
    for (int i = 0; i < 2; i++) {
        close(fd[i]);
        CHECK_EQ(unlink(file[i]), 0);
    }

    for (int i = 2; i <= 4; i++)
        CHECK_EQ(umount2(m[i], 0), 0);
    for (int i = 1; i <= 4; i++)
        CHECK_EQ(rmdir(m[i]), 0);
    CHECK_EQ(rmdir(base), 0);
    return 0;
}
