/*
 * runtime.c: what the commands that start the LibOS share (`occlum run`,
 * `occlum start`) and those that talk to a started one (`occlum exec`,
 * `occlum stop`): the build check, the --image-key option, the runtime
 * binary, and the server's socket.
 */
#include "cli/cli.h"

#include "common/exec_proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* 0 when build/ is current; else prints why and returns -1. */
int cli_check_build(const char *cmd, const char *dir)
{
    char path[PATH_MAX], stamp[DIGEST_HEX_LEN + 1], digest[DIGEST_HEX_LEN + 1], err[1024];
    struct stat st;
    pathf(path, sizeof(path), "%s/%s", dir, BUILD_ROOT);
    if (read_stamp(dir, stamp) < 0 || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        cli_error(cmd, "the instance is not built; run 'occlum build' first");
        return -1;
    }
    /* a packaged instance: no image/ to compare with; the build must be
     * the one it was packed with (the runtime verifies the rest) */
    char mark[PATH_MAX + 32];
    pathf(mark, sizeof(mark), "%s/%s", dir, PACKAGE_MARK);
    size_t mlen;
    char *packed = read_text(mark, &mlen);
    if (packed) {
        bool same = mlen >= DIGEST_HEX_LEN && !strncmp(packed, stamp, DIGEST_HEX_LEN);
        free(packed);
        if (same) return 0;
        cli_error(cmd, "this packaged instance's build was changed after packaging; unpack the "
                       "package again");
        return -1;
    }
    if (instance_digest(dir, digest, err, sizeof(err)) < 0) {
        cli_error(cmd, "cannot read the instance: %s", err);
        return -1;
    }
    if (strcmp(digest, stamp) != 0) {
        cli_error(cmd, "the build is stale (Occlum.json or image/ changed); run 'occlum build'");
        return -1;
    }
    return 0;
}

/*
 * `--image-key <file>` before the program: the encrypted image layer's key.
 * The runtime reads the file named by OCCLUM_IMAGE_KEY_FILE (sim PAL
 * main.c), so the option just sets that, as an absolute path.
 */
int cli_take_image_key(const char *cmd, int *argc, char ***argv)
{
    if (*argc < 2 || strcmp((*argv)[1], "--image-key") != 0) return 0;
    if (*argc < 3) {
        cli_error(cmd, "--image-key needs a key file (create one with 'occlum gen-image-key')");
        return -1;
    }
    char *abs = realpath((*argv)[2], NULL);
    if (!abs) {
        cli_error(cmd, "--image-key %s: %s", (*argv)[2], strerror(errno));
        return -1;
    }
    setenv("OCCLUM_IMAGE_KEY_FILE", abs, 1);
    free(abs);
    (*argv)[2] = (*argv)[0];
    *argv += 2;
    *argc -= 2;
    return 0;
}

int cli_take_trace_options(const char *cmd, int *argc, char ***argv)
{
    if (*argc < 2) return 0;
    const char *opt = (*argv)[1];
    if (strcmp(opt, "--stats") == 0) {
        setenv("OCCLUM_STATS", "1", 1);
    } else if (strcmp(opt, "--strace") == 0) {
        setenv("OCCLUM_STRACE", "-", 1);
    } else if (strncmp(opt, "--strace=", 9) == 0) {
        const char *file = opt + 9;
        char abs[PATH_MAX], cwd[PATH_MAX];
        if (!file[0]) {
            cli_error(cmd, "--strace=FILE needs a file name (or --strace for standard error)");
            return -1;
        }
        if (file[0] != '/' && !getcwd(cwd, sizeof(cwd))) {
            cli_error(cmd, "--strace=%s: cannot tell the current directory: %s", file,
                      strerror(errno));
            return -1;
        }
        if (pathf(abs, sizeof(abs), "%s%s%s", file[0] == '/' ? "" : cwd, file[0] == '/' ? "" : "/",
                  file) < 0) {
            cli_error(cmd, "--strace=%s: the path is too long", file);
            return -1;
        }
        setenv("OCCLUM_STRACE", abs, 1);
    } else {
        return 0;
    }
    (*argv)[1] = (*argv)[0];
    *argv += 1;
    *argc -= 1;
    return 0;
}

int cli_runtime(const char *cmd, char *out, size_t len)
{
    char prefix[PATH_MAX];
    if (cli_prefix(cmd, prefix, sizeof(prefix)) < 0) return -1;
    pathf(out, len, "%s/lib/occlum/occlum-libos", prefix);
    if (access(out, X_OK) < 0) {
        cli_error(cmd,
                  "the LibOS runtime %s is missing or not executable (%s); build it with "
                  "'make' or reinstall with 'make install'",
                  out, strerror(errno));
        return -1;
    }
    return 0;
}

int cli_server_connect(const char *dir)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (pathf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, EXEC_SOCKET) < 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
