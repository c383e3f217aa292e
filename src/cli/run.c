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

static int run_main(int argc, char **argv)
{
    if (argc < 2) {
        cli_error(CMD, "expected a program: occlum run <path> [args...], e.g. occlum run "
                       "/bin/hello_world");
        return 1;
    }
    for (int before = 0; before != argc;) { /* the options, in any order */
        before = argc;
        if (cli_take_image_key(CMD, &argc, &argv) < 0) return 1;
        if (cli_take_trace_options(CMD, &argc, &argv) < 0) return 1;
    }
    if (argc < 2) {
        cli_error(CMD, "expected a program after the options");
        return 1;
    }
    char dir[PATH_MAX], runtime[PATH_MAX + 32];
    if (cli_instance(CMD, dir, sizeof(dir)) < 0 || cli_check_build(CMD, dir) < 0) return 1;
    int conn = cli_server_connect(dir);
    if (conn >= 0) {
        close(conn);
        cli_error(CMD,
                  "the instance is running ('occlum start'): use 'occlum exec %s', or "
                  "'occlum stop' it first",
                  argv[1]);
        return 1;
    }
    if (cli_runtime(CMD, runtime, sizeof(runtime)) < 0) return 1;
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
    "run [--strace[=FILE]] [--stats] <path> [args...]",
    "Run the program <path> of the image in the LibOS.",
    "Must run inside a built instance. <path> is a path inside the image, e.g.\n"
    "/bin/hello_world, and must lie under one of Occlum.json's entry_points.\n"
    "The exit status is the program's: 128+N when it was killed by signal N,\n"
    "127 when <path> does not exist, 126 when it cannot be executed (not ELF,\n"
    "wrong architecture, outside entry_points). Only the variables named in\n"
    "env.untrusted pass from the host environment; env.default are always set.\n"
    "OCCLUM_LOG_LEVEL=off|error|warn|info|debug|trace sets the LibOS's logging.\n"
    "Before <path>, --image-key <file> (or OCCLUM_IMAGE_KEY_FILE=<file>) gives the key of\n"
    "an encrypted image layer (occlum build --image-key).\n"
    "--strace[=FILE] prints every system call of every process like strace -f (to\n"
    "standard error, or to FILE on the host); --stats prints, when the program exits,\n"
    "strace -c's table per system call plus how many calls took the slower trap\n"
    "instead of the fast path.\n",
    run_main,
};
