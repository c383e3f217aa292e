/* access: access/faccessat F_OK/R_OK/W_OK/X_OK results and ENOENT/ENOTDIR/EACCES/EINVAL. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>

#include "check.h"

int main(int argc, char **argv)
{
    CHECK_EQ(access("/tmp", F_OK), 0);
    CHECK_EQ(access("/tmp", R_OK | W_OK | X_OK), 0);
    CHECK_EQ(faccessat(AT_FDCWD, "/tmp", F_OK, 0), 0);
    CHECK_EQ(access("/", R_OK | X_OK), 0);
    CHECK_EQ(access(argv[0], X_OK), 0); /* our own executable */
    CHECK_EQ(access(argv[0], R_OK), 0);
    CHECK_ERRNO(access("/tmp/libos-no-such-file", F_OK), ENOENT);
    CHECK_ERRNO(faccessat(AT_FDCWD, "/tmp/libos-no-such-file", R_OK, 0), ENOENT);
    CHECK_ERRNO(access("/tmp", 0x100), EINVAL);

    char path[64], sub[96];
    tmp_path(path, sizeof(path), "access");
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(access(path, R_OK | W_OK), 0);
    /* a plain file without x bits is not executable, even for root */
    CHECK_ERRNO(access(path, X_OK), EACCES);
    CHECK_EQ(chmod(path, 0755), 0);
    CHECK_EQ(access(path, X_OK), 0);
    snprintf(sub, sizeof(sub), "%s/x", path);
    CHECK_ERRNO(access(sub, F_OK), ENOTDIR);

    /* relative to a directory fd */
    int dfd = open("/tmp", O_RDONLY | O_DIRECTORY);
    CHECK(dfd >= 0);
    CHECK_EQ(faccessat(dfd, base_name(path), F_OK, 0), 0);
    CHECK_ERRNO(faccessat(dfd, "libos-no-such-file", F_OK, 0), ENOENT);
    CHECK_EQ(close(dfd), 0);
    CHECK_EQ(unlink(path), 0);
    CHECK_ERRNO(access(path, F_OK), ENOENT);
    (void)argc;
    return 0;
}
