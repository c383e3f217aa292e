/*
 * print.c: `occlum print mrenclave|mrsigner`: the measurement and the signer
 * identity of the last build, read from build/occlum.sig (whose signature is
 * checked first, so what is printed is what was signed), as lowercase hex.
 */
#include "cli/cli.h"
#include "common/measure.h"

#include <string.h>
#include <unistd.h>

#define CMD "print"

static int print_main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "mrenclave") && strcmp(argv[1], "mrsigner"))) {
        cli_error(CMD, "expected 'mrenclave' or 'mrsigner': occlum print mrenclave|mrsigner");
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
    "print mrenclave|mrsigner",
    "Print the signed measurement or the signer's identity.",
    "Must run inside a built instance. Prints 64 lowercase hex digits:\n"
    "  mrenclave  SHA-256 over the LibOS runtime binary and build/Occlum.json.protected\n"
    "             (see README.md for the exact formula), as signed in build/occlum.sig\n"
    "  mrsigner   SHA-256 of the signing key's modulus (384 little-endian bytes, as SGX)\n",
    print_main,
};
