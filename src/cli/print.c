/*
 * print.c: `occlum print mrenclave|mrsigner|image-mac`: the measurement, the
 * signer identity and the image layer's root MAC of the last build, read
 * from build/occlum.sig and the protected config (whose signature is checked
 * first, so what is printed is what was signed), as lowercase hex.
 */
#include "cli/cli.h"
#include "common/measure.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "print"

/* The image layer's options.MAC in the signed config (the unionfs at "/",
 * the layer whose source is build/mount/__ROOT), or NULL. */
static const char *image_mac(json_t *cfg)
{
    json_t *mounts = json_object_get(cfg, "mount"), *m;
    size_t i, j;
    json_array_foreach(mounts, i, m)
    {
        json_t *layers = json_object_get(json_object_get(m, "options"), "layers"), *l;
        json_array_foreach(layers, j, l)
        {
            const char *src = json_string_value(json_object_get(l, "source"));
            const char *mac =
                json_string_value(json_object_get(json_object_get(l, "options"), "MAC"));
            size_t n = src ? strlen(src) : 0;
            if (mac && n >= 18 && strcmp(src + n - 18, "build/mount/__ROOT") == 0) return mac;
        }
    }
    return NULL;
}

static int print_image_mac(const char *dir)
{
    char runtime[PATH_MAX + 32], err[PATH_MAX + 256];
    if (cli_runtime(CMD, runtime, sizeof(runtime)) < 0) return 1;
    struct occlum_sig sig;
    size_t len;
    char *text = measure_load_verified_sig(dir, runtime, &len, &sig, err, sizeof(err));
    if (!text) {
        cli_error(CMD, "%s", err);
        return 1;
    }
    json_error_t je;
    json_t *cfg = json_loadb(text, len, 0, &je);
    free(text);
    const char *mac = cfg ? image_mac(cfg) : NULL;
    if (mac)
        printf("%s\n", mac);
    else
        cli_error(CMD, "the build's config has no image layer MAC; run 'occlum build'");
    json_decref(cfg);
    return mac ? 0 : 1;
}

static int print_main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "mrenclave") && strcmp(argv[1], "mrsigner") &&
                      strcmp(argv[1], "image-mac"))) {
        cli_error(CMD, "expected 'mrenclave', 'mrsigner' or 'image-mac': occlum print "
                       "mrenclave|mrsigner|image-mac");
        return 1;
    }
    char dir[PATH_MAX], path[PATH_MAX + 32], err[PATH_MAX + 256];
    if (cli_instance(CMD, dir, sizeof(dir)) < 0) return 1;
    pathf(path, sizeof(path), "%s/%s", dir, MEASURE_SIG_PATH);
    struct occlum_sig sig;
    if (access(path, F_OK) < 0) {
        cli_error(CMD, "%s is missing: the instance is not built; run 'occlum build' first", path);
        return 1;
    }
    if (!strcmp(argv[1], "image-mac")) return print_image_mac(dir);
    if (measure_sig_read(path, &sig, err, sizeof(err)) < 0 ||
        measure_sig_verify(&sig, err, sizeof(err)) < 0) {
        cli_error(CMD, "the signature %s does not verify (%s); run 'occlum build'", path, err);
        return 1;
    }
    uint8_t mrsigner[MEASURE_HASH_LEN];
    const uint8_t *value = sig.mrenclave;
    if (!strcmp(argv[1], "mrsigner")) {
        measure_mrsigner(&sig, mrsigner);
        value = mrsigner;
    }
    char hex[2 * MEASURE_HASH_LEN + 1];
    measure_hex(value, MEASURE_HASH_LEN, hex);
    printf("%s\n", hex);
    return 0;
}

const struct cli_cmd cmd_print = {
    "print",
    "print mrenclave|mrsigner|image-mac",
    "Print the signed measurement, the signer's identity or the image's root MAC.",
    "Must run inside a built instance. Prints 64 lowercase hex digits:\n"
    "  mrenclave  SHA-256 over the LibOS runtime binary and build/Occlum.json.protected\n"
    "             (see README.md for the exact formula), as signed in build/occlum.sig\n"
    "  mrsigner   SHA-256 of the signing key's modulus (384 little-endian bytes, as SGX)\n"
    "  image-mac  the image layer's root MAC (options.MAC of the signed config): the\n"
    "             mac= of a unionfs mounted at run time over a copy of this image\n",
    print_main,
};
