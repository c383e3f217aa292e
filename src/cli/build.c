/*
 * build.c: `occlum build`: validate Occlum.json, then produce build/:
 *   build/mount/__ROOT/sefs.img  the image layer: image/ in SEFS format
 *                                (build_image.c, docs/sefs-format.md)
 *   build/Occlum.json.protected  the validated config the runtime reads
 *   build/.stamp                 the digest of the inputs (see instance.c)
 *   build/occlum.sig             the signed measurement (common/measure.h)
 * The new build is assembled in build.new/ and swapped in at the end, so a
 * failed build leaves the previous one untouched. The writable layer in
 * run/mount/__ROOT is created if missing and otherwise kept: it holds what
 * programs wrote at run time.
 */
#include "cli/cli.h"
#include "common/config.h"
#include "common/measure.h"
#include "cli/build_image.h" /* sefs image layer (storage) */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "build"

struct build_opts {
    bool force;
    const char *sign_key;
};

/* --image-key <file>: the encrypted image layer's key (build_image.c) */
static const char *image_key_file;

static int parse_opts(int argc, char **argv, struct build_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force")) {
            o->force = true;
        } else if (!strcmp(argv[i], "--sign-key") && i + 1 < argc) {
            o->sign_key = argv[++i];
        } else if (!strncmp(argv[i], "--sign-key=", 11)) {
            o->sign_key = argv[i] + 11;
        } else if (!strcmp(argv[i], "--image-key") && i + 1 < argc) {
            /* sefs: encrypt the image layer; a new key means a new image */
            image_key_file = argv[++i];
            o->force = true;
        } else {
            cli_error(CMD, "unknown option '%s'; see 'occlum build --help'", argv[i]);
            return -1;
        }
    }
    return 0;
}

/* ---- signing and measurement (see common/measure.h) ---- */

/* The key this build signs with: one `occlum build` signs one build. */
static measure_key *sign_key;

/* --sign-key <pem>, else the key `occlum new` made in the instance. */
static int load_sign_key(const char *dir, const char *path)
{
    char def[PATH_MAX + 32], err[PATH_MAX + 256];
    if (!path) {
        pathf(def, sizeof(def), "%s/%s", dir, MEASURE_KEY_PATH);
        if (access(def, F_OK) < 0) {
            cli_error(CMD,
                      "no signing key: %s is missing; create one with 'openssl genrsa -3 -out "
                      "%s 3072' or pass --sign-key <pem>",
                      def, MEASURE_KEY_PATH);
            return -1;
        }
        path = def;
    }
    sign_key = measure_key_load(path, err, sizeof(err));
    if (!sign_key) {
        cli_error(CMD, "%s%s", path == def ? "" : "--sign-key ", err);
        return -1;
    }
    return 0;
}

/*
 * Measures the runtime binary and <build>/Occlum.json.protected and writes
 * <build>/occlum.sig, unless it already holds exactly that signature (PKCS#1
 * v1.5 is deterministic). *changed says whether it was written.
 */
static int sign_build(const char *build, bool *changed)
{
    char prefix[PATH_MAX], path[PATH_MAX + 64], err[PATH_MAX + 256];
    uint8_t rt[MEASURE_HASH_LEN], cfg[MEASURE_HASH_LEN];
    if (cli_prefix(CMD, prefix, sizeof(prefix)) < 0) return -1;
    pathf(path, sizeof(path), "%s/lib/occlum/occlum-libos", prefix);
    if (measure_file(path, rt) < 0) {
        cli_error(CMD, "cannot measure the LibOS runtime %s: %s; build it with 'make'", path,
                  strerror(errno));
        return -1;
    }
    pathf(path, sizeof(path), "%s/Occlum.json.protected", build);
    if (measure_file(path, cfg) < 0) {
        cli_error(CMD, "cannot measure %s: %s", path, strerror(errno));
        return -1;
    }
    struct occlum_sig sig, old;
    if (measure_sign(sign_key, rt, cfg, &sig, err, sizeof(err)) < 0) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    pathf(path, sizeof(path), "%s/occlum.sig", build);
    *changed =
        measure_sig_read(path, &old, err, sizeof(err)) < 0 || memcmp(&old, &sig, sizeof(sig)) != 0;
    if (*changed && measure_sig_write(path, &sig, err, sizeof(err)) < 0) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    return 0;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool up_to_date(const char *dir, const char *digest)
{
    char stamp[DIGEST_HEX_LEN + 1], path[PATH_MAX];
    if (read_stamp(dir, stamp) < 0 || strcmp(stamp, digest) != 0) return false;
    pathf(path, sizeof(path), "%s/%s", dir, BUILD_ROOT);
    if (!is_dir(path)) return false;
    pathf(path, sizeof(path), "%s/%s", dir, BUILD_CONFIG);
    return access(path, R_OK) == 0;
}

/* Fills `out` (build.new/) from image/ and Occlum.json. */
static int assemble(const char *dir, const char *out, const char *digest)
{
    char src[PATH_MAX], dst[PATH_MAX + 64], err[PATH_MAX + 128];
    pathf(dst, sizeof(dst), "%s/mount", out);
    if (mkdir_p(dst, 0755) < 0) {
        cli_error(CMD, "cannot create %s: %s", dst, strerror(errno));
        return -1;
    }
    pathf(src, sizeof(src), "%s/image", dir);
    pathf(dst, sizeof(dst), "%s/mount/__ROOT", out);
    /* sefs: image/ packed into the image layer, its root MAC in the config */
    char mac[SEFS_MAC_HEX + 1];
    err[0] = 0;
    if (mkdir_p(dst, 0755) < 0 ||
        image_build(src, dst, image_key_file, mac, err, sizeof(err)) < 0) {
        cli_error(CMD, "cannot build the image layer: %s",
                  errno && !err[0] ? strerror(errno) : err);
        return -1;
    }
    pathf(src, sizeof(src), "%s/Occlum.json", dir);
    pathf(dst, sizeof(dst), "%s/Occlum.json.protected", out);
    if (image_write_config(src, dst, mac, err, sizeof(err)) < 0) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    char line[DIGEST_HEX_LEN + 2];
    pathf(line, sizeof(line), "%s\n", digest);
    pathf(dst, sizeof(dst), "%s/.stamp", out);
    if (write_text(dst, line, 0644) < 0) {
        cli_error(CMD, "cannot write %s: %s", dst, strerror(errno));
        return -1;
    }
    return 0;
}

/* Replaces build/ by build.new/. */
static int swap_in(const char *dir, const char *fresh)
{
    char build[PATH_MAX], old[PATH_MAX + 32], failed[PATH_MAX + 64] = "";
    pathf(build, sizeof(build), "%s/build", dir);
    pathf(old, sizeof(old), "%s/build.old.%d", dir, (int)getpid());
    bool had_old = access(build, F_OK) == 0;
    if (had_old && rename(build, old) < 0) {
        cli_error(CMD, "cannot move the old %s aside: %s", build, strerror(errno));
        return -1;
    }
    if (rename(fresh, build) < 0) {
        cli_error(CMD, "cannot rename %s to %s: %s", fresh, build, strerror(errno));
        if (had_old) rename(old, build);
        return -1;
    }
    if (had_old && remove_tree(old, failed, sizeof(failed)) < 0)
        cli_warn(CMD, "could not remove the old build (%s); delete it by hand", failed);
    return 0;
}

static int ensure_run_root(const char *dir)
{
    char path[PATH_MAX];
    pathf(path, sizeof(path), "%s/%s", dir, RUN_ROOT);
    if (mkdir_p(path, 0755) < 0) {
        cli_error(CMD, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int do_build(const char *dir, const char *digest)
{
    char fresh[PATH_MAX], failed[PATH_MAX + 64] = "";
    pathf(fresh, sizeof(fresh), "%s/build.new", dir);
    if (remove_tree(fresh, failed, sizeof(failed)) < 0) {
        cli_error(CMD, "cannot remove a leftover %s (%s); delete it by hand", fresh, failed);
        return -1;
    }
    bool signed_now;
    if (assemble(dir, fresh, digest) < 0 || sign_build(fresh, &signed_now) < 0 ||
        swap_in(dir, fresh) < 0) {
        remove_tree(fresh, failed, sizeof(failed));
        return -1;
    }
    return ensure_run_root(dir);
}

/*
 * True when <build>/occlum.sig verifies and signs the config that is there.
 * Otherwise build/ was changed behind our back and is rebuilt, never
 * re-signed: signing a config `occlum build` did not write would bless it.
 */
static bool config_signed(const char *build)
{
    char path[PATH_MAX + 32], err[PATH_MAX + 256];
    struct occlum_sig sig;
    uint8_t cfg[MEASURE_HASH_LEN];
    pathf(path, sizeof(path), "%s/occlum.sig", build);
    if (measure_sig_read(path, &sig, err, sizeof(err)) < 0 ||
        measure_sig_verify(&sig, err, sizeof(err)) < 0)
        return false;
    pathf(path, sizeof(path), "%s/Occlum.json.protected", build);
    return measure_file(path, cfg) == 0 && !memcmp(cfg, sig.config_hash, sizeof(cfg));
}

/* An up-to-date build/ whose runtime or key may have changed: re-sign it. */
static int resign(const char *dir)
{
    char build[PATH_MAX + 8];
    bool changed;
    pathf(build, sizeof(build), "%s/build", dir);
    if (sign_build(build, &changed) < 0 || ensure_run_root(dir) < 0) return -1;
    if (changed)
        printf("occlum build: up to date; re-signed %s/occlum.sig (the runtime or the signing "
               "key changed)\n",
               build);
    else
        printf("occlum build: up to date\n");
    return 0;
}

static int build_main(int argc, char **argv)
{
    struct build_opts o;
    char dir[PATH_MAX], err[1024], image[PATH_MAX + 8];
    if (parse_opts(argc, argv, &o) < 0 || cli_instance(CMD, dir, sizeof(dir)) < 0) return 1;

    struct occlum_config cfg;
    if (config_load("Occlum.json", &cfg, err, sizeof(err)) < 0) {
        cli_error(CMD, "%s", err);
        return 1;
    }
    config_free(&cfg);
    pathf(image, sizeof(image), "%s/image", dir);
    if (!is_dir(image)) {
        cli_error(CMD,
                  "%s is missing; create it (programs go in image/bin) or re-create the "
                  "instance with 'occlum new'",
                  image);
        return 1;
    }
    if (load_sign_key(dir, o.sign_key) < 0) return 1;

    char digest[DIGEST_HEX_LEN + 1];
    if (instance_digest(dir, digest, err, sizeof(err)) < 0) {
        cli_error(CMD, "cannot read the instance: %s", err);
        return 1;
    }
    char build[PATH_MAX + 8];
    pathf(build, sizeof(build), "%s/build", dir);
    bool current = !o.force && up_to_date(dir, digest) && config_signed(build);
    int rc = current ? resign(dir) : do_build(dir, digest);
    measure_key_free(sign_key);
    if (rc < 0) return 1;
    if (!current) printf("Built the Occlum instance in %s/build\n", dir);
    return 0;
}

const struct cli_cmd cmd_build = {
    "build",
    "build [-f] [--sign-key <pem>] [--image-key <file>]",
    "Validate Occlum.json and build image/ into build/.",
    "Must run inside an instance (the directory holding Occlum.json).\n"
    "  -f, --force         rebuild even when Occlum.json and image/ did not change\n"
    "  --image-key <file>  encrypt the image layer with this key (occlum gen-image-key);\n"
    "                      without it the image is integrity-protected, not encrypted\n"
    "  --sign-key <pem>    sign with this RSA-3072 key (public exponent 3) instead of\n"
    "                      the instance's Occlum_sign_key.pem\n"
    "The build is incremental: with no change since the last build it prints\n"
    "'occlum build: up to date'. run/mount/__ROOT (files written at run time) is kept.\n",
    build_main,
};
