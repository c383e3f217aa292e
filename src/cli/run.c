/*
 * run.c: `occlum run <path> [args...]`: check that the instance is built
 * and the build matches Occlum.json and image/, then exec the LibOS runtime
 * (<prefix>/lib/occlum/occlum-libos <instance> <path> [args...]). execv
 * replaces this process, so the program's exit status and signals reach the
 * caller unchanged; the environment is passed as is (the runtime filters it
 * through env.untrusted itself).
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "run"

/* 0 when build/ is current; else prints why and returns -1. */
static int check_build(const char *dir)
{
    char path[PATH_MAX], stamp[DIGEST_HEX_LEN + 1], digest[DIGEST_HEX_LEN + 1], err[1024];
    struct stat st;
    pathf(path, sizeof(path), "%s/%s", dir, BUILD_ROOT);
    if (read_stamp(dir, stamp) < 0 || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
        cli_error(CMD, "the instance is not built; run 'occlum build' first");
        return -1;
    }
    if (instance_digest(dir, digest, err, sizeof(err)) < 0) {
        cli_error(CMD, "cannot read the instance: %s", err);
        return -1;
    }
    if (strcmp(digest, stamp) != 0) {
        cli_error(CMD, "the build is stale (Occlum.json or image/ changed); run 'occlum build'");
        return -1;
    }
    return 0;
}

/*
 * `--image-key <file>` before the program: the encrypted image layer's key.
 * The runtime reads the file named by OCCLUM_IMAGE_KEY_FILE (sim PAL
 * main.c), so the option just sets that, as an absolute path.
 */
static int take_image_key(int *argc, char ***argv)
{
    if (*argc < 2 || strcmp((*argv)[1], "--image-key") != 0) return 0;
    if (*argc < 3) {
        cli_error(CMD, "--image-key needs a key file (create one with 'occlum gen-image-key')");
        return -1;
    }
    char *abs = realpath((*argv)[2], NULL);
    if (!abs) {
        cli_error(CMD, "--image-key %s: %s", (*argv)[2], strerror(errno));
        return -1;
    }
    setenv("OCCLUM_IMAGE_KEY_FILE", abs, 1);
    free(abs);
    (*argv)[2] = (*argv)[0];
    *argv += 2;
    *argc -= 2;
    return 0;
}

static int run_main(int argc, char **argv)
{
    if (argc < 2) {
        cli_error(CMD, "expected a program: occlum run <path> [args...], e.g. occlum run "
                       "/bin/hello_world");
        return 1;
    }
    if (take_image_key(&argc, &argv) < 0) return 1;
    if (argc < 2) {
        cli_error(CMD, "expected a program after --image-key <file>");
        return 1;
    }
    char dir[PATH_MAX], prefix[PATH_MAX], runtime[PATH_MAX + 32];
    if (cli_instance(CMD, dir, sizeof(dir)) < 0 || check_build(dir) < 0) return 1;
    if (cli_prefix(CMD, prefix, sizeof(prefix)) < 0) return 1;
    pathf(runtime, sizeof(runtime), "%s/lib/occlum/occlum-libos", prefix);
    if (access(runtime, X_OK) < 0) {
        cli_error(CMD,
                  "the LibOS runtime %s is missing or not executable (%s); build it with "
                  "'make' or reinstall with 'make install'",
                  runtime, strerror(errno));
        return 1;
    }
    /* runtime, instance, path, args..., NULL */
    char **args = calloc((size_t)argc + 2, sizeof(*args));
    if (!args) {
        cli_error(CMD, "out of memory");
        return 1;
    }
    args[0] = runtime;
    args[1] = dir;
    for (int i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    fflush(stdout);
    execv(runtime, args);
    cli_error(CMD, "cannot start the LibOS runtime %s: %s", runtime, strerror(errno));
    free(args);
    return 1;
}

const struct cli_cmd cmd_run = {
    "run",
    "run <path> [args...]",
    "Run the program <path> of the image in the LibOS.",
    "Must run inside a built instance. <path> is a path inside the image, e.g.\n"
    "/bin/hello_world, and must lie under one of Occlum.json's entry_points.\n"
    "The exit status is the program's: 128+N when it was killed by signal N,\n"
    "127 when <path> does not exist, 126 when it cannot be executed (not ELF,\n"
    "wrong architecture, outside entry_points). Only the variables named in\n"
    "env.untrusted pass from the host environment; env.default are always set.\n"
    "OCCLUM_LOG_LEVEL=off|error|warn|info|debug|trace sets the LibOS's logging.\n"
    "Before <path>, --image-key <file> (or OCCLUM_IMAGE_KEY_FILE=<file>) gives the key of\n"
    "an encrypted image layer (occlum build --image-key).\n",
    run_main,
};
