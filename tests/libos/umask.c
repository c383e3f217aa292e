/* umask: umask() returns the previous mask and new files/dirs get mode & ~umask. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <limits.h>

#include "check.h"

static mode_t mode_of(const char *p)
{
    struct stat st;
    CHECK_EQ(stat(p, &st), 0);
    return st.st_mode & 07777;
}

static void body(void)
{
    char f[PATH_MAX], d[PATH_MAX];
    tmp_path(f, sizeof(f), "umask-file");
    tmp_path(d, sizeof(d), "umask-dir");

    mode_t old = umask(077);
    CHECK_EQ(umask(027), 077);
    CHECK_EQ(umask(0), 027);
    CHECK_EQ(umask(0777 | 01000), 0); /* only the low 9 bits are kept */
    CHECK_EQ(umask(022), 0777);

    int fd = open(f, O_CREAT | O_WRONLY, 0666);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(mode_of(f), 0644);
    CHECK_EQ(unlink(f), 0);
    CHECK_EQ(mkdir(d, 0777), 0);
    CHECK_EQ(mode_of(d), 0755);
    CHECK_EQ(rmdir(d), 0);

    umask(077);
    fd = open(f, O_CREAT | O_WRONLY, 0666);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(mode_of(f), 0600);
    /* chmod is not affected by umask */
    CHECK_EQ(chmod(f, 0666), 0);
    CHECK_EQ(mode_of(f), 0666);
    CHECK_EQ(fchmod(open(f, O_RDONLY), 0604), 0);
    CHECK_EQ(mode_of(f), 0604);
    CHECK_EQ(unlink(f), 0);
    CHECK_EQ(mkdir(d, 0777), 0);
    CHECK_EQ(mode_of(d), 0700);
    CHECK_EQ(rmdir(d), 0);

    umask(0);
    fd = open(f, O_CREAT | O_WRONLY, 0666);
    CHECK(fd >= 0);
    close(fd);
    CHECK_EQ(mode_of(f), 0666);
    CHECK_EQ(unlink(f), 0);
    umask(old);
}

int main(int argc, char **argv)
{
    return run_in_dirs(argc, argv, body);
}
