/* fallocate_sync: fallocate extends a file (mode 0) or only checks (KEEP_SIZE), with Linux's
 * errors; sync and syncfs succeed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <limits.h>

#include "check.h"

static void body(void)
{
    char path[256];
    tmp_path(path, sizeof(path), "fallocate");
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "0123456789", 10), 10);
    CHECK_EQ(fallocate(fd, 0, 0, 4096), 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 4096);
    char buf[4096];
    CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 4096);
    CHECK(memcmp(buf, "0123456789", 10) == 0);
    for (int i = 10; i < 4096; i++)
        CHECK_EQ(buf[i], 0);
    CHECK_EQ(fallocate(fd, 0, 100, 50), 0); /* inside: no change */
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 4096);
    CHECK_EQ(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 8192), 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 4096);
    CHECK_ERRNO(fallocate(fd, 0, 0, 0), EINVAL);
    CHECK_ERRNO(fallocate(fd, 0, -1, 10), EINVAL);
    int ro = open(path, O_RDONLY);
    CHECK(ro >= 0);
    CHECK_ERRNO(fallocate(ro, 0, 0, 10), EBADF);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    CHECK_ERRNO(fallocate(p[1], 0, 0, 10), ESPIPE);
    CHECK_ERRNO(fallocate(-1, 0, 0, 10), EBADF);

    sync();
    CHECK_EQ(syncfs(fd), 0);
    CHECK_ERRNO(syncfs(-1), EBADF);
    close(p[0]);
    close(p[1]);
    close(ro);
    close(fd);
    unlink(path);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
