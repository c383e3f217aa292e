/*
 * new.c: `occlum new <dir>` and `occlum init`: lay out an instance as
 * Occlum does (Occlum.json, image/, run/) and seed image/ with what
 * dynamically linked programs need: the musl loader, glibc's loader and core
 * libraries, and a minimal /etc. It also generates the instance's signing
 * key (Occlum_sign_key.pem, outside image/ so it never enters the build).
 */
#include "cli/cli.h"
#include "common/measure.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const image_dirs[] = {"bin",
                                         "lib",
                                         "lib64",
                                         "etc",
                                         "root",
                                         "tmp",
                                         "dev",
                                         "proc",
                                         "host",
                                         "opt",
                                         "lib/x86_64-linux-gnu"};

/* Where Debian keeps the glibc runtime. */
static const char *const glibc_dirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                         "/lib64", "/usr/lib64"};
static const char *const glibc_libs[] = {"ld-linux-x86-64.so.2", "libc.so.6",    "libm.so.6",
                                         "libpthread.so.0",      "libdl.so.2",   "librt.so.1",
                                         "libstdc++.so.6",       "libgcc_s.so.1"};

#define MUSL_LOADER "/lib/ld-musl-x86_64.so.1"
#define GLIBC_LOADER "/lib64/ld-linux-x86-64.so.2"

static const char etc_hosts[] = "127.0.0.1\tlocalhost\n"
                                "::1\tlocalhost ip6-localhost ip6-loopback\n";
static const char etc_passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
                                 "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char etc_group[] = "root:x:0:\n"
                                "nogroup:x:65534:\n";
/* glibc >= 2.34 has files and dns built in, so no libnss_*.so is needed. */
static const char etc_nsswitch[] = "passwd: files\n"
                                   "group: files\n"
                                   "shadow: files\n"
                                   "hosts: files dns\n"
                                   "networks: files\n"
                                   "protocols: files\n"
                                   "services: files\n";

/* Copies the real file behind `src` (symlinks resolved) to `dst`. */
static int copy_resolved(const char *src, const char *dst)
{
    char real[PATH_MAX];
    if (!realpath(src, real)) return -1;
    struct stat st;
    if (stat(real, &st) < 0) return -1;
    return copy_file(real, dst, (st.st_mode & 07777) | 0444);
}

static int copy_musl(const char *cmd, const char *image)
{
    char dst[PATH_MAX], lnk[PATH_MAX];
    pathf(dst, sizeof(dst), "%s/lib/ld-musl-x86_64.so.1", image);
    if (copy_resolved(MUSL_LOADER, dst) < 0) {
        cli_warn(cmd,
                 "%s not found (%s): programs built with occlum-gcc will not run until musl is "
                 "installed ('apt-get install musl') and the instance is re-created",
                 MUSL_LOADER, strerror(errno));
        return 0;
    }
    /* musl's loader is also its libc; programs link against "libc.so". */
    pathf(lnk, sizeof(lnk), "%s/lib/libc.so", image);
    if (unlink(lnk) < 0 && errno != ENOENT) return -1;
    return symlink("ld-musl-x86_64.so.1", lnk);
}

static int find_glibc_lib(const char *name, char *out, size_t len)
{
    for (size_t i = 0; i < sizeof(glibc_dirs) / sizeof(glibc_dirs[0]); i++) {
        snprintf(out, len, "%s/%s", glibc_dirs[i], name);
        if (access(out, R_OK) == 0) return 0;
    }
    return -1;
}

static int copy_glibc(const char *cmd, const char *image)
{
    char src[PATH_MAX], dst[PATH_MAX];
    pathf(dst, sizeof(dst), "%s/lib64/ld-linux-x86-64.so.2", image);
    if (copy_resolved(GLIBC_LOADER, dst) < 0) {
        cli_warn(cmd, "%s not found (%s): glibc programs will not run in this instance",
                 GLIBC_LOADER, strerror(errno));
    }
    for (size_t i = 0; i < sizeof(glibc_libs) / sizeof(glibc_libs[0]); i++) {
        pathf(dst, sizeof(dst), "%s/lib/x86_64-linux-gnu/%s", image, glibc_libs[i]);
        if (find_glibc_lib(glibc_libs[i], src, sizeof(src)) < 0) {
            cli_warn(cmd, "%s not found on this host: glibc programs that need it will not run",
                     glibc_libs[i]);
            continue;
        }
        if (copy_resolved(src, dst) < 0) {
            cli_error(cmd, "cannot copy %s to %s: %s", src, dst, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int write_etc(const char *cmd, const char *image)
{
    static const struct {
        const char *name, *text;
    } files[] = {{"hosts", etc_hosts},
                 {"passwd", etc_passwd},
                 {"group", etc_group},
                 {"nsswitch.conf", etc_nsswitch}};
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        pathf(path, sizeof(path), "%s/etc/%s", image, files[i].name);
        if (write_text(path, files[i].text, 0644) < 0) {
            cli_error(cmd, "cannot write %s: %s", path, strerror(errno));
            return -1;
        }
    }
    /* The host's resolver config, if we may read it; DNS works without it
     * only for names in /etc/hosts. */
    pathf(path, sizeof(path), "%s/etc/resolv.conf", image);
    if (access("/etc/resolv.conf", R_OK) == 0 && copy_resolved("/etc/resolv.conf", path) < 0) {
        cli_error(cmd, "cannot copy /etc/resolv.conf to %s: %s", path, strerror(errno));
        return -1;
    }
    if (access(path, F_OK) == 0) chmod(path, 0644);
    return 0;
}

static int make_layout(const char *cmd, const char *dir)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof(image_dirs) / sizeof(image_dirs[0]); i++) {
        pathf(path, sizeof(path), "%s/image/%s", dir, image_dirs[i]);
        if (mkdir_p(path, 0755) < 0) {
            cli_error(cmd, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
    }
    pathf(path, sizeof(path), "%s/run", dir);
    if (mkdir_p(path, 0755) < 0) {
        cli_error(cmd, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int copy_template(const char *cmd, const char *dir)
{
    char prefix[PATH_MAX], tmpl[PATH_MAX + 64], dst[PATH_MAX];
    if (cli_prefix(cmd, prefix, sizeof(prefix)) < 0) return -1;
    pathf(tmpl, sizeof(tmpl), "%s/share/occlum/Occlum.json", prefix);
    pathf(dst, sizeof(dst), "%s/Occlum.json", dir);
    if (copy_file(tmpl, dst, 0644) < 0) {
        cli_error(cmd,
                  "cannot copy the Occlum.json template %s: %s; reinstall with 'make' or "
                  "'make install'",
                  tmpl, strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * The instance's own RSA-3072 (e = 3) signing key, mode 0600. `occlum init`
 * keeps a key that is already there: it is the user's.
 */
static int make_sign_key(const char *cmd, const char *dir)
{
    char path[PATH_MAX + 32], err[PATH_MAX + 256];
    pathf(path, sizeof(path), "%s/%s", dir, MEASURE_KEY_PATH);
    if (access(path, F_OK) == 0) return 0;
    measure_key *key = measure_key_generate(err, sizeof(err));
    int rc = key ? measure_key_save(key, path, err, sizeof(err)) : -1;
    measure_key_free(key);
    if (rc < 0) cli_error(cmd, "%s", err);
    return rc;
}

/* Fills `dir` (which exists) with a fresh instance. */
static int init_instance(const char *cmd, const char *dir)
{
    char image[PATH_MAX];
    pathf(image, sizeof(image), "%s/image", dir);
    if (copy_template(cmd, dir) < 0 || make_layout(cmd, dir) < 0) return -1;
    if (copy_musl(cmd, image) < 0) {
        cli_error(cmd, "cannot link %s/lib/libc.so: %s", image, strerror(errno));
        return -1;
    }
    if (copy_glibc(cmd, image) < 0 || write_etc(cmd, image) < 0) return -1;
    return make_sign_key(cmd, dir);
}

/* Undoes a failed `occlum new`: only what it created. */
static void discard(const char *cmd, const char *dir, bool created)
{
    static const char *const parts[] = {"Occlum.json", "image", "run"};
    char failed[PATH_MAX + 64] = "", path[PATH_MAX];
    if (created) {
        remove_tree(dir, failed, sizeof(failed));
    } else {
        for (size_t i = 0; i < 3; i++) {
            pathf(path, sizeof(path), "%s/%s", dir, parts[i]);
            remove_tree(path, failed, sizeof(failed));
        }
    }
    if (failed[0]) cli_warn(cmd, "could not clean up %s", failed);
}

static int new_main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        cli_error("new", "expected one directory: occlum new <dir>");
        return 1;
    }
    const char *dir = argv[1];
    struct stat st;
    bool created = false;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            cli_error("new", "%s already exists and is not a directory; choose another directory",
                      dir);
            return 1;
        }
        if (dir_is_empty(dir) != 1) {
            cli_error("new", "%s already exists and is not empty; choose another directory", dir);
            return 1;
        }
    } else {
        if (mkdir_p(dir, 0755) < 0) {
            cli_error("new", "cannot create %s: %s", dir, strerror(errno));
            return 1;
        }
        created = true;
    }
    char abs[PATH_MAX];
    if (!realpath(dir, abs)) {
        cli_error("new", "cannot resolve %s: %s", dir, strerror(errno));
        return 1;
    }
    if (init_instance("new", abs) < 0) {
        discard("new", abs, created);
        return 1;
    }
    printf("Created a new Occlum instance in %s\n", abs);
    return 0;
}

static int init_main(int argc, char **argv)
{
    if (argc != 1) {
        cli_error("init", "takes no arguments; it initializes the current directory (for another "
                          "directory use 'occlum new <dir>')");
        return 1;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) {
        cli_error("init", "cannot get the current directory: %s", strerror(errno));
        return 1;
    }
    if (access("Occlum.json", F_OK) == 0) {
        cli_error("init",
                  "Occlum.json already exists in %s; this is already an Occlum instance "
                  "(remove Occlum.json to start over)",
                  cwd);
        return 1;
    }
    if (init_instance("init", cwd) < 0) return 1;
    printf("Initialized an Occlum instance in %s\n", cwd);
    return 0;
}

const struct cli_cmd cmd_new = {
    "new",
    "new <dir>",
    "Create a new Occlum instance in <dir>.",
    "<dir> is created if missing; it must not exist or be empty. The instance has:\n"
    "  Occlum.json   the configuration (from the installed template)\n"
    "  image/        the root file system: copy your programs into image/bin\n"
    "                (it already holds the musl and glibc loaders and core libraries)\n"
    "  run/          run-time state (the writable layer)\n"
    "  Occlum_sign_key.pem  the instance's signing key (RSA-3072, e=3, mode 0600)\n"
    "Then: cd <dir>; occlum build; occlum run /bin/<program>\n",
    new_main,
};

const struct cli_cmd cmd_init = {
    "init",
    "init",
    "Make the current directory an Occlum instance.",
    "Same layout as 'occlum new'. Refuses when Occlum.json already exists.\n",
    init_main,
};
