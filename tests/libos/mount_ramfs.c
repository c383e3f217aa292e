/* mount_ramfs: mount(2) of a ramfs on a directory shows an empty, writable file system there;
 * umount2 gives EBUSY while a file is open on it and EINVAL on a non-mount point; the old directory
 * returns. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
    char dir[256], file[300];
    tmp_path(dir, sizeof(dir), "mnt");
    CHECK_EQ(mkdir(dir, 0755), 0);
    snprintf(file, sizeof(file), "%s/under", dir);
    int u = open(file, O_CREAT | O_WRONLY, 0644); /* hidden while mounted over */
    CHECK(u >= 0);
    close(u);

    CHECK_EQ(mount("none", dir, "ramfs", 0, NULL), 0);
    struct stat st;
    CHECK_ERRNO(stat(file, &st), ENOENT);
    snprintf(file, sizeof(file), "%s/f", dir);
    int fd = open(file, O_CREAT | O_RDWR, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "hello", 5), 5);
    CHECK_EQ(stat(file, &st), 0);
    CHECK_EQ(st.st_size, 5);
    CHECK_ERRNO(umount2(dir, 0), EBUSY);
    close(fd);
    CHECK_EQ(umount2(dir, 0), 0);
    CHECK_ERRNO(stat(file, &st), ENOENT);
    snprintf(file, sizeof(file), "%s/under", dir);
    CHECK_EQ(stat(file, &st), 0); /* the directory's own content is back */
    CHECK_ERRNO(umount2(dir, 0), EINVAL);

    CHECK_ERRNO(mount("none", dir, "no-such-fs-type", 0, NULL), ENODEV);
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/missing", dir);
    CHECK_ERRNO(mount("none", missing, "ramfs", 0, NULL), ENOENT);
    CHECK_ERRNO(umount2(dir, 0x1000), EINVAL);

    CHECK_EQ(unlink(file), 0);
    CHECK_EQ(rmdir(dir), 0);
    return 0;
}
