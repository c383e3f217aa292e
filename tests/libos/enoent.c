/* enoent: open/stat/unlink/exec of paths that do not exist fail with ENOENT. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>

#include "check.h"

int main(void)
{
    struct stat st;
    CHECK_ERRNO(open("/libos-no-such-file", O_RDONLY), ENOENT);
    CHECK_ERRNO(open("/tmp/libos-no-such-dir/file", O_RDONLY), ENOENT);
    CHECK_ERRNO(open("/tmp/libos-no-such-dir/file", O_CREAT | O_WRONLY, 0644), ENOENT);
    CHECK_ERRNO(open("", O_RDONLY), ENOENT);
    CHECK_ERRNO(stat("/libos-no-such-file", &st), ENOENT);
    CHECK_ERRNO(lstat("/libos-no-such-file", &st), ENOENT);
    CHECK_ERRNO(access("/libos-no-such-file", F_OK), ENOENT);
    CHECK_ERRNO(unlink("/tmp/libos-no-such-file"), ENOENT);
    CHECK_ERRNO(rmdir("/tmp/libos-no-such-dir"), ENOENT);
    CHECK_ERRNO(chdir("/libos-no-such-dir"), ENOENT);
    char buf[16];
    CHECK_ERRNO(readlink("/libos-no-such-link", buf, sizeof(buf)), ENOENT);
    char *argv[] = {"x", NULL}, *envp[] = {NULL};
    CHECK_ERRNO(execve("/bin/libos-no-such-program", argv, envp), ENOENT);

    errno = 0;
    FILE *f = fopen("/libos-no-such-file", "r");
    CHECK(f == NULL);
    CHECK_EQ(errno, ENOENT);
    return 0;
}
