/*
 * package.c: `occlum package [<name>.tar.gz]`: what `occlum run` and
 * `occlum start` need on another machine, in one archive: the signed
 * build (build/: the image, the protected config, the signature), the
 * instance's Occlum.json, and this installation's `occlum` and runtime
 * (the signature covers the runtime's measurement, so it must be that
 * very binary). Not in it: image/ (the sources of the build), the signing
 * key, run/ (this host's writable layer, sealed to this host).
 *
 * Unpacked anywhere, `<name>/occlum/bin/occlum run <path>` runs there: a
 * packaged instance (PACKAGE_MARK) has no image/ to compare the build
 * with, so `occlum run` takes the build as it is; the runtime verifies it
 * as always. The host needs the same libraries (OpenSSL, jansson, libyaml)
 * as this one.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CMD "package"

/* Runs argv; 0 when it exited with 0. */
static int run_tool(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int package_main(int argc, char **argv)
{
    char dir[PATH_MAX], prefix[PATH_MAX], out[PATH_MAX], tmp[32];
    /* mkdtemp's template: six X's for it to replace */
    snprintf(tmp, sizeof(tmp), "/tmp/occlum-package-%c%c%c%c%c%c", 'X', 'X', 'X', 'X', 'X', 'X');
    if (argc > 2) {
        cli_error(CMD, "unexpected argument %s (usage: occlum package [<name>.tar.gz])", argv[2]);
        return 1;
    }
    if (cli_instance(CMD, dir, sizeof(dir)) < 0 || cli_check_build(CMD, dir) < 0 ||
        cli_prefix(CMD, prefix, sizeof(prefix)) < 0)
        return 1;
    struct stat st;
    if (stat("image", &st) < 0) {
        cli_error(CMD, "this is a packaged instance already; package the instance it came from");
        return 1;
    }
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    if (!base[0]) base = "instance";
    if (pathf(out, sizeof(out), "%s%s", argc == 2 ? argv[1] : base, argc == 2 ? "" : ".tar.gz") <
        0) {
        cli_error(CMD, "the package's name is too long");
        return 1;
    }
    /* the archive's top directory: the name of the archive without .tar.gz */
    char top[NAME_MAX + 1];
    const char *ob = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
    if (strlen(ob) >= sizeof(top)) {
        cli_error(CMD, "%s: the name is too long", out);
        return 1;
    }
    memcpy(top, ob, strlen(ob) + 1);
    size_t tl = strlen(top);
    if (tl > 7 && !strcmp(top + tl - 7, ".tar.gz")) top[tl - 7] = '\0';
    if (!top[0] || strchr(top, ',') || strchr(top, '\\')) {
        cli_error(CMD, "%s: give a name such as app.tar.gz", out);
        return 1;
    }
    char stamp[DIGEST_HEX_LEN + 1], mark[PATH_MAX + 64];
    if (read_stamp(dir, stamp) < 0 || !mkdtemp(tmp) ||
        pathf(mark, sizeof(mark), "%s/%s", tmp, PACKAGE_MARK) < 0) {
        cli_error(CMD, "cannot prepare the package: %s", strerror(errno));
        return 1;
    }
    FILE *f = fopen(mark, "w");
    if (!f || fprintf(f, "%s\n", stamp) < 0 || fclose(f) != 0) {
        cli_error(CMD, "cannot write %s: %s", mark, strerror(errno));
        rmdir(tmp);
        return 1;
    }
    char xform_top[NAME_MAX + 32];
    snprintf(xform_top, sizeof(xform_top), "s,^,%s/,", top);
    char *tar[] = {"tar",
                   "-czf",
                   out,
                   "--exclude=build/.lock",
                   "--transform",
                   "s,^\\(bin\\|lib\\)/,occlum/\\1/,",
                   "--transform",
                   xform_top,
                   "-C",
                   dir,
                   "Occlum.json",
                   "build",
                   "-C",
                   tmp,
                   PACKAGE_MARK,
                   "-C",
                   prefix,
                   "bin/occlum",
                   "lib/occlum/occlum-libos",
                   NULL};
    int rc = run_tool(tar);
    unlink(mark);
    rmdir(tmp);
    if (rc < 0) {
        cli_error(CMD, "tar could not write %s; is GNU tar installed, and the directory writable?",
                  out);
        unlink(out);
        return 1;
    }
    printf("occlum package: %s (run it with %s/occlum/bin/occlum run <path> where it is "
           "unpacked)\n",
           out, top);
    return 0;
}

const struct cli_cmd cmd_package = {
    "package",
    "package [<name>.tar.gz]",
    "Pack the built instance for another machine.",
    "Writes <name>.tar.gz (default: the instance directory's name) holding\n"
    "<name>/: the signed build, Occlum.json, and this installation's occlum and\n"
    "LibOS runtime, the one the signature measured. Not image/ (the build's\n"
    "sources), not the signing key, not run/ (the writable layer is sealed to\n"
    "this host). Unpacked anywhere, <name>/occlum/bin/occlum run <path> (or\n"
    "start/exec) runs it there. The build must be up to date.\n",
    package_main,
};
