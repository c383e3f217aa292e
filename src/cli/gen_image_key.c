/*
 * gen_image_key.c: `occlum gen-image-key <file>`: a fresh random 256-bit
 * key for the encrypted image layer (`occlum build --image-key <file>`,
 * `occlum run --image-key <file>`), written as hex bytes separated by '-'
 * (Occlum's key file format), mode 0600. An existing file is not replaced:
 * losing an image key loses the image.
 */
#include "cli/cli.h"
#include "image/sefs_format.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#define CMD "gen-image-key"

static int gen_main(int argc, char **argv)
{
    if (argc != 2) {
        cli_error(CMD, "expected one file: occlum gen-image-key <file>");
        return 1;
    }
    uint8_t key[32];
    char text[32 * 3 + 1];
    if (RAND_bytes(key, sizeof(key)) != 1) {
        cli_error(CMD, "the random number generator failed; try again");
        return 1;
    }
    sefs_key_format(key, text);
    OPENSSL_cleanse(key, sizeof(key));
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        cli_error(CMD, "cannot create %s: %s%s", argv[1], strerror(errno),
                  errno == EEXIST ? " (remove it first; it may be the key of an image)" : "");
        return 1;
    }
    size_t len = strlen(text);
    bool ok = fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    OPENSSL_cleanse(text, sizeof(text));
    if (close(fd) < 0) ok = false;
    if (!ok) {
        cli_error(CMD, "cannot write %s: %s", argv[1], strerror(errno));
        unlink(argv[1]);
        return 1;
    }
    return 0;
}

const struct cli_cmd cmd_gen_image_key = {
    "gen-image-key",
    "gen-image-key <file>",
    "Generate a key for the encrypted image layer.",
    "Writes a random 256-bit key to <file> (mode 0600; an existing file is kept).\n"
    "Use it with 'occlum build --image-key <file>' to encrypt the image layer and\n"
    "with 'occlum run --image-key <file>' (or OCCLUM_IMAGE_KEY_FILE=<file>) to run it.\n",
    gen_main,
};
