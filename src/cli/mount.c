/*
 * mount.c: `occlum mount [--image-key <file>] <dir>`: check, as `occlum
 * run` does, that the instance is built and the build is current, then
 * exec the FUSE server (<prefix>/lib/occlum/occlum-fuse <instance> <dir>,
 * src/fuse/), which verifies the signed build and serves the instance's
 * union tree (image layer under the writable layer) at <dir> until it is
 * unmounted or interrupted. Like Occlum's `occlum mount`, it stays in the
 * foreground: the command returns once the tree is unmounted and every
 * change is committed.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "mount"

static int mount_main(int argc, char **argv)
{
    const char *target = NULL, *key = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--image-key") == 0) {
            if (i + 1 >= argc) {
                cli_error(CMD, "--image-key needs a key file (the one given to 'occlum build "
                               "--image-key')");
                return 1;
            }
            key = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error(CMD, "unknown option %s; usage: occlum mount [--image-key <file>] <dir>",
                      argv[i]);
            return 1;
        } else if (target) {
            cli_error(CMD, "one mount point only; usage: occlum mount [--image-key <file>] <dir>");
            return 1;
        } else {
            target = argv[i];
        }
    }
    if (!target) {
        cli_error(CMD, "expected a directory: occlum mount [--image-key <file>] <dir>");
        return 1;
    }
    char dir[PATH_MAX], prefix[PATH_MAX], server[PATH_MAX + 32];
    if (cli_instance(CMD, dir, sizeof(dir)) < 0 || cli_check_build(CMD, dir) < 0) return 1;
    if (key) {
        /* The server reads OCCLUM_IMAGE_KEY_FILE, as the runtime does. */
        char *abs = realpath(key, NULL);
        if (!abs) {
            cli_error(CMD, "--image-key %s: %s", key, strerror(errno));
            return 1;
        }
        setenv("OCCLUM_IMAGE_KEY_FILE", abs, 1);
        free(abs);
    }
    char *mnt = realpath(target, NULL);
    struct stat st;
    if (!mnt || stat(mnt, &st) < 0 || !S_ISDIR(st.st_mode)) {
        cli_error(CMD, "%s: %s; create the directory first (mkdir %s)", target,
                  mnt ? "not a directory" : strerror(errno), target);
        free(mnt);
        return 1;
    }
    if (cli_prefix(CMD, prefix, sizeof(prefix)) < 0) {
        free(mnt);
        return 1;
    }
    pathf(server, sizeof(server), "%s/lib/occlum/occlum-fuse", prefix);
    if (access(server, X_OK) < 0) {
        cli_error(CMD,
                  "the FUSE server %s is missing or not executable (%s); build it with 'make' "
                  "(needs libfuse3-dev) or reinstall with 'make install'",
                  server, strerror(errno));
        free(mnt);
        return 1;
    }
    char *args[] = {server, dir, mnt, NULL};
    fflush(stdout);
    execv(server, args);
    cli_error(CMD, "cannot start the FUSE server %s: %s", server, strerror(errno));
    free(mnt);
    return 1;
}

const struct cli_cmd cmd_mount = {
    "mount",
    "mount [--image-key <file>] <dir>",
    "Mount the instance's file system (image and writable layer) at <dir> with FUSE.",
    "Must run inside a built instance whose build is current, and verifies the build\n"
    "as 'occlum run' does (signature, config, image root MAC, writable layer).\n"
    "<dir> must be an existing directory. The tree is what a program sees at /: the\n"
    "image layer under the writable layer. Changes land in the writable layer exactly\n"
    "as if made inside (copy-up, whiteouts) and the next 'occlum run' sees them.\n"
    "Stays in the foreground until the tree is unmounted ('fusermount3 -u <dir>' or\n"
    "'umount <dir>') or the command gets Ctrl-C / SIGTERM; changes are committed at\n"
    "fsync, at the close of a changed file and at that end. While mounted, the\n"
    "instance is locked: 'occlum run' and another 'occlum mount' refuse to start.\n"
    "--image-key <file> (or OCCLUM_IMAGE_KEY_FILE=<file>) gives the key of an encrypted\n"
    "image layer (occlum build --image-key).\n",
    mount_main,
};
