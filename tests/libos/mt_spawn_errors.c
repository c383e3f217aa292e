/* mt_spawn_errors: posix_spawn returns ENOENT, EACCES, ENOEXEC, ENOTDIR; no child is left. */
#define _GNU_SOURCE
#include <sys/stat.h>
#include "mt_util.h"

static void write_file(const char *path, const char *data, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, data, strlen(data)), (ssize_t)strlen(data));
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(chmod(path, mode), 0);
}

static void expect_spawn_error(const char *path, int err)
{
    char *av[] = {(char *)"x", NULL};
    pid_t pid = 12345;
    int r = posix_spawn(&pid, path, NULL, NULL, av, environ);
    if (r != err) {
        fprintf(stderr, "posix_spawn(%s) = %d (%s), expected %d (%s)\n", path, r, strerror(r), err,
                strerror(err));
        exit(1);
    }
    CHECK_ERRNO(waitpid(-1, NULL, WNOHANG), ECHILD);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "ok") == 0) return 0;
    char noexec[64], garbage[64], script[64], dirfile[80];
    tmp_path(noexec, sizeof(noexec), "mt-spawnerr-noexec");
    tmp_path(garbage, sizeof(garbage), "mt-spawnerr-garbage");
    tmp_path(script, sizeof(script), "mt-spawnerr-script");
    write_file(noexec, "\177ELF not really\n", 0644);
    write_file(garbage, "this is not an executable\n", 0755);
    write_file(script, "#!/nonexistent-mt-interpreter\n", 0755);
    snprintf(dirfile, sizeof(dirfile), "%s/x", noexec);

    expect_spawn_error("/nonexistent-mt-file", ENOENT);
    expect_spawn_error("/nonexistent-mt-dir/file", ENOENT);
    expect_spawn_error(noexec, EACCES);   /* no execute permission (even for root) */
    expect_spawn_error("/tmp", EACCES);   /* a directory */
    expect_spawn_error(garbage, ENOEXEC); /* executable mode, unknown format */
    expect_spawn_error(script, ENOENT);   /* #! interpreter missing */
    expect_spawn_error(dirfile, ENOTDIR); /* a regular file used as a directory */

    /* and a good spawn still works afterwards */
    char *av[] = {(char *)"mt", (char *)"ok", NULL};
    pid_t pid;
    CHECK_EQ(posix_spawn(&pid, "/proc/self/exe", NULL, NULL, av, NULL), 0);
    MT_WAIT_EXIT(pid, 0);

    unlink(noexec);
    unlink(garbage);
    unlink(script);
    return 0;
}
