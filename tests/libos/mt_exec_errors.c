/* mt_exec_errors: execve ENOENT, EACCES, ENOEXEC (garbage, tiny, empty), ENOTDIR, EFAULT. */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/syscall.h>
#include "mt_util.h"

static void write_file(const char *path, const char *data, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, data, n), (ssize_t)n);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(chmod(path, mode), 0);
}

int main(void)
{
    char *av[] = {(char *)"x", NULL};
    char *ev[] = {NULL};
    char noexec[64], garbage[64], tiny[64], empty[64], notdir[80];
    tmp_path(noexec, sizeof(noexec), "mt-execerr-noexec");
    tmp_path(garbage, sizeof(garbage), "mt-execerr-garbage");
    tmp_path(tiny, sizeof(tiny), "mt-execerr-tiny");
    tmp_path(empty, sizeof(empty), "mt-execerr-empty");
    snprintf(notdir, sizeof(notdir), "%s/x", garbage);

    /* a real ELF header but mode 0644: EACCES */
    int self = open("/proc/self/exe", O_RDONLY);
    CHECK(self >= 0);
    char hdr[512];
    CHECK_EQ(read(self, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
    close(self);
    write_file(noexec, hdr, sizeof(hdr), 0644);
    char junk[256];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 37 + 11);
    junk[0] = 'Z';
    write_file(garbage, junk, sizeof(junk), 0755);
    write_file(tiny, "ab", 2, 0755);
    write_file(empty, "", 0, 0755);

    CHECK_ERRNO(execve("/nonexistent-mt-file", av, ev), ENOENT);
    CHECK_ERRNO(execve("/nonexistent-mt-dir/x", av, ev), ENOENT);
    CHECK_ERRNO(execve("", av, ev), ENOENT);
    CHECK_ERRNO(execve(noexec, av, ev), EACCES);
    CHECK_ERRNO(execve("/tmp", av, ev), EACCES);
    CHECK_ERRNO(execve(garbage, av, ev), ENOEXEC);
    CHECK_ERRNO(execve(tiny, av, ev), ENOEXEC);
    CHECK_ERRNO(execve(empty, av, ev), ENOEXEC);
    CHECK_ERRNO(execve(notdir, av, ev), ENOTDIR);
    CHECK_ERRNO(syscall(SYS_execve, (char *)1, av, ev), EFAULT);
    CHECK_ERRNO(syscall(SYS_execve, "/proc/self/exe", (char **)1, ev), EFAULT);

    /* still ourselves, fully working */
    CHECK_EQ(write(1, "", 0), 0);
    unlink(noexec);
    unlink(garbage);
    unlink(tiny);
    unlink(empty);
    return 0;
}
